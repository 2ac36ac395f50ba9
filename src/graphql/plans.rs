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

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use std::sync::Arc;

use async_graphql::{InputType, Name, OutputType, ScalarType, Value, Variables, ID};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::inputs::{InterestFilterInput, InterestOrder};
use super::types::{
    CollaborationTag, Identity, IdentitySet, InferenceData, PageInfo, PersonDataSource, PersonInterest,
    PersonInterestConnection, PersonInterestEdge, User,
};
use super::Query;
use crate::db::Reader;
use crate::domain::interests;
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
        let mut compiled = self
            .fields(set, type_name)?
            .into_iter()
            .map(|field| Some((field.response_key().node.clone(), known(field)?)))
            .collect::<Option<Vec<_>>>()?;
        // In the order the answer writes them (see `transport::operation::Sorted`).
        compiled.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        Some(compiled)
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
                                "node" if e.arguments.is_empty() => EdgeField::Node(self.node(e)?),
                                _ => return None,
                            })
                        },
                    )?),
                    "nodes" if f.arguments.is_empty() => ConnectionField::Nodes(self.node(f)?),
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

    /// The selection of a field returning a `PersonInterest` (its arguments, if it has any,
    /// are the caller's to compile).
    fn node(&self, field: &'d Field) -> Option<Vec<(Name, NodeField)>> {
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

/// What a plan read, field by field in the plan's order.
enum Data {
    /// A field that reads nothing (`__typename`).
    Nothing,
    Interest(Option<Box<PersonInterest>>),
    User {
        id: ID,
        fields: Vec<Data>,
    },
    Connection(Box<ConnectionData>),
}

struct ConnectionData {
    edges: Vec<(PersonInterest, String)>,
    /// Read only when `pageInfo` asks.
    has_next_page: bool,
    has_previous_page: bool,
}

/// An operation's answer: the plan and what it read, written as the executor's `data` would
/// be (every object's keys in order, scalars as their output types write them).
pub struct Answer {
    plan: Arc<Plan>,
    roots: Vec<Data>,
}

impl Plan {
    /// The operation's answer, or [`GiveUp`] when async-graphql must answer (it then writes
    /// whatever error the resolvers raise).
    pub async fn execute(self: Arc<Self>, env: &Env<'_>) -> Step<Answer> {
        let mut roots = Vec::with_capacity(self.root.len());
        for (_, field) in &self.root {
            roots.push(match field {
                RootField::Typename => Data::Nothing,
                RootField::Interest { id, .. } => {
                    let id: ID = self.arg(env, id)?;
                    let id = InterestId::parse("id", &id)?;
                    Data::Interest(
                        interests::get(env.reader, env.viewer, id)
                            .await?
                            .map(|i| Box::new(i.into())),
                    )
                }
                RootField::User { id, user } => {
                    let id: ID = self.arg(env, id)?;
                    let owner = UserId::parse("id", &id)?;
                    let mut fields = Vec::with_capacity(user.len());
                    for (_, field) in user {
                        fields.push(match field {
                            UserField::Typename | UserField::Id => Data::Nothing,
                            UserField::Interests(connection) => {
                                self.connection(env, Some(owner.clone()), connection).await?
                            }
                        });
                    }
                    Data::User {
                        id: ID(owner.as_str().to_owned()),
                        fields,
                    }
                }
                RootField::Interests(connection) => self.connection(env, None, connection).await?,
            });
        }
        Ok(Answer { plan: self, roots })
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

    async fn connection(&self, env: &Env<'_>, owner: Option<UserId>, plan: &Connection) -> Step<Data> {
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
        let asks = |wanted: &dyn Fn(&PageInfoField) -> bool| {
            plan.fields.iter().any(|(_, field)| match field {
                ConnectionField::PageInfo(info) => info.iter().any(|(_, f)| wanted(f)),
                _ => false,
            })
        };
        let has_next_page = if asks(&|f| matches!(f, PageInfoField::HasNextPage)) {
            connection
                .has_more(&page, &env.reader.db, env.viewer, true)
                .await?
        } else {
            false
        };
        let has_previous_page = if asks(&|f| matches!(f, PageInfoField::HasPreviousPage)) {
            connection
                .has_more(&page, &env.reader.db, env.viewer, false)
                .await?
        } else {
            false
        };
        Ok(Data::Connection(Box::new(ConnectionData {
            edges: page.edges.into_iter().map(|(i, c)| (i.into(), c)).collect(),
            has_next_page,
            has_previous_page,
        })))
    }
}

// ---------------------------------------------------------------------------------------------
// Writing: straight from what was read to JSON, no `async_graphql::Value` tree in between. The
// text is what `transport::operation`'s writer makes of the executor's value: objects with their
// keys in order (the plan's fields are sorted so when compiled), scalars as async-graphql's
// `Serialize` writes the values their output types produce.

/// A plan's fields over one object's data, written as a JSON object in the plan's order.
struct Object<'a, F, D: ?Sized>(&'a [(Name, F)], &'a D);

/// How one field of a plan writes itself from its object's data.
trait Write<D: ?Sized> {
    fn entry<M: SerializeMap>(&self, key: &str, data: &D, map: &mut M) -> Result<(), M::Error>;
}

impl<F: Write<D>, D: ?Sized> Serialize for Object<'_, F, D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, field) in self.0 {
            field.entry(key.as_str(), self.1, &mut map)?;
        }
        map.end()
    }
}

