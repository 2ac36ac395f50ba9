//! Full-text `search`: words as prefixes over displayName, description and categories, ranked
//! without orderBy, combined with filters and visibility, and `isSearchable: false` honoured.

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, TestApp, TestDatabase, User};

api_tests!(
    search_matches_every_word_as_a_prefix_in_any_field,
    a_search_without_order_is_ranked_and_pages_by_cursor,
    search_combines_with_filters_and_visibility,
    unsearchable_interests_stay_out_of_other_peoples_search,
    the_index_follows_updates_and_deletes,
    a_search_without_words_is_refused,
);

const SEARCH: &str = "query($f: InterestFilter, $first: Int, $after: String, $order: InterestOrder) {
  interests(filter: $f, first: $first, after: $after, orderBy: $order) {
    totalCount nodes { displayName } pageInfo { hasNextPage endCursor } } }";

async fn search(app: &TestApp, token: Option<&str>, filter: Value) -> Vec<String> {
    let r = app
        .graphql(SEARCH, json!({ "f": filter, "first": 100 }), token)
        .await
        .ok();
    let names: Vec<String> = r
        .data("interests.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["displayName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        r.data("interests.totalCount"),
        names.len() as i64,
        "totalCount agrees with the list"
    );
    names
}

async fn seed(app: &TestApp, token: &str) {
    for input in [
        json!({ "displayName": "Rust programming", "description": "Systems language with ownership", "categories": ["Compilers"], "allowedAudiences": "EVERYONE", "collaborationTags": ["ABLE_TO_MENTOR"] }),
        json!({ "displayName": "Piano", "description": "Classical music and jazz", "categories": ["Music"], "allowedAudiences": "EVERYONE" }),
        json!({ "displayName": "Distributed systems", "description": "Consensus protocols", "categories": ["Computing"], "allowedAudiences": "EVERYONE", "collaborationTags": ["WANTS_TO_LEARN"] }),
    ] {
        app.create(token, input).await;
    }
}

async fn search_matches_every_word_as_a_prefix_in_any_field(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    seed(&app, &alice).await;
    let mut cases: Vec<(&str, Vec<&str>)> = vec![
        ("rust", vec!["Rust programming"]),
        ("PROGRAM", vec!["Rust programming"]),
        ("compil", vec!["Rust programming"]),
        ("jazz", vec!["Piano"]),
        ("music piano", vec!["Piano"]),
        ("piano rust", vec![]),
        ("nothing", vec![]),
    ];
    // Both mention "systems": order them to compare.
    let mut both = search(&app, Some(&alice), json!({ "search": "syst" })).await;
    both.sort();
    assert_eq!(both, ["Distributed systems", "Rust programming"]);
    for (query, expected) in cases.drain(..) {
        assert_eq!(
            search(&app, Some(&alice), json!({ "search": query })).await,
            expected,
            "{query}"
        );
    }
    // Anonymous callers search EVERYONE interests too.
    assert_eq!(
        search(&app, None, json!({ "search": "consensus" })).await,
        ["Distributed systems"]
    );
}

async fn a_search_without_order_is_ranked_and_pages_by_cursor(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    app.create(
        &alice,
        json!({ "displayName": "Music theory", "description": "Harmony, with a little guitar" }),
    )
    .await;
    app.create(&alice, json!({ "displayName": "Guitar", "description": "Guitar lessons and guitar chords", "categories": ["Guitar"] }))
        .await;
    app.create(&alice, json!({ "displayName": "Cooking" })).await;
    let ranked = search(&app, Some(&alice), json!({ "search": "guitar" })).await;
    assert_eq!(ranked, ["Guitar", "Music theory"], "the closer match first");
    // Page by page with cursors: the same order, nothing twice.
    let first = app
        .graphql(
            SEARCH,
            json!({ "f": { "search": "guitar" }, "first": 1 }),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        first.data("interests.nodes"),
        &json!([{ "displayName": "Guitar" }])
    );
    assert_eq!(first.data("interests.pageInfo.hasNextPage"), true);
    let after = first.data("interests.pageInfo.endCursor").clone();
    let second = app
        .graphql(
            SEARCH,
            json!({ "f": { "search": "guitar" }, "first": 1, "after": after }),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        second.data("interests.nodes"),
        &json!([{ "displayName": "Music theory" }])
    );
    assert_eq!(second.data("interests.pageInfo.hasNextPage"), false);
    // An explicit order wins over rank.
    let by_name = app
        .graphql(SEARCH, json!({ "f": { "search": "guitar" }, "first": 10, "order": { "field": "DISPLAY_NAME", "direction": "DESC" } }), Some(&alice))
        .await
        .ok();
    assert_eq!(
        by_name.data("interests.nodes"),
        &json!([{ "displayName": "Music theory" }, { "displayName": "Guitar" }])
    );
    // A ranked cursor does not fit another order.
    let mixed = app.graphql(SEARCH, json!({ "f": { "search": "guitar" }, "first": 1, "after": after, "order": { "field": "DISPLAY_NAME" } }), Some(&alice)).await;
    assert_eq!(mixed.code().as_deref(), Some("BAD_USER_INPUT"));
}

