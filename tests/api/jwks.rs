//! Production identity: RS256/ES256 tokens verified with keys from a JWKS file, selected by
//! `kid`, rotated without a restart; clock skew tolerance.

use std::time::Duration;

use interest_gateway::auth::Claims;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::api_tests;
use crate::helpers::{spawn_app_with, TestApp, TestDatabase};

api_tests!(
    rs256_and_es256_tokens_are_verified_by_kid,
    tokens_with_an_unknown_kid_a_wrong_key_or_algorithm_are_401,
    a_key_added_to_the_jwks_file_is_accepted_without_a_restart,
    clock_skew_is_tolerated_up_to_the_configured_leeway,
);

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn sign(claims: &Claims, algorithm: Algorithm, kid: Option<&str>, pem: &str) -> String {
    let pem = std::fs::read(format!("{FIXTURES}/{pem}")).unwrap();
    let key = match algorithm {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn claims(sub: &str) -> Claims {
    let mut c = Claims::new(sub, Duration::from_secs(300));
    c.name = Some(format!("{sub} name"));
    c
}

/// A copy of a fixture JWKS in a file of its own, so a test may rewrite it.
fn jwks_copy(fixture: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("ig-jwks-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::copy(format!("{FIXTURES}/{fixture}"), &path).unwrap();
    path
}

async fn me(app: &TestApp, token: &str) -> crate::helpers::GqlResponse {
    app.graphql("{ me { id displayName } }", json!({}), Some(token))
        .await
}

async fn rs256_and_es256_tokens_are_verified_by_kid(db: TestDatabase) {
    let jwks = jwks_copy("jwks.json");
    let app = spawn_app_with(&db, |s| {
        s.jwks_file = Some(jwks.clone());
    })
    .await;
    let rsa = sign(&claims("alice"), Algorithm::RS256, Some("rsa-1"), "rsa-1.pem");
    assert_eq!(me(&app, &rsa).await.ok().data("me.id"), "alice");
    let ec = sign(&claims("bob"), Algorithm::ES256, Some("ec-1"), "ec-1.pem");
    assert_eq!(me(&app, &ec).await.ok().data("me.id"), "bob");
    // The HS256 secret of the test settings still works beside the JWKS.
    assert_eq!(
        me(&app, &app.token_for("carol")).await.ok().data("me.id"),
        "carol"
    );
    let _ = std::fs::remove_file(jwks);
}

async fn tokens_with_an_unknown_kid_a_wrong_key_or_algorithm_are_401(db: TestDatabase) {
    let jwks = jwks_copy("jwks.json");
    let app = spawn_app_with(&db, |s| {
        s.jwks_file = Some(jwks.clone());
        s.jwt_secret = None;
    })
    .await;
    let c = claims("alice");
    for (what, token) in [
        (
            "unknown kid",
            sign(&c, Algorithm::RS256, Some("rsa-9"), "rsa-1.pem"),
        ),
        ("no kid", sign(&c, Algorithm::RS256, None, "rsa-1.pem")),
        (
            "another key under a known kid",
            sign(&c, Algorithm::RS256, Some("rsa-1"), "rsa-2.pem"),
        ),
        (
            "ES256 under an RSA kid",
            sign(&c, Algorithm::ES256, Some("rsa-1"), "ec-1.pem"),
        ),
        ("HS256 without a secret", app.token_for("alice")),
    ] {
        let r = me(&app, &token).await;
        assert_eq!(r.status, 401, "{what}");
        assert_eq!(r.code().as_deref(), Some("UNAUTHENTICATED"), "{what}");
    }
    let _ = std::fs::remove_file(jwks);
}

async fn a_key_added_to_the_jwks_file_is_accepted_without_a_restart(db: TestDatabase) {
    let jwks = jwks_copy("jwks.json");
    let app = spawn_app_with(&db, |s| s.jwks_file = Some(jwks.clone())).await;
    let rotated = sign(&claims("alice"), Algorithm::RS256, Some("rsa-2"), "rsa-2.pem");
    assert_eq!(me(&app, &rotated).await.status, 401, "not in the file yet");
    std::fs::copy(format!("{FIXTURES}/jwks-rotated.json"), &jwks).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        me(&app, &rotated).await.ok().data("me.id"),
        "alice",
        "re-read on the unknown kid"
    );
    let old = sign(&claims("bob"), Algorithm::RS256, Some("rsa-1"), "rsa-1.pem");
    assert_eq!(
        me(&app, &old).await.ok().data("me.id"),
        "bob",
        "the old key still works"
    );
    let _ = std::fs::remove_file(jwks);
}

async fn clock_skew_is_tolerated_up_to_the_configured_leeway(db: TestDatabase) {
    let mut late = claims("alice");
    late.exp = chrono::Utc::now().timestamp() - 30;
    let mut early = claims("alice");
    early.nbf = Some(chrono::Utc::now().timestamp() + 30);
    let tolerant = spawn_app_with(&db, |s| s.jwt_leeway = Duration::from_secs(60)).await;
    for c in [&late, &early] {
        let token = tolerant.token(crate::helpers::User { claims: c.clone() });
        assert_eq!(me(&tolerant, &token).await.ok().data("me.id"), "alice");
    }
    let strict = spawn_app_with(&db, |s| s.jwt_leeway = Duration::ZERO).await;
    for c in [&late, &early] {
        let token = strict.token(crate::helpers::User { claims: c.clone() });
        assert_eq!(me(&strict, &token).await.status, 401);
    }
}
