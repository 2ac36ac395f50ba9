//! Microsoft Graph's beta REST surface under `/beta` (API.md §10): the same interests, rules
//! and visibility as GraphQL, in Graph's shape.

use reqwest::Method;
use serde_json::{json, Value};

use crate::api_tests;
use crate::helpers::{spawn_app, TestApp, TestDatabase, User};

api_tests!(
    create_get_patch_and_delete_in_graphs_shape,
    rest_follows_the_same_audience_and_ownership_rules_as_graphql,
    lists_page_count_select_and_order,
    filters_combine_and_match_the_graphql_filter,
    bad_requests_get_graphs_error_envelope_and_change_nothing,
    if_match_guards_updates_and_deletes,
    a_rest_write_reaches_graphql_subscribers,
    next_links_keep_the_filter_and_options_need_no_dollar,
    links_use_the_public_url_when_configured,
);

/// A response under `/beta`.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `value` of a list, as ids.
    fn ids(&self) -> Vec<String> {
        self.body["value"]
            .as_array()
            .unwrap_or_else(|| panic!("a list: {:#}", self.body))
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Asserts Graph's error envelope with `status` and `code`.
    #[track_caller]
    fn error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "{:#}", self.body);
        let error = &self.body["error"];
        assert_eq!(error["code"], code, "{:#}", self.body);
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(error["innerError"]["date"].as_str().is_some(), "{:#}", self.body);
        assert!(self.header("request-id").is_some(), "a request-id header");
        assert_eq!(
            error["innerError"]["request-id"].as_str(),
            self.header("request-id"),
            "{:#}",
            self.body
        );
        error
    }
}

/// Sends `method path` with an optional token, JSON body and extra headers.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        app.url(path)
    };
    let mut request = app.client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the request is sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

const MINE: &str = "/beta/me/profile/interests";

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let created = call(app, Method::POST, MINE, Some(token), Some(body), &[]).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    created.body
}

