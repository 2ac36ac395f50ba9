//! A small hand-written recursive-descent parser for the subset of the OData v4 `$filter`
//! syntax that a Microsoft Graph-compatible API accepts for `personInterest` objects.
//!
//! Supported:
//! - `displayName` and `allowedAudiences` compared with `eq` / `ne` and a string literal;
//! - `createdDateTime` and `lastModifiedDateTime` compared with `eq ne gt ge lt le` and a
//!   date-time literal (`2024-01-01T00:00:00Z`, bare or in single quotes, converted to UTC);
//! - `categories/any(c: c eq 'a' or c eq 'b')` and the same on `collaborationTags`;
//! - `not`, `and`, `or` (in that order of precedence, `and`/`or` left-associative) and parentheses.
//!
//! Everything else is rejected with a [`FilterError`] that names what was expected and the
//! byte offset where the problem is. Input length, nesting depth and the number of values in
//! one `any()` are bounded, so the parser never recurses deeply and never panics.

#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A property compared with a literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    DisplayName,
    AllowedAudiences,
    CreatedDateTime,
    LastModifiedDateTime,
}

impl Field {
    const ALL: [Field; 4] = [
        Field::DisplayName,
        Field::AllowedAudiences,
        Field::CreatedDateTime,
        Field::LastModifiedDateTime,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::DisplayName => "displayName",
            Field::AllowedAudiences => "allowedAudiences",
            Field::CreatedDateTime => "createdDateTime",
            Field::LastModifiedDateTime => "lastModifiedDateTime",
        }
    }

    fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    fn is_time(self) -> bool {
        matches!(self, Field::CreatedDateTime | Field::LastModifiedDateTime)
    }
}

/// A collection property used with `any`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    Categories,
    CollaborationTags,
}

impl Collection {
    const ALL: [Collection; 2] = [Collection::Categories, Collection::CollaborationTags];

    fn name(self) -> &'static str {
        match self {
            Collection::Categories => "categories",
            Collection::CollaborationTags => "collaborationTags",
        }
    }

    fn from_name(name: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.name() == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    const ALL: [CompareOp; 6] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    fn keyword(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    fn from_keyword(word: &str) -> Option<CompareOp> {
        CompareOp::ALL.into_iter().find(|op| op.keyword() == word)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// displayName / allowedAudiences with a string (eq, ne only)
    Text {
        field: Field,
        op: CompareOp,
        value: String,
    },
    /// createdDateTime / lastModifiedDateTime with a date-time (eq ne gt ge lt le)
    Time {
        field: Field,
        op: CompareOp,
        value: DateTime<Utc>,
    },
    /// `categories/any(c: c eq 'a' or c eq 'b')`: has any of `values` (in the order written, duplicates kept)
    Any {
        collection: Collection,
        values: Vec<String>,
    },
}

/// Why a filter was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub message: String,
    /// byte offset in the input where the problem is
    pub position: usize,
}

impl FilterError {
    fn new(position: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            message: message.into(),
            position,
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at position {}: {}", self.position, self.message)
    }
}

impl std::error::Error for FilterError {}

/// Longest accepted input, in bytes.
pub const MAX_LENGTH: usize = 4096;
/// Deepest accepted nesting of parentheses (including `any(`) and `not`.
pub const MAX_DEPTH: usize = 32;
/// Most values accepted inside one `any()`.
pub const MAX_ANY_VALUES: usize = 100;

/// How many characters of user input an error message may quote.
const MAX_ECHO: usize = 40;
const SUPPORTED_PROPERTIES: &str = "displayName, allowedAudiences, createdDateTime, lastModifiedDateTime, \
     categories/any(…), collaborationTags/any(…)";
const DATE_TIME_EXAMPLE: &str = "2024-01-01T00:00:00Z";
const KEYWORDS: [&str; 13] = [
    "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "any", "all", "in", "has",
];

/// Parses an OData `$filter` expression.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    if input.len() > MAX_LENGTH {
        return Err(FilterError::new(
            MAX_LENGTH,
            format!(
                "filter is too long: {} bytes, at most {MAX_LENGTH} are allowed",
                input.len()
            ),
        ));
    }
    if input.bytes().all(is_ws) {
        return Err(FilterError::new(
            0,
            "filter is empty: expected a condition such as displayName eq '…'",
        ));
    }
    let mut parser = Parser {
        src: input,
        pos: 0,
        depth: 0,
    };
    let filter = parser.parse_or("at the start of the filter")?;
    parser.skip_ws();
    match parser.peek() {
        None => Ok(filter),
        Some(b')') => Err(FilterError::new(
            parser.pos,
            "unbalanced parentheses: this ')' has no matching '('",
        )),
        Some(_) => Err(FilterError::new(
            parser.pos,
            format!(
                "expected 'and', 'or' or end of input but found {}",
                parser.found_with_hint(parser.pos)
            ),
        )),
    }
}

fn is_ws(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0B
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Characters of a bare (unquoted) literal such as `2024-01-01T10:00:00.5+02:00`.
fn is_literal_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'+' | b'-')
}

