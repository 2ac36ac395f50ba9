//! Compiled plans (`graphql::plans`): a validated text of a known shape is answered without
//! async-graphql's executor. Every answer must be the executor's, byte for byte: each case runs
//! on two servers over one database, one with plans switched off (`--compiled-plans false`),
//! and `/metrics` tells which requests a plan answered.

use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, TestDatabase, User};

api_tests!(
    plans_answer_byte_for_byte_as_the_executor,
    shapes_plans_do_not_know_go_to_the_executor,
);

const PLANNED: &str = "interest_gateway_graphql_planned_operations_total";

/// Every field of an interest, nested objects and type names included.
const EVERY_FIELD: &str = "__typename id userId displayName description webUrl thumbnailUrl isSearchable \
    categories collaborationTags allowedAudiences inference { __typename confidenceScore userHasVerifiedAccuracy } \
    source { __typename type } createdBy { __typename user { __typename id displayName tenantId } application { id } \
    device { id } } createdDateTime lastModifiedBy { user { id displayName } } lastModifiedDateTime etag";

/// Status and body text of one POST.
async fn raw(app: &TestApp, query: &str, variables: &Value, token: Option<&str>) -> (u16, String) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the request is sent");
    (response.status().as_u16(), response.text().await.expect("a body"))
}

struct Servers {
    planned: TestApp,
    executor: TestApp,
}

impl Servers {
    async fn start(db: &TestDatabase) -> Self {
        Self {
            planned: spawn_app(db).await,
            executor: spawn_app_with(db, |s| s.compiled_plans = false).await,
        }
    }

    /// Runs `query` on the executor, then twice on the planned server (the first request of a
    /// new text validates it, later ones may use its plan): both answers equal the executor's,
    /// and the second was a plan's exactly when `by_plan`. Returns the answer.
    async fn same(&self, query: &str, variables: Value, token: Option<&str>, by_plan: bool) -> Value {
        let expected = raw(&self.executor, query, &variables, token).await;
        for round in 0..2 {
            let before = self.planned.counter(PLANNED).await;
            let got = raw(&self.planned, query, &variables, token).await;
            let planned = self.planned.counter(PLANNED).await - before;
            assert_eq!(got, expected, "round {round} of {query} with {variables}");
            // The first request of a text is validated in full; once it passed, a plan may answer.
            let allowed = if round == 0 {
                0..=u64::from(by_plan)
            } else {
                u64::from(by_plan)..=u64::from(by_plan)
            };
            assert!(
                allowed.contains(&planned),
                "plans used, round {round}: {planned}: {query} with {variables}"
            );
        }
        assert_eq!(self.executor.counter(PLANNED).await, 0);
        serde_json::from_str(&expected.1).expect("a JSON body")
    }
}

async fn seed(app: &TestApp) -> (String, Vec<Value>) {
    let owner = app.token(User::new("owner").named("Owner").tenant("contoso"));
    let mut created = Vec::new();
    let inputs = [
        json!({ "displayName": "Rust", "description": "Systems \"programming\" — ü", "webUrl": "https://www.rust-lang.org",
                "thumbnailUrl": "https://example.com/r.png", "categories": ["Programming", "Languages"],
                "collaborationTags": ["ABLE_TO_MENTOR", "ASK_ME_ABOUT"], "allowedAudiences": "EVERYONE",
                "inference": { "confidenceScore": 0.75, "userHasVerifiedAccuracy": true }, "source": { "type": ["manual", "import"] } }),
        json!({ "displayName": "Private diary", "allowedAudiences": "ME", "isSearchable": false }),
        json!({ "displayName": "Company topic", "categories": ["Programming"], "collaborationTags": ["WANTS_TO_LEARN"],
                "allowedAudiences": "ORGANIZATION", "inference": { "confidenceScore": 1 } }),
        json!({ "displayName": "Topic four", "categories": ["Programming"], "allowedAudiences": "EVERYONE" }),
        json!({ "displayName": "Topic five", "allowedAudiences": "EVERYONE", "source": { "type": [] } }),
    ];
    for input in inputs {
        created.push(app.create(&owner, input).await);
    }
    (owner, created)
}

