//! Interests: create, read, list, count, update and delete, each under the caller's rights.
//!
//! Reads always carry [`visible_to`]; writes first read the row as the caller sees it, so an
//! interest the caller cannot see is `NOT_FOUND` and one it sees but does not own `FORBIDDEN`.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use entity::{directory_user, interest, interest_category, interest_tag, interest_tag_category};

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::creates::{Creates, NewRow};
use super::events::{Change as InterestChange, ChangeKind, Publisher, Snapshot};
pub use super::listing::{
    count, counts_by_owner, edge_exists_beyond, first_pages, list, InterestFilter, Page, Selection,
};
use super::values::{
    Audience, Categories, CollaborationTag, Description, DisplayName, HttpUrl, Inference, InterestId, Source,
    UserId,
};
use super::viewer::{Caller, Viewer};
use super::visibility::{interest_by_id, visible_to};
use crate::db::Reader;
use crate::error::{AppError, AppResult};

/// One identity of an [`IdentitySet`].
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub tenant_id: Option<String>,
}

/// Who did something: the user, the application and the device, each when known.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IdentitySet {
    pub application: Option<Identity>,
    pub device: Option<Identity>,
    pub user: Option<Identity>,
}

impl IdentitySet {
    /// Built from the caller's token: `user` {sub, name, tid}, `application` {azp/appid,
    /// app_displayname}, `device` {deviceid}; absent parts are `None`.
    pub fn of(caller: &Caller) -> Self {
        let application = (caller.app_id.is_some() || caller.app_name.is_some()).then(|| Identity {
            id: caller.app_id.clone(),
            display_name: caller.app_name.clone(),
            tenant_id: None,
        });
        let device = caller.device_id.as_ref().map(|id| Identity {
            id: Some(id.clone()),
            ..Identity::default()
        });
        Self {
            application,
            device,
            user: Some(Identity {
                id: Some(caller.id.as_str().to_owned()),
                display_name: caller.name.clone(),
                tenant_id: caller.tenant_id.clone(),
            }),
        }
    }
}

/// An interest as read from storage.
#[derive(Clone, Debug, PartialEq)]
pub struct Interest {
    pub id: InterestId,
    pub user_id: String,
    pub display_name: String,
    pub description: Option<String>,
    pub web_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub is_searchable: bool,
    pub categories: Vec<String>,
    pub collaboration_tags: Vec<CollaborationTag>,
    pub allowed_audiences: Audience,
    pub inference: Option<Inference>,
    pub source: Option<Source>,
    pub created_by: Option<IdentitySet>,
    pub created_date_time: DateTime<Utc>,
    pub last_modified_by: Option<IdentitySet>,
    pub last_modified_date_time: DateTime<Utc>,
    pub etag: String,
}

fn etag_of(version: i64) -> String {
    format!("W/\"{version}\"")
}

fn from_micros(micros: i64) -> AppResult<DateTime<Utc>> {
    Utc.timestamp_micros(micros)
        .single()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("stored timestamp {micros} out of range")))
}

fn from_json<T: for<'de> Deserialize<'de>>(column: &str, text: &str) -> AppResult<T> {
    serde_json::from_str(text)
        .map_err(|e| AppError::internal(anyhow::anyhow!("stored {column} is not valid JSON: {e}")))
}

fn opt_json<T: for<'de> Deserialize<'de>>(column: &str, text: Option<&str>) -> AppResult<Option<T>> {
    text.map(|t| from_json(column, t)).transpose()
}

pub(super) fn to_json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

