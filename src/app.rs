//! The application: state, router and server lifecycle.

use async_graphql::ValidationMode;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::routing::get;
use axum::Router;
use rand::RngCore as _;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::auth::{AuthConfig, Authenticator, Claims};
use crate::config::Settings;
use crate::domain::creates::Creates;
use crate::domain::directory::Directory;
use crate::domain::events::{EventBus, Publisher};
use crate::domain::federation::Federation;
use crate::graphql::{self, AppSchema, Limits};
use crate::metrics::{Gauges, Metrics};
use crate::persisted::PersistedQueries;
use crate::transport::documents::DocumentCache;
use crate::{db, fanout, graphiql, transport};

/// What every handler shares: one allocation, so that handing it to a request (axum clones
/// the state for every extractor) is one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The fields of [`AppState`].
pub struct Shared {
    pub schema: AppSchema,
    /// The same schema validating only the limits, for documents that passed every rule
    /// before (`transport::documents::plain_variables`).
    pub checked_schema: AppSchema,
    pub db: DatabaseConnection,
    /// The same pool, for reads past sea-orm's executor (`db::Reader`).
    pub reader: crate::db::Reader,
    pub auth: Arc<Authenticator>,
    pub federation: Arc<Federation>,
    /// This process's change channel.
    pub bus: EventBus,
    /// Where writes outside GraphQL (the `/beta` REST surface) publish their changes.
    pub publisher: Publisher,
    /// Where creates on PostgreSQL go (several to a statement under load).
    pub creates: Creates,
    /// `--public-url`: the base of the `/beta` answers' links.
    pub public_url: Option<Arc<str>>,
    pub directory: Arc<Directory>,
    pub max_batch_size: usize,
    /// `Bearer <token>` of the demo user, in development mode only.
    pub demo_authorization: Option<Arc<str>>,
    pub websocket: WebSocketSettings,
    /// Prometheus metrics of this server.
    pub metrics: Arc<Metrics>,
    /// How long batched loaders gather keys.
    pub batch_window: std::time::Duration,
    /// Most aliased fields in one document.
    pub max_aliases: usize,
    /// Longest an operation may run.
    pub request_timeout: std::time::Duration,
    /// Whether introspection is answered.
    pub introspection: bool,
    /// Whether validated texts of known shapes run as compiled plans (`graphql::plans`).
    pub compiled_plans: bool,
    /// Turns true when the server starts shutting down: WebSockets close with 1001.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Open WebSocket connections, waited for on shutdown.
    pub open_sockets: Arc<std::sync::atomic::AtomicUsize>,
    /// Automatic persisted queries.
    pub persisted: Arc<PersistedQueries>,
    /// Parsed documents by query text.
    pub documents: Arc<DocumentCache>,
}

/// Limits and timers of WebSocket connections.
#[derive(Clone, Copy, Debug)]
pub struct WebSocketSettings {
    pub keepalive: std::time::Duration,
    pub init_timeout: std::time::Duration,
    pub max_subscriptions: usize,
}

/// The demo user of development mode.
pub const DEMO_USER: &str = "demo-user";

/// A bound, migrated, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    demo_authorization: Option<Arc<str>>,
    /// The PostgreSQL change listener of this instance, stopped with it.
    fanout: Option<tokio::task::JoinHandle<()>>,
    shutdown: tokio::sync::watch::Sender<bool>,
    open_sockets: Arc<std::sync::atomic::AtomicUsize>,
}

/// How long shutdown waits for WebSockets to say goodbye.
const SOCKET_DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

impl Application {
    /// Connects and migrates the database, then binds the listener (port 0 picks a free port).
    ///
    /// Without a JWT secret or JWKS file this is development mode: a random secret for this run, a demo
    /// token, and only loopback addresses may be bound.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let dev_mode = settings.jwt_secret.is_none() && settings.jwks_file.is_none();
        let secret = match &settings.jwt_secret {
            Some(secret) => Some(secret.expose().as_bytes().to_vec()),
            None if dev_mode => {
                if !settings.bind.ip().is_loopback() {
                    anyhow::bail!(
                        "development mode (no --jwt-secret or --jwks-file) only binds loopback addresses; {} is not one",
                        settings.bind
                    );
                }
                let mut secret = vec![0u8; 32];
                rand::rng().fill_bytes(&mut secret);
                Some(secret)
            }
            None => None,
        };
        let auth = Authenticator::new(AuthConfig {
            secret,
            jwks_file: settings.jwks_file.clone(),
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            leeway: settings.jwt_leeway,
        })?;
        let demo_authorization = if dev_mode {
            let mut claims = Claims::new(DEMO_USER, std::time::Duration::from_secs(24 * 3600));
            claims.name = Some("Demo User".into());
            claims.tid = Some("demo-org".into());
            Some(Arc::from(format!("Bearer {}", auth.mint(claims)?)))
        } else {
            None
        };

