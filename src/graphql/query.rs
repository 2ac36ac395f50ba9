//! Read operations on interests and profiles.

use async_graphql::{Context, Object, ID};

use super::context::ContextExt;
use super::inputs::{InterestFilterInput, InterestOrder};
use super::loaders::RequestLoaders;
use super::types::{InterestFacets, InterestMatch, PersonInterest, PersonInterestConnection, User};
use crate::domain::discovery;
use crate::domain::interests::{self, Selection};
use crate::domain::values::{InterestId, PageSize, UserId};
use crate::domain::Viewer;
use crate::error::AppError;

/// Queries about interests.
#[derive(Default)]
pub struct InterestQuery;

#[Object]
impl InterestQuery {
    /// The caller's profile; `UNAUTHENTICATED` when anonymous.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        match ctx.viewer()? {
            Viewer::Anonymous => {
                Err(AppError::Unauthenticated("sign in to read your own profile".into()).into())
            }
            Viewer::Caller(c) => Ok(User {
                id: c.id.clone(),
                known_display_name: c.name.clone(),
            }),
        }
    }

    /// Any user's profile; its interests are filtered by audience.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        let id = UserId::parse("id", &id)?;
        let known_display_name = match ctx.viewer()? {
            Viewer::Caller(c) if c.id == id => c.name.clone(),
            _ => None,
        };
        Ok(User {
            id,
            known_display_name,
        })
    }

    /// One interest; `null` when it does not exist or the caller may not see it.
    async fn interest(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<PersonInterest>> {
        let id = InterestId::parse("id", &id)?;
        Ok(interests::get(ctx.reader()?, ctx.viewer()?, id)
            .await?
            .map(Into::into))
    }

    /// Interests across all profiles that the caller may see.
    #[allow(clippy::too_many_arguments)]
    async fn interests(
        &self,
        filter: Option<InterestFilterInput>,
        order_by: Option<InterestOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<PersonInterestConnection> {
        Ok(PersonInterestConnection::new(
            None, filter, order_by, first, after, last, before,
        )?)
    }
}

/// Discovery: facets and mentor matching.
#[derive(Default)]
pub struct DiscoveryQuery;

#[Object]
impl DiscoveryQuery {
    /// For one of the caller's interests: other people's visible, searchable interests on the
    /// same topic that can help (or want help), best first.
    async fn matches_for(
        &self,
        ctx: &Context<'_>,
        interest_id: ID,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<InterestMatch>> {
        let id = InterestId::parse("interestId", &interest_id)?;
        let first = PageSize::parse("first", first)?;
        let matches = discovery::matches_for(ctx.reader()?, ctx.viewer()?, id, first).await?;
        Ok(matches
            .into_iter()
            .map(|(interest, score)| InterestMatch {
                interest: interest.into(),
                score,
            })
            .collect())
    }

    /// Counts of what the caller may see under `filter`.
    async fn interest_facets(
        &self,
        ctx: &Context<'_>,
        filter: Option<InterestFilterInput>,
    ) -> async_graphql::Result<InterestFacets> {
        let filter = filter
            .map(|f| f.into_domain("filter"))
            .transpose()?
            .unwrap_or_default();
        let selection = Selection {
            filter,
            owner: None,
            searchable_only: true,
            expression: None,
        };
        Ok(discovery::facets(ctx.db()?, ctx.viewer()?, &selection)
            .await?
            .into())
    }
}

/// Apollo Federation v2 entity resolvers (`_entities`); hidden from the schema itself.
#[derive(Default)]
pub struct FederationQuery;

#[Object]
impl FederationQuery {
    /// A `PersonInterest` representation: `null` when it does not exist or the caller may not
    /// see it, exactly as `interest(id)`.
    #[graphql(entity)]
    async fn find_person_interest_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<PersonInterest>> {
        let id = InterestId::parse("representations.id", &id)?;
        let found = match ctx.data_opt::<RequestLoaders>() {
            Some(loaders) => loaders.interests.load_one(id).await?,
            None => interests::get(ctx.reader()?, ctx.viewer()?, id).await?,
        };
        Ok(found.map(Into::into))
    }

    /// A `User` representation: the profile, its interests filtered by audience, as `user(id)`.
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        InterestQuery.user(ctx, id).await
    }
}
