//! GraphQL over HTTP: the parts async-graphql's defaults leave out.
//!
//! - POST accepts only `application/json` bodies (a `text/plain`, form or multipart POST is a
//!   cross-site request a browser sends without preflight: 415);
//! - GET runs queries only (a mutation is 405 with `Allow: POST`) and only with
//!   `Content-Type: application/json`, `apollo-require-preflight` or `x-apollo-operation-name`
//!   (Apollo's CSRF rule; otherwise 400);
//! - `Accept` picks `application/json` or `application/graphql-response+json` (406 otherwise);
//! - errors raised before execution (parse, validation, operation resolution) carry their
//!   code, omit `data`, and are 400 under `application/graphql-response+json`;
//! - batches are capped; a bad token is 401, never anonymous.

use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{ServerError, Variables};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::domain::Viewer;
use crate::error::ErrorCode;
use crate::graphql::loaders::RequestLoaders;
use crate::graphql::ExecutionStarted;
use crate::metrics;
use crate::persisted::PersistedError;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Media {
    Json,
    GraphqlResponseJson,
}

impl Media {
    fn content_type(self) -> HeaderValue {
        match self {
            Self::Json => HeaderValue::from_static("application/json; charset=utf-8"),
            Self::GraphqlResponseJson => {
                HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
            }
        }
    }
}

/// One entry of an `Accept` header: essence and quality.
fn accept_entries(accept: &str) -> impl Iterator<Item = (String, f32)> + '_ {
    accept.split(',').filter_map(|part| {
        let mut pieces = part.split(';');
        let essence = pieces.next()?.trim().to_ascii_lowercase();
        if essence.is_empty() {
            return None;
        }
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        Some((essence, q))
    })
}

/// Picks the response media type from `Accept`; `None` when nothing acceptable is offered.
/// No `Accept` means `application/json` (GraphQL-over-HTTP, legacy clients).
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    if accept.trim().is_empty() {
        return Some(Media::Json);
    }
    let mut best: Option<(Media, f32)> = None;
    for (essence, q) in accept_entries(accept) {
        let media = match essence.as_str() {
            GRAPHQL_RESPONSE_JSON => Media::GraphqlResponseJson,
            JSON | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        let better = match best {
            None => q > 0.0,
            // Equal quality: the dedicated GraphQL type wins over plain JSON.
            Some((held, held_q)) => {
                q > held_q || (q == held_q && media == Media::GraphqlResponseJson && held != media)
            }
        };
        if better {
            best = Some((media, q));
        }
    }
    best.map(|(m, _)| m)
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| accept_entries(a).any(|(e, q)| e == "text/html" && q > 0.0))
}

fn error_json(message: &str, code: ErrorCode, field: Option<&str>) -> Value {
    let mut extensions = Map::new();
    extensions.insert("code".into(), json!(code.as_str()));
    if let Some(field) = field {
        extensions.insert("field".into(), json!(field));
    }
    json!({ "message": message, "extensions": extensions })
}

fn json_response(status: StatusCode, media: Media, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// A request the transport refuses before any GraphQL runs.
fn refuse(status: StatusCode, media: Media, message: &str, code: ErrorCode, field: Option<&str>) -> Response {
    json_response(
        status,
        media,
        &json!({ "errors": [error_json(message, code, field)] }),
    )
}

/// The parameters of one GraphQL request.
struct Params {
    /// `None` only with a persisted query hash.
    query: Option<String>,
    operation_name: Option<String>,
    variables: Variables,
    /// `extensions.persistedQuery`, when sent.
    persisted: Option<Value>,
}

/// Why request parameters are unusable: message and parameter name.
struct BadParams(String, &'static str);

fn params_from_json(value: Value) -> Result<Params, BadParams> {
    let Value::Object(mut map) = value else {
        return Err(BadParams("a GraphQL request is a JSON object".into(), "body"));
    };
    let query = match map.remove("query") {
        Some(Value::String(q)) => Some(q),
        None | Some(Value::Null) => None,
        Some(_) => return Err(BadParams("`query` must be a string".into(), "query")),
    };
    let operation_name = match map.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            return Err(BadParams(
                "`operationName` must be a string".into(),
                "operationName",
            ))
        }
    };
    let variables = match map.remove("variables") {
        None | Some(Value::Null) => Variables::default(),
        Some(v @ Value::Object(_)) => Variables::from_json(v),
        Some(_) => return Err(BadParams("`variables` must be an object".into(), "variables")),
    };
    let persisted = match map.remove("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(mut extensions)) => extensions.remove("persistedQuery"),
        Some(_) => return Err(BadParams("`extensions` must be an object".into(), "extensions")),
    };
    if query.is_none() && persisted.is_none() {
        return Err(BadParams("`query` is required".into(), "query"));
    }
    Ok(Params {
        query,
        operation_name,
        variables,
        persisted,
    })
}

