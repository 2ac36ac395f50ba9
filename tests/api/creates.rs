//! Creates arriving together. On PostgreSQL, creates that queue while earlier ones are being
//! written share one statement (`--create-batch`, `domain::creates`); whatever the database,
//! each request gets its own interest with all its side rows, and subscribers hear of each once.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::future::join_all;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};
use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp, TestDatabase, User, INTEREST_FIELDS};

api_tests!(
    concurrent_creates_each_get_their_own_interest_side_rows_and_event,
    ;
    postgres only:
    creates_queued_behind_a_busy_writer_share_statements,
);

const CREATES: &str = "interest_gateway_db_creates_total";
const CREATE_STATEMENTS: &str = "interest_gateway_db_create_statements_total";

/// The `i`-th create input: every field varies with `i`, so a mixed-up row shows.
fn input(i: usize) -> Value {
    let categories: Vec<String> = match i % 3 {
        0 => vec![],
        1 => vec![format!("Topic {i}"), "Rust".into()],
        _ => vec!["Go".into(), "Rust".into(), format!("Topic {i}")],
    };
    let tags = match i % 4 {
        0 => json!([]),
        1 => json!(["ABLE_TO_MENTOR"]),
        2 => json!(["WANTS_TO_LEARN", "ABLE_TO_MENTOR"]),
        _ => json!(["WANTS_TO_LEARN"]),
    };
    json!({
        "displayName": format!("Interest {i}"),
        "description": format!("Line one\nline \"{i}\" — ü\t{}", "x".repeat(i)),
        "webUrl": format!("https://example.com/{i}?q=a&b=\"c\""),
        "categories": categories,
        "collaborationTags": tags,
        "allowedAudiences": "EVERYONE",
        "isSearchable": i.is_multiple_of(2),
        "inference": { "confidenceScore": i as f64 / 100.0, "userHasVerifiedAccuracy": i % 2 == 1 },
        "source": { "type": [format!("source-{i}")] },
    })
}

/// Sends `inputs` at once, as `tokens[i % tokens.len()]`; checks each answer is its own input
/// and that reading it back gives the same interest. Returns the answers.
async fn create_at_once(app: &TestApp, tokens: &[String], inputs: &[Value]) -> Vec<Value> {
    let mutation = format!(
        "mutation($input: CreateInterestInput!) {{ createInterest(input: $input) {{ {INTEREST_FIELDS} }} }}"
    );
    let created = join_all(inputs.iter().enumerate().map(|(i, input)| {
        app.graphql(
            &mutation,
            json!({ "input": input }),
            Some(&tokens[i % tokens.len()]),
        )
    }))
    .await;
    let mut answers = Vec::new();
    for (i, response) in created.into_iter().enumerate() {
        let answer = response.ok().data("createInterest").clone();
        for field in [
            "displayName",
            "description",
            "webUrl",
            "categories",
            "collaborationTags",
            "isSearchable",
            "source",
        ] {
            assert_eq!(answer[field], inputs[i][field], "create {i}: {field}");
        }
        assert_eq!(answer["inference"], inputs[i]["inference"], "create {i}");
        let read = app
            .graphql(
                &format!("query($id: ID!) {{ interest(id: $id) {{ {INTEREST_FIELDS} }} }}"),
                json!({ "id": answer["id"] }),
                Some(&tokens[i % tokens.len()]),
            )
            .await
            .ok();
        assert_eq!(
            read.data("interest"),
            &answer,
            "create {i} reads back as answered"
        );
        answers.push(answer);
    }
    let ids: BTreeSet<&str> = answers.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), inputs.len(), "every create has its own id");
    answers
}

