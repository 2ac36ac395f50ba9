//! The `/beta` handlers: list, create, get, update and delete a profile's interests, through
//! the same `domain::interests` calls as the GraphQL resolvers.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::domain::interests::{self, Interest, Selection};
use crate::domain::pagination::{Cursor, PageRequest, Take};
use crate::domain::values::{InterestId, UserId};
use crate::domain::Viewer;
use crate::transport::identify;

use super::errors::GraphError;
use super::odata::{self, ListOptions};
use super::representation::{self, Annotations, Purpose};

/// Whose profile a path names.
#[derive(Clone, Debug)]
pub enum Profile {
    /// `/me`: the caller's.
    Me,
    /// `/users/{id}`.
    User(String),
}

/// The caller; a bad token is 401, never anonymous.
async fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Viewer, GraphError> {
    let authorization = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| unauthenticated("the Authorization header is not valid text"))?,
        ),
    };
    identify(state, authorization).await.map_err(unauthenticated)
}

fn unauthenticated(message: &str) -> GraphError {
    GraphError::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
}

impl Profile {
    /// The owner this path names, as `viewer` asks.
    fn owner(&self, viewer: &Viewer) -> Result<UserId, GraphError> {
        match self {
            Self::Me => viewer.caller().map(|c| c.id.clone()).ok_or_else(|| {
                unauthenticated("/me needs a signed-in caller: send Authorization: Bearer <token>")
            }),
            Self::User(id) => Ok(UserId::parse("userId", id)?),
        }
    }
}

/// Where links point: `--public-url`, else `http(s)://host` of this request (`https` when a
/// proxy says so with `X-Forwarded-Proto`).
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(public) = &state.public_url {
        return public.to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.parse::<axum::http::uri::Authority>().is_ok())
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// `…/beta/$metadata#users('id')/profile/interests(select)`.
fn context(state: &AppState, headers: &HeaderMap, owner: &UserId, select: Option<&[&str]>) -> String {
    let owner = owner.as_str().replace('\'', "''");
    let select = select.map(|s| format!("({})", s.join(","))).unwrap_or_default();
    format!(
        "{}/beta/$metadata#users('{}')/profile/interests{select}",
        base_url(state, headers),
        url::form_urlencoded::byte_serialize(owner.as_bytes()).collect::<String>()
    )
}

/// The interest in Graph's shape, cut to `$select` (`id` and `@odata.type` always stay).
fn item_json(interest: &Interest, select: Option<&[&str]>) -> Value {
    let mut value = representation::write(
        interest,
        Annotations {
            etag: true,
            user_id: false,
        },
    );
    if let (Some(select), Value::Object(map)) = (select, &mut value) {
        map.retain(|k, _| k.starts_with('@') || k == "id" || select.contains(&k.as_str()));
    }
    value
}

/// One interest as a single-entity answer: [`item_json`] with its `@odata.context`.
fn entity_json(
    state: &AppState,
    headers: &HeaderMap,
    owner: &UserId,
    interest: &Interest,
    select: Option<&[&str]>,
) -> Value {
    let mut body = item_json(interest, select);
    if let Value::Object(map) = &mut body {
        map.insert(
            "@odata.context".into(),
            json!(format!("{}/$entity", context(state, headers, owner, select))),
        );
    }
    body
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;odata.metadata=minimal;charset=utf-8"),
    );
    response
}

fn with_etag(mut response: Response, interest: &Interest) -> Response {
    if let Ok(etag) = HeaderValue::from_str(&interest.etag) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// `GET …/profile/interests`.
pub async fn list(
    state: &AppState,
    profile: Profile,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let viewer = viewer(state, headers).await?;
    let options = odata::list_options(query)?;
    let owner = profile.owner(&viewer)?;
    let after = options
        .skiptoken
        .as_deref()
        .map(|raw| Cursor::decode("$skiptoken", raw, options.order))
        .transpose()?;
    let selection = Selection {
        owner: Some(owner.clone()),
        expression: options.filter.clone(),
        ..Selection::default()
    };
    let page = interests::list(
        &state.reader,
        &viewer,
        &selection,
        options.order,
        &PageRequest {
            take: Take::First(options.top),
            after,
            before: None,
            skip: options.skip,
        },
    )
    .await?;
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(state, headers, &owner, options.select.as_deref())),
    );
    if options.count {
        let total = interests::count(&state.db, &viewer, &selection).await?;
        body.insert("@odata.count".into(), json!(total));
    }
    if page.has_next_page == Some(true) {
        if let Some((_, cursor)) = page.edges.last() {
            body.insert(
                "@odata.nextLink".into(),
                json!(next_link(state, headers, &profile, &options, cursor)),
            );
        }
    }
    let items: Vec<Value> = page
        .edges
        .iter()
        .map(|(interest, _)| item_json(interest, options.select.as_deref()))
        .collect();
    body.insert("value".into(), Value::Array(items));
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

