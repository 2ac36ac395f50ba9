//! Parsed documents, kept per query text: clients send the same few operations over and over
//! (Apollo Client, codegen'd documents, persisted queries), and parsing is a large part of the
//! CPU a small request costs. Bounded in entries and in the size of each text; a text that does
//! not parse is never kept.
//!
//! A kept document also remembers that it passed full validation once. Validation rules are
//! about the document and the schema, which do not change, except for the check of variable
//! values; so a later request with the same text needs only that check, and the limits
//! (complexity, depth), which variables can change too. See [`plain_variables`].

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::parser::types::{BaseType, ExecutableDocument, OperationDefinition, Type};
use async_graphql::{Value, Variables};
use lru::LruCache;

use crate::graphql::plans::{self, Plan};

/// Longest query text kept (bytes): what a real client sends is far shorter; a bigger one is
/// parsed every time rather than letting a few large documents take the memory.
const MAX_TEXT: usize = 8 * 1024;

/// A parsed document and what is known of it.
pub struct Document {
    pub parsed: ExecutableDocument,
    /// Kept in the cache (so worth marking validated).
    cached: bool,
    /// A request with this text passed every validation rule.
    validated: AtomicBool,
    /// Its compiled plan, made when first asked for (`None`: not a shape plans know).
    plan: OnceLock<Option<Arc<Plan>>>,
}

impl Document {
    fn new(parsed: ExecutableDocument, cached: bool) -> Arc<Self> {
        Arc::new(Self {
            parsed,
            cached,
            validated: AtomicBool::new(false),
            plan: OnceLock::new(),
        })
    }

    /// Whether a request with this text already passed full validation.
    pub fn validated(&self) -> bool {
        self.validated.load(Ordering::Relaxed)
    }

    /// Remembers that a request with this text passed full validation.
    pub fn mark_validated(&self) {
        self.validated.store(true, Ordering::Relaxed);
    }

    /// The document's compiled plan, if its operation is a shape plans know. Only for a
    /// document that passed full validation: a plan assumes every name in it is valid.
    pub fn plan(&self) -> Option<Arc<Plan>> {
        if !self.validated() {
            return None;
        }
        self.plan
            .get_or_init(|| plans::compile(&self.parsed).map(Arc::new))
            .clone()
    }

    /// Whether marking it is worth keeping a handle on it.
    pub fn is_cached(&self) -> bool {
        self.cached
    }
}

/// The documents of this process, least recently used out first.
pub struct DocumentCache {
    cache: Option<Mutex<LruCache<String, Arc<Document>>>>,
}

impl DocumentCache {
    /// A cache of at most `capacity` documents; 0 turns it off.
    pub fn new(capacity: usize) -> Self {
        Self {
            cache: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
        }
    }

    /// The document of `text`, parsed now or earlier.
    pub fn parse(&self, text: &str) -> async_graphql::parser::Result<Arc<Document>> {
        let Some(cache) = self.cache.as_ref().filter(|_| text.len() <= MAX_TEXT) else {
            return async_graphql::parser::parse_query(text).map(|d| Document::new(d, false));
        };
        if let Some(found) = cache.lock().ok().and_then(|mut c| c.get(text).cloned()) {
            return Ok(found);
        }
        let document = Document::new(async_graphql::parser::parse_query(text)?, true);
        if let Ok(mut c) = cache.lock() {
            c.put(text.to_owned(), document.clone());
        }
        Ok(document)
    }
}

/// The document itself, for `async_graphql::Request::set_parsed_query`: moved out when nothing
/// else holds it, cloned from the cache otherwise.
pub fn owned(document: Arc<Document>) -> ExecutableDocument {
    Arc::try_unwrap(document)
        .map(|d| d.parsed)
        .unwrap_or_else(|shared| shared.parsed.clone())
}

