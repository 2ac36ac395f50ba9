//! Output types of the schema, mapped from the domain.

use std::sync::Arc;

use async_graphql::{
    ComplexObject, Context, Enum, InputValueError, InputValueResult, Object, Scalar, ScalarType,
    SimpleObject, Value, ID,
};
use chrono::{SecondsFormat, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;

use super::context::ContextExt;
use super::inputs::{InterestFilterInput, InterestOrder};
use super::loaders::{PageSpec, ProfileKey, RequestLoaders};
use crate::db::Reader;
use crate::domain::interests::{self, IdentitySet as DomainIdentitySet, Interest, Page, Selection};
use crate::domain::pagination::{Direction, Order, OrderField, PageRequest, Take};
use crate::domain::values::{self, UserId};
use crate::domain::{directory, discovery, relationships, Viewer};
use crate::error::{AppError, AppResult};

/// RFC 3339 date and time in UTC with microseconds, e.g. `2026-11-28T09:30:00.123456Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

#[Scalar(
    name = "DateTime",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| Self(t.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom("expected an RFC 3339 date-time such as 2026-11-28T09:30:00Z")
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::Micros, true))
    }
}

/// Who may see an item (itemFacet.allowedAudiences).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AllowedAudiences {
    Me,
    Family,
    Contacts,
    GroupMembers,
    Organization,
    FederatedOrganizations,
    Everyone,
    UnknownFutureValue,
}

impl From<values::Audience> for AllowedAudiences {
    fn from(a: values::Audience) -> Self {
        use values::Audience as A;
        match a {
            A::Me => Self::Me,
            A::Family => Self::Family,
            A::Contacts => Self::Contacts,
            A::GroupMembers => Self::GroupMembers,
            A::Organization => Self::Organization,
            A::FederatedOrganizations => Self::FederatedOrganizations,
            A::Everyone => Self::Everyone,
            A::UnknownFutureValue => Self::UnknownFutureValue,
        }
    }
}

impl From<AllowedAudiences> for values::Audience {
    fn from(a: AllowedAudiences) -> Self {
        use AllowedAudiences as A;
        match a {
            A::Me => Self::Me,
            A::Family => Self::Family,
            A::Contacts => Self::Contacts,
            A::GroupMembers => Self::GroupMembers,
            A::Organization => Self::Organization,
            A::FederatedOrganizations => Self::FederatedOrganizations,
            A::Everyone => Self::Everyone,
            A::UnknownFutureValue => Self::UnknownFutureValue,
        }
    }
}

/// How a person wants to collaborate on an interest (personInterest.collaborationTags).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CollaborationTag {
    AskMeAbout,
    AbleToMentor,
    WantsToLearn,
    WantsToImprove,
}

impl From<values::CollaborationTag> for CollaborationTag {
    fn from(t: values::CollaborationTag) -> Self {
        use values::CollaborationTag as T;
        match t {
            T::AskMeAbout => Self::AskMeAbout,
            T::AbleToMentor => Self::AbleToMentor,
            T::WantsToLearn => Self::WantsToLearn,
            T::WantsToImprove => Self::WantsToImprove,
        }
    }
}

impl From<CollaborationTag> for values::CollaborationTag {
    fn from(t: CollaborationTag) -> Self {
        use CollaborationTag as T;
        match t {
            T::AskMeAbout => Self::AskMeAbout,
            T::AbleToMentor => Self::AbleToMentor,
            T::WantsToLearn => Self::WantsToLearn,
            T::WantsToImprove => Self::WantsToImprove,
        }
    }
}

/// One party of an identity set.
#[derive(SimpleObject, Clone, Debug)]
pub struct Identity {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub tenant_id: Option<String>,
}

/// Who did something: user, application and device.
#[derive(SimpleObject, Clone, Debug)]
pub struct IdentitySet {
    pub application: Option<Identity>,
    pub device: Option<Identity>,
    pub user: Option<Identity>,
}

impl From<DomainIdentitySet> for IdentitySet {
    fn from(s: DomainIdentitySet) -> Self {
        let map = |i: interests::Identity| Identity {
            id: i.id,
            display_name: i.display_name,
            tenant_id: i.tenant_id,
        };
        Self {
            application: s.application.map(map),
            device: s.device.map(map),
            user: s.user.map(map),
        }
    }
}

/// How sure an inference is, and whether the user confirmed it.
#[derive(SimpleObject, Clone, Debug)]
pub struct InferenceData {
    pub confidence_score: Option<f64>,
    pub user_has_verified_accuracy: Option<bool>,
}

