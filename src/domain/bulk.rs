//! Bulk import and export, for the `import` and `export` commands: a database operator's
//! tools, so no caller and no audience rule; many rows per statement.
//!
//! An import stores the interests it is given as they are, history included (`createdBy`,
//! `createdDateTime`, …), and is idempotent by id: a record whose id exists on the same profile
//! replaces it. Imports publish no live events: subscribers see the rows on their next query.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{directory_user, interest, interest_category, interest_tag, interest_tag_category};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::interests::{
    category_rows, delete_side_rows, new_row, opt_to_json, tag_rows, IdentitySet, Interest, NewInterest,
    Written,
};
use super::values::{CollaborationTag, InterestId, UserId};
use crate::error::{AppError, AppResult};

/// One interest to import, validated.
#[derive(Clone, Debug)]
pub struct Imported {
    /// `None`: a new id is made.
    pub id: Option<InterestId>,
    pub owner: UserId,
    pub interest: NewInterest,
    pub created_at: Option<DateTime<Utc>>,
    pub created_by: Option<IdentitySet>,
    pub modified_at: Option<DateTime<Utc>>,
    pub modified_by: Option<IdentitySet>,
}

/// What a batch's lookup found of an interest it replaces.
struct Existing {
    owner: String,
    version: i64,
    created_at: i64,
    created_by: Option<String>,
}

/// What happened to one imported record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    Created,
    Replaced,
}

/// Rows per multi-row `INSERT`, kept under every backend's limit of bound parameters
/// (SQLite 32,766; PostgreSQL and MySQL 65,535).
const INTEREST_ROWS_PER_INSERT: usize = 1_000;
const SIDE_ROWS_PER_INSERT: usize = 5_000;