/// At most `max` characters of `s`, with `…` when cut.
fn show(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

fn is_property_name(word: &str) -> bool {
    Field::from_name(word).is_some() || Collection::from_name(word).is_some()
}

/// A hint for a keyword or property written in the wrong case, or an empty string.
fn case_hint(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    if lower != word && KEYWORDS.contains(&lower.as_str()) {
        return format!(" (keywords are lower case: write '{lower}')");
    }
    let names = Field::ALL
        .iter()
        .map(|f| f.name())
        .chain(Collection::ALL.iter().map(|c| c.name()));
    for name in names {
        if name != word && name.eq_ignore_ascii_case(word) {
            return format!(" (property names are case-sensitive: did you mean '{name}'?)");
        }
    }
    String::new()
}

/// Length of the string literal at the start of `s` (which starts with a quote), closing
/// quote included; the whole length when it is unterminated.
fn string_literal_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        if b == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    s.len()
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn byte_at(&self, i: usize) -> Option<u8> {
        self.src.as_bytes().get(i).copied()
    }

    fn peek(&self) -> Option<u8> {
        self.byte_at(self.pos)
    }

    fn skip_ws(&mut self) {
        self.pos = self.ws_end(self.pos);
    }

    fn ws_end(&self, start: usize) -> usize {
        self.run_end(start, is_ws)
    }

    fn run_end(&self, start: usize, pred: fn(u8) -> bool) -> usize {
        let mut i = start;
        while self.byte_at(i).is_some_and(pred) {
            i += 1;
        }
        i
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    /// The identifier (`[A-Za-z_][A-Za-z0-9_]*`) starting at `i`, or "".
    fn word_at(&self, i: usize) -> &'a str {
        if self.byte_at(i).is_some_and(is_ident_start) {
            self.slice(i, self.run_end(i, is_ident_char))
        } else {
            ""
        }
    }

    /// Consumes `keyword` if it is the whole word at the current position.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        if self.word_at(self.pos) == keyword {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    /// A short description of what is at `i`, for error messages.
    fn found(&self, i: usize, max: usize) -> String {
        let rest = self.src.get(i..).unwrap_or("");
        let Some(c) = rest.chars().next() else {
            return "end of input".to_string();
        };
        if c == '\'' {
            let literal = rest.get(..string_literal_len(rest)).unwrap_or(rest);
            return format!("the string {}", show(literal, max));
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            return format!("'{}'", show(self.slice(i, self.run_end(i, is_literal_char)), max));
        }
        if c.is_control() || c.is_whitespace() {
            return format!("'{}'", c.escape_debug());
        }
        format!("'{c}'")
    }

    fn found_with_hint(&self, i: usize) -> String {
        format!("{}{}", self.found(i, MAX_ECHO), case_hint(self.word_at(i)))
    }

    /// Enters one level of nesting (a parenthesis or `not` at `at`).
    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::new(
                at,
                format!(
                    "expression is nested too deeply: at most {MAX_DEPTH} levels of parentheses and 'not' \
                     are allowed"
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `or_expr := and_expr ('or' and_expr)*`, left-associative, iterative.
    fn parse_or(&mut self, context: &str) -> Result<Filter, FilterError> {
        let mut left = self.parse_and(context)?;
        loop {
            self.skip_ws();
            if !self.eat_keyword("or") {
                return Ok(left);
            }
            let right = self.parse_and("after 'or'")?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
    }

    /// `and_expr := unary ('and' unary)*`, left-associative, iterative.
    fn parse_and(&mut self, context: &str) -> Result<Filter, FilterError> {
        let mut left = self.parse_unary(context)?;
        loop {
            self.skip_ws();
            if !self.eat_keyword("and") {
                return Ok(left);
            }
            let right = self.parse_unary("after 'and'")?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
    }

    /// `unary := 'not' unary | primary`; recursion bounded by [`MAX_DEPTH`].
    fn parse_unary(&mut self, context: &str) -> Result<Filter, FilterError> {
        self.skip_ws();
        let start = self.pos;
        if self.eat_keyword("not") {
            self.enter(start)?;
            let inner = self.parse_unary("after 'not'")?;
            self.leave();
            return Ok(Filter::Not(Box::new(inner)));
        }
        self.parse_primary(context)
    }

    /// `primary := '(' or_expr ')' | comparison | any`.
    fn parse_primary(&mut self, context: &str) -> Result<Filter, FilterError> {
        self.skip_ws();
        let start = self.pos;
        let Some(b) = self.peek() else {
            return Err(FilterError::new(
                start,
                format!("expected a condition {context} but found end of input"),
            ));
        };
        if b == b'(' {
            self.enter(start)?;
            self.pos += 1;
            let inner = self.parse_or("after '('")?;
            self.skip_ws();
            return match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    self.leave();
                    Ok(inner)
                }
                None => Err(FilterError::new(
                    self.pos,
                    format!("missing ')' to close the '(' at position {start}"),
                )),
                Some(_) => Err(FilterError::new(
                    self.pos,
                    format!(
                        "expected 'and', 'or' or ')' but found {}",
                        self.found_with_hint(self.pos)
                    ),
                )),
            };
        }
        let is_number = b.is_ascii_digit()
            || (matches!(b, b'-' | b'+' | b'.')
                && self.byte_at(start + 1).is_some_and(|n| n.is_ascii_digit()));
        let word = self.word_at(start);
        if b == b'\'' || is_number || matches!(word, "true" | "false" | "null") {
            return Err(FilterError::new(
                start,
                format!(
                    "expected a property name {context} but found {}: a literal on the left is not \
                     supported, the property must come first, as in displayName eq '…'",
                    self.found(start, MAX_ECHO)
                ),
            ));
        }
        if b == b'"' {
            return Err(FilterError::new(
                start,
                "string literals must be enclosed in single quotes ('…'), and the property must come first",
            ));
        }
        if word.is_empty() {
            return Err(FilterError::new(
                start,
                format!(
                    "expected a condition {context} but found {}",
                    self.found(start, MAX_ECHO)
                ),
            ));
        }
        if let Some(field) = Field::from_name(word) {
            return self.parse_comparison(field, start);
        }
        if let Some(collection) = Collection::from_name(word) {
            return self.parse_any(collection, start);
        }
        let shown = show(word, MAX_ECHO);
        let followed_by_paren = self.byte_at(self.ws_end(start + word.len())) == Some(b'(');
        let message = match word {
            "and" | "or" => format!("expected a condition {context} but found '{word}'"),
            "any" | "all" => {
                format!("{word}() must follow a collection, as in categories/any(c: c eq '…')")
            }
            _ if followed_by_paren => format!(
                "function '{shown}()' is not supported; only comparisons, any(), 'and', 'or', 'not' and \
                 parentheses are"
            ),
            _ => format!(
                "unknown property '{shown}'{}; supported: {SUPPORTED_PROPERTIES}",
                case_hint(word)
            ),
        };
        Err(FilterError::new(start, message))
    }

    /// `comparison := field op literal`, the field name starting at `start`.
    fn parse_comparison(&mut self, field: Field, start: usize) -> Result<Filter, FilterError> {
        let name = field.name();
        self.pos = start + name.len();
        self.skip_ws();
        let op_pos = self.pos;
        let word = self.word_at(op_pos);
        let allowed = if field.is_time() {
            "'eq', 'ne', 'gt', 'ge', 'lt' or 'le'"
        } else {
            "'eq' or 'ne'"
        };
        let Some(op) = CompareOp::from_keyword(word) else {
            let message = match word {
                _ if self.peek() == Some(b'/') => format!(
                    "{name} is not a collection: any() is only supported on categories and collaborationTags"
                ),
                "in" => format!(
                    "the 'in' operator is not supported: expected {allowed} after {name} (join several 'eq' \
                     comparisons with 'or' instead)"
                ),
                "has" => format!("the 'has' operator is not supported: expected {allowed} after {name}"),
                "add" | "sub" | "mul" | "div" | "divby" | "mod" => {
                    format!("arithmetic ('{word}') is not supported: expected {allowed} after {name}")
                }
                _ => format!(
                    "expected {allowed} after {name} but found {}",
                    self.found_with_hint(op_pos)
                ),
            };
            return Err(FilterError::new(op_pos, message));
        };
        if !field.is_time() && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
            return Err(FilterError::new(
                op_pos,
                format!("operator '{word}' is not supported for {name}: only 'eq' and 'ne' are"),
            ));
        }
        self.pos = op_pos + word.len();
        self.skip_ws();
        if field.is_time() {
            let value = self.date_time_value(field, op)?;
            Ok(Filter::Time { field, op, value })
        } else {
            let value = self.string_value(&format!("{name} {word}"))?;
            Ok(Filter::Text { field, op, value })
        }
    }

    /// A string literal at the current position; `after` names what precedes it.
    fn string_value(&mut self, after: &str) -> Result<String, FilterError> {
        let start = self.pos;
        match self.peek() {
            Some(b'\'') => {
                let (value, end) = self.string_literal(start)?;
                self.pos = end;
                Ok(value)
            }
            Some(b'"') => Err(FilterError::new(
                start,
                "string literals must be enclosed in single quotes ('…'), not double quotes",
            )),
            _ => {
                let extra = if is_property_name(self.word_at(start)) {
                    "; comparing two properties is not supported"
                } else {
                    ""
                };
                Err(FilterError::new(
                    start,
                    format!(
                        "expected a string literal in single quotes after '{after}' but found {}{extra}",
                        self.found(start, MAX_ECHO)
                    ),
                ))
            }
        }
    }

    /// The string literal whose opening quote is at `start`: its value (with `''` read as `'`)
    /// and the offset just past its closing quote.
    fn string_literal(&self, start: usize) -> Result<(String, usize), FilterError> {
        let mut value = String::new();
        let mut i = start + 1;
        let mut segment = i;
        loop {
            match self.byte_at(i) {
                None => {
                    return Err(FilterError::new(
                        start,
                        "unterminated string literal: the quote here has no closing quote",
                    ))
                }
                Some(b'\'') => {
                    value.push_str(self.slice(segment, i));
                    if self.byte_at(i + 1) == Some(b'\'') {
                        value.push('\'');
                        i += 2;
                        segment = i;
                    } else {
                        return Ok((value, i + 1));
                    }
                }
                Some(_) => i += 1,
            }
        }
    }

    /// A date-time literal, bare or in single quotes, at the current position.
    fn date_time_value(&mut self, field: Field, op: CompareOp) -> Result<DateTime<Utc>, FilterError> {
        let start = self.pos;
        let after = format!("{} {}", field.name(), op.keyword());
        let (text, base, end) = match self.peek() {
            Some(b'\'') => {
                let (value, end) = self.string_literal(start)?;
                (value, start + 1, end)
            }
            Some(b) if b.is_ascii_alphanumeric() => {
                let end = self.run_end(start, is_literal_char);
                let word = self.word_at(start);
                if is_property_name(word) {
                    return Err(FilterError::new(
                        start,
                        format!(
                            "comparing two properties is not supported: expected a date-time literal such as \
                             {DATE_TIME_EXAMPLE} after '{after}'"
                        ),
                    ));
                }
                (self.slice(start, end).to_string(), start, end)
            }
            _ => {
                let found = self.found(start, MAX_ECHO);
                let message = format!(
                    "expected a date-time literal such as {DATE_TIME_EXAMPLE} after '{after}' but found \
                     {found}"
                );
                return Err(FilterError::new(start, message));
            }
        };
        match parse_date_time(&text) {
            Ok(value) => {
                self.pos = end;
                Ok(value)
            }
            Err((offset, reason)) => Err(FilterError::new(
                base + offset,
                format!(
                    "invalid date-time literal '{}': {reason}; expected a form like {DATE_TIME_EXAMPLE}",
                    show(&text, MAX_ECHO)
                ),
            )),
        }
    }

    /// `any := collection '/' 'any' '(' var ':' body ')'`, the collection name starting at `start`.
    fn parse_any(&mut self, collection: Collection, start: usize) -> Result<Filter, FilterError> {
        let name = collection.name();
        self.pos = start + name.len();
        self.skip_ws();
        if self.peek() != Some(b'/') {
            return Err(FilterError::new(
                self.pos,
                format!(
                    "{name} is a collection: expected '/any(' after it, as in {name}/any(x: x eq '…'), but \
                     found {}",
                    self.found(self.pos, MAX_ECHO)
                ),
            ));
        }
        self.pos += 1;
        self.skip_ws();
        let word = self.word_at(self.pos);
        match word {
            "any" => self.pos += word.len(),
            "all" => {
                return Err(FilterError::new(
                    self.pos,
                    format!("all() is not supported: use {name}/any(…)"),
                ))
            }
            _ => {
                return Err(FilterError::new(
                    self.pos,
                    format!(
                        "expected 'any' after '{name}/' but found {}",
                        self.found_with_hint(self.pos)
                    ),
                ))
            }
        }
        self.skip_ws();
        let open = self.pos;
        if self.peek() != Some(b'(') {
            return Err(FilterError::new(
                open,
                format!(
                    "expected '(' after '{name}/any' but found {}",
                    self.found(open, MAX_ECHO)
                ),
            ));
        }
        self.enter(open)?;
        self.pos += 1;
        self.skip_ws();
        if matches!(self.peek(), Some(b')') | None) {
            return Err(FilterError::new(
                self.pos,
                format!("{name}/any() needs a condition, as in {name}/any(x: x eq '…')"),
            ));
        }
        let var_pos = self.pos;
        let var = self.word_at(var_pos);
        if var.is_empty() {
            return Err(FilterError::new(
                var_pos,
                format!(
                    "expected a lambda variable name after '{name}/any(', as in {name}/any(x: x eq '…'), but \
                     found {}",
                    self.found(var_pos, MAX_ECHO)
                ),
            ));
        }
        self.pos += var.len();
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(FilterError::new(
                self.pos,
                format!(
                    "expected ':' after the lambda variable '{}' but found {}",
                    show(var, 16),
                    self.found(self.pos, 24)
                ),
            ));
        }
        self.pos += 1;
        let mut values = Vec::new();
        self.parse_any_or(var, &mut values)?;
        self.skip_ws();
        match self.peek() {
            Some(b')') => {
                self.pos += 1;
                self.leave();
                Ok(Filter::Any { collection, values })
            }
            None => Err(FilterError::new(
                self.pos,
                format!("missing ')' to close the 'any(' at position {open}"),
            )),
            Some(_) => Err(self.any_body_error(self.pos, var)),
        }
    }

    fn any_body_error(&self, at: usize, var: &str) -> FilterError {
        FilterError::new(
            at,
            format!(
                "inside any(), only `{} eq '…'` joined by `or` is supported, but found {}",
                show(var, 16),
                self.found(at, 24)
            ),
        )
    }

    /// `any_or := any_item ('or' any_item)*`, iterative.
    fn parse_any_or(&mut self, var: &str, values: &mut Vec<String>) -> Result<(), FilterError> {
        loop {
            self.parse_any_item(var, values)?;
            self.skip_ws();
            if !self.eat_keyword("or") {
                return Ok(());
            }
        }
    }

    /// `any_item := '(' any_or ')' | var 'eq' string`; recursion bounded by [`MAX_DEPTH`].
    fn parse_any_item(&mut self, var: &str, values: &mut Vec<String>) -> Result<(), FilterError> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some(b'(') {
            self.enter(start)?;
            self.pos += 1;
            self.parse_any_or(var, values)?;
            self.skip_ws();
            return match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    self.leave();
                    Ok(())
                }
                None => Err(FilterError::new(
                    self.pos,
                    format!("missing ')' to close the '(' at position {start}"),
                )),
                Some(_) => Err(self.any_body_error(self.pos, var)),
            };
        }
        if self.word_at(start) != var {
            return Err(self.any_body_error(start, var));
        }
        self.pos += var.len();
        self.skip_ws();
        if !self.eat_keyword("eq") {
            return Err(self.any_body_error(self.pos, var));
        }
        self.skip_ws();
        if self.peek() != Some(b'\'') {
            return Err(self.any_body_error(self.pos, var));
        }
        let (value, end) = self.string_literal(self.pos)?;
        if values.len() >= MAX_ANY_VALUES {
            return Err(FilterError::new(
                start,
                format!("too many values in any(): at most {MAX_ANY_VALUES} are supported"),
            ));
        }
        self.pos = end;
        values.push(value);
        Ok(())
    }
}

