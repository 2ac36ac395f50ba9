//! Microsoft Graph's error envelope:
//! `{"error": {"code", "message", "target"?, "innerError": {"date", "request-id", "client-request-id"?}}}`.
//!
//! A handler returns a [`GraphError`]; it travels in the response's extensions and
//! [`envelope`], a middleware that knows the request's ids, writes the body. Every answer under
//! `/beta` also carries `request-id` (and `client-request-id` when the client sent one), as
//! Graph's do.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use serde_json::json;

use crate::error::AppError;

/// An error answer under `/beta`.
#[derive(Clone, Debug)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The property at fault (OData's `target`).
    pub target: Option<String>,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            target: None,
        }
    }

    /// 400 `invalidRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalidRequest", message)
    }

    /// 404 `itemNotFound`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "itemNotFound", message)
    }

    /// 412 `preconditionFailed`: `If-Match` names another version.
    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "preconditionFailed",
            "the interest was changed since that etag; read it again",
        )
    }

    /// The answer for a domain error. `if_match` says whether the request carried `If-Match`:
    /// then a lost version check is 412, otherwise 409.
    pub fn from_app(err: AppError, if_match: bool) -> Self {
        let message = err.message();
        match err {
            AppError::BadUserInput { field, .. } => Self {
                target: (!field.is_empty()).then_some(field),
                ..Self::bad_request(message)
            },
            AppError::Unauthenticated(_) => {
                Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
            }
            AppError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "accessDenied", message),
            AppError::NotFound(_) => Self::not_found(message),
            AppError::Conflict(_) if if_match => Self::precondition_failed(),
            AppError::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", message),
            AppError::ServiceUnavailable => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "serviceNotAvailable", message)
            }
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "generalException", message)
            }
        }
    }
}

impl From<AppError> for GraphError {
    fn from(err: AppError) -> Self {
        Self::from_app(err, false)
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        match self.status {
            StatusCode::UNAUTHORIZED => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response.extensions_mut().insert(self);
        response
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// The client's `client-request-id`, when it is a short printable value.
fn client_request_id(headers: &HeaderMap) -> Option<HeaderValue> {
    headers
        .get(&CLIENT_REQUEST_ID)
        .filter(|v| v.len() <= 128 && v.to_str().is_ok())
        .cloned()
}

/// Writes the envelope of any [`GraphError`] (and of axum's own 404/405/413 answers) and sets
/// the request-id headers.
pub async fn envelope(request: Request, next: Next) -> Response {
    let request_id = request.headers().get("x-request-id").cloned();
    let client_id = client_request_id(request.headers());
    let mut response = next.run(request).await;
    let error = response.extensions_mut().remove::<GraphError>().or_else(|| {
        // Routing answers of the framework, which carry no GraphError.
        let status = response.status();
        let bare = response.headers().get(header::CONTENT_TYPE).is_none()
            || response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
        match status {
            StatusCode::NOT_FOUND if bare => Some(GraphError::not_found(
                "Resource not found for the segment: this path is not part of the API",
            )),
            StatusCode::METHOD_NOT_ALLOWED if bare => Some(GraphError::new(
                status,
                "methodNotAllowed",
                "this method is not supported on this resource",
            )),
            StatusCode::PAYLOAD_TOO_LARGE if bare => Some(GraphError::new(
                status,
                "requestTooLarge",
                "the request body is too large",
            )),
            // Any other answer of the framework (a path that does not decode, …).
            s if bare && s.is_client_error() => Some(GraphError::bad_request(
                "the request could not be read: check the path and its encoding",
            )),
            s if bare && s.is_server_error() => {
                Some(GraphError::new(s, "generalException", "internal server error"))
            }
            _ => None,
        }
    });
    if let Some(error) = error {
        let mut inner = json!({
            "date": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true).trim_end_matches('Z'),
            "request-id": request_id.as_ref().and_then(|v| v.to_str().ok()),
        });
        if let Some(id) = client_id.as_ref().and_then(|v| v.to_str().ok()) {
            inner["client-request-id"] = json!(id);
        }
        let mut body = json!({ "code": error.code, "message": error.message });
        if let Some(target) = &error.target {
            body["target"] = json!(target);
        }
        body["innerError"] = inner;
        let (mut parts, _) = response.into_parts();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        response = Response::from_parts(parts, json!({ "error": body }).to_string().into());
    }
    if let Some(id) = request_id {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    if let Some(id) = client_id {
        response.headers_mut().insert(CLIENT_REQUEST_ID, id);
    }
    response
}
