//! Live updates: what changed, and which subscriber may learn of it.
//!
//! A write publishes a [`Change`] naming the interest, its owner and — for updates and deletes
//! — a snapshot of who could see it before. Each process reads the interest and what its
//! audience rule needs of the owner once per change ([`Published::resolved`]), and every
//! subscriber then decides in memory with the visibility rule of queries
//! ([`OwnerAudience::seen_by`]): `CREATED`/`UPDATED` when it may see the interest after the
//! change, `DELETED` when it could see it before and now cannot (deleted, or out of sight).
//! A write reaching a thousand subscribers costs a few statements, not a thousand.
//!
//! Changes travel as ids and three short fields, never rows: within one process over a
//! broadcast channel; across processes on PostgreSQL through `NOTIFY` after commit, batched by
//! [`notifier`] (see `crate::fanout`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::interest;
use futures_util::{Stream, StreamExt};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

use super::interests::Interest;
use super::values::{InterestId, UserId};
use super::viewer::Viewer;
use super::visibility::{load_owner_audience, OwnerAudience};
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
    sender: broadcast::Sender<Arc<Published>>,
}

/// A change as this process's subscribers receive it: what they need to decide is loaded by
/// the first of them and shared with the rest.
#[derive(Debug)]
pub struct Published {
    pub change: Change,
    resolved: tokio::sync::OnceCell<Option<Arc<Resolved>>>,
}

/// The interest after the change and its audience before and after.
#[derive(Debug)]
struct Resolved {
    after: Option<(Interest, OwnerAudience)>,
    before: Option<OwnerAudience>,
}

impl Published {
    fn new(change: Change) -> Self {
        Self {
            change,
            resolved: tokio::sync::OnceCell::new(),
        }
    }

    /// Loads (once) the interest as it is now and what its audience rule needs; `None` when
    /// the database failed (logged once; the change is then not delivered).
    async fn resolved(&self, db: &DatabaseConnection) -> Option<Arc<Resolved>> {
        self.resolved
            .get_or_init(|| async {
                match resolve(db, &self.change).await {
                    Ok(resolved) => Some(Arc::new(resolved)),
                    Err(err) => {
                        tracing::warn!(error = ?err, interest = %self.change.interest_id, "event not delivered");
                        None
                    }
                }
            })
            .await
            .clone()
    }
}

async fn resolve(db: &DatabaseConnection, change: &Change) -> AppResult<Resolved> {
    let row = match change.kind {
        ChangeKind::Deleted => None,
        ChangeKind::Created | ChangeKind::Updated => {
            interest::Entity::find_by_id(change.interest_id).one(db).await?
        }
    };
    let (audience, also) = match (&row, &change.before) {
        (Some(row), before) => (
            row.allowed_audiences.clone(),
            before.as_ref().map(|b| b.allowed_audiences.clone()),
        ),
        (None, Some(before)) => (before.allowed_audiences.clone(), None),
        (None, None) => {
            return Ok(Resolved {
                after: None,
                before: None,
            })
        }
    };
    let tenant = row
        .as_ref()
        .map(|r| r.owner_tenant_id.clone())
        .or_else(|| change.before.as_ref().map(|b| b.owner_tenant_id.clone()))
        .flatten();
    let owner = load_owner_audience(db, &change.user_id, tenant, &audience, also.as_deref()).await?;
    let before = change
        .before
        .as_ref()
        .map(|b| owner.with_audience(&b.allowed_audiences, b.owner_tenant_id.clone()));
    let after = match row {
        Some(row) => {
            let audience = owner.with_audience(&row.allowed_audiences, row.owner_tenant_id.clone());
            Some((Interest::from_model(row)?, audience))
        }
        None => None,
    };
    Ok(Resolved { after, before })
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
        let _ = self.sender.send(Arc::new(Published::new(change)));
    }

    /// A new receiver of every later change.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.sender.subscribe()
    }

    /// How many subscribers listen in this process.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// What `viewer` learns of `published`, if anything; `owner` narrows to one profile.