        let mut db = db::connect(
            &settings.database_url,
            settings.database_max_connections,
            settings.database_acquire_timeout,
        )
        .await?;
        db::migrate(&db).await?;
        let statements = db::count_statements(&mut db);
        let reader = db::Reader::new(
            db.clone(),
            statements.clone(),
            settings.database_max_connections,
            settings.database_acquire_timeout,
        );
        let bus = EventBus::default();
        let on_postgres = db.get_database_backend() == DbBackend::Postgres;
        let listener = if on_postgres {
            Some(fanout::listen(&settings.database_url, bus.clone()).await?)
        } else {
            None
        };
        let publisher = if on_postgres {
            let (publisher, changes) = Publisher::notifying(bus.clone());
            // A connection of its own: notifications never wait behind requests for the pool
            // (nor count as their statements on `/metrics`).
            let notify_db = db::connect(&settings.database_url, 1, settings.database_acquire_timeout).await?;
            tokio::spawn(crate::domain::events::notifier(notify_db, changes));
            publisher
        } else {
            Publisher::local(bus.clone())
        };
        let creates = if on_postgres {
            Creates::combined(
                db.clone(),
                publisher.clone(),
                usize::from(settings.create_batch),
                usize::from(settings.create_writers),
            )
        } else {
            Creates::direct()
        };
        let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
        let open_sockets = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let limits = Limits {
            max_depth: settings.max_depth,
            max_complexity: settings.max_complexity,
            max_recursive_depth: settings.max_recursion,
            introspection: settings.introspection,
        };
        let schema = |validation| {
            graphql::build_schema(
                reader.clone(),
                publisher.clone(),
                creates.clone(),
                bus.clone(),
                limits,
                validation,
            )
        };
        let state = AppState(Arc::new(Shared {
            schema: schema(ValidationMode::Strict),
            checked_schema: schema(ValidationMode::Fast),
            bus,
            publisher,
            creates,
            public_url: settings.public_url.as_deref().map(Arc::from),
            db,
            reader,
            auth: Arc::new(auth),
            federation: Arc::new(settings.federated_organizations.clone().unwrap_or_default()),
            directory: Arc::new(Directory::default()),
            max_batch_size: settings.max_batch_size,
            demo_authorization: demo_authorization.clone(),
            websocket: WebSocketSettings {
                keepalive: settings.ws_keepalive,
                init_timeout: settings.ws_init_timeout,
                max_subscriptions: settings.max_subscriptions_per_connection,
            },
            metrics: Arc::new(Metrics::new(statements)),
            batch_window: settings.batch_window,
            max_aliases: settings.max_aliases,
            request_timeout: settings.request_timeout,
            introspection: settings.introspection,
            compiled_plans: settings.compiled_plans,
            persisted: Arc::new(PersistedQueries::new(settings.persisted_queries)),
            documents: Arc::new(DocumentCache::new(settings.document_cache)),
            shutdown: shutdown_rx,
            open_sockets: open_sockets.clone(),
        }));
        let router = router(state, settings.max_body_bytes, cors(&settings.cors_origins)?);
        let tcp = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let addr = tcp.local_addr()?;
        Ok(Self {
            listener: tcp,
            router,
            addr,
            demo_authorization,
            fanout: listener,
            shutdown: shutdown_tx,
            open_sockets,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `Bearer <token>` of the demo user in development mode.
    pub fn demo_authorization(&self) -> Option<&str> {
        self.demo_authorization.as_deref()
    }

    /// Serves until SIGINT or SIGTERM, then stops accepting, lets in-flight requests finish,
    /// and closes WebSockets with 1001 (Going Away).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let shutdown = self.shutdown;
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                let _ = shutdown.send(true);
            })
            .await;
        let deadline = tokio::time::Instant::now() + SOCKET_DRAIN;
        while self.open_sockets.load(std::sync::atomic::Ordering::Acquire) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        if let Some(fanout) = self.fanout {
            fanout.abort();
        }
        served
    }
}

/// Cross-origin access for the configured origins; `None`: same origin only.
fn cors(origins: &[String]) -> anyhow::Result<Option<CorsLayer>> {
    if origins.is_empty() {
        return Ok(None);
    }
    let origins = origins
        .iter()
        .map(|o| HeaderValue::from_str(o.trim()).with_context(|| format!("{o:?} is not a valid origin")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PATCH,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::ACCEPT,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
                HeaderName::from_static("prefer"),
                HeaderName::from_static("client-request-id"),
                // Sent by Microsoft's Graph SDKs on every request.
                HeaderName::from_static("sdkversion"),
                HeaderName::from_static("consistencylevel"),
                HeaderName::from_static("apollo-require-preflight"),
                HeaderName::from_static("x-apollo-operation-name"),
                HeaderName::from_static("apollographql-client-name"),
                HeaderName::from_static("apollographql-client-version"),
            ])
            .expose_headers([
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("request-id"),
                HeaderName::from_static("client-request-id"),
                header::ETAG,
                header::LOCATION,
            ])
            .max_age(std::time::Duration::from_secs(3600)),
    ))
}

/// Every route and middleware.
pub fn router(state: AppState, max_body_bytes: usize, cors: Option<CorsLayer>) -> Router {
    let router = Router::new()
        .route("/", get(graphiql::index))
        .route("/assets/graphiql/{file}", get(graphiql::asset))
        .route(
            "/graphql",
            get(transport::graphql_get).post(transport::graphql_post),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .nest("/beta", crate::msgraph::router())
        .with_state(state);
    // One `layer` call for the whole stack (outermost first): each `Router::layer` boxes every
    // route's service and moves the request's future once more, which cost more than any
    // single middleware here (bench/RESULTS.md). CORS, when configured, wraps it all.
    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            // One span per request, named by its request id; headers (tokens) are never logged.
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %request_id,
                    )
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Millis),
                ),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(CatchPanicLayer::new())
        .layer(DefaultBodyLimit::max(max_body_bytes));
    let router = router.layer(middleware);
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if db::is_ready(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

/// Prometheus text format.
async fn metrics(State(state): State<AppState>) -> ([(HeaderName, &'static str); 1], String) {
    let (pool_size, pool_idle) = db::pool_stats(&state.db);
    let gauges = Gauges {
        pool_size,
        pool_idle,
        websockets: state.open_sockets.load(std::sync::atomic::Ordering::Relaxed),
        subscribers: state.bus.subscribers(),
        creates: state.creates.counts(),
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&gauges),
    )
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
