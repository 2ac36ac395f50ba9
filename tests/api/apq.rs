//! Automatic persisted queries as Apollo Client sends them, over POST, GET and in batches.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::api_tests;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, TestDatabase};

api_tests!(
    an_unknown_hash_is_not_found_until_the_query_is_sent_with_it,
    persisted_queries_run_over_get_with_the_csrf_rules,
    the_cache_is_bounded,
);

fn sha(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn ext(query: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": sha(query) } })
}

async fn post(app: &TestApp, body: Value, accept: &str) -> crate::helpers::GqlResponse {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", accept)
        .json(&body)
        .send()
        .await
        .unwrap();
    TestApp::read(response).await
}

const COUNT: &str = "query Count { interests { totalCount } }";

async fn an_unknown_hash_is_not_found_until_the_query_is_sent_with_it(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let missing = post(&app, json!({ "extensions": ext(COUNT) }), "application/json").await;
    assert_eq!(missing.status, 200);
    assert_eq!(missing.code().as_deref(), Some("PERSISTED_QUERY_NOT_FOUND"));
    assert_eq!(
        missing.errors()[0]["message"],
        "PersistedQueryNotFound",
        "the message Apollo Client looks for"
    );
    let modern = post(
        &app,
        json!({ "extensions": ext(COUNT) }),
        "application/graphql-response+json",
    )
    .await;
    assert_eq!(modern.status, 400);
    assert_eq!(modern.code().as_deref(), Some("PERSISTED_QUERY_NOT_FOUND"));

    let registered = post(
        &app,
        json!({ "query": COUNT, "extensions": ext(COUNT) }),
        "application/json",
    )
    .await
    .ok();
    assert_eq!(registered.data("interests.totalCount"), 0);
    let by_hash = post(
        &app,
        json!({ "extensions": ext(COUNT), "operationName": "Count" }),
        "application/json",
    )
    .await
    .ok();
    assert_eq!(by_hash.data("interests.totalCount"), 0);

    let mismatch = post(
        &app,
        json!({ "query": "{ interests { totalCount } }", "extensions": ext(COUNT) }),
        "application/json",
    )
    .await;
    assert_eq!(mismatch.code().as_deref(), Some("BAD_USER_INPUT"));
    for bad in [
        json!({ "persistedQuery": { "version": 2, "sha256Hash": sha(COUNT) } }),
        json!({ "persistedQuery": { "version": 1, "sha256Hash": "not-a-hash" } }),
    ] {
        let r = post(&app, json!({ "extensions": bad }), "application/json").await;
        assert_eq!(r.code().as_deref(), Some("BAD_USER_INPUT"), "{bad}");
    }
    // In a batch, each item on its own.
    let other = "{ me { id } }";
    let batch = post(
        &app,
        json!([{ "extensions": ext(COUNT) }, { "extensions": ext(other) }]),
        "application/json",
    )
    .await;
    let results = batch.body.as_array().unwrap();
    assert_eq!(results[0]["data"]["interests"]["totalCount"], 0);
    assert_eq!(
        results[1]["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
}

async fn persisted_queries_run_over_get_with_the_csrf_rules(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    post(
        &app,
        json!({ "query": COUNT, "extensions": ext(COUNT) }),
        "application/json",
    )
    .await
    .ok();
    let get = |preflight: bool, extensions: Value| {
        let mut request = app
            .client
            .get(app.url("/graphql"))
            .query(&[
                ("extensions", extensions.to_string()),
                ("operationName", "Count".to_owned()),
            ])
            .bearer_auth(&token);
        if preflight {
            request = request.header("apollo-require-preflight", "true");
        }
        request.send()
    };
    let ok = TestApp::read(get(true, ext(COUNT)).await.unwrap()).await.ok();
    assert_eq!(ok.data("interests.totalCount"), 0);
    assert_eq!(
        get(false, ext(COUNT)).await.unwrap().status(),
        400,
        "a GET still needs a preflight header"
    );
    let mutation = "mutation Add { createInterest(input: {displayName: \"Via GET\"}) { id } }";
    let registered = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": mutation, "extensions": ext(mutation) }))
        .send()
        .await
        .unwrap();
    TestApp::read(registered).await.ok();
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("extensions", ext(mutation).to_string())])
        .header("apollo-require-preflight", "true")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405, "a persisted mutation is still a mutation");
    assert_eq!(
        app.total_count(Some(&token), json!({})).await,
        1,
        "only the POST created one"
    );
}

async fn the_cache_is_bounded(db: TestDatabase) {
    let app = spawn_app_with(&db, |s| s.persisted_queries = 1).await;
    let a = "query A { interests { totalCount } }";
    let b = "query B { interests { totalCount } }";
    post(
        &app,
        json!({ "query": a, "extensions": ext(a) }),
        "application/json",
    )
    .await
    .ok();
    post(
        &app,
        json!({ "query": b, "extensions": ext(b) }),
        "application/json",
    )
    .await
    .ok();
    let evicted = post(&app, json!({ "extensions": ext(a) }), "application/json").await;
    assert_eq!(evicted.code().as_deref(), Some("PERSISTED_QUERY_NOT_FOUND"));
    post(&app, json!({ "extensions": ext(b) }), "application/json")
        .await
        .ok();
}
