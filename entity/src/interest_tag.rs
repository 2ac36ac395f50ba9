//! One (interest, collaboration tag) pair: what the `collaborationTags` filter reads.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interest_tag")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub interest_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag: String,
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
