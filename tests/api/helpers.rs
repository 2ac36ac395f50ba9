//! Test harness: one real server per test, on a random port, with a fresh database.
//!
//! Every API test runs once per backend: SQLite always; PostgreSQL when `TEST_POSTGRES_URL`
//! is set; MariaDB/MySQL when `TEST_MYSQL_URL` is set. A backend without its URL shows up as
//! ignored, with the reason, in the test output.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use interest_gateway::app::Application;
use interest_gateway::auth::{Authenticator, Claims, ADMIN_ROLE};
use interest_gateway::config::Settings;
use libtest_mimic::{Completion, Failed, Trial};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};

/// The secret every test server signs its tokens with.
pub const SECRET: &str = "test-secret-0123456789abcdef";

/// A database engine under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::MySql => "mysql",
        }
    }

    /// The server URL from the environment; SQLite needs none.
    fn env_var(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            Self::Postgres => Some("TEST_POSTGRES_URL"),
            Self::MySql => Some("TEST_MYSQL_URL"),
        }
    }

    fn server_url(self) -> Option<String> {
        self.env_var()
            .and_then(|v| std::env::var(v).ok())
            .filter(|v| !v.is_empty())
    }
}

/// A fresh database for one test.
#[derive(Clone, Debug)]
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
}

/// Owns a [`TestDatabase`] and removes it when the test ends.
struct DatabaseGuard {
    db: TestDatabase,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Drop { admin_url: String, name: String },
}

