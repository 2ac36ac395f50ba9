//! OData query options of the `/beta` lists: `$top`, `$skip`, `$skiptoken`, `$count`,
//! `$select`, `$orderby` and `$filter`, read into the domain's order, page and filter.

use crate::domain::listing::{Comparison, FilterExpr, TimeField};
use crate::domain::pagination::{Direction, Order, OrderField};
use crate::domain::values::{Audience, Categories, CollaborationTag, PageSize};

use super::errors::GraphError;
use super::filter::{self, Collection, CompareOp, Field, Filter};
use super::representation::PROPERTIES;

/// The deepest `$skip` served: beyond it, follow `@odata.nextLink` (a keyset cursor, as cheap
/// on page 50,000 as on page 1).
pub const MAX_SKIP: u64 = 100_000;

/// The options of a list request.
#[derive(Clone, Debug, Default)]
pub struct ListOptions {
    pub top: u64,
    pub skip: u64,
    pub skiptoken: Option<String>,
    pub count: bool,
    pub select: Option<Vec<&'static str>>,
    pub order: Order,
    pub filter: Option<FilterExpr>,
    /// The options `@odata.nextLink` repeats (all but `$skip` and `$skiptoken`), as sent.
    pub carried: Vec<(String, String)>,
}

fn bad(option: &str, message: impl Into<String>) -> GraphError {
    GraphError {
        target: Some(option.to_owned()),
        ..GraphError::bad_request(message)
    }
}

/// OData's system query options. Graph's beta endpoint takes them with or without the `$`.
const SYSTEM_OPTIONS: [&str; 15] = [
    "top",
    "skip",
    "skiptoken",
    "count",
    "select",
    "orderby",
    "filter",
    "expand",
    "search",
    "format",
    "apply",
    "compute",
    "index",
    "levels",
    "deltatoken",
];

/// A system option's canonical name (`$top` for `$top`, `$TOP` or `top`); other names as sent.
fn canonical(name: &str) -> String {
    let bare = name.strip_prefix('$').unwrap_or(name).to_ascii_lowercase();
    if name.starts_with('$') || SYSTEM_OPTIONS.contains(&bare.as_str()) {
        format!("${bare}")
    } else {
        name.to_owned()
    }
}

/// The query string's pairs, decoded, system options under their canonical names; a repeated
/// system option is refused.
fn pairs(query: Option<&str>) -> Result<Vec<(String, String)>, GraphError> {
    let mut seen: Vec<(String, String)> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let name = canonical(&name);
        if name.starts_with('$') && seen.iter().any(|(n, _)| *n == name) {
            return Err(bad(
                &name,
                format!("the query option {} is given more than once", shorten(&name)),
            ));
        }
        seen.push((name, value.into_owned()));
    }
    Ok(seen)
}

fn number(option: &str, raw: &str, max: u64) -> Result<u64, GraphError> {
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| bad(option, format!("{option} is a whole number from 0 to {max}")))
}

/// `$select`: property names, comma-separated; `*` is all of them.
fn select(raw: &str) -> Result<Option<Vec<&'static str>>, GraphError> {
    let mut chosen = Vec::new();
    for name in raw.split(',').map(str::trim) {
        if name == "*" {
            return Ok(None);
        }
        let property = PROPERTIES.iter().find(|p| **p == name).ok_or_else(|| {
            bad(
                "$select",
                format!(
                    "'{}' is not a property of personInterest; $select takes {}",
                    shorten(name),
                    PROPERTIES.join(", ")
                ),
            )
        })?;
        if !chosen.contains(property) {
            chosen.push(*property);
        }
    }
    Ok(Some(chosen))
}

