//! Who sees what, for now: the owner and admins everything of the owner's; everyone else,
//! anonymous included, only EVERYONE interests — by id, in lists, in counts.

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, TestApp, TestDatabase, User};

api_tests!(
    others_see_only_everyone_interests_by_id_in_lists_and_counts,
    filters_never_widen_what_a_viewer_sees,
);

const AUDIENCES: [&str; 7] = [
    "ME",
    "FAMILY",
    "CONTACTS",
    "GROUP_MEMBERS",
    "ORGANIZATION",
    "FEDERATED_ORGANIZATIONS",
    "EVERYONE",
];

async fn seen(app: &TestApp, token: Option<&str>, ids: &[Value]) -> (Vec<String>, Vec<String>, i64, i64) {
    let mut by_id = Vec::new();
    for id in ids {
        let r = app
            .graphql(
                "query($id: ID!) { interest(id: $id) { displayName } }",
                json!({ "id": id }),
                token,
            )
            .await
            .ok();
        if let Some(name) = r.data("interest.displayName").as_str() {
            by_id.push(name.to_owned());
        }
    }
    let lists = app
        .graphql(
            "{ all: interests(first: 100) { totalCount nodes { displayName } } alice: user(id: \"alice\") { interests(first: 100) { totalCount } } }",
            json!({}),
            token,
        )
        .await
        .ok();
    let listed = lists
        .data("all.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["displayName"].as_str().unwrap().to_owned())
        .collect();
    (
        by_id,
        listed,
        lists.data("all.totalCount").as_i64().unwrap(),
        lists.data("alice.interests.totalCount").as_i64().unwrap(),
    )
}

async fn others_see_only_everyone_interests_by_id_in_lists_and_counts(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice").tenant("contoso"));
    let mut ids = Vec::new();
    for audience in AUDIENCES {
        ids.push(
            app.create(
                &alice,
                json!({ "displayName": audience, "allowedAudiences": audience }),
            )
            .await["id"]
                .clone(),
        );
    }
    let all: Vec<String> = AUDIENCES.iter().map(|s| s.to_string()).collect();

    let owner = seen(&app, Some(&alice), &ids).await;
    assert_eq!(owner, (all.clone(), all.clone(), 7, 7));

    let admin = app.token(User::new("root").admin());
    assert_eq!(
        seen(&app, Some(&admin), &ids).await,
        (all.clone(), all.clone(), 7, 7)
    );

    let only_public = (vec!["EVERYONE".to_owned()], vec!["EVERYONE".to_owned()], 1, 1);
    // A colleague in the same organization: the full audience rules come later.
    let colleague = app.token(User::new("carol").tenant("contoso"));
    assert_eq!(seen(&app, Some(&colleague), &ids).await, only_public);
    let stranger = app.token(User::new("mallory").tenant("elsewhere"));
    assert_eq!(seen(&app, Some(&stranger), &ids).await, only_public);
    assert_eq!(seen(&app, None, &ids).await, only_public);
}

async fn filters_never_widen_what_a_viewer_sees(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let bob = app.token_for("bob");
    app.create(
        &alice,
        json!({ "displayName": "Secret", "allowedAudiences": "ME", "categories": ["X"] }),
    )
    .await;
    app.create(
        &alice,
        json!({ "displayName": "Open", "allowedAudiences": "EVERYONE", "categories": ["X"] }),
    )
    .await;
    let queries = [
        "{ interests(filter: {allowedAudiences: [ME]}) { totalCount nodes { id } } }",
        "{ interests(filter: {userIds: [\"alice\"], allowedAudiences: [ME, EVERYONE]}) { totalCount nodes { id } } }",
        "{ interests(filter: {categories: [\"x\"]}) { totalCount nodes { id } } }",
    ];
    let expected = [0, 1, 1];
    for (query, n) in queries.iter().zip(expected) {
        let r = app.graphql(query, json!({}), Some(&bob)).await.ok();
        assert_eq!(r.data("interests.totalCount"), n, "{query}");
        assert_eq!(
            r.data("interests.nodes").as_array().unwrap().len() as i64,
            n,
            "{query}"
        );
    }
}
