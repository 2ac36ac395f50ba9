//! Live updates over WebSocket: both protocols, tokens, audience-correct delivery, limits,
//! keep-alives, and fan-out between two server processes on one PostgreSQL.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, TestDatabase, User, WsClient, SECRET};

api_tests!(
    subscribers_receive_the_changes_they_may_see,
    an_update_that_hides_an_interest_is_a_deleted_event,
    the_legacy_protocol_works_with_the_upgrade_header_token,
    a_bad_token_or_a_missing_handshake_closes_the_socket,
    subscriptions_per_connection_are_bounded_and_keepalives_flow,
    sigterm_finishes_requests_in_flight_and_closes_sockets_cleanly,
    ;
    postgres only:
    a_write_on_one_process_reaches_subscribers_of_another,
    concurrent_writes_on_one_process_all_reach_another,
    the_listener_reconnects_after_losing_its_connection,
);

const EVENTS: &str = "subscription($u: ID) { interestEvents(userId: $u) { type interestId userId at interest { id displayName allowedAudiences } } }";

async fn subscribe(ws: &mut WsClient, protocol_start: &str, id: &str, user: Option<&str>) {
    ws.send(json!({ "type": protocol_start, "id": id, "payload": { "query": EVENTS, "variables": { "u": user } } }))
        .await;
}

fn event(message: &Value) -> &Value {
    &message["payload"]["data"]["interestEvents"]
}

async fn update(app: &TestApp, token: &str, id: &Value, input: Value) {
    app.graphql(
        "mutation($id: ID!, $input: UpdateInterestInput!) { updateInterest(id: $id, input: $input) { id } }",
        json!({ "id": id, "input": input }),
        Some(token),
    )
    .await
    .ok();
}