async fn create_get_patch_and_delete_in_graphs_shape(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice").named("Alice").tenant("contoso"));
    let created = call(
        &app,
        Method::POST,
        MINE,
        Some(&alice),
        Some(json!({
            "@odata.type": "#microsoft.graph.personInterest",
            "displayName": "Chicago Bears",
            "description": "Football",
            "webUrl": "https://www.chicagobears.com",
            "categories": ["Sports", "sports", "Football"],
            "collaborationTags": ["askMeAbout", "ableToMentor"],
            "allowedAudiences": "organization",
            "inference": {"confidenceScore": 0.5, "userHasVerifiedAccuracy": true},
            "source": {"type": "User"},
        })),
        &[],
    )
    .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let body = &created.body;
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(body["@odata.type"], "#microsoft.graph.personInterest");
    assert!(body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/beta/$metadata#users('alice')/profile/interests/$entity"));
    assert_eq!(body["categories"], json!(["Sports", "Football"]));
    assert_eq!(body["collaborationTags"], json!(["askMeAbout", "ableToMentor"]));
    assert_eq!(body["allowedAudiences"], "organization");
    assert_eq!(body["source"], json!({"type": ["User"]}));
    assert_eq!(body["inference"]["confidenceScore"], 0.5);
    assert_eq!(
        body["createdBy"]["user"],
        json!({"id": "alice", "displayName": "Alice", "tenantId": "contoso"})
    );
    assert_eq!(body["createdDateTime"], body["lastModifiedDateTime"]);
    assert_eq!(created.header("etag"), body["@odata.etag"].as_str());
    assert!(created
        .header("location")
        .unwrap()
        .ends_with(&format!("{MINE}/{id}")));

    // GraphQL sees the same interest, with the GraphQL spellings.
    let seen = app
        .graphql(
            "query($id: ID!) { interest(id: $id) { displayName collaborationTags allowedAudiences etag } }",
            json!({ "id": id }),
            Some(&alice),
        )
        .await
        .ok();
    assert_eq!(
        seen.data("interest.collaborationTags"),
        &json!(["ASK_ME_ABOUT", "ABLE_TO_MENTOR"])
    );
    assert_eq!(seen.data("interest.etag"), &body["@odata.etag"]);

    // GET, under /me and under /users/{id}.
    let item = format!("{MINE}/{id}");
    let got = call(&app, Method::GET, &item, Some(&alice), None, &[]).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["displayName"], "Chicago Bears");
    let by_user = call(
        &app,
        Method::GET,
        &format!("/beta/users/alice/profile/interests/{id}"),
        Some(&alice),
        None,
        &[],
    )
    .await;
    assert_eq!(by_user.body["id"], id.as_str());

    // PATCH merges: only what is sent changes; null clears an optional property.
    let patched = call(
        &app,
        Method::PATCH,
        &item,
        Some(&alice),
        Some(json!({"displayName": "Bears", "description": null, "collaborationTags": ["wantsToLearn"]})),
        &[],
    )
    .await;
    assert_eq!(patched.status, 200, "{:#}", patched.body);
    assert_eq!(patched.body["displayName"], "Bears");
    assert_eq!(patched.body["description"], Value::Null);
    assert_eq!(patched.body["collaborationTags"], json!(["wantsToLearn"]));
    assert_eq!(patched.body["webUrl"], "https://www.chicagobears.com");
    assert_eq!(patched.body["categories"], json!(["Sports", "Football"]));
    assert_eq!(patched.body["createdDateTime"], body["createdDateTime"]);
    assert_ne!(patched.body["lastModifiedDateTime"], body["lastModifiedDateTime"]);
    assert_ne!(patched.body["@odata.etag"], body["@odata.etag"]);

    // A GET → edit → PATCH of the whole object works: server-set properties are passed over.
    let mut whole = got.body.clone();
    whole["displayName"] = json!("Chicago Bears again");
    let resent = call(&app, Method::PATCH, &item, Some(&alice), Some(whole), &[]).await;
    assert_eq!(resent.status, 200, "{:#}", resent.body);
    assert_eq!(resent.body["id"], id.as_str());

    let listed = call(&app, Method::GET, MINE, Some(&alice), None, &[]).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.ids(), std::slice::from_ref(&id));
    assert!(listed.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/beta/$metadata#users('alice')/profile/interests"));
    assert!(listed.body.get("@odata.nextLink").is_none());

    let deleted = call(&app, Method::DELETE, &item, Some(&alice), None, &[]).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, Value::Null);
    call(&app, Method::GET, &item, Some(&alice), None, &[])
        .await
        .error(404, "itemNotFound");
    call(&app, Method::DELETE, &item, Some(&alice), None, &[])
        .await
        .error(404, "itemNotFound");
}

