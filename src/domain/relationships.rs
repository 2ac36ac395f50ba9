//! Family and contacts: relationships an owner declares, read by the audience rules.

use entity::relationship;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::values::UserId;
use super::viewer::{Caller, Viewer};
use crate::error::{AppError, AppResult};

/// What the owner marked someone as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelationshipKind {
    Family,
    Contact,
}

impl RelationshipKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Family => "FAMILY",
            Self::Contact => "CONTACT",
        }
    }

    fn from_stored(s: &str) -> Option<Self> {
        [Self::Family, Self::Contact]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One of the caller's relationships.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relationship {
    pub user_id: String,
    pub kind: RelationshipKind,
}

fn caller_of(viewer: &Viewer) -> AppResult<&Caller> {
    viewer
        .caller()
        .ok_or_else(|| AppError::Unauthenticated("sign in to manage relationships".into()))
}

fn other_than_caller(caller: &Caller, other: &UserId) -> AppResult<()> {
    if *other == caller.id {
        return Err(AppError::bad_input("userId", "a relationship needs another user"));
    }
    Ok(())
}

/// Marks `other` as the caller's family or contact; adding it again changes nothing.
#[tracing::instrument(level = "debug", name = "relationships.add", skip_all, fields(kind = kind.as_str()))]
pub async fn add(
    db: &DatabaseConnection,
    viewer: &Viewer,
    other: UserId,
    kind: RelationshipKind,
) -> AppResult<Relationship> {
    let caller = caller_of(viewer)?;
    other_than_caller(caller, &other)?;
    let row = relationship::ActiveModel {
        owner_id: Set(caller.id.as_str().to_owned()),
        other_id: Set(other.as_str().to_owned()),
        kind: Set(kind.as_str().to_owned()),
        created_at: Set(chrono::Utc::now().timestamp_micros()),
    };
    relationship::Entity::insert(row)
        .on_conflict_do_nothing_on([
            relationship::Column::OwnerId,
            relationship::Column::OtherId,
            relationship::Column::Kind,
        ])
        .exec(db)
        .await?;
    Ok(Relationship {
        user_id: other.as_str().to_owned(),
        kind,
    })
}

/// Removes a relationship; `false` when there was none (removing twice is fine).
#[tracing::instrument(level = "debug", name = "relationships.remove", skip_all, fields(kind = kind.as_str()))]
pub async fn remove(
    db: &DatabaseConnection,
    viewer: &Viewer,
    other: UserId,
    kind: RelationshipKind,
) -> AppResult<bool> {
    let caller = caller_of(viewer)?;
    other_than_caller(caller, &other)?;
    let done = relationship::Entity::delete_many()
        .filter(relationship::Column::OwnerId.eq(caller.id.as_str()))
        .filter(relationship::Column::OtherId.eq(other.as_str()))
        .filter(relationship::Column::Kind.eq(kind.as_str()))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// The relationships of `owner`: only the owner may read them.
#[tracing::instrument(level = "debug", name = "relationships.list", skip_all)]
pub async fn list(db: &DatabaseConnection, viewer: &Viewer, owner: &UserId) -> AppResult<Vec<Relationship>> {
    let caller = caller_of(viewer)?;
    if caller.id != *owner {
        return Err(AppError::Forbidden(
            "only the user may read their relationships".into(),
        ));
    }
    let rows = relationship::Entity::find()
        .filter(relationship::Column::OwnerId.eq(owner.as_str()))
        .order_by_asc(relationship::Column::CreatedAt)
        .order_by_asc(relationship::Column::OtherId)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            RelationshipKind::from_stored(&r.kind).map(|kind| Relationship {
                user_id: r.other_id,
                kind,
            })
        })
        .collect())
}
