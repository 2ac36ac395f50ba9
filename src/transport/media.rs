//! Media types: what a request sends and accepts, and the cross-site rules on them.

use axum::http::{header, HeaderMap, HeaderValue};

pub(super) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub(super) const JSON: &str = "application/json";

/// The media type of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Media {
    Json,
    GraphqlResponseJson,
}

impl Media {
    pub(super) fn content_type(self) -> HeaderValue {
        match self {
            Self::Json => HeaderValue::from_static("application/json; charset=utf-8"),
            Self::GraphqlResponseJson => {
                HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
            }
        }
    }
}

/// One entry of an `Accept` header: essence and quality.
pub(super) fn accept_entries(accept: &str) -> impl Iterator<Item = (String, f32)> + '_ {
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
pub(super) fn negotiate(headers: &HeaderMap) -> Option<Media> {
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

pub(super) fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| accept_entries(a).any(|(e, q)| e == "text/html" && q > 0.0))
}

pub(super) fn is_json_content_type(headers: &HeaderMap) -> bool {
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
pub(super) fn get_is_preflighted(headers: &HeaderMap) -> bool {
    let non_empty = |name: &str| headers.get(name).is_some_and(|v| !v.as_bytes().is_empty());
    headers.contains_key(header::CONTENT_TYPE) && is_json_content_type(headers)
        || non_empty("apollo-require-preflight")
        || non_empty("x-apollo-operation-name")
}

/// `GET /graphql`: a WebSocket upgrade, a query in the query string, or GraphiQL for a browser.
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