/// Objects of one plan, as a list.
struct List<'a, F, D>(&'a [(Name, F)], &'a [D]);

impl<F: Write<D>, D> Serialize for List<'_, F, D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.1.iter().map(|item| Object(self.0, item)))
    }
}

/// A field whose object may be null.
fn optional<D, F: Write<D>, M: SerializeMap>(
    map: &mut M,
    key: &str,
    fields: &[(Name, F)],
    data: Option<&D>,
) -> Result<(), M::Error> {
    map.serialize_entry(key, &data.map(|d| Object(fields, d)))
}

fn type_name<M: SerializeMap, T: OutputType>(map: &mut M, key: &str) -> Result<(), M::Error> {
    map.serialize_entry(key, &*T::type_name())
}

/// A scalar as its output type writes it.
fn scalar<M: SerializeMap, T: ScalarType>(map: &mut M, key: &str, value: &T) -> Result<(), M::Error> {
    map.serialize_entry(key, &ScalarType::to_value(value))
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.roots.len()))?;
        for ((key, field), data) in self.plan.root.iter().zip(&self.roots) {
            let key = key.as_str();
            match (field, data) {
                (RootField::Typename, _) => type_name::<_, Query>(&mut map, key)?,
                (RootField::Interest { node, .. }, Data::Interest(found)) => {
                    optional(&mut map, key, node, found.as_deref())?
                }
                (RootField::User { user, .. }, Data::User { id, fields }) => {
                    map.serialize_entry(key, &UserOut { user, id, fields })?
                }
                (RootField::Interests(connection), Data::Connection(data)) => {
                    map.serialize_entry(key, &Object(&connection.fields, &**data))?
                }
                _ => {
                    return Err(serde::ser::Error::custom(
                        "a plan's data does not match its fields",
                    ))
                }
            }
        }
        map.end()
    }
}

struct UserOut<'a> {
    user: &'a [(Name, UserField)],
    id: &'a ID,
    fields: &'a [Data],
}

impl Serialize for UserOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.user.len()))?;
        for ((key, field), data) in self.user.iter().zip(self.fields) {
            let key = key.as_str();
            match (field, data) {
                (UserField::Typename, _) => type_name::<_, User>(&mut map, key)?,
                (UserField::Id, _) => scalar(&mut map, key, self.id)?,
                (UserField::Interests(connection), Data::Connection(data)) => {
                    map.serialize_entry(key, &Object(&connection.fields, &**data))?
                }
                _ => {
                    return Err(serde::ser::Error::custom(
                        "a plan's data does not match its fields",
                    ))
                }
            }
        }
        map.end()
    }
}

impl Write<ConnectionData> for ConnectionField {
    fn entry<M: SerializeMap>(&self, key: &str, data: &ConnectionData, map: &mut M) -> Result<(), M::Error> {
        match self {
            ConnectionField::Typename => type_name::<_, PersonInterestConnection>(map, key),
            ConnectionField::Edges(fields) => map.serialize_entry(key, &List(fields, &data.edges)),
            ConnectionField::Nodes(fields) => map.serialize_entry(key, &Nodes(fields, &data.edges)),
            ConnectionField::PageInfo(fields) => map.serialize_entry(key, &Object(fields, data)),
        }
    }
}

/// A connection's `nodes`: the interests of its edges.
struct Nodes<'a>(&'a [(Name, NodeField)], &'a [(PersonInterest, String)]);

impl Serialize for Nodes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.1.iter().map(|(node, _)| Object(self.0, node)))
    }
}

impl Write<(PersonInterest, String)> for EdgeField {
    fn entry<M: SerializeMap>(
        &self,
        key: &str,
        (node, cursor): &(PersonInterest, String),
        map: &mut M,
    ) -> Result<(), M::Error> {
        match self {
            EdgeField::Typename => type_name::<_, PersonInterestEdge>(map, key),
            EdgeField::Cursor => map.serialize_entry(key, cursor),
            EdgeField::Node(fields) => map.serialize_entry(key, &Object(fields, node)),
        }
    }
}

