//! Creates on PostgreSQL, several to a statement.
//!
//! A create on one's own profile is one statement (the row, its category and tag rows and its
//! (tag, category) pairs, from a JSON array of rows). Under load, creates that arrive while
//! earlier ones are being written queue here, and the writer tasks (`--create-writers`, one by
//! default) each take everything queued (up to a batch size) into their next statement: one
//! transaction and one WAL flush for many creates instead of one each. Idle, a create is
//! written at once, alone: nothing waits for a batch to fill.
//!
//! Every create still gets its own answer. A statement that fails is written again one create at
//! a time, so one create's error never becomes another's. The change of each create is handed to
//! the [`Publisher`] by the writer after the commit, so a request that goes away while its create
//! is being written (the row is then written anyway) still tells subscribers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use entity::interest;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, Mutex};

use super::events::{Change, Publisher};
use crate::error::{AppError, AppResult};

/// Creates waiting for a writer at most; beyond, a create waits for room.
const QUEUE: usize = 4096;

/// One create: the row as written, its category keys (in the order of its category names) and
/// the change to publish once it has committed.
pub struct NewRow {
    pub row: interest::Model,
    pub category_keys: Vec<String>,
    pub change: Change,
}

struct Queued {
    new: NewRow,
    done: oneshot::Sender<AppResult<()>>,
}

/// Where creates on PostgreSQL go: straight to the database, or to the writer tasks.
#[derive(Clone, Debug, Default)]
pub struct Creates {
    queue: Option<mpsc::Sender<Queued>>,
    counts: Arc<Counts>,
}

/// Creates written and the statements that wrote them, for `/metrics`.
#[derive(Debug, Default)]
pub struct Counts {
    pub creates: AtomicU64,
    pub statements: AtomicU64,
}

impl std::fmt::Debug for Queued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queued").field("id", &self.new.row.id).finish()
    }
}

impl Creates {
    /// One statement per create, written by the request itself.
    pub fn direct() -> Self {
        Self::default()
    }

    /// Starts `writers` writer tasks on `db` (at least one), each with at most one statement in
    /// flight, writing up to `batch` creates per statement. A `batch` of 1 (or less) writes one
    /// create per statement, without the tasks.
    pub fn combined(db: DatabaseConnection, events: Publisher, batch: usize, writers: usize) -> Self {
        if batch <= 1 {
            return Self::direct();
        }
        let (sender, receiver) = mpsc::channel(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        let counts = Arc::new(Counts::default());
        for _ in 0..writers.max(1) {
            let writer = Writer {
                db: db.clone(),
                events: events.clone(),
                counts: counts.clone(),
            };
            tokio::spawn(writer.run(receiver.clone(), batch));
        }
        Self {
            queue: Some(sender),
            counts,
        }
    }

    /// Creates written so far, and the statements that wrote them.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.counts.creates.load(Ordering::Relaxed),
            self.counts.statements.load(Ordering::Relaxed),
        )
    }

    /// Writes `new` and publishes its change once committed.
    pub async fn write(&self, db: &DatabaseConnection, events: &Publisher, new: NewRow) -> AppResult<()> {
        let Some(queue) = &self.queue else {
            write_rows(db, &self.counts, std::slice::from_ref(&new)).await?;
            events.committed(new.change);
            return Ok(());
        };
        let (done, answer) = oneshot::channel();
        queue
            .send(Queued { new, done })
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("the create writers have stopped")))?;
        answer
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("a create writer stopped before answering")))?
    }
}

/// One writer task.
struct Writer {
    db: DatabaseConnection,
    events: Publisher,
    counts: Arc<Counts>,
}

