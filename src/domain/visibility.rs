//! Who may see which interest: one function, deny by default.
//!
//! Every read of interests (lookups by id, lists, counts, nested fields) puts
//! [`visible_to`] into its SQL `WHERE`, so nothing is filtered after the query: pages are full
//! and counts exact.

use entity::interest;
use sea_orm::{ColumnTrait, Condition};

use super::values::Audience;
use super::viewer::Viewer;

/// The SQL condition under which `viewer` sees an interest row.
///
/// - admins see every interest;
/// - the owner sees all of their own;
/// - everyone else, anonymous callers included, sees `EVERYONE` interests only.
///
/// Audiences not named here (and `UNKNOWN_FUTURE_VALUE`) match nothing for non-owners.
pub fn visible_to(viewer: &Viewer) -> Condition {
    let public = interest::Column::AllowedAudiences.eq(Audience::Everyone.as_str());
    match viewer {
        Viewer::Anonymous => Condition::all().add(public),
        Viewer::Caller(caller) if caller.is_admin => Condition::all(),
        Viewer::Caller(caller) => Condition::any()
            .add(interest::Column::UserId.eq(caller.id.as_str()))
            .add(public),
    }
}
