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
use sea_orm::sea_query::{
    Expr, ExprTrait, MysqlQueryBuilder, PostgresQueryBuilder, Query, QueryBuilder, SelectStatement,
    SqlWriterValues, SqliteQueryBuilder, Value,
};
use std::collections::BTreeSet;
use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    Statement,
};
use uuid::Uuid;

use super::pagination::Order;
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
    /// Which table, in the key of the rendered rule's memo.
    const PAIR: bool;
}

impl AudienceColumns for interest::Column {
    const PAIR: bool = false;
    const OWNER: Self = interest::Column::UserId;
    const AUDIENCE: Self = interest::Column::AllowedAudiences;
    const TENANT: Self = interest::Column::OwnerTenantId;
}

impl AudienceColumns for interest_tag_category::Column {
    const PAIR: bool = true;
    const OWNER: Self = interest_tag_category::Column::UserId;
    const AUDIENCE: Self = interest_tag_category::Column::AllowedAudiences;
    const TENANT: Self = interest_tag_category::Column::OwnerTenantId;
}

fn audience_is<C: AudienceColumns>(audience: Audience) -> sea_orm::sea_query::SimpleExpr {
    C::AUDIENCE.eq(audience.as_str())
}

/// Owners who marked `viewer` with one of `kinds`.
fn owners_relating_to(viewer: &str, kinds: &[RelationshipKind]) -> SelectStatement {
    Query::select()
        .column(relationship::Column::OwnerId)
        .from(relationship::Entity)
        .and_where(relationship::Column::OtherId.eq(viewer))
        .and_where(relationship::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .to_owned()
}

/// The interest's owner shares one of `groups` (their latest token's), as a correlated
/// `EXISTS` on the `(user_id, group_id)` key. With `probe`, PostgreSQL must answer it with a
/// probe per candidate row: left to itself, it turns the `EXISTS` into a hash of every member of
/// the groups, built before the first row, whenever it expects many rows — which it does for a
/// page walked along an index (it cannot know the page stops early): on 1,000,000 rows that
/// read 400 members to show 20 interests, two thirds of a page's buffers (bench/RESULTS.md).
/// `OFFSET 0` keeps PostgreSQL from rewriting the subquery. Statements that read every row they
/// match (counts, facets, searches, matching) leave it the hash.
fn owner_in_groups<C: AudienceColumns>(groups: &[String], probe: bool) -> sea_orm::sea_query::SimpleExpr {
    let mut members = Query::select()
        .expr(Expr::val(1))
        .from(directory_group::Entity)
        .and_where(
            Expr::col((directory_group::Entity, directory_group::Column::UserId))
                .equals(C::OWNER.as_column_ref()),
        )
        .and_where(directory_group::Column::GroupId.is_in(groups.iter().cloned()))
        .to_owned();
    if probe {
        members.offset(0);
    }
    Expr::exists(members)
}

/// The SQL condition under which `viewer` sees an interest row, on `backend`, for a statement
/// that reads a bounded number of rows (by id, a page).
pub fn visible_to(viewer: &Viewer, backend: DbBackend) -> Condition {
    rendered::<interest::Column>(viewer, backend, probes(backend))
}

/// The same condition, for a statement that reads every row it matches (a count, facets, a
/// search ranked or sorted, matching): the group rule may be answered by a hash of the groups'
/// members.
pub fn visible_to_in_bulk(viewer: &Viewer, backend: DbBackend) -> Condition {
    rendered::<interest::Column>(viewer, backend, false)
}

/// [`visible_to`] on the copies an `interest_tag_category` row carries of its interest.
pub fn pair_visible_to(viewer: &Viewer, backend: DbBackend) -> Condition {
    rendered::<interest_tag_category::Column>(viewer, backend, probes(backend))
}

/// Whether the group rule is fenced to a probe per row on `backend` (see [`owner_in_groups`];
/// `OFFSET` alone is PostgreSQL's, and the others probe per row anyway).
fn probes(backend: DbBackend) -> bool {
    backend == DbBackend::Postgres
}

/// The statement reading interest `id` if `viewer` sees it: the SQL of
/// `find_by_id(id).filter(visible_to(viewer)).limit(1)`, written once per viewer shape rather
/// than built and written on every request (the most frequent read; bench/RESULTS.md).
pub fn interest_by_id(viewer: &Viewer, backend: DbBackend, id: Uuid) -> Statement {
    keyed(
        viewer,
        backend,
        Kind::InterestById,
        Value::from(id),
        |condition| {
            let select = interest::Entity::find_by_id(KEY_MARK).filter(condition).limit(1);
            backend.build(QueryTrait::as_query(&select))
        },
    )
}

/// A statement that looks up one text key (a profile's owner), written once per viewer shape:
/// `write` gets the audience rule for a bounded read (as [`visible_to`]) and the key, both for
/// a viewer whose claims are marks, and the marks are then bound to `viewer`'s claims and
/// `key`. `of` names the statement's text apart from the rule and the key: everything `write`
/// puts in it must follow from `of`.
pub fn templated(
    viewer: &Viewer,
    backend: DbBackend,
    of: Of,
    key: &str,
    write: impl FnOnce(Condition, &str) -> Statement,
) -> Statement {
    keyed(
        viewer,
        backend,
        Kind::Statement(of),
        Value::from(key),
        |condition| write(condition, KEY_TEXT_MARK),
    )
}

/// The statement of `kind` for `viewer` and `key`: its text written once per viewer shape by
/// `write`, given the rule for a viewer whose claims are marks (the key marked by `write`).
fn keyed(
    viewer: &Viewer,
    backend: DbBackend,
    kind: Kind,
    key: Value,
    write: impl FnOnce(Condition) -> Statement,
) -> Statement {
    let (code, _) = writer(backend);
    let who = Who::of(viewer);
    let shape = Shape {
        backend: code,
        kind,
        who,
    };
    let template = memoized(shape, || {
        template(who, |marks| {
            let condition = match who {
                Who::Admin => Condition::all(),
                _ => rule::<interest::Column>(marks, probes(backend)),
            };
            let statement = write(condition);
            (statement.sql, statement.values.map(|v| v.0).unwrap_or_default())
        })
    });
    let values = filled(&template, viewer.caller(), Some(&key));
    Statement::from_sql_and_values(backend, template.sql.clone(), values)
}

/// What a [`templated`] statement is: one text per value (and viewer shape).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Of {
    /// A profile's first `first` interests (and one more, to know whether there are more),
    /// unfiltered, in an order (`listing::first_pages`).
    FirstPage { order: Order, first: u64 },
}

