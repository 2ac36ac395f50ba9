//! Compiled plans: the read shapes clients send over and over — an interest by id, a profile's
//! interests, a listing of interests — answered without async-graphql's executor.
//!
//! async-graphql resolves every field of every object through its own future, context and map
//! insert, and checks a document's complexity and depth on every request; for a lookup of one
//! interest that machinery costs more CPU than the lookup (bench/RESULTS.md). A query text that
//! passed full validation once (`transport::documents`) is compiled here, once, into a [`Plan`]
//! when every field it selects is one this module knows: the plan then reads with the same
//! domain functions the resolvers call, and builds the same `async_graphql::Value` the executor
//! would, written by the same serializer.
//!
//! A plan never answers with an error: whatever the resolvers would refuse or fail on (a bad id,
//! a bad cursor, a database error, a missing variable) makes [`Plan::execute`] give up, and the
//! request runs through async-graphql as if no plan existed, which writes the error.
//! Anything outside the known shapes — directives, mutations, fields with loaders or counts,
//! a response key used twice — is never compiled. The API test `compiled_plans` compares every
//! shape here, byte for byte, with a server that has plans switched off (`--compiled-plans`).

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{InputType, Name, OutputType, ScalarType, Value, Variables, ID};

use super::inputs::{InterestFilterInput, InterestOrder};
use super::types::{
    Identity, IdentitySet, InferenceData, PageInfo, PersonDataSource, PersonInterest,
    PersonInterestConnection, PersonInterestEdge, User,
};
use super::Query;
use crate::db::Reader;
use crate::domain::interests::{self, Interest, Page};
use crate::domain::values::{InterestId, UserId};
use crate::domain::Viewer;

/// Deepest fragment nesting followed while compiling (validation already refused cycles).
const MAX_FRAGMENT_NESTING: usize = 8;

/// Why a plan does not answer: the request runs through async-graphql instead.
#[derive(Debug)]
pub struct GiveUp;

type Step<T> = Result<T, GiveUp>;

impl From<async_graphql::Error> for GiveUp {
    fn from(_: async_graphql::Error) -> Self {
        GiveUp
    }
}

impl From<crate::error::AppError> for GiveUp {
    fn from(_: crate::error::AppError) -> Self {
        GiveUp
    }
}

/// A compiled query operation.
#[derive(Debug)]
pub struct Plan {
    /// The operation's variables and their defaults, as async-graphql reads them.
    variables: Vec<(Name, Option<Value>)>,
    root: Vec<(Name, RootField)>,
}

#[derive(Debug)]
enum RootField {
    Typename,
    Interest {
        id: ArgValue,
        node: Vec<(Name, NodeField)>,
    },
    User {
        id: ArgValue,
        user: Vec<(Name, UserField)>,
    },
    Interests(Box<Connection>),
}

#[derive(Debug)]
enum UserField {
    Typename,
    Id,
    Interests(Box<Connection>),
}

/// A connection field: its arguments and what it selects.
#[derive(Debug)]
struct Connection {
    args: ConnectionArgs,
    fields: Vec<(Name, ConnectionField)>,
}

#[derive(Debug, Default)]
struct ConnectionArgs {
    filter: Option<ArgValue>,
    order_by: Option<ArgValue>,
    first: Option<ArgValue>,
    after: Option<ArgValue>,
    last: Option<ArgValue>,
    before: Option<ArgValue>,
}

#[derive(Debug)]
enum ConnectionField {
    Typename,
    Edges(Vec<(Name, EdgeField)>),
    Nodes(Vec<(Name, NodeField)>),
    PageInfo(Vec<(Name, PageInfoField)>),
}

#[derive(Debug)]
enum EdgeField {
    Typename,
    Cursor,
    Node(Vec<(Name, NodeField)>),
}

#[derive(Debug)]
enum PageInfoField {
    Typename,
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
}

