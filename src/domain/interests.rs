//! Interests: create, read, list, count, update and delete, each under the caller's rights.
//!
//! Reads always carry [`visible_to`]; writes first read the row as the caller sees it, so an
//! interest the caller cannot see is `NOT_FOUND` and one it sees but does not own `FORBIDDEN`.

use chrono::{DateTime, TimeZone, Utc};
use entity::{interest, interest_category, interest_tag};
use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, SimpleExpr, WindowStatement};
use sea_orm::Iterable;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::events::{Change as InterestChange, ChangeKind, Publisher, Snapshot};
use super::pagination::{Cursor, Direction, Order, OrderField, PageRequest, SortKey, Take};
use super::search::SearchTerms;
use super::values::{
    Audience, Categories, CollaborationTag, Description, DisplayName, HttpUrl, Inference, InterestId, Source,
    UserId,
};
use super::viewer::{Caller, Viewer};
use super::visibility::visible_to;
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

fn to_json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

impl Interest {
    /// Reads a stored row (for other domain modules that query interests themselves).
    pub(crate) fn from_model_pub(m: interest::Model) -> AppResult<Self> {
        Self::from_model(m)
    }

    fn from_model(m: interest::Model) -> AppResult<Self> {
        let tags: Vec<String> = from_json("collaboration_tags", &m.collaboration_tags)?;
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
            created_by: opt_json("created_by", m.created_by.as_deref())?,
            last_modified_by: opt_json("last_modified_by", m.last_modified_by.as_deref())?,
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

/// Validated list filters; `None` means "not filtered on this".
#[derive(Clone, Debug, Default)]
pub struct InterestFilter {
    pub user_ids: Option<Vec<UserId>>,
    /// Lower-cased category keys: has any of.
    pub category_keys: Option<Vec<String>>,
    pub collaboration_tags: Option<Vec<CollaborationTag>>,
    pub allowed_audiences: Option<Vec<Audience>>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub modified_after: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    /// Full text over display name, description and categories.
    pub search: Option<SearchTerms>,
}

/// Which interests a list or count covers: a filter, optionally on one profile.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub filter: InterestFilter,
    /// Only this owner's profile (`User.interests`).
    pub owner: Option<UserId>,
    /// Discovery (facets, matches): leave out other people's unsearchable interests, as a
    /// search does.
    pub searchable_only: bool,
}

impl Selection {
    /// The SQL condition for this selection as `viewer` sees it.
    pub(crate) fn condition(&self, viewer: &Viewer, backend: DbBackend) -> Condition {
        let f = &self.filter;
        let mut cond = Condition::all().add(visible_to(viewer));
        if let Some(search) = &f.search {
            cond = cond.add(search.matches(backend));
        }
        if self.searchable_only || f.search.is_some() {
            // Not searchable: kept out of everybody's search and discovery but the owner's.
            let mut searchable = Condition::any().add(interest::Column::IsSearchable.eq(true));
            if let Some(caller) = viewer.caller() {
                searchable = searchable.add(interest::Column::UserId.eq(caller.id.as_str()));
            }
            cond = cond.add(searchable);
        }
        if let Some(owner) = &self.owner {
            cond = cond.add(interest::Column::UserId.eq(owner.as_str()));
        }
        if let Some(ids) = &f.user_ids {
            cond = cond.add(interest::Column::UserId.is_in(ids.iter().map(UserId::as_str)));
        }
        if let Some(keys) = &f.category_keys {
            cond = cond.add(
                interest::Column::Id.in_subquery(
                    Query::select()
                        .column(interest_category::Column::InterestId)
                        .from(interest_category::Entity)
                        .and_where(interest_category::Column::CategoryKey.is_in(keys.iter().cloned()))
                        .to_owned(),
                ),
            );
        }
        if let Some(tags) = &f.collaboration_tags {
            cond = cond.add(
                interest::Column::Id.in_subquery(
                    Query::select()
                        .column(interest_tag::Column::InterestId)
                        .from(interest_tag::Entity)
                        .and_where(interest_tag::Column::Tag.is_in(tags.iter().map(|t| t.as_str())))
                        .to_owned(),
                ),
            );
        }
        if let Some(audiences) = &f.allowed_audiences {
            cond = cond.add(interest::Column::AllowedAudiences.is_in(audiences.iter().map(|a| a.as_str())));
        }
        let times = [
            (f.created_after, interest::Column::CreatedAt, true),
            (f.created_before, interest::Column::CreatedAt, false),
            (f.modified_after, interest::Column::ModifiedAt, true),
            (f.modified_before, interest::Column::ModifiedAt, false),
        ];
        for (bound, column, after) in times {
            if let Some(t) = bound {
                let micros = t.timestamp_micros();
                cond = cond.add(if after {
                    column.gt(micros)
                } else {
                    column.lt(micros)
                });
            }
        }
        cond
    }
}

/// A page of interests, each with its cursor.
#[derive(Clone, Debug)]
pub struct Page {
    pub edges: Vec<(Interest, String)>,
    /// `Some` when the page itself answers it; `None` when [`edge_exists_beyond`] must.
    pub has_next_page: Option<bool>,
    pub has_previous_page: Option<bool>,
}

fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

fn require_caller(viewer: &Viewer) -> AppResult<&Caller> {
    viewer
        .caller()
        .ok_or_else(|| AppError::Unauthenticated("sign in to do this".into()))
}

/// The expression a list is sorted by.
fn sort_expr(field: OrderField, selection: &Selection, backend: DbBackend) -> SimpleExpr {
    let column = |c: interest::Column| Expr::col((interest::Entity, c));
    match field {
        OrderField::CreatedDateTime => column(interest::Column::CreatedAt),
        OrderField::LastModifiedDateTime => column(interest::Column::ModifiedAt),
        OrderField::DisplayName => column(interest::Column::DisplayNameKey),
        OrderField::Relevance => match &selection.filter.search {
            Some(search) => search.score(backend),
            None => column(interest::Column::CreatedAt),
        },
    }
}

fn key_value(key: &SortKey) -> sea_orm::Value {
    match key {
        SortKey::Micros(v) => (*v).into(),
        SortKey::Text(s) => s.clone().into(),
        SortKey::Score(v) => (*v).into(),
    }
}

/// Rows strictly beyond `cursor` in sort direction (`forward`) or strictly before it.
///
/// Written as `key >= k AND (key > k OR id > i)` rather than a row-value comparison: every
/// backend turns the first term into an index range, and MySQL does not for row values.
fn beyond(key: &SimpleExpr, direction: Direction, cursor: &Cursor, forward: bool) -> Condition {
    let value = key_value(&cursor.key);
    let ascending = (direction == Direction::Asc) == forward;
    let key = || Expr::expr(key.clone());
    if ascending {
        Condition::all().add(key().gte(value.clone())).add(
            Condition::any()
                .add(key().gt(value))
                .add(interest::Column::Id.gt(cursor.id)),
        )
    } else {
        Condition::all().add(key().lte(value.clone())).add(
            Condition::any()
                .add(key().lt(value))
                .add(interest::Column::Id.lt(cursor.id)),
        )
    }
}

fn sea_order(direction: Direction, forward: bool) -> sea_orm::Order {
    match (direction, forward) {
        (Direction::Asc, true) | (Direction::Desc, false) => sea_orm::Order::Asc,
        _ => sea_orm::Order::Desc,
    }
}

/// Whether a visible row lies at or beyond `cursor` on the far side of a page: rows not
/// after `after` (`forward = false`) or not before `before` (`forward = true`).
pub async fn edge_exists_beyond(
    db: &DatabaseConnection,
    viewer: &Viewer,
    selection: &Selection,
    order: Order,
    cursor: &Cursor,
    forward: bool,
) -> AppResult<bool> {
    let backend = db.get_database_backend();
    let key = sort_expr(order.field, selection, backend);
    // "At or beyond" the cursor is "not strictly on the other side of it".
    let cond = selection
        .condition(viewer, backend)
        .add(beyond(&key, order.direction, cursor, !forward).not());
    let found = interest::Entity::find()
        .select_only()
        .column(interest::Column::Id)
        .filter(cond)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// A row with the value it is sorted by.
struct Keyed {
    row: interest::Model,
    key: SortKey,
}

/// The computed sort key travels as this extra column.
const SORT_KEY_COLUMN: &str = "sort_key";

impl FromQueryResult for Keyed {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let row = interest::Model::from_query_result(res, pre)?;
        let key = match res.try_get::<Option<f64>>(pre, SORT_KEY_COLUMN) {
            Ok(score) => SortKey::Score(score.unwrap_or(0.0)),
            Err(_) => SortKey::Micros(row.created_at),
        };
        Ok(Self { row, key })
    }
}

fn key_of(field: OrderField, m: &interest::Model) -> SortKey {
    match field {
        OrderField::CreatedDateTime | OrderField::Relevance => SortKey::Micros(m.created_at),
        OrderField::LastModifiedDateTime => SortKey::Micros(m.modified_at),
        OrderField::DisplayName => SortKey::Text(m.display_name_key.clone()),
    }
}

/// One page of the interests `viewer` may see under `selection`.
#[tracing::instrument(name = "interests.list", skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    selection: &Selection,
    order: Order,
    page: &PageRequest,
) -> AppResult<Page> {
    let backend = db.get_database_backend();
    let (size, forward) = match page.take {
        Take::First(n) => (n, true),
        Take::Last(n) => (n, false),
    };
    let key = sort_expr(order.field, selection, backend);
    let mut cond = selection.condition(viewer, backend);
    if let Some(after) = &page.after {
        cond = cond.add(beyond(&key, order.direction, after, true));
    }
    if let Some(before) = &page.before {
        cond = cond.add(beyond(&key, order.direction, before, false));
    }
    let sql_order = sea_order(order.direction, forward);
    let query = interest::Entity::find()
        .filter(cond)
        .order_by(key.clone(), sql_order.clone())
        .order_by(interest::Column::Id, sql_order)
        .limit(size + 1);
    let mut rows: Vec<Keyed> = if order.field == OrderField::Relevance {
        query
            .column_as(key, SORT_KEY_COLUMN)
            .into_model::<Keyed>()
            .all(db)
            .await?
    } else {
        query
            .all(db)
            .await?
            .into_iter()
            .map(|row| Keyed {
                key: key_of(order.field, &row),
                row,
            })
            .collect()
    };
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    if !forward {
        rows.reverse();
    }
    let edges = rows
        .into_iter()
        .map(|Keyed { row, key }| {
            let cursor = Cursor { key, id: row.id }.encode(order);
            Interest::from_model(row).map(|i| (i, cursor))
        })
        .collect::<AppResult<Vec<_>>>()?;
    let (has_next_page, has_previous_page) = if forward {
        (Some(more), page.after.is_none().then_some(false))
    } else {
        (page.before.is_none().then_some(false), Some(more))
    };
    Ok(Page {
        edges,
        has_next_page,
        has_previous_page,
    })
}

