//! One GraphQL operation: its parameters, its document checked and resolved, its execution,
//! and its JSON answer.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{ServerError, Variables};
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::domain::Viewer;
use crate::error::ErrorCode;
use crate::graphql::loaders::RequestLoaders;
use crate::graphql::plans;
use crate::graphql::request_error_code;
use crate::metrics;
use crate::persisted::PersistedError;

use super::documents::{plain_variables, Document};

pub(crate) fn error_json(message: &str, code: ErrorCode, field: Option<&str>) -> Value {
    let mut extensions = Map::new();
    extensions.insert("code".into(), json!(code.as_str()));
    if let Some(field) = field {
        extensions.insert("field".into(), json!(field));
    }
    json!({ "message": message, "extensions": extensions })
}

/// The parameters of one GraphQL request.
pub(super) struct Params {
    /// `None` only with a persisted query hash.
    pub(super) query: Option<String>,
    pub(super) operation_name: Option<String>,
    pub(super) variables: Variables,
    /// `extensions.persistedQuery`, when sent.
    pub(super) persisted: Option<Value>,
}

/// Why request parameters are unusable: message and parameter name.
pub(super) struct BadParams(pub(super) String, pub(super) &'static str);

pub(super) fn params_from_json(value: Value) -> Result<Params, BadParams> {
    let Value::Object(mut map) = value else {
        return Err(BadParams("a GraphQL request is a JSON object".into(), "body"));
    };
    let query = match map.remove("query") {
        Some(Value::String(q)) => Some(q),
        None | Some(Value::Null) => None,
        Some(_) => return Err(BadParams("`query` must be a string".into(), "query")),
    };
    let operation_name = match map.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            return Err(BadParams(
                "`operationName` must be a string".into(),
                "operationName",
            ))
        }
    };
    let variables = match map.remove("variables") {
        None | Some(Value::Null) => Variables::default(),
        Some(v @ Value::Object(_)) => Variables::from_json(v),
        Some(_) => return Err(BadParams("`variables` must be an object".into(), "variables")),
    };
    let persisted = match map.remove("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(mut extensions)) => extensions.remove("persistedQuery"),
        Some(_) => return Err(BadParams("`extensions` must be an object".into(), "extensions")),
    };
    if query.is_none() && persisted.is_none() {
        return Err(BadParams("`query` is required".into(), "query"));
    }
    Ok(Params {
        query,
        operation_name,
        variables,
        persisted,
    })
}

pub(super) fn params_from_query_string(raw: &str) -> Result<Params, BadParams> {
    let mut map = Map::new();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let value = match key.as_ref() {
            "variables" | "extensions" => {
                if value.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(&value).map_err(|_| {
                        BadParams(
                            format!("`{key}` must be a JSON object"),
                            if key == "variables" {
                                "variables"
                            } else {
                                "extensions"
                            },
                        )
                    })?
                }
            }
            _ => Value::String(value.into_owned()),
        };
        map.insert(key.into_owned(), value);
    }
    params_from_json(Value::Object(map))
}

/// The outcome of one operation: its JSON and whether it failed before execution.
pub(super) struct Outcome {
    pub(super) body: Body,
    pub(super) request_error: bool,
}

/// The JSON answer to one operation.
pub(crate) enum Body {
    /// Written here: a request refused before execution.
    Json(Value),
    /// What execution produced: data (none for a request error) and errors, written out as they
    /// are rather than through a `serde_json::Value` copy of the whole tree (a sixth of a W2
    /// request's CPU: bench/RESULTS.md).
    Executed {
        data: Option<async_graphql::Value>,
        errors: Option<Value>,
    },
    /// What a compiled plan read, written as the executor would have written it.
    Planned(plans::Answer),
}

impl Body {
    /// Whether the answer carries errors.
    pub(super) fn has_errors(&self) -> bool {
        match self {
            Body::Json(value) => value.get("errors").is_some(),
            Body::Executed { errors, .. } => errors.is_some(),
            Body::Planned(_) => false,
        }
    }
}

