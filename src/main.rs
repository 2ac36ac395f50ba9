//! `interest-gateway`: serve (default), migrate, print the schema, or mint a token.

use std::process::ExitCode;

use clap::Parser;
use interest_gateway::app::Application;
use interest_gateway::auth::{Authenticator, Claims};
use interest_gateway::config::{Cli, Command, MigrateAction, Settings, TokenArgs};
use interest_gateway::{db, graphql, telemetry};
use migration::{Migrator, MigratorTrait};

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_format);
    let result = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(e) => Err(e.into()),
    };
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
    }
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
