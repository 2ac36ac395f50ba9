//! Interest rows decoded by position.
//!
//! sea-orm's `FromQueryResult` finds each column by name, which sqlx answers by hashing the
//! name, and checks each value's type by comparing type names: for every column of every row,
//! together most of what a page of 20 interests cost to decode (bench/RESULTS.md). The
//! statements that read interests select the interest's columns first and in their declared
//! order (every `Entity::find()`, and the statements built in this crate); the first row's
//! column names are checked against that before any row is read by position, and the rows of
//! any other statement are read by name, as sea-orm does.

use entity::interest;

use crate::db::Rows;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{Column as _, Postgres, Row as _};
use sea_orm::{DbErr, FromQueryResult, IdenStatic, Iterable, QueryResult, TryGetable};

/// The rows of a statement reading interests.
pub fn interests(rows: Rows) -> Result<Vec<interest::Model>, DbErr> {
    match rows {
        Rows::Postgres(rows) => postgres_interests(rows),
        Rows::Other(rows) => results(&rows),
    }
}

/// sea-orm's rows as interests.
fn results(rows: &[QueryResult]) -> Result<Vec<interest::Model>, DbErr> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    if !in_order(first.column_names().iter().map(String::as_str)) {
        return rows
            .iter()
            .map(|row| interest::Model::from_query_result(row, ""))
            .collect();
    }
    rows.iter().map(at).collect()
}

/// PostgreSQL's `rows` as interests, read from sqlx's rows without sea-orm's wrapper; each
/// value's type is not compared with the field's by name (the decoders still refuse a value of
/// the wrong size, a non-UTF-8 text or a NULL where none may be).
fn postgres_interests(rows: Vec<PgRow>) -> Result<Vec<interest::Model>, DbErr> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    if !in_order(first.columns().iter().map(|c| c.name())) {
        let rows: Vec<QueryResult> = rows.into_iter().map(QueryResult::from).collect();
        return results(&rows);
    }
    rows.iter().map(at).collect()
}

/// Whether the columns named start with the interest's, in [`interest::Column`] order.
fn in_order<'a>(mut names: impl Iterator<Item = &'a str>) -> bool {
    interest::Column::iter().all(|column| names.next() == Some(column.as_str()))
}

/// A row whose columns are read by their position in [`interest::Column`] order.
trait Cells {
    fn cell<T>(&self, column: interest::Column) -> Result<T, DbErr>
    where
        T: TryGetable + for<'r> sea_orm::sqlx::Decode<'r, Postgres>;
}

impl Cells for QueryResult {
    fn cell<T>(&self, column: interest::Column) -> Result<T, DbErr>
    where
        T: TryGetable + for<'r> sea_orm::sqlx::Decode<'r, Postgres>,
    {
        self.try_get_by_index(column as usize)
    }
}

impl Cells for PgRow {
    fn cell<T>(&self, column: interest::Column) -> Result<T, DbErr>
    where
        T: TryGetable + for<'r> sea_orm::sqlx::Decode<'r, Postgres>,
    {
        self.try_get_unchecked(column as usize)
            .map_err(|err| DbErr::Type(err.to_string()))
    }
}

fn at(row: &impl Cells) -> Result<interest::Model, DbErr> {
    use interest::Column as C;
    Ok(interest::Model {
        id: row.cell(C::Id)?,
        user_id: row.cell(C::UserId)?,
        display_name: row.cell(C::DisplayName)?,
        display_name_key: row.cell(C::DisplayNameKey)?,
        description: row.cell(C::Description)?,
        web_url: row.cell(C::WebUrl)?,
        thumbnail_url: row.cell(C::ThumbnailUrl)?,
        is_searchable: row.cell(C::IsSearchable)?,
        categories: row.cell(C::Categories)?,
        collaboration_tags: row.cell(C::CollaborationTags)?,
        allowed_audiences: row.cell(C::AllowedAudiences)?,
        inference: row.cell(C::Inference)?,
        source: row.cell(C::Source)?,
        created_by: row.cell(C::CreatedBy)?,
        last_modified_by: row.cell(C::LastModifiedBy)?,
        created_at: row.cell(C::CreatedAt)?,
        modified_at: row.cell(C::ModifiedAt)?,
        version: row.cell(C::Version)?,
        owner_tenant_id: row.cell(C::OwnerTenantId)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_by_position_only_when_the_interest_columns_lead_in_order() {
        let names: Vec<&str> = interest::Column::iter().map(|c| c.as_str()).collect();
        assert!(in_order(names.iter().copied()));
        let ranked = names.iter().copied().chain(["page_row"]);
        assert!(in_order(ranked), "extra columns after them are fine");
        let mut swapped = names.clone();
        swapped.swap(1, 2); // user_id and display_name: both text, silently wrong by position
        assert!(!in_order(swapped.into_iter()));
        assert!(!in_order(names[..names.len() - 1].iter().copied()));
        assert!(!in_order(["sort_key"].into_iter().chain(names.iter().copied())));
    }
}
