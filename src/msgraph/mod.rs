//! Microsoft Graph compatibility (API.md §10): the same interests, rules and visibility in
//! Graph's beta REST shape under `/beta`, and its JSON representation for import and export.

pub mod errors;
pub mod filter;
pub mod odata;
pub mod representation;
pub mod rest;

use axum::routing::get;
use axum::Router;

use crate::app::AppState;

/// The `/beta` routes (nested under `/beta` by the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/profile/interests", get(rest::list_me).post(rest::create_me))
        .route(
            "/me/profile/interests/{id}",
            get(rest::get_me).patch(rest::update_me).delete(rest::delete_me),
        )
        .route(
            "/users/{user}/profile/interests",
            get(rest::list_user).post(rest::create_user),
        )
        .route(
            "/users/{user}/profile/interests/{id}",
            get(rest::get_user)
                .patch(rest::update_user)
                .delete(rest::delete_user),
        )
        .fallback(|| async {
            errors::GraphError::not_found(
                "Resource not found for the segment: this path is not part of the API",
            )
        })
        // Inside the envelope, so that even a panic answers in Graph's shape.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(errors::envelope))
}