fn params_from_query_string(raw: &str) -> Result<Params, BadParams> {
    let mut map = Map::new();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let value = match key.as_ref() {
            "variables" | "extensions" => {
                if value.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(&value).map_err(|_| {
                        BadParams(
                            format!("`{key}` must be a JSON object"),
                            if key == "variables" {
                                "variables"
                            } else {
                                "extensions"
                            },
                        )
                    })?
                }
            }
            _ => Value::String(value.into_owned()),
        };
        map.insert(key.into_owned(), value);
    }
    params_from_json(Value::Object(map))
}

/// The outcome of one operation: its JSON and whether it failed before execution.
struct Outcome {
    body: Value,
    request_error: bool,
}

fn has_code(err: &ServerError) -> bool {
    err.extensions.as_ref().is_some_and(|e| e.get("code").is_some())
}

/// Every error leaves with a code; an execution error without one is unexpected, so its
/// message is masked and logged.
pub(crate) fn errors_json(errors: Vec<ServerError>, request_error: bool) -> Value {
    let errors = errors
        .into_iter()
        .map(|mut err| {
            if !has_code(&err) {
                if request_error {
                    err.extensions
                        .get_or_insert_with(Default::default)
                        .set("code", ErrorCode::GraphqlValidationFailed.as_str());
                } else {
                    tracing::error!(error = %err.message, path = ?err.path, "uncoded error in execution");
                    err.message = "internal server error".into();
                    err.source = None;
                    err.extensions
                        .get_or_insert_with(Default::default)
                        .set("code", ErrorCode::InternalServerError.as_str());
                }
            }
            serde_json::to_value(err).unwrap_or(Value::Null)
        })
        .collect();
    Value::Array(errors)
}

fn request_error(message: String, code: ErrorCode) -> Outcome {
    Outcome {
        body: json!({ "errors": [error_json(&message, code, None)] }),
        request_error: true,
    }
}

/// A parsed request whose operation is known.
struct Prepared {
    /// The operation's name, from `operationName` or the document.
    name: Option<String>,
    query: String,
    params: Params,
    document: async_graphql::parser::types::ExecutableDocument,
    operation_type: OperationType,
}

/// What `prepare` checks beyond parsing.
#[derive(Clone, Copy)]
struct DocumentLimits {
    max_aliases: usize,
    introspection: bool,
}

type FieldTest<'a> = &'a dyn Fn(&async_graphql::parser::types::Field) -> bool;

/// Counts the fields of the whole document (operations and fragments) that `pick` picks.
fn count_fields(document: &async_graphql::parser::types::ExecutableDocument, pick: FieldTest<'_>) -> usize {
    use async_graphql::parser::types::{Selection, SelectionSet};
    fn walk(set: &SelectionSet, pick: FieldTest<'_>) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(pick(&field.node)) + walk(&field.node.selection_set.node, pick)
                }
                Selection::InlineFragment(fragment) => walk(&fragment.node.selection_set.node, pick),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node, pick))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| walk(&f.node.selection_set.node, pick))
        .sum();
    operations + fragments
}