/// How many interests `viewer` may see under `selection`.
#[tracing::instrument(name = "interests.count", skip_all)]
pub async fn count(db: &DatabaseConnection, viewer: &Viewer, selection: &Selection) -> AppResult<u64> {
    Ok(interest::Entity::find()
        .filter(selection.condition(viewer, db.get_database_backend()))
        .count(db)
        .await?)
}

async fn find_visible(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: InterestId,
) -> AppResult<Option<interest::Model>> {
    Ok(interest::Entity::find_by_id(id.uuid())
        .filter(visible_to(viewer))
        .one(db)
        .await?)
}

/// The interest with `id`, or `None` when it does not exist or `viewer` may not see it.
#[tracing::instrument(name = "interests.get", skip_all, fields(interest = %id))]
pub async fn get(db: &DatabaseConnection, viewer: &Viewer, id: InterestId) -> AppResult<Option<Interest>> {
    find_visible(db, viewer, id)
        .await?
        .map(Interest::from_model)
        .transpose()
}

fn category_rows(id: Uuid, categories: &Categories) -> Vec<interest_category::ActiveModel> {
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

fn tag_rows(id: Uuid, tags: &[CollaborationTag]) -> Vec<interest_tag::ActiveModel> {
    tags.iter()
        .map(|t| interest_tag::ActiveModel {
            interest_id: Set(id),
            tag: Set(t.as_str().to_owned()),
        })
        .collect()
}

fn tags_json(tags: &[CollaborationTag]) -> AppResult<String> {
    to_json(&tags.iter().map(|t| t.as_str()).collect::<Vec<_>>())
}

fn opt_to_json<T: Serialize>(value: Option<&T>) -> AppResult<Option<String>> {
    value.map(to_json).transpose()
}

/// Creates an interest on the caller's profile (or, for an admin, on `new.owner`'s).
#[tracing::instrument(name = "interests.create", skip_all)]
pub async fn create(
    db: &DatabaseConnection,
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
    let row = interest::ActiveModel {
        id: Set(id),
        user_id: Set(owner.as_str().to_owned()),
        display_name: Set(new.display_name.as_str().to_owned()),
        display_name_key: Set(new.display_name.key()),
        description: Set(new.description.map(Description::into_string)),
        web_url: Set(new.web_url.map(HttpUrl::into_string)),
        thumbnail_url: Set(new.thumbnail_url.map(HttpUrl::into_string)),
        is_searchable: Set(new.is_searchable),
        categories: Set(to_json(&new.categories.as_slice())?),
        collaboration_tags: Set(tags_json(&tags)?),
        allowed_audiences: Set(new.allowed_audiences.as_str().to_owned()),
        inference: Set(opt_to_json(new.inference.as_ref())?),
        source: Set(opt_to_json(new.source.as_ref())?),
        created_by: Set(by.clone()),
        last_modified_by: Set(by),
        created_at: Set(now),
        modified_at: Set(now),
        version: Set(1),
    };
    let txn = db.begin().await?;
    interest::Entity::insert(row).exec_without_returning(&txn).await?;
    interest_category::Entity::insert_many(category_rows(id, &new.categories))
        .exec_without_returning(&txn)
        .await?;
    interest_tag::Entity::insert_many(tag_rows(id, &tags))
        .exec_without_returning(&txn)
        .await?;
    let change = InterestChange {
        kind: ChangeKind::Created,
        interest_id: id,
        user_id: owner.as_str().to_owned(),
        before: None,
        at: now,
    };
    events.stage(&txn, &change).await?;
    txn.commit().await?;
    events.committed(change);
    tracing::info!(interest = %id, owner = owner.as_str(), "interest created");
    get(db, viewer, InterestId::from_uuid(id))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("created interest {id} not readable")))
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
    if row.user_id != caller.id.as_str() && !caller.is_admin {
        return Err(AppError::Forbidden(
            "only the owner may change this interest".into(),
        ));
    }
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
    }
}

