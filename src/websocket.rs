//! GraphQL over WebSocket on `/graphql`: `graphql-transport-ws` (Apollo's `GraphQLWsLink`) and
//! the legacy `graphql-ws` (subscriptions-transport-ws).
//!
//! Written here rather than taken from async-graphql, whose handler closes a refused
//! `connection_init` with 1002 instead of 4403, a subscribe before the handshake with 1011
//! instead of 4401, never sends the legacy `ka` keep-alive, and bounds nothing.
//!
//! The token comes from the `connection_init` payload (`{"authorization": "Bearer …"}`) or,
//! failing that, the upgrade request's `Authorization` header; none subscribes anonymously; a
//! bad one closes the socket with 4403.

use std::collections::HashMap;

use async_graphql::Variables;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::domain::Viewer;
use crate::error::ErrorCode;
use crate::graphql::loaders::RequestLoaders;
use crate::transport;

const TRANSPORT_WS: &str = "graphql-transport-ws";
const LEGACY_WS: &str = "graphql-ws";

/// Which sub-protocol a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    /// `graphql-transport-ws` (the graphql-ws library, Apollo Client's `GraphQLWsLink`).
    TransportWs,
    /// Legacy `graphql-ws` (subscriptions-transport-ws).
    Legacy,
}

impl Protocol {
    fn next(self) -> &'static str {
        match self {
            Self::TransportWs => "next",
            Self::Legacy => "data",
        }
    }
}

/// Accepts the upgrade; the client's first supported sub-protocol wins (default:
/// `graphql-transport-ws`).
pub fn upgrade(ws: WebSocketUpgrade, state: AppState, authorization: Option<String>) -> Response {
    let ws = ws.protocols([TRANSPORT_WS, LEGACY_WS]);
    let protocol = match ws.selected_protocol().and_then(|p| p.to_str().ok()) {
        Some(LEGACY_WS) => Protocol::Legacy,
        _ => Protocol::TransportWs,
    };
    ws.on_upgrade(move |socket| serve(socket, state, protocol, authorization))
}