impl DatabaseGuard {
    async fn create(backend: Backend) -> Result<Self, String> {
        let unique = format!("ig_test_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{unique}.db"));
                Ok(Self {
                    db: TestDatabase {
                        backend,
                        url: format!("sqlite://{}?mode=rwc", path.display()),
                    },
                    cleanup: Cleanup::File(path),
                })
            }
            Backend::Postgres | Backend::MySql => {
                let admin_url = backend.server_url().ok_or("no server URL")?;
                let admin = Database::connect(&admin_url)
                    .await
                    .map_err(|e| format!("{} is unreachable at {admin_url}: {e}", backend.name()))?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {unique}"))
                    .await
                    .map_err(|e| format!("cannot create a test database: {e}"))?;
                let _ = admin.close().await;
                let mut url = url::Url::parse(&admin_url).map_err(|e| e.to_string())?;
                url.set_path(&format!("/{unique}"));
                Ok(Self {
                    db: TestDatabase {
                        backend,
                        url: url.to_string(),
                    },
                    cleanup: Cleanup::Drop {
                        admin_url,
                        name: unique,
                    },
                })
            }
        }
    }

    async fn drop_database(self) {
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Drop { admin_url, name } => {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let sql = match self.db.backend {
                        Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                        _ => format!("DROP DATABASE IF EXISTS {name}"),
                    };
                    let _ = admin.execute_unprepared(&sql).await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// What a test function gets: the database to run against.
pub type TestFn = fn(TestDatabase) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// One API test, to be run on every backend (or on one only).
pub struct ApiTest {
    pub name: &'static str,
    pub run: TestFn,
    pub only: Option<Backend>,
}

/// Lists async test functions of a module as [`ApiTest`]s.
#[macro_export]
macro_rules! api_tests {
    ($($name:ident),* $(,)?) => {
        pub fn tests() -> Vec<$crate::helpers::ApiTest> {
            vec![$($crate::helpers::ApiTest { name: stringify!($name), run: |db| Box::pin($name(db)), only: None }),*]
        }
    };
    ($($name:ident),* $(,)? ; postgres only: $($pg:ident),* $(,)?) => {
        pub fn tests() -> Vec<$crate::helpers::ApiTest> {
            let mut tests = vec![$($crate::helpers::ApiTest { name: stringify!($name), run: |db| Box::pin($name(db)), only: None }),*];
            tests.extend([$($crate::helpers::ApiTest {
                name: stringify!($pg),
                run: |db| Box::pin($pg(db)),
                only: Some($crate::helpers::Backend::Postgres),
            }),*]);
            tests
        }
    };
}

/// Runs `tests` on every backend, and `plain` tests once, through libtest-mimic.
pub fn run(modules: Vec<(&'static str, Vec<ApiTest>)>, plain: Vec<Trial>) -> std::process::ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    for backend in Backend::ALL {
        if let Some(var) = backend.env_var() {
            if backend.server_url().is_none() {
                println!(
                    "NOTE: {} tests are SKIPPED (reported as ignored): {var} is not set",
                    backend.name()
                );
            }
        }
    }
    let mut trials = plain;
    for (module, tests) in &modules {
        for test in tests {
            for backend in Backend::ALL {
                if test.only.is_some_and(|only| only != backend) {
                    continue;
                }
                let name = format!("{}::{module}::{}", backend.name(), test.name);
                let run = test.run;
                trials.push(Trial::ignorable_test(name, move || run_one(backend, run)));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}

fn run_one(backend: Backend, test: TestFn) -> Result<Completion, Failed> {
    if let (Some(var), None) = (backend.env_var(), backend.server_url()) {
        return Ok(Completion::ignored_with(format!("{var} is not set")));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(e.to_string()))?;
    runtime.block_on(async move {
        let guard = DatabaseGuard::create(backend).await.map_err(Failed::from)?;
        let outcome =
            tokio::time::timeout(Duration::from_secs(120), tokio::spawn(test(guard.db.clone()))).await;
        guard.drop_database().await;
        match outcome {
            Ok(Ok(())) => Ok(Completion::Completed),
            Ok(Err(join)) if join.is_panic() => {
                let payload = join.into_panic();
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "test panicked".into());
                Err(Failed::from(message))
            }
            Ok(Err(join)) => Err(Failed::from(join.to_string())),
            Err(_) => Err(Failed::from("test timed out after 120 s")),
        }
    })
}

impl TestDatabase {
    /// Side rows (category, tag, (tag, category) pair) whose interest is gone, read straight
    /// from the database: the service removes them with their interest.
    pub async fn orphan_side_rows(&self) -> i64 {
        let db = Database::connect(&self.url).await.expect("the test database");
        let mut orphans = 0;
        for table in ["interest_category", "interest_tag", "interest_tag_category"] {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    format!(
                        "SELECT count(*) AS n FROM {table} s WHERE NOT EXISTS \
                         (SELECT 1 FROM interest i WHERE i.id = s.interest_id)"
                    ),
                ))
                .await
                .expect("the count")
                .expect("a row");
            orphans += row.try_get::<i64>("", "n").expect("a number");
        }
        let _ = db.close().await;
        orphans
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    auth: Authenticator,
}

/// Starts the real application on a random port against `db`.
pub async fn spawn_app(db: &TestDatabase) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// Like [`spawn_app`], with settings changed by `configure` first.
pub async fn spawn_app_with(db: &TestDatabase, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = Settings::for_tests(&db.url, SECRET);
    configure(&mut settings);
    let app = Application::build(&settings)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client"),
        auth: Authenticator::hs256(SECRET.as_bytes(), None, None),
    }
}

/// A GraphQL response: HTTP status, content type and JSON body.
#[derive(Debug)]
pub struct GqlResponse {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl GqlResponse {
    /// `data.<path>` (dotted); `Null` when absent.
    pub fn data(&self, path: &str) -> &Value {
        let mut at = &self.body["data"];
        for part in path.split('.') {
            at = &at[part];
        }
        at
    }

    /// The errors array (empty when none).
    pub fn errors(&self) -> Vec<Value> {
        self.body["errors"].as_array().cloned().unwrap_or_default()
    }

    /// The code of the first error.
    pub fn code(&self) -> Option<String> {
        self.errors()
            .first()
            .and_then(|e| e["extensions"]["code"].as_str())
            .map(str::to_owned)
    }

    /// The `extensions.field` of the first error.
    pub fn field(&self) -> Option<String> {
        self.errors()
            .first()
            .and_then(|e| e["extensions"]["field"].as_str())
            .map(str::to_owned)
    }

    /// Panics with the body unless there are no errors.
    pub fn ok(self) -> Self {
        assert!(self.errors().is_empty(), "unexpected errors: {:#}", self.body);
        self
    }
}

/// Claims for a test user.
pub struct User {
    pub claims: Claims,
}

impl User {
    pub fn new(sub: &str) -> Self {
        Self {
            claims: Claims::new(sub, Duration::from_secs(600)),
        }
    }

    pub fn named(mut self, name: &str) -> Self {
        self.claims.name = Some(name.into());
        self
    }

    pub fn tenant(mut self, tid: &str) -> Self {
        self.claims.tid = Some(tid.into());
        self
    }

    pub fn admin(mut self) -> Self {
        self.claims.roles = Some(vec![ADMIN_ROLE.into()]);
        self
    }
}

impl TestApp {
    /// A client for a server already running at `address` (signed with [`SECRET`]).
    pub fn at(address: &str) -> Self {
        Self {
            address: address.to_owned(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("an HTTP client"),
            auth: Authenticator::hs256(SECRET.as_bytes(), None, None),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A signed token for `user`.
    pub fn token(&self, user: User) -> String {
        self.auth.mint(user.claims).expect("a token")
    }

    /// SQL statements this process has sent so far (`interest_gateway_db_statements_total`).
    pub async fn statements(&self) -> u64 {
        self.counter("interest_gateway_db_statements_total").await
    }

    /// The value of an unlabelled counter on `/metrics`.
    pub async fn counter(&self, name: &str) -> u64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no counter {name} on /metrics"))
    }

    /// A token for a plain user id.
    pub fn token_for(&self, sub: &str) -> String {
        self.token(User::new(sub).named(&format!("{sub} name")).tenant("contoso"))
    }

    /// POSTs one GraphQL operation as JSON.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> GqlResponse {
        let body = json!({ "query": query, "variables": variables });
        let mut request = self.client.post(self.url("/graphql")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::read(request.send().await.expect("the request is sent")).await
    }

    /// Reads any response as [`GqlResponse`].
    pub async fn read(response: reqwest::Response) -> GqlResponse {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        GqlResponse {
            status,
            content_type,
            body,
        }
    }

    /// `interests(filter:).totalCount` as `token` sees it.
    pub async fn total_count(&self, token: Option<&str>, filter: Value) -> i64 {
        self.graphql(
            "query($f: InterestFilter) { interests(filter: $f) { totalCount } }",
            json!({ "f": filter }),
            token,
        )
        .await
        .ok()
        .data("interests.totalCount")
        .as_i64()
        .expect("a count")
    }

    /// Creates an interest as `token` from `input` fields; returns the interest JSON.
    pub async fn create(&self, token: &str, input: Value) -> Value {
        let response = self
            .graphql(
                &format!("mutation($input: CreateInterestInput!) {{ createInterest(input: $input) {{ {INTEREST_FIELDS} }} }}"),
                json!({ "input": input }),
                Some(token),
            )
            .await
            .ok();
        response.data("createInterest").clone()
    }
}

/// Every field of `PersonInterest`.
pub const INTEREST_FIELDS: &str = "id userId displayName description webUrl thumbnailUrl isSearchable categories \
    collaborationTags allowedAudiences inference { confidenceScore userHasVerifiedAccuracy } source { type } \
    createdBy { user { id displayName tenantId } application { id displayName tenantId } device { id displayName tenantId } } \
    createdDateTime lastModifiedBy { user { id displayName tenantId } application { id displayName } device { id } } \
    lastModifiedDateTime etag";

/// A WebSocket client speaking one GraphQL sub-protocol.
pub struct WsClient {
    socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

/// How a WebSocket ended, or what it sent.
#[derive(Debug, PartialEq)]
pub enum WsEvent {
    Message(Value),
    Closed(Option<u16>),
}

impl TestApp {
    /// Opens `/graphql` as a WebSocket with `protocol`, optionally with an `Authorization` header.
    pub async fn ws(&self, protocol: &str, header_token: Option<&str>) -> WsClient {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = self.address.replacen("http://", "ws://", 1) + "/graphql";
        let mut request = url.into_client_request().expect("a WebSocket request");
        request
            .headers_mut()
            .insert("sec-websocket-protocol", protocol.parse().expect("a header"));
        if let Some(token) = header_token {
            request.headers_mut().insert(
                "authorization",
                format!("Bearer {token}").parse().expect("a header"),
            );
        }
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the upgrade succeeds");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some(protocol),
            "the server speaks the requested sub-protocol"
        );
        WsClient { socket }
    }
}

impl WsClient {
    pub async fn send(&mut self, message: Value) {
        use futures_util::SinkExt;
        self.socket
            .send(tokio_tungstenite::tungstenite::Message::Text(
                message.to_string().into(),
            ))
            .await
            .expect("the message is sent");
    }

    /// The next message or close within `timeout`; `None` when nothing came.
    pub async fn next_within(&mut self, timeout: Duration) -> Option<WsEvent> {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        loop {
            let received = tokio::time::timeout(timeout, self.socket.next()).await.ok()?;
            return Some(match received {
                Some(Ok(Message::Text(text))) => WsEvent::Message(serde_json::from_str(&text).expect("JSON")),
                Some(Ok(Message::Close(frame))) => WsEvent::Closed(frame.map(|f| u16::from(f.code))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => WsEvent::Closed(None),
            });
        }
    }

    /// The next message that is not a keep-alive, within 10 s; panics otherwise.
    pub async fn next_message(&mut self) -> Value {
        loop {
            match self.next_within(Duration::from_secs(10)).await {
                Some(WsEvent::Message(m)) if m["type"] == "ka" || m["type"] == "ping" => continue,
                Some(WsEvent::Message(m)) => return m,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// Asserts no message but keep-alives arrives within `timeout`.
    pub async fn expect_silence(&mut self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                None => return,
                Some(WsEvent::Message(m)) if m["type"] == "ka" || m["type"] == "ping" => continue,
                Some(other) => panic!("expected silence, got {other:?}"),
            }
        }
    }

    /// The close code the server sends next.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            match self.next_within(Duration::from_secs(10)).await {
                Some(WsEvent::Closed(code)) => return code,
                Some(WsEvent::Message(_)) => continue,
                None => panic!("the socket stayed open"),
            }
        }
    }

    /// `connection_init` with `payload`, then the `connection_ack`.
    pub async fn init(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(self.next_message().await["type"], "connection_ack");
    }
}