impl serde::Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Body::Json(value) => value.serialize(serializer),
            Body::Executed { data, errors } => {
                let entries = usize::from(data.is_some()) + usize::from(errors.is_some());
                let mut map = serializer.serialize_map(Some(entries))?;
                if let Some(data) = data {
                    map.serialize_entry("data", &Sorted(data))?;
                }
                if let Some(errors) = errors {
                    map.serialize_entry("errors", errors)?;
                }
                map.end()
            }
            Body::Planned(answer) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("data", answer)?;
                map.end()
            }
        }
    }
}

/// An async-graphql value written with each object's keys in order. async-graphql fills an
/// object in the order its fields finish resolving, which varies from run to run; the same
/// query should read the same, as it did when the answer went through `serde_json::Value`.
struct Sorted<'a>(&'a async_graphql::Value);

impl serde::Serialize for Sorted<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            async_graphql::Value::List(items) => serializer.collect_seq(items.iter().map(Sorted)),
            async_graphql::Value::Object(fields) => {
                let mut entries: Vec<_> = fields.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
                serializer.collect_map(entries.into_iter().map(|(k, v)| (k.as_str(), Sorted(v))))
            }
            scalar => scalar.serialize(serializer),
        }
    }
}

fn has_code(err: &ServerError) -> bool {
    err.extensions.as_ref().is_some_and(|e| e.get("code").is_some())
}

/// Every error leaves with a code; an execution error without one is unexpected, so its
/// message is masked and logged.
/// Refused before execution (validation, limits): no data and only errors without a path. Any
/// error raised while resolving carries the path of its field.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

pub(crate) fn errors_json(errors: Vec<ServerError>, request_error: bool) -> Value {
    let errors = errors
        .into_iter()
        .map(|mut err| {
            if !has_code(&err) {
                if request_error {
                    let code = request_error_code(&err.message);
                    err.extensions
                        .get_or_insert_with(Default::default)
                        .set("code", code.as_str());
                } else {
                    tracing::error!(error = %err.message, path = ?err.path, "uncoded error in execution");
                    err.message = "internal server error".into();
                    err.source = None;
                    err.extensions
                        .get_or_insert_with(Default::default)
                        .set("code", ErrorCode::InternalServerError.as_str());
                }
            }
            serde_json::to_value(err).unwrap_or(Value::Null)
        })
        .collect();
    Value::Array(errors)
}

fn request_error(message: String, code: ErrorCode) -> Outcome {
    Outcome {
        body: Body::Json(json!({ "errors": [error_json(&message, code, None)] })),
        request_error: true,
    }
}

/// A parsed request whose operation is known.
pub(super) struct Prepared {
    /// The operation's name, from `operationName` or the document.
    pub(super) name: Option<String>,
    pub(super) query: String,
    pub(super) params: Params,
    pub(super) document: Arc<Document>,
    pub(super) operation_type: OperationType,
    /// The variables need no check beyond [`plain_variables`] once the document passed full
    /// validation.
    pub(super) plain_variables: bool,
}

/// What `prepare` checks beyond parsing.
#[derive(Clone, Copy)]
pub(super) struct DocumentLimits {
    max_aliases: usize,
    introspection: bool,
}

type FieldTest<'a> = &'a dyn Fn(&async_graphql::parser::types::Field) -> bool;

/// Counts the fields of the whole document (operations and fragments) that `pick` picks.
fn count_fields(document: &async_graphql::parser::types::ExecutableDocument, pick: FieldTest<'_>) -> usize {
    use async_graphql::parser::types::{Selection, SelectionSet};
    fn walk(set: &SelectionSet, pick: FieldTest<'_>) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(pick(&field.node)) + walk(&field.node.selection_set.node, pick)
                }
                Selection::InlineFragment(fragment) => walk(&fragment.node.selection_set.node, pick),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node, pick))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| walk(&f.node.selection_set.node, pick))
        .sum();
    operations + fragments
}

