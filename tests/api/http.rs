//! GraphQL over HTTP: content types, GET rules, Accept, status codes, tokens, batches.

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, TestDatabase, User};

api_tests!(
    health_and_readiness_answer_200,
    graphiql_is_served_offline_at_the_root_and_for_browsers,
    a_text_plain_form_or_multipart_post_is_refused_and_changes_nothing,
    a_get_runs_only_with_a_preflight_header,
    a_mutation_over_get_is_405_with_allow_post_and_changes_nothing,
    the_accept_header_picks_the_response_type,
    parse_and_validation_errors_carry_their_codes,
    a_document_validated_before_is_still_checked_against_each_requests_variables,
    operation_resolution_failures_carry_their_code,
    a_bad_expired_or_foreign_token_is_401_never_anonymous,
    a_token_remembered_as_verified_still_expires,
    malformed_requests_are_400_with_a_code,
    batches_run_each_operation_and_are_capped,
    an_oversized_body_is_413,
    the_introspection_query_of_tools_passes_and_deeper_queries_are_refused,
);

const COUNT: &str = "{ interests { totalCount } }";

async fn health_and_readiness_answer_200(db: TestDatabase) {
    let app = spawn_app(&db).await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers().contains_key("x-request-id"),
            "{path} has a request id"
        );
    }
}

async fn graphiql_is_served_offline_at_the_root_and_for_browsers(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/assets/graphiql/graphiql.min.js"));
    assert!(
        !html.contains("unpkg.com") && !html.contains("cdn.jsdelivr"),
        "no CDN"
    );
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ] {
        let response = app
            .client
            .get(app.url(&format!("/assets/graphiql/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert!(
            response.bytes().await.unwrap().len() > 1000,
            "{asset} has content"
        );
    }
    let browser = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(browser.status(), 200);
    assert!(browser.text().await.unwrap().contains("GraphiQL"));
}

async fn a_text_plain_form_or_multipart_post_is_refused_and_changes_nothing(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let body =
        json!({ "query": "mutation { createInterest(input: {displayName: \"CSRF\"}) { id } }" }).to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ] {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .body(body.clone());
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        let response = TestApp::read(request.send().await.unwrap()).await;
        assert_eq!(response.status, 415, "{content_type:?}");
        assert_eq!(response.code().as_deref(), Some("BAD_USER_INPUT"));
    }
    assert_eq!(app.total_count(Some(&token), json!({})).await, 0);
}

async fn get(app: &TestApp, query: &str, headers: &[(&str, &str)]) -> crate::helpers::GqlResponse {
    let mut request = app.client.get(app.url("/graphql")).query(&[("query", query)]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    TestApp::read(request.send().await.unwrap()).await
}

async fn a_get_runs_only_with_a_preflight_header(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let query = "{ interests { totalCount } }";
    let bare = get(&app, query, &[]).await;
    assert_eq!(bare.status, 400);
    assert_eq!(bare.code().as_deref(), Some("BAD_USER_INPUT"));
    for header in [
        ("apollo-require-preflight", "true"),
        ("x-apollo-operation-name", "Count"),
        ("content-type", "application/json"),
    ] {
        let response = get(&app, query, &[header]).await;
        assert_eq!(response.status, 200, "{header:?}: {:#}", response.body);
        assert_eq!(response.data("interests.totalCount"), 0, "{header:?}");
    }
    // Variables travel as JSON in the query string.
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query($f: Int) { interests(first: $f) { nodes { id } } }",
            ),
            ("variables", "{\"f\": 1}"),
        ])
        .header("apollo-require-preflight", "1")
        .send()
        .await
        .unwrap();
    let response = TestApp::read(response).await.ok();
    assert_eq!(response.data("interests.nodes"), &json!([]));
}

async fn a_mutation_over_get_is_405_with_allow_post_and_changes_nothing(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[(
            "query",
            "mutation { createInterest(input: {displayName: \"Over GET\"}) { id } }",
        )])
        .header("apollo-require-preflight", "true")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(app.total_count(Some(&token), json!({})).await, 0);
}

async fn post_raw(app: &TestApp, body: &str, accept: Option<&str>) -> crate::helpers::GqlResponse {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    TestApp::read(request.send().await.unwrap()).await
}