/// Stores `batch` in one transaction. Each record is created, or replaces the interest with
/// its id when that one is on the same profile; an id on another profile is refused for that
/// record alone. `importer` stands in for `createdBy`/`lastModifiedBy` a record does not give.
/// Ids must be distinct within a batch.
#[tracing::instrument(level = "debug", name = "bulk.import", skip_all, fields(records = batch.len()))]
pub async fn import_batch(
    db: &DatabaseConnection,
    batch: Vec<Imported>,
    importer: &IdentitySet,
) -> AppResult<Vec<AppResult<Stored>>> {
    let now = Utc::now().timestamp_micros();
    let importer = opt_to_json(Some(importer))?;
    let txn = crate::db::begin_write(db).await?;
    let given: Vec<Uuid> = batch.iter().filter_map(|r| r.id.map(InterestId::uuid)).collect();
    let mut existing: HashMap<Uuid, Existing> = HashMap::new();
    for ids in given.chunks(INTEREST_ROWS_PER_INSERT) {
        let rows: Vec<(Uuid, String, i64, i64, Option<String>)> = interest::Entity::find()
            .select_only()
            .columns([
                interest::Column::Id,
                interest::Column::UserId,
                interest::Column::Version,
                interest::Column::CreatedAt,
                interest::Column::CreatedBy,
            ])
            .filter(interest::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&txn)
            .await?;
        existing.extend(
            rows.into_iter()
                .map(|(id, owner, version, created_at, created_by)| {
                    (
                        id,
                        Existing {
                            owner,
                            version,
                            created_at,
                            created_by,
                        },
                    )
                }),
        );
    }
    let tenants = tenants_of(&txn, &batch).await?;

    let mut outcomes = Vec::with_capacity(batch.len());
    let mut rows = Vec::with_capacity(batch.len());
    let mut categories = Vec::new();
    let mut tags = Vec::new();
    let mut replaced = Vec::new();
    let mut pairs = Vec::new();
    for (position, record) in batch.into_iter().enumerate() {
        // Records without a creation time are stamped a microsecond apart, in file order.
        let now = now + i64::try_from(position).unwrap_or(0);
        let id = record.id.unwrap_or_else(InterestId::new_random).uuid();
        let before = existing.get(&id);
        if before.is_some_and(|b| b.owner != record.owner.as_str()) {
            outcomes.push(Err(AppError::bad_input(
                "id",
                format!("interest {id} is on another profile; give it a new id or leave id out"),
            )));
            continue;
        }
        if before.is_some() {
            replaced.push(id);
        }
        let deduped = CollaborationTag::dedup(&record.interest.collaboration_tags);
        // A replaced interest keeps its creation unless the record gives one.
        let created_at = record
            .created_at
            .map(|t| t.timestamp_micros())
            .or(before.map(|b| b.created_at))
            .unwrap_or(now);
        let created_by = match (opt_to_json(record.created_by.as_ref())?, before) {
            (Some(given), _) => Some(given),
            (None, Some(b)) => b.created_by.clone(),
            (None, None) => importer.clone(),
        };
        let version = before.map_or(1, |b| b.version + 1);
        let row = new_row(
            id,
            &record.owner,
            &record.interest,
            &deduped,
            Written {
                created_at,
                created_by,
                modified_at: record
                    .modified_at
                    .map_or(created_at.max(now), |t| t.timestamp_micros()),
                modified_by: opt_to_json(record.modified_by.as_ref())?.or_else(|| importer.clone()),
                version,
            },
            tenants.get(record.owner.as_str()).cloned().flatten(),
        )?;
        // The (tag, category) pairs, from what is in hand (the single-row writes derive them
        // in SQL from the side tables; here that join would cost more than the inserts).
        for tag in &deduped {
            for key in record.interest.categories.keys() {
                pairs.push(interest_tag_category::ActiveModel {
                    interest_id: Set(id),
                    tag: Set(tag.as_str().to_owned()),
                    category_key: Set(key),
                    created_at: Set(created_at),
                    user_id: Set(row.user_id.clone()),
                    allowed_audiences: Set(row.allowed_audiences.clone()),
                    owner_tenant_id: Set(row.owner_tenant_id.clone()),
                });
            }
        }
        categories.extend(category_rows(id, &record.interest.categories));
        tags.extend(tag_rows(id, &deduped));
        rows.push(row);
        outcomes.push(Ok(if version == 1 {
            Stored::Created
        } else {
            Stored::Replaced
        }));
    }

    // The interest rows first, then their side rows (as `interests::delete`).
    for ids in replaced.chunks(INTEREST_ROWS_PER_INSERT) {
        interest::Entity::delete_many()
            .filter(interest::Column::Id.is_in(ids.iter().copied()))
            .exec(&txn)
            .await?;
        delete_side_rows(&txn, ids).await?;
    }
    for chunk in rows.chunks(INTEREST_ROWS_PER_INSERT) {
        interest::Entity::insert_many(chunk.iter().cloned().map(interest::ActiveModel::from))
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in categories.chunks(SIDE_ROWS_PER_INSERT) {
        interest_category::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in tags.chunks(SIDE_ROWS_PER_INSERT) {
        interest_tag::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in pairs.chunks(SIDE_ROWS_PER_INSERT) {
        interest_tag_category::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(outcomes)
}

/// The organization of each owner in `batch` as the directory has it (`None` for owners who
/// never signed in: their ORGANIZATION interests reach colleagues once they do).
async fn tenants_of(
    txn: &impl ConnectionTrait,
    batch: &[Imported],
) -> AppResult<HashMap<String, Option<String>>> {
    let owners: HashSet<&str> = batch.iter().map(|r| r.owner.as_str()).collect();
    let owners: Vec<&str> = owners.into_iter().collect();
    let mut tenants = HashMap::new();
    for chunk in owners.chunks(INTEREST_ROWS_PER_INSERT) {
        let rows: Vec<(String, Option<String>)> = directory_user::Entity::find()
            .select_only()
            .columns([directory_user::Column::Id, directory_user::Column::TenantId])
            .filter(directory_user::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        tenants.extend(rows);
    }
    Ok(tenants)
}

/// How many interests an export of `owner` (or of everyone) writes.
pub async fn export_count(db: &DatabaseConnection, owner: Option<&UserId>) -> AppResult<u64> {
    let mut query = interest::Entity::find();
    if let Some(owner) = owner {
        query = query.filter(interest::Column::UserId.eq(owner.as_str()));
    }
    Ok(query.count(db).await?)
}

/// Up to `limit` interests of `owner` (or of everyone) after the id `after`, in id order: an
/// export reads the table in such pages, so its memory does not grow with the table.
pub async fn export_page(
    db: &DatabaseConnection,
    owner: Option<&UserId>,
    after: Option<InterestId>,
    limit: u64,
) -> AppResult<Vec<Interest>> {
    let mut query = interest::Entity::find();
    if let Some(owner) = owner {
        query = query.filter(interest::Column::UserId.eq(owner.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(interest::Column::Id.gt(after.uuid()));
    }
    query
        .order_by_asc(interest::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(Interest::from_model)
        .collect()
}