async fn subscribers_receive_the_changes_they_may_see(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice").tenant("contoso"));
    let bob = app.token(User::new("bob").tenant("fabrikam"));
    let mut ws = app.ws("graphql-transport-ws", None).await;
    ws.init(json!({ "authorization": format!("Bearer {bob}") })).await;
    subscribe(&mut ws, "subscribe", "all", None).await;
    let mut anonymous = app.ws("graphql-transport-ws", None).await;
    anonymous.init(json!({})).await;
    subscribe(&mut anonymous, "subscribe", "anon", None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Hidden from bob (another organization): no event. Public: CREATED with the interest.
    app.create(
        &alice,
        json!({ "displayName": "Hidden", "allowedAudiences": "ORGANIZATION" }),
    )
    .await;
    let public = app
        .create(
            &alice,
            json!({ "displayName": "Public", "allowedAudiences": "EVERYONE" }),
        )
        .await;
    for client in [&mut ws, &mut anonymous] {
        let created = client.next_message().await;
        assert_eq!(created["type"], "next");
        let e = event(&created);
        assert_eq!(e["type"], "CREATED", "{created}");
        assert_eq!(e["interestId"], public["id"]);
        assert_eq!(e["userId"], "alice");
        assert_eq!(e["interest"]["displayName"], "Public");
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
    }
    update(&app, &alice, &public["id"], json!({ "displayName": "Public v2" })).await;
    let updated = ws.next_message().await;
    assert_eq!(event(&updated)["type"], "UPDATED");
    assert_eq!(event(&updated)["interest"]["displayName"], "Public v2");
    app.graphql(
        "mutation($id: ID!) { deleteInterest(id: $id) { id } }",
        json!({ "id": public["id"] }),
        Some(&alice),
    )
    .await
    .ok();
    let deleted = ws.next_message().await;
    assert_eq!(event(&deleted)["type"], "DELETED");
    assert_eq!(event(&deleted)["interestId"], public["id"]);
    assert!(event(&deleted)["interest"].is_null());

    // A profile filter: only carol's changes reach this subscription.
    subscribe(&mut ws, "subscribe", "carol-only", Some("carol")).await;
    ws.send(json!({ "type": "complete", "id": "all" })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let carol = app.token(User::new("carol"));
    app.create(
        &alice,
        json!({ "displayName": "Alice again", "allowedAudiences": "EVERYONE" }),
    )
    .await;
    let mine = app
        .create(
            &carol,
            json!({ "displayName": "Carol's", "allowedAudiences": "EVERYONE" }),
        )
        .await;
    let next = ws.next_message().await;
    assert_eq!(next["id"], "carol-only");
    assert_eq!(event(&next)["interestId"], mine["id"]);
    ws.expect_silence(Duration::from_millis(300)).await;
}

async fn an_update_that_hides_an_interest_is_a_deleted_event(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice").tenant("contoso"));
    let colin = app.token(User::new("colin").tenant("contoso"));
    let org = app
        .create(
            &alice,
            json!({ "displayName": "Org", "allowedAudiences": "ORGANIZATION" }),
        )
        .await;
    let mut ws = app.ws("graphql-transport-ws", None).await;
    ws.init(json!({ "authorization": format!("Bearer {colin}") }))
        .await;
    subscribe(&mut ws, "subscribe", "s", None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    update(&app, &alice, &org["id"], json!({ "allowedAudiences": "ME" })).await;
    let hidden = ws.next_message().await;
    assert_eq!(event(&hidden)["type"], "DELETED", "left colin's sight: {hidden}");
    // Invisible before and after: nothing.
    update(
        &app,
        &alice,
        &org["id"],
        json!({ "description": "still private" }),
    )
    .await;
    ws.expect_silence(Duration::from_millis(300)).await;
    // Back in sight: UPDATED with the interest.
    update(
        &app,
        &alice,
        &org["id"],
        json!({ "allowedAudiences": "ORGANIZATION" }),
    )
    .await;
    let back = ws.next_message().await;
    assert_eq!(event(&back)["type"], "UPDATED");
    assert_eq!(event(&back)["interest"]["allowedAudiences"], "ORGANIZATION");
}

async fn the_legacy_protocol_works_with_the_upgrade_header_token(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice"));
    let mut ws = app.ws("graphql-ws", Some(&alice)).await;
    ws.init(json!({})).await;
    subscribe(&mut ws, "start", "1", None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // alice sees her own ME interest: the header token was used.
    let own = app
        .create(&alice, json!({ "displayName": "Mine", "allowedAudiences": "ME" }))
        .await;
    let data = ws.next_message().await;
    assert_eq!(data["type"], "data", "{data}");
    assert_eq!(data["id"], "1");
    assert_eq!(event(&data)["interestId"], own["id"]);
    ws.send(json!({ "type": "stop", "id": "1" })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.create(
        &alice,
        json!({ "displayName": "After stop", "allowedAudiences": "ME" }),
    )
    .await;
    ws.expect_silence(Duration::from_millis(300)).await;
    ws.send(json!({ "type": "connection_terminate" })).await;
    assert_eq!(ws.close_code().await, Some(1000));
}

async fn a_bad_token_or_a_missing_handshake_closes_the_socket(db: TestDatabase) {
    let app = spawn_app_with(&db, |s| s.ws_init_timeout = Duration::from_millis(300)).await;
    let mut expired = User::new("alice");
    expired.claims.exp = chrono::Utc::now().timestamp() - 3600;
    let expired = app.token(expired);
    for protocol in ["graphql-transport-ws", "graphql-ws"] {
        let mut ws = app.ws(protocol, None).await;
        ws.send(json!({ "type": "connection_init", "payload": { "authorization": "Bearer garbage" } }))
            .await;
        assert_eq!(
            ws.close_code().await,
            Some(4403),
            "{protocol}: a bad token in the payload"
        );
        let mut ws = app.ws(protocol, Some(&expired)).await;
        ws.send(json!({ "type": "connection_init", "payload": {} })).await;
        assert_eq!(
            ws.close_code().await,
            Some(4403),
            "{protocol}: an expired token in the header"
        );
    }
    let mut early = app.ws("graphql-transport-ws", None).await;
    subscribe(&mut early, "subscribe", "1", None).await;
    assert_eq!(
        early.close_code().await,
        Some(4401),
        "subscribe before connection_ack"
    );
    let mut silent = app.ws("graphql-transport-ws", None).await;
    assert_eq!(
        silent.close_code().await,
        Some(4408),
        "no connection_init in time"
    );
    let mut twice = app.ws("graphql-transport-ws", None).await;
    twice.init(json!({})).await;
    twice.send(json!({ "type": "connection_init" })).await;
    assert_eq!(twice.close_code().await, Some(4429));
    let mut garbage = app.ws("graphql-transport-ws", None).await;
    garbage.send(json!({ "type": "nonsense" })).await;
    assert_eq!(garbage.close_code().await, Some(4400));
    let mut duplicate = app.ws("graphql-transport-ws", None).await;
    duplicate.init(json!({})).await;
    subscribe(&mut duplicate, "subscribe", "same", None).await;
    subscribe(&mut duplicate, "subscribe", "same", None).await;
    assert_eq!(duplicate.close_code().await, Some(4409));
}

async fn subscriptions_per_connection_are_bounded_and_keepalives_flow(db: TestDatabase) {
    let app = spawn_app_with(&db, |s| {
        s.max_subscriptions_per_connection = 2;
        s.ws_keepalive = Duration::from_millis(200);
    })
    .await;
    let mut ws = app.ws("graphql-transport-ws", None).await;
    ws.init(json!({})).await;
    for id in ["a", "b", "c"] {
        subscribe(&mut ws, "subscribe", id, None).await;
    }
    let refused = ws.next_message().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "c");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    // Completing one frees its slot.
    ws.send(json!({ "type": "complete", "id": "a" })).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    subscribe(&mut ws, "subscribe", "d", None).await;
    ws.expect_silence(Duration::from_millis(300)).await;
    // A request error arrives as `error` for its id.
    ws.send(json!({ "type": "complete", "id": "b" })).await;
    ws.send(json!({ "type": "subscribe", "id": "bad", "payload": { "query": "subscription { nope }" } }))
        .await;
    let bad = ws.next_message().await;
    assert_eq!(bad["type"], "error");
    assert_eq!(
        bad["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    // Keep-alives: a ping (graphql-transport-ws) and ka (graphql-ws) every 200 ms.
    let mut pings = 0;
    while pings < 2 {
        match ws.next_within(Duration::from_secs(2)).await {
            Some(crate::helpers::WsEvent::Message(m)) if m["type"] == "ping" => pings += 1,
            other => panic!("expected a ping, got {other:?}"),
        }
    }
    ws.send(json!({ "type": "ping" })).await;
    loop {
        let m = ws.next_within(Duration::from_secs(2)).await;
        match m {
            Some(crate::helpers::WsEvent::Message(m)) if m["type"] == "pong" => break,
            Some(crate::helpers::WsEvent::Message(m)) if m["type"] == "ping" => continue,
            other => panic!("expected a pong, got {other:?}"),
        }
    }
    let mut legacy = app.ws("graphql-ws", None).await;
    legacy.send(json!({ "type": "connection_init" })).await;
    let mut kas = 0;
    while kas < 3 {
        match legacy.next_within(Duration::from_secs(2)).await {
            Some(crate::helpers::WsEvent::Message(m)) if m["type"] == "ka" => kas += 1,
            Some(crate::helpers::WsEvent::Message(m)) if m["type"] == "connection_ack" => {}
            other => panic!("expected ka, got {other:?}"),
        }
    }
}

/// A gateway process of its own, on `url`; killed on drop.
pub struct Process {
    pub child: Child,
    pub address: String,
    /// Every line the process has logged so far (JSON).
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_process(url: &str) -> Process {
    start_process_with(url, &[])
}

pub fn start_process_with(url: &str, extra: &[&str]) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interest-gateway"))
        .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .args(extra)
        .env("DATABASE_URL", url)
        .env("JWT_SECRET", SECRET)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the gateway starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the gateway logs its address")
            .expect("a line");
        let Ok(entry) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if let Some(address) = entry["address"].as_str() {
            break format!("http://{address}");
        }
    };
    // Keep draining the log so the process never blocks on a full pipe.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Ok(mut sink) = sink.lock() {
                sink.push(line);
            }
        }
    });
    Process { child, address, log }
}

/// Two server processes on `db`, and alice subscribed to every change on the second one: the
/// processes (kept alive while held), the first one's address, alice's token and her socket.
async fn two_processes_and_a_subscriber(
    db: &TestDatabase,
) -> ((Process, Process), TestApp, String, WsClient) {
    let url = db.url.clone();
    let (one, two) = tokio::task::spawn_blocking(move || (start_process(&url), start_process(&url)))
        .await
        .unwrap();
    let app_one = TestApp::at(&one.address);
    let app_two = TestApp::at(&two.address);
    let alice = app_one.token(User::new("alice"));
    let mut ws = app_two.ws("graphql-transport-ws", None).await;
    ws.init(json!({ "authorization": format!("Bearer {alice}") }))
        .await;
    subscribe(&mut ws, "subscribe", "x", None).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    ((one, two), app_one, alice, ws)
}

async fn a_write_on_one_process_reaches_subscribers_of_another(db: TestDatabase) {
    let (_processes, app_one, alice, mut ws) = two_processes_and_a_subscriber(&db).await;
    let mut latencies = Vec::new();
    for i in 0..20 {
        let started = Instant::now();
        let created = app_one
            .create(
                &alice,
                json!({ "displayName": format!("Crossing {i}"), "allowedAudiences": "ME" }),
            )
            .await;
        let message = ws.next_message().await;
        latencies.push(started.elapsed());
        assert_eq!(event(&message)["type"], "CREATED");
        assert_eq!(
            event(&message)["interestId"],
            created["id"],
            "the event crossed processes"
        );
    }
    latencies.sort();
    eprintln!(
        "cross-instance event latency (mutation sent → event received), 20 writes: median {:?}, max {:?}",
        latencies[10], latencies[19]
    );
}

/// Many writes at once: the notifier sends what queued while its previous statement ran, several
/// changes per notification; every one of them must arrive on the other process, each once.
async fn concurrent_writes_on_one_process_all_reach_another(db: TestDatabase) {
    const WRITES: usize = 40;
    let (_processes, app_one, alice, mut ws) = two_processes_and_a_subscriber(&db).await;

    let creates = (0..WRITES).map(|i| {
        app_one.create(
            &alice,
            json!({ "displayName": format!("Burst {i}"), "allowedAudiences": "ME" }),
        )
    });
    let created: std::collections::BTreeSet<String> = futures_util::future::join_all(creates)
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(created.len(), WRITES);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..WRITES {
        let message = ws.next_message().await;
        assert_eq!(event(&message)["type"], "CREATED", "{message}");
        let id = event(&message)["interestId"].as_str().unwrap().to_owned();
        assert!(seen.insert(id), "each change arrives once: {message}");
    }
    assert_eq!(seen, created, "every concurrent write reached the other process");

    // The same for updates, which carry a snapshot of the audience before (longer payloads).
    let ids: Vec<Value> = created.iter().map(|id| json!(id)).collect();
    let updates = ids
        .iter()
        .map(|id| update(&app_one, &alice, id, json!({ "description": "changed at once" })));
    futures_util::future::join_all(updates).await;
    let mut updated = std::collections::BTreeSet::new();
    for _ in 0..WRITES {
        let message = ws.next_message().await;
        assert_eq!(event(&message)["type"], "UPDATED", "{message}");
        updated.insert(event(&message)["interestId"].as_str().unwrap().to_owned());
    }
    assert_eq!(updated, created);
    ws.expect_silence(Duration::from_millis(300)).await;
}

/// The backend pids of this database's sessions that are LISTENing.
async fn listeners(conn: &sea_orm::DatabaseConnection) -> Vec<i32> {
    use sea_orm::ConnectionTrait;
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<i32>("", "pid").unwrap())
        .collect()
}

