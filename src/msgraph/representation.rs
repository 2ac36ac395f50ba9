//! Microsoft Graph's JSON representation of a `personInterest`: written for REST answers and
//! exports, read from REST bodies and imports.
//!
//! Reading hands every value to the same `domain::values` parser the GraphQL inputs use, with
//! the property's path (`categories[3]`, `inference.confidenceScore`), so a rule has one copy.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::interests::{Change, Identity, IdentitySet, Interest, InterestChanges, NewInterest};
use crate::domain::values::{
    Audience, Categories, CollaborationTag, Description, DisplayName, HttpUrl, Inference, InterestId, Source,
    UserId,
};
use crate::error::{AppError, AppResult};

/// The `@odata.type` of an interest.
pub const ODATA_TYPE: &str = "#microsoft.graph.personInterest";

/// Every property a `$select` may name, in Graph's casing.
pub const PROPERTIES: [&str; 15] = [
    "id",
    "allowedAudiences",
    "inference",
    "createdDateTime",
    "createdBy",
    "lastModifiedDateTime",
    "lastModifiedBy",
    "source",
    "categories",
    "description",
    "displayName",
    "webUrl",
    "collaborationTags",
    "thumbnailUrl",
    "isSearchable",
];

/// Graph's date-time text: RFC 3339 in UTC with microseconds.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GraphIdentity<'a> {
    display_name: Option<&'a str>,
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant_id: Option<&'a str>,
}

#[derive(Serialize)]
struct GraphIdentitySet<'a> {
    application: Option<GraphIdentity<'a>>,
    device: Option<GraphIdentity<'a>>,
    user: Option<GraphIdentity<'a>>,
}

impl<'a> GraphIdentitySet<'a> {
    fn of(set: &'a IdentitySet) -> Self {
        let one = |i: &'a Option<Identity>| {
            i.as_ref().map(|i| GraphIdentity {
                display_name: i.display_name.as_deref(),
                id: i.id.as_deref(),
                tenant_id: i.tenant_id.as_deref(),
            })
        };
        Self {
            application: one(&set.application),
            device: one(&set.device),
            user: one(&set.user),
        }
    }
}

/// An interest as Graph writes it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GraphInterest<'a> {
    #[serde(rename = "@odata.type")]
    odata_type: &'static str,
    #[serde(rename = "@odata.etag", skip_serializing_if = "Option::is_none")]
    odata_etag: Option<&'a str>,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    allowed_audiences: &'static str,
    inference: Option<&'a Inference>,
    created_date_time: String,
    created_by: Option<GraphIdentitySet<'a>>,
    last_modified_date_time: String,
    last_modified_by: Option<GraphIdentitySet<'a>>,
    source: Option<&'a Source>,
    categories: &'a [String],
    description: Option<&'a str>,
    display_name: &'a str,
    web_url: Option<&'a str>,
    collaboration_tags: Vec<&'static str>,
    thumbnail_url: Option<&'a str>,
    is_searchable: bool,
}

/// What besides the properties a written interest carries.
#[derive(Clone, Copy, Debug, Default)]
pub struct Annotations {
    /// `@odata.etag` (REST answers).
    pub etag: bool,
    /// `userId`, the owner (exports, so that an import puts it back on the same profile).
    pub user_id: bool,
}

/// `interest` in Graph's shape.
pub fn write(interest: &Interest, with: Annotations) -> Value {
    let graph = GraphInterest {
        odata_type: ODATA_TYPE,
        odata_etag: with.etag.then_some(interest.etag.as_str()),
        id: interest.id.to_string(),
        user_id: with.user_id.then_some(interest.user_id.as_str()),
        allowed_audiences: interest.allowed_audiences.graph_name(),
        inference: interest.inference.as_ref(),
        created_date_time: timestamp(interest.created_date_time),
        created_by: interest.created_by.as_ref().map(GraphIdentitySet::of),
        last_modified_date_time: timestamp(interest.last_modified_date_time),
        last_modified_by: interest.last_modified_by.as_ref().map(GraphIdentitySet::of),
        source: interest.source.as_ref(),
        categories: &interest.categories,
        description: interest.description.as_deref(),
        display_name: &interest.display_name,
        web_url: interest.web_url.as_deref(),
        collaboration_tags: interest
            .collaboration_tags
            .iter()
            .map(|t| t.graph_name())
            .collect(),
        thumbnail_url: interest.thumbnail_url.as_deref(),
        is_searchable: interest.is_searchable,
    };
    // Serialising strings, numbers and options into a Value cannot fail.
    serde_json::to_value(graph).unwrap_or(Value::Null)
}

