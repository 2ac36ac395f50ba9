//! Typed settings: every flag can also come from the environment; secrets are never printed.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::federation::Federation;

/// A GraphQL service for people's interests and expertise.
#[derive(Debug, Parser)]
#[command(name = "interest-gateway", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the binary does; serving is the default.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve.
    Serve,
    /// Run migrations only.
    Migrate {
        #[arg(value_enum, default_value_t = MigrateAction::Up)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (the same text as schema.graphql).
    Schema,
    /// Mint an HS256 token with the configured secret, for development and scripts.
    Token(TokenArgs),
    /// Write interests as NDJSON, one Microsoft Graph personInterest a line.
    Export(ExportArgs),
    /// Read interests from NDJSON, a JSON array or Graph list pages (idempotent by id).
    Import(ImportArgs),
}

/// What `export` writes.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Only this user's interests (default: everyone's).
    #[arg(long)]
    pub user: Option<String>,
    /// Write to this file (default: standard output).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

/// What `import` reads.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The file (`-`: standard input).
    pub file: std::path::PathBuf,
    /// Put every record on this user's profile (default: each record's `userId`).
    #[arg(long)]
    pub user: Option<String>,
    /// Records stored per transaction.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
}

/// What `migrate` does.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

/// Claims of a minted token.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// User id (`sub`).
    #[arg(long)]
    pub sub: String,
    /// Display name (`name`).
    #[arg(long)]
    pub name: Option<String>,
    /// Organization (`tid`).
    #[arg(long)]
    pub tid: Option<String>,
    /// Groups (`groups`), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// Roles (`roles`), comma-separated; `Interests.ReadWrite.All` makes an admin.
    #[arg(long, value_delimiter = ',')]
    pub roles: Vec<String>,
    /// Lifetime, e.g. `1h`, `30m`, `7d`.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    pub ttl: Duration,
}