/// What a template is of.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// The rule alone, as a condition on the interest or on its (tag, category) pairs, the
    /// group rule probing per row or not.
    Rule { pair: bool, probe: bool },
    /// [`interest_by_id`]'s statement.
    InterestById,
    /// A [`templated`] statement.
    Statement(Of),
}

/// Which viewer, as far as the rule's text is concerned.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    Admin,
    /// How many groups, whether an organization, how many federated organizations.
    Caller(usize, bool, usize),
}

impl Who {
    fn of(viewer: &Viewer) -> Self {
        match viewer {
            Viewer::Anonymous => Who::Anonymous,
            Viewer::Caller(c) if c.is_admin => Who::Admin,
            Viewer::Caller(c) => Who::Caller(
                c.groups.len(),
                c.tenant_id.is_some(),
                c.federated_tenant_ids.len(),
            ),
        }
    }
}

/// What a template's SQL text depends on: the backend (quoting, placeholders), what it is of,
/// and how many of each claim the viewer has. The values themselves are bound, so every viewer
/// of one shape shares one text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Shape {
    backend: u8,
    kind: Kind,
    who: Who,
}

/// Where one bound value of a shape's text comes from.
enum Slot {
    Fixed(Value),
    Id,
    Group(usize),
    Tenant,
    Federated(usize),
    /// The key a statement looks up.
    Key,
}

/// A shape's SQL text and where its values come from.
struct Template {
    sql: String,
    slots: Vec<Slot>,
}

/// Texts by shape. Building the condition tree and writing it out per request cost a third of
/// a lookup by id's CPU in the gateway (bench/RESULTS.md); there are few shapes.
static TEMPLATES: LazyLock<Mutex<lru::LruCache<Shape, Arc<Template>>>> = LazyLock::new(|| {
    Mutex::new(lru::LruCache::new(
        NonZeroUsize::new(256).unwrap_or(NonZeroUsize::MIN),
    ))
});

/// The template of `shape`, written by `make` if not known yet.
fn memoized(shape: Shape, make: impl FnOnce() -> Template) -> Arc<Template> {
    let found = TEMPLATES
        .lock()
        .ok()
        .and_then(|mut memo| memo.get(&shape).cloned());
    found.unwrap_or_else(|| {
        let made = Arc::new(make());
        if let Ok(mut memo) = TEMPLATES.lock() {
            memo.put(shape, made.clone());
        }
        made
    })
}

/// Marks a claim's place in a template: no real claim starts with NUL.
const MARK: char = '\0';

/// Marks the looked-up key's place in a statement template (no interest has the all-ones id:
/// ids are v4 or v7 UUIDs).
const KEY_MARK: Uuid = Uuid::max();

