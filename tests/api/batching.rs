//! No N+1: nested reads cost a fixed number of SQL statements whatever the page size,
//! counted on `/metrics` (`interest_gateway_db_statements_total`).

use serde_json::{json, Value};

use crate::api_tests;
use std::time::Duration;

use crate::helpers::{spawn_app_with, TestApp, TestDatabase, User};

api_tests!(
    a_page_with_owners_and_their_interests_costs_the_same_at_any_size,
    many_profiles_in_one_query_cost_the_same_as_two,
    a_lookup_by_id_is_one_statement_and_counted,
);

/// Statements one request costs, and its response.
async fn cost(app: &TestApp, token: &str, query: &str) -> (u64, Value) {
    let before = app.statements().await;
    let response = app.graphql(query, json!({}), Some(token)).await.ok();
    (app.statements().await - before, response.body)
}

async fn seed(app: &TestApp, people: usize) {
    for p in 0..people {
        let token = app.token(User::new(&format!("user{p:02}")).named(&format!("User {p:02}")));
        for i in 0..3 {
            app.create(
                &token,
                json!({ "displayName": format!("Topic {p}-{i}"), "allowedAudiences": "EVERYONE" }),
            )
            .await;
        }
    }
}

async fn a_page_with_owners_and_their_interests_costs_the_same_at_any_size(db: TestDatabase) {
    // A window wide enough that timing on a busy test machine never splits a batch: what is
    // measured is whether reads are batched at all.
    let app = spawn_app_with(&db, |s| s.batch_window = Duration::from_millis(100)).await;
    seed(&app, 12).await;
    let viewer = app.token(User::new("viewer").named("Viewer"));
    let page = |n: usize| {
        format!(
            "{{ interests(first: {n}) {{ nodes {{ id user {{ id displayName interests(first: 2) {{ totalCount nodes {{ id userId }} }} }} }} }} }}"
        )
    };
    cost(&app, &viewer, &page(1)).await; // records the viewer in the directory
    let mut costs = Vec::new();
    for n in [2, 12, 36] {
        let (statements, body) = cost(&app, &viewer, &page(n)).await;
        let nodes = body["data"]["interests"]["nodes"].as_array().unwrap().clone();
        assert_eq!(nodes.len(), n);
        for node in &nodes {
            let user = &node["user"];
            let id = user["id"].as_str().unwrap();
            assert_eq!(
                user["displayName"],
                format!("User {}", &id[4..]),
                "names are loaded for each owner"
            );
            assert_eq!(user["interests"]["totalCount"], 3);
            let theirs = user["interests"]["nodes"].as_array().unwrap();
            assert_eq!(theirs.len(), 2);
            assert!(
                theirs.iter().all(|i| i["userId"] == id),
                "each profile gets its own interests"
            );
        }
        costs.push(statements);
    }
    assert!(
        costs.iter().all(|c| *c == costs[0]),
        "statements per request by page size 2, 12, 36: {costs:?}"
    );
    assert!(costs[0] <= 5, "a handful of statements: {costs:?}");
}

async fn many_profiles_in_one_query_cost_the_same_as_two(db: TestDatabase) {
    // A window wide enough that timing on a busy test machine never splits a batch: what is
    // measured is whether reads are batched at all.
    let app = spawn_app_with(&db, |s| s.batch_window = Duration::from_millis(100)).await;
    seed(&app, 10).await;
    let viewer = app.token(User::new("viewer"));
    let profiles = |n: usize| {
        let fields: String = (0..n)
            .map(|p| format!("u{p}: user(id: \"user{p:02}\") {{ displayName interests {{ totalCount nodes {{ displayName }} }} }} "))
            .collect();
        format!("{{ {fields} }}")
    };
    cost(&app, &viewer, &profiles(1)).await;
    let (two, _) = cost(&app, &viewer, &profiles(2)).await;
    let (ten, body) = cost(&app, &viewer, &profiles(10)).await;
    assert_eq!(two, ten, "2 profiles cost {two} statements, 10 cost {ten}");
    assert_eq!(body["data"]["u7"]["displayName"], "User 07");
    assert_eq!(body["data"]["u7"]["interests"]["totalCount"], 3);
    assert_eq!(
        body["data"]["u7"]["interests"]["nodes"],
        json!([{ "displayName": "Topic 7-0" }, { "displayName": "Topic 7-1" }, { "displayName": "Topic 7-2" }])
    );
}

/// `interest(id)` and profiles' first pages run past sea-orm's executor on PostgreSQL
/// (`db::Reader`); each is still one statement, and `/metrics` still counts it.
async fn a_lookup_by_id_is_one_statement_and_counted(db: TestDatabase) {
    let app = spawn_app_with(&db, |_| {}).await;
    let owner = app.token(User::new("owner"));
    let mine = app
        .create(&owner, json!({ "displayName": "Mine", "allowedAudiences": "ME" }))
        .await;
    let stranger = app.token(User::new("stranger"));
    let lookup = |id: &Value| format!("{{ interest(id: {id}) {{ displayName }} }}");
    for (token, seen) in [(&owner, true), (&stranger, false), (&owner, true)] {
        cost(&app, token, "{ __typename }").await; // records the caller in the directory
        let (statements, body) = cost(&app, token, &lookup(&mine["id"])).await;
        assert_eq!(statements, 1, "{body}");
        assert_eq!(body["data"]["interest"].is_null(), !seen, "{body}");
    }
    // A profile's first page (also past the executor on PostgreSQL) is one more statement.
    let (profile, _) = cost(&app, &stranger, "{ user(id: \"owner\") { id } }").await;
    let first_page = "{ user(id: \"owner\") { id interests(first: 5) { nodes { id } } } }";
    for (token, seen) in [(&stranger, false), (&owner, true)] {
        let (page, body) = cost(&app, token, first_page).await;
        assert_eq!(page, profile + 1, "{body}");
        let nodes = body["data"]["user"]["interests"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(
            nodes.first().map(|n| &n["id"]),
            seen.then_some(&mine["id"]),
            "{body}"
        );
    }
}
