//! The directory: each caller's name, organization and groups as of their latest token.
//!
//! The audience rules read an owner's organization and groups from here. Recording happens on
//! every authenticated request, but writes only when the claims changed: a per-process memo of
//! what was last recorded answers the common case without touching the database.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use entity::{directory_group, directory_user, interest, interest_tag_category};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use super::values::UserId;
use super::viewer::Caller;
use crate::error::AppResult;

/// Remembers what was last recorded for each caller, per process: a hash of their claims
/// (SipHash with fixed keys; a change colliding with the previous claims of the same caller,
/// 1 in 2^64, would leave the entry as it was until their next change).
#[derive(Debug, Default)]
pub struct Directory {
    recorded: Mutex<HashMap<String, u64>>,
}

/// The claims the directory holds, hashed. Cheaper than [`fingerprint`] (serializing and
/// SHA-256), which cost as much CPU per request as verifying the token.
fn claims_hash(caller: &Caller) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    (&caller.name, &caller.tenant_id, &caller.groups).hash(&mut hasher);
    hasher.finish()
}

/// How many callers the memo holds before it starts over (a bound on memory, not a cache policy).
const MEMO_LIMIT: usize = 100_000;

fn fingerprint(caller: &Caller) -> String {
    let canonical = serde_json::json!([caller.name, caller.tenant_id, caller.groups]);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Directory {
    fn known(&self, caller: &Caller, claims: u64) -> bool {
        self.recorded
            .lock()
            .map(|memo| memo.get(caller.id.as_str()) == Some(&claims))
            .unwrap_or(false)
    }

    fn remember(&self, caller: &Caller, claims: u64) {
        if let Ok(mut memo) = self.recorded.lock() {
            if memo.len() >= MEMO_LIMIT {
                memo.clear();
            }
            memo.insert(caller.id.as_str().to_owned(), claims);
        }
    }

    /// Records `caller` unless the directory already holds these claims.
    #[tracing::instrument(level = "debug", name = "directory.record", skip_all)]
    pub async fn record(&self, db: &DatabaseConnection, caller: &Caller) -> AppResult<()> {
        let claims = claims_hash(caller);
        if self.known(caller, claims) {
            return Ok(());
        }
        let id = caller.id.as_str();
        let print = fingerprint(caller);
        let stored = directory_user::Entity::find_by_id(id.to_owned())
            .one(db)
            .await?
            .map(|row| row.fingerprint);
        if stored.as_deref() != Some(print.as_str()) {
            write(db, caller, &print).await?;
            tracing::debug!(user = id, "directory entry written");
        }
        self.remember(caller, claims);
        Ok(())
    }
}

/// A user's display name as of their latest token; `None` when unknown.
#[tracing::instrument(level = "debug", name = "directory.display_name", skip_all)]
pub async fn display_name(db: &DatabaseConnection, user: &UserId) -> AppResult<Option<String>> {
    Ok(directory_user::Entity::find_by_id(user.as_str().to_owned())
        .one(db)
        .await?
        .and_then(|row| row.display_name))
}

/// Display names of several users at once; users without one are absent.
#[tracing::instrument(level = "debug", name = "directory.display_names", skip_all, fields(users = users.len()))]
pub async fn display_names(db: &DatabaseConnection, users: &[UserId]) -> AppResult<HashMap<UserId, String>> {
    let rows = directory_user::Entity::find()
        .filter(directory_user::Column::Id.is_in(users.iter().map(UserId::as_str)))
        .all(db)
        .await?;
    let mut names: HashMap<String, String> = rows
        .into_iter()
        .filter_map(|r| r.display_name.map(|n| (r.id, n)))
        .collect();
    Ok(users
        .iter()
        .filter_map(|u| names.remove(u.as_str()).map(|n| (u.clone(), n)))
        .collect())
}

async fn write(db: &DatabaseConnection, caller: &Caller, print: &str) -> AppResult<()> {
    let id = caller.id.as_str().to_owned();
    let row = directory_user::ActiveModel {
        id: Set(id.clone()),
        display_name: Set(caller.name.clone()),
        tenant_id: Set(caller.tenant_id.clone()),
        groups: Set(serde_json::to_string(&caller.groups).map_err(crate::error::AppError::internal)?),
        fingerprint: Set(print.to_owned()),
        updated_at: Set(chrono::Utc::now().timestamp_micros()),
    };
    let txn = crate::db::begin_write(db).await?;
    directory_user::Entity::insert(row)
        .on_conflict(
            OnConflict::column(directory_user::Column::Id)
                .update_columns([
                    directory_user::Column::DisplayName,
                    directory_user::Column::TenantId,
                    directory_user::Column::Groups,
                    directory_user::Column::Fingerprint,
                    directory_user::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    // The organization the audience rules compare is copied onto the user's interests.
    interest::Entity::update_many()
        .col_expr(
            interest::Column::OwnerTenantId,
            Expr::value(caller.tenant_id.clone()),
        )
        .filter(interest::Column::UserId.eq(id.as_str()))
        .exec(&txn)
        .await?;
    // And onto their (tag, category) pairs, which answer the audience rule for discovery.
    interest_tag_category::Entity::update_many()
        .col_expr(
            interest_tag_category::Column::OwnerTenantId,
            Expr::value(caller.tenant_id.clone()),
        )
        .filter(
            interest_tag_category::Column::InterestId.in_subquery(
                Query::select()
                    .column(interest::Column::Id)
                    .from(interest::Entity)
                    .and_where(interest::Column::UserId.eq(id.as_str()))
                    .to_owned(),
            ),
        )
        .exec(&txn)
        .await?;
    directory_group::Entity::delete_many()
        .filter(directory_group::Column::UserId.eq(id.as_str()))
        .exec(&txn)
        .await?;
    let groups = caller.groups.iter().map(|g| directory_group::ActiveModel {
        user_id: Set(id.clone()),
        group_id: Set(g.clone()),
    });
    // The old rows are gone and token groups are deduplicated, so nothing conflicts.
    directory_group::Entity::insert_many(groups)
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
