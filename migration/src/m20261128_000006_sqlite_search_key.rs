//! SQLite only: the FTS5 table is addressed by an integer key instead of an `UNINDEXED`
//! interest id, which FTS5 cannot index: every update or delete of an interest scanned the
//! whole full-text table (seconds per write at a million rows; found timing bulk imports).
//!
//! `interest_search_key` gives each interest a stable integer (`INTEGER PRIMARY KEY`, so VACUUM
//! keeps it, unlike an implicit rowid), which is the rowid of its FTS5 row; the triggers find
//! it through the key table's unique index on `interest_id`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "DROP TRIGGER IF EXISTS interest_fts_update",
    "DROP TRIGGER IF EXISTS interest_fts_delete",
    "DROP TRIGGER IF EXISTS interest_fts_insert",
    "DROP TABLE IF EXISTS interest_fts",
    "CREATE TABLE interest_search_key (search_key INTEGER PRIMARY KEY, interest_id NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE interest_fts USING fts5(\
       display_name, description, categories, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER interest_fts_insert AFTER INSERT ON interest BEGIN \
       INSERT INTO interest_search_key (interest_id) VALUES (new.id); \
       INSERT INTO interest_fts (rowid, display_name, description, categories) \
       VALUES ((SELECT search_key FROM interest_search_key WHERE interest_id = new.id), \
               new.display_name, coalesce(new.description, ''), new.categories); END",
    "CREATE TRIGGER interest_fts_delete AFTER DELETE ON interest BEGIN \
       DELETE FROM interest_fts WHERE rowid = (SELECT search_key FROM interest_search_key WHERE interest_id = old.id); \
       DELETE FROM interest_search_key WHERE interest_id = old.id; END",
    "CREATE TRIGGER interest_fts_update AFTER UPDATE OF display_name, description, categories ON interest BEGIN \
       UPDATE interest_fts SET display_name = new.display_name, \
         description = coalesce(new.description, ''), categories = new.categories \
       WHERE rowid = (SELECT search_key FROM interest_search_key WHERE interest_id = new.id); END",
    "INSERT INTO interest_search_key (interest_id) SELECT id FROM interest",
    "INSERT INTO interest_fts (rowid, display_name, description, categories) \
       SELECT k.search_key, i.display_name, coalesce(i.description, ''), i.categories \
       FROM interest i JOIN interest_search_key k ON k.interest_id = i.id",
];

/// Back to migration 000003's layout.
const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS interest_fts_update",
    "DROP TRIGGER IF EXISTS interest_fts_delete",
    "DROP TRIGGER IF EXISTS interest_fts_insert",
    "DROP TABLE IF EXISTS interest_fts",
    "DROP TABLE IF EXISTS interest_search_key",
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

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction: all or nothing, and every statement on one connection (SQLite runs
    /// migrations outside transactions by default, on whichever pooled connection is free,
    /// and a connection could see the dropped trigger still there).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run(manager, UP).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run(manager, DOWN).await,
            _ => Ok(()),
        }
    }
}
