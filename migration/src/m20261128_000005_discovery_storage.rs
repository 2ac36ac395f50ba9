//! Storage that answers discovery lists in one index range (issue 7, W3):
//!
//! - `interest.owner_tenant_id`: the owner's organization as of their latest token, copied from
//!   the directory (and kept equal to it when the directory records a new one), so the
//!   ORGANIZATION and FEDERATED_ORGANIZATIONS rules compare a column instead of looking up every
//!   member of the viewer's organization on each query.
//! - `interest_tag_category`: one row per (tag, category) pair of an interest with its creation
//!   time, indexed by `(tag, category_key, created_at, interest_id)`: "newest interests with tag
//!   T in category C" reads that range in order and stops after one page.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::binary_collation;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Interest {
    Table,
    Id,
    OwnerTenantId,
}

#[derive(DeriveIden)]
enum InterestTagCategory {
    Table,
    InterestId,
    Tag,
    CategoryKey,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .alter_table(
                Table::alter()
                    .table(Interest::Table)
                    .add_column(ColumnDef::new(Interest::OwnerTenantId).string_len(128).null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE interest SET owner_tenant_id = \
             (SELECT d.tenant_id FROM directory_user d WHERE d.id = interest.user_id)",
        )
        .await?;

        let mut table = Table::create();
        table
            .table(InterestTagCategory::Table)
            .col(ColumnDef::new(InterestTagCategory::InterestId).uuid().not_null())
            .col(ColumnDef::new(InterestTagCategory::Tag).string_len(32).not_null())
            .col(
                ColumnDef::new(InterestTagCategory::CategoryKey)
                    .string_len(100)
                    .not_null(),
            )
            .col(
                ColumnDef::new(InterestTagCategory::CreatedAt)
                    .big_integer()
                    .not_null(),
            )
            .primary_key(
                Index::create()
                    .name("pk_interest_tag_category")
                    .col(InterestTagCategory::InterestId)
                    .col(InterestTagCategory::Tag)
                    .col(InterestTagCategory::CategoryKey),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_interest_tag_category_interest")
                    .from(InterestTagCategory::Table, InterestTagCategory::InterestId)
                    .to(Interest::Table, Interest::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        binary_collation(&mut table, backend);
        manager.create_table(table).await?;
        db.execute_unprepared(
            "INSERT INTO interest_tag_category (interest_id, tag, category_key, created_at) \
             SELECT t.interest_id, t.tag, c.category_key, i.created_at \
             FROM interest_tag t \
             JOIN interest_category c ON c.interest_id = t.interest_id \
             JOIN interest i ON i.id = t.interest_id",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_interest_tag_category_created")
                    .table(InterestTagCategory::Table)
                    .col(InterestTagCategory::Tag)
                    .col(InterestTagCategory::CategoryKey)
                    .col(InterestTagCategory::CreatedAt)
                    .col(InterestTagCategory::InterestId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InterestTagCategory::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Interest::Table)
                    .drop_column(Interest::OwnerTenantId)
                    .to_owned(),
            )
            .await
    }
}
