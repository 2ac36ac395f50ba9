//! `interest-gateway`: serve (default), migrate, print the schema, or mint a token.

use std::process::ExitCode;

use clap::Parser;
use interest_gateway::app::Application;
use interest_gateway::auth::{Authenticator, Claims};
use interest_gateway::config::{Cli, Command, ExportArgs, ImportArgs, MigrateAction, Settings, TokenArgs};
use interest_gateway::domain::values::UserId;
use interest_gateway::transfer::{export, import};
use interest_gateway::{db, graphql, telemetry};
use migration::{Migrator, MigratorTrait};

/// mimalloc instead of the system allocator: a GraphQL request allocates many small, short-lived
/// values (documents, values, JSON), which glibc's malloc serves with more locking and
/// fragmentation (measured in bench/RESULTS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (its index in `mi_option_t`, mimalloc v2 and v3 alike).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Transparent huge pages off for this process, unless MIMALLOC_ALLOW_THP says otherwise.
/// mimalloc asks for them (madvise) on its arenas, so each 2 MiB huge page its heap touches is
/// resident whole: peak RSS under the benchmark 49 → 38 MB, throughput unchanged
/// (bench/RESULTS.md). mimalloc's own option for this is read before `main`; the kernel's
/// switch still applies to every page faulted in from here on.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
}

fn main() -> ExitCode {
    // Freed memory goes back to the OS at once rather than after 10 ms: peak RSS under the
    // benchmark's load 52 → 47.5 MB, throughput unchanged (bench/RESULTS.md). The environment's
    // MIMALLOC_PURGE_DELAY, when set, still decides.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a plain integer option; mimalloc reads it on each purge, from any thread.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    no_transparent_huge_pages();
    let cli = Cli::parse();
    // The server's lines go out in blocks; the commands' as they come (export writes stdout).
    let serving = matches!(cli.command, None | Some(Command::Serve));
    telemetry::init(cli.settings.log_format, serving);
    let result = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(e) => Err(e.into()),
    };
    telemetry::flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("interest-gateway: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.settings).await,
        Command::Migrate { action } => migrate(&cli.settings, action).await,
        Command::Schema => {
            print!("{}", graphql::export_sdl());
            Ok(())
        }
        Command::Token(args) => token(&cli.settings, args),
        Command::Export(args) => export_interests(&cli.settings, args).await,
        Command::Import(args) => import_interests(&cli.settings, args).await,
    }
}

/// A migrated database for a command that works on it directly.
async fn database(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let conn = db::connect_bulk(&settings.database_url, settings.database_acquire_timeout).await?;
    db::migrate(&conn).await?;
    Ok(conn)
}

fn user_id(raw: Option<String>) -> anyhow::Result<Option<UserId>> {
    raw.map(|id| UserId::parse("--user", &id).map_err(|e| anyhow::anyhow!("--user: {}", e.message())))
        .transpose()
}

async fn export_interests(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let user = user_id(args.user)?;
    let conn = database(settings).await?;
    export::export(&conn, user.as_ref(), args.out.as_deref()).await?;
    Ok(())
}

async fn import_interests(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let options = import::ImportOptions {
        file: args.file,
        user: user_id(args.user)?,
        batch_size: args.batch_size as usize,
    };
    let conn = database(settings).await?;
    let report = import::import(&conn, &options, &mut std::io::stderr()).await?;
    if report.refused > 0 {
        anyhow::bail!(
            "{} records were refused (their lines are listed above); the others were imported",
            report.refused
        );
    }
    Ok(())
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    tracing::info!(address = %app.addr(), "serving GraphQL at /graphql, GraphiQL at /");
    if let Some(authorization) = app.demo_authorization() {
        // Printed, never logged: this is the one place a token is shown, on purpose.
        println!(
            "\nDevelopment mode: no --jwt-secret, so tokens are signed with a random secret for this run.\n\
             GraphiQL: http://{addr}/  (the demo token is already in its headers)\n\
             Authorization: {authorization}\n",
            addr = app.addr()
        );
    }
    app.run_until_stopped().await?;
    Ok(())
}

async fn migrate(settings: &Settings, action: MigrateAction) -> anyhow::Result<()> {
    let conn = db::connect(&settings.database_url, 1, settings.database_acquire_timeout).await?;
    match action {
        MigrateAction::Up => Migrator::up(&conn, None).await?,
        MigrateAction::Down => Migrator::down(&conn, Some(1)).await?,
        MigrateAction::Status => Migrator::status(&conn).await?,
    }
    Ok(())
}

fn token(settings: &Settings, args: TokenArgs) -> anyhow::Result<()> {
    let secret = settings.jwt_secret.as_ref().ok_or_else(|| {
        anyhow::anyhow!(
            "set --jwt-secret or JWT_SECRET to mint tokens (in development mode the server prints a demo token at start)"
        )
    })?;
    let auth = Authenticator::hs256(
        secret.expose().as_bytes(),
        settings.jwt_issuer.clone(),
        settings.jwt_audience.clone(),
    );
    let mut claims = Claims::new(args.sub, args.ttl);
    claims.name = args.name;
    claims.tid = args.tid;
    claims.groups = (!args.groups.is_empty()).then_some(args.groups);
    claims.roles = (!args.roles.is_empty()).then_some(args.roles);
    println!("{}", auth.mint(claims)?);
    Ok(())
}
