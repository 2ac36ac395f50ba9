//! GraphiQL, served with its assets from the binary: it works without internet access.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::app::AppState;

/// The assets of GraphiQL 3.8.3 and React 18.3.1 (UMD builds from npm), bundled at build time.
const ASSETS: [(&str, &str, &[u8]); 4] = [
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    ),
];

const EXAMPLE_QUERY: &str = r#"# Welcome to interest-gateway.
# In development mode the Headers tab below already holds a demo token.

query MyInterests {
  me {
    id
    displayName
    interests(first: 10) {
      totalCount
      nodes { id displayName categories collaborationTags allowedAudiences etag }
      pageInfo { hasNextPage endCursor }
    }
  }
}

mutation AddInterest {
  createInterest(input: {
    displayName: "Rust"
    categories: ["Programming"]
    collaborationTags: [ABLE_TO_MENTOR]
    allowedAudiences: EVERYONE
  }) { id displayName etag }
}

# Runs over WebSocket with the Headers tab's Authorization; run it, then AddInterest in a
# second tab or window to see the event arrive.
subscription LiveChanges {
  interestEvents {
    type
    interestId
    interest { displayName collaborationTags }
    at
  }
}
"#;

/// Encodes `value` as a JavaScript string literal that is safe inside `<script>`.
fn js_string(value: &str) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
}

/// The GraphiQL page.
pub fn page(state: &AppState) -> Html<String> {
    let headers = match &state.demo_authorization {
        Some(value) => format!("{{\n  \"Authorization\": \"{value}\"\n}}"),
        None => String::new(),
    };
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>interest-gateway · GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
  <link rel="stylesheet" href="/assets/graphiql/graphiql.min.css">
  <script src="/assets/graphiql/react.production.min.js"></script>
  <script src="/assets/graphiql/react-dom.production.min.js"></script>
  <script src="/assets/graphiql/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script>
    const url = new URL('/graphql', window.location.href);
    const subscriptionUrl = new URL(url);
    subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const httpFetcher = GraphiQL.createFetcher({{ url: url.href }});
    // Subscriptions go over WebSocket (graphql-transport-ws); the connection_init payload
    // carries the Headers tab as it is when the subscription starts, so a token typed there
    // applies to subscriptions too.
    const isSubscription = (params, opts) => {{
      const document = opts && opts.documentAST;
      if (!document) return false;
      const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
      const chosen = params.operationName
        ? operations.find((d) => d.name && d.name.value === params.operationName)
        : operations.length === 1 ? operations[0] : undefined;
      return Boolean(chosen && chosen.operation === 'subscription');
    }};
    const fetcher = (params, opts) => isSubscription(params, opts)
      ? GraphiQL.createFetcher({{
          url: url.href,
          subscriptionUrl: subscriptionUrl.href,
          wsConnectionParams: (opts && opts.headers) || {{}},
        }})(params, opts)
      : httpFetcher(params, opts);
    // `/?query=…&operationName=…&variables=…` opens GraphiQL on that operation (shareable links).
    const shared = new URLSearchParams(window.location.search);
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {{
        fetcher,
        query: shared.get('query') ?? undefined,
        variables: shared.get('variables') ?? undefined,
        operationName: shared.get('operationName') ?? undefined,
        defaultQuery: {query},
        defaultHeaders: {headers},
        defaultEditorToolsVisibility: {tools},
        shouldPersistHeaders: false,
      }})
    );
  </script>
</body>
</html>"#,
        query = js_string(EXAMPLE_QUERY),
        headers = js_string(&headers),
        tools = if headers.is_empty() { "false" } else { "'headers'" },
    ))
}

/// `GET /`.
pub async fn index(axum::extract::State(state): axum::extract::State<AppState>) -> Html<String> {
    page(&state)
}

/// `GET /assets/graphiql/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => {
            let mut response = (StatusCode::OK, *bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            );
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
