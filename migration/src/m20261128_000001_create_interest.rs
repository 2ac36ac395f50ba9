//! The interest table and the two side tables that make its list filters indexable.
//!
//! Categories and collaboration tags are stored twice on purpose: as a JSON array on the
//! interest row (read with the row, order kept) and one row per value in `interest_category` /
//! `interest_tag` (filtered through a B-tree index on every backend). Timestamps are BIGINT
//! microseconds since the Unix epoch: exact to the microsecond and ordered identically on
//! all three databases.

use crate::binary_collation;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Interest {
    Table,
    Id,
    UserId,
    DisplayName,
    DisplayNameKey,
    Description,
    WebUrl,
    ThumbnailUrl,
    IsSearchable,
    Categories,
    CollaborationTags,
    AllowedAudiences,
    Inference,
    Source,
    CreatedBy,
    LastModifiedBy,
    CreatedAt,
    ModifiedAt,
    Version,
}

#[derive(DeriveIden)]
enum InterestCategory {
    Table,
    InterestId,
    CategoryKey,
}

#[derive(DeriveIden)]
enum InterestTag {
    Table,
    InterestId,
    Tag,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        let mut interest = Table::create();
        interest
            .table(Interest::Table)
            .col(ColumnDef::new(Interest::Id).uuid().not_null().primary_key())
            .col(ColumnDef::new(Interest::UserId).string_len(128).not_null())
            .col(ColumnDef::new(Interest::DisplayName).string_len(256).not_null())
            .col(
                ColumnDef::new(Interest::DisplayNameKey)
                    .string_len(256)
                    .not_null(),
            )
            .col(ColumnDef::new(Interest::Description).text().null())
            .col(ColumnDef::new(Interest::WebUrl).string_len(2048).null())
            .col(ColumnDef::new(Interest::ThumbnailUrl).string_len(2048).null())
            .col(ColumnDef::new(Interest::IsSearchable).boolean().not_null())
            .col(ColumnDef::new(Interest::Categories).text().not_null())
            .col(
                ColumnDef::new(Interest::CollaborationTags)
                    .string_len(255)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Interest::AllowedAudiences)
                    .string_len(32)
                    .not_null(),
            )
            .col(ColumnDef::new(Interest::Inference).text().null())
            .col(ColumnDef::new(Interest::Source).text().null())
            .col(ColumnDef::new(Interest::CreatedBy).text().null())
            .col(ColumnDef::new(Interest::LastModifiedBy).text().null())
            .col(ColumnDef::new(Interest::CreatedAt).big_integer().not_null())
            .col(ColumnDef::new(Interest::ModifiedAt).big_integer().not_null())
            .col(ColumnDef::new(Interest::Version).big_integer().not_null());
        binary_collation(&mut interest, backend);
        manager.create_table(interest).await?;

        // One index per order (keyset pagination walks it), plus the per-owner listing and
        // the audience filter.
        let indexes: [(&str, Vec<Interest>); 5] = [
            ("idx_interest_created", vec![Interest::CreatedAt, Interest::Id]),
            ("idx_interest_modified", vec![Interest::ModifiedAt, Interest::Id]),
            (
                "idx_interest_display_name",
                vec![Interest::DisplayNameKey, Interest::Id],
            ),
            (
                "idx_interest_user_created",
                vec![Interest::UserId, Interest::CreatedAt, Interest::Id],
            ),
            (
                "idx_interest_audience_created",
                vec![Interest::AllowedAudiences, Interest::CreatedAt, Interest::Id],
            ),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(Interest::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }

        let mut category = Table::create();
        category
            .table(InterestCategory::Table)
            .col(ColumnDef::new(InterestCategory::InterestId).uuid().not_null())
            .col(
                ColumnDef::new(InterestCategory::CategoryKey)
                    .string_len(100)
                    .not_null(),
            )
            .primary_key(
                Index::create()
                    .name("pk_interest_category")
                    .col(InterestCategory::InterestId)
                    .col(InterestCategory::CategoryKey),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_interest_category_interest")
                    .from(InterestCategory::Table, InterestCategory::InterestId)
                    .to(Interest::Table, Interest::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        binary_collation(&mut category, backend);
        manager.create_table(category).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_interest_category_key")
                    .table(InterestCategory::Table)
                    .col(InterestCategory::CategoryKey)
                    .col(InterestCategory::InterestId)
                    .to_owned(),
            )
            .await?;

        let mut tag = Table::create();
        tag.table(InterestTag::Table)
            .col(ColumnDef::new(InterestTag::InterestId).uuid().not_null())
            .col(ColumnDef::new(InterestTag::Tag).string_len(32).not_null())
            .primary_key(
                Index::create()
                    .name("pk_interest_tag")
                    .col(InterestTag::InterestId)
                    .col(InterestTag::Tag),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_interest_tag_interest")
                    .from(InterestTag::Table, InterestTag::InterestId)
                    .to(Interest::Table, Interest::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        binary_collation(&mut tag, backend);
        manager.create_table(tag).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_interest_tag_tag")
                    .table(InterestTag::Table)
                    .col(InterestTag::Tag)
                    .col(InterestTag::InterestId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InterestTag::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(InterestCategory::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Interest::Table).to_owned())
            .await
    }
}