async fn plans_answer_byte_for_byte_as_the_executor(db: TestDatabase) {
    let servers = Servers::start(&db).await;
    let (owner, created) = seed(&servers.planned).await;
    let colleague = servers
        .planned
        .token(User::new("colleague").named("Colleague").tenant("contoso"));
    let stranger = servers.planned.token(User::new("stranger").tenant("fabrikam"));
    let viewers = [
        Some(owner.as_str()),
        Some(colleague.as_str()),
        Some(stranger.as_str()),
        None,
    ];

    // An interest by id, every field, as each viewer: visible, hidden (null) and absent alike.
    let by_id = format!("query($id: ID!) {{ interest(id: $id) {{ {EVERY_FIELD} }} }}");
    let mut seen = 0;
    for viewer in viewers {
        for interest in &created {
            let answer = servers
                .same(&by_id, json!({ "id": interest["id"] }), viewer, true)
                .await;
            seen += usize::from(!answer["data"]["interest"].is_null());
        }
        let absent = json!({ "id": "00000000-0000-4000-8000-000000000000" });
        let answer = servers.same(&by_id, absent, viewer, true).await;
        assert!(answer["data"]["interest"].is_null(), "{answer}");
    }
    // owner 5, colleague 4, stranger 3, anonymous 3: the audiences decide, as in the executor.
    assert_eq!(seen, 15);

    // Aliases, fragments (named and inline), a literal id, type names at the root.
    let first_id = created[0]["id"].as_str().expect("an id");
    let shaped = format!(
        "query Shaped {{ __typename kind: __typename one: interest(id: \"{first_id}\") {{ ...Basics ... on PersonInterest {{ tags: collaborationTags }} \
         ... {{ when: createdDateTime }} }} }} fragment Basics on PersonInterest {{ key: id name: displayName inference {{ score: confidenceScore }} }}"
    );
    let answer = servers.same(&shaped, json!({}), Some(&owner), true).await;
    assert_eq!(
        answer["data"]["one"]["tags"],
        json!(["ABLE_TO_MENTOR", "ASK_ME_ABOUT"])
    );
    assert_eq!(answer["data"]["kind"], "Query");

    // A profile's first page (edges, cursors, pageInfo), with the page size a variable or left out.
    let profile = "query($u: ID!, $n: Int) { user(id: $u) { __typename id interests(first: $n, orderBy: {field: CREATED_DATE_TIME}) { \
        __typename edges { __typename cursor node { id displayName categories } } pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor } } } }";
    for viewer in viewers {
        for n in [json!(2), json!(null), json!(10)] {
            servers
                .same(profile, json!({ "u": "owner", "n": n }), viewer, true)
                .await;
        }
    }
    // Two connections of one profile, nodes and edges side by side, a filter and an order.
    let two = "{ user(id: \"owner\") { id mine: interests(first: 2, filter: {categories: [\"programming\"]}) { nodes { id } } \
        byName: interests(first: 3, orderBy: {field: DISPLAY_NAME, direction: DESC}) { nodes { displayName } edges { cursor } } } }";
    servers.same(two, json!({}), Some(&colleague), true).await;

    // The listing across profiles, page after page by cursor, forwards and backwards.
    let listing = "query($after: String, $c: String!) { interests(first: 2, after: $after, filter: {categories: [$c]}, \
        orderBy: {field: CREATED_DATE_TIME, direction: DESC}) { nodes { id categories } pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    let first = servers
        .same(
            listing,
            json!({ "after": null, "c": "Programming" }),
            Some(&colleague),
            true,
        )
        .await;
    let end = first["data"]["interests"]["pageInfo"]["endCursor"].clone();
    assert!(end.is_string(), "{first}");
    let second = servers
        .same(
            listing,
            json!({ "after": end, "c": "Programming" }),
            Some(&colleague),
            true,
        )
        .await;
    assert_eq!(
        second["data"]["interests"]["nodes"].as_array().map(Vec::len),
        Some(1),
        "{second}"
    );
    let last = second["data"]["interests"]["pageInfo"]["endCursor"].clone();
    let backwards = "query($before: String, $c: String!) { interests(last: 2, before: $before, filter: {categories: [$c]}, \
        orderBy: {field: CREATED_DATE_TIME, direction: DESC}) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor } } }";
    let back = servers
        .same(
            backwards,
            json!({ "before": last, "c": "Programming" }),
            Some(&owner),
            true,
        )
        .await;
    assert_eq!(
        back["data"]["interests"]["edges"].as_array().map(Vec::len),
        Some(2),
        "{back}"
    );
    // A ranked search.
    servers
        .same(
            "{ interests(first: 5, filter: {search: \"topic\"}) { nodes { id displayName } } }",
            json!({}),
            None,
            true,
        )
        .await;

    // What the resolvers refuse, a plan leaves to the executor, which writes the error.
    for (query, variables) in [
        (by_id.as_str(), json!({ "id": "not-an-id" })),
        (listing, json!({ "after": "garbage", "c": "Programming" })),
        (profile, json!({ "u": "owner", "n": -1 })),
        (profile, json!({ "u": "", "n": 2 })),
    ] {
        let answer = servers.same(query, variables, Some(&owner), false).await;
        assert!(answer["errors"][0]["extensions"]["code"].is_string(), "{answer}");
    }
}

async fn shapes_plans_do_not_know_go_to_the_executor(db: TestDatabase) {
    let servers = Servers::start(&db).await;
    let (owner, created) = seed(&servers.planned).await;
    let id = &created[0]["id"];
    for (query, variables) in [
        // A field with a loader, a count, a directive, a response key used twice.
        ("query($id: ID!) { interest(id: $id) { id user { displayName } } }", json!({ "id": id })),
        ("{ interests(first: 2) { totalCount } }", json!({})),
        ("query($id: ID!, $x: Boolean!) { interest(id: $id) { id displayName @include(if: $x) } }", json!({ "id": id, "x": false })),
        ("query($id: ID!) { interest(id: $id) { id id } }", json!({ "id": id })),
        ("query($id: ID!) { interest(id: $id) { id } other: interest(id: $id) { id } me { id } }", json!({ "id": id })),
        // Other roots and enum-typed variables.
        ("{ me { id interests(first: 1) { nodes { id } } } }", json!({})),
        ("query($t: CollaborationTag!) { interests(first: 2, filter: {collaborationTags: [$t]}) { nodes { id } } }", json!({ "t": "ABLE_TO_MENTOR" })),
    ] {
        servers.same(query, variables, Some(&owner), false).await;
    }
    // A mutation never runs as a plan, however often its text is sent.
    let before = servers.planned.counter(PLANNED).await;
    for name in ["One", "Two", "Three"] {
        servers
            .planned
            .create(&owner, json!({ "displayName": name }))
            .await;
    }
    assert_eq!(servers.planned.counter(PLANNED).await, before);
}
