//! Validated values: every constrained input becomes one of these once, at the boundary, so
//! the rest of the domain never sees a raw string.
//!
//! Each `parse` takes the dotted path of the field it reads (`input.categories`) so that a
//! failure names it exactly, as `extensions.field`.

use uuid::Uuid;

use crate::error::{AppError, AppResult};

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::bad_input(field, message)
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// A user id: the `sub` of a token, 1–128 characters, no whitespace or control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    pub const MAX_LEN: usize = 128;

    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let len = raw.chars().count();
        if len == 0 || len > Self::MAX_LEN {
            return Err(bad(
                field,
                format!("a user id has 1 to {} characters", Self::MAX_LEN),
            ));
        }
        if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(bad(field, "a user id has no whitespace or control characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An interest id: a UUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InterestId(Uuid);

impl InterestId {
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        Uuid::try_parse(raw)
            .map(Self)
            .map_err(|_| bad(field, "not a valid interest id (a UUID)"))
    }

    pub fn new_random() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl std::fmt::Display for InterestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A display name: trimmed, 1–256 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 256;

    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let trimmed = raw.trim();
        let len = trimmed.chars().count();
        if len == 0 {
            return Err(bad(field, "displayName must not be empty"));
        }
        if len > Self::MAX_LEN {
            return Err(bad(
                field,
                format!("displayName has at most {} characters", Self::MAX_LEN),
            ));
        }
        if has_control(trimmed) {
            return Err(bad(field, "displayName must not contain control characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The topic key: lower case, inner whitespace collapsed. Used to sort and to match.
    pub fn key(&self) -> String {
        self.0
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
}

/// A description of at most 4,000 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX_LEN: usize = 4000;

    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        if raw.chars().count() > Self::MAX_LEN {
            return Err(bad(
                field,
                format!("description has at most {} characters", Self::MAX_LEN),
            ));
        }
        // Line breaks and tabs are text; NUL is not (PostgreSQL cannot store it).
        if raw.contains('\0') {
            return Err(bad(field, "description must not contain the NUL character"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An absolute `http` or `https` URL of at most 2,048 characters, kept as the caller spelled it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl(String);

impl HttpUrl {
    pub const MAX_LEN: usize = 2048;

    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let raw = raw.trim();
        if raw.chars().count() > Self::MAX_LEN {
            return Err(bad(
                field,
                format!("a URL has at most {} characters", Self::MAX_LEN),
            ));
        }
        let url = url::Url::parse(raw).map_err(|_| bad(field, "must be an absolute http or https URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(bad(field, "must be an absolute http or https URL"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Categories: at most 50, each trimmed, 1–100 characters, without control characters;
/// duplicates (case-insensitive) merged, the first spelling kept.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Categories(Vec<String>);

impl Categories {
    pub const MAX_COUNT: usize = 50;
    pub const MAX_LEN: usize = 100;

    pub fn parse(field: &str, raw: &[String]) -> AppResult<Self> {
        if raw.len() > Self::MAX_COUNT {
            return Err(bad(field, format!("at most {} categories", Self::MAX_COUNT)));
        }
        let mut kept: Vec<String> = Vec::with_capacity(raw.len());
        for (i, item) in raw.iter().enumerate() {
            let category = Self::parse_one(&format!("{field}[{i}]"), item)?;
            let key = category_key(&category);
            if !kept.iter().any(|k| category_key(k) == key) {
                kept.push(category);
            }
        }
        Ok(Self(kept))
    }

    fn parse_one(field: &str, raw: &str) -> AppResult<String> {
        let trimmed = raw.trim();
        let len = trimmed.chars().count();
        if len == 0 || len > Self::MAX_LEN {
            return Err(bad(
                field,
                format!("a category has 1 to {} characters", Self::MAX_LEN),
            ));
        }
        if has_control(trimmed) {
            return Err(bad(field, "a category must not contain control characters"));
        }
        Ok(trimmed.to_owned())
    }

    /// Lower-cased keys for a category filter (same rules per item, duplicates dropped).
    pub fn filter_keys(field: &str, raw: &[String]) -> AppResult<Vec<String>> {
        if raw.len() > FILTER_MAX_VALUES {
            return Err(bad(field, format!("at most {FILTER_MAX_VALUES} values")));
        }
        let mut keys: Vec<String> = Vec::with_capacity(raw.len());
        for (i, item) in raw.iter().enumerate() {
            let key = category_key(&Self::parse_one(&format!("{field}[{i}]"), item)?);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The case-insensitive keys, one per category.
    pub fn keys(&self) -> Vec<String> {
        self.0.iter().map(|c| category_key(c)).collect()
    }
}

/// How a category compares: case-insensitively.
pub fn category_key(category: &str) -> String {
    category.to_lowercase()
}

/// The most values one list filter may hold.
pub const FILTER_MAX_VALUES: usize = 100;

/// Who may see an interest (Microsoft Graph's `allowedAudiences`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    Me,
    Family,
    Contacts,
    GroupMembers,
    Organization,
    FederatedOrganizations,
    Everyone,
    UnknownFutureValue,
}

impl Audience {
    pub const ALL: [Audience; 8] = [
        Self::Me,
        Self::Family,
        Self::Contacts,
        Self::GroupMembers,
        Self::Organization,
        Self::FederatedOrganizations,
        Self::Everyone,
        Self::UnknownFutureValue,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Me => "ME",
            Self::Family => "FAMILY",
            Self::Contacts => "CONTACTS",
            Self::GroupMembers => "GROUP_MEMBERS",
            Self::Organization => "ORGANIZATION",
            Self::FederatedOrganizations => "FEDERATED_ORGANIZATIONS",
            Self::Everyone => "EVERYONE",
            Self::UnknownFutureValue => "UNKNOWN_FUTURE_VALUE",
        }
    }

    /// Reads a stored name; anything unknown reads as `UnknownFutureValue` (seen by the owner only).
    pub fn from_stored(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .unwrap_or(Self::UnknownFutureValue)
    }

    /// Microsoft Graph's spelling (`groupMembers`).
    pub fn graph_name(self) -> &'static str {
        match self {
            Self::Me => "me",
            Self::Family => "family",
            Self::Contacts => "contacts",
            Self::GroupMembers => "groupMembers",
            Self::Organization => "organization",
            Self::FederatedOrganizations => "federatedOrganizations",
            Self::Everyone => "everyone",
            Self::UnknownFutureValue => "unknownFutureValue",
        }
    }

    /// Reads Microsoft Graph's spelling, ignoring ASCII case as Graph does.
    pub fn from_graph_name(field: &str, raw: &str) -> AppResult<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.graph_name().eq_ignore_ascii_case(raw))
            .ok_or_else(|| {
                bad(
                    field,
                    format!(
                        "allowedAudiences is one of {}",
                        Self::ALL.map(Self::graph_name).join(", ")
                    ),
                )
            })
    }

    /// An audience a caller may set: `UNKNOWN_FUTURE_VALUE` is refused.
    pub fn parse_input(field: &str, audience: Self) -> AppResult<Self> {
        if audience == Self::UnknownFutureValue {
            return Err(bad(field, "UNKNOWN_FUTURE_VALUE cannot be set"));
        }
        Ok(audience)
    }
}

/// How a person wants to collaborate on an interest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CollaborationTag {
    AskMeAbout,
    AbleToMentor,
    WantsToLearn,
    WantsToImprove,
}

impl CollaborationTag {
    pub const ALL: [CollaborationTag; 4] = [
        Self::AskMeAbout,
        Self::AbleToMentor,
        Self::WantsToLearn,
        Self::WantsToImprove,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AskMeAbout => "ASK_ME_ABOUT",
            Self::AbleToMentor => "ABLE_TO_MENTOR",
            Self::WantsToLearn => "WANTS_TO_LEARN",
            Self::WantsToImprove => "WANTS_TO_IMPROVE",
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Microsoft Graph's spelling (`ableToMentor`).
    pub fn graph_name(self) -> &'static str {
        match self {
            Self::AskMeAbout => "askMeAbout",
            Self::AbleToMentor => "ableToMentor",
            Self::WantsToLearn => "wantsToLearn",
            Self::WantsToImprove => "wantsToImprove",
        }
    }

    /// Reads Microsoft Graph's spelling, ignoring ASCII case as Graph does.
    pub fn from_graph_name(field: &str, raw: &str) -> AppResult<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.graph_name().eq_ignore_ascii_case(raw))
            .ok_or_else(|| {
                bad(
                    field,
                    format!(
                        "a collaboration tag is one of {}",
                        Self::ALL.map(Self::graph_name).join(", ")
                    ),
                )
            })
    }

    /// Duplicates merged, first occurrence's position kept.
    pub fn dedup(tags: &[Self]) -> Vec<Self> {
        let mut kept = Vec::with_capacity(tags.len());
        for tag in tags {
            if !kept.contains(tag) {
                kept.push(*tag);
            }
        }
        kept
    }
}

/// Inference data: a confidence score (finite, 0.0–1.0) and whether the user verified it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inference {
    pub confidence_score: Option<f64>,
    pub user_has_verified_accuracy: Option<bool>,
}

impl Inference {
    pub fn parse(field: &str, confidence_score: Option<f64>, verified: Option<bool>) -> AppResult<Self> {
        if let Some(score) = confidence_score {
            if !score.is_finite() || !(0.0..=1.0).contains(&score) {
                return Err(bad(
                    &format!("{field}.confidenceScore"),
                    "confidenceScore is a number from 0.0 to 1.0",
                ));
            }
        }
        Ok(Self {
            confidence_score,
            user_has_verified_accuracy: verified,
        })
    }
}

/// Where an interest came from: at most 20 source types of 1–100 characters each.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Source {
    #[serde(rename = "type")]
    pub types: Vec<String>,
}

impl Source {
    pub const MAX_COUNT: usize = 20;
    pub const MAX_LEN: usize = 100;

    pub fn parse(field: &str, types: &[String]) -> AppResult<Self> {
        let field = format!("{field}.type");
        if types.len() > Self::MAX_COUNT {
            return Err(bad(&field, format!("at most {} source types", Self::MAX_COUNT)));
        }
        for (i, t) in types.iter().enumerate() {
            let len = t.chars().count();
            if len == 0 || len > Self::MAX_LEN || has_control(t) {
                return Err(bad(
                    &format!("{field}[{i}]"),
                    format!(
                        "a source type has 1 to {} characters, no control characters",
                        Self::MAX_LEN
                    ),
                ));
            }
        }
        Ok(Self {
            types: types.to_vec(),
        })
    }
}

/// A page size: `first` or `last`, 0–100, default 20.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageSize(u64);

impl PageSize {
    pub const DEFAULT: u64 = 20;
    pub const MAX: u64 = 100;

    pub fn parse(field: &str, raw: i32) -> AppResult<Self> {
        u64::try_from(raw)
            .ok()
            .filter(|n| *n <= Self::MAX)
            .map(Self)
            .ok_or_else(|| bad(field, format!("{field} must be between 0 and {}", Self::MAX)))
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: AppError) -> String {
        match err {
            AppError::BadUserInput { field, .. } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn display_name_is_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("f", "  Rust ").unwrap().as_str(), "Rust");
        assert!(DisplayName::parse("f", "   ").is_err());
        assert!(DisplayName::parse("f", &"x".repeat(256)).is_ok());
        assert!(DisplayName::parse("f", &"é".repeat(257)).is_err());
        assert!(DisplayName::parse("f", "a\u{7}b").is_err());
        assert_eq!(
            DisplayName::parse("f", " Machine   Learning ").unwrap().key(),
            "machine learning"
        );
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(HttpUrl::parse("f", "https://example.com/x").is_ok());
        assert!(HttpUrl::parse("f", "http://example.com").is_ok());
        for bad_url in [
            "ftp://example.com",
            "example.com",
            "/relative",
            "javascript:alert(1)",
            "https://",
        ] {
            assert!(HttpUrl::parse("f", bad_url).is_err(), "{bad_url}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert!(HttpUrl::parse("f", &long).is_err());
    }

    #[test]
    fn categories_merge_case_insensitive_duplicates_keeping_the_first_spelling() {
        let raw = vec!["Rust".into(), " rust ".into(), "Go".into(), "RUST".into()];
        let c = Categories::parse("input.categories", &raw).unwrap();
        assert_eq!(c.as_slice(), ["Rust", "Go"]);
        assert_eq!(c.keys(), ["rust", "go"]);
    }

    #[test]
    fn a_bad_category_names_its_index() {
        let raw = vec!["ok".into(), "  ".into()];
        let err = Categories::parse("input.categories", &raw).unwrap_err();
        assert_eq!(field_of(err), "input.categories[1]");
        let many: Vec<String> = (0..51).map(|i| format!("c{i}")).collect();
        assert_eq!(
            field_of(Categories::parse("input.categories", &many).unwrap_err()),
            "input.categories"
        );
    }

    #[test]
    fn confidence_score_is_between_zero_and_one() {
        assert!(Inference::parse("i", Some(0.0), None).is_ok());
        assert!(Inference::parse("i", Some(1.0), None).is_ok());
        assert!(Inference::parse("i", Some(f64::NAN), None).is_err());
        let err = Inference::parse("input.inference", Some(1.5), None).unwrap_err();
        assert_eq!(field_of(err), "input.inference.confidenceScore");
    }

    #[test]
    fn source_types_are_bounded() {
        assert!(Source::parse("s", &["LinkedIn".into()]).is_ok());
        let err = Source::parse("input.source", &["".into()]).unwrap_err();
        assert_eq!(field_of(err), "input.source.type[0]");
        let many: Vec<String> = (0..21).map(|i| i.to_string()).collect();
        assert!(Source::parse("s", &many).is_err());
    }

    #[test]
    fn page_size_is_between_zero_and_one_hundred() {
        assert_eq!(PageSize::parse("first", 0).unwrap().get(), 0);
        assert_eq!(PageSize::parse("first", 100).unwrap().get(), 100);
        assert!(PageSize::parse("first", 101).is_err());
        assert!(PageSize::parse("first", -1).is_err());
    }

    #[test]
    fn ids_are_checked() {
        assert!(InterestId::parse("id", "not-a-uuid").is_err());
        assert!(InterestId::parse("id", "0190a5b4-1c2d-7e3f-8a9b-0c1d2e3f4a5b").is_ok());
        assert!(UserId::parse("id", "").is_err());
        assert!(UserId::parse("id", "a b").is_err());
        assert!(UserId::parse("id", "alice").is_ok());
        assert_eq!(Audience::from_stored("NOPE"), Audience::UnknownFutureValue);
        assert!(Audience::parse_input("a", Audience::UnknownFutureValue).is_err());
    }

    #[test]
    fn tags_are_deduplicated_in_order() {
        use CollaborationTag::*;
        assert_eq!(
            CollaborationTag::dedup(&[WantsToLearn, AbleToMentor, WantsToLearn]),
            [WantsToLearn, AbleToMentor]
        );
    }
}
