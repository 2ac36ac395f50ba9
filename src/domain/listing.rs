//! Reading lists of interests: filters, keyset pages, counts, and the batched first pages of
//! many profiles. Every query carries [`visible_to`] through [`Selection::condition`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{interest, interest_category, interest_tag, interest_tag_category};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, SimpleExpr, WindowStatement};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, DbErr, EntityTrait, FromQueryResult, Iterable,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, RelationTrait,
    Statement,
};
use uuid::Uuid;

use super::interests::Interest;
use super::pagination::{Cursor, Direction, Order, OrderField, PageRequest, SortKey, Take};
use super::search::SearchTerms;
use super::values::{Audience, CollaborationTag, UserId};
use super::viewer::Viewer;
use super::visibility::{self, pair_visible_to, visible_to, visible_to_in_bulk};
use crate::db::Reader;
use crate::error::AppResult;

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

impl InterestFilter {
    /// Whether it filters on nothing.
    pub fn is_empty(&self) -> bool {
        let Self {
            user_ids,
            category_keys,
            collaboration_tags,
            allowed_audiences,
            created_after,
            created_before,
            modified_after,
            modified_before,
            search,
        } = self;
        user_ids.is_none()
            && category_keys.is_none()
            && collaboration_tags.is_none()
            && allowed_audiences.is_none()
            && created_after.is_none()
            && created_before.is_none()
            && modified_after.is_none()
            && modified_before.is_none()
            && search.is_none()
    }
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
    /// A boolean combination of conditions (Microsoft Graph's `$filter`), on top of `filter`.
    pub expression: Option<FilterExpr>,
}

/// A time column a [`FilterExpr`] compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeField {
    Created,
    LastModified,
}

/// A comparison of a [`FilterExpr`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// Conditions joined by and, or and not: what Microsoft Graph's `$filter` says, validated.
/// Each leaf is the same SQL term as the [`InterestFilter`] field it corresponds to.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterExpr {
    And(Box<FilterExpr>, Box<FilterExpr>),
    Or(Box<FilterExpr>, Box<FilterExpr>),
    Not(Box<FilterExpr>),
    /// The display name equals (`equal`) or differs from this text, exactly.
    DisplayName {
        equal: bool,
        value: String,
    },
    /// The audience is (`equal`) or is not this one.
    Audience {
        equal: bool,
        value: Audience,
    },
    /// A time compared with an instant.
    Time {
        field: TimeField,
        comparison: Comparison,
        at: DateTime<Utc>,
    },
    /// Has any of these category keys (lower-cased).
    CategoryKeys(Vec<String>),
    /// Has any of these tags.
    Tags(Vec<CollaborationTag>),
}

impl FilterExpr {
    fn condition(&self) -> Condition {
        match self {
            Self::And(a, b) => Condition::all().add(a.condition()).add(b.condition()),
            Self::Or(a, b) => Condition::any().add(a.condition()).add(b.condition()),
            Self::Not(a) => a.condition().not(),
            Self::DisplayName { equal, value } => {
                let column = interest::Column::DisplayName;
                Condition::all().add(if *equal {
                    column.eq(value.as_str())
                } else {
                    column.ne(value.as_str())
                })
            }
            Self::Audience { equal, value } => {
                let term = audiences_term(std::slice::from_ref(value));
                Condition::all().add(if *equal { term } else { term.not() })
            }
            Self::Time {
                field,
                comparison,
                at,
            } => {
                let column = match field {
                    TimeField::Created => interest::Column::CreatedAt,
                    TimeField::LastModified => interest::Column::ModifiedAt,
                };
                // Times are stored in whole microseconds; an instant between two of them
                // compares as the real number it is.
                let floor = at.timestamp_micros();
                let between = at.timestamp_subsec_nanos() % 1_000 != 0;
                let ceil = floor + i64::from(between);
                Condition::all().add(match comparison {
                    Comparison::Eq if between => Expr::cust("1 = 0"),
                    Comparison::Ne if between => Expr::cust("1 = 1"),
                    Comparison::Eq => column.eq(floor),
                    Comparison::Ne => column.ne(floor),
                    Comparison::Gt => column.gt(floor),
                    Comparison::Ge => column.gte(ceil),
                    Comparison::Lt => column.lt(ceil),
                    Comparison::Le => column.lte(floor),
                })
            }
            Self::CategoryKeys(keys) => Condition::all().add(categories_term(keys)),
            Self::Tags(tags) => Condition::all().add(tags_term(tags)),
        }
    }
}

/// Has any of the category `keys`.
fn categories_term(keys: &[String]) -> SimpleExpr {
    interest::Column::Id.in_subquery(
        Query::select()
            .column(interest_category::Column::InterestId)
            .from(interest_category::Entity)
            .and_where(interest_category::Column::CategoryKey.is_in(keys.iter().cloned()))
            .to_owned(),
    )
}

