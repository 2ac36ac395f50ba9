//! The owner's spelling next to each category key, so facets can show the most common one.
//! Rows written before this migration have none and show their key.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InterestCategory {
    Table,
    Name,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(InterestCategory::Table)
                    .add_column(ColumnDef::new(InterestCategory::Name).string_len(100).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(InterestCategory::Table)
                    .drop_column(InterestCategory::Name)
                    .to_owned(),
            )
            .await
    }
}
