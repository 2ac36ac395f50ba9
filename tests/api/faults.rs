//! Faults: a private PostgreSQL (initdb into a temporary directory, on a free port) goes away
//! and comes back under a running gateway. The shared PostgreSQL is never touched.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use libtest_mimic::{Completion, Failed, Trial};
use serde_json::json;

use crate::helpers::{spawn_app_with, Backend, TestDatabase};

/// The newest PostgreSQL server binaries installed (Debian layout).
fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

pub fn tests() -> Vec<Trial> {
    vec![Trial::ignorable_test(
        "faults::postgres_going_away_fails_fast_and_service_resumes_without_a_restart",
        || {
            // Needs local PostgreSQL server binaries; where the PostgreSQL suite is asked for
            // (TEST_POSTGRES_URL, as in CI) their absence is a failure, elsewhere a skip.
            if pg_bin().is_none() {
                if std::env::var_os("TEST_POSTGRES_URL").is_some() {
                    return Err(Failed::from(
                        "PostgreSQL server binaries (initdb, pg_ctl) are not installed",
                    ));
                }
                return Ok(Completion::ignored_with(
                    "PostgreSQL server binaries are not installed",
                ));
            }
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| Failed::from(e.to_string()))?;
            let server = PrivatePostgres::init().map_err(Failed::from)?;
            let task = runtime.spawn(database_outage(server.url(), server.dir.clone(), server.port));
            let outcome = runtime.block_on(task);
            drop(server);
            match outcome {
                Ok(()) => Ok(Completion::Completed),
                Err(e) if e.is_panic() => Err(Failed::from(format!(
                    "{:?}",
                    e.into_panic().downcast_ref::<String>()
                ))),
                Err(e) => Err(Failed::from(e.to_string())),
            }
        },
    )]
}

/// A throwaway PostgreSQL cluster owned by the `postgres` user, stopped and removed on drop.
struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
}

fn as_postgres(program: &str, args: &[&str]) -> Result<(), String> {
    let bin = pg_bin().ok_or("PostgreSQL server binaries are not installed")?;
    let output = Command::new("runuser")
        .args(["-u", "postgres", "--", &bin.join(program).to_string_lossy()])
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn pg_ctl(dir: &Path, port: u16, action: &str) -> Result<(), String> {
    let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1", dir.display());
    let dir = dir.join("data");
    let log = dir.with_file_name("log");
    as_postgres(
        "pg_ctl",
        &[
            "-D",
            &dir.to_string_lossy(),
            "-l",
            &log.to_string_lossy(),
            "-o",
            &options,
            "-m",
            "fast",
            "-w",
            action,
        ],
    )
}

impl PrivatePostgres {
    fn init() -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let dir = std::env::temp_dir().join(format!("ig-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let status = Command::new("chown")
            .args(["postgres:postgres", &dir.to_string_lossy()])
            .status();
        if !status.is_ok_and(|s| s.success()) {
            return Err("cannot hand the directory to the postgres user".into());
        }
        let data = dir.join("data");
        as_postgres(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        )?;
        pg_ctl(&dir, port, "start")?;
        Ok(Self { dir, port })
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = pg_ctl(&self.dir, self.port, "stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn database_outage(url: String, dir: PathBuf, port: u16) {
    let db = TestDatabase {
        backend: Backend::Postgres,
        url,
    };
    let app = spawn_app_with(&db, |s| s.database_acquire_timeout = Duration::from_secs(1)).await;
    let token = app.token_for("alice");
    let before = app
        .create(&token, json!({ "displayName": "Acknowledged before" }))
        .await;

    pg_ctl(&dir, port, "stop").unwrap();
    let started = Instant::now();
    let failed = app
        .graphql("{ interests { totalCount } }", json!({}), Some(&token))
        .await;
    assert_eq!(
        failed.code().as_deref(),
        Some("SERVICE_UNAVAILABLE"),
        "{:#}",
        failed.body
    );
    let write = app
        .graphql(
            "mutation { createInterest(input: {displayName: \"During\"}) { id } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(
        write.code().as_deref(),
        Some("SERVICE_UNAVAILABLE"),
        "{:#}",
        write.body
    );
    // A lookup by id runs past sea-orm's executor on PostgreSQL (`db::Reader`): same answer.
    let lookup = "query($id: ID!) { interest(id: $id) { displayName } }";
    let looked_up = app
        .graphql(lookup, json!({ "id": before["id"] }), Some(&token))
        .await;
    assert_eq!(
        looked_up.code().as_deref(),
        Some("SERVICE_UNAVAILABLE"),
        "{:#}",
        looked_up.body
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "fails fast: {:?}",
        started.elapsed()
    );
    let message = failed.errors()[0]["message"].as_str().unwrap().to_owned();
    assert!(
        !message.contains("127.0.0.1") && !message.contains("Connection"),
        "no internals: {message}"
    );
    assert_eq!(
        app.client.get(app.url("/healthz")).send().await.unwrap().status(),
        200,
        "the process stays up"
    );
    assert_eq!(
        app.client.get(app.url("/readyz")).send().await.unwrap().status(),
        503
    );

    pg_ctl(&dir, port, "start").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.client.get(app.url("/readyz")).send().await.unwrap().status() != 200 {
        assert!(
            Instant::now() < deadline,
            "the gateway did not become ready again"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let again = app
        .graphql(lookup, json!({ "id": before["id"] }), Some(&token))
        .await
        .ok();
    assert_eq!(again.data("interest.displayName"), "Acknowledged before");
    let after = app.create(&token, json!({ "displayName": "After" })).await;
    let listed = app
        .graphql(
            "{ interests { nodes { id displayName } } }",
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    let names: Vec<&str> = listed
        .data("interests.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Acknowledged before", "After"],
        "every acknowledged write is there, the refused one is not"
    );
    assert_ne!(before["id"], after["id"]);
}
