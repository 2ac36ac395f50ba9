//! Fan-out across instances on PostgreSQL: every instance LISTENs on one channel, and every
//! committed write is NOTIFYed on it by its instance's notifier (`domain::events::notifier`),
//! several changes per notification. Payloads are ids and three short fields per change,
//! packed below PostgreSQL's 8,000-byte limit.

use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;

use crate::domain::events::{unpack, EventBus, NOTIFY_CHANNEL};

/// Starts listening (returns once `LISTEN` is in place) and feeds every notification into
/// `bus`, reconnecting by itself after the database restarts.
pub async fn listen(database_url: &str, bus: EventBus) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    // Lost notifications while disconnected are reported as `None` by `try_recv`: the listener
    // then re-subscribes on its own and the gap is logged.
    Ok(tokio::spawn(async move {
        let mut backoff = Duration::from_millis(100);
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    backoff = Duration::from_millis(100);
                    match unpack(notification.payload()) {
                        Ok(changes) => changes.into_iter().for_each(|change| bus.deliver_locally(change)),
                        Err(err) => tracing::warn!(error = %err, "unreadable change notification"),
                    }
                }
                Ok(None) => {
                    tracing::warn!("lost the PostgreSQL listener connection; reconnecting");
                }
                Err(err) => {
                    tracing::warn!(error = %err, retry_in = ?backoff, "PostgreSQL listener cannot reconnect yet");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }))
}