impl Write<ConnectionData> for PageInfoField {
    fn entry<M: SerializeMap>(&self, key: &str, data: &ConnectionData, map: &mut M) -> Result<(), M::Error> {
        match self {
            PageInfoField::Typename => type_name::<_, PageInfo>(map, key),
            PageInfoField::HasNextPage => map.serialize_entry(key, &data.has_next_page),
            PageInfoField::HasPreviousPage => map.serialize_entry(key, &data.has_previous_page),
            PageInfoField::StartCursor => {
                map.serialize_entry(key, &data.edges.first().map(|(_, cursor)| cursor))
            }
            PageInfoField::EndCursor => {
                map.serialize_entry(key, &data.edges.last().map(|(_, cursor)| cursor))
            }
        }
    }
}

impl Write<PersonInterest> for NodeField {
    fn entry<M: SerializeMap>(&self, key: &str, i: &PersonInterest, map: &mut M) -> Result<(), M::Error> {
        match self {
            NodeField::Typename => type_name::<_, PersonInterest>(map, key),
            NodeField::Id => map.serialize_entry(key, i.id.as_str()),
            NodeField::UserId => map.serialize_entry(key, i.user_id.as_str()),
            NodeField::DisplayName => map.serialize_entry(key, &i.display_name),
            NodeField::Description => map.serialize_entry(key, &i.description),
            NodeField::WebUrl => map.serialize_entry(key, &i.web_url),
            NodeField::ThumbnailUrl => map.serialize_entry(key, &i.thumbnail_url),
            NodeField::IsSearchable => map.serialize_entry(key, &i.is_searchable),
            NodeField::Categories => map.serialize_entry(key, &i.categories),
            NodeField::CollaborationTags => map.serialize_entry(key, &Tags(&i.collaboration_tags)),
            NodeField::AllowedAudiences => {
                map.serialize_entry(key, &InputType::to_value(&i.allowed_audiences))
            }
            NodeField::Inference(fields) => optional(map, key, fields, i.inference.as_ref()),
            NodeField::Source(fields) => optional(map, key, fields, i.source.as_ref()),
            NodeField::CreatedBy(fields) => optional(map, key, fields, i.created_by.as_ref()),
            NodeField::CreatedDateTime => scalar(map, key, &i.created_date_time),
            NodeField::LastModifiedBy(fields) => optional(map, key, fields, i.last_modified_by.as_ref()),
            NodeField::LastModifiedDateTime => scalar(map, key, &i.last_modified_date_time),
            NodeField::Etag => map.serialize_entry(key, &i.etag),
        }
    }
}

/// Collaboration tags as their enum writes them, without a list of values in between.
struct Tags<'a>(&'a [CollaborationTag]);

impl Serialize for Tags<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(InputType::to_value))
    }
}

impl Write<InferenceData> for InferenceField {
    fn entry<M: SerializeMap>(&self, key: &str, d: &InferenceData, map: &mut M) -> Result<(), M::Error> {
        match self {
            InferenceField::Typename => type_name::<_, InferenceData>(map, key),
            InferenceField::ConfidenceScore => {
                map.serialize_entry(key, &d.confidence_score.as_ref().map(ScalarType::to_value))
            }
            InferenceField::UserHasVerifiedAccuracy => {
                map.serialize_entry(key, &d.user_has_verified_accuracy)
            }
        }
    }
}

impl Write<PersonDataSource> for SourceField {
    fn entry<M: SerializeMap>(&self, key: &str, s: &PersonDataSource, map: &mut M) -> Result<(), M::Error> {
        match self {
            SourceField::Typename => type_name::<_, PersonDataSource>(map, key),
            SourceField::Type => map.serialize_entry(key, &s.types),
        }
    }
}

impl Write<IdentitySet> for IdentitySetField {
    fn entry<M: SerializeMap>(&self, key: &str, set: &IdentitySet, map: &mut M) -> Result<(), M::Error> {
        match self {
            IdentitySetField::Typename => type_name::<_, IdentitySet>(map, key),
            IdentitySetField::Application(fields) => optional(map, key, fields, set.application.as_ref()),
            IdentitySetField::Device(fields) => optional(map, key, fields, set.device.as_ref()),
            IdentitySetField::User(fields) => optional(map, key, fields, set.user.as_ref()),
        }
    }
}

impl Write<Identity> for IdentityField {
    fn entry<M: SerializeMap>(&self, key: &str, identity: &Identity, map: &mut M) -> Result<(), M::Error> {
        match self {
            IdentityField::Typename => type_name::<_, Identity>(map, key),
            IdentityField::Id => map.serialize_entry(key, &identity.id),
            IdentityField::DisplayName => map.serialize_entry(key, &identity.display_name),
            IdentityField::TenantId => map.serialize_entry(key, &identity.tenant_id),
        }
    }
}
