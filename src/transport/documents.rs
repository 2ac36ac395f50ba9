//! Parsed documents, kept per query text: clients send the same few operations over and over
//! (Apollo Client, codegen'd documents, persisted queries), and parsing is a large part of the
//! CPU a small request costs. Bounded in entries and in the size of each text; a text that does
//! not parse is never kept.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// Longest query text kept (bytes): what a real client sends is far shorter; a bigger one is
/// parsed every time rather than letting a few large documents take the memory.
const MAX_TEXT: usize = 8 * 1024;

/// The documents of this process, least recently used out first.
pub struct DocumentCache {
    cache: Option<Mutex<LruCache<String, Arc<ExecutableDocument>>>>,
}

impl DocumentCache {
    /// A cache of at most `capacity` documents; 0 turns it off.
    pub fn new(capacity: usize) -> Self {
        Self {
            cache: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
        }
    }

    /// The document of `text`, parsed now or earlier.
    pub fn parse(&self, text: &str) -> async_graphql::parser::Result<Arc<ExecutableDocument>> {
        let Some(cache) = self.cache.as_ref().filter(|_| text.len() <= MAX_TEXT) else {
            return async_graphql::parser::parse_query(text).map(Arc::new);
        };
        if let Some(found) = cache.lock().ok().and_then(|mut c| c.get(text).cloned()) {
            return Ok(found);
        }
        let document = Arc::new(async_graphql::parser::parse_query(text)?);
        if let Ok(mut c) = cache.lock() {
            c.put(text.to_owned(), document.clone());
        }
        Ok(document)
    }
}

/// The document itself, for `async_graphql::Request::set_parsed_query`: moved out when nothing
/// else holds it, cloned from the cache otherwise.
pub fn owned(document: Arc<ExecutableDocument>) -> ExecutableDocument {
    Arc::try_unwrap(document).unwrap_or_else(|shared| (*shared).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_parsed_once_and_shared() {
        let cache = DocumentCache::new(2);
        let a = cache.parse("{ me { id } }").unwrap();
        let b = cache.parse("{ me { id } }").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn the_least_recently_used_text_goes_first() {
        let cache = DocumentCache::new(2);
        let a = cache.parse("{ a }").unwrap();
        cache.parse("{ b }").unwrap();
        cache.parse("{ a }").unwrap();
        cache.parse("{ c }").unwrap(); // evicts b
        assert!(Arc::ptr_eq(&a, &cache.parse("{ a }").unwrap()));
    }

    #[test]
    fn errors_and_long_texts_are_not_kept() {
        let cache = DocumentCache::new(4);
        assert!(cache.parse("{ broken").is_err());
        let long = format!("{{ {} }}", "f ".repeat(MAX_TEXT));
        let a = cache.parse(&long).unwrap();
        assert!(!Arc::ptr_eq(&a, &cache.parse(&long).unwrap()));
        let off = DocumentCache::new(0);
        let x = off.parse("{ a }").unwrap();
        assert!(!Arc::ptr_eq(&x, &off.parse("{ a }").unwrap()));
    }
}
