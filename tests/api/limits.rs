//! Limits against hostile queries, introspection switch and CORS, all from configuration.

use std::time::Duration;

use serde_json::json;

use crate::api_tests;
use crate::helpers::{spawn_app, spawn_app_with, TestDatabase};

api_tests!(
    depth_complexity_aliases_and_recursion_are_capped,
    an_operation_running_past_the_timeout_gets_a_clean_error,
    introspection_can_be_switched_off,
    cors_allows_only_the_configured_origins,
);

async fn depth_complexity_aliases_and_recursion_are_capped(db: TestDatabase) {
    let app = spawn_app_with(&db, |s| {
        s.max_depth = 4;
        s.max_complexity = 12;
        s.max_aliases = 3;
        s.max_recursion = 12;
    })
    .await;
    let token = app.token_for("alice");
    let fine = "{ interests { totalCount } }";
    app.graphql(fine, json!({}), Some(&token)).await.ok();
    let deep = "{ interests { nodes { createdBy { user { id } } } } }";
    let complex = "{ interests { nodes { id userId displayName description webUrl thumbnailUrl isSearchable categories collaborationTags allowedAudiences etag } } }";
    let aliased = "{ a: interests { totalCount } b: interests { totalCount } c: interests { totalCount } d: interests { totalCount } }";
    let aliased_in_fragment =
        "query { ...F } fragment F on Query { a: me { id } b: me { id } c: me { id } d: me { id } }";
    let nested_fragments = format!(
        "{{ {} __typename {} }}",
        "... on Query { ".repeat(20),
        "} ".repeat(20)
    );
    for query in [
        deep,
        complex,
        aliased,
        aliased_in_fragment,
        nested_fragments.as_str(),
    ] {
        let r = app.graphql(query, json!({}), Some(&token)).await;
        assert_eq!(
            r.code().as_deref(),
            Some("QUERY_TOO_COMPLEX"),
            "{query}: {:#}",
            r.body
        );
        assert!(r.body.get("data").is_none(), "{query}: refused before execution");
    }
}

async fn an_operation_running_past_the_timeout_gets_a_clean_error(db: TestDatabase) {
    // The batched name loader waits 500 ms for keys: an operation that needs a name runs past a
    // 100 ms limit, deterministically.
    let app = spawn_app_with(&db, |s| {
        s.request_timeout = Duration::from_millis(100);
        s.batch_window = Duration::from_millis(500);
    })
    .await;
    let token = app.token_for("alice");
    app.create(&token, json!({ "displayName": "Slow" })).await;
    let r = app
        .graphql(
            "{ interests { nodes { user { displayName } } } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(r.code().as_deref(), Some("QUERY_TOO_COMPLEX"), "{:#}", r.body);
    assert!(r.errors()[0]["message"].as_str().unwrap().contains("100 ms"));
    // Quick operations are unaffected.
    app.graphql("{ interests { totalCount } }", json!({}), Some(&token))
        .await
        .ok();
}

async fn introspection_can_be_switched_off(db: TestDatabase) {
    let open = spawn_app(&db).await;
    open.graphql("{ __schema { queryType { name } } }", json!({}), None)
        .await
        .ok();
    let closed = spawn_app_with(&db, |s| s.introspection = false).await;
    for query in [
        "{ __schema { queryType { name } } }",
        "{ __type(name: \"User\") { name } }",
        "query { ...F } fragment F on Query { __schema { types { name } } }",
    ] {
        let r = closed.graphql(query, json!({}), None).await;
        assert_eq!(
            r.code().as_deref(),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{query}: {:#}",
            r.body
        );
    }
    closed
        .graphql("{ __typename interests { totalCount } }", json!({}), None)
        .await
        .ok();
}

async fn cors_allows_only_the_configured_origins(db: TestDatabase) {
    let app = spawn_app_with(&db, |s| s.cors_origins = vec!["https://app.example.com".into()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,authorization")
            .send()
    };
    let allowed = preflight("https://app.example.com").await.unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("POST"), "{methods}");
    let denied = preflight("https://evil.example.com").await.unwrap();
    assert!(denied.headers().get("access-control-allow-origin").is_none());
    let actual = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://app.example.com")
        .json(&json!({ "query": "{ interests { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        actual.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    // Without configuration: same origin only, no CORS headers at all.
    let plain = spawn_app(&db).await;
    let r = plain
        .client
        .post(plain.url("/graphql"))
        .header("origin", "https://app.example.com")
        .json(&json!({ "query": "{ interests { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}
