//! Who may see which interest: one function, deny by default.
//!
//! Every read of interests (lookups by id, lists, counts, nested fields) puts
//! [`visible_to`] into its SQL `WHERE`, so nothing is filtered after the query: pages are full
//! and counts exact. The audience table (API.md §6):
//!
//! | allowedAudiences | who besides the owner and admins |
//! |---|---|
//! | ME, UNKNOWN_FUTURE_VALUE | nobody |
//! | FAMILY | people the owner marked as family |
//! | CONTACTS | people the owner marked as contact or family |
//! | GROUP_MEMBERS | people sharing a group with the owner |
//! | ORGANIZATION | people in the owner's organization |
//! | FEDERATED_ORGANIZATIONS | people in the owner's organization or one federated with it |
//! | EVERYONE | everyone, anonymous callers included |
//!
//! The viewer's organization and groups come from their token; the owner's from the
//! directory (their latest token; the organization as the copy on each interest row,
//! `owner_tenant_id`, which the directory keeps equal); family and contacts from the owner's
//! relationships.

use entity::{directory_group, interest, interest_tag_category, relationship};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::relationships::RelationshipKind;
use super::values::Audience;
use super::viewer::{Caller, Viewer};
use crate::error::AppResult;

/// The columns the rule reads, of the table a query filters: the interest itself, or a
/// (tag, category) pair, which carries copies of them so discovery answers the rule from the
/// index it walks.
trait AudienceColumns: ColumnTrait {
    const OWNER: Self;
    const AUDIENCE: Self;
    const TENANT: Self;
}

impl AudienceColumns for interest::Column {
    const OWNER: Self = interest::Column::UserId;
    const AUDIENCE: Self = interest::Column::AllowedAudiences;
    const TENANT: Self = interest::Column::OwnerTenantId;
}

impl AudienceColumns for interest_tag_category::Column {
    const OWNER: Self = interest_tag_category::Column::UserId;
    const AUDIENCE: Self = interest_tag_category::Column::AllowedAudiences;
    const TENANT: Self = interest_tag_category::Column::OwnerTenantId;
}

fn audience_is<C: AudienceColumns>(audience: Audience) -> sea_orm::sea_query::SimpleExpr {
    C::AUDIENCE.eq(audience.as_str())
}

/// Owners who marked `viewer` with one of `kinds`.
fn owners_relating_to(viewer: &Caller, kinds: &[RelationshipKind]) -> SelectStatement {
    Query::select()
        .column(relationship::Column::OwnerId)
        .from(relationship::Entity)
        .and_where(relationship::Column::OtherId.eq(viewer.id.as_str()))
        .and_where(relationship::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .to_owned()
}

/// The interest's owner shares one of `groups` (their latest token's), as a correlated
/// `EXISTS` on the `(user_id, group_id)` key: a probe per candidate row, never a hash of every
/// member of the groups built before the first row — so the planner can still walk an index
/// in page order and stop after one page.
fn owner_in_groups<C: AudienceColumns>(groups: &[String]) -> sea_orm::sea_query::SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(directory_group::Entity)
            .and_where(
                Expr::col((directory_group::Entity, directory_group::Column::UserId))
                    .equals(C::OWNER.as_column_ref()),
            )
            .and_where(directory_group::Column::GroupId.is_in(groups.iter().cloned()))
            .to_owned(),
    )
}

/// The SQL condition under which `viewer` sees an interest row.
pub fn visible_to(viewer: &Viewer) -> Condition {
    rule::<interest::Column>(viewer)
}

/// The same condition on the copies an `interest_tag_category` row carries of its interest.
pub fn pair_visible_to(viewer: &Viewer) -> Condition {
    rule::<interest_tag_category::Column>(viewer)
}

fn rule<C: AudienceColumns>(viewer: &Viewer) -> Condition {
    let caller = match viewer {
        Viewer::Anonymous => return Condition::all().add(audience_is::<C>(Audience::Everyone)),
        Viewer::Caller(caller) if caller.is_admin => return Condition::all(),
        Viewer::Caller(caller) => caller,
    };
    let owner = C::OWNER;
    let mut rules = Condition::any()
        .add(owner.eq(caller.id.as_str()))
        .add(audience_is::<C>(Audience::Everyone))
        .add(
            Condition::all()
                .add(audience_is::<C>(Audience::Family))
                .add(owner.in_subquery(owners_relating_to(caller, &[RelationshipKind::Family]))),
        )
        .add(
            Condition::all()
                .add(audience_is::<C>(Audience::Contacts))
                .add(owner.in_subquery(owners_relating_to(
                    caller,
                    &[RelationshipKind::Family, RelationshipKind::Contact],
                ))),
        );
    if !caller.groups.is_empty() {
        rules = rules.add(
            Condition::all()
                .add(audience_is::<C>(Audience::GroupMembers))
                .add(owner_in_groups::<C>(&caller.groups)),
        );
    }
    if let Some(tenant) = &caller.tenant_id {
        let mut federated = caller.federated_tenant_ids.clone();
        federated.push(tenant.clone());
        rules = rules
            .add(
                Condition::all()
                    .add(audience_is::<C>(Audience::Organization))
                    .add(C::TENANT.eq(tenant.as_str())),
            )
            .add(
                Condition::all()
                    .add(audience_is::<C>(Audience::FederatedOrganizations))
                    .add(C::TENANT.is_in(federated)),
            );
    }
    rules
}