/// One property of a record as sent: absent, `null`, or a value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Slot<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Slot<T> {
    fn value(self) -> Option<T> {
        match self {
            Self::Value(v) => Some(v),
            Self::Absent | Self::Null => None,
        }
    }
}

/// A record in Graph's shape, every value validated.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub id: Option<InterestId>,
    /// The owner (imports; not a Graph property).
    pub user_id: Option<UserId>,
    pub display_name: Slot<DisplayName>,
    pub description: Slot<Description>,
    pub web_url: Slot<HttpUrl>,
    pub thumbnail_url: Slot<HttpUrl>,
    pub is_searchable: Slot<bool>,
    pub categories: Slot<Categories>,
    pub collaboration_tags: Slot<Vec<CollaborationTag>>,
    pub allowed_audiences: Slot<Audience>,
    pub inference: Slot<Inference>,
    pub source: Slot<Source>,
    pub created_date_time: Option<DateTime<Utc>>,
    pub created_by: Option<IdentitySet>,
    pub last_modified_date_time: Option<DateTime<Utc>>,
    pub last_modified_by: Option<IdentitySet>,
}

/// What a record is read for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A REST body: server-set properties (`id`, `createdDateTime`, …) are ignored, as Graph
    /// does, so that an object read with GET can be sent back; `userId` is refused (the
    /// profile is in the path).
    Rest,
    /// An import line: every property is kept, `userId` names the owner.
    Import,
}

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::bad_input(field, message)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(field: &str, what: &str, value: &Value) -> AppError {
    bad(field, format!("{field} must be {what}, not {}", type_name(value)))
}

fn string<'v>(field: &str, value: &'v Value) -> AppResult<&'v str> {
    value.as_str().ok_or_else(|| expected(field, "a string", value))
}

fn strings(field: &str, value: &Value) -> AppResult<Vec<String>> {
    let items = value
        .as_array()
        .ok_or_else(|| expected(field, "an array of strings", value))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| string(&format!("{field}[{i}]"), item).map(str::to_owned))
        .collect()
}

fn object<'v>(field: &str, value: &'v Value) -> AppResult<&'v Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| expected(field, "an object", value))
}

/// `@odata.type`, when given, names `expected` (with or without the leading `#`).
fn check_type(field: &str, value: &Value, expected_type: &str) -> AppResult<()> {
    let given = string(field, value)?;
    if given.trim_start_matches('#') != expected_type.trim_start_matches('#') {
        return Err(bad(field, format!("@odata.type must be {expected_type}")));
    }
    Ok(())
}

/// Reads a slot: absent stays absent, `null` is `Null`, anything else goes through `parse`.
fn slot<T>(value: Option<&Value>, parse: impl FnOnce(&Value) -> AppResult<T>) -> AppResult<Slot<T>> {
    match value {
        None => Ok(Slot::Absent),
        Some(Value::Null) => Ok(Slot::Null),
        Some(v) => parse(v).map(Slot::Value),
    }
}

fn inference(field: &str, value: &Value) -> AppResult<Inference> {
    let map = object(field, value)?;
    let mut score = None;
    let mut verified = None;
    for (key, v) in map {
        let at = format!("{field}.{key}");
        match key.as_str() {
            "@odata.type" => check_type(&at, v, "microsoft.graph.inferenceData")?,
            "confidenceScore" => {
                score = match v {
                    Value::Null => None,
                    v => Some(v.as_f64().ok_or_else(|| expected(&at, "a number", v))?),
                }
            }
            "userHasVerifiedAccuracy" => {
                verified = match v {
                    Value::Null => None,
                    v => Some(v.as_bool().ok_or_else(|| expected(&at, "a boolean", v))?),
                }
            }
            // Annotations: `@odata.…` and property annotations (`categories@odata.type`).
            k if k.contains('@') => {}
            _ => return Err(unknown(&at)),
        }
    }
    Inference::parse(field, score, verified)
}