/// Parses the document and resolves the operation; a failure is a request error.
fn prepare(state: &AppState, mut params: Params, limits: DocumentLimits) -> Result<Prepared, Outcome> {
    let text = match (&params.persisted, params.query.take()) {
        (Some(persisted), query) => match state.persisted.resolve(persisted, query) {
            Ok(text) => text,
            Err(PersistedError::NotFound) => {
                return Err(request_error(
                    "PersistedQueryNotFound".into(),
                    ErrorCode::PersistedQueryNotFound,
                ));
            }
            Err(PersistedError::Invalid(reason)) => {
                return Err(request_error(reason.into(), ErrorCode::BadUserInput));
            }
        },
        (None, Some(query)) => query,
        (None, None) => {
            return Err(request_error(
                "`query` is required".into(),
                ErrorCode::BadUserInput,
            ))
        }
    };
    let document = async_graphql::parser::parse_query(&text)
        .map_err(|err| request_error(err.to_string(), ErrorCode::GraphqlParseFailed))?;
    let operation = match (&document.operations, params.operation_name.as_deref()) {
        (DocumentOperations::Single(op), None) => Some(&op.node),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        (DocumentOperations::Multiple(_), None) => {
            return Err(request_error(
                "the document has several operations: name one with operationName".into(),
                ErrorCode::OperationResolutionFailure,
            ));
        }
    };
    let operation = operation.ok_or_else(|| {
        request_error(
            format!(
                "operationName \"{}\" names no operation of the document",
                params.operation_name.as_deref().unwrap_or_default()
            ),
            ErrorCode::OperationResolutionFailure,
        )
    })?;
    // Variable coercion (GraphQL spec 6.1.2): async-graphql checks the values it is given, but
    // finds a missing non-null variable only during execution, too late for a request error.
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        let name = &definition.name.node;
        let given = params
            .variables
            .get(name)
            .is_some_and(|v| *v != async_graphql::Value::Null);
        if !definition.var_type.node.nullable && definition.default_value.is_none() && !given {
            return Err(Outcome {
                body: json!({ "errors": [error_json(
                    &format!("variable ${name} of type {} is required", definition.var_type.node),
                    ErrorCode::BadUserInput,
                    Some(name.as_str()),
                )] }),
                request_error: true,
            });
        }
    }
    let operation_type = operation.ty;
    // async-graphql answers disabled introspection with silent nulls; say it instead.
    let introspects =
        |f: &async_graphql::parser::types::Field| matches!(f.name.node.as_str(), "__schema" | "__type");
    if !limits.introspection && count_fields(&document, &introspects) > 0 {
        return Err(request_error(
            "introspection is disabled on this server".into(),
            ErrorCode::GraphqlValidationFailed,
        ));
    }
    let aliases = count_fields(&document, &|f| f.alias.is_some());
    if aliases > limits.max_aliases {
        return Err(request_error(
            format!(
                "the document has {aliases} aliases; at most {} are allowed",
                limits.max_aliases
            ),
            ErrorCode::QueryTooComplex,
        ));
    }
    let name = params
        .operation_name
        .clone()
        .or_else(|| match &document.operations {
            DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.keys().next().map(|n| n.to_string()),
            _ => None,
        });
    Ok(Prepared {
        name,
        query: text,
        params,
        document,
        operation_type,
    })
}

fn document_limits(state: &AppState) -> DocumentLimits {
    DocumentLimits {
        max_aliases: state.max_aliases,
        introspection: state.introspection,
    }
}

/// Executes a prepared operation as `viewer`.
async fn run(state: &AppState, viewer: &Viewer, prepared: Prepared) -> Outcome {
    let Prepared {
        query,
        params,
        document,
        ..
    } = prepared;
    let started = ExecutionStarted::default();
    let mut request = async_graphql::Request::new(query)
        .variables(params.variables)
        .data(RequestLoaders::new(
            state.db.clone(),
            viewer.clone(),
            state.batch_window,
        ))
        .data(viewer.clone())
        .data(started.clone());
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    request.set_parsed_query(document);
    let Ok(response) = tokio::time::timeout(state.request_timeout, state.schema.execute(request)).await
    else {
        return Outcome {
            body: json!({ "errors": [error_json(
                &format!("the operation ran longer than the {} ms limit", state.request_timeout.as_millis()),
                ErrorCode::QueryTooComplex,
                None,
            )] }),
            request_error: true,
        };
    };
    let request_error = !started.get();
    let mut body = Map::new();
    if !request_error {
        body.insert(
            "data".into(),
            serde_json::to_value(&response.data).unwrap_or(Value::Null),
        );
    }
    if !response.errors.is_empty() {
        body.insert("errors".into(), errors_json(response.errors, request_error));
    }
    Outcome {
        body: Value::Object(body),
        request_error,
    }
}