/// What the audience rule needs to know of one interest to decide for many viewers at once
/// (live updates): the owner, the audience, the owner's organization, and — only for the
/// audiences that need them — the owner's family, contacts and groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerAudience {
    pub owner: String,
    pub audience: String,
    pub owner_tenant_id: Option<String>,
    /// People the owner marked as family.
    pub family: BTreeSet<String>,
    /// People the owner marked as family or contact.
    pub contacts: BTreeSet<String>,
    /// The owner's groups as of their latest token.
    pub groups: BTreeSet<String>,
}

/// Loads the owner's relationships and groups that `audiences` need (nothing for the others).
pub async fn load_owner_audience(
    db: &impl ConnectionTrait,
    owner: &str,
    owner_tenant_id: Option<String>,
    audience: &str,
    also: Option<&str>,
) -> AppResult<OwnerAudience> {
    let needs = |a: Audience| audience == a.as_str() || also == Some(a.as_str());
    let mut out = OwnerAudience {
        owner: owner.to_owned(),
        audience: audience.to_owned(),
        owner_tenant_id,
        ..Default::default()
    };
    if needs(Audience::Family) || needs(Audience::Contacts) {
        let rows: Vec<(String, String)> = relationship::Entity::find()
            .select_only()
            .column(relationship::Column::OtherId)
            .column(relationship::Column::Kind)
            .filter(relationship::Column::OwnerId.eq(owner))
            .into_tuple()
            .all(db)
            .await?;
        for (other, kind) in rows {
            if kind == RelationshipKind::Family.as_str() {
                out.family.insert(other.clone());
            }
            if kind == RelationshipKind::Family.as_str() || kind == RelationshipKind::Contact.as_str() {
                out.contacts.insert(other);
            }
        }
    }
    if needs(Audience::GroupMembers) {
        out.groups = directory_group::Entity::find()
            .select_only()
            .column(directory_group::Column::GroupId)
            .filter(directory_group::Column::UserId.eq(owner))
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .collect();
    }
    Ok(out)
}

impl OwnerAudience {
    /// The same audience for another state of the interest (before / after a change).
    pub fn with_audience(&self, audience: &str, owner_tenant_id: Option<String>) -> Self {
        Self {
            audience: audience.to_owned(),
            owner_tenant_id,
            ..self.clone()
        }
    }

    /// Whether `viewer` sees the interest: [`visible_to`]'s rule, decided in memory. The two are
    /// kept in agreement by the audience matrix tests, which ask both (queries and live events)
    /// for every audience and every kind of viewer.
    pub fn seen_by(&self, viewer: &Viewer) -> bool {
        let everyone = self.audience == Audience::Everyone.as_str();
        let caller = match viewer {
            Viewer::Anonymous => return everyone,
            Viewer::Caller(caller) if caller.is_admin => return true,
            Viewer::Caller(caller) => caller,
        };
        if caller.id.as_str() == self.owner || everyone {
            return true;
        }
        let is = |a: Audience| self.audience == a.as_str();
        let owner_tenant = self.owner_tenant_id.as_deref();
        let same_organization = owner_tenant.is_some() && caller.tenant_id.as_deref() == owner_tenant;
        let federated = same_organization
            || (caller.tenant_id.is_some()
                && owner_tenant.is_some_and(|o| caller.federated_tenant_ids.iter().any(|t| t == o)));
        (is(Audience::Family) && self.family.contains(caller.id.as_str()))
            || (is(Audience::Contacts) && self.contacts.contains(caller.id.as_str()))
            || (is(Audience::GroupMembers) && caller.groups.iter().any(|g| self.groups.contains(g)))
            || (is(Audience::Organization) && same_organization)
            || (is(Audience::FederatedOrganizations) && federated)
    }
}