/// Marks a text key's place in a [`templated`] statement.
const KEY_TEXT_MARK: &str = "\0key";

/// [`rule`] for `viewer` as one parenthesized SQL expression with its values bound: the text
/// written once per [`Shape`] by [`rule`] itself, for a viewer whose claims are marks, and the
/// marks then mapped to this viewer's claims.
fn rendered<C: AudienceColumns>(viewer: &Viewer, backend: DbBackend, probe: bool) -> Condition {
    let who = Who::of(viewer);
    if who == Who::Admin {
        return Condition::all();
    }
    let (code, write) = writer(backend);
    let shape = Shape {
        backend: code,
        kind: Kind::Rule { pair: C::PAIR, probe },
        who,
    };
    let template = memoized(shape, || {
        let mut made = template(who, |marks| write(&Expr::from(rule::<C>(marks, probe))));
        made.sql = format!("({})", made.sql);
        made
    });
    let values = filled(&template, viewer.caller(), None);
    Condition::all().add(Expr::cust_with_values(template.sql.clone(), values))
}

/// The values of `template` for `caller` (none: anonymous or admin) and `key`.
fn filled(template: &Template, caller: Option<&Caller>, key: Option<&Value>) -> Vec<Value> {
    let claim = |c: Option<&String>| Value::from(c.cloned().unwrap_or_default());
    template
        .slots
        .iter()
        .map(|slot| match (slot, caller) {
            (Slot::Fixed(value), _) => value.clone(),
            (Slot::Key, _) => key.cloned().unwrap_or(Value::String(None)),
            (Slot::Id, Some(c)) => Value::from(c.id.as_str()),
            (Slot::Group(i), Some(c)) => claim(c.groups.get(*i)),
            (Slot::Tenant, Some(c)) => claim(c.tenant_id.as_ref()),
            (Slot::Federated(i), Some(c)) => claim(c.federated_tenant_ids.get(*i)),
            // Claims are only marked in a template made for a caller (the shape says so).
            (_, None) => Value::from(String::new()),
        })
        .collect()
}

/// Writes an expression as SQL text with placeholders, and the values they stand for.
type Writer = fn(&Expr) -> (String, Vec<Value>);

/// The [`Writer`] of `backend`, and its code in a [`Shape`].
fn writer(backend: DbBackend) -> (u8, Writer) {
    match backend {
        DbBackend::Postgres => (0, |e| write_out(&PostgresQueryBuilder, e)),
        DbBackend::MySql => (1, |e| write_out(&MysqlQueryBuilder, e)),
        _ => (2, |e| write_out(&SqliteQueryBuilder, e)),
    }
}

/// Writes, by `write`, SQL for a viewer of kind `who` whose claims are marks, and finds the
/// marks among the values.
fn template(who: Who, write: impl FnOnce(Option<&RuleInput>) -> (String, Vec<Value>)) -> Template {
    let marks = match who {
        Who::Caller(groups, tenant, federated) => Some(RuleInput {
            id: format!("{MARK}id"),
            groups: (0..groups).map(|i| format!("{MARK}g{i}")).collect(),
            tenant: tenant.then(|| format!("{MARK}t")),
            federated: (0..federated).map(|i| format!("{MARK}f{i}")).collect(),
        }),
        Who::Anonymous | Who::Admin => None,
    };
    let (sql, values) = write(marks.as_ref());
    let slots = values
        .into_iter()
        .map(|value| {
            let mark = match &value {
                Value::String(Some(s)) => s.strip_prefix(MARK),
                Value::Uuid(Some(u)) if *u == KEY_MARK => return Slot::Key,
                _ => None,
            };
            let index = |rest: &str| rest.parse::<usize>().unwrap_or_default();
            match mark {
                None => Slot::Fixed(value.clone()),
                Some("id") => Slot::Id,
                Some("t") => Slot::Tenant,
                Some("key") => Slot::Key,
                Some(g) if g.starts_with('g') => Slot::Group(index(&g[1..])),
                Some(f) => Slot::Federated(index(f.get(1..).unwrap_or_default())),
            }
        })
        .collect();
    Template { sql, slots }
}

/// `expr` as SQL text with the builder's placeholders, and the values they stand for.
fn write_out(builder: &impl QueryBuilder, expr: &Expr) -> (String, Vec<Value>) {
    let (placeholder, numbered) = builder.placeholder();
    let mut sql = SqlWriterValues::new(placeholder, numbered);
    builder.prepare_expr(expr, &mut sql);
    let (text, values) = sql.into_parts();
    (text, values.0)
}

