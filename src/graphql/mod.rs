//! The GraphQL schema: one builder for the server, the tests and the SDL export.

pub mod context;
pub mod inputs;
pub mod loaders;
pub mod mutation;
pub mod plans;
pub mod query;
pub mod subscription;
pub mod types;

use crate::db::Reader;
use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder, ValidationMode};

use crate::domain::creates::Creates;
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
        .enable_subscription_in_federation();
    if limits.introspection {
        builder
    } else {
        builder.disable_introspection()
    }
}

/// The schema with its database and event plumbing, ready to serve. `Strict` runs every
/// validation rule; `Fast` only the limits (complexity, depth), for documents that already
/// passed `Strict` (`transport::documents`).
pub fn build_schema(
    reader: Reader,
    events: Publisher,
    creates: Creates,
    bus: EventBus,
    limits: Limits,
    validation: ValidationMode,
) -> AppSchema {
    schema_builder(limits)
        .validation_mode(validation)
        .data(reader.db.clone())
        .data(reader)
        .data(events)
        .data(creates)
        .data(bus)
        .finish()
}

/// The SDL of the schema (the text of `schema.graphql`).
pub fn export_sdl() -> String {
    schema_builder(Limits::default()).finish().sdl()
}

/// The code of an error async-graphql raises itself before execution (parse limits,
/// validation, complexity and depth). Done where responses are written, not in a schema
/// extension: an extension puts every field resolution through its chain (a boxed future per
/// field), which cost 8–18% of throughput in the benchmark.
pub fn request_error_code(message: &str) -> ErrorCode {
    if message.starts_with("The recursion depth")
        || message == "Query is too complex."
        || message == "Query is nested too deep."
    {
        ErrorCode::QueryTooComplex
    } else {
        ErrorCode::GraphqlValidationFailed
    }
}
