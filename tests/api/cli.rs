//! The binary's subcommands and development mode, as a user runs them.

use std::process::Command;

use interest_gateway::app::Application;
use interest_gateway::config::Settings;
use serde_json::json;

use crate::api_tests;
use crate::helpers::{spawn_app, TestDatabase, SECRET};

api_tests!(
    the_token_subcommand_mints_tokens_the_server_accepts,
    development_mode_mints_a_demo_token_and_binds_only_loopback,
    the_migrate_subcommand_applies_reports_and_reverts,
);

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interest-gateway"));
    for var in ["DATABASE_URL", "JWT_SECRET", "JWT_ISSUER", "JWT_AUDIENCE", "BIND"] {
        command.env_remove(var);
    }
    command
}

async fn the_token_subcommand_mints_tokens_the_server_accepts(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let output = binary()
        .args([
            "token", "--sub", "alice", "--name", "Alice", "--tid", "contoso", "--groups", "g1,g2",
        ])
        .args(["--roles", "Interests.ReadWrite.All", "--ttl", "5m"])
        .env("JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let me = app
        .graphql("{ me { id displayName } }", json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(me.data("me"), &json!({ "id": "alice", "displayName": "Alice" }));
    // The roles claim made an admin: it may create on another profile.
    let created = app
        .create(&token, json!({ "userId": "bob", "displayName": "Delegated" }))
        .await;
    assert_eq!(created["userId"], "bob");
    assert_eq!(
        created["createdBy"]["user"],
        json!({ "id": "alice", "displayName": "Alice", "tenantId": "contoso" })
    );

    // Flags may also come after the subcommand's own, and a secret is required.
    let refused = binary().args(["token", "--sub", "alice"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("JWT_SECRET"));
    let flag_secret = binary()
        .args(["token", "--sub", "x", "--jwt-secret", SECRET])
        .output()
        .unwrap();
    assert!(flag_secret.status.success());
}

async fn development_mode_mints_a_demo_token_and_binds_only_loopback(db: TestDatabase) {
    let mut settings = Settings::for_tests(&db.url, SECRET);
    settings.jwt_secret = None;
    settings.bind = "0.0.0.0:0".parse().unwrap();
    let refused = Application::build(&settings).await;
    assert!(
        refused.is_err(),
        "development mode must not bind a public address"
    );

    settings.bind = "127.0.0.1:0".parse().unwrap();
    let app = Application::build(&settings).await.unwrap();
    let authorization = app.demo_authorization().expect("a demo token").to_owned();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let me: serde_json::Value = client
        .post(format!("{address}/graphql"))
        .header("authorization", &authorization)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["me"]["id"], "demo-user");
    let page = client
        .get(format!("{address}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&authorization),
        "GraphiQL carries the demo token in its headers"
    );
    // A token signed with the test secret is foreign to this run's random secret.
    let foreign = interest_gateway::auth::Authenticator::hs256(SECRET.as_bytes(), None, None)
        .mint(interest_gateway::auth::Claims::new(
            "alice",
            std::time::Duration::from_secs(60),
        ))
        .unwrap();
    let status = client
        .post(format!("{address}/graphql"))
        .bearer_auth(foreign)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
}

async fn the_migrate_subcommand_applies_reports_and_reverts(db: TestDatabase) {
    let run = |args: &[&str]| {
        let output = binary().args(args).env("DATABASE_URL", &db.url).output().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&["migrate", "up"]);
    run(&["migrate", "status"]);
    run(&["migrate", "down"]);
    run(&["migrate"]);
    // The schema is usable after the round trip.
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    assert_eq!(
        app.create(&token, json!({ "displayName": "After migrations" }))
            .await["displayName"],
        "After migrations"
    );
}