async fn rest_follows_the_same_audience_and_ownership_rules_as_graphql(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice").tenant("contoso"));
    let colleague = app.token(User::new("carol").tenant("contoso"));
    let stranger = app.token(User::new("mallory").tenant("fabrikam"));
    let admin = app.token(User::new("root").tenant("ops").admin());
    let mut ids = std::collections::HashMap::new();
    for audience in ["me", "organization", "everyone"] {
        let created = post(
            &app,
            &alice,
            json!({"displayName": audience, "allowedAudiences": audience}),
        )
        .await;
        ids.insert(audience, created["id"].as_str().unwrap().to_owned());
    }
    let profile = "/beta/users/alice/profile/interests";
    // Each viewer's list equals what GraphQL's user(id:).interests shows them.
    for (token, expected) in [
        (Some(&alice), vec!["me", "organization", "everyone"]),
        (Some(&colleague), vec!["organization", "everyone"]),
        (Some(&stranger), vec!["everyone"]),
        (None, vec!["everyone"]),
        (Some(&admin), vec!["me", "organization", "everyone"]),
    ] {
        let listed = call(&app, Method::GET, profile, token.map(String::as_str), None, &[]).await;
        assert_eq!(listed.status, 200, "{:#}", listed.body);
        let names: Vec<&str> = listed.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["displayName"].as_str().unwrap())
            .collect();
        assert_eq!(names, expected);
        let graphql = app
            .graphql(
                "{ user(id: \"alice\") { interests { nodes { displayName } } } }",
                json!({}),
                token.map(String::as_str),
            )
            .await
            .ok();
        let graphql_names: Vec<&str> = graphql
            .data("user.interests.nodes")
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["displayName"].as_str().unwrap())
            .collect();
        assert_eq!(names, graphql_names);
    }
    // Invisible: 404 (not 403), to a colleague; visible but not theirs: 403.
    let me_only = format!("{profile}/{}", ids["me"]);
    let org = format!("{profile}/{}", ids["organization"]);
    call(&app, Method::GET, &me_only, Some(&colleague), None, &[])
        .await
        .error(404, "itemNotFound");
    call(
        &app,
        Method::PATCH,
        &me_only,
        Some(&colleague),
        Some(json!({"displayName": "x"})),
        &[],
    )
    .await
    .error(404, "itemNotFound");
    call(
        &app,
        Method::PATCH,
        &org,
        Some(&colleague),
        Some(json!({"displayName": "x"})),
        &[],
    )
    .await
    .error(403, "accessDenied");
    call(&app, Method::DELETE, &org, Some(&colleague), None, &[])
        .await
        .error(403, "accessDenied");
    call(
        &app,
        Method::POST,
        profile,
        Some(&colleague),
        Some(json!({"displayName": "x"})),
        &[],
    )
    .await
    .error(403, "accessDenied");
    // An interest is found only under its own profile's path.
    call(
        &app,
        Method::GET,
        &format!("/beta/users/carol/profile/interests/{}", ids["everyone"]),
        Some(&admin),
        None,
        &[],
    )
    .await
    .error(404, "itemNotFound");
    // An admin may write on another profile.
    let by_admin = call(
        &app,
        Method::POST,
        profile,
        Some(&admin),
        Some(json!({"displayName": "delegated"})),
        &[],
    )
    .await;
    assert_eq!(by_admin.status, 201, "{:#}", by_admin.body);
    assert!(by_admin.body["@odata.context"]
        .as_str()
        .unwrap()
        .contains("users('alice')"));
    let patched = call(
        &app,
        Method::PATCH,
        &org,
        Some(&admin),
        Some(json!({"description": "by admin"})),
        &[],
    )
    .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["lastModifiedBy"]["user"]["id"], "root");
    // /me needs a caller; a bad token is 401, never anonymous.
    call(&app, Method::GET, MINE, None, None, &[])
        .await
        .error(401, "InvalidAuthenticationToken");
    let bad = call(&app, Method::GET, profile, Some("not-a-token"), None, &[]).await;
    bad.error(401, "InvalidAuthenticationToken");
    assert!(bad.header("www-authenticate").is_some());
    // Nothing the refused writes tried was stored.
    assert_eq!(app.total_count(Some(&admin), json!({})).await, 4);
}

