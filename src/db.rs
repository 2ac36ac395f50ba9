//! Database connection, pool settings and migrations on start.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

/// SQLite in WAL mode with a busy timeout, so that readers never block the writer and
/// concurrent writers wait instead of failing.
fn sqlite_options(
    o: sea_orm::sqlx::sqlite::SqliteConnectOptions,
) -> sea_orm::sqlx::sqlite::SqliteConnectOptions {
    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
}

/// Connects to `url` with pool limits suited to the backend.
///
/// SQLite runs in WAL mode with a busy timeout so that readers never block the writer and
/// concurrent writers wait instead of failing.
///
/// While the database is unreachable a request waits at most `acquire_timeout` for a
/// connection, then fails with `SERVICE_UNAVAILABLE`; the pool reconnects by itself later.
///
/// A connection is tested with a round trip before use only after [`PING_AFTER_IDLE`] unused:
/// sqlx already tests every connection when it goes back to the pool, and testing it again
/// before every statement made W1's single read three round trips instead of two.
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(0)
        .connect_timeout(acquire_timeout)
        .acquire_timeout(acquire_timeout)
        .test_before_acquire_if_idle_for(PING_AFTER_IDLE)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(sqlite_options);
    Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))
}

/// Begins a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a deferred transaction that reads first fails at once with "database is
/// locked" when it then writes after another connection committed (its snapshot is stale, so
/// the busy timeout cannot help); an immediate one waits its turn. Other databases ignore it.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// How long a pooled connection may sit unused before it is tested again on its next use.
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// Statements a bulk connection keeps prepared: every multi-row `INSERT` of another length is
/// another statement, and a prepared statement of thousands of parameters is large.
const BULK_STATEMENT_CACHE: usize = 8;

/// SQLite page cache of a bulk connection, in KiB (fixed: memory does not grow with the data).
const BULK_SQLITE_CACHE_KIB: i64 = 64 * 1024;

/// One connection for the bulk commands (`import`, `export`): few cached statements and, on
/// SQLite, a larger page cache, so that memory stays bounded and indexes stay in memory.
pub async fn connect_bulk(url: &str, acquire_timeout: Duration) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .min_connections(0)
        .connect_timeout(acquire_timeout)
        .acquire_timeout(acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            sqlite_options(o)
                .statement_cache_capacity(BULK_STATEMENT_CACHE)
                .pragma("cache_size", (-BULK_SQLITE_CACHE_KIB).to_string())
        })
        // A generic plan cached while a table was nearly empty would scan it whole on every
        // later batch; custom plans see the table's current size.
        .map_sqlx_postgres_opts(|o| {
            o.statement_cache_capacity(BULK_STATEMENT_CACHE)
                .options([("plan_cache_mode", "force_custom_plan")])
        })
        .map_sqlx_mysql_opts(|o| o.statement_cache_capacity(BULK_STATEMENT_CACHE));
    Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))
}

/// Counts every statement the pool runs, from now on (exposed on `/metrics`).
pub fn count_statements(db: &mut DatabaseConnection) -> Arc<AtomicU64> {
    let counter = Arc::new(AtomicU64::new(0));
    let seen = counter.clone();
    db.set_metric_callback(move |_| {
        seen.fetch_add(1, Ordering::Relaxed);
    });
    counter
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .map_err(|e| anyhow::anyhow!("migrating the database failed: {e}"))
}

/// Whether the database answers now.
pub async fn is_ready(db: &DatabaseConnection) -> bool {
    tokio::time::timeout(Duration::from_secs(2), db.ping())
        .await
        .is_ok_and(|r| r.is_ok())
}

/// Connections open in the pool, and how many of them are idle.
pub fn pool_stats(db: &DatabaseConnection) -> (u32, usize) {
    use sea_orm::DbBackend;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::MySql => {
            let pool = db.get_mysql_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    }
}