impl Interest {
    /// Reads a stored row (also for other domain modules that query interests themselves).
    pub(crate) fn from_model(m: interest::Model) -> AppResult<Self> {
        let tags: Vec<String> = from_json("collaboration_tags", &m.collaboration_tags)?;
        let created_by: Option<IdentitySet> = opt_json("created_by", m.created_by.as_deref())?;
        Ok(Self {
            id: InterestId::from_uuid(m.id),
            user_id: m.user_id,
            display_name: m.display_name,
            description: m.description,
            web_url: m.web_url,
            thumbnail_url: m.thumbnail_url,
            is_searchable: m.is_searchable,
            categories: from_json("categories", &m.categories)?,
            collaboration_tags: tags
                .iter()
                .filter_map(|t| CollaborationTag::from_stored(t))
                .collect(),
            allowed_audiences: Audience::from_stored(&m.allowed_audiences),
            inference: opt_json("inference", m.inference.as_deref())?,
            source: opt_json("source", m.source.as_deref())?,
            // Most interests were last modified by whoever created them: one parse for both.
            last_modified_by: if m.last_modified_by == m.created_by {
                created_by.clone()
            } else {
                opt_json("last_modified_by", m.last_modified_by.as_deref())?
            },
            created_by,
            created_date_time: from_micros(m.created_at)?,
            last_modified_date_time: from_micros(m.modified_at)?,
            etag: etag_of(m.version),
        })
    }
}

/// A validated new interest.
#[derive(Clone, Debug)]
pub struct NewInterest {
    /// Whose profile; `None`: the caller's.
    pub owner: Option<UserId>,
    pub display_name: DisplayName,
    pub description: Option<Description>,
    pub web_url: Option<HttpUrl>,
    pub thumbnail_url: Option<HttpUrl>,
    pub is_searchable: bool,
    pub categories: Categories,
    pub collaboration_tags: Vec<CollaborationTag>,
    pub allowed_audiences: Audience,
    pub inference: Option<Inference>,
    pub source: Option<Source>,
}

/// One field of an update: left alone, or set to a value (`Set(None)` clears a nullable one).
#[derive(Clone, Debug, Default)]
pub enum Change<T> {
    #[default]
    Keep,
    Set(T),
}

/// A validated update: omitted fields are [`Change::Keep`].
#[derive(Clone, Debug, Default)]
pub struct InterestChanges {
    pub display_name: Change<DisplayName>,
    pub description: Change<Option<Description>>,
    pub web_url: Change<Option<HttpUrl>>,
    pub thumbnail_url: Change<Option<HttpUrl>>,
    pub is_searchable: Change<bool>,
    pub categories: Change<Categories>,
    pub collaboration_tags: Change<Vec<CollaborationTag>>,
    pub allowed_audiences: Change<Audience>,
    pub inference: Change<Option<Inference>>,
    pub source: Change<Option<Source>>,
}

fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

fn require_caller(viewer: &Viewer) -> AppResult<&Caller> {
    viewer
        .caller()
        .ok_or_else(|| AppError::Unauthenticated("sign in to do this".into()))
}

async fn find_visible(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: InterestId,
) -> AppResult<Option<interest::Model>> {
    let statement = interest_by_id(viewer, db.get_database_backend(), id.uuid());
    Ok(interest::Model::find_by_statement(statement).one(db).await?)
}

/// The interest with `id`, or `None` when it does not exist or `viewer` may not see it.
#[tracing::instrument(level = "debug", name = "interests.get", skip_all, fields(interest = %id))]
pub async fn get(reader: &Reader, viewer: &Viewer, id: InterestId) -> AppResult<Option<Interest>> {
    let statement = interest_by_id(viewer, reader.db.get_database_backend(), id.uuid());
    super::rows::interests(reader.rows(statement).await?)?
        .pop()
        .map(Interest::from_model)
        .transpose()
}

/// The interests among `ids` that `viewer` may see, in one statement (federation's `_entities`).
#[tracing::instrument(level = "debug", name = "interests.get_many", skip_all, fields(count = ids.len()))]
pub async fn get_many(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ids: &[InterestId],
) -> AppResult<HashMap<InterestId, Interest>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    interest::Entity::find()
        .filter(interest::Column::Id.is_in(ids.iter().map(|id| id.uuid())))
        .filter(visible_to(viewer, db.get_database_backend()))
        .all(db)
        .await?
        .into_iter()
        .map(|model| Ok((InterestId::from_uuid(model.id), Interest::from_model(model)?)))
        .collect()
}

