//! The audience rule answered from the discovery index (issue 7, W3 at a million rows):
//! `interest_tag_category` carries its interest's owner, audience and owner's organization, and
//! its index `(tag, category_key, created_at, interest_id, allowed_audiences, user_id,
//! owner_tenant_id)` holds them, so a discovery list skips the pairs its viewer may not see while
//! it walks the index, and visits only the interests it returns. The service keeps the copies
//! equal to the interest's (create, update, import, the directory's organization changes).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InterestTagCategory {
    Table,
    InterestId,
    Tag,
    CategoryKey,
    CreatedAt,
    UserId,
    AllowedAudiences,
    OwnerTenantId,
}

const INDEX: &str = "idx_interest_tag_category_created";

/// The discovery index: `(tag, category_key, created_at, interest_id)`, then, with `audience`,
/// the columns the audience rule reads.
fn discovery_index(audience: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(INDEX)
        .table(InterestTagCategory::Table)
        .col(InterestTagCategory::Tag)
        .col(InterestTagCategory::CategoryKey)
        .col(InterestTagCategory::CreatedAt)
        .col(InterestTagCategory::InterestId);
    if audience {
        index
            .col(InterestTagCategory::AllowedAudiences)
            .col(InterestTagCategory::UserId)
            .col(InterestTagCategory::OwnerTenantId);
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction, so every statement runs on one connection: on SQLite another pooled
    /// connection could still see the dropped index and refuse to create it again. (MySQL
    /// commits each DDL statement by itself, in or out of a transaction.)
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [
            ColumnDef::new(InterestTagCategory::UserId)
                .string_len(128)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(InterestTagCategory::AllowedAudiences)
                .string_len(32)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(InterestTagCategory::OwnerTenantId)
                .string_len(128)
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(InterestTagCategory::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE interest_tag_category SET \
                 user_id = (SELECT i.user_id FROM interest i WHERE i.id = interest_tag_category.interest_id), \
                 allowed_audiences = (SELECT i.allowed_audiences FROM interest i WHERE i.id = interest_tag_category.interest_id), \
                 owner_tenant_id = (SELECT i.owner_tenant_id FROM interest i WHERE i.id = interest_tag_category.interest_id)",
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(InterestTagCategory::Table)
                    .to_owned(),
            )
            .await?;
        manager.create_index(discovery_index(true)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(InterestTagCategory::Table)
                    .to_owned(),
            )
            .await?;
        manager.create_index(discovery_index(false)).await?;
        for column in [
            InterestTagCategory::UserId,
            InterestTagCategory::AllowedAudiences,
            InterestTagCategory::OwnerTenantId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(InterestTagCategory::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
