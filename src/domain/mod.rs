//! Every rule of the service, free of HTTP and GraphQL: who the caller is, which values are
//! valid, who may see what, and how interests are created, changed, listed and deleted.

pub mod bulk;
pub mod creates;
pub mod directory;
pub mod discovery;
pub mod events;
pub mod federation;
pub mod interests;
pub mod listing;
pub mod pagination;
pub mod relationships;
pub mod rows;
pub mod search;
pub mod values;
pub mod viewer;
pub mod visibility;

pub use viewer::{Caller, Viewer};