fn conflict() -> AppError {
    AppError::Conflict("the interest was changed since that etag; read it again".into())
}

/// How many times a write without `ifMatch` retries after losing a race (last write wins).
const WRITE_ATTEMPTS: usize = 5;

/// Applies `changes` to the interest `id`.
#[tracing::instrument(name = "interests.update", skip_all, fields(interest = %id))]
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
            return get(db, viewer, id)
                .await?
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

    let txn = db.begin().await?;
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
    let change = InterestChange {
        kind: ChangeKind::Updated,
        interest_id: row.id,
        user_id: row.user_id.clone(),
        before: Some(snapshot(row)),
        at: modified_at,
    };
    events.stage(&txn, &change).await?;
    txn.commit().await?;
    events.committed(change);
    Ok(true)
}

/// Deletes the interest `id`; returns its id.
#[tracing::instrument(name = "interests.delete", skip_all, fields(interest = %id))]
pub async fn delete(
    db: &DatabaseConnection,
    events: &Publisher,
    viewer: &Viewer,
    id: InterestId,
    if_match: Option<&str>,
) -> AppResult<InterestId> {
    let caller = require_caller(viewer)?;
    let row = writable(db, viewer, caller, id, if_match).await?;
    let txn = db.begin().await?;
    let mut delete = interest::Entity::delete_many().filter(interest::Column::Id.eq(row.id));
    if if_match.is_some() {
        delete = delete.filter(interest::Column::Version.eq(row.version));
    }
    // Side rows first: the cascade is declared too, but SQLite only honours it with
    // foreign keys switched on, so nothing relies on it.
    interest_category::Entity::delete_many()
        .filter(interest_category::Column::InterestId.eq(row.id))
        .exec(&txn)
        .await?;
    interest_tag::Entity::delete_many()
        .filter(interest_tag::Column::InterestId.eq(row.id))
        .exec(&txn)
        .await?;
    let done = delete.exec(&txn).await?;
    if done.rows_affected == 0 {
        txn.rollback().await?;
        return Err(if if_match.is_some() {
            conflict()
        } else {
            AppError::NotFound(format!("interest {id} not found"))
        });
    }
    let change = InterestChange {
        kind: ChangeKind::Deleted,
        interest_id: row.id,
        user_id: row.user_id.clone(),
        before: Some(snapshot(&row)),
        at: now_micros(),
    };
    events.stage(&txn, &change).await?;
    txn.commit().await?;
    events.committed(change);
    tracing::info!(interest = %id, "interest deleted");
    Ok(id)
}

