//! Input types of the schema and their one conversion into validated domain values.
//!
//! Every rule lives in `domain::values`; here each input field is handed to it with its
//! dotted path, so that a failure names the field exactly (`input.categories[3]`).

use async_graphql::{Enum, InputObject, MaybeUndefined, ID};

use super::types::{AllowedAudiences, CollaborationTag, DateTime};
use crate::domain::interests::{Change, InterestChanges, InterestFilter, NewInterest};
use crate::domain::pagination::{Direction, Order, OrderField};
use crate::domain::search::SearchTerms;
use crate::domain::values::{
    Audience, Categories, Description, DisplayName, HttpUrl, Inference, Source, UserId, FILTER_MAX_VALUES,
};
use crate::error::{AppError, AppResult};

/// What an interest list is sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InterestOrderField {
    CreatedDateTime,
    LastModifiedDateTime,
    DisplayName,
}

/// Sort direction.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderDirection {
    Asc,
    Desc,
}

/// Order of an interest list; ties are broken by id.
#[derive(InputObject, Clone, Debug)]
pub struct InterestOrder {
    pub field: InterestOrderField,
    #[graphql(default_with = "Some(OrderDirection::Asc)")]
    pub direction: Option<OrderDirection>,
}

impl From<InterestOrder> for Order {
    fn from(o: InterestOrder) -> Self {
        Order {
            field: match o.field {
                InterestOrderField::CreatedDateTime => OrderField::CreatedDateTime,
                InterestOrderField::LastModifiedDateTime => OrderField::LastModifiedDateTime,
                InterestOrderField::DisplayName => OrderField::DisplayName,
            },
            direction: match o.direction {
                Some(OrderDirection::Asc) | None => Direction::Asc,
                Some(OrderDirection::Desc) => Direction::Desc,
            },
        }
    }
}

/// Filters of an interest list; all given filters must hold.
#[derive(InputObject, Clone, Debug, Default)]
#[graphql(name = "InterestFilter")]
pub struct InterestFilterInput {
    /// Owner is one of these users.
    pub user_ids: Option<Vec<ID>>,
    /// Has any of these categories (case-insensitive).
    pub categories: Option<Vec<String>>,
    /// Has any of these tags.
    pub collaboration_tags: Option<Vec<CollaborationTag>>,
    /// Audience is one of these.
    pub allowed_audiences: Option<Vec<AllowedAudiences>>,
    /// Created strictly after.
    pub created_after: Option<DateTime>,
    /// Created strictly before.
    pub created_before: Option<DateTime>,
    /// Last modified strictly after.
    pub modified_after: Option<DateTime>,
    /// Last modified strictly before.
    pub modified_before: Option<DateTime>,
    /// Full text over displayName, description and categories: every word, as a prefix,
    /// case-insensitive. Ranked best first unless `orderBy` is given.
    pub search: Option<String>,
}

fn bounded<T>(field: &str, values: &[T]) -> AppResult<()> {
    if values.len() > FILTER_MAX_VALUES {
        return Err(AppError::bad_input(
            field,
            format!("at most {FILTER_MAX_VALUES} values"),
        ));
    }
    Ok(())
}

impl InterestFilterInput {
    /// The validated filter; `field` is the argument name (`filter`).
    pub fn into_domain(self, field: &str) -> AppResult<InterestFilter> {
        let user_ids = self
            .user_ids
            .map(|ids| {
                let f = format!("{field}.userIds");
                bounded(&f, &ids)?;
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| UserId::parse(&format!("{f}[{i}]"), id))
                    .collect::<AppResult<Vec<_>>>()
            })
            .transpose()?;
        let category_keys = self
            .categories
            .map(|c| Categories::filter_keys(&format!("{field}.categories"), &c))
            .transpose()?;
        let collaboration_tags = self
            .collaboration_tags
            .map(|tags| {
                bounded(&format!("{field}.collaborationTags"), &tags)?;
                Ok::<_, AppError>(tags.into_iter().map(Into::into).collect())
            })
            .transpose()?;
        let allowed_audiences = self
            .allowed_audiences
            .map(|a| {
                bounded(&format!("{field}.allowedAudiences"), &a)?;
                Ok::<_, AppError>(a.into_iter().map(Into::into).collect())
            })
            .transpose()?;
        Ok(InterestFilter {
            user_ids,
            category_keys,
            collaboration_tags,
            allowed_audiences,
            created_after: self.created_after.map(|t| t.0),
            created_before: self.created_before.map(|t| t.0),
            modified_after: self.modified_after.map(|t| t.0),
            modified_before: self.modified_before.map(|t| t.0),
            search: self
                .search
                .map(|q| SearchTerms::parse(&format!("{field}.search"), &q))
                .transpose()?,
        })
    }
}

/// Inference data of an interest.
#[derive(InputObject, Clone, Debug)]
pub struct InferenceDataInput {
    pub confidence_score: Option<f64>,
    pub user_has_verified_accuracy: Option<bool>,
}

impl InferenceDataInput {
    fn into_domain(self, field: &str) -> AppResult<Inference> {
        Inference::parse(field, self.confidence_score, self.user_has_verified_accuracy)
    }
}

/// Where an interest came from.
#[derive(InputObject, Clone, Debug)]
pub struct PersonDataSourceInput {
    #[graphql(name = "type")]
    pub types: Vec<String>,
}

impl PersonDataSourceInput {
    fn into_domain(self, field: &str) -> AppResult<Source> {
        Source::parse(field, &self.types)
    }
}

