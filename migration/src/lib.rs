//! Database schema of interest-gateway, one immutable migration per change.
//!
//! The same migrations run on SQLite, PostgreSQL and MariaDB/MySQL; where a backend needs
//! its own DDL (MySQL collations) the migration says so next to it.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_interest;
mod m20261128_000002_create_directory_and_relationship;
mod m20261128_000003_create_interest_search;
mod m20261128_000004_add_interest_category_name;
mod m20261128_000005_discovery_storage;
mod m20261128_000006_sqlite_search_key;
mod m20261128_000007_pair_audience;
mod m20261129_000008_side_tables_without_foreign_keys;

/// MySQL compares strings case-insensitively by default; keys and ids must compare byte-wise,
/// as they do on PostgreSQL and SQLite.
pub(crate) fn binary_collation(
    table: &mut TableCreateStatement,
    backend: sea_orm_migration::sea_orm::DatabaseBackend,
) {
    if backend == sea_orm_migration::sea_orm::DatabaseBackend::MySql {
        table.character_set("utf8mb4").collate("utf8mb4_bin");
    }
}

/// Every migration of the service, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_interest::Migration),
            Box::new(m20261128_000002_create_directory_and_relationship::Migration),
            Box::new(m20261128_000003_create_interest_search::Migration),
            Box::new(m20261128_000004_add_interest_category_name::Migration),
            Box::new(m20261128_000005_discovery_storage::Migration),
            Box::new(m20261128_000006_sqlite_search_key::Migration),
            Box::new(m20261128_000007_pair_audience::Migration),
            Box::new(m20261129_000008_side_tables_without_foreign_keys::Migration),
        ]
    }
}