/// Has any of `tags`.
fn tags_term(tags: &[CollaborationTag]) -> SimpleExpr {
    interest::Column::Id.in_subquery(
        Query::select()
            .column(interest_tag::Column::InterestId)
            .from(interest_tag::Entity)
            .and_where(interest_tag::Column::Tag.is_in(tags.iter().map(|t| t.as_str())))
            .to_owned(),
    )
}

/// The audience is one of `audiences`.
fn audiences_term(audiences: &[Audience]) -> SimpleExpr {
    interest::Column::AllowedAudiences.is_in(audiences.iter().map(|a| a.as_str()))
}

impl Selection {
    /// The SQL condition for this selection as `viewer` sees it.
    pub(crate) fn condition(&self, viewer: &Viewer, backend: DbBackend) -> Condition {
        self.condition_with(viewer, backend, false)
    }

    /// [`Self::condition`] for a statement that reads every row it matches (a count, facets);
    /// see [`visible_to_in_bulk`].
    pub(crate) fn condition_in_bulk(&self, viewer: &Viewer, backend: DbBackend) -> Condition {
        self.condition_of(viewer, backend, visible_to_in_bulk(viewer, backend), false)
    }

    /// The one tag and one category this selection filters on, when it names exactly one of
    /// each: a list in creation order then reads `interest_tag_category`'s index range
    /// `(tag, category, created_at)` and stops after one page, however rare the pair is.
    fn tag_category_pair(&self) -> Option<(&'static str, &str)> {
        match (&self.filter.collaboration_tags, &self.filter.category_keys) {
            (Some(tags), Some(keys)) if tags.len() == 1 && keys.len() == 1 => {
                Some((tags[0].as_str(), keys[0].as_str()))
            }
            _ => None,
        }
    }

    /// [`Self::condition`], without the tag and category terms when `pair_joined` (the query
    /// joins `interest_tag_category` on them instead).
    fn condition_with(&self, viewer: &Viewer, backend: DbBackend, pair_joined: bool) -> Condition {
        // Joined to its (tag, category) pairs, the rule reads the pair's copies of owner,
        // audience and organization: the index walked in page order holds them, so pairs the
        // viewer may not see are skipped there and only the page's interests are visited.
        // A search reads every match to rank or sort them, so its rule is a bulk one.
        let visible = if pair_joined && self.tag_category_pair().is_some() {
            pair_visible_to(viewer, backend)
        } else if self.filter.search.is_some() {
            visible_to_in_bulk(viewer, backend)
        } else {
            visible_to(viewer, backend)
        };
        self.condition_of(viewer, backend, visible, pair_joined)
    }

