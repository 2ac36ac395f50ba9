//! API tests: the real server over HTTP, on every configured database.

mod apq;
mod audiences;
mod batching;
mod cli;
mod creates;
mod discovery;
mod faults;
mod federation;
mod graph_rest;
mod helpers;
mod http;
mod interests;
mod jwks;
mod limits;
mod observability;
mod pagination;
mod plans;
mod pool;
mod schema;
mod search;
mod subscriptions;
mod transfer;
mod validation;

fn main() -> std::process::ExitCode {
    helpers::run(
        vec![
            ("http", http::tests()),
            ("cli", cli::tests()),
            ("interests", interests::tests()),
            ("creates", creates::tests()),
            ("validation", validation::tests()),
            ("pagination", pagination::tests()),
            ("audiences", audiences::tests()),
            ("subscriptions", subscriptions::tests()),
            ("search", search::tests()),
            ("discovery", discovery::tests()),
            ("batching", batching::tests()),
            ("plans", plans::tests()),
            ("pool", pool::tests()),
            ("limits", limits::tests()),
            ("apq", apq::tests()),
            ("jwks", jwks::tests()),
            ("observability", observability::tests()),
            ("federation", federation::tests()),
            ("graph_rest", graph_rest::tests()),
            ("transfer", transfer::tests()),
        ],
        schema::tests().into_iter().chain(faults::tests()).collect(),
    )
}
