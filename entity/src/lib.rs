//! SeaORM entities of interest-gateway: the shape of the tables, nothing more.
//!
//! The schema itself is owned by the `migration` crate; the public GraphQL types are mapped
//! from these models in the server's `graphql::types`.

pub mod directory_group;
pub mod directory_user;
pub mod interest;
pub mod interest_category;
pub mod interest_tag;
pub mod interest_tag_category;
pub mod prelude;
pub mod relationship;