/// Where an interest came from.
#[derive(SimpleObject, Clone, Debug)]
pub struct PersonDataSource {
    #[graphql(name = "type")]
    pub types: Vec<String>,
}

/// An interest a person has associated with themselves.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct PersonInterest {
    pub id: ID,
    pub user_id: ID,
    pub display_name: String,
    pub description: Option<String>,
    pub web_url: Option<String>,
    pub thumbnail_url: Option<String>,
    /// `false`: shown on the profile, left out of other people's search, facets and matches.
    pub is_searchable: bool,
    pub categories: Vec<String>,
    pub collaboration_tags: Vec<CollaborationTag>,
    pub allowed_audiences: AllowedAudiences,
    pub inference: Option<InferenceData>,
    pub source: Option<PersonDataSource>,
    pub created_by: Option<IdentitySet>,
    pub created_date_time: DateTime,
    pub last_modified_by: Option<IdentitySet>,
    pub last_modified_date_time: DateTime,
    /// Opaque version; changes on every update. Pass it as `ifMatch` to write safely.
    pub etag: String,
}

impl From<Interest> for PersonInterest {
    fn from(i: Interest) -> Self {
        Self {
            id: ID(i.id.to_string()),
            user_id: ID(i.user_id),
            display_name: i.display_name,
            description: i.description,
            web_url: i.web_url,
            thumbnail_url: i.thumbnail_url,
            is_searchable: i.is_searchable,
            categories: i.categories,
            collaboration_tags: i.collaboration_tags.into_iter().map(Into::into).collect(),
            allowed_audiences: i.allowed_audiences.into(),
            inference: i.inference.map(|d| InferenceData {
                confidence_score: d.confidence_score,
                user_has_verified_accuracy: d.user_has_verified_accuracy,
            }),
            source: i.source.map(|s| PersonDataSource { types: s.types }),
            created_by: i.created_by.map(Into::into),
            created_date_time: DateTime(i.created_date_time),
            last_modified_by: i.last_modified_by.map(Into::into),
            last_modified_date_time: DateTime(i.last_modified_date_time),
            etag: i.etag,
        }
    }
}

/// What the owner marked someone as.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RelationshipKind {
    Family,
    Contact,
}

impl From<RelationshipKind> for relationships::RelationshipKind {
    fn from(k: RelationshipKind) -> Self {
        match k {
            RelationshipKind::Family => Self::Family,
            RelationshipKind::Contact => Self::Contact,
        }
    }
}

impl From<relationships::RelationshipKind> for RelationshipKind {
    fn from(k: relationships::RelationshipKind) -> Self {
        match k {
            relationships::RelationshipKind::Family => Self::Family,
            relationships::RelationshipKind::Contact => Self::Contact,
        }
    }
}

/// Someone the caller marked as family or contact.
#[derive(SimpleObject, Clone, Debug)]
pub struct Relationship {
    pub user_id: ID,
    pub kind: RelationshipKind,
}

impl From<relationships::Relationship> for Relationship {
    fn from(r: relationships::Relationship) -> Self {
        Self {
            user_id: ID(r.user_id),
            kind: r.kind.into(),
        }
    }
}

#[ComplexObject]
impl PersonInterest {
    /// The profile the interest is on (names are loaded in one batch per request).
    async fn user(&self) -> async_graphql::Result<User> {
        let id = UserId::parse("userId", &self.user_id).map_err(|_| {
            AppError::internal(anyhow::anyhow!("stored user id {:?} is invalid", self.user_id.0))
        })?;
        Ok(User {
            id,
            known_display_name: None,
        })
    }
}

/// A person's profile.
pub struct User {
    pub id: UserId,
    /// The name when already known (the caller's own, from the token); otherwise the directory's.
    pub known_display_name: Option<String>,
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.id.as_str().to_owned())
    }

    /// The name from the user's latest token.
    async fn display_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if let Some(name) = &self.known_display_name {
            return Ok(Some(name.clone()));
        }
        match ctx.data_opt::<RequestLoaders>() {
            Some(loaders) => Ok(loaders.display_names.load_one(self.id.clone()).await?),
            None => Ok(directory::display_name(ctx.db()?, &self.id).await?),
        }
    }

    /// The people this user marked as family or contact: the caller's own only.
    async fn relationships(&self, ctx: &Context<'_>) -> Result<Vec<Relationship>, AppError> {
        let list = relationships::list(ctx.db()?, ctx.viewer()?, &self.id).await?;
        Ok(list.into_iter().map(Into::into).collect())
    }

    /// This person's interests that the caller may see.
    #[allow(clippy::too_many_arguments)]
    async fn interests(
        &self,
        filter: Option<InterestFilterInput>,
        order_by: Option<InterestOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<PersonInterestConnection, AppError> {
        PersonInterestConnection::new(
            Some(self.id.clone()),
            filter,
            order_by,
            first,
            after,
            last,
            before,
        )
    }
}