/// `source`: `type` as a list of strings or, as some Graph data has it, one string.
fn source(field: &str, value: &Value) -> AppResult<Source> {
    let map = object(field, value)?;
    let mut types = Vec::new();
    for (key, v) in map {
        let at = format!("{field}.{key}");
        match key.as_str() {
            "@odata.type" => check_type(&at, v, "microsoft.graph.personDataSource")?,
            "type" => {
                types = match v {
                    Value::Null => Vec::new(),
                    Value::String(s) => vec![s.clone()],
                    v => strings(&at, v)?,
                }
            }
            // Annotations: `@odata.…` and property annotations (`categories@odata.type`).
            k if k.contains('@') => {}
            _ => return Err(unknown(&at)),
        }
    }
    Source::parse(field, &types)
}

/// The longest text kept in an identity (`createdBy`), which only imports may set.
const IDENTITY_TEXT_MAX: usize = 1024;

fn identity_text(field: &str, value: &Value) -> AppResult<Option<String>> {
    match value {
        Value::Null => Ok(None),
        v => {
            let s = string(field, v)?;
            if s.chars().count() > IDENTITY_TEXT_MAX || s.chars().any(char::is_control) {
                return Err(bad(
                    field,
                    format!("at most {IDENTITY_TEXT_MAX} characters, no control characters"),
                ));
            }
            Ok(Some(s.to_owned()))
        }
    }
}

/// An `identitySet`. Properties other than `id`, `displayName` and `tenantId` of an identity
/// (derived identity types carry more) are passed over: this is who did it, not data.
fn identity_set(field: &str, value: &Value) -> AppResult<Option<IdentitySet>> {
    if value.is_null() {
        return Ok(None);
    }
    let map = object(field, value)?;
    let mut set = IdentitySet::default();
    for (key, v) in map {
        let at = format!("{field}.{key}");
        let target = match key.as_str() {
            "application" => &mut set.application,
            "device" => &mut set.device,
            "user" => &mut set.user,
            "@odata.type" => {
                check_type(&at, v, "microsoft.graph.identitySet")?;
                continue;
            }
            _ => continue,
        };
        if v.is_null() {
            continue;
        }
        let mut identity = Identity::default();
        for (k, inner) in object(&at, v)? {
            let inner_at = format!("{at}.{k}");
            match k.as_str() {
                "id" => identity.id = identity_text(&inner_at, inner)?,
                "displayName" => identity.display_name = identity_text(&inner_at, inner)?,
                "tenantId" => identity.tenant_id = identity_text(&inner_at, inner)?,
                _ => {}
            }
        }
        *target = Some(identity);
    }
    Ok(Some(set))
}

fn time(field: &str, value: &Value) -> AppResult<Option<DateTime<Utc>>> {
    if value.is_null() {
        return Ok(None);
    }
    let s = string(field, value)?;
    DateTime::parse_from_rfc3339(s)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| {
            bad(
                field,
                format!("{field} must be an RFC 3339 date-time such as 2026-11-28T09:30:00Z"),
            )
        })
}

fn unknown(field: &str) -> AppError {
    bad(field, format!("{field} is not a property of personInterest"))
}

