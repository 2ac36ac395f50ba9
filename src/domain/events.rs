//! Live updates: what changed, and which subscriber may learn of it.
//!
//! A write publishes a [`Change`] naming the interest, its owner and — for updates and deletes
//! — a snapshot of who could see it before. Each subscriber then decides with the same
//! visibility rule as queries: `CREATED`/`UPDATED` when it may see the interest after the
//! change, `DELETED` when it could see it before and now cannot (deleted, or out of sight).
//!
//! Changes travel as ids and two short fields, never rows: within one process over a
//! broadcast channel; across processes on PostgreSQL through `NOTIFY` (see `crate::fanout`).

use chrono::{DateTime, Utc};
use entity::interest;
use futures_util::{Stream, StreamExt};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

use super::interests::{self, Interest};
use super::values::{InterestId, UserId};
use super::viewer::Viewer;
use super::visibility::visible_to;
use crate::error::{AppError, AppResult};

/// What happened to an interest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

/// The fields the audience rule reads, as they were before a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub user_id: String,
    pub allowed_audiences: String,
    /// Absent in events from a gateway older than this field: then nobody matches by
    /// organization, which errs on the side of not telling.
    #[serde(default)]
    pub owner_tenant_id: Option<String>,
}

/// One committed change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub interest_id: Uuid,
    pub user_id: String,
    /// Before an update or delete; `None` on create.
    pub before: Option<Snapshot>,
    /// Microseconds since the epoch.
    pub at: i64,
}

/// What one subscriber receives.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub kind: ChangeKind,
    pub interest_id: InterestId,
    pub user_id: String,
    /// `None` for `Deleted`.
    pub interest: Option<Interest>,
    pub at: DateTime<Utc>,
}

/// The in-process channel every subscriber of this process listens to.
#[derive(Clone, Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Change>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl EventBus {
    pub fn new(capacity: usize) -> Self {
        Self {
            sender: broadcast::channel(capacity).0,
        }
    }

    /// Hands `change` to this process's subscribers.
    pub fn deliver_locally(&self, change: Change) {
        // No receivers is fine: nobody is subscribed.
        let _ = self.sender.send(change);
    }

    /// A new receiver of every later change.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// How many subscribers listen in this process.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// Whether `viewer` could see an interest in the state `snapshot` describes: the visibility
/// rule evaluated on a one-row derived table named like the interest table.
async fn could_see(db: &impl ConnectionTrait, viewer: &Viewer, snapshot: &Snapshot) -> AppResult<bool> {
    let row = Query::select()
        .expr_as(Expr::val(snapshot.user_id.clone()), interest::Column::UserId)
        .expr_as(
            Expr::val(snapshot.allowed_audiences.clone()),
            interest::Column::AllowedAudiences,
        )
        .expr_as(
            Expr::val(snapshot.owner_tenant_id.clone()),
            interest::Column::OwnerTenantId,
        )
        .to_owned();
    let probe = Query::select()
        .expr(Expr::val(1))
        .from_subquery(row, interest::Entity)
        .cond_where(visible_to(viewer))
        .to_owned();
    Ok(db.query_one(&probe).await?.is_some())
}

/// What `viewer` learns of `change`, if anything; `owner` narrows to one profile.
pub async fn delivery_for(
    db: &DatabaseConnection,
    viewer: &Viewer,
    owner: Option<&UserId>,
    change: &Change,
) -> AppResult<Option<Delivery>> {
    if owner.is_some_and(|o| o.as_str() != change.user_id) {
        return Ok(None);
    }
    let id = InterestId::from_uuid(change.interest_id);
    let now_visible = match change.kind {
        ChangeKind::Deleted => None,
        ChangeKind::Created | ChangeKind::Updated => interests::get(db, viewer, id).await?,
    };
    let kind = match (change.kind, &now_visible) {
        (ChangeKind::Created, Some(_)) => ChangeKind::Created,
        (ChangeKind::Updated, Some(_)) => ChangeKind::Updated,
        (_, None) => match &change.before {
            Some(before) if could_see(db, viewer, before).await? => ChangeKind::Deleted,
            _ => return Ok(None),
        },
        (ChangeKind::Deleted, Some(_)) => return Ok(None),
    };
    let at = DateTime::<Utc>::from_timestamp_micros(change.at)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("event time {} out of range", change.at)))?;
    Ok(Some(Delivery {
        kind,
        interest_id: id,
        user_id: change.user_id.clone(),
        interest: now_visible,
        at,
    }))
}

/// The deliveries of every later change to `viewer`, in order.
pub fn deliveries(
    db: DatabaseConnection,
    viewer: Viewer,
    owner: Option<UserId>,
    receiver: broadcast::Receiver<Change>,
) -> impl Stream<Item = Delivery> + Send + 'static {
    BroadcastStream::new(receiver).filter_map(move |received| {
        let (db, viewer, owner) = (db.clone(), viewer.clone(), owner.clone());
        async move {
            let change = match received {
                Ok(change) => change,
                Err(BroadcastStreamRecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind; events were dropped");
                    return None;
                }
            };
            match delivery_for(&db, &viewer, owner.as_ref(), &change).await {
                Ok(delivery) => delivery,
                Err(err) => {
                    tracing::warn!(error = ?err, interest = %change.interest_id, "event not delivered");
                    None
                }
            }
        }
    })
}

/// The PostgreSQL channel changes travel on between instances.
pub const NOTIFY_CHANNEL: &str = "interest_events";

/// Where a write sends its change: on PostgreSQL a `NOTIFY` inside the write's transaction
/// (sent on commit, heard by every instance, this one included); elsewhere the in-process bus
/// after commit (one process per SQLite file or MariaDB deployment, see the README).
#[derive(Clone, Debug)]
pub struct Publisher {
    bus: EventBus,
    notify: bool,
}

impl Publisher {
    /// `notify`: the database is PostgreSQL and an instance listener feeds the bus.
    pub fn new(bus: EventBus, notify: bool) -> Self {
        Self { bus, notify }
    }

    /// Inside the write's transaction.
    pub async fn stage(&self, txn: &impl ConnectionTrait, change: &Change) -> AppResult<()> {
        if self.notify {
            let payload = serde_json::to_string(change).map_err(AppError::internal)?;
            txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [NOTIFY_CHANNEL.into(), payload.into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// After the write committed.
    pub fn committed(&self, change: Change) {
        if !self.notify {
            self.bus.deliver_locally(change);
        }
    }
}
