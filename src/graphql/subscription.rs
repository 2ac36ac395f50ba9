//! Live updates of interests.

use async_graphql::{Context, Enum, SimpleObject, Subscription, ID};
use futures_util::{Stream, StreamExt};

use super::context::ContextExt;
use super::types::{DateTime, PersonInterest};
use crate::domain::events::{self, ChangeKind, Delivery, EventBus};
use crate::domain::values::UserId;
use crate::error::AppError;

/// What happened to an interest.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InterestEventType {
    Created,
    Updated,
    Deleted,
}

/// A change to an interest the subscriber may see (or could see, for `DELETED`).
#[derive(SimpleObject, Clone, Debug)]
pub struct InterestEvent {
    #[graphql(name = "type")]
    pub kind: InterestEventType,
    pub interest_id: ID,
    pub user_id: ID,
    /// `null` for `DELETED`.
    pub interest: Option<PersonInterest>,
    pub at: DateTime,
}

impl From<Delivery> for InterestEvent {
    fn from(d: Delivery) -> Self {
        Self {
            kind: match d.kind {
                ChangeKind::Created => InterestEventType::Created,
                ChangeKind::Updated => InterestEventType::Updated,
                ChangeKind::Deleted => InterestEventType::Deleted,
            },
            interest_id: ID(d.interest_id.to_string()),
            user_id: ID(d.user_id),
            interest: d.interest.map(Into::into),
            at: DateTime(d.at),
        }
    }
}

/// Subscriptions to interests.
#[derive(Default)]
pub struct InterestSubscription;

#[Subscription]
impl InterestSubscription {
    /// Changes to the interests the caller may see; `userId` narrows to one profile.
    async fn interest_events(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = InterestEvent> + use<>> {
        let owner = user_id.map(|id| UserId::parse("userId", &id)).transpose()?;
        let bus = ctx
            .data::<EventBus>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("no event bus in the schema data")))?;
        let stream = events::deliveries(ctx.db()?.clone(), ctx.viewer()?.clone(), owner, bus.subscribe());
        Ok(stream.map(InterestEvent::from))
    }
}