/// `$orderby`: one of `createdDateTime`, `lastModifiedDateTime`, `displayName`, then
/// optionally `asc` or `desc`.
fn order_by(raw: &str) -> Result<Order, GraphError> {
    let wrong = || {
        bad(
            "$orderby",
            "$orderby takes one of createdDateTime, lastModifiedDateTime, displayName, optionally followed by asc or desc",
        )
    };
    let mut words = raw.split_whitespace();
    let field = match words.next() {
        Some("createdDateTime") => OrderField::CreatedDateTime,
        Some("lastModifiedDateTime") => OrderField::LastModifiedDateTime,
        Some("displayName") => OrderField::DisplayName,
        _ => return Err(wrong()),
    };
    let direction = match words.next() {
        None | Some("asc") => Direction::Asc,
        Some("desc") => Direction::Desc,
        Some(_) => return Err(wrong()),
    };
    if words.next().is_some() || raw.contains(',') {
        return Err(wrong());
    }
    Ok(Order { field, direction })
}

/// At most 40 characters of what a client sent, for a message.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// `$filter`, parsed and checked into the domain's expression.
pub fn filter_expr(raw: &str) -> Result<FilterExpr, GraphError> {
    let parsed = filter::parse(raw).map_err(|e| bad("$filter", format!("invalid $filter: {e}")))?;
    convert(parsed)
}

fn convert(f: Filter) -> Result<FilterExpr, GraphError> {
    let field_error = |e: crate::error::AppError| bad("$filter", format!("invalid $filter: {}", e.message()));
    Ok(match f {
        Filter::And(a, b) => FilterExpr::And(Box::new(convert(*a)?), Box::new(convert(*b)?)),
        Filter::Or(a, b) => FilterExpr::Or(Box::new(convert(*a)?), Box::new(convert(*b)?)),
        Filter::Not(a) => FilterExpr::Not(Box::new(convert(*a)?)),
        Filter::Text { field, op, value } => {
            let equal = match op {
                CompareOp::Eq => true,
                CompareOp::Ne => false,
                _ => return Err(bad("$filter", "invalid $filter: text is compared with eq or ne")),
            };
            match field {
                Field::DisplayName => FilterExpr::DisplayName { equal, value },
                Field::AllowedAudiences => FilterExpr::Audience {
                    equal,
                    value: Audience::from_graph_name("$filter", &value).map_err(field_error)?,
                },
                Field::CreatedDateTime | Field::LastModifiedDateTime => {
                    return Err(bad(
                        "$filter",
                        "invalid $filter: a date-time is compared with a date-time",
                    ))
                }
            }
        }
        Filter::Time { field, op, value } => FilterExpr::Time {
            field: match field {
                Field::CreatedDateTime => TimeField::Created,
                Field::LastModifiedDateTime => TimeField::LastModified,
                Field::DisplayName | Field::AllowedAudiences => {
                    return Err(bad("$filter", "invalid $filter: text is compared with a string"))
                }
            },
            comparison: match op {
                CompareOp::Eq => Comparison::Eq,
                CompareOp::Ne => Comparison::Ne,
                CompareOp::Gt => Comparison::Gt,
                CompareOp::Ge => Comparison::Ge,
                CompareOp::Lt => Comparison::Lt,
                CompareOp::Le => Comparison::Le,
            },
            at: value,
        },
        Filter::Any {
            collection: Collection::Categories,
            values,
        } => FilterExpr::CategoryKeys(Categories::filter_keys("$filter", &values).map_err(field_error)?),
        Filter::Any {
            collection: Collection::CollaborationTags,
            values,
        } => FilterExpr::Tags(
            values
                .iter()
                .map(|v| CollaborationTag::from_graph_name("$filter", v))
                .collect::<Result<_, _>>()
                .map_err(field_error)?,
        ),
    })
}