async fn search_combines_with_filters_and_visibility(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let bob = app.token(User::new("bob").tenant("elsewhere"));
    seed(&app, &alice).await;
    app.create(
        &bob,
        json!({ "displayName": "Rust secrets", "allowedAudiences": "ME" }),
    )
    .await;
    app.create(
        &bob,
        json!({ "displayName": "Rust for everyone", "allowedAudiences": "EVERYONE" }),
    )
    .await;
    let mut seen = search(&app, Some(&alice), json!({ "search": "rust" })).await;
    seen.sort();
    assert_eq!(
        seen,
        ["Rust for everyone", "Rust programming"],
        "bob's ME interest stays hidden"
    );
    let mut own = search(&app, Some(&bob), json!({ "search": "rust" })).await;
    own.sort();
    assert_eq!(own, ["Rust for everyone", "Rust programming", "Rust secrets"]);
    assert_eq!(
        search(
            &app,
            Some(&alice),
            json!({ "search": "rust", "userIds": ["alice"] })
        )
        .await,
        ["Rust programming"]
    );
    assert_eq!(
        search(
            &app,
            Some(&alice),
            json!({ "search": "syst", "collaborationTags": ["WANTS_TO_LEARN"] })
        )
        .await,
        ["Distributed systems"]
    );
    assert_eq!(
        search(
            &app,
            Some(&alice),
            json!({ "search": "syst", "categories": ["compilers"] })
        )
        .await,
        ["Rust programming"]
    );
    let profile = app
        .graphql(
            "{ user(id: \"bob\") { interests(filter: {search: \"rust\"}) { totalCount } } }",
            json!({}),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(profile.data("user.interests.totalCount"), 1);
}

async fn unsearchable_interests_stay_out_of_other_peoples_search(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let bob = app.token_for("bob");
    app.create(
        &alice,
        json!({ "displayName": "Hidden hobby", "isSearchable": false, "allowedAudiences": "EVERYONE" }),
    )
    .await;
    assert_eq!(
        search(&app, Some(&bob), json!({ "search": "hidden" })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&app, None, json!({ "search": "hidden" })).await,
        Vec::<String>::new()
    );
    let admin = app.token(User::new("root").admin());
    assert_eq!(
        search(&app, Some(&admin), json!({ "search": "hidden" })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&app, Some(&alice), json!({ "search": "hidden" })).await,
        ["Hidden hobby"],
        "the owner finds it"
    );
    // Still on the profile for others.
    let profile = app
        .graphql(
            "{ user(id: \"alice\") { interests { nodes { displayName } } } }",
            json!({}),
            Some(&bob),
        )
        .await
        .ok();
    assert_eq!(
        profile.data("user.interests.nodes"),
        &json!([{ "displayName": "Hidden hobby" }])
    );
}

async fn the_index_follows_updates_and_deletes(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let created = app
        .create(
            &alice,
            json!({ "displayName": "Sailing", "categories": ["Outdoors"] }),
        )
        .await;
    assert_eq!(
        search(&app, Some(&alice), json!({ "search": "sailing" })).await,
        ["Sailing"]
    );
    app.graphql(
        "mutation($id: ID!) { updateInterest(id: $id, input: {displayName: \"Kayaking\", categories: [\"Paddling\"]}) { id } }",
        json!({ "id": created["id"] }),
        Some(&alice),
    )
    .await
    .ok();
    assert_eq!(
        search(&app, Some(&alice), json!({ "search": "sailing" })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&app, Some(&alice), json!({ "search": "outdoors" })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&app, Some(&alice), json!({ "search": "paddling kayak" })).await,
        ["Kayaking"]
    );
    app.graphql(
        "mutation($id: ID!) { deleteInterest(id: $id) { id } }",
        json!({ "id": created["id"] }),
        Some(&alice),
    )
    .await
    .ok();
    assert_eq!(
        search(&app, Some(&alice), json!({ "search": "kayak" })).await,
        Vec::<String>::new()
    );
}

async fn a_search_without_words_is_refused(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    for query in ["", "  ", "!!! ???", &"word ".repeat(17), &"x".repeat(257)] {
        let r = app
            .graphql(SEARCH, json!({ "f": { "search": query } }), Some(&alice))
            .await;
        assert_eq!(r.code().as_deref(), Some("BAD_USER_INPUT"), "{query:?}");
        assert_eq!(r.field().as_deref(), Some("filter.search"));
    }
}