#[derive(Debug)]
enum NodeField {
    Typename,
    Id,
    UserId,
    DisplayName,
    Description,
    WebUrl,
    ThumbnailUrl,
    IsSearchable,
    Categories,
    CollaborationTags,
    AllowedAudiences,
    Inference(Vec<(Name, InferenceField)>),
    Source(Vec<(Name, SourceField)>),
    CreatedBy(Vec<(Name, IdentitySetField)>),
    CreatedDateTime,
    LastModifiedBy(Vec<(Name, IdentitySetField)>),
    LastModifiedDateTime,
    Etag,
}

#[derive(Debug)]
enum InferenceField {
    Typename,
    ConfidenceScore,
    UserHasVerifiedAccuracy,
}

#[derive(Debug)]
enum SourceField {
    Typename,
    Type,
}

#[derive(Debug)]
enum IdentitySetField {
    Typename,
    Application(Vec<(Name, IdentityField)>),
    Device(Vec<(Name, IdentityField)>),
    User(Vec<(Name, IdentityField)>),
}

#[derive(Debug)]
enum IdentityField {
    Typename,
    Id,
    DisplayName,
    TenantId,
}

/// An argument's value as written in the document (variables resolved at execution).
#[derive(Debug)]
struct ArgValue(async_graphql_value::Value);

// ---------------------------------------------------------------------------------------------
// Compiling

/// The plan of `document`'s only operation, when it is a query made of known shapes.
pub fn compile(document: &ExecutableDocument) -> Option<Plan> {
    let operation = match &document.operations {
        DocumentOperations::Single(op) => &op.node,
        DocumentOperations::Multiple(ops) if ops.len() == 1 => &ops.values().next()?.node,
        DocumentOperations::Multiple(_) => return None,
    };
    compile_operation(document, operation)
}

fn compile_operation(document: &ExecutableDocument, operation: &OperationDefinition) -> Option<Plan> {
    if operation.ty != OperationType::Query || !operation.directives.is_empty() {
        return None;
    }
    let variables = operation
        .variable_definitions
        .iter()
        .map(|d| {
            if !d.node.directives.is_empty() {
                return None;
            }
            Some((d.node.name.node.clone(), d.node.default_value().cloned()))
        })
        .collect::<Option<Vec<_>>>()?;
    let c = Compiler { document };
    let root = c.object(&operation.selection_set.node, &Query::type_name(), |field| {
        Some(match field.name.node.as_str() {
            "__typename" => RootField::Typename,
            "interest" => RootField::Interest {
                id: c.only_arg(field, "id")?,
                node: c.node(field)?,
            },
            "user" => RootField::User {
                id: c.only_arg(field, "id")?,
                user: c.object(&field.selection_set.node, &User::type_name(), |f| {
                    Some(match f.name.node.as_str() {
                        "__typename" => UserField::Typename,
                        "id" => c.leaf(f, UserField::Id)?,
                        "interests" => UserField::Interests(Box::new(c.connection(f)?)),
                        _ => return None,
                    })
                })?,
            },
            "interests" => RootField::Interests(Box::new(c.connection(field)?)),
            _ => return None,
        })
    })?;
    Some(Plan { variables, root })
}

struct Compiler<'d> {
    document: &'d ExecutableDocument,
}