/// Parses the document and resolves the operation; a failure is a request error.
pub(super) fn prepare(
    state: &AppState,
    mut params: Params,
    limits: DocumentLimits,
) -> Result<Prepared, Outcome> {
    let text = match (&params.persisted, params.query.take()) {
        (Some(persisted), query) => match state.persisted.resolve(persisted, query) {
            Ok(text) => text,
            Err(PersistedError::NotFound) => {
                return Err(request_error(
                    "PersistedQueryNotFound".into(),
                    ErrorCode::PersistedQueryNotFound,
                ));
            }
            Err(PersistedError::Invalid(reason)) => {
                return Err(request_error(reason.into(), ErrorCode::BadUserInput));
            }
        },
        (None, Some(query)) => query,
        (None, None) => {
            return Err(request_error(
                "`query` is required".into(),
                ErrorCode::BadUserInput,
            ))
        }
    };
    let document = state
        .documents
        .parse(&text)
        .map_err(|err| request_error(err.to_string(), ErrorCode::GraphqlParseFailed))?;
    let operation = match (&document.parsed.operations, params.operation_name.as_deref()) {
        (DocumentOperations::Single(op), None) => Some(&op.node),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        (DocumentOperations::Multiple(_), None) => {
            return Err(request_error(
                "the document has several operations: name one with operationName".into(),
                ErrorCode::OperationResolutionFailure,
            ));
        }
    };
    let operation = operation.ok_or_else(|| {
        request_error(
            format!(
                "operationName \"{}\" names no operation of the document",
                params.operation_name.as_deref().unwrap_or_default()
            ),
            ErrorCode::OperationResolutionFailure,
        )
    })?;
    // Variable coercion (GraphQL spec 6.1.2): async-graphql checks the values it is given, but
    // finds a missing non-null variable only during execution, too late for a request error.
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        let name = &definition.name.node;
        let given = params
            .variables
            .get(name)
            .is_some_and(|v| *v != async_graphql::Value::Null);
        if !definition.var_type.node.nullable && definition.default_value.is_none() && !given {
            return Err(Outcome {
                body: Body::Json(json!({ "errors": [error_json(
                    &format!("variable ${name} of type {} is required", definition.var_type.node),
                    ErrorCode::BadUserInput,
                    Some(name.as_str()),
                )] })),
                request_error: true,
            });
        }
    }
    let operation_type = operation.ty;
    let plain_variables = plain_variables(operation, &params.variables);
    // async-graphql answers disabled introspection with silent nulls; say it instead.
    let introspects =
        |f: &async_graphql::parser::types::Field| matches!(f.name.node.as_str(), "__schema" | "__type");
    if !limits.introspection && count_fields(&document.parsed, &introspects) > 0 {
        return Err(request_error(
            "introspection is disabled on this server".into(),
            ErrorCode::GraphqlValidationFailed,
        ));
    }
    let aliases = count_fields(&document.parsed, &|f| f.alias.is_some());
    if aliases > limits.max_aliases {
        return Err(request_error(
            format!(
                "the document has {aliases} aliases; at most {} are allowed",
                limits.max_aliases
            ),
            ErrorCode::QueryTooComplex,
        ));
    }
    let name = params
        .operation_name
        .clone()
        .or_else(|| match &document.parsed.operations {
            DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.keys().next().map(|n| n.to_string()),
            _ => None,
        });
    Ok(Prepared {
        name,
        query: text,
        params,
        document,
        operation_type,
        plain_variables,
    })
}

pub(super) fn document_limits(state: &AppState) -> DocumentLimits {
    DocumentLimits {
        max_aliases: state.max_aliases,
        introspection: state.introspection,
    }
}

fn timed_out(state: &AppState) -> Outcome {
    Outcome {
        body: Body::Json(json!({ "errors": [error_json(
            &format!("the operation ran longer than the {} ms limit", state.request_timeout.as_millis()),
            ErrorCode::QueryTooComplex,
            None,
        )] })),
        request_error: true,
    }
}

