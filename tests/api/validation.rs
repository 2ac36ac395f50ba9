//! Every validation rule of API.md §3: BAD_USER_INPUT, the exact field, nothing stored.

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, TestDatabase};

api_tests!(
    bad_create_inputs_are_refused_with_their_field_and_store_nothing,
    bad_update_inputs_are_refused_with_their_field_and_change_nothing,
    bad_list_arguments_are_refused_with_their_field,
    inputs_at_the_limits_are_accepted,
);

/// (input fields added to a valid create input, expected `extensions.field`)
fn bad_inputs() -> Vec<(Value, &'static str)> {
    vec![
        (json!({ "displayName": "" }), "input.displayName"),
        (json!({ "displayName": "   " }), "input.displayName"),
        (json!({ "displayName": "x".repeat(257) }), "input.displayName"),
        (json!({ "displayName": "tab\there" }), "input.displayName"),
        (json!({ "displayName": "bell\u{7}" }), "input.displayName"),
        (json!({ "description": "d".repeat(4001) }), "input.description"),
        (json!({ "description": "nul\u{0}inside" }), "input.description"),
        (json!({ "webUrl": "example.com/no-scheme" }), "input.webUrl"),
        (json!({ "webUrl": "ftp://example.com/file" }), "input.webUrl"),
        (json!({ "webUrl": "javascript:alert(1)" }), "input.webUrl"),
        (
            json!({ "webUrl": format!("https://example.com/{}", "a".repeat(2048)) }),
            "input.webUrl",
        ),
        (json!({ "thumbnailUrl": "/relative.png" }), "input.thumbnailUrl"),
        (
            json!({ "categories": (0..51).map(|i| format!("c{i}")).collect::<Vec<_>>() }),
            "input.categories",
        ),
        (
            json!({ "categories": ["ok", "ok2", "ok3", "  "] }),
            "input.categories[3]",
        ),
        (json!({ "categories": ["c".repeat(101)] }), "input.categories[0]"),
        (
            json!({ "allowedAudiences": "UNKNOWN_FUTURE_VALUE" }),
            "input.allowedAudiences",
        ),
        (
            json!({ "inference": { "confidenceScore": 1.5 } }),
            "input.inference.confidenceScore",
        ),
        (
            json!({ "inference": { "confidenceScore": -0.1 } }),
            "input.inference.confidenceScore",
        ),
        (
            json!({ "source": { "type": (0..21).map(|i| i.to_string()).collect::<Vec<_>>() } }),
            "input.source.type",
        ),
        (
            json!({ "source": { "type": ["ok", ""] } }),
            "input.source.type[1]",
        ),
        (
            json!({ "source": { "type": ["s".repeat(101)] } }),
            "input.source.type[0]",
        ),
    ]
}

fn merged(base: Value, extra: &Value) -> Value {
    let mut base = base;
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

async fn bad_create_inputs_are_refused_with_their_field_and_store_nothing(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let mut user_id_cases = vec![(json!({ "userId": "" }), "input.userId")];
    for (extra, field) in bad_inputs().into_iter().chain(user_id_cases.drain(..)) {
        let input = merged(json!({ "displayName": "Valid" }), &extra);
        let response = app
            .graphql(
                "mutation($input: CreateInterestInput!) { createInterest(input: $input) { id } }",
                json!({ "input": input }),
                Some(&token),
            )
            .await;
        assert_eq!(
            response.code().as_deref(),
            Some("BAD_USER_INPUT"),
            "{extra}: {:#}",
            response.body
        );
        assert_eq!(response.field().as_deref(), Some(field), "{extra}");
        let message = response.errors()[0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            !message.is_empty() && !message.to_lowercase().contains("sql"),
            "{message}"
        );
    }
    assert_eq!(
        app.total_count(Some(&token), json!({})).await,
        0,
        "nothing was stored"
    );
}

async fn bad_update_inputs_are_refused_with_their_field_and_change_nothing(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let created = app
        .create(
            &token,
            json!({ "displayName": "Original", "categories": ["Keep"] }),
        )
        .await;
    for (input, field) in bad_inputs() {
        let response = app
            .graphql(
                "mutation($id: ID!, $input: UpdateInterestInput!) { updateInterest(id: $id, input: $input) { id } }",
                json!({ "id": created["id"], "input": input }),
                Some(&token),
            )
            .await;
        assert_eq!(response.code().as_deref(), Some("BAD_USER_INPUT"), "{input}");
        assert_eq!(response.field().as_deref(), Some(field), "{input}");
    }
    let after = crate::interests::read(&app, Some(&token), &created["id"]).await;
    assert_eq!(after, created, "nothing changed");
}

async fn bad_list_arguments_are_refused_with_their_field(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let cases = [
        ("{ interests(first: 101) { totalCount } }", "first"),
        ("{ interests(first: -1) { totalCount } }", "first"),
        ("{ interests(last: 101) { totalCount } }", "last"),
        ("{ interests(first: 1, last: 1) { totalCount } }", "last"),
        ("{ interests(after: \"not-a-cursor\") { totalCount } }", "after"),
        (
            "{ interests(before: \"eyJvIjoiY2EifQ\") { totalCount } }",
            "before",
        ),
        (
            "{ interests(filter: {userIds: [\"\"]}) { totalCount } }",
            "filter.userIds[0]",
        ),
        (
            "{ interests(filter: {categories: [\"ok\", \" \"]}) { totalCount } }",
            "filter.categories[1]",
        ),
        (
            "{ user(id: \"alice\") { interests(first: 500) { totalCount } } }",
            "first",
        ),
    ];
    for (query, field) in cases {
        let response = app.graphql(query, json!({}), Some(&token)).await;
        assert_eq!(
            response.code().as_deref(),
            Some("BAD_USER_INPUT"),
            "{query}: {:#}",
            response.body
        );
        assert_eq!(response.field().as_deref(), Some(field), "{query}");
    }
}

async fn inputs_at_the_limits_are_accepted(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let created = app
        .create(
            &token,
            json!({
                "displayName": "é".repeat(256),
                "description": "d".repeat(4000),
                "webUrl": format!("https://example.com/{}", "a".repeat(2048 - 20)),
                "categories": (0..50).map(|i| format!("{i:0>100}")).collect::<Vec<_>>(),
                "inference": { "confidenceScore": 1.0 },
                "source": { "type": (0..20).map(|i| format!("{i:0>100}")).collect::<Vec<_>>() },
            }),
        )
        .await;
    assert_eq!(created["displayName"].as_str().unwrap().chars().count(), 256);
    assert_eq!(created["categories"].as_array().unwrap().len(), 50);
    assert_eq!(created["source"]["type"].as_array().unwrap().len(), 20);
    assert_eq!(created["webUrl"].as_str().unwrap().len(), 2048);
}