impl<'d> Compiler<'d> {
    /// The fields of `set` on `type_name`, fragments flattened; `None` when a directive, a
    /// fragment on another type or a response key used twice makes merging rules matter.
    fn fields(&self, set: &'d SelectionSet, type_name: &str) -> Option<Vec<&'d Field>> {
        let mut out = Vec::new();
        self.collect(set, type_name, &mut out, 0)?;
        let mut keys: Vec<&str> = out.iter().map(|f| f.response_key().node.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        Some(out)
    }

    fn collect(
        &self,
        set: &'d SelectionSet,
        type_name: &str,
        out: &mut Vec<&'d Field>,
        depth: usize,
    ) -> Option<()> {
        if depth > MAX_FRAGMENT_NESTING {
            return None;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    if !field.node.directives.is_empty() {
                        return None;
                    }
                    out.push(&field.node);
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on_this = fragment
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| c.node.on.node.as_str() == type_name);
                    if !fragment.directives.is_empty() || !on_this {
                        return None;
                    }
                    self.collect(&fragment.selection_set.node, type_name, out, depth + 1)?;
                }
                Selection::FragmentSpread(spread) => {
                    let spread = &spread.node;
                    let fragment = &self.document.fragments.get(&spread.fragment_name.node)?.node;
                    if !spread.directives.is_empty()
                        || !fragment.directives.is_empty()
                        || fragment.type_condition.node.on.node.as_str() != type_name
                    {
                        return None;
                    }
                    self.collect(&fragment.selection_set.node, type_name, out, depth + 1)?;
                }
            }
        }
        Some(())
    }

    /// An object's selection compiled field by field by `known`.
    fn object<T>(
        &self,
        set: &'d SelectionSet,
        type_name: &str,
        mut known: impl FnMut(&'d Field) -> Option<T>,
    ) -> Option<Vec<(Name, T)>> {
        self.fields(set, type_name)?
            .into_iter()
            .map(|field| Some((field.response_key().node.clone(), known(field)?)))
            .collect()
    }

    /// A field without arguments or selection.
    fn leaf<T>(&self, field: &Field, compiled: T) -> Option<T> {
        (field.arguments.is_empty() && field.selection_set.node.items.is_empty()).then_some(compiled)
    }

    /// The value of a field's one argument `name` (and no other).
    fn only_arg(&self, field: &Field, name: &str) -> Option<ArgValue> {
        match field.arguments.as_slice() {
            [(arg, value)] if arg.node.as_str() == name => Some(ArgValue(value.node.clone())),
            _ => None,
        }
    }

    fn connection(&self, field: &'d Field) -> Option<Connection> {
        let mut args = ConnectionArgs::default();
        for (name, value) in &field.arguments {
            let value = Some(ArgValue(value.node.clone()));
            match name.node.as_str() {
                "filter" => args.filter = value,
                "orderBy" => args.order_by = value,
                "first" => args.first = value,
                "after" => args.after = value,
                "last" => args.last = value,
                "before" => args.before = value,
                _ => return None,
            }
        }
        let fields = self.object(
            &field.selection_set.node,
            &PersonInterestConnection::type_name(),
            |f| {
                Some(match f.name.node.as_str() {
                    "__typename" => ConnectionField::Typename,
                    "edges" if f.arguments.is_empty() => ConnectionField::Edges(self.object(
                        &f.selection_set.node,
                        &PersonInterestEdge::type_name(),
                        |e| {
                            Some(match e.name.node.as_str() {
                                "__typename" => EdgeField::Typename,
                                "cursor" => self.leaf(e, EdgeField::Cursor)?,
                                "node" => EdgeField::Node(self.node(e)?),
                                _ => return None,
                            })
                        },
                    )?),
                    "nodes" => ConnectionField::Nodes(self.node(f)?),
                    "pageInfo" if f.arguments.is_empty() => ConnectionField::PageInfo(self.object(
                        &f.selection_set.node,
                        &PageInfo::type_name(),
                        |p| {
                            let compiled = match p.name.node.as_str() {
                                "__typename" => PageInfoField::Typename,
                                "hasNextPage" => PageInfoField::HasNextPage,
                                "hasPreviousPage" => PageInfoField::HasPreviousPage,
                                "startCursor" => PageInfoField::StartCursor,
                                "endCursor" => PageInfoField::EndCursor,
                                _ => return None,
                            };
                            self.leaf(p, compiled)
                        },
                    )?),
                    _ => return None,
                })
            },
        )?;
        Some(Connection { args, fields })
    }

    /// The selection of a field returning a `PersonInterest`.
    fn node(&self, field: &'d Field) -> Option<Vec<(Name, NodeField)>> {
        if field.name.node != "interest" && !field.arguments.is_empty() {
            return None;
        }
        self.object(&field.selection_set.node, &PersonInterest::type_name(), |f| {
            let scalar = |compiled| self.leaf(f, compiled);
            match f.name.node.as_str() {
                "__typename" => Some(NodeField::Typename),
                "id" => scalar(NodeField::Id),
                "userId" => scalar(NodeField::UserId),
                "displayName" => scalar(NodeField::DisplayName),
                "description" => scalar(NodeField::Description),
                "webUrl" => scalar(NodeField::WebUrl),
                "thumbnailUrl" => scalar(NodeField::ThumbnailUrl),
                "isSearchable" => scalar(NodeField::IsSearchable),
                "categories" => scalar(NodeField::Categories),
                "collaborationTags" => scalar(NodeField::CollaborationTags),
                "allowedAudiences" => scalar(NodeField::AllowedAudiences),
                "createdDateTime" => scalar(NodeField::CreatedDateTime),
                "lastModifiedDateTime" => scalar(NodeField::LastModifiedDateTime),
                "etag" => scalar(NodeField::Etag),
                "inference" => Some(NodeField::Inference(self.object(
                    &f.selection_set.node,
                    &InferenceData::type_name(),
                    |g| {
                        let compiled = match g.name.node.as_str() {
                            "__typename" => InferenceField::Typename,
                            "confidenceScore" => InferenceField::ConfidenceScore,
                            "userHasVerifiedAccuracy" => InferenceField::UserHasVerifiedAccuracy,
                            _ => return None,
                        };
                        self.leaf(g, compiled)
                    },
                )?)),
                "source" => Some(NodeField::Source(self.object(
                    &f.selection_set.node,
                    &PersonDataSource::type_name(),
                    |g| {
                        let compiled = match g.name.node.as_str() {
                            "__typename" => SourceField::Typename,
                            "type" => SourceField::Type,
                            _ => return None,
                        };
                        self.leaf(g, compiled)
                    },
                )?)),
                "createdBy" => Some(NodeField::CreatedBy(self.identity_set(f)?)),
                "lastModifiedBy" => Some(NodeField::LastModifiedBy(self.identity_set(f)?)),
                _ => None,
            }
        })
    }

    fn identity_set(&self, field: &'d Field) -> Option<Vec<(Name, IdentitySetField)>> {
        self.object(&field.selection_set.node, &IdentitySet::type_name(), |f| {
            let identity = || {
                self.object(&f.selection_set.node, &Identity::type_name(), |g| {
                    let compiled = match g.name.node.as_str() {
                        "__typename" => IdentityField::Typename,
                        "id" => IdentityField::Id,
                        "displayName" => IdentityField::DisplayName,
                        "tenantId" => IdentityField::TenantId,
                        _ => return None,
                    };
                    self.leaf(g, compiled)
                })
            };
            Some(match f.name.node.as_str() {
                "__typename" => IdentitySetField::Typename,
                "application" => IdentitySetField::Application(identity()?),
                "device" => IdentitySetField::Device(identity()?),
                "user" => IdentitySetField::User(identity()?),
                _ => return None,
            })
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Executing

/// What a plan reads with.
pub struct Env<'a> {
    pub reader: &'a Reader,
    pub viewer: &'a Viewer,
    pub variables: &'a Variables,
}

impl Plan {
    /// The operation's `data`, or [`GiveUp`] when async-graphql must answer (it then writes
    /// whatever error the resolvers raise).
    pub async fn execute(&self, env: &Env<'_>) -> Step<Value> {
        let mut data = IndexMap::with_capacity(self.root.len());
        for (key, field) in &self.root {
            let value = match field {
                RootField::Typename => typename::<Query>(),
                RootField::Interest { id, node } => {
                    let id: ID = self.arg(env, id)?;
                    let id = InterestId::parse("id", &id)?;
                    match interests::get(env.reader, env.viewer, id).await? {
                        Some(found) => node_value(node, found),
                        None => Value::Null,
                    }
                }
                RootField::User { id, user } => {
                    let id: ID = self.arg(env, id)?;
                    let owner = UserId::parse("id", &id)?;
                    let mut object = IndexMap::with_capacity(user.len());
                    for (key, field) in user {
                        let value = match field {
                            UserField::Typename => typename::<User>(),
                            UserField::Id => ScalarType::to_value(&ID(owner.as_str().to_owned())),
                            UserField::Interests(connection) => {
                                self.connection(env, Some(owner.clone()), connection).await?
                            }
                        };
                        object.insert(key.clone(), value);
                    }
                    Value::Object(object)
                }
                RootField::Interests(connection) => self.connection(env, None, connection).await?,
            };
            data.insert(key.clone(), value);
        }
        Ok(Value::Object(data))
    }

    /// An argument's value as the resolver receives it: variables filled in as async-graphql
    /// fills them, then parsed by the argument's own input type.
    fn arg<T: InputType>(&self, env: &Env<'_>, value: &ArgValue) -> Step<T> {
        let value = value.0.clone().into_const_with(|name| {
            self.variables
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, default)| env.variables.get(&name).or(default.as_ref()))
                .cloned()
                .ok_or(GiveUp)
        })?;
        T::parse(Some(value)).map_err(|_| GiveUp)
    }

    fn opt_arg<T: InputType>(&self, env: &Env<'_>, value: &Option<ArgValue>) -> Step<Option<T>> {
        match value {
            Some(value) => self.arg::<Option<T>>(env, value),
            None => Ok(None),
        }
    }

    async fn connection(&self, env: &Env<'_>, owner: Option<UserId>, plan: &Connection) -> Step<Value> {
        let a = &plan.args;
        let connection = PersonInterestConnection::new(
            owner,
            self.opt_arg::<InterestFilterInput>(env, &a.filter)?,
            self.opt_arg::<InterestOrder>(env, &a.order_by)?,
            self.opt_arg::<i32>(env, &a.first)?,
            self.opt_arg::<String>(env, &a.after)?,
            self.opt_arg::<i32>(env, &a.last)?,
            self.opt_arg::<String>(env, &a.before)?,
        )?;
        let page = connection.read(env.reader, env.viewer).await?;
        let mut object = IndexMap::with_capacity(plan.fields.len());
        for (key, field) in &plan.fields {
            let value = match field {
                ConnectionField::Typename => typename::<PersonInterestConnection>(),
                ConnectionField::Edges(edge) => Value::List(
                    page.edges
                        .iter()
                        .map(|(interest, cursor)| {
                            Value::Object(
                                edge.iter()
                                    .map(|(key, field)| {
                                        let value = match field {
                                            EdgeField::Typename => typename::<PersonInterestEdge>(),
                                            EdgeField::Cursor => Value::String(cursor.clone()),
                                            EdgeField::Node(node) => node_value(node, interest.clone()),
                                        };
                                        (key.clone(), value)
                                    })
                                    .collect(),
                            )
                        })
                        .collect(),
                ),
                ConnectionField::Nodes(node) => Value::List(
                    page.edges
                        .iter()
                        .map(|(interest, _)| node_value(node, interest.clone()))
                        .collect(),
                ),
                ConnectionField::PageInfo(info) => self.page_info(env, &connection, &page, info).await?,
            };
            object.insert(key.clone(), value);
        }
        Ok(Value::Object(object))
    }

    async fn page_info(
        &self,
        env: &Env<'_>,
        connection: &PersonInterestConnection,
        page: &Page,
        fields: &[(Name, PageInfoField)],
    ) -> Step<Value> {
        let mut object = IndexMap::with_capacity(fields.len());
        for (key, field) in fields {
            let cursor =
                |c: Option<&(Interest, String)>| c.map_or(Value::Null, |(_, c)| Value::String(c.clone()));
            let value = match field {
                PageInfoField::Typename => typename::<PageInfo>(),
                PageInfoField::HasNextPage => Value::Boolean(
                    connection
                        .has_more(page, &env.reader.db, env.viewer, true)
                        .await?,
                ),
                PageInfoField::HasPreviousPage => Value::Boolean(
                    connection
                        .has_more(page, &env.reader.db, env.viewer, false)
                        .await?,
                ),
                PageInfoField::StartCursor => cursor(page.edges.first()),
                PageInfoField::EndCursor => cursor(page.edges.last()),
            };
            object.insert(key.clone(), value);
        }
        Ok(Value::Object(object))
    }
}

fn typename<T: OutputType>() -> Value {
    Value::String(T::type_name().into_owned())
}

/// Fields of one object, each written by `value`.
fn object<F>(fields: &[(Name, F)], mut value: impl FnMut(&F) -> Value) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(key, field)| (key.clone(), value(field)))
            .collect(),
    )
}