/// Executes a prepared operation as `viewer`: by its compiled plan when it has one and the
/// plan answers, otherwise through async-graphql.
pub(super) async fn run(state: &AppState, viewer: &Viewer, prepared: Prepared) -> Outcome {
    let Prepared {
        query,
        params,
        document,
        plain_variables,
        ..
    } = prepared;
    // A text that passed full validation before needs only what its variables can change.
    let revalidate = plain_variables && document.validated();
    let schema = if revalidate {
        &state.checked_schema
    } else {
        &state.schema
    };
    if let Some(plan) = document.plan().filter(|_| revalidate && state.compiled_plans) {
        let env = plans::Env {
            reader: &state.reader,
            viewer,
            variables: &params.variables,
        };
        match tokio::time::timeout(state.request_timeout, plan.execute(&env)).await {
            Ok(Ok(answer)) => {
                state.metrics.planned.fetch_add(1, Ordering::Relaxed);
                return Outcome {
                    body: Body::Planned(answer),
                    request_error: false,
                };
            }
            // Whatever a plan does not answer, the executor does (and writes its error).
            Ok(Err(plans::GiveUp)) => {}
            Err(_) => return timed_out(state),
        }
    }
    let to_mark = (!revalidate && document.is_cached()).then(|| document.clone());
    let mut request = async_graphql::Request::new(query)
        .variables(params.variables)
        .data(RequestLoaders::new(
            state.reader.clone(),
            viewer.clone(),
            state.batch_window,
        ))
        .data(viewer.clone());
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    request.set_parsed_query(super::documents::owned(document));
    let Ok(response) = tokio::time::timeout(state.request_timeout, schema.execute(request)).await else {
        return timed_out(state);
    };
    let request_error = is_request_error(&response);
    if let Some(document) = to_mark.filter(|_| !request_error) {
        document.mark_validated();
    }
    let errors = (!response.errors.is_empty()).then(|| errors_json(response.errors, request_error));
    Outcome {
        body: Body::Executed {
            data: (!request_error).then_some(response.data),
            errors,
        },
        request_error,
    }
}

/// Parses and runs one operation sent by POST (any operation type).
pub(super) async fn execute_post(state: &AppState, viewer: &Viewer, params: Params) -> Outcome {
    let started = Instant::now();
    let mut operation = params.operation_name.clone();
    let outcome = match prepare(state, params, document_limits(state)) {
        Ok(prepared) => {
            operation.clone_from(&prepared.name);
            run(state, viewer, prepared).await
        }
        Err(outcome) => outcome,
    };
    observe(state, operation.as_deref(), &outcome, started);
    outcome
}

/// Counts the operation on `/metrics`.
pub(super) fn observe(state: &AppState, operation: Option<&str>, outcome: &Outcome, started: Instant) {
    let result = if outcome.request_error {
        metrics::Outcome::Rejected
    } else if outcome.body.has_errors() {
        metrics::Outcome::Error
    } else {
        metrics::Outcome::Ok
    };
    state.metrics.observe(operation, result, started.elapsed());
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::indexmap::IndexMap;
    use async_graphql::{Name, Value as GqlValue};

    fn object(fields: Vec<(&str, GqlValue)>) -> GqlValue {
        GqlValue::Object(
            fields
                .into_iter()
                .map(|(k, v)| (Name::new(k), v))
                .collect::<IndexMap<_, _>>(),
        )
    }

    /// The same answer reads the same whatever order its fields finished in: as the
    /// `serde_json::Value` it replaced wrote it (keys sorted), scalars as async-graphql writes them.
    #[test]
    fn an_executed_body_writes_every_object_with_sorted_keys() {
        let item = |id: i32| {
            object(vec![
                ("webUrl", GqlValue::Null),
                ("id", GqlValue::from(id)),
                (
                    "tags",
                    GqlValue::List(vec![GqlValue::Enum(Name::new("ABLE_TO_MENTOR"))]),
                ),
                ("displayName", GqlValue::from("Rust \"async\"")),
            ])
        };
        let data = object(vec![(
            "user",
            object(vec![
                ("nodes", GqlValue::List(vec![item(2), item(1)])),
                ("count", GqlValue::from(2.5)),
            ]),
        )]);
        let errors = json!([{ "message": "m", "path": ["user"] }]);
        let body = Body::Executed {
            data: Some(data.clone()),
            errors: Some(errors.clone()),
        };
        let written = serde_json::to_string(&body).unwrap();
        let mut through_value = Map::new();
        through_value.insert("data".into(), serde_json::to_value(&data).unwrap());
        through_value.insert("errors".into(), errors);
        assert_eq!(written, Value::Object(through_value).to_string());
        assert!(written
            .starts_with(r#"{"data":{"user":{"count":2.5,"nodes":[{"displayName":"Rust \"async\"","id":2,"#));
        let refused = Body::Executed {
            data: None,
            errors: Some(json!([])),
        };
        assert_eq!(serde_json::to_string(&refused).unwrap(), r#"{"errors":[]}"#);
    }
}