async fn lists_page_count_select_and_order(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let names = ["delta", "Alpha", "echo", "charlie", "bravo", "golf", "foxtrot"];
    let mut ids = Vec::new();
    for name in names {
        ids.push(
            post(&app, &alice, json!({"displayName": name})).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Default order: createdDateTime ascending; pages follow @odata.nextLink.
    let mut next = Some(format!("{MINE}?$top=3&$count=true"));
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(url) = next {
        let page = call(&app, Method::GET, &url, Some(&alice), None, &[]).await;
        assert_eq!(page.status, 200, "{:#}", page.body);
        assert_eq!(
            page.body["@odata.count"], 7,
            "every page counts all: {:#}",
            page.body
        );
        assert!(page.ids().len() <= 3);
        seen.extend(page.ids());
        next = page.body["@odata.nextLink"].as_str().map(str::to_owned);
        if let Some(link) = &next {
            assert!(link.starts_with(&app.address), "{link}");
            assert!(link.contains("%24top=3") || link.contains("$top=3"), "{link}");
        }
        pages += 1;
        assert!(pages <= 3, "more pages than the list needs");
    }
    assert_eq!(seen, ids);
    // $skip passes over rows.
    let skipped = call(
        &app,
        Method::GET,
        &format!("{MINE}?$skip=5"),
        Some(&alice),
        None,
        &[],
    )
    .await;
    assert_eq!(skipped.ids(), ids[5..]);
    // $orderby displayName desc (case-insensitive order, as GraphQL's DISPLAY_NAME).
    let by_name = call(
        &app,
        Method::GET,
        &format!("{MINE}?$orderby=displayName%20desc&$top=4"),
        Some(&alice),
        None,
        &[],
    )
    .await;
    let first_names: Vec<&str> = by_name.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(first_names, ["golf", "foxtrot", "echo", "delta"]);
    let rest = call(
        &app,
        Method::GET,
        by_name.body["@odata.nextLink"].as_str().unwrap(),
        Some(&alice),
        None,
        &[],
    )
    .await;
    let rest_names: Vec<&str> = rest.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(rest_names, ["charlie", "bravo", "Alpha"]);
    // $select keeps the named properties (and id, annotations).
    let selected = call(
        &app,
        Method::GET,
        &format!("{MINE}?$select=displayName,webUrl&$top=1"),
        Some(&alice),
        None,
        &[],
    )
    .await;
    let item = selected.body["value"][0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["@odata.etag", "@odata.type", "displayName", "id", "webUrl"]
    );
    assert!(selected.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/profile/interests(displayName,webUrl)"));
    let one = call(
        &app,
        Method::GET,
        &format!("{MINE}/{}?$select=categories", ids[0]),
        Some(&alice),
        None,
        &[],
    )
    .await;
    assert_eq!(one.status, 200);
    assert!(one.body.get("displayName").is_none() && one.body.get("categories").is_some());
    // $top=0 answers no rows, and a count.
    let none = call(
        &app,
        Method::GET,
        &format!("{MINE}?$top=0&$count=true"),
        Some(&alice),
        None,
        &[],
    )
    .await;
    assert_eq!(none.ids().len(), 0);
    assert_eq!(none.body["@odata.count"], 7);
}

async fn filters_combine_and_match_the_graphql_filter(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let specs = [
        (
            "rust",
            vec!["Programming", "Systems"],
            vec!["ableToMentor"],
            "organization",
        ),
        ("go", vec!["programming"], vec!["wantsToLearn"], "everyone"),
        ("chess", vec!["Games"], vec!["ableToMentor", "askMeAbout"], "me"),
        ("it's tea", vec![], vec![], "contacts"),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, categories, tags, audience) in &specs {
        let created = post(
            &app,
            &alice,
            json!({"displayName": name, "categories": categories, "collaborationTags": tags, "allowedAudiences": audience}),
        )
        .await;
        ids.insert(*name, created["id"].as_str().unwrap().to_owned());
    }
    let midpoint = {
        let go = call(
            &app,
            Method::GET,
            &format!("{MINE}/{}", ids["go"]),
            Some(&alice),
            None,
            &[],
        )
        .await;
        go.body["createdDateTime"].as_str().unwrap().to_owned()
    };
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("displayName eq 'rust'".into(), vec!["rust"]),
        ("displayName eq 'it''s tea'".into(), vec!["it's tea"]),
        ("displayName ne 'rust'".into(), vec!["go", "chess", "it's tea"]),
        ("allowedAudiences eq 'everyone'".into(), vec!["go"]),
        ("allowedAudiences ne 'me'".into(), vec!["rust", "go", "it's tea"]),
        ("categories/any(c: c eq 'PROGRAMMING')".into(), vec!["rust", "go"]),
        (
            "categories/any(c: c eq 'games' or c eq 'systems')".into(),
            vec!["rust", "chess"],
        ),
        (
            "collaborationTags/any(t: t eq 'ableToMentor')".into(),
            vec!["rust", "chess"],
        ),
        (
            "collaborationTags/any(t: t eq 'ableToMentor') and categories/any(c: c eq 'programming')".into(),
            vec!["rust"],
        ),
        (
            "not (collaborationTags/any(t: t eq 'ableToMentor')) or displayName eq 'chess'".into(),
            vec!["go", "chess", "it's tea"],
        ),
        (
            "(allowedAudiences eq 'me' or allowedAudiences eq 'contacts') and not displayName eq 'chess'"
                .into(),
            vec!["it's tea"],
        ),
        (
            format!("createdDateTime gt {midpoint}"),
            vec!["chess", "it's tea"],
        ),
        (
            format!("createdDateTime ge {midpoint}"),
            vec!["go", "chess", "it's tea"],
        ),
        (format!("createdDateTime lt {midpoint}"), vec!["rust"]),
        (
            format!("createdDateTime le {midpoint} and lastModifiedDateTime le {midpoint}"),
            vec!["rust", "go"],
        ),
        (
            "lastModifiedDateTime gt 2000-01-01T00:00:00Z".into(),
            vec!["rust", "go", "chess", "it's tea"],
        ),
        ("createdDateTime lt 2000-01-01T00:00:00+02:00".into(), vec![]),
        // The same instant in another zone.
        (
            format!("createdDateTime ge {}", in_plus_two(&midpoint)),
            vec!["go", "chess", "it's tea"],
        ),
        (
            format!("createdDateTime lt {}", in_plus_two(&midpoint)),
            vec!["rust"],
        ),
        // Between two stored microseconds: compared as the real instant it is.
        (
            format!("createdDateTime lt {}", plus_half_micro(&midpoint)),
            vec!["rust", "go"],
        ),
        (
            format!("createdDateTime ge {}", plus_half_micro(&midpoint)),
            vec!["chess", "it's tea"],
        ),
        (
            format!("createdDateTime eq {}", plus_half_micro(&midpoint)),
            vec![],
        ),
        (format!("createdDateTime eq {midpoint}"), vec!["go"]),
    ];
    for (filter, expected) in cases {
        let url = format!(
            "{MINE}?$filter={}",
            url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
        );
        let answer = call(&app, Method::GET, &url, Some(&alice), None, &[]).await;
        assert_eq!(answer.status, 200, "{filter}: {:#}", answer.body);
        let expected: Vec<String> = expected.iter().map(|n| ids[n].clone()).collect();
        assert_eq!(answer.ids(), expected, "{filter}");
    }
    // The same question through GraphQL's InterestFilter gets the same rows.
    for (filter, graphql) in [
        (
            "categories/any(c: c eq 'programming' or c eq 'games')",
            json!({"userIds": ["alice"], "categories": ["programming", "games"]}),
        ),
        (
            "collaborationTags/any(t: t eq 'askMeAbout' or t eq 'wantsToLearn')",
            json!({"userIds": ["alice"], "collaborationTags": ["ASK_ME_ABOUT", "WANTS_TO_LEARN"]}),
        ),
        (
            "allowedAudiences eq 'organization' or allowedAudiences eq 'me'",
            json!({"userIds": ["alice"], "allowedAudiences": ["ORGANIZATION", "ME"]}),
        ),
    ] {
        let url = format!(
            "{MINE}?$filter={}",
            url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
        );
        let rest = call(&app, Method::GET, &url, Some(&alice), None, &[]).await.ids();
        let through_graphql = app
            .graphql(
                "query($f: InterestFilter) { interests(filter: $f) { nodes { id } } }",
                json!({ "f": graphql }),
                Some(&alice),
            )
            .await
            .ok();
        let graphql_ids: Vec<String> = through_graphql
            .data("interests.nodes")
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(!rest.is_empty());
        assert_eq!(rest, graphql_ids, "{filter}");
    }
}

/// `t` (RFC 3339, UTC) written in UTC+02:00.
fn in_plus_two(t: &str) -> String {
    let offset = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
    chrono::DateTime::parse_from_rfc3339(t)
        .unwrap()
        .with_timezone(&offset)
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// `t` plus half a microsecond (nanosecond precision).
fn plus_half_micro(t: &str) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(t).unwrap() + chrono::Duration::nanoseconds(500);
    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

async fn bad_requests_get_graphs_error_envelope_and_change_nothing(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let id = post(&app, &alice, json!({"displayName": "keep"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let item = format!("{MINE}/{id}");
    for (query, target) in [
        ("$filter=startswith(displayName,'k')", "$filter"),
        ("$filter=webUrl eq 'x'", "$filter"),
        ("$filter=displayName eq", "$filter"),
        ("$filter=allowedAudiences eq 'planet'", "$filter"),
        ("$filter=createdDateTime gt 2024-01-01", "$filter"),
        ("$top=101", "$top"),
        ("$top=x", "$top"),
        ("$skip=-1", "$skip"),
        ("$orderby=webUrl", "$orderby"),
        ("$select=colour", "$select"),
        ("$count=maybe", "$count"),
        ("$expand=owner", "$expand"),
        ("$skiptoken=forged", "$skiptoken"),
    ] {
        let url = format!("{MINE}?{}", query.replace(' ', "%20"));
        let answer = call(
            &app,
            Method::GET,
            &url,
            Some(&alice),
            None,
            &[("client-request-id", "abc-123")],
        )
        .await;
        let error = answer.error(400, "invalidRequest");
        assert_eq!(error["target"], target, "{query}");
        assert_eq!(error["innerError"]["client-request-id"], "abc-123");
        assert_eq!(answer.header("client-request-id"), Some("abc-123"));
    }
    // Bodies: each refusal names the property and stores nothing.
    for (body, target) in [
        (json!({"displayName": ""}), "displayName"),
        (json!({"description": "x"}), "displayName"),
        (
            json!({"displayName": "x", "categories": ["ok", " "]}),
            "categories[1]",
        ),
        (
            json!({"displayName": "x", "collaborationTags": ["juggling"]}),
            "collaborationTags[0]",
        ),
        (
            json!({"displayName": "x", "allowedAudiences": "unknownFutureValue"}),
            "allowedAudiences",
        ),
        (
            json!({"displayName": "x", "webUrl": "javascript:alert(1)"}),
            "webUrl",
        ),
        (
            json!({"displayName": "x", "inference": {"confidenceScore": 1.5}}),
            "inference.confidenceScore",
        ),
        (
            json!({"displayName": "x", "source": {"type": [""]}}),
            "source.type[0]",
        ),
        (json!({"displayName": "x", "favourite": true}), "favourite"),
        (json!({"displayName": "x", "userId": "bob"}), "userId"),
    ] {
        let answer = call(&app, Method::POST, MINE, Some(&alice), Some(body.clone()), &[]).await;
        assert_eq!(answer.error(400, "invalidRequest")["target"], target, "{body}");
    }
    let answer = call(
        &app,
        Method::PATCH,
        &item,
        Some(&alice),
        Some(json!({"displayName": null})),
        &[],
    )
    .await;
    assert_eq!(answer.error(400, "invalidRequest")["target"], "displayName");
    // Not JSON, not an object, the wrong media type.
    let raw = app
        .client
        .post(app.url(MINE))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let plain = app
        .client
        .post(app.url(MINE))
        .bearer_auth(&alice)
        .header("content-type", "text/plain")
        .body(r#"{"displayName": "csrf"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 415);
    let envelope: Value = plain.json().await.unwrap();
    assert_eq!(envelope["error"]["code"], "unsupportedMediaType");
    call(
        &app,
        Method::POST,
        MINE,
        Some(&alice),
        Some(json!(["displayName"])),
        &[],
    )
    .await
    .error(400, "invalidRequest");
    // Ids, paths and methods.
    call(
        &app,
        Method::GET,
        &format!("{MINE}/not-a-uuid"),
        Some(&alice),
        None,
        &[],
    )
    .await
    .error(400, "invalidRequest");
    call(
        &app,
        Method::GET,
        "/beta/me/profile/skills",
        Some(&alice),
        None,
        &[],
    )
    .await
    .error(404, "itemNotFound");
    call(&app, Method::PUT, MINE, Some(&alice), Some(json!({})), &[])
        .await
        .error(405, "methodNotAllowed");
    call(
        &app,
        Method::DELETE,
        &format!("{item}?$select=id"),
        Some(&alice),
        None,
        &[],
    )
    .await
    .error(400, "invalidRequest");
    // Nothing changed.
    let listed = call(&app, Method::GET, MINE, Some(&alice), None, &[]).await;
    assert_eq!(listed.ids(), [id]);
    assert_eq!(listed.body["value"][0]["displayName"], "keep");
    assert_eq!(listed.body["value"][0]["@odata.etag"], "W/\"1\"");
}

async fn if_match_guards_updates_and_deletes(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let created = post(&app, &alice, json!({"displayName": "v1"})).await;
    let item = format!("{MINE}/{}", created["id"].as_str().unwrap());
    let first = created["@odata.etag"].as_str().unwrap().to_owned();
    let updated = call(
        &app,
        Method::PATCH,
        &item,
        Some(&alice),
        Some(json!({"displayName": "v2"})),
        &[("if-match", &first)],
    )
    .await;
    assert_eq!(updated.status, 200, "{:#}", updated.body);
    let second = updated.header("etag").unwrap().to_owned();
    assert_ne!(second, first);
    // A stale etag: 412 and nothing changes.
    let stale = call(
        &app,
        Method::PATCH,
        &item,
        Some(&alice),
        Some(json!({"displayName": "v3"})),
        &[("if-match", &first)],
    )
    .await;
    stale.error(412, "preconditionFailed");
    call(
        &app,
        Method::DELETE,
        &item,
        Some(&alice),
        None,
        &[("if-match", &first)],
    )
    .await
    .error(412, "preconditionFailed");
    let now = call(&app, Method::GET, &item, Some(&alice), None, &[]).await;
    assert_eq!(now.body["displayName"], "v2");
    assert_eq!(now.header("etag"), Some(second.as_str()));
    // `*` and a list holding the current etag both match.
    let starred = call(
        &app,
        Method::PATCH,
        &item,
        Some(&alice),
        Some(json!({"displayName": "v3"})),
        &[("if-match", "*")],
    )
    .await;
    assert_eq!(starred.status, 200);
    let third = starred.header("etag").unwrap().to_owned();
    let listed = format!("{first}, {third}");
    call(
        &app,
        Method::DELETE,
        &item,
        Some(&alice),
        None,
        &[("if-match", &listed)],
    )
    .await
    .status
    .eq(&204)
    .then_some(())
    .expect("deleted with a matching etag in the list");
    call(&app, Method::GET, &item, Some(&alice), None, &[])
        .await
        .error(404, "itemNotFound");
}

async fn a_rest_write_reaches_graphql_subscribers(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let mut ws = app.ws("graphql-transport-ws", None).await;
    ws.init(json!({ "authorization": format!("Bearer {alice}") }))
        .await;
    ws.send(json!({
        "id": "1", "type": "subscribe",
        "payload": { "query": "subscription { interestEvents { type interest { displayName collaborationTags } } }" }
    }))
    .await;
    // The subscription is live once a write made after it is seen; give it a moment.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    post(
        &app,
        &alice,
        json!({"displayName": "from REST", "collaborationTags": ["wantsToLearn"]}),
    )
    .await;
    let event = ws.next_message().await;
    assert_eq!(event["type"], "next", "{event:#}");
    assert_eq!(
        event["payload"]["data"]["interestEvents"],
        json!({"type": "CREATED", "interest": {"displayName": "from REST", "collaborationTags": ["WANTS_TO_LEARN"]}})
    );
}

async fn next_links_keep_the_filter_and_options_need_no_dollar(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token_for("alice");
    let mut mentoring = Vec::new();
    let mut all = Vec::new();
    for i in 0..7 {
        let tags = if i % 2 == 0 {
            json!(["ableToMentor"])
        } else {
            json!([])
        };
        let created = post(
            &app,
            &alice,
            json!({"displayName": format!("topic {i}"), "collaborationTags": tags}),
        )
        .await;
        let id = created["id"].as_str().unwrap().to_owned();
        if i % 2 == 0 {
            mentoring.push(id.clone());
        }
        all.push(id);
    }
    // Graph's beta endpoint takes options without `$`; the filter and $count follow the pages.
    let first = format!(
        "/beta/users/alice/profile/interests?filter={}&top=1&count=true&$select=displayName",
        url::form_urlencoded::byte_serialize(b"collaborationTags/any(t: t eq 'ableToMentor')")
            .collect::<String>()
    );
    let mut next = Some(first);
    let mut seen = Vec::new();
    while let Some(url) = next {
        let page = call(&app, Method::GET, &url, Some(&alice), None, &[]).await;
        assert_eq!(page.status, 200, "{:#}", page.body);
        assert_eq!(page.body["@odata.count"], 4);
        assert!(
            page.body["value"][0].get("collaborationTags").is_none(),
            "$select kept"
        );
        seen.extend(page.ids());
        next = page.body["@odata.nextLink"].as_str().map(str::to_owned);
        if let Some(link) = &next {
            assert!(link.contains("/beta/users/alice/profile/interests?"), "{link}");
        }
        assert!(seen.len() <= 4);
    }
    assert_eq!(seen, mentoring);
    // $skip applies to the first page only: the next link continues after what was read.
    let skipped = call(
        &app,
        Method::GET,
        &format!("{MINE}?$skip=2&$top=2"),
        Some(&alice),
        None,
        &[],
    )
    .await;
    assert_eq!(skipped.ids(), all[2..4]);
    let link = skipped.body["@odata.nextLink"].as_str().unwrap();
    assert!(!link.contains("skip=2"), "{link}");
    let after = call(&app, Method::GET, link, Some(&alice), None, &[]).await;
    assert_eq!(after.ids(), all[4..6]);
    // Anonymous writes are 401; a write must be JSON.
    let item = format!("{MINE}/{}", all[0]);
    for (method, path) in [
        (Method::POST, MINE.to_owned()),
        (Method::PATCH, item.clone()),
        (Method::DELETE, item.clone()),
    ] {
        call(&app, method, &path, None, Some(json!({"displayName": "x"})), &[])
            .await
            .error(401, "InvalidAuthenticationToken");
    }
    let plain = app
        .client
        .patch(app.url(&item))
        .bearer_auth(&alice)
        .header("content-type", "text/plain")
        .body(r#"{"displayName": "csrf"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 415);
    // Someone who may see but not change it gets 403, whatever its If-Match says.
    let colleague = app.token_for("carol");
    call(
        &app,
        Method::PATCH,
        &format!("/beta/users/alice/profile/interests/{}", all[0]),
        Some(&colleague),
        Some(json!({"displayName": "x"})),
        &[("if-match", "W/\"99\"")],
    )
    .await
    .error(403, "accessDenied");
    // A path that does not decode still answers in Graph's envelope.
    call(
        &app,
        Method::GET,
        "/beta/users/%FF%FE/profile/interests",
        Some(&alice),
        None,
        &[],
    )
    .await
    .error(400, "invalidRequest");
    // If-Match compares weakly: "1" matches W/"1".
    let weak = call(
        &app,
        Method::PATCH,
        &item,
        Some(&alice),
        Some(json!({"description": "weak"})),
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(weak.status, 200, "{:#}", weak.body);
}

async fn links_use_the_public_url_when_configured(db: TestDatabase) {
    let app = crate::helpers::spawn_app_with(&db, |s| {
        s.public_url = Some("https://interests.example.com".into());
    })
    .await;
    let alice = app.token_for("alice");
    let created = call(
        &app,
        Method::POST,
        MINE,
        Some(&alice),
        Some(json!({"displayName": "a"})),
        &[],
    )
    .await;
    assert!(created
        .header("location")
        .unwrap()
        .starts_with("https://interests.example.com/beta/me/profile/interests/"));
    post(&app, &alice, json!({"displayName": "b"})).await;
    let page = call(
        &app,
        Method::GET,
        &format!("{MINE}?$top=1"),
        Some(&alice),
        None,
        &[("host", "evil.example")],
    )
    .await;
    assert!(page.body["@odata.nextLink"]
        .as_str()
        .unwrap()
        .starts_with("https://interests.example.com/beta/me/profile/interests?"));
    assert!(page.body["@odata.context"]
        .as_str()
        .unwrap()
        .starts_with("https://interests.example.com/beta/$metadata#"));
}
