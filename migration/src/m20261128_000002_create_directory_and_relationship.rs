//! The directory (who each caller was as of their latest token) and the relationships owners
//! declare: what the audience rules read.

use crate::binary_collation;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DirectoryUser {
    Table,
    Id,
    DisplayName,
    TenantId,
    Groups,
    Fingerprint,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DirectoryGroup {
    Table,
    UserId,
    GroupId,
}

#[derive(DeriveIden)]
enum Relationship {
    Table,
    OwnerId,
    OtherId,
    Kind,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        let mut user = Table::create();
        user.table(DirectoryUser::Table)
            .col(
                ColumnDef::new(DirectoryUser::Id)
                    .string_len(128)
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(DirectoryUser::DisplayName).text().null())
            .col(ColumnDef::new(DirectoryUser::TenantId).string_len(128).null())
            .col(ColumnDef::new(DirectoryUser::Groups).text().not_null())
            .col(
                ColumnDef::new(DirectoryUser::Fingerprint)
                    .string_len(64)
                    .not_null(),
            )
            .col(ColumnDef::new(DirectoryUser::UpdatedAt).big_integer().not_null());
        binary_collation(&mut user, backend);
        manager.create_table(user).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_directory_user_tenant")
                    .table(DirectoryUser::Table)
                    .col(DirectoryUser::TenantId)
                    .col(DirectoryUser::Id)
                    .to_owned(),
            )
            .await?;

        let mut group = Table::create();
        group
            .table(DirectoryGroup::Table)
            .col(ColumnDef::new(DirectoryGroup::UserId).string_len(128).not_null())
            .col(ColumnDef::new(DirectoryGroup::GroupId).string_len(255).not_null())
            .primary_key(
                Index::create()
                    .name("pk_directory_group")
                    .col(DirectoryGroup::UserId)
                    .col(DirectoryGroup::GroupId),
            );
        binary_collation(&mut group, backend);
        manager.create_table(group).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_directory_group_group")
                    .table(DirectoryGroup::Table)
                    .col(DirectoryGroup::GroupId)
                    .col(DirectoryGroup::UserId)
                    .to_owned(),
            )
            .await?;

        let mut relationship = Table::create();
        relationship
            .table(Relationship::Table)
            .col(ColumnDef::new(Relationship::OwnerId).string_len(128).not_null())
            .col(ColumnDef::new(Relationship::OtherId).string_len(128).not_null())
            .col(ColumnDef::new(Relationship::Kind).string_len(16).not_null())
            .col(ColumnDef::new(Relationship::CreatedAt).big_integer().not_null())
            .primary_key(
                Index::create()
                    .name("pk_relationship")
                    .col(Relationship::OwnerId)
                    .col(Relationship::OtherId)
                    .col(Relationship::Kind),
            );
        binary_collation(&mut relationship, backend);
        manager.create_table(relationship).await?;
        // "Whose family or contact am I?": what the audience rule asks for a viewer.
        manager
            .create_index(
                Index::create()
                    .name("idx_relationship_other")
                    .table(Relationship::Table)
                    .col(Relationship::OtherId)
                    .col(Relationship::Kind)
                    .col(Relationship::OwnerId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Relationship::Table.into_iden(),
            DirectoryGroup::Table.into_iden(),
            DirectoryUser::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
