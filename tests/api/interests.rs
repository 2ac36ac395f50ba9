//! Creating, reading, updating and deleting interests; ownership, admins, etags.

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, TestApp, TestDatabase, User, INTEREST_FIELDS};

api_tests!(
    create_sets_server_fields_and_defaults,
    an_interest_reads_back_exactly_as_stored,
    update_leaves_omitted_fields_alone_and_clears_explicit_nulls,
    every_update_changes_etag_and_modified_time,
    if_match_refuses_stale_writes_with_conflict,
    only_the_owner_may_update_or_delete,
    an_admin_may_write_any_profile,
    only_an_admin_creates_on_another_profile,
    delete_removes_the_interest,
    deletes_racing_updates_leave_no_side_rows_behind,
    anonymous_callers_cannot_write,
    me_and_user_describe_profiles,
);

fn is_micro_utc(value: &Value) -> bool {
    let s = value.as_str().unwrap_or_default();
    // 2026-11-28T09:30:00.123456Z
    s.len() == 27
        && s.ends_with('Z')
        && s.as_bytes()[19] == b'.'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

async fn update(
    app: &TestApp,
    token: &str,
    id: &Value,
    input: Value,
    if_match: Option<&str>,
) -> crate::helpers::GqlResponse {
    app.graphql(
        &format!(
            "mutation($id: ID!, $input: UpdateInterestInput!, $ifMatch: String) {{ updateInterest(id: $id, input: $input, ifMatch: $ifMatch) {{ {INTEREST_FIELDS} }} }}"
        ),
        json!({ "id": id, "input": input, "ifMatch": if_match }),
        Some(token),
    )
    .await
}

async fn delete(
    app: &TestApp,
    token: &str,
    id: &Value,
    if_match: Option<&str>,
) -> crate::helpers::GqlResponse {
    app.graphql(
        "mutation($id: ID!, $ifMatch: String) { deleteInterest(id: $id, ifMatch: $ifMatch) { id } }",
        json!({ "id": id, "ifMatch": if_match }),
        Some(token),
    )
    .await
}

pub async fn read(app: &TestApp, token: Option<&str>, id: &Value) -> Value {
    app.graphql(
        &format!("query($id: ID!) {{ interest(id: $id) {{ {INTEREST_FIELDS} }} }}"),
        json!({ "id": id }),
        token,
    )
    .await
    .ok()
    .data("interest")
    .clone()
}

async fn create_sets_server_fields_and_defaults(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let mut alice = User::new("alice").named("Alice Example").tenant("contoso");
    alice.claims.azp = Some("app-123".into());
    alice.claims.app_displayname = Some("Profile App".into());
    alice.claims.deviceid = Some("device-9".into());
    let token = app.token(alice);
    let created = app.create(&token, json!({ "displayName": "  Rust  " })).await;

    assert!(
        uuid::Uuid::parse_str(created["id"].as_str().unwrap()).is_ok(),
        "id is a UUID"
    );
    assert_eq!(created["userId"], "alice");
    assert_eq!(created["displayName"], "Rust", "trimmed");
    assert_eq!(created["isSearchable"], true);
    assert_eq!(created["categories"], json!([]));
    assert_eq!(created["collaborationTags"], json!([]));
    assert_eq!(created["allowedAudiences"], "ORGANIZATION");
    assert_eq!(created["description"], Value::Null);
    assert_eq!(created["inference"], Value::Null);
    assert_eq!(created["source"], Value::Null);
    assert_eq!(
        created["createdBy"],
        json!({
            "user": { "id": "alice", "displayName": "Alice Example", "tenantId": "contoso" },
            "application": { "id": "app-123", "displayName": "Profile App", "tenantId": null },
            "device": { "id": "device-9", "displayName": null, "tenantId": null },
        })
    );
    assert_eq!(created["lastModifiedBy"]["user"]["id"], "alice");
    assert!(
        is_micro_utc(&created["createdDateTime"]),
        "{}",
        created["createdDateTime"]
    );
    assert_eq!(created["createdDateTime"], created["lastModifiedDateTime"]);
    assert!(!created["etag"].as_str().unwrap().is_empty());

    // A token without app or device claims leaves those parts null.
    let bare = app
        .create(&app.token(User::new("bob")), json!({ "displayName": "Go" }))
        .await;
    assert_eq!(bare["createdBy"]["application"], Value::Null);
    assert_eq!(bare["createdBy"]["device"], Value::Null);
    assert_eq!(
        bare["createdBy"]["user"],
        json!({ "id": "bob", "displayName": null, "tenantId": null })
    );
}

async fn an_interest_reads_back_exactly_as_stored(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let created = app
        .create(
            &token,
            json!({
                "displayName": "Distributed systems",
                "description": "Consensus, replication and\nfailure detectors.",
                "webUrl": "https://example.com/ds?x=1",
                "thumbnailUrl": "http://img.example.com/ds.png",
                "isSearchable": false,
                "categories": ["Computing", "computing", " Research ", "Théorie"],
                "collaborationTags": ["WANTS_TO_LEARN", "ABLE_TO_MENTOR", "WANTS_TO_LEARN"],
                "allowedAudiences": "EVERYONE",
                "inference": { "confidenceScore": 0.75, "userHasVerifiedAccuracy": true },
                "source": { "type": ["LinkedIn", "User"] },
            }),
        )
        .await;
    assert_eq!(created["categories"], json!(["Computing", "Research", "Théorie"]));
    assert_eq!(
        created["collaborationTags"],
        json!(["WANTS_TO_LEARN", "ABLE_TO_MENTOR"])
    );
    let stored = read(&app, Some(&token), &created["id"]).await;
    assert_eq!(stored, created);
    assert_eq!(
        stored["inference"],
        json!({ "confidenceScore": 0.75, "userHasVerifiedAccuracy": true })
    );
    assert_eq!(stored["source"], json!({ "type": ["LinkedIn", "User"] }));
    assert_eq!(
        stored["description"],
        "Consensus, replication and\nfailure detectors."
    );
    assert_eq!(stored["isSearchable"], false);
}

async fn update_leaves_omitted_fields_alone_and_clears_explicit_nulls(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let created = app
        .create(
            &token,
            json!({
                "displayName": "Chess",
                "description": "Openings",
                "webUrl": "https://chess.example",
                "categories": ["Games"],
                "collaborationTags": ["ASK_ME_ABOUT"],
                "inference": { "confidenceScore": 0.5 },
                "source": { "type": ["User"] },
            }),
        )
        .await;
    let updated = update(
        &app,
        &token,
        &created["id"],
        json!({ "displayName": "Chess960", "description": null, "source": null, "categories": ["Games", "Strategy"] }),
        None,
    )
    .await
    .ok();
    let updated = updated.data("updateInterest");
    assert_eq!(updated["displayName"], "Chess960");
    assert_eq!(updated["description"], Value::Null, "explicit null clears");
    assert_eq!(updated["source"], Value::Null, "explicit null clears");
    assert_eq!(updated["webUrl"], "https://chess.example", "omitted is unchanged");
    assert_eq!(updated["inference"], created["inference"], "omitted is unchanged");
    assert_eq!(updated["collaborationTags"], json!(["ASK_ME_ABOUT"]));
    assert_eq!(updated["categories"], json!(["Games", "Strategy"]));
    assert_eq!(updated["createdDateTime"], created["createdDateTime"]);
    assert_eq!(updated["createdBy"], created["createdBy"]);
    assert_eq!(read(&app, Some(&token), &created["id"]).await, updated.clone());

    // The category filter follows the update.
    let by_category = app
        .graphql(
            "{ interests(filter: {categories: [\"strategy\"]}) { totalCount } }",
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(by_category.data("interests.totalCount"), 1);

    // null on a field that cannot be cleared is refused, and nothing changes.
    for field in [
        "displayName",
        "isSearchable",
        "categories",
        "collaborationTags",
        "allowedAudiences",
    ] {
        let response = update(&app, &token, &created["id"], json!({ field: null }), None).await;
        assert_eq!(response.code().as_deref(), Some("BAD_USER_INPUT"), "{field}");
        assert_eq!(response.field(), Some(format!("input.{field}")));
    }
    assert_eq!(read(&app, Some(&token), &created["id"]).await, updated.clone());
}

async fn every_update_changes_etag_and_modified_time(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let created = app.create(&token, json!({ "displayName": "Climbing" })).await;
    let mut last = created.clone();
    for i in 0..5 {
        let next = update(
            &app,
            &token,
            &created["id"],
            json!({ "description": format!("v{i}") }),
            None,
        )
        .await
        .ok();
        let next = next.data("updateInterest").clone();
        assert_ne!(next["etag"], last["etag"]);
        let (a, b) = (
            last["lastModifiedDateTime"].as_str().unwrap(),
            next["lastModifiedDateTime"].as_str().unwrap(),
        );
        assert!(b > a, "{b} after {a}");
        assert!(is_micro_utc(&next["lastModifiedDateTime"]));
        last = next;
    }
}

async fn if_match_refuses_stale_writes_with_conflict(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let created = app.create(&token, json!({ "displayName": "Sailing" })).await;
    let stale = created["etag"].as_str().unwrap().to_owned();
    let first = update(
        &app,
        &token,
        &created["id"],
        json!({ "description": "first" }),
        Some(&stale),
    )
    .await
    .ok();
    let current = first.data("updateInterest.etag").as_str().unwrap().to_owned();

    let conflict = update(
        &app,
        &token,
        &created["id"],
        json!({ "description": "second" }),
        Some(&stale),
    )
    .await;
    assert_eq!(conflict.code().as_deref(), Some("CONFLICT"));
    assert_eq!(
        read(&app, Some(&token), &created["id"]).await["description"],
        "first"
    );

    let refused = delete(&app, &token, &created["id"], Some(&stale)).await;
    assert_eq!(refused.code().as_deref(), Some("CONFLICT"));
    assert!(!read(&app, Some(&token), &created["id"]).await.is_null());

    delete(&app, &token, &created["id"], Some(&current)).await.ok();
    assert!(read(&app, Some(&token), &created["id"]).await.is_null());
}

async fn only_the_owner_may_update_or_delete(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let bob = app.token_for("bob");
    let public = app
        .create(
            &alice,
            json!({ "displayName": "Public", "allowedAudiences": "EVERYONE" }),
        )
        .await;
    let private = app
        .create(
            &alice,
            json!({ "displayName": "Private", "allowedAudiences": "ME" }),
        )
        .await;

    let forbidden = update(
        &app,
        &bob,
        &public["id"],
        json!({ "displayName": "Hijacked" }),
        None,
    )
    .await;
    assert_eq!(forbidden.code().as_deref(), Some("FORBIDDEN"));
    assert_eq!(
        delete(&app, &bob, &public["id"], None).await.code().as_deref(),
        Some("FORBIDDEN")
    );
    let hidden = update(
        &app,
        &bob,
        &private["id"],
        json!({ "displayName": "Hijacked" }),
        None,
    )
    .await;
    assert_eq!(hidden.code().as_deref(), Some("NOT_FOUND"));
    assert_eq!(
        delete(&app, &bob, &private["id"], None).await.code().as_deref(),
        Some("NOT_FOUND")
    );
    let missing = json!(uuid::Uuid::new_v4().to_string());
    assert_eq!(
        update(&app, &alice, &missing, json!({}), None)
            .await
            .code()
            .as_deref(),
        Some("NOT_FOUND")
    );

    assert_eq!(read(&app, Some(&alice), &public["id"]).await, public);
    assert_eq!(read(&app, Some(&alice), &private["id"]).await, private);
}

async fn an_admin_may_write_any_profile(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let admin = app.token(User::new("root").named("Root").admin());
    let private = app
        .create(
            &alice,
            json!({ "displayName": "Private", "allowedAudiences": "ME" }),
        )
        .await;
    assert_eq!(
        read(&app, Some(&admin), &private["id"]).await["displayName"],
        "Private"
    );
    let updated = update(
        &app,
        &admin,
        &private["id"],
        json!({ "description": "moderated" }),
        None,
    )
    .await
    .ok();
    assert_eq!(updated.data("updateInterest.userId"), "alice", "the owner stays");
    assert_eq!(updated.data("updateInterest.lastModifiedBy.user.id"), "root");
    assert_eq!(updated.data("updateInterest.createdBy.user.id"), "alice");
    delete(&app, &admin, &private["id"], None).await.ok();
    assert!(read(&app, Some(&alice), &private["id"]).await.is_null());
}

async fn only_an_admin_creates_on_another_profile(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let admin = app.token(User::new("root").admin());
    let response = app
        .graphql(
            "mutation { createInterest(input: {userId: \"bob\", displayName: \"Forged\"}) { id } }",
            json!({}),
            Some(&alice),
        )
        .await;
    assert_eq!(response.code().as_deref(), Some("FORBIDDEN"));
    let own = app
        .create(&alice, json!({ "userId": "alice", "displayName": "Mine" }))
        .await;
    assert_eq!(own["userId"], "alice");
    let for_bob = app
        .create(&admin, json!({ "userId": "bob", "displayName": "Given" }))
        .await;
    assert_eq!(for_bob["userId"], "bob");
    assert_eq!(for_bob["createdBy"]["user"]["id"], "root");
    let count = app
        .graphql("{ interests { totalCount } }", json!({}), Some(&admin))
        .await
        .ok();
    assert_eq!(
        count.data("interests.totalCount"),
        2,
        "the forged one was not stored"
    );
}

async fn delete_removes_the_interest(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let created = app.create(&token, json!({ "displayName": "Go", "categories": ["Programming"], "collaborationTags": ["ABLE_TO_MENTOR"] })).await;
    let deleted = delete(&app, &token, &created["id"], None).await.ok();
    assert_eq!(deleted.data("deleteInterest.id"), &created["id"]);
    assert!(read(&app, Some(&token), &created["id"]).await.is_null());
    assert_eq!(
        delete(&app, &token, &created["id"], None).await.code().as_deref(),
        Some("NOT_FOUND")
    );
    let filtered = app
        .graphql(
            "{ a: interests(filter: {categories: [\"programming\"]}) { totalCount } b: interests(filter: {collaborationTags: [ABLE_TO_MENTOR]}) { totalCount } }",
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(filtered.data("a.totalCount"), 0);
    assert_eq!(filtered.data("b.totalCount"), 0);
    assert_eq!(db.orphan_side_rows().await, 0);
}

/// An update rewrites an interest's category, tag and pair rows; a delete arriving meanwhile
/// must neither deadlock with it (as when the delete took the side rows first) nor leave any of
/// the rows the update wrote.
async fn deletes_racing_updates_leave_no_side_rows_behind(db: TestDatabase) {
    const N: usize = 24;
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let mut ids = Vec::new();
    for i in 0..N {
        let created = app
            .create(
                &token,
                json!({ "displayName": format!("Topic {i}"), "categories": ["Go", "Rust"],
                        "collaborationTags": ["ABLE_TO_MENTOR"] }),
            )
            .await;
        ids.push(created["id"].clone());
    }
    let races = ids.iter().enumerate().map(|(i, id)| {
        let (app, token) = (&app, &token);
        async move {
            let update = update(
                app,
                token,
                id,
                json!({ "categories": [format!("New {i}"), "Databases", "Rust"],
                        "collaborationTags": ["WANTS_TO_LEARN", "ABLE_TO_MENTOR"] }),
                None,
            );
            let delete = delete(app, token, id, None);
            // Half the deletes are sent first.
            let (updated, deleted) = if i % 2 == 0 {
                futures_util::join!(update, delete)
            } else {
                let (deleted, updated) = futures_util::join!(delete, update);
                (updated, deleted)
            };
            assert_eq!(deleted.ok().data("deleteInterest.id"), id, "race {i}");
            // The update either ran before the delete or found the interest gone.
            match updated.code() {
                None => assert_eq!(updated.data("updateInterest.id"), id, "race {i}"),
                Some(code) => assert_eq!(code, "NOT_FOUND", "race {i}"),
            }
        }
    });
    futures_util::future::join_all(races).await;
    for id in &ids {
        assert!(read(&app, Some(&token), id).await.is_null());
    }
    assert_eq!(db.orphan_side_rows().await, 0);
    let left = app
        .graphql(
            "{ a: interests(filter: {categories: [\"rust\"]}) { totalCount } \
               b: interests(filter: {collaborationTags: [ABLE_TO_MENTOR]}) { totalCount } \
               c: interests(filter: {collaborationTags: [ABLE_TO_MENTOR], categories: [\"rust\"]}, \
                            orderBy: {field: CREATED_DATE_TIME, direction: DESC}) { totalCount } }",
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    for alias in ["a", "b", "c"] {
        assert_eq!(left.data(&format!("{alias}.totalCount")), 0, "{alias}");
    }
}

async fn anonymous_callers_cannot_write(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let created = app
        .create(
            &alice,
            json!({ "displayName": "Public", "allowedAudiences": "EVERYONE" }),
        )
        .await;
    let create = app
        .graphql(
            "mutation { createInterest(input: {displayName: \"Anon\"}) { id } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(create.code().as_deref(), Some("UNAUTHENTICATED"));
    assert_eq!(
        update(&app, "", &created["id"], json!({}), None).await.status,
        401,
        "an empty bearer token is bad"
    );
    let anonymous_update = app
        .graphql(
            "mutation($id: ID!) { updateInterest(id: $id, input: {displayName: \"X\"}) { id } }",
            json!({ "id": created["id"] }),
            None,
        )
        .await;
    assert_eq!(anonymous_update.code().as_deref(), Some("UNAUTHENTICATED"));
    let anonymous_delete = app
        .graphql(
            "mutation($id: ID!) { deleteInterest(id: $id) { id } }",
            json!({ "id": created["id"] }),
            None,
        )
        .await;
    assert_eq!(anonymous_delete.code().as_deref(), Some("UNAUTHENTICATED"));
    let count = app
        .graphql("{ interests { totalCount } }", json!({}), Some(&alice))
        .await
        .ok();
    assert_eq!(count.data("interests.totalCount"), 1);
    assert_eq!(read(&app, None, &created["id"]).await["displayName"], "Public");
}

async fn me_and_user_describe_profiles(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token(User::new("alice").named("Alice"));
    app.create(&token, json!({ "displayName": "Rust" })).await;
    let me = app
        .graphql(
            "{ me { id displayName interests { totalCount nodes { displayName } } } }",
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(me.data("me.id"), "alice");
    assert_eq!(me.data("me.displayName"), "Alice");
    assert_eq!(me.data("me.interests.nodes"), &json!([{ "displayName": "Rust" }]));
    let user = app
        .graphql(
            "{ user(id: \"alice\") { id interests { totalCount } } }",
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(user.data("user.id"), "alice");
    assert_eq!(user.data("user.interests.totalCount"), 1);
    for (query, field) in [
        ("{ interest(id: \"not-a-uuid\") { id } }", "id"),
        ("{ user(id: \"\") { id } }", "id"),
        ("{ user(id: \"has space\") { id } }", "id"),
        ("mutation { deleteInterest(id: \"42\") { id } }", "id"),
        ("mutation { updateInterest(id: \"x\", input: {}) { id } }", "id"),
    ] {
        let response = app.graphql(query, json!({}), Some(&token)).await;
        assert_eq!(response.code().as_deref(), Some("BAD_USER_INPUT"), "{query}");
        assert_eq!(response.field().as_deref(), Some(field), "{query}");
    }
}
