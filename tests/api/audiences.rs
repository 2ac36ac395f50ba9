//! The audience rules of API.md §6: a matrix of viewers against an interest of each audience,
//! by id, in lists and in counts; relationships; the directory; federation.

use std::collections::BTreeSet;

use entity::{directory_user, interest};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, TestDatabase, User};

api_tests!(
    the_audience_matrix_holds_by_id_in_lists_and_counts,
    removing_a_relationship_or_leaving_a_group_removes_access,
    an_owner_changing_organization_or_audience_changes_who_sees,
    relationships_are_the_callers_own_and_idempotent,
    callers_without_organization_or_groups_share_neither,
    unknown_future_audiences_are_seen_by_the_owner_only,
    writes_to_invisible_interests_are_not_found_and_to_visible_ones_forbidden,
    the_directory_is_written_only_when_claims_change,
);

const AUDIENCES: [&str; 7] = [
    "ME",
    "FAMILY",
    "CONTACTS",
    "GROUP_MEMBERS",
    "ORGANIZATION",
    "FEDERATED_ORGANIZATIONS",
    "EVERYONE",
];

fn user(sub: &str, tid: Option<&str>, groups: &[&str]) -> User {
    let mut u = User::new(sub).named(&format!("{sub} name"));
    u.claims.tid = tid.map(str::to_owned);
    u.claims.groups = (!groups.is_empty()).then(|| groups.iter().map(|g| g.to_string()).collect());
    u
}

async fn relate(app: &TestApp, token: &str, other: &str, kind: &str) {
    app.graphql(
        "mutation($u: ID!, $k: RelationshipKind!) { addRelationship(userId: $u, kind: $k) { userId kind } }",
        json!({ "u": other, "k": kind }),
        Some(token),
    )
    .await
    .ok();
}

/// Creates one interest per audience for the token's user; returns (audience, id) pairs.
async fn one_of_each(app: &TestApp, token: &str) -> Vec<(&'static str, Value)> {
    let mut created = Vec::new();
    for audience in AUDIENCES {
        let input = json!({
            "displayName": audience, "allowedAudiences": audience,
            "categories": ["Matrix"], "collaborationTags": ["ABLE_TO_MENTOR"],
        });
        created.push((audience, app.create(token, input).await["id"].clone()));
    }
    created
}