/// The pool, for reads that run past sea-orm's executor, with the statement counter of
/// `/metrics` (sea-orm's metric callback counts only the statements it runs itself).
#[derive(Clone)]
pub struct Reader {
    pub db: DatabaseConnection,
    statements: Arc<AtomicU64>,
    /// PostgreSQL: connections kept between reads (see [`Stash`]).
    stash: Option<Arc<Stash>>,
}

impl Reader {
    /// `db`, counting its statements into `statements` (from [`count_statements`]). On
    /// PostgreSQL, reads keep up to `max_connections - 2` connections between them ([`Stash`]),
    /// and wait at most `acquire_timeout` for one.
    pub fn new(
        db: DatabaseConnection,
        statements: Arc<AtomicU64>,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Self {
        let capacity = (max_connections as usize).saturating_sub(Stash::LEFT_TO_THE_POOL);
        let stash = (db.get_database_backend() == sea_orm::DbBackend::Postgres && capacity > 0)
            .then(|| Stash::start(capacity, acquire_timeout))
            .flatten();
        Self {
            db,
            statements,
            stash,
        }
    }

    /// The rows of `statement`. On PostgreSQL straight through sqlx (sea-orm's executor moves
    /// its large future several times per statement, a sixth of a lookup by id's CPU), on a
    /// connection from the [`Stash`] when one is there. The errors are the ones sea-orm's driver
    /// makes of sqlx's.
    pub async fn rows(&self, statement: sea_orm::Statement) -> Result<Rows, sea_orm::DbErr> {
        if self.db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(Rows::Other(self.db.query_all_raw(statement).await?));
        }
        self.statements.fetch_add(1, Ordering::Relaxed);
        let values = statement
            .values
            .unwrap_or_else(|| sea_orm::sea_query::Values(Vec::new()));
        let query = sea_orm::sqlx::query_with(
            sea_orm::sqlx::AssertSqlSafe(statement.sql),
            sea_query_sqlx::SqlxValues(values),
        );
        let pool = self.db.get_postgres_connection_pool();
        let Some(stash) = &self.stash else {
            return match query.fetch_all(pool).await {
                Ok(rows) => Ok(Rows::Postgres(rows)),
                Err(err) => Err(driver_error(err)),
            };
        };
        let (mut lease, _turn) = stash.lease(pool).await.map_err(driver_error)?;
        // A lease dropped here (an error, or the request gone mid-statement) goes back to sqlx's
        // pool, which tests it with a round trip and closes it if it is not clean.
        let rows = query.fetch_all(&mut *lease.conn).await.map_err(driver_error)?;
        stash.put(lease);
        Ok(Rows::Postgres(rows))
    }
}

type PgConnection = sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>;

/// A connection taken from sqlx's pool by a read, and when.
struct Lease {
    conn: PgConnection,
    /// When it left sqlx's pool.
    taken: Instant,
    /// When a read last finished on it.
    used: Instant,
}

impl Lease {
    fn new(conn: PgConnection) -> Self {
        let now = Instant::now();
        Self {
            conn,
            taken: now,
            used: now,
        }
    }
}

/// Connections kept between reads on PostgreSQL, so that a read that ends cleanly does not hand
/// its connection back to sqlx's pool. sqlx tests every connection that comes back with a round
/// trip (unconditionally, in sqlx 0.9): one statement per read became two round trips, and W1
/// spent ~13% of its throughput on them (bench/RESULTS.md).
///
/// Only a connection whose statement finished without an error is kept; anything else goes back
/// to sqlx's pool and its tests. Reads take turns (a fair semaphore of the stash's capacity, so
/// a read waiting for a connection is served before later ones, as in sqlx's pool), and at most
/// that many connections are out for reads: the pool's size less [`Self::LEFT_TO_THE_POOL`], so
/// writes and everything else that takes connections from sqlx's pool always has those. A
/// connection unused for [`Self::IDLE`] (checked every second) or kept for [`Self::LEASE`] goes
/// back too, so an idle gateway holds none, a burst of writes after reads gets the whole pool
/// back within a second or two, and sqlx's own lifetime and health checks still see every
/// connection at least once a minute.
struct Stash {
    idle: std::sync::Mutex<Vec<Lease>>,
    capacity: usize,
    turns: tokio::sync::Semaphore,
    acquire_timeout: Duration,
}