async fn the_listener_reconnects_after_losing_its_connection(db: TestDatabase) {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice"));
    let mut ws = app.ws("graphql-transport-ws", None).await;
    ws.init(json!({ "authorization": format!("Bearer {alice}") }))
        .await;
    subscribe(&mut ws, "subscribe", "x", None).await;
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    let before = listeners(&conn).await;
    assert_eq!(before.len(), 1, "one listener per instance");
    // Cut the listener's connection, as a database restart would.
    conn.execute_unprepared(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = listeners(&conn).await;
        if now.len() == 1 && now != before {
            break;
        }
        assert!(Instant::now() < deadline, "the listener did not come back");
    }
    let created = app
        .create(
            &alice,
            json!({ "displayName": "After reconnect", "allowedAudiences": "ME" }),
        )
        .await;
    let message = ws.next_message().await;
    assert_eq!(
        event(&message)["interestId"],
        created["id"],
        "events flow again after the reconnect"
    );
}

async fn sigterm_finishes_requests_in_flight_and_closes_sockets_cleanly(db: TestDatabase) {
    let url = db.url.clone();
    // A 1 s batch window makes any request that loads a name last a second.
    let mut process =
        tokio::task::spawn_blocking(move || start_process_with(&url, &["--batch-window", "1s"]))
            .await
            .unwrap();
    let app = TestApp::at(&process.address);
    let token = app.token(User::new("alice").named("Alice"));
    app.create(&token, json!({ "displayName": "Still answered" }))
        .await;
    let mut ws = app.ws("graphql-transport-ws", None).await;
    ws.init(json!({ "authorization": format!("Bearer {token}") }))
        .await;
    subscribe(&mut ws, "subscribe", "s", None).await;
    let slow = {
        let app = TestApp::at(&process.address);
        let token = token.clone();
        tokio::spawn(async move {
            app.graphql(
                "{ interests { nodes { displayName user { displayName } } } }",
                json!({}),
                Some(&token),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = process.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(
        ws.close_code().await,
        Some(1001),
        "subscriptions end with Going Away"
    );
    let answered = slow.await.unwrap().ok();
    assert_eq!(
        answered.data("interests.nodes"),
        &json!([{ "displayName": "Still answered", "user": { "displayName": "Alice" } }])
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = process.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the process did not exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a clean exit: {status}");
}