pub(super) fn category_rows(id: Uuid, categories: &Categories) -> Vec<interest_category::ActiveModel> {
    categories
        .keys()
        .into_iter()
        .zip(categories.as_slice())
        .map(|(key, name)| interest_category::ActiveModel {
            interest_id: Set(id),
            category_key: Set(key),
            name: Set(Some(name.clone())),
        })
        .collect()
}

pub(super) fn tag_rows(id: Uuid, tags: &[CollaborationTag]) -> Vec<interest_tag::ActiveModel> {
    tags.iter()
        .map(|t| interest_tag::ActiveModel {
            interest_id: Set(id),
            tag: Set(t.as_str().to_owned()),
        })
        .collect()
}

/// Removes the category, tag and (tag, category) rows of the interests `ids`, inside the
/// transaction that deleted them (after the interest rows, whose locks order it after any
/// update of theirs).
pub(super) async fn delete_side_rows(txn: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<()> {
    let ids = || ids.iter().copied();
    interest_category::Entity::delete_many()
        .filter(interest_category::Column::InterestId.is_in(ids()))
        .exec(txn)
        .await?;
    interest_tag::Entity::delete_many()
        .filter(interest_tag::Column::InterestId.is_in(ids()))
        .exec(txn)
        .await?;
    interest_tag_category::Entity::delete_many()
        .filter(interest_tag_category::Column::InterestId.is_in(ids()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Writes the (tag, category) pairs of the interests `ids` from their side tables, inside the
/// write's transaction: one `INSERT … SELECT` over what was just stored, after removing the old
/// pairs unless the interests are `new`.
pub(super) async fn write_tag_category_pairs(
    txn: &impl ConnectionTrait,
    ids: &[Uuid],
    new: bool,
) -> AppResult<()> {
    if !new {
        interest_tag_category::Entity::delete_many()
            .filter(interest_tag_category::Column::InterestId.is_in(ids.iter().copied()))
            .exec(txn)
            .await?;
    }
    let pairs = Query::select()
        .column((interest_tag::Entity, interest_tag::Column::InterestId))
        .column((interest_tag::Entity, interest_tag::Column::Tag))
        .column((interest_category::Entity, interest_category::Column::CategoryKey))
        .column((interest::Entity, interest::Column::CreatedAt))
        .column((interest::Entity, interest::Column::UserId))
        .column((interest::Entity, interest::Column::AllowedAudiences))
        .column((interest::Entity, interest::Column::OwnerTenantId))
        .from(interest_tag::Entity)
        .inner_join(
            interest_category::Entity,
            Expr::col((interest_category::Entity, interest_category::Column::InterestId))
                .equals((interest_tag::Entity, interest_tag::Column::InterestId)),
        )
        .inner_join(
            interest::Entity,
            Expr::col((interest::Entity, interest::Column::Id))
                .equals((interest_tag::Entity, interest_tag::Column::InterestId)),
        )
        .and_where(
            Expr::col((interest_tag::Entity, interest_tag::Column::InterestId)).is_in(ids.iter().copied()),
        )
        .to_owned();
    let insert = Query::insert()
        .into_table(interest_tag_category::Entity)
        .columns([
            interest_tag_category::Column::InterestId,
            interest_tag_category::Column::Tag,
            interest_tag_category::Column::CategoryKey,
            interest_tag_category::Column::CreatedAt,
            interest_tag_category::Column::UserId,
            interest_tag_category::Column::AllowedAudiences,
            interest_tag_category::Column::OwnerTenantId,
        ])
        .select_from(pairs)
        .map_err(AppError::internal)?
        .to_owned();
    txn.execute(&insert).await?;
    Ok(())
}

/// The organization of `owner` as the directory has it (the caller's own from their token).
async fn owner_tenant(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    owner: &UserId,
) -> AppResult<Option<String>> {
    if *owner == caller.id {
        return Ok(caller.tenant_id.clone());
    }
    Ok(directory_user::Entity::find_by_id(owner.as_str().to_owned())
        .select_only()
        .column(directory_user::Column::TenantId)
        .into_tuple::<Option<String>>()
        .one(txn)
        .await?
        .flatten())
}

pub(super) fn tags_json(tags: &[CollaborationTag]) -> AppResult<String> {
    to_json(&tags.iter().map(|t| t.as_str()).collect::<Vec<_>>())
}

pub(super) fn opt_to_json<T: Serialize>(value: Option<&T>) -> AppResult<Option<String>> {
    value.map(to_json).transpose()
}

/// When and by whom a new row was written, and its version.
pub(super) struct Written {
    pub created_at: i64,
    pub created_by: Option<String>,
    pub modified_at: i64,
    pub modified_by: Option<String>,
    pub version: i64,
}

/// The stored row of `new` on `owner`'s profile; `tags` are its deduplicated tags.
pub(super) fn new_row(
    id: Uuid,
    owner: &UserId,
    new: &NewInterest,
    tags: &[CollaborationTag],
    written: Written,
    owner_tenant_id: Option<String>,
) -> AppResult<interest::Model> {
    Ok(interest::Model {
        id,
        user_id: owner.as_str().to_owned(),
        display_name: new.display_name.as_str().to_owned(),
        display_name_key: new.display_name.key(),
        description: new.description.clone().map(Description::into_string),
        web_url: new.web_url.clone().map(HttpUrl::into_string),
        thumbnail_url: new.thumbnail_url.clone().map(HttpUrl::into_string),
        is_searchable: new.is_searchable,
        categories: to_json(&new.categories.as_slice())?,
        collaboration_tags: tags_json(tags)?,
        allowed_audiences: new.allowed_audiences.as_str().to_owned(),
        inference: opt_to_json(new.inference.as_ref())?,
        source: opt_to_json(new.source.as_ref())?,
        created_by: written.created_by,
        last_modified_by: written.modified_by,
        created_at: written.created_at,
        modified_at: written.modified_at,
        version: written.version,
        owner_tenant_id,
    })
}

/// Creates an interest on the caller's profile (or, for an admin, on `new.owner`'s).
#[tracing::instrument(level = "debug", name = "interests.create", skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    creates: &Creates,
    events: &Publisher,
    viewer: &Viewer,
    new: NewInterest,
) -> AppResult<Interest> {
    let caller = require_caller(viewer)?;
    let owner = new.owner.clone().unwrap_or_else(|| caller.id.clone());
    if owner != caller.id && !caller.is_admin {
        return Err(AppError::Forbidden(
            "only an admin may add interests to another user's profile".into(),
        ));
    }
    let id = InterestId::new_random().uuid();
    let now = now_micros();
    let by = Some(to_json(&IdentitySet::of(caller))?);
    let tags = CollaborationTag::dedup(&new.collaboration_tags);
    let written = Written {
        created_at: now,
        created_by: by.clone(),
        modified_at: now,
        modified_by: by,
        version: 1,
    };
    let change = InterestChange {
        kind: ChangeKind::Created,
        interest_id: id,
        user_id: owner.as_str().to_owned(),
        before: None,
        at: now,
    };
    if db.get_database_backend() == DbBackend::Postgres && owner == caller.id {
        // The common case in one statement: the caller's own organization comes from the token.
        let row = new_row(id, &owner, &new, &tags, written, caller.tenant_id.clone())?;
        let category_keys = new.categories.keys();
        creates
            .write(
                db,
                events,
                NewRow {
                    row: row.clone(),
                    category_keys,
                    change,
                },
            )
            .await?;
        tracing::info!(interest = %id, owner = owner.as_str(), "interest created");
        return Interest::from_model(row);
    }
    let txn = crate::db::begin_write(db).await?;
    let model = new_row(
        id,
        &owner,
        &new,
        &tags,
        written,
        owner_tenant(&txn, caller, &owner).await?,
    )?;
    let row: interest::ActiveModel = model.clone().into();
    interest::Entity::insert(row).exec_without_returning(&txn).await?;
    interest_category::Entity::insert_many(category_rows(id, &new.categories))
        .exec_without_returning(&txn)
        .await?;
    interest_tag::Entity::insert_many(tag_rows(id, &tags))
        .exec_without_returning(&txn)
        .await?;
    if !tags.is_empty() && !new.categories.as_slice().is_empty() {
        write_tag_category_pairs(&txn, &[id], true).await?;
    }
    txn.commit().await?;
    events.committed(change);
    tracing::info!(interest = %id, owner = owner.as_str(), "interest created");
    // The creator is the owner or an admin: they see what they just wrote, as written.
    Interest::from_model(model)
}

/// Only the owner or an admin may change an interest (`FORBIDDEN` otherwise).
fn owner_or_admin(caller: &Caller, owner: &str) -> AppResult<()> {
    if owner != caller.id.as_str() && !caller.is_admin {
        return Err(AppError::Forbidden(
            "only the owner may change this interest".into(),
        ));
    }
    Ok(())
}

/// Whether `viewer` may change `interest`, which it sees: `UNAUTHENTICATED` when anonymous,
/// `FORBIDDEN` unless the owner or an admin. For checks that must come before a version check.
pub fn may_change(viewer: &Viewer, interest: &Interest) -> AppResult<()> {
    owner_or_admin(require_caller(viewer)?, &interest.user_id)
}

/// The row `caller` may change: visible (else `NOT_FOUND`), owned or admin (else
/// `FORBIDDEN`), and at `if_match` when given (else `CONFLICT`).
async fn writable(
    db: &DatabaseConnection,
    viewer: &Viewer,
    caller: &Caller,
    id: InterestId,
    if_match: Option<&str>,
) -> AppResult<interest::Model> {
    let row = find_visible(db, viewer, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("interest {id} not found")))?;
    owner_or_admin(caller, &row.user_id)?;
    if let Some(expected) = if_match {
        if expected != etag_of(row.version) {
            return Err(conflict());
        }
    }
    Ok(row)
}

/// What the audience rule reads of `row`, for deliveries after it changes.
fn snapshot(row: &interest::Model) -> Snapshot {
    Snapshot {
        user_id: row.user_id.clone(),
        allowed_audiences: row.allowed_audiences.clone(),
        owner_tenant_id: row.owner_tenant_id.clone(),
    }
}

fn conflict() -> AppError {
    AppError::Conflict("the interest was changed since that etag; read it again".into())
}

/// How many times a write without `ifMatch` retries after losing a race (last write wins).
const WRITE_ATTEMPTS: usize = 5;

/// Applies `changes` to the interest `id`.
#[tracing::instrument(level = "debug", name = "interests.update", skip_all, fields(interest = %id))]
pub async fn update(
    db: &DatabaseConnection,
    events: &Publisher,
    viewer: &Viewer,
    id: InterestId,
    changes: InterestChanges,
    if_match: Option<&str>,
) -> AppResult<Interest> {
    let caller = require_caller(viewer)?;
    for _ in 0..WRITE_ATTEMPTS {
        let row = writable(db, viewer, caller, id, if_match).await?;
        if apply_update(db, events, caller, &row, &changes).await? {
            tracing::info!(interest = %id, "interest updated");
            return find_visible(db, viewer, id)
                .await?
                .map(Interest::from_model)
                .transpose()?
                .ok_or_else(|| AppError::NotFound(format!("interest {id} not found")));
        }
        if if_match.is_some() {
            return Err(conflict());
        }
    }
    Err(conflict())
}

/// Writes the update if the row is still at `row.version`; `false` when it was not.
async fn apply_update(
    db: &DatabaseConnection,
    events: &Publisher,
    caller: &Caller,
    row: &interest::Model,
    changes: &InterestChanges,
) -> AppResult<bool> {
    let modified_at = std::cmp::max(now_micros(), row.modified_at + 1);
    let mut update = interest::ActiveModel {
        version: Set(row.version + 1),
        modified_at: Set(modified_at),
        last_modified_by: Set(Some(to_json(&IdentitySet::of(caller))?)),
        ..Default::default()
    };
    if let Change::Set(name) = &changes.display_name {
        update.display_name = Set(name.as_str().to_owned());
        update.display_name_key = Set(name.key());
    }
    if let Change::Set(v) = &changes.description {
        update.description = Set(v.clone().map(Description::into_string));
    }
    if let Change::Set(v) = &changes.web_url {
        update.web_url = Set(v.clone().map(HttpUrl::into_string));
    }
    if let Change::Set(v) = &changes.thumbnail_url {
        update.thumbnail_url = Set(v.clone().map(HttpUrl::into_string));
    }
    if let Change::Set(v) = changes.is_searchable {
        update.is_searchable = Set(v);
    }
    if let Change::Set(v) = &changes.categories {
        update.categories = Set(to_json(&v.as_slice())?);
    }
    let tags = match &changes.collaboration_tags {
        Change::Set(v) => Some(CollaborationTag::dedup(v)),
        Change::Keep => None,
    };
    if let Some(tags) = &tags {
        update.collaboration_tags = Set(tags_json(tags)?);
    }
    if let Change::Set(v) = changes.allowed_audiences {
        update.allowed_audiences = Set(v.as_str().to_owned());
    }
    if let Change::Set(v) = &changes.inference {
        update.inference = Set(opt_to_json(v.as_ref())?);
    }
    if let Change::Set(v) = &changes.source {
        update.source = Set(opt_to_json(v.as_ref())?);
    }
    update.id = NotSet;

    let txn = crate::db::begin_write(db).await?;
    let done = interest::Entity::update_many()
        .set(update)
        .filter(interest::Column::Id.eq(row.id))
        .filter(interest::Column::Version.eq(row.version))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    if let Change::Set(categories) = &changes.categories {
        interest_category::Entity::delete_many()
            .filter(interest_category::Column::InterestId.eq(row.id))
            .exec(&txn)
            .await?;
        interest_category::Entity::insert_many(category_rows(row.id, categories))
            .exec_without_returning(&txn)
            .await?;
    }
    if let Some(tags) = &tags {
        interest_tag::Entity::delete_many()
            .filter(interest_tag::Column::InterestId.eq(row.id))
            .exec(&txn)
            .await?;
        interest_tag::Entity::insert_many(tag_rows(row.id, tags))
            .exec_without_returning(&txn)
            .await?;
    }
    // The pairs carry the audience too (the discovery index answers the audience rule).
    if tags.is_some()
        || matches!(changes.categories, Change::Set(_))
        || matches!(changes.allowed_audiences, Change::Set(_))
    {
        write_tag_category_pairs(&txn, &[row.id], false).await?;
    }
    let change = InterestChange {
        kind: ChangeKind::Updated,
        interest_id: row.id,
        user_id: row.user_id.clone(),
        before: Some(snapshot(row)),
        at: modified_at,
    };
    txn.commit().await?;
    events.committed(change);
    Ok(true)
}

/// Deletes the interest `id`; returns its id.
#[tracing::instrument(level = "debug", name = "interests.delete", skip_all, fields(interest = %id))]
pub async fn delete(
    db: &DatabaseConnection,
    events: &Publisher,
    viewer: &Viewer,
    id: InterestId,
    if_match: Option<&str>,
) -> AppResult<InterestId> {
    let caller = require_caller(viewer)?;
    let row = writable(db, viewer, caller, id, if_match).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut delete = interest::Entity::delete_many().filter(interest::Column::Id.eq(row.id));
    if if_match.is_some() {
        delete = delete.filter(interest::Column::Version.eq(row.version));
    }
    // The row first, as an update takes it: deleting it waits for an update that holds it, and
    // the side rows are then removed as that update left them. (Side rows first deadlocked
    // with an update: each waited for the other's rows.)
    let done = delete.exec(&txn).await?;
    if done.rows_affected == 0 {
        txn.rollback().await?;
        return Err(if if_match.is_some() {
            conflict()
        } else {
            AppError::NotFound(format!("interest {id} not found"))
        });
    }
    delete_side_rows(&txn, &[row.id]).await?;
    let change = InterestChange {
        kind: ChangeKind::Deleted,
        interest_id: row.id,
        user_id: row.user_id.clone(),
        before: Some(snapshot(&row)),
        at: now_micros(),
    };
    txn.commit().await?;
    events.committed(change);
    tracing::info!(interest = %id, "interest deleted");
    Ok(id)
}