/// The first page of each of `owners`' profiles under one filter and order, in one query
/// (`ROW_NUMBER() OVER (PARTITION BY user_id …)`): what nested `User.interests` fields of many
/// users need. Relevance order is not batched (callers fall back to [`list`]).
#[tracing::instrument(name = "interests.first_pages", skip_all, fields(owners = owners.len()))]
pub async fn first_pages(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &InterestFilter,
    order: Order,
    first: u64,
    owners: &[UserId],
) -> AppResult<HashMap<UserId, Page>> {
    let backend = db.get_database_backend();
    let selection = Selection {
        filter: filter.clone(),
        owner: None,
        searchable_only: false,
    };
    let column = match order.field {
        OrderField::LastModifiedDateTime => interest::Column::ModifiedAt,
        OrderField::DisplayName => interest::Column::DisplayNameKey,
        OrderField::CreatedDateTime | OrderField::Relevance => interest::Column::CreatedAt,
    };
    let direction = sea_order(order.direction, true);
    let window = WindowStatement::partition_by((interest::Entity, interest::Column::UserId))
        .order_by((interest::Entity, column), direction.clone())
        .order_by((interest::Entity, interest::Column::Id), direction)
        .to_owned();
    let mut inner = Query::select();
    inner.from(interest::Entity);
    for c in interest::Column::iter() {
        inner.column((interest::Entity, c));
    }
    inner
        .expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("page_row"))
        .cond_where(
            selection
                .condition(viewer, backend)
                .add(interest::Column::UserId.is_in(owners.iter().map(UserId::as_str))),
        );
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner.to_owned(), Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("page_row")).lte(first + 1))
        .order_by(Alias::new("page_row"), sea_orm::Order::Asc)
        .to_owned();
    let rows = interest::Entity::find()
        .from_raw_sql(backend.build(&outer))
        .all(db)
        .await?;
    let mut grouped: HashMap<String, Vec<interest::Model>> = HashMap::new();
    for row in rows {
        grouped.entry(row.user_id.clone()).or_default().push(row);
    }
    owners
        .iter()
        .map(|owner| {
            let mut rows = grouped.remove(owner.as_str()).unwrap_or_default();
            let more = rows.len() as u64 > first;
            rows.truncate(first as usize);
            let edges = rows
                .into_iter()
                .map(|row| {
                    let cursor = Cursor {
                        key: key_of(order.field, &row),
                        id: row.id,
                    }
                    .encode(order);
                    Interest::from_model(row).map(|i| (i, cursor))
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok((
                owner.clone(),
                Page {
                    edges,
                    has_next_page: Some(more),
                    has_previous_page: Some(false),
                },
            ))
        })
        .collect()
}

/// How many interests of each of `owners` `viewer` may see under `filter`, in one query.
#[tracing::instrument(name = "interests.counts_by_owner", skip_all, fields(owners = owners.len()))]
pub async fn counts_by_owner(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &InterestFilter,
    owners: &[UserId],
) -> AppResult<HashMap<UserId, u64>> {
    let selection = Selection {
        filter: filter.clone(),
        owner: None,
        searchable_only: false,
    };
    let counted: Vec<(String, i64)> = interest::Entity::find()
        .select_only()
        .column(interest::Column::UserId)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(selection.condition(viewer, db.get_database_backend()))
        .filter(interest::Column::UserId.is_in(owners.iter().map(UserId::as_str)))
        .group_by(interest::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    let counted: HashMap<String, u64> = counted
        .into_iter()
        .map(|(owner, n)| (owner, u64::try_from(n).unwrap_or(0)))
        .collect();
    Ok(owners
        .iter()
        .map(|owner| (owner.clone(), counted.get(owner.as_str()).copied().unwrap_or(0)))
        .collect())
}