async fn delivery_for(
    db: &DatabaseConnection,
    viewer: &Viewer,
    owner: Option<&UserId>,
    published: &Published,
) -> AppResult<Option<Delivery>> {
    let change = &published.change;
    if owner.is_some_and(|o| o.as_str() != change.user_id) {
        return Ok(None);
    }
    let Some(resolved) = published.resolved(db).await else {
        return Ok(None);
    };
    let now_visible = match (&change.kind, &resolved.after) {
        (ChangeKind::Created | ChangeKind::Updated, Some((interest, audience)))
            if audience.seen_by(viewer) =>
        {
            Some(interest.clone())
        }
        _ => None,
    };
    let kind = match (change.kind, &now_visible) {
        (ChangeKind::Created, Some(_)) => ChangeKind::Created,
        (ChangeKind::Updated, Some(_)) => ChangeKind::Updated,
        (_, None) => match &resolved.before {
            Some(before) if before.seen_by(viewer) => ChangeKind::Deleted,
            _ => return Ok(None),
        },
        (ChangeKind::Deleted, Some(_)) => return Ok(None),
    };
    let at = DateTime::<Utc>::from_timestamp_micros(change.at)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("event time {} out of range", change.at)))?;
    Ok(Some(Delivery {
        kind,
        interest_id: InterestId::from_uuid(change.interest_id),
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
    receiver: broadcast::Receiver<Arc<Published>>,
) -> impl Stream<Item = Delivery> + Send + 'static {
    BroadcastStream::new(receiver).filter_map(move |received| {
        let (db, viewer, owner) = (db.clone(), viewer.clone(), owner.clone());
        async move {
            let published = match received {
                Ok(published) => published,
                Err(BroadcastStreamRecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind; events were dropped");
                    return None;
                }
            };
            match delivery_for(&db, &viewer, owner.as_ref(), &published).await {
                Ok(delivery) => delivery,
                Err(err) => {
                    tracing::warn!(error = ?err, interest = %published.change.interest_id, "event not delivered");
                    None
                }
            }
        }
    })
}

/// The PostgreSQL channel changes travel on between instances.
pub const NOTIFY_CHANNEL: &str = "interest_events";

/// Where a write sends its change, once it has committed: on PostgreSQL to the notifier task
/// ([`notifier`]), which `NOTIFY`s every instance (this one included); elsewhere straight to
/// the in-process bus (one process per SQLite file or MariaDB deployment, see the README).
///
/// Why not `NOTIFY` inside the write's transaction: PostgreSQL serializes the commits of every
/// notifying transaction of the cluster behind one lock, WAL flush included — it halved the
/// create rate of raw SQL here (bench/RESULTS.md). Notifying after commit keeps "only committed
/// changes travel"; what it gives up is that a process dying between its commit and the
/// notifier's statement (a millisecond) loses those events, as a dropped socket would.
#[derive(Clone, Debug)]
pub struct Publisher {
    bus: EventBus,
    notifier: Option<mpsc::Sender<Change>>,
}

impl Publisher {
    /// In-process delivery only (SQLite, MariaDB/MySQL).
    pub fn local(bus: EventBus) -> Self {
        Self { bus, notifier: None }
    }

    /// Delivery through PostgreSQL: changes go to the task [`notifier`] runs, which needs the
    /// receiving end.
    pub fn notifying(bus: EventBus) -> (Self, mpsc::Receiver<Change>) {
        let (sender, receiver) = mpsc::channel(NOTIFY_QUEUE);
        (
            Self {
                bus,
                notifier: Some(sender),
            },
            receiver,
        )
    }

    /// After the write committed.
    pub fn committed(&self, change: Change) {
        match &self.notifier {
            None => self.bus.deliver_locally(change),
            Some(notifier) => {
                if let Err(err) = notifier.try_send(change) {
                    tracing::warn!(error = %err, "change notification queue full or closed; event dropped");
                }
            }
        }
    }
}

/// Changes waiting for the notifier at most; beyond, events are dropped (and logged) rather
/// than holding memory while PostgreSQL is unreachable.
const NOTIFY_QUEUE: usize = 16_384;

/// Largest payload of one notification: PostgreSQL refuses 8,000 bytes and more.
const MAX_PAYLOAD: usize = 7_800;

/// Changes sent per statement at most.
const MAX_BATCH: usize = 512;

/// Sends the changes of this process to every instance, in the order they were committed
/// here: each statement carries what queued while the previous one ran, packed as JSON arrays
/// into as few notifications as the payload limit allows. Ends when every [`Publisher`] is gone.
pub async fn notifier(db: DatabaseConnection, mut changes: mpsc::Receiver<Change>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while changes.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let payloads = pack(&batch);
        batch.clear();
        let sent = db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT pg_notify($1, payload) FROM json_array_elements_text($2::json) AS payload",
                [NOTIFY_CHANNEL.into(), payloads.into()],
            ))
            .await;
        if let Err(err) = sent {
            tracing::warn!(error = %err, "change notifications not sent; events dropped");
        }
    }
}

