//! Database connection, pool settings and migrations on start.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
}

impl Reader {
    /// `db`, counting its statements into `statements` (from [`count_statements`]).
    pub fn new(db: DatabaseConnection, statements: Arc<AtomicU64>) -> Self {
        Self { db, statements }
    }

    /// The rows of `statement`. On PostgreSQL straight through sqlx's pool: sea-orm's executor
    /// moves its large future several times per statement, a sixth of a lookup by id's CPU
    /// (bench/RESULTS.md). The errors are the ones sea-orm's driver makes of sqlx's.
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
        match query.fetch_all(self.db.get_postgres_connection_pool()).await {
            Ok(rows) => Ok(Rows::Postgres(rows)),
            Err(err) => Err(driver_error(err)),
        }
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