fn profile_path(profile: &Profile) -> String {
    match profile {
        Profile::Me => "/beta/me/profile/interests".to_owned(),
        Profile::User(id) => format!(
            "/beta/users/{}/profile/interests",
            url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
        ),
    }
}

/// The same list from the row after `cursor`, with the same options.
fn next_link(
    state: &AppState,
    headers: &HeaderMap,
    profile: &Profile,
    options: &ListOptions,
    cursor: &str,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in &options.carried {
        query.append_pair(name, value);
    }
    query.append_pair("$skiptoken", cursor);
    format!(
        "{}{}?{}",
        base_url(state, headers),
        profile_path(profile),
        query.finish()
    )
}

/// The interest `id` on `owner`'s profile as `viewer` sees it; 404 when it is not there.
async fn find_on_profile(
    state: &AppState,
    viewer: &Viewer,
    owner: &UserId,
    id: InterestId,
) -> Result<Interest, GraphError> {
    interests::get(&state.reader, viewer, id)
        .await?
        .filter(|i| i.user_id == owner.as_str())
        .ok_or_else(|| GraphError::not_found(format!("interest {id} not found on this profile")))
}

fn interest_id(raw: &str) -> Result<InterestId, GraphError> {
    Ok(InterestId::parse("id", raw)?)
}

/// `GET …/profile/interests/{id}`.
pub async fn get(
    state: &AppState,
    profile: Profile,
    id: &str,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let viewer = viewer(state, headers).await?;
    let select = odata::item_options(query)?;
    let owner = profile.owner(&viewer)?;
    let interest = find_on_profile(state, &viewer, &owner, interest_id(id)?).await?;
    let body = entity_json(state, headers, &owner, &interest, select.as_deref());
    Ok(with_etag(json_response(StatusCode::OK, &body), &interest))
}

/// A JSON object body of a POST or PATCH.
fn json_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Value, GraphError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(GraphError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupportedMediaType",
            "send the body as Content-Type: application/json",
        ));
    }
    let bytes = body.map_err(|rejection| {
        GraphError::new(
            rejection.status(),
            "invalidRequest",
            "the request body could not be read (too large?)",
        )
    })?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| GraphError::bad_request(format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(GraphError::bad_request("the body must be a JSON object"));
    }
    Ok(value)
}