/// What `token` sees of alice's interests, asked every way: by id, listed, counted, filtered.
async fn seen_by(
    app: &TestApp,
    token: Option<&str>,
    interests: &[(&'static str, Value)],
) -> BTreeSet<String> {
    let mut by_id = BTreeSet::new();
    for (audience, id) in interests {
        let r = app
            .graphql(
                "query($id: ID!) { interest(id: $id) { id } }",
                json!({ "id": id }),
                token,
            )
            .await
            .ok();
        if !r.data("interest").is_null() {
            by_id.insert(audience.to_string());
        }
    }
    let r = app
        .graphql(
            "{ all: interests(first: 100) { totalCount nodes { displayName } }
               profile: user(id: \"alice\") { interests(first: 100) { totalCount nodes { displayName } } }
               tagged: interests(first: 100, filter: {collaborationTags: [ABLE_TO_MENTOR], categories: [\"matrix\"]},
                                 orderBy: {field: CREATED_DATE_TIME, direction: DESC}) { totalCount nodes { displayName } }
               audienceFilter: interests(filter: {allowedAudiences: [ME, FAMILY, CONTACTS, GROUP_MEMBERS, ORGANIZATION, FEDERATED_ORGANIZATIONS, EVERYONE]}) { totalCount } }",
            json!({}),
            token,
        )
        .await
        .ok();
    let names = |path: &str| -> BTreeSet<String> {
        r.data(path)
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["displayName"].as_str().unwrap().to_owned())
            .collect()
    };
    let listed = names("all.nodes");
    assert_eq!(listed, by_id, "the list shows what lookups by id show");
    assert_eq!(names("profile.interests.nodes"), by_id, "user(id).interests too");
    // One tag and one category in creation order: the rule is read from the pairs' copies.
    assert_eq!(names("tagged.nodes"), by_id, "the discovery list too");
    let n = by_id.len() as i64;
    for count in [
        "all.totalCount",
        "profile.interests.totalCount",
        "tagged.totalCount",
        "audienceFilter.totalCount",
    ] {
        assert_eq!(r.data(count), n, "{count} counts what is visible");
    }
    by_id
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn the_audience_matrix_holds_by_id_in_lists_and_counts(db: TestDatabase) {
    let app = spawn_app_with(&db, |s| {
        s.federated_organizations =
            Some(interest_gateway::domain::federation::Federation::parse("contoso:fabrikam").unwrap())
    })
    .await;
    let alice = app.token(user("alice", Some("contoso"), &["team-a"]));
    relate(&app, &alice, "fay", "FAMILY").await;
    relate(&app, &alice, "cody", "CONTACT").await;

    let everything = set(&AUDIENCES);
    let viewers: Vec<(&str, Option<String>, BTreeSet<String>)> = vec![
        ("owner", Some(alice.clone()), everything.clone()),
        (
            "admin",
            Some(app.token(User::new("root").admin())),
            everything.clone(),
        ),
        (
            "family",
            Some(app.token(user("fay", None, &[]))),
            set(&["FAMILY", "CONTACTS", "EVERYONE"]),
        ),
        (
            "contact",
            Some(app.token(user("cody", None, &[]))),
            set(&["CONTACTS", "EVERYONE"]),
        ),
        (
            "group mate",
            Some(app.token(user("gina", Some("gina-org"), &["team-z", "team-a"]))),
            set(&["GROUP_MEMBERS", "EVERYONE"]),
        ),
        (
            "colleague",
            Some(app.token(user("colin", Some("contoso"), &[]))),
            set(&["ORGANIZATION", "FEDERATED_ORGANIZATIONS", "EVERYONE"]),
        ),
        (
            "federated",
            Some(app.token(user("fred", Some("fabrikam"), &["team-f"]))),
            set(&["FEDERATED_ORGANIZATIONS", "EVERYONE"]),
        ),
        (
            "stranger",
            Some(app.token(user("sam", Some("elsewhere"), &["team-z"]))),
            set(&["EVERYONE"]),
        ),
        ("anonymous", None, set(&["EVERYONE"])),
    ];
    // Live events decide with the same rule: every viewer subscribes before the interests
    // exist and must be told of exactly the ones it can query.
    let mut sockets = Vec::new();
    for (_, token, _) in &viewers {
        let mut ws = app.ws("graphql-transport-ws", None).await;
        let payload = match token {
            Some(t) => json!({ "authorization": format!("Bearer {t}") }),
            None => json!({}),
        };
        ws.init(payload).await;
        ws.send(json!({ "type": "subscribe", "id": "m", "payload": { "query":
            "subscription { interestEvents(userId: \"alice\") { type interest { displayName } interestId } }" } }))
            .await;
        sockets.push(ws);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let interests = one_of_each(&app, &alice).await;
    for ((who, token, expected), ws) in viewers.iter().zip(sockets.iter_mut()) {
        assert_eq!(
            &seen_by(&app, token.as_deref(), &interests).await,
            expected,
            "{who}"
        );
        assert_eq!(
            &events_of(ws, "CREATED", &interests).await,
            expected,
            "{who}: CREATED events"
        );
    }
    for (_, id) in &interests {
        app.graphql(
            "mutation($id: ID!) { deleteInterest(id: $id) { id } }",
            json!({ "id": id }),
            Some(&alice),
        )
        .await
        .ok();
    }
    for ((who, _, expected), ws) in viewers.iter().zip(sockets.iter_mut()) {
        assert_eq!(
            &events_of(ws, "DELETED", &interests).await,
            expected,
            "{who}: DELETED events"
        );
    }
}

/// The audiences of the interests a subscription was told about with `kind`, reading until
/// no event has come for a while.
async fn events_of(
    ws: &mut crate::helpers::WsClient,
    kind: &str,
    interests: &[(&'static str, Value)],
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    while let Some(crate::helpers::WsEvent::Message(m)) =
        ws.next_within(std::time::Duration::from_millis(700)).await
    {
        let e = &m["payload"]["data"]["interestEvents"];
        assert_eq!(e["type"], kind, "{m}");
        let (audience, _) = interests
            .iter()
            .find(|(_, id)| *id == e["interestId"])
            .expect("an event about one of the matrix interests");
        seen.insert(audience.to_string());
    }
    seen
}

async fn removing_a_relationship_or_leaving_a_group_removes_access(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(user("alice", Some("contoso"), &["team-a"]));
    let interests = one_of_each(&app, &alice).await;
    relate(&app, &alice, "fay", "FAMILY").await;
    let fay = app.token(user("fay", None, &[]));
    assert_eq!(
        seen_by(&app, Some(&fay), &interests).await,
        set(&["FAMILY", "CONTACTS", "EVERYONE"])
    );
    app.graphql(
        "mutation { removeRelationship(userId: \"fay\", kind: FAMILY) }",
        json!({}),
        Some(&alice),
    )
    .await
    .ok();
    assert_eq!(seen_by(&app, Some(&fay), &interests).await, set(&["EVERYONE"]));

    // The viewer leaves the group: their next token no longer carries it.
    let gina = app.token(user("gina", None, &["team-a"]));
    assert_eq!(
        seen_by(&app, Some(&gina), &interests).await,
        set(&["GROUP_MEMBERS", "EVERYONE"])
    );
    let gina_left = app.token(user("gina", None, &["team-b"]));
    assert_eq!(
        seen_by(&app, Some(&gina_left), &interests).await,
        set(&["EVERYONE"])
    );

    // The owner leaves the group: their next request records it, and group mates lose access.
    assert_eq!(
        seen_by(&app, Some(&gina), &interests).await,
        set(&["GROUP_MEMBERS", "EVERYONE"])
    );
    let alice_left = app.token(user("alice", Some("contoso"), &[]));
    app.graphql("{ me { id } }", json!({}), Some(&alice_left))
        .await
        .ok();
    assert_eq!(seen_by(&app, Some(&gina), &interests).await, set(&["EVERYONE"]));
}

async fn an_owner_changing_organization_or_audience_changes_who_sees(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(user("alice", Some("contoso"), &[]));
    let interests = one_of_each(&app, &alice).await;
    let colin = app.token(user("colin", Some("contoso"), &[]));
    let olga = app.token(user("olga", Some("northwind"), &[]));
    assert_eq!(
        seen_by(&app, Some(&colin), &interests).await,
        set(&["ORGANIZATION", "FEDERATED_ORGANIZATIONS", "EVERYONE"])
    );
    assert_eq!(seen_by(&app, Some(&olga), &interests).await, set(&["EVERYONE"]));
    // Alice moves to northwind.
    let moved = app.token(user("alice", Some("northwind"), &[]));
    app.graphql("{ me { id } }", json!({}), Some(&moved)).await.ok();
    assert_eq!(seen_by(&app, Some(&colin), &interests).await, set(&["EVERYONE"]));
    assert_eq!(
        seen_by(&app, Some(&olga), &interests).await,
        set(&["ORGANIZATION", "FEDERATED_ORGANIZATIONS", "EVERYONE"])
    );
    // She narrows one interest to ME: the next read follows.
    let org = &interests.iter().find(|(a, _)| *a == "ORGANIZATION").unwrap().1;
    app.graphql(
        "mutation($id: ID!) { updateInterest(id: $id, input: {allowedAudiences: ME}) { id } }",
        json!({ "id": org }),
        Some(&moved),
    )
    .await
    .ok();
    assert_eq!(
        seen_by(&app, Some(&olga), &interests).await,
        set(&["FEDERATED_ORGANIZATIONS", "EVERYONE"])
    );
}

async fn relationships_are_the_callers_own_and_idempotent(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let bob = app.token_for("bob");
    relate(&app, &alice, "fay", "FAMILY").await;
    relate(&app, &alice, "fay", "FAMILY").await;
    relate(&app, &alice, "fay", "CONTACT").await;
    relate(&app, &alice, "cody", "CONTACT").await;
    let mine = app
        .graphql(
            "{ me { relationships { userId kind } } }",
            json!({}),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        mine.data("me.relationships"),
        &json!([{ "userId": "fay", "kind": "FAMILY" }, { "userId": "fay", "kind": "CONTACT" }, { "userId": "cody", "kind": "CONTACT" }])
    );
    let same = app
        .graphql(
            "{ user(id: \"alice\") { relationships { userId } } }",
            json!({}),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(same.data("user.relationships").as_array().unwrap().len(), 3);
    let other = app
        .graphql(
            "{ user(id: \"alice\") { relationships { userId } } }",
            json!({}),
            Some(&bob),
        )
        .await;
    assert_eq!(other.code().as_deref(), Some("FORBIDDEN"));
    let admin = app.token(User::new("root").admin());
    let by_admin = app
        .graphql(
            "{ user(id: \"alice\") { relationships { userId } } }",
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        by_admin.code().as_deref(),
        Some("FORBIDDEN"),
        "the caller's own only, admins included"
    );
    let anonymous = app
        .graphql(
            "{ user(id: \"alice\") { relationships { userId } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(anonymous.code().as_deref(), Some("UNAUTHENTICATED"));

    let remove = "mutation($u: ID!) { removeRelationship(userId: $u, kind: CONTACT) }";
    assert_eq!(
        app.graphql(remove, json!({ "u": "fay" }), Some(&alice))
            .await
            .ok()
            .data("removeRelationship"),
        true
    );
    assert_eq!(
        app.graphql(remove, json!({ "u": "fay" }), Some(&alice))
            .await
            .ok()
            .data("removeRelationship"),
        false
    );
    let left = app
        .graphql(
            "{ me { relationships { userId kind } } }",
            json!({}),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        left.data("me.relationships"),
        &json!([{ "userId": "fay", "kind": "FAMILY" }, { "userId": "cody", "kind": "CONTACT" }])
    );

    for (query, code, field) in [
        (
            "mutation { addRelationship(userId: \"alice\", kind: FAMILY) { userId } }",
            "BAD_USER_INPUT",
            Some("userId"),
        ),
        (
            "mutation { removeRelationship(userId: \"alice\", kind: FAMILY) }",
            "BAD_USER_INPUT",
            Some("userId"),
        ),
        (
            "mutation { addRelationship(userId: \"\", kind: FAMILY) { userId } }",
            "BAD_USER_INPUT",
            Some("userId"),
        ),
        (
            "mutation { addRelationship(userId: \"bob\", kind: FRIEND) { userId } }",
            "GRAPHQL_VALIDATION_FAILED",
            None,
        ),
    ] {
        let r = app.graphql(query, json!({}), Some(&alice)).await;
        assert_eq!(r.code().as_deref(), Some(code), "{query}");
        assert_eq!(r.field().as_deref(), field, "{query}");
    }
    let anonymous_add = app
        .graphql(
            "mutation { addRelationship(userId: \"bob\", kind: FAMILY) { userId } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(anonymous_add.code().as_deref(), Some("UNAUTHENTICATED"));
    let after = app
        .graphql("{ me { relationships { userId } } }", json!({}), Some(&alice))
        .await
        .ok();
    assert_eq!(
        after.data("me.relationships").as_array().unwrap().len(),
        2,
        "refused calls changed nothing"
    );
}

async fn callers_without_organization_or_groups_share_neither(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let dave = app.token(user("dave", None, &[]));
    let interests = one_of_each(&app, &dave).await;
    let carol = app.token(user("carol", None, &[]));
    let r = app
        .graphql(
            "{ user(id: \"dave\") { interests { totalCount nodes { displayName } } } }",
            json!({}),
            Some(&carol),
        )
        .await
        .ok();
    assert_eq!(
        r.data("user.interests.nodes"),
        &json!([{ "displayName": "EVERYONE" }])
    );
    for (_, id) in &interests {
        let seen = app
            .graphql(
                "query($id: ID!) { interest(id: $id) { allowedAudiences } }",
                json!({ "id": id }),
                Some(&carol),
            )
            .await
            .ok();
        let audience = seen.data("interest.allowedAudiences");
        assert!(audience.is_null() || audience == "EVERYONE", "{audience}");
    }
}

async fn unknown_future_audiences_are_seen_by_the_owner_only(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(user("alice", Some("contoso"), &["team-a"]));
    let created = app
        .create(
            &alice,
            json!({ "displayName": "Future", "allowedAudiences": "EVERYONE" }),
        )
        .await;
    // A value a newer version might write: stored as is, read as UNKNOWN_FUTURE_VALUE.
    let conn = Database::connect(&db.url).await.unwrap();
    let id = uuid::Uuid::parse_str(created["id"].as_str().unwrap()).unwrap();
    interest::Entity::update_many()
        .col_expr(
            interest::Column::AllowedAudiences,
            Expr::value("FRIENDS_OF_FRIENDS"),
        )
        .filter(interest::Column::Id.eq(id))
        .exec(&conn)
        .await
        .unwrap();
    let read = "query($id: ID!) { interest(id: $id) { allowedAudiences } }";
    let owner = app
        .graphql(read, json!({ "id": created["id"] }), Some(&alice))
        .await
        .ok();
    assert_eq!(owner.data("interest.allowedAudiences"), "UNKNOWN_FUTURE_VALUE");
    let admin = app.token(User::new("root").admin());
    assert!(!app
        .graphql(read, json!({ "id": created["id"] }), Some(&admin))
        .await
        .ok()
        .data("interest")
        .is_null());
    for token in [Some(app.token(user("colin", Some("contoso"), &["team-a"]))), None] {
        let r = app
            .graphql(read, json!({ "id": created["id"] }), token.as_deref())
            .await
            .ok();
        assert!(r.data("interest").is_null());
        assert_eq!(app.total_count(token.as_deref(), json!({})).await, 0);
    }
}

async fn writes_to_invisible_interests_are_not_found_and_to_visible_ones_forbidden(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(user("alice", Some("contoso"), &[]));
    let org = app
        .create(
            &alice,
            json!({ "displayName": "Org", "allowedAudiences": "ORGANIZATION" }),
        )
        .await;
    let colin = app.token(user("colin", Some("contoso"), &[]));
    let sam = app.token(user("sam", Some("elsewhere"), &[]));
    let update = "mutation($id: ID!) { updateInterest(id: $id, input: {displayName: \"Taken\"}) { id } }";
    let delete = "mutation($id: ID!) { deleteInterest(id: $id) { id } }";
    for query in [update, delete] {
        assert_eq!(
            app.graphql(query, json!({ "id": org["id"] }), Some(&colin))
                .await
                .code()
                .as_deref(),
            Some("FORBIDDEN")
        );
        assert_eq!(
            app.graphql(query, json!({ "id": org["id"] }), Some(&sam))
                .await
                .code()
                .as_deref(),
            Some("NOT_FOUND")
        );
    }
    let still = app
        .graphql(
            "query($id: ID!) { interest(id: $id) { displayName } }",
            json!({ "id": org["id"] }),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(still.data("interest.displayName"), "Org");
}

async fn the_directory_is_written_only_when_claims_change(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let conn = Database::connect(&db.url).await.unwrap();
    let stamp = || async {
        directory_user::Entity::find_by_id("alice".to_owned())
            .one(&conn)
            .await
            .unwrap()
            .map(|r| (r.updated_at, r.tenant_id, r.display_name))
    };
    assert_eq!(
        stamp().await,
        None,
        "nobody is recorded before their first request"
    );
    let first = app.token(user("alice", Some("contoso"), &["g1"]));
    app.graphql("{ me { id } }", json!({}), Some(&first)).await.ok();
    let recorded = stamp().await.expect("recorded on the first request");
    assert_eq!(recorded.1.as_deref(), Some("contoso"));
    // The same claims again, even in a fresh token: no write.
    for _ in 0..3 {
        let again = app.token(user("alice", Some("contoso"), &["g1"]));
        app.graphql("{ me { id } }", json!({}), Some(&again)).await.ok();
    }
    assert_eq!(stamp().await, Some(recorded.clone()));
    // Another server process (nothing memoised) reads the stored claims and does not write either.
    let second = spawn_app(&db).await;
    second
        .graphql("{ me { id } }", json!({}), Some(&first))
        .await
        .ok();
    assert_eq!(stamp().await, Some(recorded.clone()));
    // New claims: written, and shown as the user's display name to others.
    let renamed = app.token(user("alice", Some("contoso"), &["g1"]).named("Alice Renamed"));
    app.graphql("{ me { id } }", json!({}), Some(&renamed)).await.ok();
    let changed = stamp().await.unwrap();
    assert_eq!(changed.2.as_deref(), Some("Alice Renamed"));
    let bob = app.token_for("bob");
    let seen = app
        .graphql(
            "{ user(id: \"alice\") { displayName } nobody: user(id: \"nobody\") { displayName } }",
            json!({}),
            Some(&bob),
        )
        .await
        .ok();
    assert_eq!(seen.data("user.displayName"), "Alice Renamed");
    assert!(seen.data("nobody.displayName").is_null());
}
