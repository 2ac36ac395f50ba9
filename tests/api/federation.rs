//! Apollo Federation v2 (API.md §11): `_service { sdl }` and `_entities` with visibility.

use serde_json::{json, Value};
use std::time::Duration;

use crate::api_tests;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, TestDatabase, User};

api_tests!(
    the_subgraph_sdl_declares_both_entities_under_federation_v2,
    entities_resolve_with_the_same_visibility_as_interest_by_id,
    a_user_entity_shows_only_the_interests_the_caller_may_see,
    many_interest_representations_cost_one_statement,
    a_malformed_representation_is_a_bad_user_input,
);

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) { \
    __typename ... on PersonInterest { id displayName allowedAudiences } \
    ... on User { id interests { totalCount nodes { displayName } } } } }";

fn interest(id: &str) -> Value {
    json!({ "__typename": "PersonInterest", "id": id })
}

async fn sdl(app: &TestApp) -> String {
    let response = app.graphql("{ _service { sdl } }", json!({}), None).await.ok();
    response.data("_service.sdl").as_str().unwrap().to_owned()
}

async fn the_subgraph_sdl_declares_both_entities_under_federation_v2(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let sdl = sdl(&app).await;
    assert!(sdl.contains("type PersonInterest @key(fields: \"id\")"), "{sdl}");
    assert!(sdl.contains("type User @key(fields: \"id\")"), "{sdl}");
    assert!(
        sdl.contains("url: \"https://specs.apollo.dev/federation/v2."),
        "{sdl}"
    );
    // The subgraph SDL is the service's schema, not federation's plumbing.
    assert!(!sdl.contains("_entities"), "{sdl}");
    assert!(
        sdl.contains("interestEvents"),
        "subscriptions are part of the subgraph"
    );
}

async fn entities_resolve_with_the_same_visibility_as_interest_by_id(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let owner = app.token(User::new("owner").tenant("contoso"));
    let public = app
        .create(
            &owner,
            json!({ "displayName": "Sailing", "allowedAudiences": "EVERYONE" }),
        )
        .await;
    let private = app
        .create(
            &owner,
            json!({ "displayName": "Diary", "allowedAudiences": "ME" }),
        )
        .await;
    let org = app
        .create(
            &owner,
            json!({ "displayName": "Kubernetes", "allowedAudiences": "ORGANIZATION" }),
        )
        .await;
    let missing = "0190f0f0-0000-7000-8000-000000000000";
    let representations = json!([
        interest(public["id"].as_str().unwrap()),
        interest(private["id"].as_str().unwrap()),
        interest(org["id"].as_str().unwrap()),
        interest(missing),
    ]);
    let names = |body: &Value| -> Vec<Value> {
        body["data"]["_entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.get("displayName").cloned().unwrap_or(Value::Null))
            .collect()
    };

    let stranger = app.token(User::new("stranger").tenant("fabrikam"));
    let colleague = app.token(User::new("colleague").tenant("contoso"));
    for (token, expected) in [
        (None, json!(["Sailing", null, null, null])),
        (Some(stranger.as_str()), json!(["Sailing", null, null, null])),
        (
            Some(colleague.as_str()),
            json!(["Sailing", null, "Kubernetes", null]),
        ),
        (
            Some(owner.as_str()),
            json!(["Sailing", "Diary", "Kubernetes", null]),
        ),
    ] {
        let response = app
            .graphql(ENTITIES, json!({ "r": representations }), token)
            .await
            .ok();
        assert_eq!(Value::Array(names(&response.body)), expected, "viewer {token:?}");
        // What `_entities` shows is exactly what `interest(id)` shows.
        for (representation, name) in representations
            .as_array()
            .unwrap()
            .iter()
            .zip(expected.as_array().unwrap())
        {
            let by_id = app
                .graphql(
                    "query($id: ID!) { interest(id: $id) { displayName } }",
                    json!({ "id": representation["id"] }),
                    token,
                )
                .await
                .ok();
            let seen = by_id.body["data"]["interest"]
                .get("displayName")
                .cloned()
                .unwrap_or(Value::Null);
            assert_eq!(&seen, name);
        }
    }
    let entities = app
        .graphql(ENTITIES, json!({ "r": representations }), Some(&owner))
        .await
        .ok();
    assert_eq!(
        entities.body["data"]["_entities"][0]["__typename"],
        "PersonInterest"
    );
    assert_eq!(entities.body["data"]["_entities"][0]["id"], public["id"]);
}

async fn a_user_entity_shows_only_the_interests_the_caller_may_see(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let owner = app.token(User::new("owner").tenant("contoso"));
    app.create(
        &owner,
        json!({ "displayName": "Sailing", "allowedAudiences": "EVERYONE" }),
    )
    .await;
    app.create(
        &owner,
        json!({ "displayName": "Diary", "allowedAudiences": "ME" }),
    )
    .await;
    let user = json!([{ "__typename": "User", "id": "owner" }]);
    let total = |body: &Value| body["data"]["_entities"][0]["interests"]["totalCount"].clone();

    let stranger = app.token(User::new("stranger"));
    let seen = app
        .graphql(ENTITIES, json!({ "r": user }), Some(&stranger))
        .await
        .ok();
    assert_eq!(seen.body["data"]["_entities"][0]["__typename"], "User");
    assert_eq!(seen.body["data"]["_entities"][0]["id"], "owner");
    assert_eq!(total(&seen.body), 1);
    assert_eq!(
        seen.body["data"]["_entities"][0]["interests"]["nodes"],
        json!([{ "displayName": "Sailing" }])
    );
    let own = app
        .graphql(ENTITIES, json!({ "r": user }), Some(&owner))
        .await
        .ok();
    assert_eq!(total(&own.body), 2);
}

async fn many_interest_representations_cost_one_statement(db: TestDatabase) {
    // A window wide enough that a busy test machine never splits the batch.
    let app = spawn_app_with(&db, |s| s.batch_window = Duration::from_millis(100)).await;
    let owner = app.token(User::new("owner"));
    let mut ids = Vec::new();
    for i in 0..12 {
        let created = app
            .create(
                &owner,
                json!({ "displayName": format!("Topic {i}"), "allowedAudiences": "EVERYONE" }),
            )
            .await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let reader = app.token(User::new("reader"));
    let query =
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on PersonInterest { displayName } } }";
    app.graphql("{ me { id } }", json!({}), Some(&reader)).await.ok(); // records the reader
    let mut costs = Vec::new();
    for n in [1, 12] {
        let representations: Vec<Value> = ids[..n].iter().map(|id| interest(id)).collect();
        let before = app.statements().await;
        let response = app
            .graphql(query, json!({ "r": representations }), Some(&reader))
            .await
            .ok();
        costs.push(app.statements().await - before);
        let names: Vec<_> = response.body["data"]["_entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["displayName"].as_str().unwrap().to_owned())
            .collect();
        let expected: Vec<_> = (0..n).map(|i| format!("Topic {i}")).collect();
        assert_eq!(names, expected, "entities come back in the order asked");
    }
    assert_eq!(
        costs[0], costs[1],
        "1 and 12 representations cost {costs:?} statements"
    );
}

async fn a_malformed_representation_is_a_bad_user_input(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let response = app
        .graphql(ENTITIES, json!({ "r": [interest("not-a-uuid")] }), None)
        .await;
    assert_eq!(
        response.code().as_deref(),
        Some("BAD_USER_INPUT"),
        "{:?}",
        response.body
    );
}