impl Writer {
    /// Takes whatever is queued, up to `batch`, and writes it; ends when every [`Creates`] is
    /// gone.
    async fn run(self, receiver: Arc<Mutex<mpsc::Receiver<Queued>>>, batch: usize) {
        let mut queued = Vec::with_capacity(batch);
        loop {
            let taken = receiver.lock().await.recv_many(&mut queued, batch).await;
            if taken == 0 {
                return;
            }
            let (news, answers): (Vec<NewRow>, Vec<_>) = queued.drain(..).map(|q| (q.new, q.done)).unzip();
            let results = match write_rows(&self.db, &self.counts, &news).await {
                Ok(()) => news.iter().map(|_| Ok(())).collect(),
                Err(err) if news.len() == 1 => vec![Err(err)],
                // Which create failed is not known: each again on its own, with its own answer.
                Err(_) => {
                    let mut results = Vec::with_capacity(news.len());
                    for new in &news {
                        results.push(write_rows(&self.db, &self.counts, std::slice::from_ref(new)).await);
                    }
                    results
                }
            };
            for ((new, answer), result) in news.into_iter().zip(answers).zip(results) {
                if result.is_ok() {
                    self.events.committed(new.change);
                }
                // The request may have gone away; its row is written all the same.
                let _ = answer.send(result);
            }
        }
    }
}

/// One row of the statement's JSON array: the columns of `interest`, and the category keys.
#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    row: &'a interest::Model,
    category_keys: &'a [String],
}

/// The rows, their category and tag rows and their (tag, category) pairs, as one statement (a
/// data-modifying `WITH`) and so one transaction. The category names and tags come from the
/// row's own JSON columns, in the same order as the keys.
const SQL: &str = "WITH r AS (\
      SELECT * FROM json_to_recordset($1::json) AS r(id uuid, user_id text, display_name text, \
        display_name_key text, description text, web_url text, thumbnail_url text, is_searchable boolean, \
        categories text, collaboration_tags text, allowed_audiences text, inference text, source text, \
        created_by text, last_modified_by text, created_at bigint, modified_at bigint, version bigint, \
        owner_tenant_id text, category_keys json)), \
    new_interest AS (\
      INSERT INTO interest (id, user_id, display_name, display_name_key, description, web_url, \
        thumbnail_url, is_searchable, categories, collaboration_tags, allowed_audiences, inference, \
        source, created_by, last_modified_by, created_at, modified_at, version, owner_tenant_id) \
      SELECT id, user_id, display_name, display_name_key, description, web_url, thumbnail_url, \
        is_searchable, categories, collaboration_tags, allowed_audiences, inference, source, created_by, \
        last_modified_by, created_at, modified_at, version, owner_tenant_id FROM r \
      RETURNING id), \
    category AS (SELECT r.id, k.value AS key, n.value AS name FROM r \
      CROSS JOIN LATERAL json_array_elements_text(r.category_keys) WITH ORDINALITY AS k(value, i) \
      JOIN LATERAL json_array_elements_text(r.categories::json) WITH ORDINALITY AS n(value, i) ON n.i = k.i), \
    tag AS (SELECT r.id, t.value AS tag FROM r, json_array_elements_text(r.collaboration_tags::json) AS t(value)), \
    categories AS (INSERT INTO interest_category (interest_id, category_key, name) \
      SELECT id, key, name FROM category), \
    tags AS (INSERT INTO interest_tag (interest_id, tag) SELECT id, tag FROM tag), \
    pairs AS (INSERT INTO interest_tag_category (interest_id, tag, category_key, created_at, user_id, \
        allowed_audiences, owner_tenant_id) \
      SELECT r.id, tag.tag, category.key, r.created_at, r.user_id, r.allowed_audiences, r.owner_tenant_id \
      FROM r JOIN tag USING (id) JOIN category USING (id)) \
    SELECT count(*) FROM new_interest";

/// Writes `news` in one statement.
async fn write_rows(db: &DatabaseConnection, counts: &Counts, news: &[NewRow]) -> AppResult<()> {
    let rows: Vec<Row> = news
        .iter()
        .map(|new| Row {
            row: &new.row,
            category_keys: &new.category_keys,
        })
        .collect();
    let json = serde_json::to_string(&rows).map_err(AppError::internal)?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        SQL,
        [json.into()],
    ))
    .await?;
    counts.statements.fetch_add(1, Ordering::Relaxed);
    counts.creates.fetch_add(news.len() as u64, Ordering::Relaxed);
    Ok(())
}
