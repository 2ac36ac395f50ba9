//! Observability: Prometheus metrics by operation and outcome, and structured logs with a
//! request id and never a token.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, TestApp, TestDatabase, User};
use crate::subscriptions::start_process;

api_tests!(
    metrics_count_operations_by_name_and_outcome,
    logs_carry_a_request_id_and_never_a_token,
    the_server_runs_without_transparent_huge_pages,
);

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    response.text().await.unwrap()
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
}

async fn metrics_count_operations_by_name_and_outcome(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    for _ in 0..3 {
        app.graphql(
            "query Count { interests { totalCount } }",
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    }
    app.graphql("query Me { me { id } }", json!({}), None).await; // UNAUTHENTICATED: executed, with an error
    app.graphql("query Broken { nope }", json!({}), Some(&token))
        .await; // refused before execution
    let mut ws = app.ws("graphql-transport-ws", None).await;
    ws.init(json!({})).await;
    ws.send(json!({ "type": "subscribe", "id": "1", "payload": { "query": "subscription { interestEvents { type } }" } })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let text = scrape(&app).await;
    let series = |s: &str| value(&text, s);
    assert_eq!(
        series("interest_gateway_graphql_requests_total{operation=\"Count\",outcome=\"ok\"}"),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        series("interest_gateway_graphql_requests_total{operation=\"Me\",outcome=\"error\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("interest_gateway_graphql_requests_total{operation=\"Broken\",outcome=\"rejected\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("interest_gateway_graphql_request_duration_seconds_count{outcome=\"ok\"}"),
        Some(3.0)
    );
    assert_eq!(
        series("interest_gateway_graphql_request_duration_seconds_bucket{outcome=\"ok\",le=\"+Inf\"}"),
        Some(3.0)
    );
    assert!(series("interest_gateway_db_statements_total").unwrap() > 0.0);
    assert!(series("interest_gateway_db_pool_connections").unwrap() >= 1.0);
    assert_eq!(series("interest_gateway_websockets"), Some(1.0));
    assert_eq!(series("interest_gateway_subscribers"), Some(1.0));
}

async fn logs_carry_a_request_id_and_never_a_token(db: TestDatabase) {
    let url = db.url.clone();
    let process = tokio::task::spawn_blocking(move || start_process(&url))
        .await
        .unwrap();
    let app = TestApp::at(&process.address);
    let token = app.token(User::new("alice"));
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(response.status().is_success());
    let bad = app.graphql("{ me { id } }", json!({}), Some("not.a.token")).await;
    assert_eq!(bad.status, 401);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let lines = process.log.lock().unwrap().clone();
        let entries: Vec<Value> = lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        assert_eq!(entries.len(), lines.len(), "every log line is JSON");
        let finished = entries
            .iter()
            .find(|e| e["span"]["request_id"] == request_id.as_str());
        if let Some(entry) = finished {
            assert_eq!(entry["span"]["path"], "/graphql");
            assert_eq!(entry["span"]["method"], "POST");
            assert_eq!(entry["span"]["name"], "request");
            assert_eq!(entry["level"], "INFO");
            assert_eq!(entry["status"], 200);
            assert_eq!(entry["message"], "finished processing request");
            assert!(
                entry["latency"].as_str().is_some_and(|l| l.ends_with(" ms")),
                "{entry}"
            );
            assert_eq!(entry["spans"][0]["request_id"], request_id.as_str(), "{entry}");
            assert!(
                lines
                    .iter()
                    .all(|l| !l.contains(&token) && !l.contains("not.a.token")),
                "no token is ever logged"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no log line carries the request id {request_id}: {lines:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// mimalloc asks the kernel for transparent huge pages on its heap, each of which is then
/// resident whole; the server turns them off for itself (src/main.rs, bench/RESULTS.md).
async fn the_server_runs_without_transparent_huge_pages(db: TestDatabase) {
    let url = db.url.clone();
    let process = tokio::task::spawn_blocking(move || start_process(&url))
        .await
        .unwrap();
    let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", process.child.id())) else {
        eprintln!("no /proc here: transparent huge pages not checked");
        return;
    };
    match status.lines().find_map(|l| l.strip_prefix("THP_enabled:")) {
        Some(enabled) => assert_eq!(enabled.trim(), "0", "{status}"),
        None => eprintln!("this kernel does not report THP_enabled: not checked"),
    }
}