async fn the_accept_header_picks_the_response_type(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let body = json!({ "query": COUNT }).to_string();
    let plain = post_raw(&app, &body, None).await;
    assert_eq!(plain.status, 200);
    assert!(
        plain.content_type.starts_with("application/json"),
        "{}",
        plain.content_type
    );
    let json_only = post_raw(&app, &body, Some("application/json")).await;
    assert!(json_only.content_type.starts_with("application/json"));
    let modern = post_raw(
        &app,
        &body,
        Some("application/graphql-response+json, application/json;q=0.9"),
    )
    .await;
    assert_eq!(modern.status, 200);
    assert!(
        modern
            .content_type
            .starts_with("application/graphql-response+json"),
        "{}",
        modern.content_type
    );
    assert_eq!(modern.data("interests.totalCount"), 0);
    let unacceptable = post_raw(&app, &body, Some("text/html")).await;
    assert_eq!(unacceptable.status, 406);
}

async fn parse_and_validation_errors_carry_their_codes(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let cases = [
        ("{ interests { totalCount }", "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
        (
            "{ interests(first: \"ten\") { totalCount } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "query($n: Int!) { interests(first: $n) { totalCount } }",
            "BAD_USER_INPUT",
        ),
    ];
    for (query, code) in cases {
        let body = json!({ "query": query }).to_string();
        let legacy = post_raw(&app, &body, Some("application/json")).await;
        assert_eq!(legacy.status, 200, "{query}");
        assert_eq!(legacy.code().as_deref(), Some(code), "{query}: {:#}", legacy.body);
        assert!(
            legacy.body.get("data").is_none(),
            "a request error has no data entry: {query}"
        );
        let modern = post_raw(&app, &body, Some("application/graphql-response+json")).await;
        assert_eq!(modern.status, 400, "{query}");
        assert_eq!(modern.code().as_deref(), Some(code), "{query}");
    }
}

/// A query text that passed validation once skips the rules that only read the document on
/// later requests; the values of each request's variables must still be checked, with the
/// same request error as on first sight.
async fn a_document_validated_before_is_still_checked_against_each_requests_variables(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let scalars = "query($n: Int, $a: String) { interests(first: $n, after: $a) { totalCount } }";
    let enums =
        "query($t: [CollaborationTag!]) { interests(filter: {collaborationTags: $t}) { totalCount } }";
    let send = |query: &str, variables: serde_json::Value| {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let app = &app;
        async move { post_raw(app, &body, Some("application/graphql-response+json")).await }
    };
    // A nullable variable with a default may stand where null is not allowed: an explicit null
    // for it is refused, however often the text passed before.
    let defaulted = "query($u: ID = \"someone\") { user(id: $u) { interests { totalCount } } }";
    let cases = [
        (scalars, json!({ "n": 2 }), json!({ "n": "ten" })),
        (scalars, json!({ "n": 2 }), json!({ "n": 2.5 })),
        (scalars, json!({ "n": 2, "a": null }), json!({ "a": 5 })),
        (
            enums,
            json!({ "t": ["ABLE_TO_MENTOR"] }),
            json!({ "t": ["NOPE"] }),
        ),
        (defaulted, json!({ "u": "someone-else" }), json!({ "u": null })),
    ];
    for (query, good, bad) in cases {
        let count = if query == defaulted {
            "user.interests.totalCount"
        } else {
            "interests.totalCount"
        };
        for _ in 0..2 {
            let fine = send(query, good.clone()).await;
            assert_eq!(fine.status, 200, "{query} {good}: {:#}", fine.body);
            assert_eq!(fine.data(count), 0, "{query} {good}");
            let refused = send(query, bad.clone()).await;
            assert_eq!(refused.status, 400, "{query} {bad}: {:#}", refused.body);
            assert_eq!(
                refused.code().as_deref(),
                Some("GRAPHQL_VALIDATION_FAILED"),
                "{query} {bad}"
            );
            assert!(refused.body.get("data").is_none(), "{query} {bad}");
        }
    }
}

async fn operation_resolution_failures_carry_their_code(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let two = "query A { interests { totalCount } } query B { interests { totalCount } }";
    for body in [
        json!({ "query": two }),
        json!({ "query": two, "operationName": "C" }),
        json!({ "query": "{ interests { totalCount } }", "operationName": "Named" }),
    ] {
        let response = post_raw(&app, &body.to_string(), Some("application/graphql-response+json")).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(
            response.code().as_deref(),
            Some("OPERATION_RESOLUTION_FAILURE"),
            "{body}"
        );
    }
    let chosen = post_raw(
        &app,
        &json!({ "query": two, "operationName": "B" }).to_string(),
        None,
    )
    .await
    .ok();
    assert_eq!(chosen.data("interests.totalCount"), 0);
}

async fn a_bad_expired_or_foreign_token_is_401_never_anonymous(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let mut expired = User::new("alice");
    expired.claims.exp = chrono::Utc::now().timestamp() - 3600;
    let expired = app.token(expired);
    let foreign = interest_gateway::auth::Authenticator::hs256(b"some-other-secret-0123456789", None, None)
        .mint(User::new("alice").claims)
        .unwrap();
    for token in ["garbage", expired.as_str(), foreign.as_str()] {
        let response = app.graphql(COUNT, json!({}), Some(token)).await;
        assert_eq!(response.status, 401, "{token}");
        assert_eq!(response.code().as_deref(), Some("UNAUTHENTICATED"));
    }
    let basic = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", "Basic YWxpY2U6c2VjcmV0")
        .json(&json!({ "query": COUNT }))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    let anonymous_me = app.graphql("{ me { id } }", json!({}), None).await;
    assert_eq!(anonymous_me.status, 200);
    assert_eq!(anonymous_me.code().as_deref(), Some("UNAUTHENTICATED"));
}

/// Verified tokens are remembered by their text (to spare the signature check on every
/// request); their expiry is still checked on every use.
async fn a_token_remembered_as_verified_still_expires(db: TestDatabase) {
    let app = spawn_app_with(&db, |s| s.jwt_leeway = std::time::Duration::ZERO).await;
    let mut short = User::new("alice");
    short.claims.exp = chrono::Utc::now().timestamp() + 2;
    let short = app.token(short);
    for _ in 0..2 {
        let response = app.graphql("{ me { id } }", json!({}), Some(&short)).await;
        assert_eq!(response.ok().data("me.id"), "alice");
    }
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let response = app.graphql(COUNT, json!({}), Some(&short)).await;
    assert_eq!(response.status, 401, "{:#}", response.body);
    assert_eq!(response.code().as_deref(), Some("UNAUTHENTICATED"));
    assert!(
        response.body.to_string().contains("the token has expired"),
        "{:#}",
        response.body
    );
}

async fn malformed_requests_are_400_with_a_code(db: TestDatabase) {
    let app = spawn_app(&db).await;
    for body in [
        "{not json",
        "42",
        "{\"variables\": {}}",
        "{\"query\": 1}",
        "{\"query\": \"{ interests { totalCount } }\", \"variables\": [1]}",
    ] {
        let response = post_raw(&app, body, None).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.code().as_deref(), Some("BAD_USER_INPUT"), "{body}");
    }
}