/// The changes as a JSON array of notification payloads, each a JSON array of changes no
/// longer than [`MAX_PAYLOAD`].
fn pack(changes: &[Change]) -> String {
    let mut payloads: Vec<String> = Vec::new();
    let mut current = String::from("[");
    for change in changes {
        let Ok(json) = serde_json::to_string(change) else {
            continue;
        };
        if current.len() > 1 && current.len() + json.len() + 2 > MAX_PAYLOAD {
            current.push(']');
            payloads.push(std::mem::replace(&mut current, String::from("[")));
        }
        if current.len() > 1 {
            current.push(',');
        }
        current.push_str(&json);
    }
    if current.len() > 1 {
        current.push(']');
        payloads.push(current);
    }
    serde_json::to_string(&payloads).unwrap_or_else(|_| "[]".into())
}

/// The changes of one notification: a JSON array of changes, or one change (an older gateway).
pub fn unpack(payload: &str) -> serde_json::Result<Vec<Change>> {
    if payload.trim_start().starts_with('[') {
        serde_json::from_str(payload)
    } else {
        serde_json::from_str(payload).map(|change| vec![change])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(n: u128, before: bool) -> Change {
        Change {
            kind: if before {
                ChangeKind::Updated
            } else {
                ChangeKind::Created
            },
            interest_id: Uuid::from_u128(n),
            user_id: format!("user-{n}"),
            before: before.then(|| Snapshot {
                user_id: format!("user-{n}"),
                allowed_audiences: "ORGANIZATION".into(),
                owner_tenant_id: Some("tenant-with-a-long-enough-name-0123456789".into()),
            }),
            at: 1_700_000_000_000_000 + n as i64,
        }
    }

    #[test]
    fn a_batch_packs_into_payloads_under_the_limit_and_unpacks_in_order() {
        let changes: Vec<Change> = (0..MAX_BATCH as u128).map(|n| change(n, n % 3 == 0)).collect();
        let payloads: Vec<String> = serde_json::from_str(&pack(&changes)).unwrap();
        assert!(payloads.len() > 1, "512 changes do not fit one notification");
        assert!(payloads.iter().all(|p| p.len() <= MAX_PAYLOAD));
        let back: Vec<Change> = payloads.iter().flat_map(|p| unpack(p).unwrap()).collect();
        assert_eq!(back, changes);
    }

    #[test]
    fn one_change_and_an_older_gateway_single_object_unpack() {
        let one = change(7, true);
        let payloads: Vec<String> = serde_json::from_str(&pack(std::slice::from_ref(&one))).unwrap();
        assert_eq!(payloads.len(), 1);
        assert_eq!(unpack(&payloads[0]).unwrap(), vec![one.clone()]);
        assert_eq!(unpack(&serde_json::to_string(&one).unwrap()).unwrap(), vec![one]);
        assert!(unpack("{\"kind\":").is_err());
        assert_eq!(pack(&[]), "[]");
    }
}