/// The result of a connection query, fetched once when first needed.
struct ConnectionState {
    selection: Selection,
    order: Order,
    page: PageRequest,
    fetched: OnceCell<Page>,
}

impl ConnectionState {
    /// The first page of a profile, asked without cursors: loaded in a batch with every other
    /// profile of this request that asks the same.
    fn batch_key(&self) -> Option<ProfileKey> {
        let owner = self.selection.owner.clone()?;
        let first = match self.page.take {
            Take::First(n) if self.page.after.is_none() && self.page.before.is_none() => n,
            _ => return None,
        };
        (self.order.field != OrderField::Relevance).then(|| ProfileKey {
            owner,
            spec: PageSpec::new(self.selection.filter.clone(), self.order, first),
        })
    }

    async fn page(&self, ctx: &Context<'_>) -> async_graphql::Result<&Page> {
        self.fetched
            .get_or_try_init(|| async {
                self.fetch(ctx.reader()?, ctx.viewer()?, ctx.data_opt::<RequestLoaders>())
                    .await
            })
            .await
    }

    /// Reads the page: a profile's first page through the request's batch when there is one.
    async fn fetch(
        &self,
        reader: &Reader,
        viewer: &Viewer,
        loaders: Option<&RequestLoaders>,
    ) -> async_graphql::Result<Page> {
        let empty = || Page {
            edges: Vec::new(),
            has_next_page: Some(false),
            has_previous_page: Some(false),
        };
        match (self.batch_key(), loaders) {
            (Some(key), Some(loaders)) => Ok(loaders.first_pages.load_one(key).await?.unwrap_or_else(empty)),
            (Some(key), None) => Ok(interests::first_pages(
                reader,
                viewer,
                &key.spec.filter,
                key.spec.order,
                key.spec.first,
                std::slice::from_ref(&key.owner),
            )
            .await?
            .remove(&key.owner)
            .unwrap_or_else(empty)),
            (None, _) => Ok(interests::list(reader, viewer, &self.selection, self.order, &self.page).await?),
        }
    }

    /// `pageInfo.hasNextPage` (`forward`) or `hasPreviousPage` of `page`.
    async fn has_more(
        &self,
        page: &Page,
        db: &DatabaseConnection,
        viewer: &Viewer,
        forward: bool,
    ) -> AppResult<bool> {
        let (known, cursor) = if forward {
            (page.has_next_page, &self.page.before)
        } else {
            (page.has_previous_page, &self.page.after)
        };
        match (known, cursor) {
            (Some(known), _) => Ok(known),
            (None, Some(cursor)) => {
                interests::edge_exists_beyond(db, viewer, &self.selection, self.order, cursor, forward).await
            }
            (None, None) => Ok(false),
        }
    }
}

/// A page of interests (Relay connection).
pub struct PersonInterestConnection {
    state: Arc<ConnectionState>,
}

impl PersonInterestConnection {
    /// Checks the arguments of a connection field; nothing is read until a field asks.
    pub fn new(
        owner: Option<UserId>,
        filter: Option<InterestFilterInput>,
        order_by: Option<InterestOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Self, AppError> {
        let filter = filter
            .map(|f| f.into_domain("filter"))
            .transpose()?
            .unwrap_or_default();
        // A search without an explicit order is ranked, best first.
        let order = match (order_by, &filter.search) {
            (Some(order), _) => Order::from(order),
            (None, Some(_)) => Order {
                field: OrderField::Relevance,
                direction: Direction::Desc,
            },
            (None, None) => Order::default(),
        };
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref(), order)?;
        Ok(Self {
            state: Arc::new(ConnectionState {
                selection: Selection {
                    filter,
                    owner,
                    searchable_only: false,
                    expression: None,
                },
                order,
                page,
                fetched: OnceCell::new(),
            }),
        })
    }
}

/// For compiled plans (`super::plans`), which read a connection without a GraphQL context.
impl PersonInterestConnection {
    /// The page, read directly (a profile's first page as a batch of one).
    pub(crate) async fn read(&self, reader: &Reader, viewer: &Viewer) -> async_graphql::Result<Page> {
        self.state.fetch(reader, viewer, None).await
    }