/// Parses and runs one operation sent by POST (any operation type).
async fn execute_post(state: &AppState, viewer: &Viewer, params: Params) -> Outcome {
    let started = Instant::now();
    let mut operation = params.operation_name.clone();
    let outcome = match prepare(state, params, document_limits(state)) {
        Ok(prepared) => {
            operation.clone_from(&prepared.name);
            run(state, viewer, prepared).await
        }
        Err(outcome) => outcome,
    };
    observe(state, operation.as_deref(), &outcome, started);
    outcome
}

/// Counts the operation on `/metrics`.
fn observe(state: &AppState, operation: Option<&str>, outcome: &Outcome, started: Instant) {
    let result = if outcome.request_error {
        metrics::Outcome::Rejected
    } else if outcome.body.get("errors").is_some() {
        metrics::Outcome::Error
    } else {
        metrics::Outcome::Ok
    };
    state.metrics.observe(operation, result, started.elapsed());
}

/// The caller of a request, with their federation, recorded in the directory; `Err` holds
/// why their credentials were refused (HTTP 401).
async fn viewer_of(state: &AppState, headers: &HeaderMap) -> Result<Viewer, &'static str> {
    let authorization = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| "the Authorization header is not valid text")?,
        ),
    };
    identify(state, authorization).await
}

/// The viewer for an `Authorization` value (HTTP header or WebSocket `connection_init`).
pub(crate) async fn identify(state: &AppState, authorization: Option<&str>) -> Result<Viewer, &'static str> {
    let viewer = state
        .auth
        .viewer(authorization)
        .map_err(|e| e.0)?
        .federated_with(&state.federation);
    if let Viewer::Caller(caller) = &viewer {
        // A failed write only delays what others see of this caller; the request goes on
        // (and fails on its own if the database is down).
        if let Err(err) = state.directory.record(&state.db, caller).await {
            tracing::warn!(error = ?err, "directory not updated");
        }
    }
    Ok(viewer)
}

fn unauthorized(media: Media, message: &str) -> Response {
    let mut response = refuse(
        StatusCode::UNAUTHORIZED,
        media,
        message,
        ErrorCode::Unauthenticated,
        None,
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

fn method_not_allowed(media: Media) -> Response {
    let mut response = refuse(
        StatusCode::METHOD_NOT_ALLOWED,
        media,
        "only queries run over GET; send mutations with POST",
        ErrorCode::BadUserInput,
        None,
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

fn outcome_status(outcome: &Outcome, media: Media) -> StatusCode {
    if outcome.request_error && media == Media::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

fn not_acceptable() -> Response {
    refuse(
        StatusCode::NOT_ACCEPTABLE,
        Media::Json,
        "accept application/json or application/graphql-response+json",
        ErrorCode::BadUserInput,
        None,
    )
}

/// Whether a `Content-Type` is JSON in UTF-8.
fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence != JSON {
        return false;
    }
    parts.all(|p| match p.trim().split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
            v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    })
}

/// `POST /graphql`: one operation or a batch.
pub async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    if !is_json_content_type(&headers) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "send GraphQL requests as application/json",
            ErrorCode::BadUserInput,
            None,
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "the request body is too large"
            } else {
                "the request body could not be read"
            };
            return refuse(status, media, message, ErrorCode::BadUserInput, None);
        }
    };
    let viewer = match viewer_of(&state, &headers).await {
        Ok(v) => v,
        Err(reason) => return unauthorized(media, reason),
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                "the request body is not valid JSON",
                ErrorCode::BadUserInput,
                Some("body"),
            );
        }
    };
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    media,
                    "an empty batch",
                    ErrorCode::BadUserInput,
                    Some("body"),
                );
            }
            if items.len() > state.max_batch_size {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    media,
                    &format!("a batch holds at most {} operations", state.max_batch_size),
                    ErrorCode::QueryTooComplex,
                    None,
                );
            }
            let mut results = Vec::with_capacity(items.len());
            for item in items {
                let body = match params_from_json(item) {
                    Ok(params) => execute_post(&state, &viewer, params).await.body,
                    Err(BadParams(message, field)) => {
                        json!({ "errors": [error_json(&message, ErrorCode::BadUserInput, Some(field))] })
                    }
                };
                results.push(body);
            }
            json_response(StatusCode::OK, media, &Value::Array(results))
        }
        single => match params_from_json(single) {
            Err(BadParams(message, field)) => refuse(
                StatusCode::BAD_REQUEST,
                media,
                &message,
                ErrorCode::BadUserInput,
                Some(field),
            ),
            Ok(params) => {
                let outcome = execute_post(&state, &viewer, params).await;
                json_response(outcome_status(&outcome, media), media, &outcome.body)
            }
        },
    }
}