/// A cursor over the bytes of a date-time literal; errors are (offset, reason).
struct Cursor<'a> {
    bytes: &'a [u8],
    i: usize,
}

type DateTimeError = (usize, String);

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn digits(&mut self, count: usize, what: &str) -> Result<u32, DateTimeError> {
        let mut value = 0u32;
        for k in 0..count {
            match self.bytes.get(self.i + k) {
                Some(&d) if d.is_ascii_digit() => value = value * 10 + u32::from(d - b'0'),
                _ => return Err((self.i + k, format!("expected {count} digits for the {what}"))),
            }
        }
        self.i += count;
        Ok(value)
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), DateTimeError> {
        if self.peek() == Some(byte) {
            self.i += 1;
            Ok(())
        } else {
            Err((self.i, format!("expected {what}")))
        }
    }
}

/// Parses `YYYY-MM-DDThh:mm[:ss[.fffffffff]](Z|±hh:mm)` (OData `dateTimeOffsetValue`, RFC 3339)
/// into UTC. Up to 12 fractional digits are accepted; those past the 9th (nanoseconds) are dropped.
fn parse_date_time(s: &str) -> Result<DateTime<Utc>, DateTimeError> {
    let mut c = Cursor {
        bytes: s.as_bytes(),
        i: 0,
    };
    let year = c.digits(4, "year")?;
    c.expect(b'-', "'-' after the year")?;
    let month_pos = c.i;
    let month = c.digits(2, "month")?;
    c.expect(b'-', "'-' after the month")?;
    let day_pos = c.i;
    let day = c.digits(2, "day")?;
    match c.peek() {
        None => {
            return Err((
                c.i,
                "a time and a time zone are needed after the date".to_string(),
            ))
        }
        Some(b'T' | b't') => c.i += 1,
        Some(_) => return Err((c.i, "expected 'T' between the date and the time".to_string())),
    }
    let hour_pos = c.i;
    let hour = c.digits(2, "hour")?;
    c.expect(b':', "':' after the hour")?;
    let minute_pos = c.i;
    let minute = c.digits(2, "minute")?;
    let mut second_pos = c.i;
    let mut second = 0;
    let mut nano = 0u32;
    if c.peek() == Some(b':') {
        c.i += 1;
        second_pos = c.i;
        second = c.digits(2, "second")?;
        if c.peek() == Some(b'.') {
            c.i += 1;
            let fraction_pos = c.i;
            let mut count = 0usize;
            while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
                if count < 9 {
                    nano = nano * 10 + u32::from(d - b'0');
                }
                count += 1;
                c.i += 1;
            }
            if count == 0 || count > 12 {
                return Err((
                    fraction_pos,
                    "expected 1 to 12 digits of fractional seconds after '.'".to_string(),
                ));
            }
            for _ in count..9 {
                nano *= 10;
            }
        }
    }
    let zone_pos = c.i;
    let offset_seconds: i32 = match c.peek() {
        None => {
            return Err((
                c.i,
                "a time zone is needed: 'Z' or an offset such as +02:00".to_string(),
            ));
        }
        Some(b'Z' | b'z') => {
            c.i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let hours = c.digits(2, "time zone offset hours")?;
            c.expect(b':', "':' in the time zone offset")?;
            let minutes = c.digits(2, "time zone offset minutes")?;
            if hours > 23 || minutes > 59 {
                return Err((zone_pos, "time zone offset out of range".to_string()));
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60)
                .map_err(|_| (zone_pos, "time zone offset out of range".to_string()))?;
            if sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        Some(_) => {
            return Err((
                c.i,
                "expected 'Z' or an offset such as +02:00 after the time".to_string(),
            ));
        }
    };
    if c.i < s.len() {
        return Err((c.i, "unexpected characters after the time zone".to_string()));
    }
    if !(1..=12).contains(&month) {
        return Err((month_pos, format!("month {month:02} does not exist")));
    }
    let date = i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
        .ok_or_else(|| {
            (
                day_pos,
                format!("day {day:02} does not exist in {year:04}-{month:02}"),
            )
        })?;
    if hour > 23 {
        return Err((hour_pos, "the hour must be 00 to 23".to_string()));
    }
    if minute > 59 {
        return Err((minute_pos, "the minute must be 00 to 59".to_string()));
    }
    if second > 59 {
        return Err((second_pos, "the second must be 00 to 59".to_string()));
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nano)
        .ok_or_else(|| (hour_pos, "invalid time of day".to_string()))?;
    let offset = FixedOffset::east_opt(offset_seconds)
        .ok_or_else(|| (zone_pos, "time zone offset out of range".to_string()))?;
    let local = offset
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
        .ok_or_else(|| (0, "date-time out of range".to_string()))?;
    Ok(local.with_timezone(&Utc))
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    // ---------- helpers ----------

    fn ok(input: &str) -> Filter {
        match parse(input) {
            Ok(filter) => filter,
            Err(e) => panic!("{input:?} was rejected: {e}"),
        }
    }

    fn err(input: &str) -> FilterError {
        match parse(input) {
            Ok(filter) => panic!("{input:?} was accepted as {filter:?}"),
            Err(e) => e,
        }
    }

    /// Asserts the error position and that the message contains every needle.
    fn err_at(input: &str, position: usize, needles: &[&str]) -> FilterError {
        let e = err(input);
        assert_eq!(e.position, position, "position for {input:?}: {e}");
        for needle in needles {
            assert!(
                e.message.contains(needle),
                "message for {input:?} lacks {needle:?}: {}",
                e.message
            );
        }
        e
    }

    fn text(field: Field, op: CompareOp, value: &str) -> Filter {
        Filter::Text {
            field,
            op,
            value: value.to_string(),
        }
    }

    fn dn(value: &str) -> Filter {
        text(Field::DisplayName, CompareOp::Eq, value)
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().unwrap()
    }

    fn time(field: Field, op: CompareOp, value: DateTime<Utc>) -> Filter {
        Filter::Time { field, op, value }
    }

    fn created_eq(value: DateTime<Utc>) -> Filter {
        time(Field::CreatedDateTime, CompareOp::Eq, value)
    }

    /// The value of `createdDateTime eq <literal>`.
    fn dt(literal: &str) -> DateTime<Utc> {
        match ok(&format!("createdDateTime eq {literal}")) {
            Filter::Time { value, .. } => value,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn and(a: Filter, b: Filter) -> Filter {
        Filter::And(Box::new(a), Box::new(b))
    }

    fn or(a: Filter, b: Filter) -> Filter {
        Filter::Or(Box::new(a), Box::new(b))
    }

    fn not(a: Filter) -> Filter {
        Filter::Not(Box::new(a))
    }

    fn any(collection: Collection, values: &[&str]) -> Filter {
        Filter::Any {
            collection,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn cats(values: &[&str]) -> Filter {
        any(Collection::Categories, values)
    }

    /// Runs `f` on a thread with a small stack, proving that recursion stays bounded.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    /// Asserts that no 43 consecutive characters of `input` appear in the error message (40 quoted
    /// characters may coincide with the message's own delimiters, such as a space and a quote).
    fn assert_echo_bounded(input: &str) {
        let e = err(input);
        let chars: Vec<char> = input.chars().collect();
        for window in chars.windows(MAX_ECHO + 3) {
            let window: String = window.iter().collect();
            assert!(
                !e.message.contains(&window),
                "message echoes too much of {input:?}: {}",
                e.message
            );
        }
    }

    // ---------- comparisons on text fields ----------

    #[test]
    fn text_fields_with_eq_and_ne() {
        for (name, field) in [
            ("displayName", Field::DisplayName),
            ("allowedAudiences", Field::AllowedAudiences),
        ] {
            for (kw, op) in [("eq", CompareOp::Eq), ("ne", CompareOp::Ne)] {
                assert_eq!(ok(&format!("{name} {kw} 'me'")), text(field, op, "me"));
            }
        }
    }

    #[test]
    fn text_fields_reject_ordering_operators() {
        for kw in ["gt", "ge", "lt", "le"] {
            err_at(
                &format!("displayName {kw} 'a'"),
                12,
                &[kw, "only 'eq' and 'ne'", "displayName"],
            );
            err_at(
                &format!("allowedAudiences {kw} 'me'"),
                17,
                &[kw, "only 'eq' and 'ne'", "allowedAudiences"],
            );
        }
    }

    #[test]
    fn spec_example_message_and_display() {
        let e = err_at(
            "displayName foo 'x'",
            12,
            &["expected 'eq' or 'ne' after displayName", "'foo'"],
        );
        assert!(e
            .to_string()
            .starts_with("at position 12: expected 'eq' or 'ne' after displayName"));
    }

    #[test]
    fn missing_operator_or_value() {
        err_at(
            "displayName",
            11,
            &["expected 'eq' or 'ne' after displayName", "end of input"],
        );
        err_at(
            "displayName eq",
            14,
            &["expected a string literal", "'displayName eq'", "end of input"],
        );
        err_at(
            "displayName eq 'a' and displayName ne",
            37,
            &["'displayName ne'", "end of input"],
        );
        err_at("displayName = 'a'", 12, &["expected 'eq' or 'ne'", "'='"]);
        err_at("displayName == 'a'", 12, &["'='"]);
    }

    #[test]
    fn text_value_must_be_a_single_quoted_string() {
        err_at(
            "displayName eq abc",
            15,
            &["expected a string literal in single quotes", "'abc'"],
        );
        err_at("displayName eq \"abc\"", 15, &["single quotes", "double quotes"]);
        err_at("displayName eq 5", 15, &["expected a string literal", "'5'"]);
        err_at("displayName eq 1.5", 15, &["'1.5'"]);
        err_at("displayName eq true", 15, &["'true'"]);
        err_at("displayName eq null", 15, &["'null'"]);
        err_at(
            "allowedAudiences eq 2024-01-01T00:00:00Z",
            20,
            &["'2024-01-01T00:00:00Z'"],
        );
        err_at(
            "displayName eq allowedAudiences",
            15,
            &["comparing two properties is not supported"],
        );
        err_at("displayName eq (", 15, &["expected a string literal", "'('"]);
    }

    // ---------- string literals ----------

    #[test]
    fn string_literal_escapes_and_contents() {
        assert_eq!(ok("displayName eq ''"), dn(""));
        assert_eq!(ok("displayName eq 'it''s'"), dn("it's"));
        assert_eq!(ok("displayName eq ''''"), dn("'"));
        assert_eq!(ok("displayName eq ''''''"), dn("''"));
        assert_eq!(ok("displayName eq 'a'''"), dn("a'"));
        assert_eq!(ok("displayName eq '''a'"), dn("'a"));
        assert_eq!(ok("displayName eq 'a) or (b'"), dn("a) or (b"));
        assert_eq!(ok("displayName eq ' not and or eq '"), dn(" not and or eq "));
        assert_eq!(ok("displayName eq 'tab\there'"), dn("tab\there"));
        assert_eq!(
            ok("displayName eq 'back\\slash \"dq\"'"),
            dn("back\\slash \"dq\"")
        );
    }

    #[test]
    fn unicode_strings() {
        assert_eq!(ok("displayName eq 'Café ☕ 日本語 🎉'"), dn("Café ☕ 日本語 🎉"));
        assert_eq!(
            ok("categories/any(c: c eq 'Ünïcödé' or c eq 'Ελληνικά')"),
            cats(&["Ünïcödé", "Ελληνικά"])
        );
    }

    #[test]
    fn positions_are_byte_offsets() {
        // 'Café' takes 7 bytes but 6 characters.
        err_at("displayName eq 'Café' foo", 23, &["'foo'"]);
        err_at("displayName eq '日本' )", 24, &["no matching '('"]);
    }

    #[test]
    fn unterminated_strings() {
        err_at("displayName eq 'abc", 15, &["unterminated string literal"]);
        err_at("displayName eq 'it''s", 15, &["unterminated"]);
        err_at("displayName eq 'a''", 15, &["unterminated"]);
        err_at("displayName eq '", 15, &["unterminated"]);
        err_at("displayName eq 'a' or displayName eq 'b", 37, &["unterminated"]);
        err_at("categories/any(c: c eq 'a)", 23, &["unterminated"]);
        err_at("createdDateTime eq '2024-01-01T00:00:00Z", 19, &["unterminated"]);
    }

    // ---------- date-times ----------

    #[test]
    fn time_fields_with_every_operator() {
        let value = utc(2024, 1, 1, 0, 0, 0);
        for (name, field) in [
            ("createdDateTime", Field::CreatedDateTime),
            ("lastModifiedDateTime", Field::LastModifiedDateTime),
        ] {
            for op in CompareOp::ALL {
                let input = format!("{name} {} 2024-01-01T00:00:00Z", op.keyword());
                assert_eq!(ok(&input), time(field, op, value), "{input}");
            }
        }
    }

    #[test]
    fn time_zones_are_converted_to_utc() {
        assert_eq!(dt("2024-01-01T10:00:00+02:00"), utc(2024, 1, 1, 8, 0, 0));
        assert_eq!(dt("2024-01-01T10:00:00-05:30"), utc(2024, 1, 1, 15, 30, 0));
        assert_eq!(dt("2024-01-01T01:00:00+02:00"), utc(2023, 12, 31, 23, 0, 0));
        assert_eq!(dt("2023-12-31T23:30:00-01:00"), utc(2024, 1, 1, 0, 30, 0));
        assert_eq!(dt("2024-06-15T12:00:00+00:00"), utc(2024, 6, 15, 12, 0, 0));
        assert_eq!(dt("2024-06-15T12:00:00-00:00"), utc(2024, 6, 15, 12, 0, 0));
        assert_eq!(dt("2024-06-15T12:00:00+23:59"), utc(2024, 6, 14, 12, 1, 0));
        assert_eq!(dt("2024-06-15t12:00:00z"), utc(2024, 6, 15, 12, 0, 0));
    }

    #[test]
    fn fractional_seconds() {
        assert_eq!(
            dt("2024-01-01T00:00:00.1234567Z").timestamp_subsec_nanos(),
            123_456_700
        );
        assert_eq!(dt("2024-01-01T00:00:00.5Z").timestamp_subsec_nanos(), 500_000_000);
        assert_eq!(dt("2024-01-01T00:00:00.000000001Z").timestamp_subsec_nanos(), 1);
        assert_eq!(
            dt("2024-01-01T00:00:00.123456789Z").timestamp_subsec_nanos(),
            123_456_789
        );
        assert_eq!(
            dt("2024-01-01T00:00:00.123456789999Z").timestamp_subsec_nanos(),
            123_456_789
        );
        let v = dt("2024-01-01T10:00:00.25+02:00");
        assert_eq!(v.timestamp_subsec_nanos(), 250_000_000);
        assert_eq!(v.timestamp(), utc(2024, 1, 1, 8, 0, 0).timestamp());
        err_at(
            "createdDateTime eq 2024-01-01T00:00:00.Z",
            39,
            &["fractional seconds"],
        );
        err_at(
            "createdDateTime eq 2024-01-01T00:00:00.1234567890123Z",
            39,
            &["1 to 12 digits"],
        );
    }

    #[test]
    fn quoted_date_time_is_the_same_as_bare() {
        let bare = ok("lastModifiedDateTime lt 2024-03-10T08:15:30.5-07:00");
        let quoted = ok("lastModifiedDateTime lt '2024-03-10T08:15:30.5-07:00'");
        assert_eq!(bare, quoted);
        assert_eq!(
            ok("createdDateTime ge '2024-01-01T00:00:00Z' and displayName eq 'x'"),
            and(
                time(Field::CreatedDateTime, CompareOp::Ge, utc(2024, 1, 1, 0, 0, 0)),
                dn("x")
            )
        );
    }

    #[test]
    fn date_time_without_seconds_and_leap_day() {
        assert_eq!(dt("2024-01-01T10:30Z"), utc(2024, 1, 1, 10, 30, 0));
        assert_eq!(dt("2024-02-29T00:00:00Z"), utc(2024, 2, 29, 0, 0, 0));
        assert_eq!(dt("2000-02-29T00:00:00Z"), utc(2000, 2, 29, 0, 0, 0));
    }

    #[test]
    fn date_time_followed_by_parenthesis() {
        assert_eq!(
            ok("(createdDateTime eq 2024-01-01T00:00:00Z)"),
            created_eq(utc(2024, 1, 1, 0, 0, 0))
        );
        assert_eq!(
            ok("not(createdDateTime eq 2024-01-01T00:00:00+01:00)or displayName eq 'a'"),
            or(not(created_eq(utc(2023, 12, 31, 23, 0, 0))), dn("a"))
        );
    }

    #[test]
    fn date_without_time_is_an_error() {
        err_at(
            "createdDateTime ge 2024-01-01",
            29,
            &["a time and a time zone are needed", "'2024-01-01'"],
        );
        err_at(
            "createdDateTime ge '2024-01-01'",
            30,
            &["a time and a time zone are needed"],
        );
        err_at(
            "createdDateTime ge 2024-01-01 and displayName eq 'a'",
            29,
            &["a time and a time zone"],
        );
    }

    #[test]
    fn date_time_without_zone_is_an_error() {
        err_at(
            "createdDateTime lt 2024-01-01T00:00:00",
            38,
            &["a time zone is needed"],
        );
        err_at(
            "createdDateTime lt 2024-01-01T00:00",
            35,
            &["a time zone is needed"],
        );
        err_at(
            "createdDateTime lt 2024-01-01T00:00:00.123",
            42,
            &["a time zone is needed"],
        );
        err_at(
            "createdDateTime lt 2024-01-01T00:00:00+0200",
            41,
            &["':' in the time zone offset"],
        );
    }

    #[test]
    fn invalid_date_time_parts() {
        err_at(
            "createdDateTime eq 2024-13-01T00:00:00Z",
            24,
            &["month 13 does not exist"],
        );
        err_at("createdDateTime eq 2024-00-01T00:00:00Z", 24, &["month 00"]);
        err_at(
            "createdDateTime eq 2024-02-30T00:00:00Z",
            27,
            &["day 30 does not exist in 2024-02"],
        );
        err_at("createdDateTime eq 2023-02-29T00:00:00Z", 27, &["day 29"]);
        err_at("createdDateTime eq 2024-01-00T00:00:00Z", 27, &["day 00"]);
        err_at("createdDateTime eq 2024-01-01T24:00:00Z", 30, &["hour"]);
        err_at("createdDateTime eq 2024-01-01T00:60:00Z", 33, &["minute"]);
        err_at("createdDateTime eq 2024-01-01T00:00:60Z", 36, &["second"]);
        err_at(
            "createdDateTime eq 2024-01-01T00:00:00+24:00",
            38,
            &["offset out of range"],
        );
        err_at(
            "createdDateTime eq 2024-01-01T00:00:00+02:60",
            38,
            &["offset out of range"],
        );
        err_at(
            "createdDateTime eq 2024-01-01T00:00:00Zx",
            39,
            &["after the time zone"],
        );
        err_at(
            "createdDateTime eq 2024-1-01T00:00:00Z",
            25,
            &["2 digits for the month"],
        );
        err_at(
            "createdDateTime eq 24-01-01T00:00:00Z",
            21,
            &["4 digits for the year"],
        );
        err_at(
            "createdDateTime eq 2024/01/01T00:00:00Z",
            23,
            &["'-' after the year"],
        );
        err_at("createdDateTime eq '2024-01-01 00:00:00Z'", 30, &["expected 'T'"]);
        err_at(
            "createdDateTime eq 2024-01-01T00:00:00 Z",
            38,
            &["a time zone is needed"],
        );
        err_at(
            "createdDateTime eq 2024-01-01T00:00:00#",
            38,
            &["a time zone is needed"],
        );
        err_at(
            "createdDateTime eq '2024-01-01T00:00:00#'",
            39,
            &["expected 'Z' or an offset"],
        );
    }

    #[test]
    fn time_value_must_be_a_date_time() {
        err_at(
            "createdDateTime eq 'hello'",
            20,
            &["invalid date-time literal 'hello'", "2024-01-01T00:00:00Z"],
        );
        err_at("createdDateTime eq ''", 20, &["invalid date-time literal ''"]);
        err_at("createdDateTime eq 5", 20, &["invalid date-time literal '5'"]);
        err_at(
            "createdDateTime eq true",
            19,
            &["invalid date-time literal 'true'"],
        );
        err_at(
            "createdDateTime eq lastModifiedDateTime",
            19,
            &["comparing two properties"],
        );
        err_at(
            "createdDateTime eq",
            18,
            &["expected a date-time literal", "end of input"],
        );
        err_at(
            "createdDateTime eq \"2024-01-01T00:00:00Z\"",
            19,
            &["expected a date-time literal", "'\"'"],
        );
        err_at(
            "createdDateTime foo 2024-01-01T00:00:00Z",
            16,
            &[
                "expected 'eq', 'ne', 'gt', 'ge', 'lt' or 'le' after createdDateTime",
                "'foo'",
            ],
        );
    }

    // ---------- any() ----------

    #[test]
    fn any_on_both_collections() {
        assert_eq!(ok("categories/any(c: c eq 'x')"), cats(&["x"]));
        assert_eq!(
            ok("collaborationTags/any(t: t eq 'ableToMentor')"),
            any(Collection::CollaborationTags, &["ableToMentor"])
        );
    }

    #[test]
    fn any_values_keep_order_and_duplicates() {
        assert_eq!(
            ok("categories/any(c: c eq 'b' or c eq 'a' or c eq 'b')"),
            cats(&["b", "a", "b"])
        );
        assert_eq!(
            ok("categories/any(c: c eq '' or c eq 'it''s')"),
            cats(&["", "it's"])
        );
    }

    #[test]
    fn any_body_parentheses() {
        let ab = cats(&["a", "b"]);
        assert_eq!(ok("categories/any(c: (c eq 'a' or c eq 'b'))"), ab);
        assert_eq!(ok("categories/any(c: c eq 'a' or (c eq 'b'))"), ab);
        assert_eq!(ok("categories/any(c: ((c eq 'a')) or ((c eq 'b')))"), ab);
        assert_eq!(ok("categories/any(c:(c eq 'a')or(c eq 'b'))"), ab);
        assert_eq!(
            ok("categories/any(c: (c eq 'a' or (c eq 'b' or c eq 'c')) or c eq 'd')"),
            cats(&["a", "b", "c", "d"])
        );
    }

    #[test]
    fn any_whitespace_and_variable_names() {
        let x = cats(&["x"]);
        assert_eq!(ok("categories/any(c:c eq 'x')"), x);
        assert_eq!(ok("categories/any( c : c eq 'x' )"), x);
        assert_eq!(ok("categories/any(c :c eq 'x')"), x);
        assert_eq!(ok("categories/any(\tc:\n\tc  eq\t'x'\r\n)"), x);
        assert_eq!(ok("categories / any (c: c eq 'x')"), x);
        assert_eq!(ok("categories/any(_tag1: _tag1 eq 'x')"), x);
        assert_eq!(ok("categories/any(Item: Item eq 'x')"), x);
        assert_eq!(
            ok("categories/any(or: or eq 'x' or or eq 'y')"),
            cats(&["x", "y"])
        );
    }

    #[test]
    fn any_combined_with_other_conditions() {
        assert_eq!(
            ok(
                "categories/any(c: c eq 'Sports') and not (displayName eq 'Chess') and createdDateTime ge \
                2024-01-01T00:00:00Z"
            ),
            and(
                and(cats(&["Sports"]), not(dn("Chess"))),
                time(Field::CreatedDateTime, CompareOp::Ge, utc(2024, 1, 1, 0, 0, 0))
            )
        );
        assert_eq!(ok("not categories/any(c: c eq 'a')"), not(cats(&["a"])));
        assert_eq!(
            ok("categories/any(c: c eq 'a') or collaborationTags/any(t: t eq 'b')"),
            or(cats(&["a"]), any(Collection::CollaborationTags, &["b"]))
        );
    }

    #[test]
    fn any_body_restrictions() {
        let only = "inside any(), only `c eq '…'` joined by `or` is supported";
        err_at("categories/any(c: c eq 'a' and c eq 'b')", 27, &[only, "'and'"]);
        err_at("categories/any(c: c ne 'a')", 20, &[only, "'ne'"]);
        err_at("categories/any(c: c gt 'a')", 20, &[only]);
        err_at("categories/any(c: d eq 'a')", 18, &[only, "'d'"]);
        err_at(
            "categories/any(c: displayName eq 'a')",
            18,
            &[only, "'displayName'"],
        );
        err_at("categories/any(c: not c eq 'a')", 18, &[only, "'not'"]);
        err_at("categories/any(c: c eq 5)", 23, &[only, "'5'"]);
        err_at("categories/any(c: c eq d)", 23, &[only]);
        err_at("categories/any(c: 'a' eq c)", 18, &[only]);
        err_at("categories/any(c: c/x eq 'a')", 19, &[only, "'/'"]);
        err_at("categories/any(c: c eq 'a' or)", 29, &[only, "')'"]);
        err_at("categories/any(c: c eq 'a' c eq 'b')", 27, &[only]);
        err_at("categories/any(c: (c eq 'a' and c eq 'b'))", 28, &[only, "'and'"]);
        err_at(
            "categories/any(t: t eq 'a' or c eq 'b')",
            30,
            &["only `t eq '…'`", "'c'"],
        );
        err_at(
            "categories/any(c: startswith(c, 'a'))",
            18,
            &[only, "'startswith'"],
        );
        err_at("categories/any(c: c in ('a'))", 20, &[only, "'in'"]);
    }

    #[test]
    fn any_syntax_errors() {
        err_at("categories/any()", 15, &["needs a condition"]);
        err_at("categories/any( )", 16, &["needs a condition"]);
        err_at("categories/any(", 15, &["needs a condition"]);
        err_at("categories/all(c: c eq 'a')", 11, &["all() is not supported"]);
        err_at(
            "collaborationTags/all(t: t eq 'a')",
            18,
            &["all() is not supported"],
        );
        err_at("categories/any(c c eq 'a')", 17, &["expected ':'", "'c'"]);
        err_at("categories/any(c, c eq 'a')", 16, &["expected ':'"]);
        err_at("categories/any(: c eq 'a')", 15, &["lambda variable"]);
        err_at("categories/any(c:)", 17, &["only `c eq '…'`", "')'"]);
        err_at("categories/any(c: c eq 'a'", 26, &["missing ')'", "position 14"]);
        err_at(
            "categories/any(c: (c eq 'a')",
            28,
            &["missing ')'", "position 14"],
        );
        err_at("categories/any(c: (c eq 'a'", 27, &["missing ')'", "position 18"]);
        err_at(
            "categories eq 'x'",
            11,
            &["categories is a collection", "categories/any("],
        );
        err_at("categories", 10, &["is a collection", "end of input"]);
        err_at(
            "displayName/any(c: c eq 'a')",
            11,
            &["displayName is not a collection"],
        );
        err_at("categories/foo(c: c eq 'a')", 11, &["expected 'any'", "'foo'"]);
        err_at(
            "categories/ANY(c: c eq 'a')",
            11,
            &["expected 'any'", "write 'any'"],
        );
        err_at("categories/any c: c eq 'a'", 15, &["expected '('"]);
        err_at("any(c: c eq 'a')", 0, &["must follow a collection"]);
        err_at("all(c: c eq 'a')", 0, &["must follow a collection"]);
        err_at(
            "categories/any(c: c eq 'a') eq true",
            28,
            &["expected 'and', 'or' or end of input", "'eq'"],
        );
    }

    #[test]
    fn any_value_limit() {
        let body = |n: usize| {
            (0..n)
                .map(|i| format!("c eq 'v{i}'"))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        match ok(&format!("categories/any(c: {})", body(MAX_ANY_VALUES))) {
            Filter::Any { values, .. } => {
                assert_eq!(values.len(), MAX_ANY_VALUES);
                assert_eq!(values[0], "v0");
                assert_eq!(values[MAX_ANY_VALUES - 1], format!("v{}", MAX_ANY_VALUES - 1));
            }
            other => panic!("unexpected {other:?}"),
        }
        let input = format!("categories/any(c: {})", body(MAX_ANY_VALUES + 1));
        let last = input.rfind("c eq").unwrap();
        err_at(&input, last, &["too many values", "100"]);
    }

    // ---------- precedence and grouping ----------

    #[test]
    fn precedence_and_binds_tighter_than_or() {
        assert_eq!(
            ok("displayName eq 'a' or displayName eq 'b' and displayName eq 'c'"),
            or(dn("a"), and(dn("b"), dn("c")))
        );
        assert_eq!(
            ok("displayName eq 'a' and displayName eq 'b' or displayName eq 'c'"),
            or(and(dn("a"), dn("b")), dn("c"))
        );
    }

    #[test]
    fn precedence_not_binds_tightest() {
        assert_eq!(
            ok("not displayName eq 'a' and displayName eq 'b'"),
            and(not(dn("a")), dn("b"))
        );
        assert_eq!(
            ok("not displayName eq 'a' or displayName eq 'b'"),
            or(not(dn("a")), dn("b"))
        );
        assert_eq!(
            ok("displayName eq 'a' and not displayName eq 'b'"),
            and(dn("a"), not(dn("b")))
        );
        assert_eq!(
            ok("displayName eq 'a' or displayName eq 'b' and not displayName eq 'c' or displayName eq 'd'"),
            or(or(dn("a"), and(dn("b"), not(dn("c")))), dn("d"))
        );
    }

    #[test]
    fn and_or_are_left_associative() {
        assert_eq!(
            ok("displayName eq 'a' and displayName eq 'b' and displayName eq 'c'"),
            and(and(dn("a"), dn("b")), dn("c"))
        );
        assert_eq!(
            ok("displayName eq 'a' or displayName eq 'b' or displayName eq 'c'"),
            or(or(dn("a"), dn("b")), dn("c"))
        );
    }

    #[test]
    fn parentheses_group() {
        assert_eq!(
            ok("(displayName eq 'a' or displayName eq 'b') and displayName eq 'c'"),
            and(or(dn("a"), dn("b")), dn("c"))
        );
        assert_eq!(
            ok("displayName eq 'a' and (displayName eq 'b' or displayName eq 'c')"),
            and(dn("a"), or(dn("b"), dn("c")))
        );
        assert_eq!(ok("((displayName eq 'a'))"), dn("a"));
        assert_eq!(
            ok("not (displayName eq 'a' or displayName eq 'b')"),
            not(or(dn("a"), dn("b")))
        );
    }

    #[test]
    fn not_forms() {
        assert_eq!(ok("not(displayName eq 'x')"), not(dn("x")));
        assert_eq!(ok("not displayName eq 'x'"), not(dn("x")));
        assert_eq!(ok("not (displayName eq 'x')"), not(dn("x")));
        assert_eq!(ok("not not displayName eq 'x'"), not(not(dn("x"))));
        assert_eq!(ok("not(not(displayName eq 'x'))"), not(not(dn("x"))));
        assert_eq!(ok("not\tdisplayName eq 'x'"), not(dn("x")));
        err_at("not", 3, &["expected a condition after 'not'", "end of input"]);
        err_at("not )", 4, &["after 'not'", "')'"]);
        err_at("notdisplayName eq 'x'", 0, &["unknown property 'notdisplayName'"]);
        err_at("NOT displayName eq 'x'", 0, &["write 'not'"]);
    }

    // ---------- whitespace ----------

    #[test]
    fn lenient_whitespace() {
        let expected = and(dn("a"), dn("b"));
        for input in [
            "displayName eq 'a' and displayName eq 'b'",
            "  displayName   eq   'a'   and   displayName eq 'b'  ",
            "\tdisplayName\teq\t'a'\tand\tdisplayName\teq\t'b'\t",
            "displayName\neq\r\n'a'\nand\ndisplayName eq 'b'\n",
            "displayName\x0Beq\x0C'a' and displayName eq 'b'",
            "(displayName eq 'a')and(displayName eq 'b')",
            "( displayName eq 'a' ) and ( displayName eq 'b' )",
            "displayName eq'a'and displayName eq'b'",
        ] {
            assert_eq!(ok(input), expected, "{input:?}");
        }
    }

    #[test]
    fn non_ascii_whitespace_is_not_a_separator() {
        err_at(
            "displayName\u{a0}eq 'a'",
            11,
            &["expected 'eq' or 'ne'", "'\\u{a0}'"],
        );
    }

    #[test]
    fn words_need_a_separator() {
        err_at("displayNameeq 'a'", 0, &["unknown property 'displayNameeq'"]);
        err_at(
            "displayName eq 'a' anddisplayName eq 'b'",
            19,
            &["expected 'and', 'or'", "'anddisplayName'"],
        );
    }

    // ---------- general errors ----------

    #[test]
    fn empty_input() {
        err_at("", 0, &["empty"]);
        err_at("   \t\r\n ", 0, &["empty"]);
    }

    #[test]
    fn unknown_properties_list_the_supported_ones() {
        for input in ["webUrl eq 'x'", "foo eq 'x'", "id eq 'x'"] {
            err_at(
                input,
                0,
                &[
                    "unknown property",
                    "displayName, allowedAudiences, createdDateTime, lastModifiedDateTime",
                    "categories",
                    "collaborationTags",
                ],
            );
        }
        err_at(
            "displayName eq 'a' and foo eq 'b'",
            23,
            &["unknown property 'foo'"],
        );
        err_at("DisplayName eq 'a'", 0, &["did you mean 'displayName'?"]);
        err_at("CATEGORIES/any(c: c eq 'a')", 0, &["did you mean 'categories'?"]);
        err_at("info/displayName eq 'a'", 0, &["unknown property 'info'"]);
    }

    #[test]
    fn functions_and_other_operators_are_rejected() {
        err_at(
            "startswith(displayName, 'a')",
            0,
            &["function 'startswith()' is not supported"],
        );
        err_at("contains (displayName,'a')", 0, &["function 'contains()'"]);
        err_at(
            "displayName eq 'a' or endswith(displayName,'b')",
            22,
            &["function 'endswith()'"],
        );
        err_at(
            "displayName in ('a', 'b')",
            12,
            &["'in' operator is not supported"],
        );
        err_at(
            "allowedAudiences has 'me'",
            17,
            &["'has' operator is not supported"],
        );
        err_at(
            "createdDateTime add duration'P1D' gt 2024-01-01T00:00:00Z",
            16,
            &["arithmetic ('add')"],
        );
        err_at("displayName EQ 'a'", 12, &["write 'eq'"]);
        err_at("createdDateTime Gt 2024-01-01T00:00:00Z", 16, &["write 'gt'"]);
        err_at("displayName eq 'a' AND displayName eq 'b'", 19, &["write 'and'"]);
        err_at("displayName eq 'a' Or displayName eq 'b'", 19, &["write 'or'"]);
        err_at(
            "displayName eq 'a' && displayName eq 'b'",
            19,
            &["expected 'and', 'or' or end of input", "'&'"],
        );
        err_at(
            "$it eq 'a'",
            0,
            &["expected a condition at the start of the filter", "'$'"],
        );
    }

    #[test]
    fn literals_on_the_left_are_rejected() {
        let first = "the property must come first";
        err_at("'x' eq displayName", 0, &[first, "the string 'x'"]);
        err_at(
            "2024-01-01T00:00:00Z lt createdDateTime",
            0,
            &[first, "'2024-01-01T00:00:00Z'"],
        );
        err_at("1 eq 1", 0, &[first, "'1'"]);
        err_at("-1 eq displayName", 0, &[first]);
        err_at("true", 0, &[first, "'true'"]);
        err_at("displayName eq 'a' and null", 23, &["after 'and'", first]);
        err_at("\"x\" eq displayName", 0, &["single quotes"]);
    }

    #[test]
    fn trailing_garbage() {
        err_at(
            "displayName eq 'a' foo",
            19,
            &["expected 'and', 'or' or end of input", "'foo'"],
        );
        err_at("displayName eq 'a' 'b'", 19, &["the string 'b'"]);
        err_at("displayName eq 'a' displayName eq 'b'", 19, &["'displayName'"]);
        err_at("displayName eq 'a' eq 'b'", 19, &["'eq'"]);
        err_at("createdDateTime eq 2024-01-01T00:00:00Z 5", 40, &["'5'"]);
    }

    #[test]
    fn unbalanced_parentheses() {
        err_at("(displayName eq 'a'", 19, &["missing ')'", "position 0"]);
        err_at("((displayName eq 'a')", 21, &["missing ')'", "position 0"]);
        err_at("displayName eq 'a')", 18, &["no matching '('"]);
        err_at("(displayName eq 'a'))", 20, &["no matching '('"]);
        err_at(
            "(displayName eq 'a' foo)",
            20,
            &["expected 'and', 'or' or ')'", "'foo'"],
        );
        err_at(")", 0, &["expected a condition at the start", "')'"]);
        err_at("()", 1, &["expected a condition after '('", "')'"]);
    }

    #[test]
    fn missing_operands() {
        err_at(
            "displayName eq 'a' and",
            22,
            &["expected a condition after 'and'", "end of input"],
        );
        err_at(
            "displayName eq 'a' or",
            21,
            &["expected a condition after 'or'", "end of input"],
        );
        err_at(
            "and displayName eq 'a'",
            0,
            &["at the start of the filter", "'and'"],
        );
        err_at(
            "or displayName eq 'a'",
            0,
            &["at the start of the filter", "'or'"],
        );
        err_at(
            "displayName eq 'a' or or displayName eq 'b'",
            22,
            &["after 'or'", "'or'"],
        );
        err_at(
            "displayName eq 'a' and or displayName eq 'b'",
            23,
            &["after 'and'", "'or'"],
        );
        err_at("(displayName eq 'a' and)", 23, &["after 'and'", "')'"]);
        err_at("displayName eq 'a' and ()", 24, &["after '('", "')'"]);
    }

    #[test]
    fn messages_do_not_echo_long_input() {
        let long = "x".repeat(200);
        let e = err_at(&format!("{long} eq 'a'"), 0, &["unknown property", "…"]);
        assert!(!e.message.contains(&"x".repeat(MAX_ECHO + 1)), "{}", e.message);
        let long_string = format!("'{}'", "y".repeat(200));
        for input in [
            format!("{long} eq 'a'"),
            format!("{long}(displayName)"),
            format!("displayName eq 'a' {long}"),
            format!("displayName eq 'a' {long_string}"),
            format!("displayName {long} 'a'"),
            format!("displayName eq {long}"),
            format!("createdDateTime eq {long}"),
            format!("createdDateTime eq 2024-01-01T00:00:00Z{long}"),
            format!("createdDateTime eq '2024-01-01T00:00:00Z{long}'"),
            format!("categories/any({long}: c eq 'a')"),
            format!("categories/any({long} c eq 'a')"),
            format!("categories/any(c: c eq 'a' {long})"),
            format!("categories/any(c: c eq 'a' {long_string})"),
            format!("categories/{long}(c: c eq 'a')"),
            format!("{long_string} eq displayName"),
            format!("{} eq 'a'", "é".repeat(100)),
        ] {
            assert_echo_bounded(&input);
        }
    }

    #[test]
    fn error_type_behaves() {
        let e = err("foo eq 'a'");
        let boxed: Box<dyn std::error::Error> = Box::new(e.clone());
        assert_eq!(boxed.to_string(), format!("at position 0: {}", e.message));
        assert_eq!(e, e.clone());
    }

    // ---------- limits ----------

    #[test]
    fn length_limit() {
        let base = "displayName eq 'a'";
        let exact = format!("{base}{}", " ".repeat(MAX_LENGTH - base.len()));
        assert_eq!(exact.len(), MAX_LENGTH);
        assert_eq!(ok(&exact), dn("a"));
        let value = "v".repeat(MAX_LENGTH - "displayName eq ''".len());
        assert_eq!(ok(&format!("displayName eq '{value}'")), dn(&value));
        let over = format!("{exact} ");
        err_at(&over, MAX_LENGTH, &["too long", "4097 bytes", "4096"]);
        err_at(&"(".repeat(100_000), MAX_LENGTH, &["too long"]);
    }

    fn chain(term: &str, joiner: &str, count: usize) -> String {
        vec![term; count].join(joiner)
    }

    /// The number of terms in a left-leaning chain, walked iteratively.
    fn left_chain_len(mut filter: &Filter, is_or: bool) -> usize {
        let mut count = 1;
        loop {
            match (filter, is_or) {
                (Filter::Or(left, right), true) | (Filter::And(left, right), false) => {
                    assert_eq!(**right, dn("a"));
                    filter = left;
                    count += 1;
                }
                (leaf, _) => {
                    assert_eq!(*leaf, dn("a"));
                    return count;
                }
            }
        }
    }

    #[test]
    fn long_flat_chains_that_fit() {
        let term = "displayName eq 'a'";
        for (joiner, is_or) in [(" or ", true), (" and ", false)] {
            let count = (MAX_LENGTH + joiner.len()) / (term.len() + joiner.len());
            let input = chain(term, joiner, count);
            assert!(
                input.len() <= MAX_LENGTH && count > 150,
                "{count} terms, {} bytes",
                input.len()
            );
            let filter = on_small_stack(move || parse(&input));
            let filter = filter.unwrap();
            assert_eq!(left_chain_len(&filter, is_or), count);
        }
    }

    #[test]
    fn long_flat_chain_over_the_length_limit() {
        let input = chain("displayName eq 'a'", " or ", 1000);
        assert!(input.len() > MAX_LENGTH);
        err_at(&input, MAX_LENGTH, &["too long"]);
    }

    #[test]
    fn depth_limit_parentheses() {
        let nested = |n: usize| format!("{}displayName eq 'a'{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(ok(&nested(MAX_DEPTH)), dn("a"));
        err_at(&nested(MAX_DEPTH + 1), MAX_DEPTH, &["nested too deeply", "32"]);
        // Within the length limit, so the depth check is what rejects it.
        err_at(&nested(2000), MAX_DEPTH, &["nested too deeply"]);
        // Over the length limit.
        assert!(parse(&nested(10_000)).is_err());
        err_at(&"(".repeat(MAX_DEPTH + 1), MAX_DEPTH, &["nested too deeply"]);
    }

    #[test]
    fn depth_limit_not() {
        let nots = |n: usize| format!("{}displayName eq 'a'", "not ".repeat(n));
        let mut expected = dn("a");
        for _ in 0..MAX_DEPTH {
            expected = not(expected);
        }
        assert_eq!(ok(&nots(MAX_DEPTH)), expected);
        err_at(&nots(MAX_DEPTH + 1), MAX_DEPTH * 4, &["nested too deeply"]);
        err_at(&nots(1000), MAX_DEPTH * 4, &["nested too deeply"]);
        assert!(parse(&nots(10_000)).is_err());
        // `not(` counts twice.
        let mixed = |n: usize| format!("{}displayName eq 'a'{}", "not(".repeat(n), ")".repeat(n));
        assert!(parse(&mixed(MAX_DEPTH / 2)).is_ok());
        err_at(&mixed(MAX_DEPTH / 2 + 1), MAX_DEPTH * 2, &["nested too deeply"]);
    }

    #[test]
    fn depth_limit_counts_any_parentheses() {
        let wrapped = |n: usize| format!("{}categories/any(c: c eq 'a'){}", "(".repeat(n), ")".repeat(n));
        assert_eq!(ok(&wrapped(MAX_DEPTH - 1)), cats(&["a"]));
        err_at(&wrapped(MAX_DEPTH), MAX_DEPTH + 14, &["nested too deeply"]);
        let body = |n: usize| format!("categories/any(c: {}c eq 'a'{})", "(".repeat(n), ")".repeat(n));
        assert_eq!(ok(&body(MAX_DEPTH - 1)), cats(&["a"]));
        err_at(&body(MAX_DEPTH), 18 + MAX_DEPTH - 1, &["nested too deeply"]);
        assert!(parse(&body(3000)).is_err());
    }

    /// Bypasses the length check to prove that 10,000 levels are refused by depth, on a small stack.
    #[test]
    fn ten_thousand_levels_without_length_check() {
        let inputs = [
            format!("{}displayName eq 'a'{}", "(".repeat(10_000), ")".repeat(10_000)),
            format!("{}displayName eq 'a'", "not ".repeat(10_000)),
            format!("{}displayName eq 'a'", "not(".repeat(10_000)),
            format!("categories/any(c: {}c eq 'a')", "(".repeat(10_000)),
        ];
        for input in inputs {
            let result = on_small_stack(move || {
                let mut parser = Parser {
                    src: &input,
                    pos: 0,
                    depth: 0,
                };
                parser.parse_or("at the start of the filter")
            });
            let e = result.unwrap_err();
            assert!(e.message.contains("nested too deeply"), "{e}");
        }
    }

    // ---------- robustness ----------

    /// Every prefix of a few valid filters either parses or errors, with an in-range position.
    #[test]
    fn prefixes_never_panic() {
        let inputs = [
            "not (displayName eq 'Café ''x''' or allowedAudiences ne 'me') and categories/any(c: (c eq 'a' \
             or c eq '日本')) or createdDateTime ge 2024-01-01T10:00:00.1234567+02:00",
            "collaborationTags/any(t:t eq 'ableToMentor') and lastModifiedDateTime lt '2024-02-29T00:00Z'",
        ];
        for input in inputs {
            assert!(parse(input).is_ok(), "{input}");
            for (end, _) in input.char_indices() {
                let prefix = &input[..end];
                if let Err(e) = parse(prefix) {
                    assert!(e.position <= prefix.len(), "{prefix:?}: {e}");
                }
            }
        }
    }

    /// Random token soup (deterministic generator): no panics, positions within the input.
    #[test]
    fn token_soup_never_panics() {
        let tokens = [
            "displayName",
            "allowedAudiences",
            "createdDateTime",
            "lastModifiedDateTime",
            "categories",
            "collaborationTags",
            "/",
            "any",
            "all",
            "(",
            ")",
            ":",
            "c",
            "eq",
            "ne",
            "gt",
            "le",
            "and",
            "or",
            "not",
            "'a'",
            "''",
            "'",
            "'it''s'",
            "2024-01-01T00:00:00Z",
            "2024-01-01",
            "+02:00",
            " ",
            "\t",
            "日本",
            "5",
            "true",
            ",",
            "$",
            "é",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut accepted = 0;
        for _ in 0..20_000 {
            let len = (next() % 12) as usize;
            let mut input = String::new();
            for _ in 0..len {
                input.push_str(tokens[(next() % tokens.len() as u64) as usize]);
                if next() % 2 == 0 {
                    input.push(' ');
                }
            }
            match parse(&input) {
                Ok(_) => accepted += 1,
                Err(e) => assert!(e.position <= input.len(), "{input:?}: {e}"),
            }
        }
        assert!(accepted > 0);
    }
}
