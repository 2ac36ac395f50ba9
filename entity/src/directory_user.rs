//! A caller as of their latest token: the directory the audience rules read.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_user")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub display_name: Option<String>,
    /// Organization (`tid`); NULL: in no organization.
    pub tenant_id: Option<String>,
    /// JSON array of group ids, as in the token.
    #[sea_orm(column_type = "Text")]
    pub groups: String,
    /// Hash of name, organization and groups: unchanged claims need no write.
    pub fingerprint: String,
    /// Microseconds since the Unix epoch of the last change.
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
