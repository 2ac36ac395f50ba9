//! PostgreSQL and MariaDB/MySQL: the side tables (`interest_category`, `interest_tag`,
//! `interest_tag_category`) lose their foreign keys to `interest` (issue 7, W4).
//!
//! The side rows are the interest's own categories and tags once more, kept by the service in
//! the transaction that writes the interest: a create writes them in the same statement as the
//! row, an update rewrites them after locking the row, and a delete or an import removes the row
//! first and its side rows after (so a concurrent update, which locks the row first, cannot leave
//! any behind). The service never relied on the cascade. The check on insert did cost: one lookup
//! of the interest and a row lock per side row, 0.4 ms of a 16-create statement's 2.0 ms on
//! PostgreSQL (bench/RESULTS.md).
//!
//! SQLite keeps them: it cannot drop a constraint without rebuilding the table, and its cost
//! there was not measured (the embedded default is not what the benchmark runs). Its cascade
//! then finds nothing left to remove.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (constraint, side table).
const KEYS: [(&str, &str); 3] = [
    ("fk_interest_category_interest", "interest_category"),
    ("fk_interest_tag_interest", "interest_tag"),
    ("fk_interest_tag_category_interest", "interest_tag_category"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            return Ok(());
        }
        for (name, table) in KEYS {
            manager
                .drop_foreign_key(ForeignKey::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }

    /// Back to declared keys with `ON DELETE CASCADE`, after removing side rows whose interest is
    /// gone (there are none unless something wrote past the service).
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            return Ok(());
        }
        for (name, table) in KEYS {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "DELETE FROM {table} WHERE NOT EXISTS \
                     (SELECT 1 FROM interest WHERE interest.id = {table}.interest_id)"
                ))
                .await?;
            manager
                .create_foreign_key(
                    ForeignKey::create()
                        .name(name)
                        .from(Alias::new(table), Alias::new("interest_id"))
                        .to(Alias::new("interest"), Alias::new("id"))
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
