//! The GraphQL schema: one builder for the server, the tests and the SDL export.

pub mod context;
pub mod inputs;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod subscription;
pub mod types;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    MergedObject, MergedSubscription, Response, Schema, SchemaBuilder, ServerError, ServerResult,
    ValidationResult, Variables,
};
use sea_orm::DatabaseConnection;

use crate::domain::events::{EventBus, Publisher};
use crate::error::ErrorCode;

/// All queries, merged by feature.
#[derive(MergedObject, Default)]
pub struct Query(
    query::InterestQuery,
    query::DiscoveryQuery,
    query::FederationQuery,
);

/// All mutations, merged by feature.
#[derive(MergedObject, Default)]
pub struct Mutation(mutation::InterestMutation, mutation::RelationshipMutation);

/// All subscriptions, merged by feature.
#[derive(MergedSubscription, Default)]
pub struct Subscription(subscription::InterestSubscription);

/// The service's schema type.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Limits applied to every operation.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_recursive_depth: usize,
    pub introspection: bool,
}

impl Default for Limits {
    /// The standard introspection query (GraphiQL, Apollo, codegen) needs 17 levels as
    /// async-graphql counts them; the deepest useful query of this schema needs 7.
    fn default() -> Self {
        Self {
            max_depth: 20,
            max_complexity: 1000,
            max_recursive_depth: 32,
            introspection: true,
        }
    }
}

/// The one place the schema is built. `db` is `None` for SDL export.
pub fn schema_builder(limits: Limits) -> SchemaBuilder<Query, Mutation, Subscription> {
    let builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_recursive_depth)
        .enable_federation()
        .enable_subscription_in_federation()
        .extension(ErrorCodes);
    if limits.introspection {
        builder
    } else {
        builder.disable_introspection()
    }
}

/// The schema with its database and event plumbing, ready to serve.
pub fn build_schema(db: DatabaseConnection, events: Publisher, bus: EventBus, limits: Limits) -> AppSchema {
    schema_builder(limits).data(db).data(events).data(bus).finish()
}

/// The SDL of the schema (the text of `schema.graphql`).
pub fn export_sdl() -> String {
    schema_builder(Limits::default()).finish().sdl()
}

/// Set once execution starts: errors before it are request errors (no `data` entry).
#[derive(Clone, Default)]
pub struct ExecutionStarted(Arc<AtomicBool>);

impl ExecutionStarted {
    pub fn get(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Puts `extensions.code` on the errors async-graphql raises itself, and marks the start of
/// execution.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

fn with_code(mut err: ServerError, code: ErrorCode) -> ServerError {
    let has_code = err.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if !has_code {
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
    }
    err
}

fn validation_code(err: &ServerError) -> ErrorCode {
    if err.message == "Query is too complex." || err.message == "Query is nested too deep." {
        ErrorCode::QueryTooComplex
    } else {
        ErrorCode::GraphqlValidationFailed
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|err| {
            let code = if err.message.starts_with("The recursion depth") {
                ErrorCode::QueryTooComplex
            } else {
                ErrorCode::GraphqlParseFailed
            };
            with_code(err, code)
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|err| {
                    let code = validation_code(&err);
                    with_code(err, code)
                })
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(started) = ctx.data_opt::<ExecutionStarted>() {
            started.0.store(true, Ordering::Release);
        }
        next.run(ctx, operation_name).await
    }
}