    /// `pageInfo.hasNextPage` (`forward`) or `hasPreviousPage` of `page`.
    pub(crate) async fn has_more(
        &self,
        page: &Page,
        db: &DatabaseConnection,
        viewer: &Viewer,
        forward: bool,
    ) -> AppResult<bool> {
        self.state.has_more(page, db, viewer, forward).await
    }
}

/// One interest of a page, with its cursor.
#[derive(SimpleObject)]
pub struct PersonInterestEdge {
    pub cursor: String,
    pub node: PersonInterest,
}

#[Object]
impl PersonInterestConnection {
    async fn edges(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PersonInterestEdge>> {
        let page = self.state.page(ctx).await?;
        Ok(page
            .edges
            .iter()
            .map(|(interest, cursor)| PersonInterestEdge {
                cursor: cursor.clone(),
                node: interest.clone().into(),
            })
            .collect())
    }

    async fn nodes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PersonInterest>> {
        let page = self.state.page(ctx).await?;
        Ok(page.edges.iter().map(|(i, _)| i.clone().into()).collect())
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo {
            state: self.state.clone(),
        }
    }

    /// How many interests the caller may see under the filter (computed only when asked).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let selection = &self.state.selection;
        let batched = match (&selection.owner, ctx.data_opt::<RequestLoaders>()) {
            (Some(owner), Some(loaders)) if selection.filter.search.is_none() => {
                let key = ProfileKey {
                    owner: owner.clone(),
                    spec: PageSpec::new(selection.filter.clone(), Order::default(), 0),
                };
                Some(loaders.counts.load_one(key).await?.unwrap_or(0))
            }
            _ => None,
        };
        let n = match batched {
            Some(n) => n,
            None => interests::count(ctx.db()?, ctx.viewer()?, selection).await?,
        };
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Where a page sits in its list.
pub struct PageInfo {
    state: Arc<ConnectionState>,
}

#[Object]
impl PageInfo {
    async fn has_next_page(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let page = self.state.page(ctx).await?;
        Ok(self.state.has_more(page, ctx.db()?, ctx.viewer()?, true).await?)
    }

    async fn has_previous_page(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let page = self.state.page(ctx).await?;
        Ok(self.state.has_more(page, ctx.db()?, ctx.viewer()?, false).await?)
    }

    async fn start_cursor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.state.page(ctx).await?.edges.first().map(|(_, c)| c.clone()))
    }

    async fn end_cursor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.state.page(ctx).await?.edges.last().map(|(_, c)| c.clone()))
    }
}

/// What `deleteInterest` answers.
#[derive(SimpleObject)]
pub struct DeleteInterestPayload {
    pub id: ID,
}

/// One value of a facet and how many visible interests have it.
#[derive(SimpleObject, Clone, Debug)]
pub struct FacetCount {
    /// A category (its most common spelling) or a GraphQL enum name.
    pub value: String,
    pub count: i32,
}

/// Counts of what the caller may see under a filter, largest first.
#[derive(SimpleObject, Clone, Debug)]
pub struct InterestFacets {
    /// The 50 most common categories (case-insensitive).
    pub categories: Vec<FacetCount>,
    /// Every collaboration tag.
    pub collaboration_tags: Vec<FacetCount>,
    /// Every audience.
    pub allowed_audiences: Vec<FacetCount>,
}

fn facet(value: impl Into<String>, count: u64) -> FacetCount {
    FacetCount {
        value: value.into(),
        count: i32::try_from(count).unwrap_or(i32::MAX),
    }
}

impl From<discovery::Facets> for InterestFacets {
    fn from(f: discovery::Facets) -> Self {
        Self {
            categories: f.categories.into_iter().map(|(v, n)| facet(v, n)).collect(),
            collaboration_tags: f
                .collaboration_tags
                .into_iter()
                .map(|(t, n)| facet(t.as_str(), n))
                .collect(),
            allowed_audiences: f
                .allowed_audiences
                .into_iter()
                .map(|(a, n)| facet(a.as_str(), n))
                .collect(),
        }
    }
}

/// Another person's interest on the same topic, and how well it matches.
#[derive(SimpleObject, Clone, Debug)]
pub struct InterestMatch {
    pub interest: PersonInterest,
    /// Higher is better: an equal normalised displayName outranks shared categories, which
    /// outrank text similarity.
    pub score: f64,
}
