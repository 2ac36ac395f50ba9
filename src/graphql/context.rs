//! What a resolver reads from the request context, without panics.

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use crate::db::Reader;
use crate::domain::creates::Creates;
use crate::domain::events::Publisher;
use crate::domain::Viewer;
use crate::error::AppError;

/// Typed access to the per-schema and per-request data.
pub trait ContextExt {
    /// The database pool.
    fn db(&self) -> Result<&DatabaseConnection, AppError>;
    /// The database pool for reads past sea-orm's executor.
    fn reader(&self) -> Result<&Reader, AppError>;
    /// The caller of this request.
    fn viewer(&self) -> Result<&Viewer, AppError>;
    /// Where writes publish their changes.
    fn publisher(&self) -> Result<&Publisher, AppError>;
    /// Where creates go.
    fn creates(&self) -> Result<&Creates, AppError>;
}

impl ContextExt for Context<'_> {
    fn db(&self) -> Result<&DatabaseConnection, AppError> {
        self.data::<DatabaseConnection>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("no database in the schema data")))
    }

    fn reader(&self) -> Result<&Reader, AppError> {
        self.data::<Reader>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("no reader in the schema data")))
    }

    fn viewer(&self) -> Result<&Viewer, AppError> {
        self.data::<Viewer>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("no viewer in the request data")))
    }

    fn publisher(&self) -> Result<&Publisher, AppError> {
        self.data::<Publisher>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("no publisher in the schema data")))
    }

    fn creates(&self) -> Result<&Creates, AppError> {
        self.data::<Creates>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("no creates in the schema data")))
    }
}