/// The claims of a (non-admin) caller that [`rule`] reads.
struct RuleInput {
    id: String,
    groups: Vec<String>,
    tenant: Option<String>,
    federated: Vec<String>,
}

/// The audience table as a condition, for a caller (`None`: anonymous; admins need none);
/// `probe` as [`owner_in_groups`] takes it.
fn rule<C: AudienceColumns>(caller: Option<&RuleInput>, probe: bool) -> Condition {
    let Some(caller) = caller else {
        return Condition::all().add(audience_is::<C>(Audience::Everyone));
    };
    let owner = C::OWNER;
    let mut rules = Condition::any()
        .add(owner.eq(caller.id.as_str()))
        .add(audience_is::<C>(Audience::Everyone))
        .add(
            Condition::all()
                .add(audience_is::<C>(Audience::Family))
                .add(owner.in_subquery(owners_relating_to(&caller.id, &[RelationshipKind::Family]))),
        )
        .add(
            Condition::all()
                .add(audience_is::<C>(Audience::Contacts))
                .add(owner.in_subquery(owners_relating_to(
                    &caller.id,
                    &[RelationshipKind::Family, RelationshipKind::Contact],
                ))),
        );
    if !caller.groups.is_empty() {
        rules = rules.add(
            Condition::all()
                .add(audience_is::<C>(Audience::GroupMembers))
                .add(owner_in_groups::<C>(&caller.groups, probe)),
        );
    }
    if let Some(tenant) = &caller.tenant {
        let mut federated = caller.federated.clone();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::values::UserId;
    use crate::domain::Caller;

    fn caller(groups: &[&str], tenant: Option<&str>, federated: &[&str]) -> Viewer {
        Viewer::Caller(Caller {
            id: UserId::parse("sub", "viewer-1").unwrap(),
            name: None,
            tenant_id: tenant.map(str::to_owned),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            federated_tenant_ids: federated.iter().map(|f| f.to_string()).collect(),
            app_id: None,
            app_name: None,
            device_id: None,
            is_admin: false,
        })
    }

    fn written(backend: DbBackend, condition: Condition) -> (String, Vec<Value>) {
        writer(backend).1(&Expr::from(condition))
    }

    /// The rule written for this very viewer, without templates.
    fn direct<C: AudienceColumns>(viewer: &Viewer, backend: DbBackend) -> (String, Vec<Value>) {
        let input = viewer.caller().map(|c| RuleInput {
            id: c.id.as_str().to_owned(),
            groups: c.groups.clone(),
            tenant: c.tenant_id.clone(),
            federated: c.federated_tenant_ids.clone(),
        });
        let (sql, values) = written(backend, rule::<C>(input.as_ref(), probes(backend)));
        (format!("({sql})"), values)
    }

    #[test]
    fn templates_give_the_text_and_values_of_the_rule_written_for_each_viewer() {
        let viewers = [
            Viewer::Anonymous,
            caller(&[], None, &[]),
            caller(&["g-1"], None, &[]),
            caller(&[], Some("org-1"), &[]),
            caller(&["g-1", "g-2", "g-3"], Some("org-1"), &["org-2", "org-3"]),
            // Same shape as the one before, other claims: the same text, other values.
            caller(&["h-1", "h-2", "h-3"], Some("org-9"), &["org-8", "org-7"]),
        ];
        for backend in [DbBackend::Postgres, DbBackend::MySql, DbBackend::Sqlite] {
            for viewer in &viewers {
                for _ in 0..2 {
                    let via = written(backend, visible_to(viewer, backend));
                    assert_eq!(via, direct::<interest::Column>(viewer, backend), "{viewer:?}");
                    let via = written(backend, pair_visible_to(viewer, backend));
                    assert_eq!(
                        via,
                        direct::<interest_tag_category::Column>(viewer, backend),
                        "{viewer:?}"
                    );
                }
            }
        }
        let (_, values) = written(DbBackend::Postgres, visible_to(&viewers[5], DbBackend::Postgres));
        for claim in ["viewer-1", "h-1", "h-3", "org-9", "org-7"] {
            assert!(values.contains(&Value::from(claim)), "{claim} in {values:?}");
        }
        assert!(written(
            DbBackend::Postgres,
            visible_to(&caller(&[], None, &[]), DbBackend::Postgres)
        )
        .0
        .contains("\"interest\".\"user_id\""));
    }

    /// The rule of a bounded read for this very viewer, without templates.
    fn direct_condition(viewer: &Viewer, backend: DbBackend) -> Condition {
        let input = viewer.caller().map(|c| RuleInput {
            id: c.id.as_str().to_owned(),
            groups: c.groups.clone(),
            tenant: c.tenant_id.clone(),
            federated: c.federated_tenant_ids.clone(),
        });
        match viewer {
            Viewer::Caller(c) if c.is_admin => Condition::all(),
            _ => rule::<interest::Column>(input.as_ref(), probes(backend)),
        }
    }

    /// Anonymous, an admin, and callers of several shapes (two of the same shape).
    fn viewers_of_every_kind() -> [Viewer; 5] {
        let Viewer::Caller(mut admin) = caller(&["g"], Some("t"), &[]) else {
            unreachable!()
        };
        admin.is_admin = true;
        [
            Viewer::Anonymous,
            Viewer::Caller(admin),
            caller(&[], None, &[]),
            caller(&["g-1", "g-2"], Some("org-1"), &["org-2"]),
            caller(&["h-1", "h-2"], Some("org-9"), &["org-8"]),
        ]
    }

    #[test]
    fn a_profiles_first_page_is_the_statement_built_for_each_viewer() {
        use super::super::listing::first_pages_statement;
        use super::super::pagination::{Direction, OrderField};
        let viewers = viewers_of_every_kind();
        let orders = [
            Order::default(),
            Order {
                field: OrderField::DisplayName,
                direction: Direction::Desc,
            },
        ];
        for backend in [DbBackend::Postgres, DbBackend::MySql, DbBackend::Sqlite] {
            for viewer in &viewers {
                for (order, first, owner) in [
                    (orders[0], 20, "owner-1"),
                    (orders[1], 20, "owner-2"),
                    (orders[0], 5, "o-3"),
                ] {
                    let via = templated(
                        viewer,
                        backend,
                        Of::FirstPage { order, first },
                        owner,
                        |visible, key| {
                            first_pages_statement(
                                backend,
                                Condition::all().add(visible),
                                order,
                                first,
                                &[key],
                            )
                        },
                    );
                    let direct_rule = Condition::all().add(direct_condition(viewer, backend));
                    let direct = first_pages_statement(backend, direct_rule, order, first, &[owner]);
                    assert_eq!(via.sql, direct.sql, "{viewer:?} {order:?}");
                    assert_eq!(via.values, direct.values, "{viewer:?} {order:?}");
                    let values = via.values.map(|v| v.0).unwrap_or_default();
                    assert!(values.contains(&Value::from(owner)) && values.contains(&Value::from(first + 1)));
                }
            }
        }
    }

    #[test]
    fn the_lookup_by_id_is_the_statement_built_for_each_viewer() {
        let viewers = viewers_of_every_kind();
        for backend in [DbBackend::Postgres, DbBackend::MySql, DbBackend::Sqlite] {
            for viewer in &viewers {
                for id in [Uuid::new_v4(), Uuid::now_v7()] {
                    let condition = direct_condition(viewer, backend);
                    let select = interest::Entity::find_by_id(id).filter(condition).limit(1);
                    let direct = backend.build(QueryTrait::as_query(&select));
                    let via = interest_by_id(viewer, backend, id);
                    assert_eq!(via.sql, direct.sql, "{viewer:?}");
                    assert_eq!(via.values, direct.values, "{viewer:?}");
                    assert!(via.values.is_some_and(|v| v.0.contains(&Value::from(id))));
                }
            }
        }
    }

    #[test]
    fn on_postgresql_the_group_rule_of_row_bounded_reads_is_fenced_to_a_probe_per_row() {
        let viewer = caller(&["g-1", "g-2"], Some("org-1"), &[]);
        for backend in [DbBackend::Postgres, DbBackend::MySql, DbBackend::Sqlite] {
            let fenced = |condition: Condition| written(backend, condition).0.contains("OFFSET");
            let postgres = backend == DbBackend::Postgres;
            assert_eq!(fenced(visible_to(&viewer, backend)), postgres, "{backend:?}");
            assert_eq!(fenced(pair_visible_to(&viewer, backend)), postgres, "{backend:?}");
            assert!(!fenced(visible_to_in_bulk(&viewer, backend)), "{backend:?}");
            let by_id = interest_by_id(&viewer, backend, Uuid::new_v4());
            assert_eq!(
                by_id.sql.matches("OFFSET").count(),
                usize::from(postgres),
                "{backend:?}"
            );
        }
    }

    #[test]
    fn admins_see_everything() {
        let Viewer::Caller(mut admin) = caller(&["g"], Some("t"), &[]) else {
            unreachable!()
        };
        admin.is_admin = true;
        let condition = visible_to(&Viewer::Caller(admin), DbBackend::Postgres);
        assert!(condition.is_empty());
    }
}
