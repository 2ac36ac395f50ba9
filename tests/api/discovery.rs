//! interestFacets and matchesFor: counts and matches over what the caller may see.

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, TestApp, TestDatabase, User};

api_tests!(
    facets_count_what_the_caller_may_see,
    matches_find_mentors_and_learners_on_the_same_topic_best_first,
    matches_are_for_the_callers_own_interests,
);

const FACETS: &str = "query($f: InterestFilter) { interestFacets(filter: $f) {
  categories { value count } collaborationTags { value count } allowedAudiences { value count } } }";

async fn facets(app: &TestApp, token: Option<&str>, filter: Value) -> Value {
    app.graphql(FACETS, json!({ "f": filter }), token)
        .await
        .ok()
        .data("interestFacets")
        .clone()
}

fn counts(pairs: &[(&str, i64)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(v, c)| json!({ "value": v, "count": c }))
            .collect(),
    )
}

async fn facets_count_what_the_caller_may_see(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice").tenant("contoso"));
    let bob = app.token(User::new("bob").tenant("fabrikam"));
    let carol = app.token(User::new("carol").tenant("contoso"));
    for input in [
        json!({ "displayName": "Rust", "categories": ["Programming", "Systems"], "collaborationTags": ["ABLE_TO_MENTOR"], "allowedAudiences": "EVERYONE" }),
        json!({ "displayName": "Go", "categories": ["programming"], "collaborationTags": ["WANTS_TO_LEARN"], "allowedAudiences": "EVERYONE" }),
        json!({ "displayName": "Piano", "categories": ["Music"], "allowedAudiences": "ME" }),
        json!({ "displayName": "Secret", "categories": ["Programming"], "allowedAudiences": "EVERYONE", "isSearchable": false }),
    ] {
        app.create(&alice, input).await;
    }
    app.create(&bob, json!({ "displayName": "Python", "categories": ["Programming"], "collaborationTags": ["ABLE_TO_MENTOR", "ASK_ME_ABOUT"], "allowedAudiences": "ORGANIZATION" }))
        .await;

    let zero_audiences = [
        "ME",
        "FAMILY",
        "CONTACTS",
        "GROUP_MEMBERS",
        "ORGANIZATION",
        "FEDERATED_ORGANIZATIONS",
        "UNKNOWN_FUTURE_VALUE",
    ];
    let mut audiences = vec![("EVERYONE", 2)];
    audiences.extend(zero_audiences.iter().map(|a| (*a, 0)));
    let expected = json!({
        "categories": counts(&[("Programming", 2), ("Systems", 1)]),
        "collaborationTags": counts(&[("ASK_ME_ABOUT", 0), ("ABLE_TO_MENTOR", 1), ("WANTS_TO_LEARN", 1), ("WANTS_TO_IMPROVE", 0)]),
        "allowedAudiences": counts(&audiences),
    });
    // Ties keep the enum order after the largest first; compare tags as a set of pairs.
    for (who, token) in [("colleague", Some(carol.as_str())), ("anonymous", None)] {
        let seen = facets(&app, token, json!(null)).await;
        assert_eq!(seen["categories"], expected["categories"], "{who}");
        assert_eq!(seen["allowedAudiences"], expected["allowedAudiences"], "{who}");
        let mut tags: Vec<(String, i64)> = seen["collaborationTags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["value"].as_str().unwrap().to_owned(),
                    t["count"].as_i64().unwrap(),
                )
            })
            .collect();
        assert!(
            tags.windows(2).all(|w| w[0].1 >= w[1].1),
            "largest first: {tags:?}"
        );
        tags.sort();
        assert_eq!(
            tags,
            [
                ("ABLE_TO_MENTOR".into(), 1),
                ("ASK_ME_ABOUT".into(), 0),
                ("WANTS_TO_IMPROVE".into(), 0),
                ("WANTS_TO_LEARN".into(), 1)
            ],
            "{who}"
        );
    }
    // The owner counts her own, unsearchable and private ones included.
    let own = facets(&app, Some(&alice), json!(null)).await;
    assert_eq!(
        own["categories"],
        counts(&[("Programming", 3), ("Music", 1), ("Systems", 1)])
    );
    // Filters apply.
    let mentors = facets(
        &app,
        Some(&carol),
        json!({ "collaborationTags": ["ABLE_TO_MENTOR"] }),
    )
    .await;
    assert_eq!(
        mentors["categories"],
        counts(&[("Programming", 1), ("Systems", 1)])
    );
    let searched = facets(&app, Some(&carol), json!({ "search": "rust" })).await;
    assert_eq!(
        searched["categories"],
        counts(&[("Programming", 1), ("Systems", 1)])
    );
}

const MATCHES: &str = "query($id: ID!, $first: Int) { matchesFor(interestId: $id, first: $first) {
  score interest { userId displayName collaborationTags } } }";