/// How many of `inputs` discovery must find for a tag and a category: the (tag, category)
/// pairs of each create were written with it.
fn expected_matches(inputs: &[Value], tag: &str, category: &str) -> i64 {
    inputs
        .iter()
        .filter(|i| {
            i["collaborationTags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == tag)
                && i["categories"].as_array().unwrap().iter().any(|c| c == category)
        })
        .count() as i64
}

async fn concurrent_creates_each_get_their_own_interest_side_rows_and_event(db: TestDatabase) {
    const N: usize = 30;
    let app = spawn_app(&db).await;
    let tokens = [
        app.token(User::new("alice").named("Alice").tenant("contoso")),
        app.token(User::new("bob").named("Bob").tenant("contoso")),
        app.token(User::new("carol").tenant("fabrikam")),
    ];
    let mut ws = app.ws("graphql-transport-ws", None).await;
    ws.init(json!({})).await;
    ws.send(json!({ "type": "subscribe", "id": "all", "payload": {
        "query": "subscription { interestEvents { type interestId userId } }" } }))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let inputs: Vec<Value> = (0..N).map(input).collect();
    let answers = create_at_once(&app, &tokens, &inputs).await;
    for (i, answer) in answers.iter().enumerate() {
        let owner = ["alice", "bob", "carol"][i % 3];
        assert_eq!(answer["userId"], owner, "create {i}");
        assert_eq!(answer["createdBy"]["user"]["id"], owner, "create {i}");
    }

    // Side rows: categories and tags filter, and discovery reads the (tag, category) pairs.
    for (tag, category) in [
        ("ABLE_TO_MENTOR", "Rust"),
        ("WANTS_TO_LEARN", "Go"),
        ("ABLE_TO_MENTOR", "Topic 13"),
    ] {
        let expected = expected_matches(&inputs, tag, category);
        let filter = json!({ "collaborationTags": [tag], "categories": [category] });
        assert_eq!(
            app.total_count(Some(&tokens[0]), filter).await,
            expected,
            "{tag} × {category}"
        );
    }
    assert!(expected_matches(&inputs, "ABLE_TO_MENTOR", "Rust") > 5);

    let mut heard = BTreeSet::new();
    for _ in 0..N {
        let message = ws.next_message().await;
        let event = &message["payload"]["data"]["interestEvents"];
        assert_eq!(event["type"], "CREATED", "{message}");
        assert!(
            heard.insert(event["interestId"].as_str().unwrap().to_owned()),
            "once each: {message}"
        );
    }
    let created: BTreeSet<String> = answers
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(heard, created);
    ws.expect_silence(Duration::from_millis(300)).await;

    // What /metrics counts: PostgreSQL's creates, each once, whatever shared a statement.
    let (creates, statements) = (app.counter(CREATES).await, app.counter(CREATE_STATEMENTS).await);
    if db.backend == Backend::Postgres {
        assert_eq!(creates, N as u64);
        assert!((1..=N as u64).contains(&statements), "{statements} statements");
    } else {
        assert_eq!((creates, statements), (0, 0));
    }
}

async fn creates_queued_behind_a_busy_writer_share_statements(db: TestDatabase) {
    const N: usize = 12;
    // The default (one writer) and two writers: each writer holds back one statement.
    for (round, writers) in [1u8, 2].into_iter().enumerate() {
        let app = spawn_app_with(&db, |s| s.create_writers = writers).await;
        let inputs: Vec<Value> = (round * N..(round + 1) * N).map(input).collect();
        let statements = queued_behind_a_lock(&db, &app, writers, &inputs).await;
        // A statement per writer held back with one create each, the rest in the next one or two.
        assert!(
            statements <= u64::from(writers) + 2,
            "{N} creates queued behind the lock took {statements} statements with {writers} writers"
        );
    }
    let one_at_a_time = spawn_app_with(&db, |s| s.create_batch = 1).await;
    let tokens = [
        one_at_a_time.token(User::new("alice").tenant("contoso")),
        one_at_a_time.token(User::new("bob")),
    ];

    // `--create-batch 1`: a statement per create, the same interests.
    let more: Vec<Value> = (2 * N..2 * N + 4).map(input).collect();
    create_at_once(&one_at_a_time, &tokens, &more).await;
    assert_eq!(
        (
            one_at_a_time.counter(CREATES).await,
            one_at_a_time.counter(CREATE_STATEMENTS).await
        ),
        (4, 4)
    );
}

/// Creates of `inputs` sent at once while a session holds `interest` locked until each of the
/// `writers` of `app` (a new server) waits on the lock with the create it took: the others queue.
/// Checks what was written; returns how many statements wrote it.
async fn queued_behind_a_lock(db: &TestDatabase, app: &TestApp, writers: u8, inputs: &[Value]) -> u64 {
    let tokens = [
        app.token(User::new("alice").tenant("contoso")),
        app.token(User::new("bob")),
    ];
    // Sign both callers in first: the directory rows a first request writes are not creates.
    for token in &tokens {
        app.graphql("{ me { id } }", json!({}), Some(token)).await.ok();
    }
    let pairs = [("ABLE_TO_MENTOR", "Rust"), ("WANTS_TO_LEARN", "Go")];
    let filter =
        |(tag, category): (&str, &str)| json!({ "collaborationTags": [tag], "categories": [category] });
    let mut before = Vec::new();
    for pair in pairs {
        before.push(app.total_count(Some(&tokens[0]), filter(pair)).await);
    }

    // Hold every insert into `interest` back until creates have queued behind the writers.

    let conn = Database::connect(&db.url).await.unwrap();
    let lock = conn.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE interest IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let release = async {
        for _ in 0..200 {
            let waiting = conn
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT count(*) AS n FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap();
            if waiting >= i64::from(writers) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The other requests (sent at the same time) queue meanwhile.
        tokio::time::sleep(Duration::from_millis(400)).await;
        lock.commit().await.unwrap();
    };
    let (answers, ()) = tokio::join!(create_at_once(app, &tokens, inputs), release);
    assert_eq!(answers.len(), inputs.len());
    assert_eq!(app.counter(CREATES).await, inputs.len() as u64);
    for ((tag, category), before) in pairs.into_iter().zip(before) {
        assert_eq!(
            app.total_count(Some(&tokens[0]), filter((tag, category))).await - before,
            expected_matches(inputs, tag, category),
            "{tag} × {category}"
        );
    }
    app.counter(CREATE_STATEMENTS).await
}