/// A new interest.
#[derive(InputObject, Clone, Debug)]
pub struct CreateInterestInput {
    /// Whose profile; default the caller. Another user's: admins only.
    pub user_id: Option<ID>,
    pub display_name: String,
    pub description: Option<String>,
    pub web_url: Option<String>,
    pub thumbnail_url: Option<String>,
    #[graphql(default_with = "Some(true)")]
    pub is_searchable: Option<bool>,
    #[graphql(default_with = "Some(Vec::new())")]
    pub categories: Option<Vec<String>>,
    #[graphql(default_with = "Some(Vec::new())")]
    pub collaboration_tags: Option<Vec<CollaborationTag>>,
    /// Microsoft Graph's default: ORGANIZATION.
    #[graphql(default_with = "Some(AllowedAudiences::Organization)")]
    pub allowed_audiences: Option<AllowedAudiences>,
    pub inference: Option<InferenceDataInput>,
    pub source: Option<PersonDataSourceInput>,
}

impl CreateInterestInput {
    /// The validated new interest; `field` is the argument name (`input`).
    ///
    /// An explicit `null` on a field with a default takes the default.
    pub fn into_domain(self, field: &str) -> AppResult<NewInterest> {
        let at = |name: &str| format!("{field}.{name}");
        Ok(NewInterest {
            owner: self
                .user_id
                .map(|id| UserId::parse(&at("userId"), &id))
                .transpose()?,
            display_name: DisplayName::parse(&at("displayName"), &self.display_name)?,
            description: self
                .description
                .map(|d| Description::parse(&at("description"), &d))
                .transpose()?,
            web_url: self
                .web_url
                .map(|u| HttpUrl::parse(&at("webUrl"), &u))
                .transpose()?,
            thumbnail_url: self
                .thumbnail_url
                .map(|u| HttpUrl::parse(&at("thumbnailUrl"), &u))
                .transpose()?,
            is_searchable: self.is_searchable.unwrap_or(true),
            categories: Categories::parse(&at("categories"), &self.categories.unwrap_or_default())?,
            collaboration_tags: self
                .collaboration_tags
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            allowed_audiences: Audience::parse_input(
                &at("allowedAudiences"),
                self.allowed_audiences
                    .unwrap_or(AllowedAudiences::Organization)
                    .into(),
            )?,
            inference: self
                .inference
                .map(|i| i.into_domain(&at("inference")))
                .transpose()?,
            source: self.source.map(|s| s.into_domain(&at("source"))).transpose()?,
        })
    }
}

/// Changes to an interest: an omitted field is left alone; explicit `null` clears
/// `description`, `webUrl`, `thumbnailUrl`, `inference` and `source`, and is refused elsewhere.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UpdateInterestInput {
    pub display_name: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub web_url: MaybeUndefined<String>,
    pub thumbnail_url: MaybeUndefined<String>,
    pub is_searchable: MaybeUndefined<bool>,
    pub categories: MaybeUndefined<Vec<String>>,
    pub collaboration_tags: MaybeUndefined<Vec<CollaborationTag>>,
    pub allowed_audiences: MaybeUndefined<AllowedAudiences>,
    pub inference: MaybeUndefined<InferenceDataInput>,
    pub source: MaybeUndefined<PersonDataSourceInput>,
}

/// A field that may not be cleared: omitted keeps it, `null` is refused.
fn required<T, U>(
    field: &str,
    value: MaybeUndefined<T>,
    parse: impl FnOnce(T) -> AppResult<U>,
) -> AppResult<Change<U>> {
    match value {
        MaybeUndefined::Undefined => Ok(Change::Keep),
        MaybeUndefined::Null => Err(AppError::bad_input(
            field,
            format!("{} cannot be null", last_segment(field)),
        )),
        MaybeUndefined::Value(v) => parse(v).map(Change::Set),
    }
}

/// A field that may be cleared with `null`.
fn clearable<T, U>(
    value: MaybeUndefined<T>,
    parse: impl FnOnce(T) -> AppResult<U>,
) -> AppResult<Change<Option<U>>> {
    match value {
        MaybeUndefined::Undefined => Ok(Change::Keep),
        MaybeUndefined::Null => Ok(Change::Set(None)),
        MaybeUndefined::Value(v) => parse(v).map(|u| Change::Set(Some(u))),
    }
}

fn last_segment(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

impl UpdateInterestInput {
    /// The validated changes; `field` is the argument name (`input`).
    pub fn into_domain(self, field: &str) -> AppResult<InterestChanges> {
        let at = |name: &str| format!("{field}.{name}");
        Ok(InterestChanges {
            display_name: required(&at("displayName"), self.display_name, |v| {
                DisplayName::parse(&at("displayName"), &v)
            })?,
            description: clearable(self.description, |v| Description::parse(&at("description"), &v))?,
            web_url: clearable(self.web_url, |v| HttpUrl::parse(&at("webUrl"), &v))?,
            thumbnail_url: clearable(self.thumbnail_url, |v| HttpUrl::parse(&at("thumbnailUrl"), &v))?,
            is_searchable: required(&at("isSearchable"), self.is_searchable, Ok)?,
            categories: required(&at("categories"), self.categories, |v| {
                Categories::parse(&at("categories"), &v)
            })?,
            collaboration_tags: required(&at("collaborationTags"), self.collaboration_tags, |v| {
                Ok(v.into_iter().map(Into::into).collect())
            })?,
            allowed_audiences: required(&at("allowedAudiences"), self.allowed_audiences, |v| {
                Audience::parse_input(&at("allowedAudiences"), v.into())
            })?,
            inference: clearable(self.inference, |v| v.into_domain(&at("inference")))?,
            source: clearable(self.source, |v| v.into_domain(&at("source")))?,
        })
    }
}