async fn matches(app: &TestApp, token: &str, id: &Value, first: i64) -> Vec<(String, f64)> {
    let r = app
        .graphql(MATCHES, json!({ "id": id, "first": first }), Some(token))
        .await
        .ok();
    r.data("matchesFor")
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["interest"]["userId"].as_str().unwrap().to_owned(),
                m["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

async fn matches_find_mentors_and_learners_on_the_same_topic_best_first(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let tok = |sub: &str| app.token(User::new(sub).tenant("contoso"));
    let alice = tok("alice");
    let learning = app
        .create(&alice, json!({ "displayName": "Rust", "categories": ["Programming"], "collaborationTags": ["WANTS_TO_LEARN"] }))
        .await;
    app.create(&alice, json!({ "displayName": "Rust", "collaborationTags": ["ABLE_TO_MENTOR"], "allowedAudiences": "EVERYONE" })).await;
    let people = [
        (
            "bob",
            json!({ "displayName": "  rust ", "collaborationTags": ["ABLE_TO_MENTOR"], "allowedAudiences": "EVERYONE" }),
        ),
        (
            "carol",
            json!({ "displayName": "Go", "categories": ["programming"], "collaborationTags": ["ASK_ME_ABOUT"] }),
        ),
        (
            "dave",
            json!({ "displayName": "Rust compilers", "collaborationTags": ["ABLE_TO_MENTOR"], "allowedAudiences": "EVERYONE" }),
        ),
        (
            "erin",
            json!({ "displayName": "Rust", "collaborationTags": ["WANTS_TO_LEARN"], "allowedAudiences": "EVERYONE" }),
        ),
        (
            "frank",
            json!({ "displayName": "Rust", "collaborationTags": ["ABLE_TO_MENTOR"], "allowedAudiences": "ME" }),
        ),
        (
            "gina",
            json!({ "displayName": "Rust", "collaborationTags": ["ABLE_TO_MENTOR"], "allowedAudiences": "EVERYONE", "isSearchable": false }),
        ),
        (
            "hank",
            json!({ "displayName": "Cooking", "collaborationTags": ["ABLE_TO_MENTOR"], "allowedAudiences": "EVERYONE" }),
        ),
    ];
    let mut bobs = Value::Null;
    for (who, input) in people {
        let created = app.create(&tok(who), input).await;
        if who == "bob" {
            bobs = created["id"].clone();
        }
    }
    let found = matches(&app, &alice, &learning["id"], 20).await;
    let who: Vec<&str> = found.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(
        who,
        ["bob", "carol", "dave"],
        "same name, then shared category, then text: {found:?}"
    );
    assert!(
        found[0].1 > found[1].1 && found[1].1 > found[2].1 && found[2].1 > 0.0,
        "{found:?}"
    );
    assert_eq!(matches(&app, &alice, &learning["id"], 1).await.len(), 1);
    assert!(matches(&app, &alice, &learning["id"], 0).await.is_empty());

    // From the mentor's side: the people who want to learn it.
    let bob = tok("bob");
    let mut learners: Vec<String> = matches(&app, &bob, &bobs, 20)
        .await
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    learners.sort();
    assert_eq!(learners, ["alice", "erin"]);
}

async fn matches_are_for_the_callers_own_interests(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice"));
    let bob = app.token(User::new("bob"));
    let public = app.create(&alice, json!({ "displayName": "Rust", "collaborationTags": ["WANTS_TO_LEARN"], "allowedAudiences": "EVERYONE" })).await;
    let private = app.create(&alice, json!({ "displayName": "Rust", "collaborationTags": ["WANTS_TO_LEARN"], "allowedAudiences": "ME" })).await;
    let untagged = app.create(&alice, json!({ "displayName": "Chess" })).await;
    let ask = |token: Option<&str>, id: &Value, first: i64| {
        let (app, token, id) = (&app, token.map(str::to_owned), id.clone());
        async move {
            app.graphql(MATCHES, json!({ "id": id, "first": first }), token.as_deref())
                .await
        }
    };
    assert_eq!(
        ask(Some(&bob), &public["id"], 20).await.code().as_deref(),
        Some("FORBIDDEN")
    );
    assert_eq!(
        ask(Some(&bob), &private["id"], 20).await.code().as_deref(),
        Some("NOT_FOUND")
    );
    assert_eq!(
        ask(None, &public["id"], 20).await.code().as_deref(),
        Some("UNAUTHENTICATED")
    );
    let bad = ask(Some(&alice), &public["id"], 101).await;
    assert_eq!(
        (bad.code().as_deref(), bad.field().as_deref()),
        (Some("BAD_USER_INPUT"), Some("first"))
    );
    let malformed = ask(Some(&alice), &json!("nope"), 20).await;
    assert_eq!(
        (malformed.code().as_deref(), malformed.field().as_deref()),
        (Some("BAD_USER_INPUT"), Some("interestId"))
    );
    assert_eq!(
        ask(Some(&alice), &untagged["id"], 20)
            .await
            .ok()
            .data("matchesFor"),
        &json!([]),
        "nothing to match on"
    );
}