fn optional<T>(value: Option<T>, write: impl FnOnce(T) -> Value) -> Value {
    value.map_or(Value::Null, write)
}

fn strings(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::String(s.clone())).collect())
}

/// An interest as the resolvers' `PersonInterest` (the one mapping from the domain), then its
/// selected fields as its output types write them.
fn node_value(fields: &[(Name, NodeField)], interest: Interest) -> Value {
    let i = PersonInterest::from(interest);
    object(fields, |field| match field {
        NodeField::Typename => typename::<PersonInterest>(),
        NodeField::Id => ScalarType::to_value(&i.id),
        NodeField::UserId => ScalarType::to_value(&i.user_id),
        NodeField::DisplayName => ScalarType::to_value(&i.display_name),
        NodeField::Description => optional(i.description.as_ref(), ScalarType::to_value),
        NodeField::WebUrl => optional(i.web_url.as_ref(), ScalarType::to_value),
        NodeField::ThumbnailUrl => optional(i.thumbnail_url.as_ref(), ScalarType::to_value),
        NodeField::IsSearchable => ScalarType::to_value(&i.is_searchable),
        NodeField::Categories => strings(&i.categories),
        NodeField::CollaborationTags => {
            Value::List(i.collaboration_tags.iter().map(InputType::to_value).collect())
        }
        NodeField::AllowedAudiences => InputType::to_value(&i.allowed_audiences),
        NodeField::Inference(fields) => optional(i.inference.as_ref(), |d| {
            object(fields, |field| match field {
                InferenceField::Typename => typename::<InferenceData>(),
                InferenceField::ConfidenceScore => {
                    optional(d.confidence_score.as_ref(), ScalarType::to_value)
                }
                InferenceField::UserHasVerifiedAccuracy => {
                    optional(d.user_has_verified_accuracy.as_ref(), ScalarType::to_value)
                }
            })
        }),
        NodeField::Source(fields) => optional(i.source.as_ref(), |s| {
            object(fields, |field| match field {
                SourceField::Typename => typename::<PersonDataSource>(),
                SourceField::Type => strings(&s.types),
            })
        }),
        NodeField::CreatedBy(fields) => optional(i.created_by.as_ref(), |s| identity_set(fields, s)),
        NodeField::CreatedDateTime => ScalarType::to_value(&i.created_date_time),
        NodeField::LastModifiedBy(fields) => {
            optional(i.last_modified_by.as_ref(), |s| identity_set(fields, s))
        }
        NodeField::LastModifiedDateTime => ScalarType::to_value(&i.last_modified_date_time),
        NodeField::Etag => ScalarType::to_value(&i.etag),
    })
}

fn identity_set(fields: &[(Name, IdentitySetField)], set: &IdentitySet) -> Value {
    let identity = |fields: &[(Name, IdentityField)], identity: Option<&Identity>| {
        optional(identity, |identity| {
            object(fields, |field| match field {
                IdentityField::Typename => typename::<Identity>(),
                IdentityField::Id => optional(identity.id.as_ref(), ScalarType::to_value),
                IdentityField::DisplayName => optional(identity.display_name.as_ref(), ScalarType::to_value),
                IdentityField::TenantId => optional(identity.tenant_id.as_ref(), ScalarType::to_value),
            })
        })
    };
    object(fields, |field| match field {
        IdentitySetField::Typename => typename::<IdentitySet>(),
        IdentitySetField::Application(f) => identity(f, set.application.as_ref()),
        IdentitySetField::Device(f) => identity(f, set.device.as_ref()),
        IdentitySetField::User(f) => identity(f, set.user.as_ref()),
    })
}
