//! Keyset pagination in both directions, orders, cursors, totalCount and every filter.

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, TestApp, TestDatabase};

api_tests!(
    forward_and_backward_pages_cover_every_interest_once,
    every_order_sorts_and_pages_consistently,
    a_cursor_from_another_order_or_a_forged_one_is_refused,
    total_count_counts_the_filter_not_the_page,
    every_filter_narrows_the_list,
    user_interests_lists_one_profile,
    an_empty_page_still_reports_what_follows,
    one_tag_and_one_category_pages_like_any_list,
);

const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String, $order: InterestOrder, $filter: InterestFilter) {
  interests(first: $first, after: $after, last: $last, before: $before, orderBy: $order, filter: $filter) {
    edges { cursor node { id displayName } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

async fn page(app: &TestApp, token: &str, vars: Value) -> Value {
    app.graphql(PAGE, vars, Some(token))
        .await
        .ok()
        .data("interests")
        .clone()
}

fn ids(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn names(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["displayName"].as_str().unwrap().to_owned())
        .collect()
}

async fn seed(app: &TestApp, token: &str, names: &[&str]) -> Vec<Value> {
    let mut created = Vec::new();
    for name in names {
        created.push(app.create(token, json!({ "displayName": name })).await);
    }
    created
}

/// Walks the whole list `size` at a time, forward then backward, and checks page info.
async fn walk(app: &TestApp, token: &str, order: Value, size: i64) -> Vec<String> {
    let everything = ids(&page(app, token, json!({ "first": 100, "order": order })).await);
    let mut forward = Vec::new();
    let mut after = Value::Null;
    let mut first_page = true;
    loop {
        let p = page(
            app,
            token,
            json!({ "first": size, "after": after, "order": order }),
        )
        .await;
        assert_eq!(
            p["pageInfo"]["hasPreviousPage"], !first_page,
            "hasPreviousPage going forward"
        );
        first_page = false;
        forward.extend(ids(&p));
        if p["pageInfo"]["hasNextPage"] == false {
            break;
        }
        assert_eq!(
            p["pageInfo"]["endCursor"],
            p["edges"].as_array().unwrap().last().unwrap()["cursor"]
        );
        after = p["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(forward, everything, "forward pages: each interest once, in order");

    let mut backward = Vec::new();
    let mut before = Value::Null;
    let mut last_page = true;
    loop {
        let p = page(
            app,
            token,
            json!({ "last": size, "before": before, "order": order }),
        )
        .await;
        assert_eq!(
            p["pageInfo"]["hasNextPage"], !last_page,
            "hasNextPage going backward"
        );
        last_page = false;
        let mut chunk = ids(&p);
        chunk.extend(backward);
        backward = chunk;
        if p["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = p["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(
        backward, everything,
        "backward pages: each interest once, in order"
    );
    everything
}

async fn forward_and_backward_pages_cover_every_interest_once(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let created = seed(&app, &token, &["a", "b", "c", "d", "e", "f", "g"]).await;
    let order = walk(&app, &token, json!({ "field": "CREATED_DATE_TIME" }), 3).await;
    let expected: Vec<String> = created
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, expected, "default order is creation order");
    // The default order (no orderBy) is CREATED_DATE_TIME ASC.
    assert_eq!(ids(&page(&app, &token, json!({})).await), expected);
    // A window between two cursors.
    let all = page(&app, &token, json!({ "first": 7 })).await;
    let edges = all["edges"].as_array().unwrap();
    let window = page(
        &app,
        &token,
        json!({ "first": 10, "after": edges[1]["cursor"], "before": edges[5]["cursor"] }),
    )
    .await;
    assert_eq!(names(&window), ["c", "d", "e"]);
    assert_eq!(window["pageInfo"]["hasNextPage"], false);
    assert_eq!(window["pageInfo"]["hasPreviousPage"], true);
}

async fn every_order_sorts_and_pages_consistently(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    let created = seed(
        &app,
        &token,
        &["delta", "Alpha", "charlie", "Bravo", "echo", "alpha"],
    )
    .await;
    let by_name = |direction: &str| json!({ "field": "DISPLAY_NAME", "direction": direction });
    let asc = page(&app, &token, json!({ "first": 10, "order": by_name("ASC") })).await;
    let asc_names = names(&asc);
    assert_eq!(
        asc_names.iter().map(|n| n.to_lowercase()).collect::<Vec<_>>(),
        ["alpha", "alpha", "bravo", "charlie", "delta", "echo"],
        "case-insensitive name order"
    );
    let mut desc_names = names(&page(&app, &token, json!({ "first": 10, "order": by_name("DESC") })).await);
    desc_names.reverse();
    assert_eq!(desc_names, asc_names, "DESC is ASC reversed, ties included");
    walk(&app, &token, by_name("ASC"), 4).await;
    walk(&app, &token, by_name("DESC"), 1).await;

    // Touch "charlie": newest modified first under LAST_MODIFIED_DATE_TIME DESC.
    app.graphql(
        "mutation($id: ID!) { updateInterest(id: $id, input: {description: \"touched\"}) { id } }",
        json!({ "id": created[2]["id"] }),
        Some(&token),
    )
    .await
    .ok();
    let modified = json!({ "field": "LAST_MODIFIED_DATE_TIME", "direction": "DESC" });
    let newest = page(&app, &token, json!({ "first": 2, "order": modified })).await;
    assert_eq!(names(&newest), ["charlie", "alpha"]);
    walk(&app, &token, modified, 4).await;
    let created_desc = json!({ "field": "CREATED_DATE_TIME", "direction": "DESC" });
    assert_eq!(
        names(&page(&app, &token, json!({ "first": 1, "order": created_desc })).await),
        ["alpha"]
    );
    walk(&app, &token, created_desc, 5).await;
}

async fn a_cursor_from_another_order_or_a_forged_one_is_refused(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    seed(&app, &token, &["a", "b"]).await;
    let p = page(&app, &token, json!({ "first": 1 })).await;
    let cursor = p["pageInfo"]["endCursor"].clone();
    let other = json!({ "field": "DISPLAY_NAME" });
    let response = app
        .graphql(
            PAGE,
            json!({ "first": 1, "after": cursor, "order": other }),
            Some(&token),
        )
        .await;
    assert_eq!(response.code().as_deref(), Some("BAD_USER_INPUT"));
    assert_eq!(response.field().as_deref(), Some("after"));
    let mut forged = cursor.as_str().unwrap().to_owned();
    forged.insert_str(3, "zz");
    let response = app
        .graphql(PAGE, json!({ "first": 1, "before": forged }), Some(&token))
        .await;
    assert_eq!(response.code().as_deref(), Some("BAD_USER_INPUT"));
    assert_eq!(response.field().as_deref(), Some("before"));
}

async fn total_count_counts_the_filter_not_the_page(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    for i in 0..5 {
        app.create(&token, json!({ "displayName": format!("n{i}"), "categories": if i % 2 == 0 { vec!["even"] } else { vec!["odd"] } })).await;
    }
    let r = app
        .graphql(
            "{ all: interests(first: 2) { totalCount nodes { id } } even: interests(first: 1, filter: {categories: [\"EVEN\"]}) { totalCount } }",
            json!({}),
            Some(&token),
        )
        .await
        .ok();
    assert_eq!(r.data("all.totalCount"), 5);
    assert_eq!(r.data("all.nodes").as_array().unwrap().len(), 2);
    assert_eq!(r.data("even.totalCount"), 3);
}

async fn every_filter_narrows_the_list(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let bob = app.token_for("bob");
    let admin = app.token(crate::helpers::User::new("root").admin());
    let a1 = app
        .create(&alice, json!({ "displayName": "Rust", "categories": ["Programming", "Systems"], "collaborationTags": ["ABLE_TO_MENTOR"], "allowedAudiences": "EVERYONE" }))
        .await;
    let a2 = app
        .create(&alice, json!({ "displayName": "Piano", "categories": ["Music"], "collaborationTags": ["WANTS_TO_LEARN"], "allowedAudiences": "ME" }))
        .await;
    let b1 = app
        .create(&bob, json!({ "displayName": "Go", "categories": ["programming"], "collaborationTags": ["WANTS_TO_LEARN", "ASK_ME_ABOUT"], "allowedAudiences": "ORGANIZATION" }))
        .await;
    assert_eq!(app.total_count(Some(&admin), json!({})).await, 3);
    assert_eq!(
        app.total_count(Some(&admin), json!({ "userIds": ["alice"] }))
            .await,
        2
    );
    assert_eq!(
        app.total_count(Some(&admin), json!({ "userIds": ["alice", "bob"] }))
            .await,
        3
    );
    assert_eq!(app.total_count(Some(&admin), json!({ "userIds": [] })).await, 0);
    assert_eq!(
        app.total_count(Some(&admin), json!({ "categories": ["PROGRAMMING"] }))
            .await,
        2
    );
    assert_eq!(
        app.total_count(Some(&admin), json!({ "categories": ["music", "systems"] }))
            .await,
        2
    );
    assert_eq!(
        app.total_count(Some(&admin), json!({ "categories": ["none"] }))
            .await,
        0
    );
    assert_eq!(
        app.total_count(Some(&admin), json!({ "collaborationTags": ["WANTS_TO_LEARN"] }))
            .await,
        2
    );
    assert_eq!(
        app.total_count(
            Some(&admin),
            json!({ "collaborationTags": ["ABLE_TO_MENTOR", "ASK_ME_ABOUT"] })
        )
        .await,
        2
    );
    assert_eq!(
        app.total_count(
            Some(&admin),
            json!({ "allowedAudiences": ["ME", "ORGANIZATION"] })
        )
        .await,
        2
    );
    assert_eq!(
        app.total_count(Some(&admin), json!({ "categories": ["programming"], "collaborationTags": ["WANTS_TO_LEARN"], "userIds": ["bob"] })).await,
        1
    );
    let t1 = a2["createdDateTime"].as_str().unwrap();
    assert_eq!(
        app.total_count(Some(&admin), json!({ "createdAfter": t1 })).await,
        1,
        "strictly after"
    );
    assert_eq!(
        app.total_count(Some(&admin), json!({ "createdBefore": t1 }))
            .await,
        1,
        "strictly before"
    );
    assert_eq!(
        app.total_count(
            Some(&admin),
            json!({ "createdAfter": a1["createdDateTime"], "createdBefore": b1["createdDateTime"] })
        )
        .await,
        1
    );
    // Offsets other than Z are understood.
    assert_eq!(
        app.total_count(
            Some(&admin),
            json!({ "createdAfter": "2000-01-01T02:00:00+02:00" })
        )
        .await,
        3
    );
    app.graphql(
        "mutation($id: ID!) { updateInterest(id: $id, input: {description: \"new\"}) { id } }",
        json!({ "id": a1["id"] }),
        Some(&alice),
    )
    .await
    .ok();
    assert_eq!(
        app.total_count(
            Some(&admin),
            json!({ "modifiedAfter": b1["lastModifiedDateTime"] })
        )
        .await,
        1
    );
    assert_eq!(
        app.total_count(
            Some(&admin),
            json!({ "modifiedBefore": b1["lastModifiedDateTime"] })
        )
        .await,
        1
    );
    let bad_time = app
        .graphql(
            "{ interests(filter: {createdAfter: \"yesterday\"}) { totalCount } }",
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(bad_time.code().as_deref(), Some("GRAPHQL_VALIDATION_FAILED"));
}

async fn user_interests_lists_one_profile(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let bob = app.token_for("bob");
    seed(&app, &alice, &["a1", "a2", "a3"]).await;
    seed(&app, &bob, &["b1"]).await;
    let r = app
        .graphql(
            "{ user(id: \"alice\") { id interests(first: 2) { totalCount nodes { displayName userId } pageInfo { hasNextPage } } } }",
            json!({}),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(r.data("user.interests.totalCount"), 3);
    assert_eq!(
        r.data("user.interests.nodes"),
        &json!([{ "displayName": "a1", "userId": "alice" }, { "displayName": "a2", "userId": "alice" }])
    );
    assert_eq!(r.data("user.interests.pageInfo.hasNextPage"), true);
    let crossed = app
        .graphql(
            "{ user(id: \"alice\") { interests(filter: {userIds: [\"bob\"]}) { totalCount } } }",
            json!({}),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        crossed.data("user.interests.totalCount"),
        0,
        "a profile never lists another's interests"
    );
    let nobody = app
        .graphql(
            "{ user(id: \"nobody\") { id interests { totalCount } } }",
            json!({}),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(nobody.data("user.interests.totalCount"), 0);
}

async fn an_empty_page_still_reports_what_follows(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let token = app.token_for("alice");
    seed(&app, &token, &["a"]).await;
    let p = page(&app, &token, json!({ "first": 0 })).await;
    assert_eq!(p["edges"], json!([]));
    assert_eq!(p["pageInfo"]["hasNextPage"], true);
    assert_eq!(p["pageInfo"]["startCursor"], Value::Null);
    let empty = app.graphql("{ interests(filter: {userIds: [\"nobody\"]}) { edges { cursor } pageInfo { hasNextPage hasPreviousPage } } }", json!({}), Some(&token)).await.ok();
    assert_eq!(empty.data("interests.edges"), &json!([]));
    assert_eq!(empty.data("interests.pageInfo.hasNextPage"), false);
}

/// One tag and one category in creation order is read from its own index (`interest_tag_category`):
/// the same rows, order, cursors, visibility and freshness after writes as any other list.
async fn one_tag_and_one_category_pages_like_any_list(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let owner = app.token(crate::helpers::User::new("owner").tenant("contoso"));
    let colleague = app.token(crate::helpers::User::new("colleague").tenant("contoso"));
    let stranger = app.token(crate::helpers::User::new("stranger").tenant("fabrikam"));
    let mut expected_all = Vec::new();
    let mut expected_org = Vec::new();
    for i in 0..24 {
        let tags = if i % 2 == 0 {
            json!(["ABLE_TO_MENTOR", "ASK_ME_ABOUT"])
        } else {
            json!(["WANTS_TO_LEARN"])
        };
        let categories = if i % 3 == 0 {
            json!(["Rust", "Databases"])
        } else {
            json!(["rust"])
        };
        let audience = ["ORGANIZATION", "ME", "EVERYONE"][i % 3];
        let created = app
            .create(
                &owner,
                json!({ "displayName": format!("Topic {i}"), "collaborationTags": tags,
                        "categories": categories, "allowedAudiences": audience }),
            )
            .await;
        if i % 2 == 0 {
            let id = created["id"].as_str().unwrap().to_owned();
            expected_all.push(id.clone());
            if audience != "ME" {
                expected_org.push(id);
            }
        }
    }
    let filter = json!({ "collaborationTags": ["ABLE_TO_MENTOR"], "categories": ["RUST"] });
    let newest_first = json!({ "field": "CREATED_DATE_TIME", "direction": "DESC" });
    let walk_forward = |token: String, order: Value| {
        let (app, filter) = (&app, filter.clone());
        async move {
            let mut seen = Vec::new();
            let mut after = Value::Null;
            loop {
                let p = page(
                    app,
                    &token,
                    json!({ "first": 5, "after": after, "order": order, "filter": filter }),
                )
                .await;
                seen.extend(ids(&p));
                if !p["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                    break seen;
                }
                after = p["pageInfo"]["endCursor"].clone();
            }
        }
    };
    let mut newest = expected_all.clone();
    newest.reverse();
    assert_eq!(walk_forward(owner.clone(), newest_first.clone()).await, newest);
    let oldest_first = json!({ "field": "CREATED_DATE_TIME", "direction": "ASC" });
    assert_eq!(walk_forward(owner.clone(), oldest_first).await, expected_all);
    let mut org_newest = expected_org.clone();
    org_newest.reverse();
    assert_eq!(
        walk_forward(colleague.clone(), newest_first.clone()).await,
        org_newest
    );
    // A stranger sees only the EVERYONE ones.
    let stranger_sees = walk_forward(stranger.clone(), newest_first.clone()).await;
    let public: Vec<String> = org_newest
        .iter()
        .filter(|id| (expected_all.iter().position(|e| e == *id).unwrap() * 2) % 3 == 2)
        .cloned()
        .collect();
    assert_eq!(stranger_sees, public);

    // Backwards from the end, with `last`/`before`.
    let last = page(
        &app,
        &owner,
        json!({ "last": 3, "order": newest_first, "filter": filter }),
    )
    .await;
    assert_eq!(ids(&last), newest[newest.len() - 3..].to_vec());
    let before = page(
        &app,
        &owner,
        json!({ "last": 3, "before": last["pageInfo"]["startCursor"], "order": newest_first, "filter": filter }),
    )
    .await;
    assert_eq!(ids(&before), newest[newest.len() - 6..newest.len() - 3].to_vec());

    // Writes keep the pairs current: dropping the tag, dropping the category, deleting.
    let update =
        "mutation($id: ID!, $input: UpdateInterestInput!) { updateInterest(id: $id, input: $input) { id } }";
    let [first, second, third] = [&newest[0], &newest[1], &newest[2]];
    app.graphql(
        update,
        json!({ "id": first, "input": { "collaborationTags": ["WANTS_TO_LEARN"] } }),
        Some(&owner),
    )
    .await
    .ok();
    app.graphql(
        update,
        json!({ "id": second, "input": { "categories": ["Databases"] } }),
        Some(&owner),
    )
    .await
    .ok();
    app.graphql(
        "mutation($id: ID!) { deleteInterest(id: $id) { id } }",
        json!({ "id": third }),
        Some(&owner),
    )
    .await
    .ok();
    // And adding both to one that had neither.
    let odd = app
        .create(
            &owner,
            json!({ "displayName": "Late", "collaborationTags": ["WANTS_TO_LEARN"] }),
        )
        .await;
    app.graphql(
        update,
        json!({ "id": odd["id"], "input": { "collaborationTags": ["ABLE_TO_MENTOR"], "categories": ["Rust"] } }),
        Some(&owner),
    )
    .await
    .ok();
    let mut now = vec![odd["id"].as_str().unwrap().to_owned()];
    now.extend(newest[3..].iter().cloned());
    assert_eq!(walk_forward(owner.clone(), newest_first).await, now);
    assert_eq!(
        app.total_count(Some(&owner), filter.clone()).await,
        now.len() as i64,
        "the count agrees with the list"
    );
}