/// Reads the options of a list; anything not supported is 400.
pub fn list_options(query: Option<&str>) -> Result<ListOptions, GraphError> {
    let mut options = ListOptions {
        top: PageSize::DEFAULT,
        ..ListOptions::default()
    };
    for (name, value) in pairs(query)? {
        let carried = match name.as_str() {
            "$top" => {
                options.top = number(&name, &value, PageSize::MAX)?;
                true
            }
            "$skip" => {
                options.skip = number(&name, &value, MAX_SKIP)?;
                false
            }
            "$skiptoken" => {
                options.skiptoken = Some(value.clone());
                false
            }
            "$count" => {
                options.count = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(&name, "$count is true or false")),
                };
                true
            }
            "$select" => {
                options.select = select(&value)?;
                true
            }
            "$orderby" => {
                options.order = order_by(&value)?;
                true
            }
            "$filter" => {
                options.filter = Some(filter_expr(&value)?);
                true
            }
            other if other.starts_with('$') => {
                return Err(bad(
                    &name,
                    format!(
                        "the query option {} is not supported on this list",
                        shorten(&name)
                    ),
                ))
            }
            // Not an OData option: passed over, as Graph does.
            _ => false,
        };
        if carried {
            options.carried.push((name, value));
        }
    }
    Ok(options)
}

/// Reads the options of a single item: `$select` only.
pub fn item_options(query: Option<&str>) -> Result<Option<Vec<&'static str>>, GraphError> {
    let mut chosen = None;
    for (name, value) in pairs(query)? {
        match name.as_str() {
            "$select" => chosen = select(&value)?,
            other if other.starts_with('$') => {
                return Err(bad(
                    &name,
                    format!("the query option {} is not supported on one item", shorten(&name)),
                ))
            }
            _ => {}
        }
    }
    Ok(chosen)
}

/// Refuses any system query option (writes take none).
pub fn no_options(query: Option<&str>) -> Result<(), GraphError> {
    match pairs(query)?.into_iter().find(|(n, _)| n.starts_with('$')) {
        Some((name, _)) => Err(bad(
            &name,
            format!("the query option {} is not supported here", shorten(&name)),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let o = list_options(None).unwrap();
        assert_eq!((o.top, o.skip, o.count), (20, 0, false));
        assert!(list_options(Some("$top=101")).is_err());
        assert!(list_options(Some("$top=-1")).is_err());
        assert!(list_options(Some("$skip=100001")).is_err());
        assert!(list_options(Some("$count=yes")).is_err());
        assert!(list_options(Some("$top=1&$top=2")).is_err());
        assert!(list_options(Some("$expand=x")).is_err());
        assert!(list_options(Some("api-version=1")).is_ok());
        // The beta endpoint's options without `$`, in any case; `top` and `$top` are one option.
        assert_eq!(list_options(Some("top=5&Count=true")).unwrap().top, 5);
        assert!(list_options(Some("top=5&$top=6")).is_err());
        assert!(list_options(Some("expand=x")).is_err());
    }

    #[test]
    fn orderby_takes_one_known_property() {
        let o = list_options(Some("$orderby=displayName%20desc")).unwrap().order;
        assert_eq!((o.field, o.direction), (OrderField::DisplayName, Direction::Desc));
        assert!(list_options(Some("$orderby=webUrl")).is_err());
        assert!(list_options(Some("$orderby=displayName,id")).is_err());
        assert!(list_options(Some("$orderby=displayName%20up")).is_err());
    }

    #[test]
    fn select_names_known_properties() {
        let o = list_options(Some("$select=displayName,webUrl")).unwrap();
        assert_eq!(o.select, Some(vec!["displayName", "webUrl"]));
        let err = list_options(Some("$select=displayName,colour")).unwrap_err();
        assert_eq!(err.target.as_deref(), Some("$select"));
    }

    #[test]
    fn filter_values_are_checked_against_the_model() {
        assert!(filter_expr("allowedAudiences eq 'organization'").is_ok());
        assert!(filter_expr("allowedAudiences eq 'planet'").is_err());
        assert!(filter_expr("collaborationTags/any(t: t eq 'juggling')").is_err());
        assert_eq!(
            filter_expr("categories/any(c: c eq 'Rust' or c eq 'rust')").unwrap(),
            FilterExpr::CategoryKeys(vec!["rust".into()])
        );
    }

    #[test]
    fn next_links_carry_the_options_that_shape_the_list() {
        let o = list_options(Some("$top=5&$skip=3&$count=true&$filter=displayName%20eq%20'x'")).unwrap();
        let names: Vec<_> = o.carried.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["$top", "$count", "$filter"]);
    }
}
