//! Discovery: facet counts over what a caller may see, and mentor matching. Both are computed
//! in SQL under the same visibility rule as lists, and leave out other people's interests
//! marked `isSearchable: false`.

use std::collections::HashMap;

use entity::{interest, interest_category, interest_tag};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, QueryStatementBuilder, SimpleExpr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder,
    QueryResult, QuerySelect,
};

use super::interests::{self, Interest, Selection};
use super::search::SearchTerms;
use super::values::{Audience, CollaborationTag, InterestId, PageSize};
use super::viewer::Viewer;
use super::visibility::visible_to_in_bulk;
use crate::db::Reader;
use crate::error::{AppError, AppResult};

/// How many categories a facet lists.
pub const TOP_CATEGORIES: u64 = 50;

/// Counts of what the caller may see under a filter, largest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facets {
    /// (most common spelling, count), the 50 most common categories.
    pub categories: Vec<(String, u64)>,
    /// Every tag, zeros included.
    pub collaboration_tags: Vec<(CollaborationTag, u64)>,
    /// Every audience, zeros included.
    pub allowed_audiences: Vec<(Audience, u64)>,
}

/// Interests of `selection` visible to `viewer`, as a subquery of ids.
fn visible_ids(
    selection: &Selection,
    viewer: &Viewer,
    backend: sea_orm::DbBackend,
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column((interest::Entity, interest::Column::Id))
        .from(interest::Entity)
        .cond_where(selection.condition_in_bulk(viewer, backend))
        .to_owned()
}

fn count_expr() -> SimpleExpr {
    Func::count(Expr::cust("*")).into()
}

/// Facet counts for `viewer` under `selection` (its unsearchable interests aside).
#[tracing::instrument(level = "debug", name = "discovery.facets", skip_all)]
pub async fn facets(db: &DatabaseConnection, viewer: &Viewer, selection: &Selection) -> AppResult<Facets> {
    let backend = db.get_database_backend();
    let selection = Selection {
        searchable_only: true,
        ..selection.clone()
    };

    let top: Vec<(String, i64)> = interest_category::Entity::find()
        .select_only()
        .column(interest_category::Column::CategoryKey)
        .column_as(count_expr(), "n")
        .filter(interest_category::Column::InterestId.in_subquery(visible_ids(&selection, viewer, backend)))
        .group_by(interest_category::Column::CategoryKey)
        .order_by(Expr::col(Alias::new("n")), Order::Desc)
        .order_by(interest_category::Column::CategoryKey, Order::Asc)
        .limit(TOP_CATEGORIES)
        .into_tuple()
        .all(db)
        .await?;
    let keys: Vec<String> = top.iter().map(|(k, _)| k.clone()).collect();
    let spellings: Vec<(String, Option<String>, i64)> = if keys.is_empty() {
        Vec::new()
    } else {
        interest_category::Entity::find()
            .select_only()
            .column(interest_category::Column::CategoryKey)
            .column(interest_category::Column::Name)
            .column_as(count_expr(), "n")
            .filter(interest_category::Column::CategoryKey.is_in(keys))
            .filter(
                interest_category::Column::InterestId.in_subquery(visible_ids(&selection, viewer, backend)),
            )
            .group_by(interest_category::Column::CategoryKey)
            .group_by(interest_category::Column::Name)
            .into_tuple()
            .all(db)
            .await?
    };
    // The most common spelling of each key; ties go to the alphabetically first.
    let mut best: HashMap<String, (String, i64)> = HashMap::new();
    for (key, name, n) in spellings {
        let name = name.unwrap_or_else(|| key.clone());
        let entry = best.entry(key).or_insert_with(|| (name.clone(), n));
        if n > entry.1 || (n == entry.1 && name < entry.0) {
            *entry = (name, n);
        }
    }
    let categories = top
        .into_iter()
        .map(|(key, n)| {
            let name = best.remove(&key).map(|(name, _)| name).unwrap_or(key);
            (name, u64::try_from(n).unwrap_or(0))
        })
        .collect();

    let tag_counts: Vec<(String, i64)> = interest_tag::Entity::find()
        .select_only()
        .column(interest_tag::Column::Tag)
        .column_as(count_expr(), "n")
        .filter(interest_tag::Column::InterestId.in_subquery(visible_ids(&selection, viewer, backend)))
        .group_by(interest_tag::Column::Tag)
        .into_tuple()
        .all(db)
        .await?;
    let audience_counts: Vec<(String, i64)> = interest::Entity::find()
        .select_only()
        .column(interest::Column::AllowedAudiences)
        .column_as(count_expr(), "n")
        .filter(selection.condition_in_bulk(viewer, backend))
        .group_by(interest::Column::AllowedAudiences)
        .into_tuple()
        .all(db)
        .await?;

    let count_of = |counts: &[(String, i64)], name: &str| {
        counts
            .iter()
            .filter(|(value, _)| value == name)
            .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
            .sum::<u64>()
    };
    let mut collaboration_tags: Vec<(CollaborationTag, u64)> = CollaborationTag::ALL
        .into_iter()
        .map(|t| (t, count_of(&tag_counts, t.as_str())))
        .collect();
    collaboration_tags.sort_by_key(|t| std::cmp::Reverse(t.1));
    let mut allowed_audiences: Vec<(Audience, u64)> = Audience::ALL
        .into_iter()
        .map(|a| {
            let stored = if a == Audience::UnknownFutureValue {
                // Anything this version does not know reads as UNKNOWN_FUTURE_VALUE.
                audience_counts
                    .iter()
                    .filter(|(v, _)| Audience::from_stored(v) == Audience::UnknownFutureValue)
                    .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                    .sum()
            } else {
                count_of(&audience_counts, a.as_str())
            };
            (a, stored)
        })
        .collect();
    allowed_audiences.sort_by_key(|a| std::cmp::Reverse(a.1));
    Ok(Facets {
        categories,
        collaboration_tags,
        allowed_audiences,
    })
}

