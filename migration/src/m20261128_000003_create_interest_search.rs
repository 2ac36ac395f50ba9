//! Full-text search over display name, description and categories, one structure per backend:
//! PostgreSQL a generated `tsvector` with a GIN index; SQLite an FTS5 table kept by triggers;
//! MariaDB/MySQL a FULLTEXT index on a generated, lower-cased text (the table's binary
//! collation would make FULLTEXT case-sensitive).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE interest ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (\
       to_tsvector('simple', display_name || ' ' || coalesce(description, '') || ' ' || categories)) STORED",
    "CREATE INDEX idx_interest_search ON interest USING GIN (search_vector)",
];
const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_interest_search",
    "ALTER TABLE interest DROP COLUMN IF EXISTS search_vector",
];

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE interest_fts USING fts5(\
       interest_id UNINDEXED, display_name, description, categories, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER interest_fts_insert AFTER INSERT ON interest BEGIN \
       INSERT INTO interest_fts (interest_id, display_name, description, categories) \
       VALUES (new.id, new.display_name, coalesce(new.description, ''), new.categories); END",
    "CREATE TRIGGER interest_fts_delete AFTER DELETE ON interest BEGIN \
       DELETE FROM interest_fts WHERE interest_id = old.id; END",
    "CREATE TRIGGER interest_fts_update AFTER UPDATE OF display_name, description, categories ON interest BEGIN \
       DELETE FROM interest_fts WHERE interest_id = old.id; \
       INSERT INTO interest_fts (interest_id, display_name, description, categories) \
       VALUES (new.id, new.display_name, coalesce(new.description, ''), new.categories); END",
    "INSERT INTO interest_fts (interest_id, display_name, description, categories) \
       SELECT id, display_name, coalesce(description, ''), categories FROM interest",
];
const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS interest_fts_update",
    "DROP TRIGGER IF EXISTS interest_fts_delete",
    "DROP TRIGGER IF EXISTS interest_fts_insert",
    "DROP TABLE IF EXISTS interest_fts",
];

const MYSQL_UP: &[&str] = &[
    "ALTER TABLE interest ADD COLUMN search_text TEXT AS \
       (LOWER(CONCAT_WS(' ', display_name, IFNULL(description, ''), categories))) STORED",
    "ALTER TABLE interest ADD FULLTEXT INDEX idx_interest_search (search_text)",
];
const MYSQL_DOWN: &[&str] = &[
    "ALTER TABLE interest DROP INDEX idx_interest_search",
    "ALTER TABLE interest DROP COLUMN search_text",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, POSTGRES_UP).await,
            DatabaseBackend::MySql => run(manager, MYSQL_UP).await,
            _ => run(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, POSTGRES_DOWN).await,
            DatabaseBackend::MySql => run(manager, MYSQL_DOWN).await,
            _ => run(manager, SQLITE_DOWN).await,
        }
    }
}