/// Whether a GET carries one of the headers a cross-site form or image cannot send.
fn get_is_preflighted(headers: &HeaderMap) -> bool {
    let non_empty = |name: &str| headers.get(name).is_some_and(|v| !v.as_bytes().is_empty());
    headers.contains_key(header::CONTENT_TYPE) && is_json_content_type(headers)
        || non_empty("apollo-require-preflight")
        || non_empty("x-apollo-operation-name")
}

/// `GET /graphql`: a WebSocket upgrade, a query in the query string, or GraphiQL for a browser.
pub async fn graphql_get(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let headers = parts.headers.clone();
    let is_upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if is_upgrade {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        return match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(ws) => crate::websocket::upgrade(ws, state, authorization),
            Err(rejection) => rejection.into_response(),
        };
    }
    let raw = parts.uri.query().unwrap_or_default().to_owned();
    let has_query = url::form_urlencoded::parse(raw.as_bytes()).any(|(k, _)| k == "query");
    if !has_query && wants_html(&headers) {
        return crate::graphiql::page(&state).into_response();
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    if !get_is_preflighted(&headers) {
        return refuse(
            StatusCode::BAD_REQUEST,
            media,
            "a GET request needs Content-Type: application/json, an apollo-require-preflight or an x-apollo-operation-name header",
            ErrorCode::BadUserInput,
            None,
        );
    }
    let viewer = match viewer_of(&state, &headers).await {
        Ok(v) => v,
        Err(reason) => return unauthorized(media, reason),
    };
    let params = match params_from_query_string(&raw) {
        Ok(p) => p,
        Err(BadParams(message, field)) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                &message,
                ErrorCode::BadUserInput,
                Some(field),
            )
        }
    };
    let started = Instant::now();
    let mut operation = params.operation_name.clone();
    let outcome = match prepare(&state, params, document_limits(&state)) {
        Ok(prepared) if prepared.operation_type != OperationType::Query => return method_not_allowed(media),
        Ok(prepared) => {
            operation.clone_from(&prepared.name);
            run(&state, &viewer, prepared).await
        }
        Err(outcome) => outcome,
    };
    observe(&state, operation.as_deref(), &outcome, started);
    json_response(outcome_status(&outcome, media), media, &outcome.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn accept_is_negotiated() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(Media::Json));
        assert_eq!(negotiate(&accept("application/json")), Some(Media::Json));
        assert_eq!(
            negotiate(&accept(GRAPHQL_RESPONSE_JSON)),
            Some(Media::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(Media::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(Media::Json)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(Media::Json));
        assert_eq!(negotiate(&accept("text/html")), None);
        assert_eq!(negotiate(&accept("application/json;q=0")), None);
    }

    #[test]
    fn only_utf8_json_is_a_json_content_type() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
            is_json_content_type(&h)
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("Application/JSON;charset=UTF-8"));
        assert!(!with("application/json; charset=latin1"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!with("multipart/form-data; boundary=x"));
    }
}
