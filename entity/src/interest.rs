//! One interest on a person's profile.

use sea_orm::entity::prelude::*;

/// Serializes with the column names (PostgreSQL's batched create reads rows from JSON).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "interest")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The profile owner (the `sub` of their token).
    pub user_id: String,
    pub display_name: String,
    /// Normalised display name (trimmed, lower case, single spaces): the sort key and the topic.
    pub display_name_key: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub web_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub is_searchable: bool,
    /// JSON array of strings, in the owner's order and spelling.
    #[sea_orm(column_type = "Text")]
    pub categories: String,
    /// JSON array of tag names (`ABLE_TO_MENTOR`, ...), in the owner's order.
    pub collaboration_tags: String,
    /// Audience name (`ORGANIZATION`, ...).
    pub allowed_audiences: String,
    /// JSON `{"confidenceScore", "userHasVerifiedAccuracy"}` or NULL.
    #[sea_orm(column_type = "Text", nullable)]
    pub inference: Option<String>,
    /// JSON `{"type": [...]}` or NULL.
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
    /// JSON identity set or NULL.
    #[sea_orm(column_type = "Text", nullable)]
    pub created_by: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_modified_by: Option<String>,
    /// Microseconds since the Unix epoch, UTC.
    pub created_at: i64,
    /// Microseconds since the Unix epoch, UTC; strictly increases on every update.
    pub modified_at: i64,
    /// Bumped on every update; the etag is derived from it.
    pub version: i64,
    /// The owner's organization as of their latest token (a copy of the directory's, kept in
    /// step with it), what the ORGANIZATION rules compare.
    pub owner_tenant_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::interest_category::Entity")]
    InterestCategory,
    #[sea_orm(has_many = "super::interest_tag::Entity")]
    InterestTag,
}

impl Related<super::interest_category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::InterestCategory.def()
    }
}

impl Related<super::interest_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::InterestTag.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