/// Reads one record. Unknown properties are refused (a misspelt one would otherwise be lost);
/// annotations (`@odata.*`) are passed over, except a wrong `@odata.type`.
pub fn read(value: &Value, purpose: Purpose) -> AppResult<Record> {
    let map = value.as_object().ok_or_else(|| {
        bad(
            "",
            format!("expected a personInterest object, not {}", type_name(value)),
        )
    })?;
    let mut record = Record::default();
    let imported = purpose == Purpose::Import;
    for (key, v) in map {
        let field = key.as_str();
        match field {
            "@odata.type" => check_type(field, v, ODATA_TYPE)?,
            "id" if imported => {
                record.id = match v {
                    Value::Null => None,
                    v => Some(InterestId::parse(field, string(field, v)?)?),
                }
            }
            "userId" if imported => {
                record.user_id = match v {
                    Value::Null => None,
                    v => Some(UserId::parse(field, string(field, v)?)?),
                }
            }
            "userId" => {
                return Err(bad(
                    field,
                    "userId is not a property of personInterest; the profile is in the path",
                ))
            }
            "createdDateTime" if imported => record.created_date_time = time(field, v)?,
            "lastModifiedDateTime" if imported => record.last_modified_date_time = time(field, v)?,
            "createdBy" if imported => record.created_by = identity_set(field, v)?,
            "lastModifiedBy" if imported => record.last_modified_by = identity_set(field, v)?,
            // Set by the server: ignored in a REST body, as Graph does.
            "id" | "createdDateTime" | "lastModifiedDateTime" | "createdBy" | "lastModifiedBy" => {}
            "displayName" => {
                record.display_name = slot(Some(v), |v| DisplayName::parse(field, string(field, v)?))?
            }
            "description" => {
                record.description = slot(Some(v), |v| Description::parse(field, string(field, v)?))?
            }
            "webUrl" => record.web_url = slot(Some(v), |v| HttpUrl::parse(field, string(field, v)?))?,
            "thumbnailUrl" => {
                record.thumbnail_url = slot(Some(v), |v| HttpUrl::parse(field, string(field, v)?))?
            }
            "isSearchable" => {
                record.is_searchable = slot(Some(v), |v| {
                    v.as_bool().ok_or_else(|| expected(field, "a boolean", v))
                })?
            }
            "categories" => {
                record.categories = slot(Some(v), |v| Categories::parse(field, &strings(field, v)?))?
            }
            "collaborationTags" => {
                record.collaboration_tags = slot(Some(v), |v| {
                    strings(field, v)?
                        .iter()
                        .enumerate()
                        .map(|(i, t)| CollaborationTag::from_graph_name(&format!("{field}[{i}]"), t))
                        .collect()
                })?
            }
            "allowedAudiences" => {
                record.allowed_audiences = slot(Some(v), |v| {
                    let audience = Audience::from_graph_name(field, string(field, v)?)?;
                    // An export writes unknownFutureValue for a value it does not know (seen
                    // by the owner only); its import restores it. Callers may not set it.
                    if imported {
                        Ok(audience)
                    } else {
                        Audience::parse_input(field, audience)
                    }
                })?
            }
            "inference" => record.inference = slot(Some(v), |v| inference(field, v))?,
            "source" => record.source = slot(Some(v), |v| source(field, v))?,
            // Annotations: `@odata.…` and property annotations (`categories@odata.type`).
            k if k.contains('@') => {}
            _ => return Err(unknown(field)),
        }
    }
    Ok(record)
}

impl Record {
    /// A new interest (create and import): `displayName` is required; an absent or `null`
    /// property takes its default, as in `createInterest`.
    pub fn new_interest(&self, owner: Option<UserId>) -> AppResult<NewInterest> {
        let display_name = self
            .display_name
            .clone()
            .value()
            .ok_or_else(|| bad("displayName", "displayName is required"))?;
        Ok(NewInterest {
            owner,
            display_name,
            description: self.description.clone().value(),
            web_url: self.web_url.clone().value(),
            thumbnail_url: self.thumbnail_url.clone().value(),
            is_searchable: self.is_searchable.clone().value().unwrap_or(true),
            categories: self.categories.clone().value().unwrap_or_default(),
            collaboration_tags: self.collaboration_tags.clone().value().unwrap_or_default(),
            allowed_audiences: self
                .allowed_audiences
                .clone()
                .value()
                .unwrap_or(Audience::Organization),
            inference: self.inference.clone().value(),
            source: self.source.clone().value(),
        })
    }