/// What to do after a client message.
enum Flow {
    Continue,
    Close(u16, &'static str),
}

struct Connection {
    state: AppState,
    protocol: Protocol,
    header_authorization: Option<String>,
    viewer: Option<Viewer>,
    operations: HashMap<String, JoinHandle<()>>,
    out: mpsc::Sender<Message>,
}

fn text(value: impl serde::Serialize) -> Message {
    // Only a map with non-text keys could fail to serialize, and no message has one.
    let written = serde_json::to_string(&value).unwrap_or_else(|err| {
        tracing::error!(error = %err, "a message could not be written as JSON");
        json!({ "type": "error", "payload": [{ "message": "internal server error" }] }).to_string()
    });
    Message::Text(Utf8Bytes::from(written))
}

/// A `next` (or legacy `data`) message: the result written straight from async-graphql's value
/// (fields in the order of `json!`'s sorted keys, as every other message).
#[derive(serde::Serialize)]
struct Next<'a> {
    id: &'a str,
    payload: transport::Body,
    #[serde(rename = "type")]
    kind: &'static str,
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

/// Counts an open socket for as long as it lives.
struct OpenSocket(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

async fn serve(socket: WebSocket, state: AppState, protocol: Protocol, header_authorization: Option<String>) {
    state
        .open_sockets
        .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    let _open = OpenSocket(state.open_sockets.clone());
    let mut shutdown = state.shutdown.clone();
    let settings = state.websocket;
    let (mut sink, mut incoming) = socket.split();
    let (out, mut outgoing) = mpsc::channel::<Message>(256);
    let writer = tokio::spawn(async move {
        while let Some(message) = outgoing.recv().await {
            let closing = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || closing {
                break;
            }
        }
    });
    let mut connection = Connection {
        state,
        protocol,
        header_authorization,
        viewer: None,
        operations: HashMap::new(),
        out,
    };
    let init_deadline = tokio::time::sleep(settings.init_timeout);
    tokio::pin!(init_deadline);
    let mut keepalive = tokio::time::interval(settings.keepalive);
    keepalive.reset();
    loop {
        let flow = tokio::select! {
            message = incoming.next() => match message {
                Some(Ok(Message::Text(body))) => connection.handle(body.as_str()).await,
                Some(Ok(Message::Binary(_))) => Flow::Close(4400, "Binary messages are not supported"),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => Flow::Continue,
            },
            _ = shutdown.changed() => Flow::Close(1001, "Server is shutting down"),
            () = &mut init_deadline, if connection.viewer.is_none() => {
                Flow::Close(4408, "Connection initialisation timeout")
            }
            _ = keepalive.tick(), if connection.viewer.is_some() => {
                let beat = match connection.protocol {
                    Protocol::TransportWs => json!({ "type": "ping" }),
                    Protocol::Legacy => json!({ "type": "ka" }),
                };
                connection.send(text(beat)).await;
                Flow::Continue
            }
        };
        if let Flow::Close(code, reason) = flow {
            connection.send(close(code, reason)).await;
            break;
        }
    }
    for (_, operation) in connection.operations.drain() {
        operation.abort();
    }
    drop(connection);
    let _ = writer.await;
}

impl Connection {
    async fn send(&self, message: Message) {
        // A closed writer means the client left; the read loop ends on its own.
        let _ = self.out.send(message).await;
    }

    async fn handle(&mut self, body: &str) -> Flow {
        let Ok(Value::Object(message)) = serde_json::from_str::<Value>(body) else {
            return Flow::Close(4400, "Invalid message");
        };
        let kind = message.get("type").and_then(Value::as_str).unwrap_or_default();
        let id = message.get("id").and_then(Value::as_str).map(str::to_owned);
        let payload = message.get("payload").cloned().unwrap_or(Value::Null);
        match (self.protocol, kind) {
            (_, "connection_init") => self.init(payload).await,
            (Protocol::TransportWs, "subscribe") | (Protocol::Legacy, "start") => match id {
                Some(id) => self.start(id, payload).await,
                None => Flow::Close(4400, "A subscription needs an id"),
            },
            (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
                if let Some(operation) = id.and_then(|id| self.operations.remove(&id)) {
                    operation.abort();
                }
                Flow::Continue
            }
            (Protocol::TransportWs, "ping") => {
                self.send(text(json!({ "type": "pong" }))).await;
                Flow::Continue
            }
            (Protocol::TransportWs, "pong") => Flow::Continue,
            (Protocol::Legacy, "connection_terminate") => Flow::Close(1000, "Normal closure"),
            _ => Flow::Close(4400, "Unknown message type"),
        }
    }

    /// Authenticates the connection: the payload's token, else the upgrade header's.
    async fn init(&mut self, payload: Value) -> Flow {
        if self.viewer.is_some() {
            return Flow::Close(4429, "Too many initialisation requests");
        }
        let from_payload = ["authorization", "Authorization"]
            .iter()
            .find_map(|key| payload.get(*key).and_then(Value::as_str))
            .or_else(|| payload.pointer("/headers/authorization").and_then(Value::as_str))
            .or_else(|| payload.pointer("/headers/Authorization").and_then(Value::as_str))
            .map(str::to_owned);
        let authorization = from_payload.or_else(|| self.header_authorization.clone());
        match transport::identify(&self.state, authorization.as_deref()).await {
            Ok(viewer) => {
                self.viewer = Some(viewer);
                self.send(text(json!({ "type": "connection_ack" }))).await;
                if self.protocol == Protocol::Legacy {
                    self.send(text(json!({ "type": "ka" }))).await;
                }
                Flow::Continue
            }
            Err(reason) => {
                if self.protocol == Protocol::Legacy {
                    self.send(text(
                        json!({ "type": "connection_error", "payload": { "message": reason } }),
                    ))
                    .await;
                }
                Flow::Close(4403, "Forbidden")
            }
        }
    }

    /// Runs one operation (usually a subscription) and forwards its results.
    async fn start(&mut self, id: String, payload: Value) -> Flow {
        let Some(viewer) = self.viewer.clone() else {
            return Flow::Close(4401, "Unauthorized");
        };
        if self.operations.get(&id).is_some_and(|op| !op.is_finished()) {
            return Flow::Close(4409, "Subscriber for this id already exists");
        }
        let Some(query) = payload.get("query").and_then(Value::as_str) else {
            return Flow::Close(4400, "A subscription needs a query");
        };
        let limit = self.state.websocket.max_subscriptions;
        if self.operations.values().filter(|op| !op.is_finished()).count() >= limit {
            let refusal = json!({
                "message": format!("at most {limit} subscriptions per connection"),
                "extensions": { "code": ErrorCode::QueryTooComplex.as_str() },
            });
            self.send(text(json!({ "type": "error", "id": id, "payload": [refusal] })))
                .await;
            return Flow::Continue;
        }
        // Parsed here (and reused, as over HTTP) so a syntax error has its own code.
        let document = match self.state.documents.parse(query) {
            Ok(document) => document,
            Err(err) => {
                let error = transport::error_json(&err.to_string(), ErrorCode::GraphqlParseFailed, None);
                self.send(text(json!({ "type": "error", "id": id, "payload": [error] })))
                    .await;
                return Flow::Continue;
            }
        };
        let mut request = async_graphql::Request::new(query)
            .data(RequestLoaders::new(
                self.state.reader.clone(),
                viewer.clone(),
                self.state.batch_window,
            ))
            .data(viewer);
        if let Some(name) = payload.get("operationName").and_then(Value::as_str) {
            request = request.operation_name(name);
        }
        if let Some(variables @ Value::Object(_)) = payload.get("variables") {
            request = request.variables(Variables::from_json(variables.clone()));
        }
        request.set_parsed_query(transport::documents::owned(document));
        let mut results = self.state.schema.execute_stream(request);
        let out = self.out.clone();
        let protocol = self.protocol;
        let operation_id = id.clone();
        let task = tokio::spawn(async move {
            let mut first = true;
            while let Some(response) = results.next().await {
                // Refused before it ran (validation, limits, arguments): an `error` message.
                let refused = first && response.data == async_graphql::Value::Null && response.is_err();
                first = false;
                let message = if refused {
                    let errors = transport::errors_json(response.errors, true);
                    text(json!({ "type": "error", "id": operation_id, "payload": errors }))
                } else {
                    let errors =
                        (!response.errors.is_empty()).then(|| transport::errors_json(response.errors, false));
                    text(Next {
                        id: &operation_id,
                        payload: transport::Body::Executed {
                            data: Some(response.data),
                            errors,
                        },
                        kind: protocol.next(),
                    })
                };
                if out.send(message).await.is_err() || refused {
                    return;
                }
            }
            let _ = out
                .send(text(json!({ "type": "complete", "id": operation_id })))
                .await;
        });
        self.operations.insert(id, task);
        Flow::Continue
    }
}