    /// The selection's terms with `visible`, the audience rule.
    fn condition_of(
        &self,
        viewer: &Viewer,
        backend: DbBackend,
        visible: Condition,
        pair_joined: bool,
    ) -> Condition {
        let f = &self.filter;
        let mut cond = Condition::all().add(visible);
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
        if let Some((tag, key)) = self.tag_category_pair().filter(|_| pair_joined) {
            cond = cond
                .add(interest_tag_category::Column::Tag.eq(tag))
                .add(interest_tag_category::Column::CategoryKey.eq(key));
        }
        if let Some(keys) = f.category_keys.as_ref().filter(|_| !pair_joined) {
            cond = cond.add(categories_term(keys));
        }
        if let Some(tags) = f.collaboration_tags.as_ref().filter(|_| !pair_joined) {
            cond = cond.add(tags_term(tags));
        }
        if let Some(audiences) = &f.allowed_audiences {
            cond = cond.add(audiences_term(audiences));
        }
        if let Some(expression) = &self.expression {
            cond = cond.add(expression.condition());
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
#[tracing::instrument(level = "debug", name = "interests.list", skip_all)]
pub async fn list(
    reader: &Reader,
    viewer: &Viewer,
    selection: &Selection,
    order: Order,
    page: &PageRequest,
) -> AppResult<Page> {
    let db = &reader.db;
    let backend = db.get_database_backend();
    let (size, forward) = match page.take {
        Take::First(n) => (n, true),
        Take::Last(n) => (n, false),
    };
    let pair_joined = order.field == OrderField::CreatedDateTime && selection.tag_category_pair().is_some();
    let key = if pair_joined {
        // The same value as the interest's `created_at`, read from the index that is walked.
        Expr::col((
            interest_tag_category::Entity,
            interest_tag_category::Column::CreatedAt,
        ))
    } else {
        sort_expr(order.field, selection, backend)
    };
    let mut cond = selection.condition_with(viewer, backend, pair_joined);
    if let Some(after) = &page.after {
        cond = cond.add(beyond(&key, order.direction, after, true));
    }
    if let Some(before) = &page.before {
        cond = cond.add(beyond(&key, order.direction, before, false));
    }
    let sql_order = sea_order(order.direction, forward);
    let mut query = interest::Entity::find();
    if pair_joined {
        query = query.join(
            JoinType::InnerJoin,
            interest_tag_category::Relation::Interest.def().rev(),
        );
    }
    let query = query
        .filter(cond)
        .order_by(key.clone(), sql_order.clone())
        .order_by(interest::Column::Id, sql_order)
        .offset((page.skip > 0).then_some(page.skip))
        .limit(size + 1);
    let mut rows: Vec<Keyed> = if order.field == OrderField::Relevance {
        query
            .column_as(key, SORT_KEY_COLUMN)
            .into_model::<Keyed>()
            .all(db)
            .await?
    } else {
        let rows = reader.rows(query.build(backend)).await?;
        super::rows::interests(rows)?
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
#[tracing::instrument(level = "debug", name = "interests.count", skip_all)]
pub async fn count(db: &DatabaseConnection, viewer: &Viewer, selection: &Selection) -> AppResult<u64> {
    Ok(interest::Entity::find()
        .filter(selection.condition_in_bulk(viewer, db.get_database_backend()))
        .count(db)
        .await?)
}

/// The first page of each of `owners`' profiles under one filter and order, in one query
/// (`ROW_NUMBER() OVER (PARTITION BY user_id …)`): what nested `User.interests` fields of many
/// users need. Relevance order is not batched (callers fall back to [`list`]).
#[tracing::instrument(level = "debug", name = "interests.first_pages", skip_all, fields(owners = owners.len()))]
pub async fn first_pages(
    reader: &Reader,
    viewer: &Viewer,
    filter: &InterestFilter,
    order: Order,
    first: u64,
    owners: &[UserId],
) -> AppResult<HashMap<UserId, Page>> {
    let backend = reader.db.get_database_backend();
    let statement = match owners {
        // One profile, unfiltered (a profile page, `user(id) { interests(first: n) }`): the
        // text is written once per viewer shape and order.
        [owner] if filter.is_empty() => {
            let of = visibility::Of::FirstPage { order, first };
            visibility::templated(viewer, backend, of, owner.as_str(), |visible, owner| {
                first_pages_statement(backend, Condition::all().add(visible), order, first, &[owner])
            })
        }
        _ => {
            let selection = Selection {
                filter: filter.clone(),
                owner: None,
                searchable_only: false,
                expression: None,
            };
            let owners: Vec<&str> = owners.iter().map(UserId::as_str).collect();
            first_pages_statement(
                backend,
                selection.condition(viewer, backend),
                order,
                first,
                &owners,
            )
        }
    };
    let mut grouped: HashMap<String, Vec<interest::Model>> = HashMap::new();
    let rows = reader.rows(statement).await?;
    for row in super::rows::interests(rows)? {
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

/// The statement of [`first_pages`]: the rows of `owners` matching `condition`, numbered per
/// owner in `order`, the first `first + 1` of each.
pub(super) fn first_pages_statement(
    backend: DbBackend,
    condition: Condition,
    order: Order,
    first: u64,
    owners: &[&str],
) -> Statement {
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
        .cond_where(condition.add(interest::Column::UserId.is_in(owners.iter().copied())));
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner.to_owned(), Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("page_row")).lte(first + 1))
        .order_by(Alias::new("page_row"), sea_orm::Order::Asc)
        .to_owned();
    backend.build(&outer)
}

/// How many interests of each of `owners` `viewer` may see under `filter`, in one query.
#[tracing::instrument(level = "debug", name = "interests.counts_by_owner", skip_all, fields(owners = owners.len()))]
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
        expression: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::values::UserId;
    use crate::domain::Caller;
    use sea_orm::sea_query::{PostgresQueryBuilder, Query};

    /// A page walked along an index stops early, so its group rule probes per row; a search
    /// ranks or sorts every match, so it keeps PostgreSQL's hash of the groups' members.
    #[test]
    fn only_searches_and_counts_leave_the_group_rule_to_a_hash() {
        let viewer = Viewer::Caller(Caller {
            id: UserId::parse("sub", "viewer-1").unwrap(),
            name: None,
            tenant_id: Some("org-1".into()),
            groups: vec!["g-1".into()],
            federated_tenant_ids: Vec::new(),
            app_id: None,
            app_name: None,
            device_id: None,
            is_admin: false,
        });
        let fenced = |condition: Condition| {
            Query::select()
                .column(interest::Column::Id)
                .from(interest::Entity)
                .cond_where(condition)
                .to_string(PostgresQueryBuilder)
                .contains("OFFSET")
        };
        let page = Selection::default();
        let search = Selection {
            filter: InterestFilter {
                search: Some(SearchTerms::parse("search", "rust").unwrap()),
                ..InterestFilter::default()
            },
            ..Selection::default()
        };
        let pg = DbBackend::Postgres;
        assert!(fenced(page.condition(&viewer, pg)));
        assert!(!fenced(page.condition_in_bulk(&viewer, pg)));
        assert!(!fenced(search.condition(&viewer, pg)));
    }
}