    /// The changes of a PATCH (merge semantics): an absent property is left alone; `null`
    /// clears `description`, `webUrl`, `thumbnailUrl`, `inference` and `source` and is refused
    /// elsewhere, as in `updateInterest`.
    pub fn changes(self) -> AppResult<InterestChanges> {
        fn required<T>(field: &str, slot: Slot<T>) -> AppResult<Change<T>> {
            match slot {
                Slot::Absent => Ok(Change::Keep),
                Slot::Null => Err(bad(field, format!("{field} cannot be null"))),
                Slot::Value(v) => Ok(Change::Set(v)),
            }
        }
        fn clearable<T>(slot: Slot<T>) -> Change<Option<T>> {
            match slot {
                Slot::Absent => Change::Keep,
                Slot::Null => Change::Set(None),
                Slot::Value(v) => Change::Set(Some(v)),
            }
        }
        Ok(InterestChanges {
            display_name: required("displayName", self.display_name)?,
            description: clearable(self.description),
            web_url: clearable(self.web_url),
            thumbnail_url: clearable(self.thumbnail_url),
            is_searchable: required("isSearchable", self.is_searchable)?,
            categories: required("categories", self.categories)?,
            collaboration_tags: required("collaborationTags", self.collaboration_tags)?,
            allowed_audiences: required("allowedAudiences", self.allowed_audiences)?,
            inference: clearable(self.inference),
            source: clearable(self.source),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field_of(err: AppError) -> String {
        match err {
            AppError::BadUserInput { field, .. } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn source_type_reads_as_a_string_or_a_list() {
        let one = read(&json!({"source": {"type": "User"}}), Purpose::Rest).unwrap();
        let many = read(&json!({"source": {"type": ["User"]}}), Purpose::Rest).unwrap();
        assert_eq!(one.source, many.source);
    }

    #[test]
    fn each_bad_property_is_named() {
        let cases = [
            (json!({"displayName": 5}), "displayName"),
            (json!({"categories": ["ok", ""]}), "categories[1]"),
            (
                json!({"collaborationTags": ["ableToMentor", "juggling"]}),
                "collaborationTags[1]",
            ),
            (
                json!({"allowedAudiences": "unknownFutureValue"}),
                "allowedAudiences",
            ),
            (
                json!({"inference": {"confidenceScore": 2.0}}),
                "inference.confidenceScore",
            ),
            (json!({"inference": {"score": 1}}), "inference.score"),
            (json!({"webUrl": "ftp://x"}), "webUrl"),
            (json!({"colour": "red"}), "colour"),
            (json!({"userId": "alice"}), "userId"),
            (json!({"@odata.type": "#microsoft.graph.user"}), "@odata.type"),
        ];
        for (body, field) in cases {
            let err = read(&body, Purpose::Rest).expect_err(&body.to_string());
            assert_eq!(field_of(err), field, "{body}");
        }
    }

    #[test]
    fn server_set_properties_are_ignored_in_rest_and_kept_in_imports() {
        let body = json!({
            "id": "0196b0a4-4f3c-7d2e-9a4e-1c2b3d4e5f60",
            "createdDateTime": "2024-07-22T10:00:00Z",
            "createdBy": {"user": {"id": "u1", "displayName": "U"}},
        });
        let rest = read(&body, Purpose::Rest).unwrap();
        assert!(rest.id.is_none() && rest.created_date_time.is_none() && rest.created_by.is_none());
        let import = read(&body, Purpose::Import).unwrap();
        assert!(import.id.is_some() && import.created_date_time.is_some());
        assert_eq!(
            import
                .created_by
                .and_then(|s| s.user)
                .and_then(|u| u.display_name),
            Some("U".to_owned())
        );
    }

    #[test]
    fn patch_nulls_clear_optional_properties_and_are_refused_on_required_ones() {
        let changes = read(&json!({"description": null}), Purpose::Rest)
            .unwrap()
            .changes()
            .unwrap();
        assert!(matches!(changes.description, Change::Set(None)));
        assert!(matches!(changes.display_name, Change::Keep));
        let err = read(&json!({"displayName": null}), Purpose::Rest)
            .unwrap()
            .changes()
            .unwrap_err();
        assert_eq!(field_of(err), "displayName");
    }

    #[test]
    fn annotations_are_passed_over_and_imports_restore_unknown_audiences() {
        let r = read(
            &json!({"categories@odata.type": "#Collection(String)", "categories": ["a"]}),
            Purpose::Rest,
        )
        .unwrap();
        assert!(matches!(r.categories, Slot::Value(_)));
        let body = json!({"allowedAudiences": "unknownFutureValue"});
        assert!(read(&body, Purpose::Rest).is_err());
        assert_eq!(
            read(&body, Purpose::Import).unwrap().allowed_audiences,
            Slot::Value(Audience::UnknownFutureValue)
        );
    }

    #[test]
    fn graph_spellings_are_read_regardless_of_case() {
        let r = read(
            &json!({"allowedAudiences": "GroupMembers", "collaborationTags": ["ABLETOMENTOR"]}),
            Purpose::Rest,
        )
        .unwrap();
        assert_eq!(r.allowed_audiences, Slot::Value(Audience::GroupMembers));
        assert_eq!(
            r.collaboration_tags,
            Slot::Value(vec![CollaborationTag::AbleToMentor])
        );
    }
}
