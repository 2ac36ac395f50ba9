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

pub mod documents;
mod media;
mod operation;

use std::time::Instant;

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::Viewer;
use crate::error::ErrorCode;
use media::{get_is_preflighted, is_json_content_type, negotiate, wants_html, Media};
use operation::{
    document_limits, execute_post, observe, params_from_json, params_from_query_string, prepare, run,
    BadParams, Outcome,
};
pub(crate) use operation::{error_json, errors_json, Body};

fn json_response(status: StatusCode, media: Media, body: &impl serde::Serialize) -> Response {
    // Straight into bytes: `to_string` goes through `Display`'s formatter adapter, which made
    // writing a page of 20 interests cost as much as resolving it (callgrind, W2).
    let (status, text) = match serde_json::to_vec(body) {
        Ok(text) => (status, text),
        Err(err) => {
            // Only a map with non-text keys could fail, and no answer has one.
            tracing::error!(error = %err, "a response could not be written as JSON");
            let error = error_json("internal server error", ErrorCode::InternalServerError, None);
            let fallback = json!({ "errors": [error] }).to_string().into_bytes();
            (StatusCode::INTERNAL_SERVER_ERROR, fallback)
        }
    };
    let mut response = (status, text).into_response();
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
                    Ok(params) => Box::pin(execute_post(&state, &viewer, params)).await.body,
                    Err(BadParams(message, field)) => Body::Json(
                        json!({ "errors": [error_json(&message, ErrorCode::BadUserInput, Some(field))] }),
                    ),
                };
                results.push(body);
            }
            json_response(StatusCode::OK, media, &results)
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
                // Boxed (here and below): the running operation is a large future, and every
                // middleware layer moves the request's future whole (bench/RESULTS.md).
                let outcome = Box::pin(execute_post(&state, &viewer, params)).await;
                json_response(outcome_status(&outcome, media), media, &outcome.body)
            }
        },
    }
}

/// Whether a GET carries one of the headers a cross-site form or image cannot send.
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
            Box::pin(run(&state, &viewer, prepared)).await
        }
        Err(outcome) => outcome,
    };
    observe(&state, operation.as_deref(), &outcome, started);
    json_response(outcome_status(&outcome, media), media, &outcome.body)
}