/// A secret that never shows in logs or debug output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() < 16 {
            return Err("the JWT secret needs at least 16 characters".into());
        }
        Ok(Self(s.to_owned()))
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Settings shared by every subcommand; each flag falls back to its environment variable.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8000", global = true)]
    pub bind: SocketAddr,
    /// Database URL: sqlite://FILE?mode=rwc, postgres://..., mysql://...
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://interests.db?mode=rwc",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,
    /// HS256 secret for bearer tokens; without it the server runs in development mode.
    #[arg(long, env = "JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<Secret>,
    /// JWKS file of RS256/ES256 public keys, selected by the token's `kid` (re-read when a
    /// token names a key not in it yet: rotation without restart).
    #[arg(long, env = "JWKS_FILE", global = true)]
    pub jwks_file: Option<std::path::PathBuf>,
    /// Clock skew tolerated on `exp` and `nbf`.
    #[arg(long, env = "JWT_LEEWAY", default_value = "60s", value_parser = humantime::parse_duration, global = true)]
    pub jwt_leeway: Duration,
    /// Required `iss` of tokens (not checked when absent).
    #[arg(long, env = "JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    /// Required `aud` of tokens (not checked when absent).
    #[arg(long, env = "JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
    /// Federated organizations: `a:b,a:c` federates a with b and with c (both ways).
    #[arg(long, env = "FEDERATED_ORGANIZATIONS", value_parser = Federation::parse, global = true)]
    pub federated_organizations: Option<Federation>,
    /// Log format: text for people, json for machines.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Most operations in one batched POST.
    #[arg(long, env = "MAX_BATCH_SIZE", default_value_t = 10, global = true)]
    pub max_batch_size: usize,
    /// Largest request body in bytes (413 above it).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// Seconds between keep-alive messages on WebSocket connections.
    #[arg(long, env = "WS_KEEPALIVE", default_value = "15s", value_parser = humantime::parse_duration, global = true)]
    pub ws_keepalive: Duration,
    /// How long a WebSocket may wait before `connection_init` (then closed with 4408).
    #[arg(long, env = "WS_INIT_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration, global = true)]
    pub ws_init_timeout: Duration,
    /// Most subscriptions one WebSocket connection may hold.
    #[arg(
        long,
        env = "MAX_SUBSCRIPTIONS_PER_CONNECTION",
        default_value_t = 50,
        global = true
    )]
    pub max_subscriptions_per_connection: usize,
    /// How long nested reads gather keys before one batched query.
    #[arg(long, env = "BATCH_WINDOW", default_value = "2ms", value_parser = humantime::parse_duration, global = true)]
    pub batch_window: Duration,
    /// Deepest selection nesting an operation may have.
    #[arg(long, env = "MAX_DEPTH", default_value_t = 20, global = true)]
    pub max_depth: usize,
    /// Largest complexity (fields counted, lists included) an operation may have.
    #[arg(long, env = "MAX_COMPLEXITY", default_value_t = 1000, global = true)]
    pub max_complexity: usize,
    /// Most aliased fields in one document.
    #[arg(long, env = "MAX_ALIASES", default_value_t = 30, global = true)]
    pub max_aliases: usize,
    /// Deepest nesting the parser accepts (fragments, lists, objects).
    #[arg(long, env = "MAX_RECURSION", default_value_t = 32, global = true)]
    pub max_recursion: usize,
    /// Longest an operation may run.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration, global = true)]
    pub request_timeout: Duration,
    /// Answer introspection queries (switch off in production if the schema is private).
    #[arg(long, env = "INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub introspection: bool,
    /// The URL clients reach this server at (`https://interests.example.com`), for the links of
    /// the `/beta` REST answers; without it they are built from the request's `Host`.
    #[arg(long, env = "PUBLIC_URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<String>,
    /// Origins allowed to call from a browser (comma-separated); none: same origin only.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,
    /// Most automatic persisted queries kept (least recently used go first).
    #[arg(long, env = "PERSISTED_QUERIES", default_value_t = 1000, global = true)]
    pub persisted_queries: usize,
    /// Most parsed documents kept for reuse, by query text (0: parse every request).
    #[arg(long, env = "DOCUMENT_CACHE", default_value_t = 500, global = true)]
    pub document_cache: usize,
    /// Answer the common read shapes (an interest by id, a profile's or a listing's interests)
    /// with compiled plans once their text passed validation, rather than async-graphql's
    /// executor; the same answers, a fraction of the CPU (`false`: always the executor).
    #[arg(long, env = "COMPILED_PLANS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub compiled_plans: bool,
    /// PostgreSQL: most creates written in one statement. Creates that arrive while earlier ones
    /// are being written share the next statement (one commit for many); idle, each is written at
    /// once. 1: one statement per create.
    #[arg(long, env = "CREATE_BATCH", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=256), global = true)]
    pub create_batch: u16,
    /// PostgreSQL: tasks writing creates, each with one statement in flight. Fewer writers make
    /// larger batches, and a create costs PostgreSQL less in a larger one: on 2 cores one writer
    /// wrote 7–20% more creates per second than two (bench/RESULTS.md). More may pay where
    /// PostgreSQL has cores to spare.
    #[arg(long, env = "CREATE_WRITERS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=16), global = true)]
    pub create_writers: u8,
    /// Longest a request waits for a database connection before `SERVICE_UNAVAILABLE`.
    #[arg(long, env = "DATABASE_ACQUIRE_TIMEOUT", default_value = "3s", value_parser = humantime::parse_duration, global = true)]
    pub database_acquire_timeout: Duration,
    /// Most database connections in the pool.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub database_max_connections: u32,
}

/// An absolute http(s) URL without query or fragment, kept without its trailing `/`.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("an absolute http or https URL, e.g. https://interests.example.com".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a URL without query or fragment".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Settings {
    /// Settings for tests and embedding: defaults, with this database and a fixed secret.
    pub fn for_tests(database_url: &str, jwt_secret: &str) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.to_owned(),
            jwt_secret: Some(Secret(jwt_secret.to_owned())),
            jwks_file: None,
            jwt_leeway: Duration::from_secs(60),
            jwt_issuer: None,
            jwt_audience: None,
            federated_organizations: None,
            log_format: LogFormat::Text,
            max_batch_size: 10,
            max_body_bytes: 1024 * 1024,
            ws_keepalive: Duration::from_secs(15),
            ws_init_timeout: Duration::from_secs(10),
            max_subscriptions_per_connection: 50,
            batch_window: Duration::from_millis(2),
            max_depth: 20,
            max_complexity: 1000,
            max_aliases: 30,
            max_recursion: 32,
            request_timeout: Duration::from_secs(10),
            introspection: true,
            public_url: None,
            cors_origins: Vec::new(),
            persisted_queries: 1000,
            document_cache: 500,
            compiled_plans: true,
            create_batch: 32,
            create_writers: 1,
            database_acquire_timeout: Duration::from_secs(3),
            database_max_connections: 5,
        }
    }
}