/// A candidate with its score.
struct Scored {
    row: interest::Model,
    score: f64,
}

impl FromQueryResult for Scored {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            row: interest::Model::from_query_result(res, pre)?,
            score: res.try_get::<Option<f64>>(pre, "match_score")?.unwrap_or(0.0),
        })
    }
}

const SEEKS_MENTORS: [CollaborationTag; 2] =
    [CollaborationTag::WantsToLearn, CollaborationTag::WantsToImprove];
const OFFERS_HELP: [CollaborationTag; 2] = [CollaborationTag::AbleToMentor, CollaborationTag::AskMeAbout];

/// What a match weighs: an equal normalised display name outranks any number of shared
/// categories (at most 50, ten points each), which outrank text similarity (at most one point).
const SAME_NAME: f64 = 1000.0;
const PER_SHARED_CATEGORY: f64 = 10.0;

/// Other people's interests that match one of the caller's: mentors for an interest tagged
/// WANTS_TO_LEARN / WANTS_TO_IMPROVE, learners for one tagged ABLE_TO_MENTOR / ASK_ME_ABOUT
/// (both when tagged both), on the same topic, best first.
#[tracing::instrument(level = "debug", name = "discovery.matches_for", skip_all, fields(interest = %id))]
pub async fn matches_for(
    reader: &Reader,
    viewer: &Viewer,
    id: InterestId,
    first: PageSize,
) -> AppResult<Vec<(Interest, f64)>> {
    let caller = viewer
        .caller()
        .ok_or_else(|| AppError::Unauthenticated("sign in to find matches".into()))?;
    let db = &reader.db;
    let source = interests::get(reader, viewer, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("interest {id} not found")))?;
    if source.user_id != caller.id.as_str() {
        return Err(AppError::Forbidden("matches are for your own interests".into()));
    }
    let mut wanted: Vec<CollaborationTag> = Vec::new();
    if source
        .collaboration_tags
        .iter()
        .any(|t| SEEKS_MENTORS.contains(t))
    {
        wanted.extend(OFFERS_HELP);
    }
    if source.collaboration_tags.iter().any(|t| OFFERS_HELP.contains(t)) {
        wanted.extend(SEEKS_MENTORS);
    }
    if wanted.is_empty() || first.get() == 0 {
        return Ok(Vec::new());
    }

    let backend = db.get_database_backend();
    let name_key = source_key(&source.display_name);
    let category_keys: Vec<String> = source
        .categories
        .iter()
        .map(|c| super::values::category_key(c))
        .collect();
    let similar = SearchTerms::similar_to(&source.display_name);

    let same_name = interest::Column::DisplayNameKey.eq(name_key.clone());
    let shared_categories = Query::select()
        .expr(count_expr())
        .from(interest_category::Entity)
        .and_where(
            Expr::col((interest_category::Entity, interest_category::Column::InterestId))
                .equals((interest::Entity, interest::Column::Id)),
        )
        .and_where(interest_category::Column::CategoryKey.is_in(category_keys.clone()))
        .to_owned();
    let mut topic = sea_orm::Condition::any().add(same_name.clone()).add(
        interest::Column::Id.in_subquery(
            Query::select()
                .column(interest_category::Column::InterestId)
                .from(interest_category::Entity)
                .and_where(interest_category::Column::CategoryKey.is_in(category_keys))
                .to_owned(),
        ),
    );
    let mut score = Expr::case(same_name, SAME_NAME).finally(0.0).add(
        Expr::expr(SimpleExpr::SubQuery(
            None,
            Box::new(shared_categories.into_sub_query_statement()),
        ))
        .mul(PER_SHARED_CATEGORY),
    );
    if let Some(similar) = &similar {
        topic = topic.add(similar.matches(backend));
        let text = similar.score(backend);
        // Capped at one point, so text never outranks a shared category.
        score = score.add(Expr::case(Expr::expr(text.clone()).gt(1.0), 1.0).finally(text));
    }

    let rows = interest::Entity::find()
        // Every candidate is scored before the best are kept: a bulk read.
        .filter(visible_to_in_bulk(viewer, backend))
        .filter(interest::Column::UserId.ne(caller.id.as_str()))
        .filter(interest::Column::IsSearchable.eq(true))
        .filter(interest::Column::Id.ne(id.uuid()))
        .filter(
            interest::Column::Id.in_subquery(
                Query::select()
                    .column(interest_tag::Column::InterestId)
                    .from(interest_tag::Entity)
                    .and_where(interest_tag::Column::Tag.is_in(wanted.iter().map(|t| t.as_str())))
                    .to_owned(),
            ),
        )
        .filter(topic)
        .column_as(score.clone(), "match_score")
        .order_by(score, Order::Desc)
        .order_by(interest::Column::Id, Order::Asc)
        .limit(first.get())
        .into_model::<Scored>()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|Scored { row, score }| Interest::from_model(row).map(|i| (i, score)))
        .collect()
}

/// The normalised topic key of a display name (as stored in `display_name_key`).
fn source_key(display_name: &str) -> String {
    display_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
