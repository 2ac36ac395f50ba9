//! Automatic persisted queries (Apollo's APQ): a client sends a query's SHA-256 instead of its
//! text; the server answers `PERSISTED_QUERY_NOT_FOUND` until the client has sent the text
//! once with its hash. Bounded: the least recently used entries go first.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use sha2::{Digest, Sha256};

/// The cache of persisted queries of this process.
pub struct PersistedQueries {
    cache: Mutex<LruCache<String, Arc<str>>>,
}

/// Why a persisted-query request cannot be served.
#[derive(Debug, PartialEq, Eq)]
pub enum PersistedError {
    /// The hash is unknown: send the query text with it.
    NotFound,
    /// The hash is not a SHA-256 in hex, the version is not 1, or the text does not hash to it.
    Invalid(&'static str),
}

impl PersistedQueries {
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            cache: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The query text for `extensions.persistedQuery`, registering `query` when given.
    pub fn resolve(
        &self,
        persisted: &serde_json::Value,
        query: Option<String>,
    ) -> Result<String, PersistedError> {
        if persisted.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
            return Err(PersistedError::Invalid("persistedQuery.version must be 1"));
        }
        let hash = persisted
            .get("sha256Hash")
            .and_then(serde_json::Value::as_str)
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or(PersistedError::Invalid(
                "persistedQuery.sha256Hash must be a SHA-256 in hex",
            ))?
            .to_ascii_lowercase();
        match query {
            Some(text) => {
                let actual: String = Sha256::digest(text.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if actual != hash {
                    return Err(PersistedError::Invalid("provided sha does not match query"));
                }
                if let Ok(mut cache) = self.cache.lock() {
                    cache.put(hash, Arc::from(text.as_str()));
                }
                Ok(text)
            }
            None => self
                .cache
                .lock()
                .ok()
                .and_then(|mut cache| cache.get(&hash).map(|q| q.to_string()))
                .ok_or(PersistedError::NotFound),
        }
    }
}
