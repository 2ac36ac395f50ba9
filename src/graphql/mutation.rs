//! Write operations on interests.

use async_graphql::{Context, Object, ID};

use super::context::ContextExt;
use super::inputs::{CreateInterestInput, UpdateInterestInput};
use super::types::{DeleteInterestPayload, PersonInterest, Relationship, RelationshipKind};
use crate::domain::values::{InterestId, UserId};
use crate::domain::Viewer;
use crate::domain::{interests, relationships};
use crate::error::AppError;

/// Mutations of interests.
#[derive(Default)]
pub struct InterestMutation;

fn signed_in(viewer: &Viewer) -> Result<(), AppError> {
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated("sign in to do this".into())),
        Viewer::Caller(_) => Ok(()),
    }
}

#[Object]
impl InterestMutation {
    /// Adds an interest to the caller's profile (an admin may name another `userId`).
    async fn create_interest(
        &self,
        ctx: &Context<'_>,
        input: CreateInterestInput,
    ) -> async_graphql::Result<PersonInterest> {
        let viewer = ctx.viewer()?;
        signed_in(viewer)?;
        let new = input.into_domain("input")?;
        Ok(
            interests::create(ctx.db()?, ctx.creates()?, ctx.publisher()?, viewer, new)
                .await?
                .into(),
        )
    }

    /// Changes an interest; `ifMatch` refuses the write with `CONFLICT` unless it is the current etag.
    async fn update_interest(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateInterestInput,
        if_match: Option<String>,
    ) -> async_graphql::Result<PersonInterest> {
        let viewer = ctx.viewer()?;
        signed_in(viewer)?;
        let id = InterestId::parse("id", &id)?;
        let changes = input.into_domain("input")?;
        Ok(interests::update(
            ctx.db()?,
            ctx.publisher()?,
            viewer,
            id,
            changes,
            if_match.as_deref(),
        )
        .await?
        .into())
    }

    /// Deletes an interest; `ifMatch` as for updates.
    async fn delete_interest(
        &self,
        ctx: &Context<'_>,
        id: ID,
        if_match: Option<String>,
    ) -> async_graphql::Result<DeleteInterestPayload> {
        let viewer = ctx.viewer()?;
        signed_in(viewer)?;
        let id = InterestId::parse("id", &id)?;
        let deleted = interests::delete(ctx.db()?, ctx.publisher()?, viewer, id, if_match.as_deref()).await?;
        Ok(DeleteInterestPayload {
            id: ID(deleted.to_string()),
        })
    }
}

/// Mutations of the caller's family and contacts.
#[derive(Default)]
pub struct RelationshipMutation;

#[Object]
impl RelationshipMutation {
    /// Marks `userId` as the caller's family or contact; adding it again changes nothing.
    async fn add_relationship(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        kind: RelationshipKind,
    ) -> async_graphql::Result<Relationship> {
        let viewer = ctx.viewer()?;
        signed_in(viewer)?;
        let other = UserId::parse("userId", &user_id)?;
        Ok(relationships::add(ctx.db()?, viewer, other, kind.into())
            .await?
            .into())
    }

    /// Removes a relationship; `false` when there was none.
    async fn remove_relationship(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        kind: RelationshipKind,
    ) -> async_graphql::Result<bool> {
        let viewer = ctx.viewer()?;
        signed_in(viewer)?;
        let other = UserId::parse("userId", &user_id)?;
        Ok(relationships::remove(ctx.db()?, viewer, other, kind.into()).await?)
    }
}