async fn batches_run_each_operation_and_are_capped(db: TestDatabase) {
    let app = spawn_app_with(&db, |s| s.max_batch_size = 3).await;
    let token = app.token_for("alice");
    let batch = json!([
        { "query": "mutation { createInterest(input: {displayName: \"One\"}) { displayName } }" },
        { "query": COUNT },
        { "query": "{ nope }" },
    ]);
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&batch)
        .send()
        .await
        .unwrap();
    let response = TestApp::read(response).await;
    assert_eq!(response.status, 200);
    let results = response.body.as_array().expect("an array of results").clone();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["data"]["createInterest"]["displayName"], "One");
    assert_eq!(results[1]["data"]["interests"]["totalCount"], 1);
    assert_eq!(
        results[2]["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    let too_many: Vec<Value> = (0..4).map(|_| json!({ "query": COUNT })).collect();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&too_many)
        .send()
        .await
        .unwrap();
    let response = TestApp::read(response).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.code().as_deref(), Some("QUERY_TOO_COMPLEX"));
}

async fn an_oversized_body_is_413(db: TestDatabase) {
    let app = spawn_app_with(&db, |s| s.max_body_bytes = 4096).await;
    let big = json!({ "query": COUNT, "variables": { "pad": "x".repeat(10_000) } }).to_string();
    let response = post_raw(&app, &big, None).await;
    assert_eq!(response.status, 413);
}

/// The introspection query GraphiQL and GraphQL Code Generator send (graphql-js
/// `getIntrospectionQuery()`, with descriptions).
const INTROSPECTION: &str = "query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name }
  types { ...FullType } directives { name description locations args { ...InputValue } } } }
fragment FullType on __Type { kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue } interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }";

async fn the_introspection_query_of_tools_passes_and_deeper_queries_are_refused(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let schema = app.graphql(INTROSPECTION, json!({}), None).await.ok();
    let types = schema.data("__schema.types").as_array().unwrap().clone();
    assert!(types.iter().any(|t| t["name"] == "PersonInterest"));
    let mut deep = String::from("{ __schema { types { fields { type { name ");
    for _ in 0..20 {
        deep.push_str("ofType { name ");
    }
    deep.push_str(&"} ".repeat(20));
    deep.push_str("} } } } }");
    let refused = app.graphql(&deep, json!({}), None).await;
    assert_eq!(
        refused.code().as_deref(),
        Some("QUERY_TOO_COMPLEX"),
        "{:#}",
        refused.body
    );
}
