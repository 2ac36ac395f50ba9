//! interest-gateway: a GraphQL service for people's interests and expertise.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// The application: state, router, server lifecycle.
pub mod app;
/// Bearer tokens: verification and minting.
pub mod auth;
/// Typed settings from flags and environment.
pub mod config;
/// Database connection and migrations.
pub mod db;
/// Every rule of the service.
pub mod domain;
/// The error type and the closed set of error codes.
pub mod error;
/// Change notifications across instances (PostgreSQL LISTEN/NOTIFY).
pub mod fanout;
/// GraphiQL, served offline.
pub mod graphiql;
/// The GraphQL schema.
pub mod graphql;
/// Prometheus metrics.
pub mod metrics;
/// Microsoft Graph compatibility: the `/beta` REST surface and its JSON representation.
pub mod msgraph;
/// Automatic persisted queries.
pub mod persisted;
/// Logging.
pub mod telemetry;
/// Import and export in Microsoft Graph's JSON representation.
pub mod transfer;
/// GraphQL over HTTP.
pub mod transport;
/// GraphQL over WebSocket (graphql-transport-ws and graphql-ws).
pub mod websocket;
