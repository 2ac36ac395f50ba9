//! The connection pool on PostgreSQL: reads keep a few connections between them (`db::Reader`'s
//! stash, which spares sqlx's test round trip when a connection comes back), and that must never
//! starve writes, which take theirs from sqlx's pool.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

use crate::api_tests;
use crate::helpers::{spawn_app_with, TestDatabase, User};

api_tests!(
    ;
    postgres only:
    writes_get_connections_while_reads_keep_the_pool_busy,
);

async fn writes_get_connections_while_reads_keep_the_pool_busy(db: TestDatabase) {
    // A small pool, and a short wait for a connection: a starved write fails quickly.
    let app = spawn_app_with(&db, |s| {
        s.database_max_connections = 4;
        s.database_acquire_timeout = Duration::from_secs(1);
    })
    .await;
    let alice = app.token(User::new("alice").tenant("contoso"));
    let created = app
        .create(&alice, json!({ "displayName": "Read all the time" }))
        .await;
    let lookup = "query($id: ID!) { interest(id: $id) { id displayName } }";

    // Eight readers keep every connection the reads may keep busy for two seconds...
    let until = Instant::now() + Duration::from_secs(2);
    let readers = (0..8).map(|_| async {
        let mut reads = 0;
        while Instant::now() < until {
            let read = app
                .graphql(lookup, json!({ "id": created["id"] }), Some(&alice))
                .await
                .ok();
            assert_eq!(read.data("interest.id"), &created["id"]);
            reads += 1;
        }
        reads
    });
    // ...while writes, one after another, each wait at most a second for a connection.
    let writes = async {
        let mut written = 0;
        tokio::time::sleep(Duration::from_millis(300)).await;
        while Instant::now() < until {
            let update = app
                .graphql(
                    "mutation($id: ID!, $d: String) { updateInterest(id: $id, input: {description: $d}) { description } }",
                    json!({ "id": created["id"], "d": format!("write {written}") }),
                    Some(&alice),
                )
                .await
                .ok();
            assert_eq!(
                update.data("updateInterest.description"),
                &json!(format!("write {written}"))
            );
            written += 1;
        }
        written
    };
    let (reads, written) = tokio::join!(join_all(readers), writes);
    let reads: usize = reads.iter().sum();
    assert!(reads > 100, "{reads} reads");
    assert!(written > 5, "{written} writes");
}