/// Whether the only validation rule that reads variables would pass for `operation` with
/// `variables`, by checks cheaper than running every rule: each variable is of a built-in
/// scalar type (or a list of one), and each value given is valid for its type by that scalar's
/// own test in async-graphql (`ScalarType::is_valid`). An explicit null is plain where the
/// declared type is nullable, the variable itself without a default: the document passed
/// `VariableInAllowedPosition`, so such a variable is only used where null is allowed (one with
/// a default may stand where null is not). Anything else — enums, input objects, custom
/// scalars — is `false`, and the request goes through full validation.
pub fn plain_variables(operation: &OperationDefinition, variables: &Variables) -> bool {
    operation.variable_definitions.iter().all(|definition| {
        let definition = &definition.node;
        let ty = &definition.var_type.node;
        is_builtin(ty)
            && variables
                .get(&definition.name.node)
                .is_none_or(|value| match value {
                    Value::Null => ty.nullable && definition.default_value.is_none(),
                    value => valid_builtin(ty, value),
                })
    })
}

fn is_builtin(ty: &Type) -> bool {
    match &ty.base {
        BaseType::List(inner) => is_builtin(inner),
        BaseType::Named(name) => matches!(name.as_str(), "String" | "ID" | "Int" | "Float" | "Boolean"),
    }
}

/// async-graphql's `is_valid_input_value` for built-in scalars: null where the type allows it.
fn valid_builtin(ty: &Type, value: &Value) -> bool {
    match (&ty.base, value) {
        (_, Value::Null) => ty.nullable,
        (BaseType::List(inner), Value::List(items)) => items.iter().all(|item| valid_builtin(inner, item)),
        // A single value where a list is expected is coerced to a list of one.
        (BaseType::List(inner), single) => valid_builtin(inner, single),
        (BaseType::Named(name), value) => match name.as_str() {
            "String" => matches!(value, Value::String(_)),
            "ID" => matches!(value, Value::String(_)) || matches!(value, Value::Number(n) if n.is_i64()),
            "Int" => matches!(value, Value::Number(n) if n.is_i64()),
            "Float" => matches!(value, Value::Number(_)),
            "Boolean" => matches!(value, Value::Boolean(_)),
            _ => false,
        },
    }
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

    fn plain(query: &str, variables: serde_json::Value) -> bool {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let (_, operation) = document.operations.iter().next().unwrap();
        plain_variables(&operation.node, &Variables::from_json(variables))
    }

    #[test]
    fn only_valid_values_of_built_in_scalars_are_plain() {
        let q = "query($i: ID!, $n: Int, $f: Float, $s: String, $b: Boolean, $l: [ID!]) { a }";
        assert!(plain(q, serde_json::json!({})));
        assert!(plain(
            q,
            serde_json::json!({ "i": "x", "n": 3, "f": 1.5, "s": "y", "b": true, "l": ["a", 7] })
        ));
        assert!(plain(q, serde_json::json!({ "i": 42, "f": 2, "l": "single" })));
        for bad in [
            serde_json::json!({ "i": true }),
            serde_json::json!({ "i": 1.5 }),
            serde_json::json!({ "n": "3" }),
            serde_json::json!({ "n": 3.5 }),
            serde_json::json!({ "f": "1" }),
            serde_json::json!({ "s": 1 }),
            serde_json::json!({ "b": 1 }),
            serde_json::json!({ "l": ["a", null] }),
            serde_json::json!({ "l": [true] }),
            serde_json::json!({ "i": null }),
            serde_json::json!({ "s": { "an": "object" } }),
        ] {
            assert!(!plain(q, bad.clone()), "{bad}");
        }
        // Null where the declared type allows it, the variable having no default.
        assert!(plain(q, serde_json::json!({ "s": null, "n": null, "l": null })));
        assert!(plain(
            "query($l: [ID]) { a }",
            serde_json::json!({ "l": ["a", null] })
        ));
        assert!(!plain(
            "query($n: Int = 3) { a }",
            serde_json::json!({ "n": null })
        ));
        assert!(plain("query($n: Int = 3) { a }", serde_json::json!({ "n": 4 })));
        assert!(!plain("query($t: CollaborationTag) { a }", serde_json::json!({})));
        assert!(!plain("query($t: [InterestFilter]) { a }", serde_json::json!({})));
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