impl Stash {
    /// Connections of the pool a stash never holds.
    const LEFT_TO_THE_POOL: usize = 2;
    /// Longest a connection waits in the stash.
    const IDLE: Duration = Duration::from_secs(1);
    /// Longest a connection stays out of sqlx's pool.
    const LEASE: Duration = Duration::from_secs(60);

    /// A stash of `capacity` and its sweeper task (none outside a Tokio runtime).
    fn start(capacity: usize, acquire_timeout: Duration) -> Option<Arc<Self>> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let stash = Arc::new(Self {
            idle: std::sync::Mutex::new(Vec::with_capacity(capacity)),
            capacity,
            turns: tokio::sync::Semaphore::new(capacity),
            acquire_timeout,
        });
        let weak = Arc::downgrade(&stash);
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(stash) = weak.upgrade() else {
                    return;
                };
                drop(stash.expired(Instant::now()));
            }
        });
        Some(stash)
    }

    /// A read's turn and its connection: the one used last if one is kept, else one from sqlx's
    /// pool. Waits at most the acquire timeout in all (then `PoolTimedOut`, as sqlx's pool).
    async fn lease(
        &self,
        pool: &sea_orm::sqlx::PgPool,
    ) -> Result<(Lease, tokio::sync::SemaphorePermit<'_>), sea_orm::sqlx::Error> {
        use sea_orm::sqlx::Error;
        let deadline = tokio::time::Instant::now() + self.acquire_timeout;
        let turn = match tokio::time::timeout_at(deadline, self.turns.acquire()).await {
            Ok(Ok(turn)) => turn,
            Ok(Err(_)) => return Err(Error::PoolClosed),
            Err(_) => return Err(Error::PoolTimedOut),
        };
        if let Some(lease) = self.take() {
            return Ok((lease, turn));
        }
        match tokio::time::timeout_at(deadline, pool.acquire()).await {
            Ok(conn) => Ok((Lease::new(conn?), turn)),
            Err(_) => Err(Error::PoolTimedOut),
        }
    }

    /// The connection used last, if one is kept.
    fn take(&self) -> Option<Lease> {
        let lease = self.idle.lock().ok()?.pop()?;
        // Unused for long (the sweeper missed it): back to the pool, which tests it.
        (lease.used.elapsed() < Self::IDLE).then_some(lease)
    }

    /// Keeps `lease` after a clean read, or hands it back to sqlx's pool.
    fn put(&self, mut lease: Lease) {
        let now = Instant::now();
        if now.duration_since(lease.taken) >= Self::LEASE {
            return;
        }
        lease.used = now;
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < self.capacity {
                idle.push(lease);
            }
        }
    }

    /// Removes the connections unused for [`Self::IDLE`]; they return to sqlx's pool when the
    /// caller drops them (outside the lock).
    fn expired(&self, now: Instant) -> Vec<Lease> {
        let Ok(mut idle) = self.idle.lock() else {
            return Vec::new();
        };
        // Oldest first: `put` pushes and `take` pops the newest.
        let keep_from = idle
            .iter()
            .position(|lease| now.duration_since(lease.used) < Self::IDLE)
            .unwrap_or(idle.len());
        idle.drain(..keep_from).collect()
    }
}

/// Rows as PostgreSQL's driver returned them, or as sea-orm did.
pub enum Rows {
    Postgres(Vec<sea_orm::sqlx::postgres::PgRow>),
    Other(Vec<sea_orm::QueryResult>),
}

/// sea-orm's `DbErr` for an error sqlx returned, as its driver maps them.
fn driver_error(err: sea_orm::sqlx::Error) -> sea_orm::DbErr {
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
    match err {
        sea_orm::sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sea_orm::sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        err => DbErr::Query(RuntimeErr::SqlxError(Arc::new(err))),
    }
}