/// `POST …/profile/interests`: 201 with the created object and its `Location`.
pub async fn create(
    state: &AppState,
    profile: Profile,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, GraphError> {
    let viewer = viewer(state, headers).await?;
    odata::no_options(query)?;
    let owner = profile.owner(&viewer)?;
    let record = representation::read(&json_body(headers, body)?, Purpose::Rest)?;
    let new = record.new_interest(Some(owner.clone()))?;
    let created = interests::create(&state.db, &state.creates, &state.publisher, &viewer, new).await?;
    let body = entity_json(state, headers, &owner, &created, None);
    let mut response = with_etag(json_response(StatusCode::CREATED, &body), &created);
    let location = format!(
        "{}{}/{}",
        base_url(state, headers),
        profile_path(&profile),
        created.id
    );
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `If-Match`: `*`, one etag, or a list; checked against what is stored now. Returns the etag
/// to hold the write to (the domain re-checks it in the write itself), or 412.
fn if_match(headers: &HeaderMap, current: &Interest) -> Result<Option<String>, GraphError> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let raw = raw
        .to_str()
        .map_err(|_| GraphError::bad_request("If-Match is not valid text"))?;
    let tags: Vec<&str> = raw.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
    if tags.contains(&"*") {
        return Ok(None);
    }
    // Weak comparison: `"3"` matches `W/"3"`.
    let weak = |t: &str| t.strip_prefix("W/").unwrap_or(t).to_owned();
    if tags.iter().any(|t| weak(t) == weak(&current.etag)) {
        Ok(Some(current.etag.clone()))
    } else {
        Err(GraphError::precondition_failed())
    }
}

/// `PATCH …/profile/interests/{id}`: merge the body's properties, 200 with the result.
pub async fn update(
    state: &AppState,
    profile: Profile,
    id: &str,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, GraphError> {
    let viewer = viewer(state, headers).await?;
    odata::no_options(query)?;
    let owner = profile.owner(&viewer)?;
    let id = interest_id(id)?;
    let changes = representation::read(&json_body(headers, body)?, Purpose::Rest)?.changes()?;
    let current = find_on_profile(state, &viewer, &owner, id).await?;
    // 403 for someone else's interest comes before any version check.
    interests::may_change(&viewer, &current)?;
    let expected = if_match(headers, &current)?;
    let updated = interests::update(
        &state.db,
        &state.publisher,
        &viewer,
        id,
        changes,
        expected.as_deref(),
    )
    .await
    .map_err(|e| GraphError::from_app(e, expected.is_some()))?;
    let body = entity_json(state, headers, &owner, &updated, None);
    Ok(with_etag(json_response(StatusCode::OK, &body), &updated))
}

/// `DELETE …/profile/interests/{id}`: 204.
pub async fn delete(
    state: &AppState,
    profile: Profile,
    id: &str,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let viewer = viewer(state, headers).await?;
    odata::no_options(query)?;
    let owner = profile.owner(&viewer)?;
    let id = interest_id(id)?;
    let current = find_on_profile(state, &viewer, &owner, id).await?;
    // 403 for someone else's interest comes before any version check.
    interests::may_change(&viewer, &current)?;
    let expected = if_match(headers, &current)?;
    interests::delete(&state.db, &state.publisher, &viewer, id, expected.as_deref())
        .await
        .map_err(|e| GraphError::from_app(e, expected.is_some()))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// Routes: thin wrappers that name the profile.

pub async fn list_me(State(s): State<AppState>, h: HeaderMap, RawQuery(q): RawQuery) -> Response {
    list(&s, Profile::Me, &h, q.as_deref()).await.into_response()
}

pub async fn list_user(
    State(s): State<AppState>,
    Path(user): Path<String>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list(&s, Profile::User(user), &h, q.as_deref())
        .await
        .into_response()
}

pub async fn create_me(
    State(s): State<AppState>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    create(&s, Profile::Me, &h, q.as_deref(), body)
        .await
        .into_response()
}

pub async fn create_user(
    State(s): State<AppState>,
    Path(user): Path<String>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    create(&s, Profile::User(user), &h, q.as_deref(), body)
        .await
        .into_response()
}

pub async fn get_me(
    State(s): State<AppState>,
    Path(id): Path<String>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    get(&s, Profile::Me, &id, &h, q.as_deref()).await.into_response()
}

pub async fn get_user(
    State(s): State<AppState>,
    Path((user, id)): Path<(String, String)>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    get(&s, Profile::User(user), &id, &h, q.as_deref())
        .await
        .into_response()
}

pub async fn update_me(
    State(s): State<AppState>,
    Path(id): Path<String>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    update(&s, Profile::Me, &id, &h, q.as_deref(), body)
        .await
        .into_response()
}

pub async fn update_user(
    State(s): State<AppState>,
    Path((user, id)): Path<(String, String)>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    update(&s, Profile::User(user), &id, &h, q.as_deref(), body)
        .await
        .into_response()
}

pub async fn delete_me(
    State(s): State<AppState>,
    Path(id): Path<String>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    delete(&s, Profile::Me, &id, &h, q.as_deref())
        .await
        .into_response()
}

pub async fn delete_user(
    State(s): State<AppState>,
    Path((user, id)): Path<(String, String)>,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    delete(&s, Profile::User(user), &id, &h, q.as_deref())
        .await
        .into_response()
}
