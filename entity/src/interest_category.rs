//! One (interest, lower-cased category) pair: what the `categories` filter reads.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interest_category")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub interest_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_key: String,
    /// The owner's spelling; NULL on rows written before it was kept.
    pub name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// No database cascade on PostgreSQL or MySQL (migration 000008): the service deletes side
    /// rows with their interest.
    #[sea_orm(
        belongs_to = "super::interest::Entity",
        from = "Column::InterestId",
        to = "super::interest::Column::Id"
    )]
    Interest,
}

impl Related<super::interest::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Interest.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
