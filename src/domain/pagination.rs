//! Keyset (cursor) pagination: orders, opaque cursors and page requests.
//!
//! A cursor names the sort key and id of one row under one order. Fetching the page after it
//! is an index range scan from that key, so page 50,000 costs what page 1 costs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::values::PageSize;
use crate::error::{AppError, AppResult};

/// What a list is sorted by; ties are always broken by id in the same direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OrderField {
    #[default]
    CreatedDateTime,
    LastModifiedDateTime,
    DisplayName,
    /// Full-text relevance, best first: the order of a search without `orderBy`.
    Relevance,
}

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// An order: field and direction. The default is `CREATED_DATE_TIME ASC`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Order {
    pub field: OrderField,
    pub direction: Direction,
}

impl Order {
    /// A short stable tag of this order, written into its cursors.
    fn tag(self) -> &'static str {
        match (self.field, self.direction) {
            (OrderField::CreatedDateTime, Direction::Asc) => "ca",
            (OrderField::CreatedDateTime, Direction::Desc) => "cd",
            (OrderField::LastModifiedDateTime, Direction::Asc) => "ma",
            (OrderField::LastModifiedDateTime, Direction::Desc) => "md",
            (OrderField::DisplayName, Direction::Asc) => "na",
            (OrderField::DisplayName, Direction::Desc) => "nd",
            (OrderField::Relevance, Direction::Asc) => "ra",
            (OrderField::Relevance, Direction::Desc) => "rd",
        }
    }
}

/// The value of the sort column of one row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortKey {
    /// A timestamp in microseconds.
    Micros(i64),
    /// A normalised display name.
    Text(String),
    /// A search score.
    Score(f64),
}

/// A position in a list under one order.
#[derive(Clone, Debug, PartialEq)]
pub struct Cursor {
    pub key: SortKey,
    pub id: Uuid,
}

#[derive(Serialize, Deserialize)]
struct CursorWire {
    o: String,
    k: SortKey,
    i: Uuid,
}

/// [`CursorWire`] borrowed, for encoding: the same fields in the same order.
#[derive(Serialize)]
struct CursorWireRef<'a> {
    o: &'a str,
    k: &'a SortKey,
    i: Uuid,
}

impl Cursor {
    /// The opaque text of this cursor under `order`.
    pub fn encode(&self, order: Order) -> String {
        let wire = CursorWireRef {
            o: order.tag(),
            k: &self.key,
            i: self.id,
        };
        let mut json = Vec::with_capacity(96);
        // Serialising a struct of strings, numbers and a UUID cannot fail.
        if serde_json::to_writer(&mut json, &wire).is_err() {
            json.clear();
        }
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a cursor made under `order`; anything else is `BAD_USER_INPUT` on `field`.
    pub fn decode(field: &str, raw: &str, order: Order) -> AppResult<Self> {
        let malformed = || AppError::bad_input(field, "malformed cursor");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| malformed())?;
        let wire: CursorWire = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
        if wire.o != order.tag() {
            return Err(AppError::bad_input(
                field,
                "this cursor was made under another order",
            ));
        }
        let key_fits = matches!(
            (&wire.k, order.field),
            (SortKey::Text(_), OrderField::DisplayName)
                | (SortKey::Score(_), OrderField::Relevance)
                | (
                    SortKey::Micros(_),
                    OrderField::CreatedDateTime | OrderField::LastModifiedDateTime
                )
        );
        if !key_fits {
            return Err(malformed());
        }
        Ok(Self {
            key: wire.k,
            id: wire.i,
        })
    }
}

/// Which end of the range a page is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// `first` rows after `after`.
    First(u64),
    /// `last` rows before `before`.
    Last(u64),
}

/// A validated page request: a size from one end, and optional bounds on both sides.
#[derive(Clone, Debug, PartialEq)]
pub struct PageRequest {
    pub take: Take,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
    /// Rows passed over before the page (Microsoft Graph's `$skip`; GraphQL pages never skip).
    pub skip: u64,
}

impl PageRequest {
    /// Checks Relay arguments: `first` and `last` (0–100, default `first: 20`), not both;
    /// cursors made under `order`.
    pub fn parse(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
        order: Order,
    ) -> AppResult<Self> {
        let take = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_input("last", "give first or last, not both"));
            }
            (Some(n), None) => Take::First(PageSize::parse("first", n)?.get()),
            (None, Some(n)) => Take::Last(PageSize::parse("last", n)?.get()),
            (None, None) => Take::First(PageSize::default().get()),
        };
        let after = after.map(|raw| Cursor::decode("after", raw, order)).transpose()?;
        let before = before
            .map(|raw| Cursor::decode("before", raw, order))
            .transpose()?;
        Ok(Self {
            take,
            after,
            before,
            skip: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(field: OrderField, direction: Direction) -> Order {
        Order { field, direction }
    }

    #[test]
    fn a_cursor_round_trips_under_its_order() {
        let o = order(OrderField::DisplayName, Direction::Desc);
        let c = Cursor {
            key: SortKey::Text("rust".into()),
            id: Uuid::nil(),
        };
        assert_eq!(Cursor::decode("after", &c.encode(o), o).unwrap(), c);
    }

    #[test]
    fn cursors_keep_their_wire_text() {
        // Cursors handed out before stay valid: the JSON of {o, k, i}, base64url without padding.
        let c = Cursor {
            key: SortKey::Micros(1_700_000_000_000_000),
            id: Uuid::from_u128(0x0196b0a4_4f3c_7d2e_9a4e_1c2b3d4e5f60),
        };
        let owned = CursorWire {
            o: "cd".into(),
            k: SortKey::Micros(1_700_000_000_000_000),
            i: c.id,
        };
        let expected = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&owned).unwrap());
        let text = c.encode(order(OrderField::CreatedDateTime, Direction::Desc));
        assert_eq!(text, expected);
        let named = Cursor {
            key: SortKey::Text("Rust \"quoted\" ü".into()),
            id: c.id,
        };
        let o = order(OrderField::DisplayName, Direction::Asc);
        assert_eq!(Cursor::decode("after", &named.encode(o), o).unwrap(), named);
    }

    #[test]
    fn a_cursor_of_another_order_or_a_forged_one_is_refused() {
        let c = Cursor {
            key: SortKey::Micros(5),
            id: Uuid::nil(),
        };
        let text = c.encode(Order::default());
        let other = order(OrderField::CreatedDateTime, Direction::Desc);
        assert!(Cursor::decode("after", &text, other).is_err());
        assert!(Cursor::decode("after", "bm90IGEgY3Vyc29y", Order::default()).is_err());
        assert!(Cursor::decode("after", "!!", Order::default()).is_err());
        // A text key under a time order is forged.
        let forged = Cursor {
            key: SortKey::Text("x".into()),
            id: Uuid::nil(),
        }
        .encode(Order::default());
        assert!(Cursor::decode("after", &forged, Order::default()).is_err());
    }

    #[test]
    fn first_and_last_are_exclusive_and_bounded() {
        let o = Order::default();
        assert_eq!(
            PageRequest::parse(None, None, None, None, o).unwrap().take,
            Take::First(20)
        );
        assert!(PageRequest::parse(Some(1), None, Some(1), None, o).is_err());
        assert!(PageRequest::parse(Some(101), None, None, None, o).is_err());
        assert_eq!(
            PageRequest::parse(None, None, Some(3), None, o).unwrap().take,
            Take::Last(3)
        );
    }
}
