//! One (interest, tag, category) triple with the interest's creation time: what lists filtered
//! by one tag and one category read, newest first, from a single index range.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interest_tag_category")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub interest_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_key: String,
    /// The interest's `created_at` (never changes).
    pub created_at: i64,
    /// Copies of the interest's owner, audience and owner's organization, so that the audience
    /// rule is answered from the index a discovery list walks; kept equal by every write.
    pub user_id: String,
    pub allowed_audiences: String,
    pub owner_tenant_id: Option<String>,
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
