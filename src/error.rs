//! One error type for the whole service and the closed set of `extensions.code` values.
//!
//! Internal causes are logged here, once, with their cause chain; a client only ever sees
//! the generic message of [`ErrorCode::InternalServerError`].

/// Every `extensions.code` the API can return (API.md §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    GraphqlParseFailed,
    GraphqlValidationFailed,
    BadUserInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    OperationResolutionFailure,
    Conflict,
    QueryTooComplex,
    PersistedQueryNotFound,
    ServiceUnavailable,
    InternalServerError,
}

impl ErrorCode {
    /// The wire name of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::OperationResolutionFailure => "OPERATION_RESOLUTION_FAILURE",
            Self::Conflict => "CONFLICT",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// What can go wrong in a request.
///
/// Deliberately not `Display`: async-graphql converts any `Display` type into an error
/// without a code, so `?` would silently lose it. Without `Display`, the only conversion is
/// the `From` impl below, which always sets `extensions.code`.
#[derive(Debug)]
pub enum AppError {
    /// An argument or input field breaks a rule; `field` is its dotted path (`input.webUrl`).
    BadUserInput {
        field: String,
        message: String,
    },
    Unauthenticated(String),
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    /// The database cannot be reached.
    ServiceUnavailable,
    /// Anything unexpected: logged with its cause, masked for the client.
    Internal(anyhow::Error),
}

/// Shorthand for results of the service.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A `BAD_USER_INPUT` error for `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An internal error from any cause; the cause goes to the log only.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    /// For command-line tools, run by the operator: the cause itself for internal errors,
    /// the message otherwise.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            Self::Internal(cause) => cause,
            other => anyhow::anyhow!(other.message()),
        }
    }

    /// The message a client sees; never internal details.
    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput { message, .. } => message.clone(),
            Self::Unauthenticated(m) | Self::Forbidden(m) | Self::NotFound(m) | Self::Conflict(m) => {
                m.clone()
            }
            Self::ServiceUnavailable => "the database cannot be reached; retry later".into(),
            Self::Internal(_) => "internal server error".into(),
        }
    }

    /// The code this error carries on the wire.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::ServiceUnavailable => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        use sea_orm::RuntimeErr;
        // A dropped connection or a pool that cannot reach the server: retry later, not a bug.
        let unreachable = match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
                match e.as_ref() {
                    sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
                    | sea_orm::sqlx::Error::WorkerCrashed
                    | sea_orm::sqlx::Error::Protocol(_) => true,
                    // The server ended the session: PostgreSQL's classes 08 (connection exception)
                    // and 57P (shutdown, crash, not accepting connections yet), MySQL's 08S01 and
                    // 1053 (server shutdown). A pooled connection meets these on its first statement
                    // after the server went away.
                    sea_orm::sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                        code.starts_with("08") || code.starts_with("57P") || code == "1053"
                    }),
                    _ => false,
                }
            }
            _ => false,
        };
        if unreachable {
            tracing::warn!(error = %err, "database unavailable");
            Self::ServiceUnavailable
        } else {
            Self::Internal(err.into())
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(cause) = &err {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", err.code().as_str());
        if let AppError::BadUserInput { field, .. } = &err {
            extensions.set("field", field.as_str());
        }
        async_graphql::Error {
            message: err.message(),
            source: None,
            extensions: Some(extensions),
        }
    }
}
