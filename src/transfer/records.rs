//! Streaming splitter for JSON import files.
//!
//! [`RecordReader`] reads an import file through [`BufRead`] (chunk by chunk, via `fill_buf`/`consume`)
//! and yields one [`Item`] at a time: the raw JSON text of one record together with the 1-based line
//! where it starts, or an [`Item::Bad`] describing something that could not be read as a record.
//!
//! Accepted layouts (the file is UTF-8; a UTF-8 BOM at the very start is skipped):
//!
//! 1. NDJSON: JSON objects one after another, one per line or spread over several lines (pretty-printed
//!    objects one after another work too); blank lines are allowed.
//! 2. A JSON array of objects, `[ {...}, {...} ]`, of any size (several top-level arrays in a row work too).
//! 3. Microsoft Graph list pages: a top-level object with a `"value"` key whose value is an array; the
//!    elements of that array are the records and the other keys of the page are ignored. Several pages
//!    may follow one another. A top-level object without such a key is itself a record (layout 1).
//!    The decision is made while streaming: the top-level object is buffered as a candidate record
//!    (bounded by the record size limit) until, directly inside it (depth 1), a key that decodes to
//!    `value` (escapes such as `"val\u0075e"` are decoded) is followed by `:` and `[`.
//!
//! Memory stays bounded whatever the file size: one record buffer of at most the record size limit,
//! the bracket stack of the current record (at most 64 KiB: brackets nested deeper than 65,536 levels
//! are counted but not checked for matching) and the reader's buffer.
//!
//! The splitter does not validate JSON inside a record beyond what it needs to find its end; the caller
//! parses each record (e.g. with serde_json) and reports its own errors with the line. Structural
//! breakage is handled as follows:
//!
//! * In NDJSON mode (a top-level object), a raw line break inside a string or a closing bracket that
//!   does not match yields `Item::Bad` at the record's start line; reading then resumes at the next line
//!   whose first non-whitespace byte is `{`.
//! * Inside a top-level array or a page, the same breakage yields one `Item::Bad` saying that the file's
//!   structure is broken at that line and that later records were not read, and the iterator ends.
//! * Anything else at top level (e.g. `hello`, a stray `]` or `,`, a bare number or string) yields
//!   `Item::Bad` for that line; the rest of the line is skipped.
//! * Non-object elements (`42`, `"x"`, `null`, `[1]`) inside an array or page yield `Item::Bad`
//!   ("expected a JSON object …") and are skipped.
//! * A record longer than the limit yields `Item::Bad` (mentioning the limit) once its end is found; the
//!   rest of it is skipped without being buffered.
//! * Commas between array elements are skipped (a trailing comma before `]` is tolerated silently);
//!   there is no comment support.
//! * Page detection applies to top-level objects only: an element of a top-level array is always a
//!   record, even if it has a `value` key.
//! * End of file inside a record yields `Item::Bad` "unexpected end of file in the record starting at
//!   line N" at line N; end of file between the elements of an array or page yields `Item::Bad` at the
//!   line where the array or page starts.

use std::io::{self, BufRead};

/// Default maximum size of one record's JSON text, in bytes.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;

/// Nesting levels of one record whose brackets are remembered for matching `}`/`]` against `{`/`[`.
/// Deeper levels are only counted (their closing brackets are not checked), so that skipping a
/// pathological oversized record never needs unbounded memory.
const MAX_TRACKED_DEPTH: usize = 1 << 16;

/// One result of splitting the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// One record's raw JSON text (exactly the bytes of the element/object, no surrounding whitespace or
    /// commas), and the 1-based line where it starts.
    Record { line: u64, json: Vec<u8> },
    /// Something at `line` could not be read as a record; reading continues after it when the structure
    /// allows it.
    Bad { line: u64, message: String },
}

/// Streaming splitter over a [`BufRead`]; an [`Iterator`] of `io::Result<Item>`.
///
/// I/O errors from the reader are passed through as `Err` (after retrying `ErrorKind::Interrupted`),
/// then the iterator ends.
pub struct RecordReader<R: BufRead> {
    reader: R,
    scanner: Scanner,
    bytes_read: u64,
    done: bool,
}

impl<R: BufRead> RecordReader<R> {
    /// A reader with the record size limit [`DEFAULT_MAX_RECORD_BYTES`].
    pub fn new(reader: R) -> Self {
        Self::with_max_record_bytes(reader, DEFAULT_MAX_RECORD_BYTES)
    }

    /// A reader whose records may be at most `max` bytes long.
    pub fn with_max_record_bytes(reader: R, max: usize) -> Self {
        RecordReader {
            reader,
            scanner: Scanner::new(max),
            bytes_read: 0,
            done: false,
        }
    }

    /// Bytes consumed from the reader so far (for a progress bar over the file size).
    ///
    /// After the whole input was read this equals the input size; after a fatal structural error the
    /// rest of the input is not read.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }
}

impl<R: BufRead> Iterator for RecordReader<R> {
    type Item = io::Result<Item>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            if self.scanner.state == State::Ended {
                self.done = true;
                break;
            }
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            if chunk.is_empty() {
                self.done = true;
                return self.scanner.finish().map(Ok);
            }
            let (used, item) = self.scanner.feed(chunk);
            self.reader.consume(used);
            self.bytes_read += used as u64;
            if let Some(item) = item {
                return Some(Ok(item));
            }
        }
        None
    }
}

/// The container a record element lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Container {
    /// A top-level array opened at `line`.
    Array { line: u64 },
    /// The `value` array of the page object opened at `line`.
    Page { line: u64 },
}

/// What the value being scanned is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    /// A top-level object: NDJSON record, or a page until `"value": [` is seen.
    Top,
    /// An element of an array or page.
    Element(Container),
    /// The rest of the page object opened at `line`, after its `value` array.
    PageTail { line: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of the file; the number of BOM bytes matched so far.
    Bom(usize),
    /// Between top-level values.
    Top,
    /// Skipping the rest of a line of garbage, then back to `Top`.
    SkipLine,
    /// After a broken NDJSON record: looking for a line whose first non-whitespace byte is `{`.
    Resync { line_start: bool },
    /// Between the elements of an array or page.
    Between(Container),
    /// Inside a value.
    Value(Ctx),
    /// Finished: end of input or fatal structural error.
    Ended,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// An object or array: ends at its matching closing bracket.
    Nested,
    /// A string: ends at its closing quote.
    Str,
    /// A number, literal or garbage word: ends before a delimiter.
    Scalar,
}

/// Tracks the keys directly inside a top-level object, to spot `"value": [`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keys {
    Off,
    ExpectKey,
    InKey(KeyDecoder),
    ExpectColon { is_value: bool },
    ExpectValue { is_value: bool },
    Other,
}

impl Keys {
    fn set(&mut self, keys: Keys) {
        if *self != Keys::Off {
            *self = keys;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Esc {
    None,
    Backslash,
    Hex { digits: u8, value: u32 },
}

/// Decodes a key just far enough to tell whether it is `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct KeyDecoder {
    out: [u8; 5],
    len: usize,
    ok: bool,
    esc: Esc,
}

impl KeyDecoder {
    fn new() -> Self {
        KeyDecoder {
            out: [0; 5],
            len: 0,
            ok: true,
            esc: Esc::None,
        }
    }

    fn push(&mut self, b: u8) {
        match self.out.get_mut(self.len) {
            Some(slot) => {
                *slot = b;
                self.len += 1;
            }
            None => self.ok = false,
        }
    }

    /// Feeds one byte of the key's text (between the quotes).
    fn feed(&mut self, b: u8) {
        match self.esc {
            Esc::None if b == b'\\' => self.esc = Esc::Backslash,
            Esc::None => self.push(b),
            Esc::Backslash => {
                self.esc = Esc::None;
                let decoded = match b {
                    b'"' | b'\\' | b'/' => b,
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'u' => {
                        self.esc = Esc::Hex { digits: 0, value: 0 };
                        return;
                    }
                    _ => {
                        self.ok = false;
                        return;
                    }
                };
                self.push(decoded);
            }
            Esc::Hex { digits, value } => {
                let Some(digit) = char::from(b).to_digit(16) else {
                    self.ok = false;
                    self.esc = Esc::None;
                    return;
                };
                let value = value * 16 + digit;
                if digits < 3 {
                    self.esc = Esc::Hex {
                        digits: digits + 1,
                        value,
                    };
                    return;
                }
                self.esc = Esc::None;
                match u8::try_from(value) {
                    Ok(byte) if byte.is_ascii() => self.push(byte),
                    _ => self.ok = false,
                }
            }
        }
    }

    fn is_value(&self) -> bool {
        self.ok && self.esc == Esc::None && self.len == 5 && self.out == *b"value"
    }
}

/// What happened to the value being scanned after one byte.
enum Event {
    Continue,
    Done { consumed: bool },
    Broken(String),
    PageStart,
}

/// The value currently being scanned (reused from one value to the next).
struct ValueScan {
    start_line: u64,
    first: u8,
    kind: Kind,
    keep: bool,
    overflow: bool,
    buf: Vec<u8>,
    stack: Vec<u8>,
    depth: u64,
    in_string: bool,
    escape: bool,
    keys: Keys,
}

impl ValueScan {
    fn new() -> Self {
        ValueScan {
            start_line: 0,
            first: 0,
            kind: Kind::Scalar,
            keep: false,
            overflow: false,
            buf: Vec::new(),
            stack: Vec::new(),
            depth: 0,
            in_string: false,
            escape: false,
            keys: Keys::Off,
        }
    }

    fn start(&mut self, line: u64, first: u8, keys: Keys, max: usize) {
        self.start_line = line;
        self.first = first;
        self.kind = match first {
            b'{' | b'[' => Kind::Nested,
            b'"' => Kind::Str,
            _ => Kind::Scalar,
        };
        self.keep = first == b'{';
        self.overflow = false;
        self.buf.clear();
        self.stack.clear();
        self.depth = 0;
        if self.kind == Kind::Nested {
            self.depth = 1;
            self.stack.push(first);
        }
        self.in_string = false;
        self.escape = false;
        self.keys = keys;
        self.push(first, max);
    }

    /// Continue a page object (opened at `line`) after its `value` array: depth 1, nothing buffered.
    fn start_tail(&mut self, line: u64) {
        self.start(line, b'{', Keys::Off, 0);
        self.keep = false;
        self.overflow = false;
        self.buf.clear();
    }

    fn push(&mut self, b: u8, max: usize) {
        if !self.keep || self.overflow {
            return;
        }
        if self.buf.len() >= max {
            self.overflow = true;
            self.buf.clear();
            return;
        }
        if self.buf.len() == self.buf.capacity() {
            // Grow like Vec would, but never beyond `max`.
            let extra = self.buf.capacity().max(256).min(max - self.buf.len());
            self.buf.reserve_exact(extra);
        }
        self.buf.push(b);
    }

    fn scan(&mut self, b: u8, max: usize) -> Event {
        match self.kind {
            Kind::Scalar => {
                if is_ws(b) || matches!(b, b',' | b']' | b'}' | b'[' | b'{' | b'"') {
                    return Event::Done { consumed: false };
                }
                self.push(b, max);
                Event::Continue
            }
            Kind::Str => {
                if b == b'\n' {
                    return Event::Broken("a line break inside a string".to_string());
                }
                self.push(b, max);
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    return Event::Done { consumed: true };
                }
                Event::Continue
            }
            Kind::Nested => self.scan_nested(b, max),
        }
    }

    fn feed_key(&mut self, b: u8) {
        if let Keys::InKey(decoder) = &mut self.keys {
            decoder.feed(b);
        }
    }

    fn scan_nested(&mut self, b: u8, max: usize) -> Event {
        if self.in_string {
            if b == b'\n' {
                return Event::Broken("a line break inside a string".to_string());
            }
            self.push(b, max);
            if self.escape {
                self.escape = false;
                self.feed_key(b);
            } else if b == b'\\' {
                self.escape = true;
                self.feed_key(b);
            } else if b == b'"' {
                self.in_string = false;
                if let Keys::InKey(decoder) = self.keys {
                    self.keys = Keys::ExpectColon {
                        is_value: decoder.is_value(),
                    };
                }
            } else {
                self.feed_key(b);
            }
            return Event::Continue;
        }
        let at_top = self.depth == 1;
        match b {
            b'"' => {
                self.in_string = true;
                if at_top {
                    let next = if self.keys == Keys::ExpectKey {
                        Keys::InKey(KeyDecoder::new())
                    } else {
                        Keys::Other
                    };
                    self.keys.set(next);
                }
            }
            b'{' | b'[' => {
                if at_top {
                    if b == b'[' && self.keys == (Keys::ExpectValue { is_value: true }) {
                        return Event::PageStart;
                    }
                    self.keys.set(Keys::Other);
                }
                self.depth += 1;
                if self.stack.len() < MAX_TRACKED_DEPTH {
                    self.stack.push(b);
                }
            }
            b'}' | b']' => {
                if self.depth <= self.stack.len() as u64 {
                    let expected = if b == b'}' { b'{' } else { b'[' };
                    match self.stack.pop() {
                        Some(open) if open != expected => {
                            return Event::Broken(format!(
                                "`{}` does not match the `{}` it should close",
                                char::from(b),
                                char::from(open)
                            ));
                        }
                        _ => {}
                    }
                }
                self.depth = self.depth.saturating_sub(1);
                self.push(b, max);
                if self.depth == 0 {
                    return Event::Done { consumed: true };
                }
                return Event::Continue;
            }
            b',' if at_top => self.keys.set(Keys::ExpectKey),
            b':' if at_top => {
                let next = match self.keys {
                    Keys::ExpectColon { is_value } => Keys::ExpectValue { is_value },
                    _ => Keys::Other,
                };
                self.keys.set(next);
            }
            _ if is_ws(b) => {}
            _ if at_top => self.keys.set(Keys::Other),
            _ => {}
        }
        self.push(b, max);
        Event::Continue
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// What a non-object value starting with `first` is, for messages.
fn describe(first: u8) -> String {
    match first {
        b'"' => "a string".to_string(),
        b'[' => "an array".to_string(),
        b't' | b'f' => "a boolean".to_string(),
        b'n' => "null".to_string(),
        b'-' | b'0'..=b'9' => "a number".to_string(),
        b'}' | b']' | b',' | b':' => format!("a stray `{}`", char::from(first)),
        0x21..=0x7e => format!("text starting with `{}`", char::from(first)),
        _ => format!("the byte 0x{first:02x}"),
    }
}

/// The byte-level state machine; knows nothing about the reader.
struct Scanner {
    max: usize,
    line: u64,
    state: State,
    value: ValueScan,
}

impl Scanner {
    fn new(max: usize) -> Self {
        Scanner {
            max,
            line: 1,
            state: State::Bom(0),
            value: ValueScan::new(),
        }
    }

    /// Processes bytes of `chunk` until an item is ready or the chunk is used up.
    /// Returns how many bytes were consumed and the item, if any.
    fn feed(&mut self, chunk: &[u8]) -> (usize, Option<Item>) {
        let mut used = 0;
        while let Some(&b) = chunk.get(used) {
            if self.state == State::Ended {
                break;
            }
            let (consumed, item) = self.step(b);
            if consumed {
                used += 1;
                if b == b'\n' {
                    self.line += 1;
                }
            }
            if item.is_some() {
                return (used, item);
            }
        }
        (used, None)
    }

    fn bad(line: u64, message: String) -> Option<Item> {
        Some(Item::Bad { line, message })
    }

    /// Ends reading after structural breakage inside an array or page.
    fn fatal(&mut self, what: &str) -> Option<Item> {
        self.state = State::Ended;
        let line = self.line;
        Self::bad(
            line,
            format!(
                "the file's structure is broken at line {line} ({what}); the records after it were not read"
            ),
        )
    }

    /// Handles one byte; returns whether it was consumed (if not, it is offered again in the new state).
    fn step(&mut self, b: u8) -> (bool, Option<Item>) {
        match self.state {
            State::Bom(n) => {
                const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];
                if BOM.get(n) == Some(&b) {
                    self.state = if n + 1 == BOM.len() {
                        State::Top
                    } else {
                        State::Bom(n + 1)
                    };
                    (true, None)
                } else if n == 0 {
                    self.state = State::Top;
                    (false, None)
                } else {
                    self.state = State::SkipLine;
                    (
                        false,
                        Self::bad(
                            self.line,
                            "the file starts with an incomplete byte order mark".to_string(),
                        ),
                    )
                }
            }
            State::Top => match b {
                b'{' => {
                    self.value.start(self.line, b, Keys::ExpectKey, self.max);
                    self.state = State::Value(Ctx::Top);
                    (true, None)
                }
                b'[' => {
                    self.state = State::Between(Container::Array { line: self.line });
                    (true, None)
                }
                _ if is_ws(b) => (true, None),
                _ => {
                    self.state = State::SkipLine;
                    let message = format!(
                        "expected a JSON object (or an array of objects) at top level, found {}; \
                         the rest of the line was skipped",
                        describe(b)
                    );
                    (true, Self::bad(self.line, message))
                }
            },
            State::SkipLine => {
                if b == b'\n' {
                    self.state = State::Top;
                }
                (true, None)
            }
            State::Resync { line_start } => {
                if line_start && b == b'{' {
                    self.value.start(self.line, b, Keys::ExpectKey, self.max);
                    self.state = State::Value(Ctx::Top);
                } else if b == b'\n' {
                    self.state = State::Resync { line_start: true };
                } else if !matches!(b, b' ' | b'\t' | b'\r') {
                    self.state = State::Resync { line_start: false };
                }
                (true, None)
            }
            State::Between(container) => match b {
                b',' => (true, None),
                _ if is_ws(b) => (true, None),
                b']' => {
                    self.state = match container {
                        Container::Array { .. } => State::Top,
                        Container::Page { line } => {
                            self.value.start_tail(line);
                            State::Value(Ctx::PageTail { line })
                        }
                    };
                    (true, None)
                }
                b'}' => {
                    let what = match container {
                        Container::Array { line } => {
                            format!("a `}}` inside the array starting at line {line}")
                        }
                        Container::Page { line } => {
                            format!("a `}}` inside the `value` array of the page starting at line {line}")
                        }
                    };
                    (true, self.fatal(&what))
                }
                _ => {
                    self.value.start(self.line, b, Keys::Off, self.max);
                    self.state = State::Value(Ctx::Element(container));
                    (true, None)
                }
            },
            State::Value(ctx) => self.step_value(ctx, b),
            State::Ended => (false, None),
        }
    }

    fn step_value(&mut self, ctx: Ctx, b: u8) -> (bool, Option<Item>) {
        match self.value.scan(b, self.max) {
            Event::Continue => (true, None),
            Event::PageStart => {
                self.value.buf.clear();
                self.value.overflow = false;
                self.state = State::Between(Container::Page {
                    line: self.value.start_line,
                });
                (true, None)
            }
            Event::Done { consumed } => {
                self.state = match ctx {
                    Ctx::Top | Ctx::PageTail { .. } => State::Top,
                    Ctx::Element(container) => State::Between(container),
                };
                let item = match ctx {
                    Ctx::PageTail { .. } => None,
                    Ctx::Top | Ctx::Element(_) => Some(self.take_value()),
                };
                (consumed, item)
            }
            Event::Broken(reason) => {
                let start = self.value.start_line;
                match ctx {
                    Ctx::Top => {
                        self.value.buf.clear();
                        self.state = State::Resync {
                            line_start: b == b'\n',
                        };
                        let message = format!(
                            "the record starting at line {start} is broken ({reason} at line {}); \
                             skipped to the next line that starts with `{{`",
                            self.line
                        );
                        (true, Self::bad(start, message))
                    }
                    Ctx::Element(_) => (
                        true,
                        self.fatal(&format!("{reason} in the record starting at line {start}")),
                    ),
                    Ctx::PageTail { line } => (
                        true,
                        self.fatal(&format!("{reason} in the page starting at line {line}")),
                    ),
                }
            }
        }
    }

    /// The item for a value that just ended (record, oversized record or non-object).
    fn take_value(&mut self) -> Item {
        let line = self.value.start_line;
        if self.value.first != b'{' {
            return Item::Bad {
                line,
                message: format!(
                    "expected a JSON object, found {}; it was skipped",
                    describe(self.value.first)
                ),
            };
        }
        if self.value.overflow {
            return Item::Bad {
                line,
                message: format!(
                    "the record starting at line {line} is larger than the limit of {} bytes; it was skipped",
                    self.max
                ),
            };
        }
        let json = self.value.buf.as_slice().to_vec();
        self.value.buf.clear();
        Item::Record { line, json }
    }

    /// Called at the end of the input.
    fn finish(&mut self) -> Option<Item> {
        let state = std::mem::replace(&mut self.state, State::Ended);
        match state {
            State::Bom(n) if n > 0 => Self::bad(
                self.line,
                "the file starts with an incomplete byte order mark".to_string(),
            ),
            State::Bom(_) | State::Top | State::SkipLine | State::Resync { .. } | State::Ended => None,
            State::Between(Container::Array { line }) => Self::bad(
                line,
                format!("unexpected end of file: the array starting at line {line} is not closed"),
            ),
            State::Between(Container::Page { line }) => Self::bad(
                line,
                format!(
                    "unexpected end of file in the page starting at line {line} \
                     (its `value` array is not closed)"
                ),
            ),
            State::Value(Ctx::PageTail { line }) => Self::bad(
                line,
                format!("unexpected end of file in the page starting at line {line}"),
            ),
            State::Value(Ctx::Top | Ctx::Element(_)) => {
                let line = self.value.start_line;
                self.value.buf.clear();
                Self::bad(
                    line,
                    format!("unexpected end of file in the record starting at line {line}"),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Read};

    fn collect_with<R: BufRead>(reader: R, max: usize) -> (Vec<Item>, u64) {
        let mut rr = RecordReader::with_max_record_bytes(reader, max);
        let mut items = Vec::new();
        for item in rr.by_ref() {
            items.push(item.expect("no io error"));
        }
        assert!(rr.next().is_none(), "iterator stays ended");
        (items, rr.bytes_read())
    }

    /// Splits `input` with buffer capacities 1, 2, 7 and the default, checks they agree, returns the items.
    fn run_max(input: &[u8], max: usize) -> Vec<Item> {
        let (expected, total) = collect_with(BufReader::new(input), max);
        for cap in [1, 2, 7] {
            let (items, bytes) = collect_with(BufReader::with_capacity(cap, input), max);
            assert_eq!(
                items,
                expected,
                "capacity {cap} differs for {:?}",
                String::from_utf8_lossy(input)
            );
            assert_eq!(bytes, total, "bytes_read with capacity {cap}");
        }
        // Also the plain &[u8] BufRead (the whole input as one chunk).
        let (items, bytes) = collect_with(input, max);
        assert_eq!(items, expected);
        assert_eq!(bytes, total);
        expected
    }

    fn run(input: &str) -> Vec<Item> {
        run_max(input.as_bytes(), DEFAULT_MAX_RECORD_BYTES)
    }

    fn rec(line: u64, json: &str) -> Item {
        Item::Record {
            line,
            json: json.as_bytes().to_vec(),
        }
    }

    #[track_caller]
    fn assert_bad(item: &Item, want_line: u64, needle: &str) {
        match item {
            Item::Bad { line, message } => {
                assert_eq!(*line, want_line, "line of {message:?}");
                assert!(message.contains(needle), "{message:?} should contain {needle:?}");
            }
            other => panic!("expected Bad at {want_line} containing {needle:?}, got {other:?}"),
        }
    }

    fn records(items: &[Item]) -> Vec<(u64, String)> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Record { line, json } => Some((*line, String::from_utf8_lossy(json).into_owned())),
                Item::Bad { .. } => None,
            })
            .collect()
    }

    #[test]
    fn empty_and_whitespace() {
        assert!(run("").is_empty());
        assert!(run("  \n\r\n\t\n").is_empty());
        assert!(run("\u{feff}").is_empty());
        assert!(run("\u{feff}\n\n").is_empty());
        assert!(run("[]").is_empty());
        assert!(run("[\n]\n").is_empty());
        assert!(run(r#"{"value": []}"#).is_empty());
    }

    #[test]
    fn ndjson_compact_with_blank_lines() {
        let items = run("{\"a\":1}\n\n{\"b\":2}\n{\"c\":3}\n");
        assert_eq!(
            items,
            vec![rec(1, r#"{"a":1}"#), rec(3, r#"{"b":2}"#), rec(4, r#"{"c":3}"#)]
        );
        // No trailing newline, leading blank lines, indentation.
        let items = run("\n\n   {\"a\":1}  \n\t{\"b\":2}");
        assert_eq!(items, vec![rec(3, r#"{"a":1}"#), rec(4, r#"{"b":2}"#)]);
        // Several objects on one line.
        let items = run("{\"a\":1}{\"b\":2} {\"c\":3}\n");
        assert_eq!(
            items,
            vec![rec(1, r#"{"a":1}"#), rec(1, r#"{"b":2}"#), rec(1, r#"{"c":3}"#)]
        );
    }

    #[test]
    fn ndjson_pretty_printed_objects() {
        let input = "{\n  \"a\": 1,\n  \"n\": {\"x\": [1, 2]}\n}\n{\n  \"b\": 2\n}\n\n{\"c\": 3}\n";
        let items = run(input);
        assert_eq!(
            items,
            vec![
                rec(1, "{\n  \"a\": 1,\n  \"n\": {\"x\": [1, 2]}\n}"),
                rec(5, "{\n  \"b\": 2\n}"),
                rec(9, r#"{"c": 3}"#),
            ]
        );
    }

    #[test]
    fn array_compact_on_one_line() {
        let items = run(r#"[{"a":1},{"b":2}, {"c":3}]"#);
        assert_eq!(
            items,
            vec![rec(1, r#"{"a":1}"#), rec(1, r#"{"b":2}"#), rec(1, r#"{"c":3}"#)]
        );
    }

    #[test]
    fn array_pretty_printed() {
        let input = "[\n  {\n    \"a\": 1\n  },\n  {\"b\": [\n    2\n  ]},\n  {\"c\": 3}\n]\n";
        let items = run(input);
        assert_eq!(
            items,
            vec![
                rec(2, "{\n    \"a\": 1\n  }"),
                rec(5, "{\"b\": [\n    2\n  ]}"),
                rec(8, r#"{"c": 3}"#)
            ]
        );
        // Comma at the start of the line, trailing comma, array followed by NDJSON.
        let input = "[ {\"a\":1}\n, {\"b\":2},\n]\n{\"c\":3}\n";
        let items = run(input);
        assert_eq!(
            items,
            vec![rec(1, r#"{"a":1}"#), rec(2, r#"{"b":2}"#), rec(4, r#"{"c":3}"#)]
        );
    }

    #[test]
    fn trailing_comma_tolerated_silently() {
        let items = run("[{\"a\":1},{\"b\":2},]");
        assert_eq!(items, vec![rec(1, r#"{"a":1}"#), rec(1, r#"{"b":2}"#)]);
        let items = run("{\"value\": [{\"a\":1},\n]}");
        assert_eq!(items, vec![rec(1, r#"{"a":1}"#)]);
    }

    #[test]
    fn page_value_last() {
        let input = "{\"@odata.context\": \"https://graph/$metadata#users\", \"@odata.count\": 2, \
                     \"value\": [{\"id\": \"1\"}, {\"id\": \"2\"}]}";
        assert_eq!(
            run(input),
            vec![rec(1, r#"{"id": "1"}"#), rec(1, r#"{"id": "2"}"#)]
        );
    }

    #[test]
    fn page_value_first_pretty() {
        let input = concat!(
            "{\n  \"value\": [\n    {\n      \"id\": \"1\"\n    },\n    {\"id\": \"2\"}\n  ],\n",
            "  \"@odata.nextLink\": \"https://graph/users?$skiptoken=x{[\",\n",
            "  \"extra\": {\"value\": [1]}\n}\n",
        );
        assert_eq!(
            run(input),
            vec![rec(3, "{\n      \"id\": \"1\"\n    }"), rec(6, r#"{"id": "2"}"#)]
        );
    }

    #[test]
    fn page_value_in_the_middle_and_escaped_key() {
        let input = r#"{"a": {"value": [0]}, "value" : [ {"id":1} ] , "z": [1, {"q": "}"}]}"#;
        assert_eq!(run(input), vec![rec(1, r#"{"id":1}"#)]);
        let input = r#"{"val\u0075e": [{"id":1}], "@odata.nextLink": "x"}"#;
        assert_eq!(run(input), vec![rec(1, r#"{"id":1}"#)]);
        let input = r#"{"\u0076\u0061lue": [{"id":2}]}"#;
        assert_eq!(run(input), vec![rec(1, r#"{"id":2}"#)]);
        // Keys that only look like `value`.
        for input in [
            r#"{"values": [{"id":1}]}"#,
            r#"{"valu": [{"id":1}]}"#,
            r#"{"valuE": [{"id":1}]}"#,
            r#"{"val\u0075": [{"id":1}]}"#,
            r#"{"\u0100alue": [{"id":1}]}"#,
            r#"{"value\n": [{"id":1}]}"#,
            r#"{"Value": [{"id":1}]}"#,
            r#"{"x": "value", "y": [{"id":1}]}"#,
        ] {
            assert_eq!(run(input), vec![rec(1, input)], "{input}");
        }
    }

    #[test]
    fn concatenated_pages() {
        let page = |n: u32| {
            format!(
                "{{\n  \"@odata.context\": \"ctx\",\n  \"value\": [\n    {{\"id\": {n}}},\n    \
                 {{\"id\": {}}}\n  ],\n  \"@odata.nextLink\": \"next\"\n}}\n",
                n + 1
            )
        };
        let input = format!("{}{}", page(1), page(3));
        let items = run(&input);
        assert_eq!(
            items,
            vec![
                rec(4, r#"{"id": 1}"#),
                rec(5, r#"{"id": 2}"#),
                rec(12, r#"{"id": 3}"#),
                rec(13, r#"{"id": 4}"#)
            ]
        );
        // Compact pages, one per line, mixed with a plain record.
        let input =
            "{\"value\":[{\"a\":1}],\"@odata.nextLink\":\"n\"}\n{\"a\":2}\n{\"x\":1,\"value\":[{\"a\":3}]}\n";
        let items = run(input);
        assert_eq!(
            items,
            vec![rec(1, r#"{"a":1}"#), rec(2, r#"{"a":2}"#), rec(3, r#"{"a":3}"#)]
        );
    }

    #[test]
    fn top_level_object_without_value_array_is_a_record() {
        for input in [
            r#"{"id": 1, "name": "x"}"#,
            r#"{"value": 5}"#,
            r#"{"value": "[1]"}"#,
            r#"{"value": {"a": [1]}}"#,
            r#"{"nested": {"value": [{"a": 1}]}}"#,
            r#"{"list": [{"value": [1]}]}"#,
        ] {
            assert_eq!(run(input), vec![rec(1, input)], "{input}");
        }
    }

    #[test]
    fn tricky_strings() {
        let recs = [
            r#"{"s": "braces { } and brackets [ ] ]]}}"}"#,
            r#"{"s": "escaped \" quote }", "t": "\\"}"#,
            r#"{"s": "backslashes \\\\ \\\" \\", "u": "\u00e9\ud83d\ude00"}"#,
            "{\"s\": \"unicode é 日本 😀 {\"}",
            r#"{"note": "\"value\": [ {\"id\": 1} ]", "n": "value: ["}"#,
            r#"{"x": "a", "y": "\"value\": [", "value_like": "{\"value\": [1]}"}"#,
            r#"{"k\"}": "v", "\\": "]"}"#,
        ];
        let ndjson = recs.join("\n");
        let items = run(&ndjson);
        let expected: Vec<Item> = recs
            .iter()
            .enumerate()
            .map(|(i, r)| rec(i as u64 + 1, r))
            .collect();
        assert_eq!(items, expected);
        for item in &items {
            if let Item::Record { json, .. } = item {
                let v: serde_json::Value = serde_json::from_slice(json).expect("valid JSON");
                assert!(v.is_object());
            }
        }
        let array = format!("[\n{}\n]", recs.join(",\n"));
        let items = run(&array);
        let expected: Vec<Item> = recs
            .iter()
            .enumerate()
            .map(|(i, r)| rec(i as u64 + 2, r))
            .collect();
        assert_eq!(items, expected);
        let page = format!("{{\"value\": [\n{}\n]}}", recs.join(",\n"));
        assert_eq!(run(&page), expected);
    }

    #[test]
    fn value_text_inside_string_of_top_level_object_does_not_start_page_mode() {
        let input = "{\"a\": \"\\\"value\\\": [\", \"b\": 1}\n{\"c\": \"value\", \"d\": [{\"e\": 1}]}\n";
        let items = run(input);
        assert_eq!(
            items,
            vec![
                rec(1, r#"{"a": "\"value\": [", "b": 1}"#),
                rec(2, r#"{"c": "value", "d": [{"e": 1}]}"#)
            ]
        );
    }

    #[test]
    fn crlf_line_endings() {
        let input = "{\"a\":1}\r\n\r\n{\r\n  \"b\": 2\r\n}\r\n{\"c\":3}\r\n";
        let items = run(input);
        assert_eq!(
            items,
            vec![
                rec(1, r#"{"a":1}"#),
                rec(3, "{\r\n  \"b\": 2\r\n}"),
                rec(6, r#"{"c":3}"#)
            ]
        );
        let input = "[\r\n  {\"a\":1},\r\n  {\"b\":2}\r\n]\r\n";
        assert_eq!(run(input), vec![rec(2, r#"{"a":1}"#), rec(3, r#"{"b":2}"#)]);
        let input = "{\r\n\"value\": [\r\n{\"a\":1}\r\n]\r\n}\r\n";
        assert_eq!(run(input), vec![rec(3, r#"{"a":1}"#)]);
    }

    #[test]
    fn bom_is_skipped() {
        let items = run("\u{feff}{\"a\":1}\n{\"b\":2}\n");
        assert_eq!(items, vec![rec(1, r#"{"a":1}"#), rec(2, r#"{"b":2}"#)]);
        let items = run("\u{feff}\n[{\"a\":1}]");
        assert_eq!(items, vec![rec(2, r#"{"a":1}"#)]);
        let items = run("\u{feff}{\"value\":[{\"a\":1}]}");
        assert_eq!(items, vec![rec(1, r#"{"a":1}"#)]);
        // A BOM anywhere else is garbage at top level.
        let items = run("{\"a\":1}\n\u{feff}{\"b\":2}\n{\"c\":3}");
        assert_eq!(items.len(), 3);
        assert_eq!(items[0], rec(1, r#"{"a":1}"#));
        assert_bad(&items[1], 2, "0xef");
        assert_eq!(items[2], rec(3, r#"{"c":3}"#));
        // An incomplete BOM.
        let items = run_max(b"\xef\xbb{\"a\":1}\n{\"b\":2}", 100);
        assert_eq!(items.len(), 2);
        assert_bad(&items[0], 1, "byte order mark");
        assert_eq!(items[1], rec(2, r#"{"b":2}"#));
        let items = run_max(b"\xef", 100);
        assert_eq!(items.len(), 1);
        assert_bad(&items[0], 1, "byte order mark");
    }

    #[test]
    fn oversized_records_are_skipped() {
        let big = format!("{{\"big\": \"{}\", \"n\": [[{{}}]]}}", "x".repeat(100));
        // NDJSON.
        let input = format!("{{\"a\":1}}\n{big}\n{{\"b\":2}}\n");
        let items = run_max(input.as_bytes(), 50);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0], rec(1, r#"{"a":1}"#));
        assert_bad(&items[1], 2, "limit of 50 bytes");
        assert_eq!(items[2], rec(3, r#"{"b":2}"#));
        // Array.
        let input = format!("[\n{{\"a\":1}},\n{big},\n{{\"b\":2}}\n]");
        let items = run_max(input.as_bytes(), 50);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0], rec(2, r#"{"a":1}"#));
        assert_bad(&items[1], 3, "limit of 50 bytes");
        assert_eq!(items[2], rec(4, r#"{"b":2}"#));
        // Page whose header alone exceeds the limit, with an oversized element.
        let input = format!(
            "{{\"@odata.context\": \"{}\",\n\"value\": [{big}, {{\"b\":2}}]}}",
            "c".repeat(80)
        );
        let items = run_max(input.as_bytes(), 50);
        assert_eq!(items.len(), 2);
        assert_bad(&items[0], 2, "limit of 50 bytes");
        assert_eq!(items[1], rec(2, r#"{"b":2}"#));
        // Exactly at the limit is fine, one byte over is not.
        let r = r#"{"a":"0123456789"}"#;
        assert_eq!(run_max(r.as_bytes(), r.len()), vec![rec(1, r)]);
        let items = run_max(r.as_bytes(), r.len() - 1);
        assert_eq!(items.len(), 1);
        assert_bad(&items[0], 1, &format!("limit of {} bytes", r.len() - 1));
    }

    #[test]
    fn oversized_record_buffer_stays_bounded() {
        let max = 1000;
        let input = format!("[{{\"big\": \"{}\"}}, {{\"a\": 1}}]", "x".repeat(100_000));
        let mut rr = RecordReader::with_max_record_bytes(BufReader::with_capacity(64, input.as_bytes()), max);
        let first = rr.next().expect("item").expect("no io error");
        assert_bad(&first, 1, "limit of 1000 bytes");
        assert!(rr.scanner.value.buf.capacity() <= max);
        assert_eq!(
            rr.next().expect("item").expect("no io error"),
            rec(1, r#"{"a": 1}"#)
        );
        assert!(rr.next().is_none());
    }

    #[test]
    fn deep_nesting_beyond_tracked_depth() {
        let depth = MAX_TRACKED_DEPTH + 10;
        let input = format!(
            "{{\"a\":{}{}}}\n{{\"b\":1}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let items = run_max(input.as_bytes(), 100);
        assert_eq!(items.len(), 2);
        assert_bad(&items[0], 1, "limit of 100 bytes");
        assert_eq!(items[1], rec(2, r#"{"b":1}"#));
        let mut rr = RecordReader::with_max_record_bytes(input.as_bytes(), 100);
        rr.next();
        assert!(rr.scanner.value.stack.capacity() <= 2 * MAX_TRACKED_DEPTH);
    }

    #[test]
    fn broken_ndjson_line_resyncs() {
        // Raw line break inside a string: the record is lost, the next line starting with `{` is read.
        let input = "{\"a\":1}\n{\"b\": \"unterminated\n{\"c\":3}\n{\"d\":4}\n";
        let items = run(input);
        assert_eq!(items.len(), 4);
        assert_eq!(items[0], rec(1, r#"{"a":1}"#));
        assert_bad(&items[1], 2, "line break inside a string");
        assert_eq!(items[2], rec(3, r#"{"c":3}"#));
        assert_eq!(items[3], rec(4, r#"{"d":4}"#));
        // The broken string runs over lines that do not start with `{`.
        let input = "{\"a\": \"x\n  still text\n  \"b\": 2}\n  {\"c\":3}\n";
        let items = run(input);
        assert_eq!(items.len(), 2);
        assert_bad(&items[0], 1, "at line 1");
        assert_eq!(items[1], rec(4, r#"{"c":3}"#));
        // Mismatched closing bracket: rest of the line is skipped too.
        let input = "{\"a\": ] {\"x\":1}\n{\"b\":2}\n{\"c\": [1}, \"d\": 2}\n\n{\"e\":5}";
        let items = run(input);
        assert_eq!(items.len(), 4);
        assert_bad(&items[0], 1, "`]` does not match the `{`");
        assert_eq!(items[1], rec(2, r#"{"b":2}"#));
        assert_bad(&items[2], 3, "`}` does not match the `[`");
        assert_eq!(items[3], rec(5, r#"{"e":5}"#));
        // Broken multi-line record: reported at its start line, with the line of the breakage.
        let input = "{\n  \"a\": 1,\n  \"b\": ]\n}\n{\"c\":3}\n";
        let items = run(input);
        assert_eq!(items.len(), 2);
        assert_bad(&items[0], 1, "at line 3");
        assert_eq!(items[1], rec(5, r#"{"c":3}"#));
    }

    #[test]
    fn broken_array_yields_one_bad_and_ends() {
        let input = "[\n{\"a\":1},\n{\"b\": ]},\n{\"c\":3}\n]\n";
        let items = run(input);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], rec(2, r#"{"a":1}"#));
        assert_bad(&items[1], 3, "structure is broken at line 3");
        assert_bad(&items[1], 3, "were not read");
        // Raw line break in a string inside an array.
        let input = "[{\"a\":1},\n{\"b\": \"x\ny\"},\n{\"c\":3}]";
        let items = run(input);
        assert_eq!(items.len(), 2);
        assert_bad(
            &items[1],
            2,
            "line break inside a string in the record starting at line 2",
        );
        // A `}` between elements.
        let items = run("[{\"a\":1}\n}\n{\"b\":2}");
        assert_eq!(items.len(), 2);
        assert_bad(&items[1], 2, "structure is broken at line 2");
        // Breakage inside a page, and in the rest of a page after its `value` array.
        let items = run("{\"value\": [{\"a\":1}, {\"b\": [}]}\n{\"c\":1}");
        assert_eq!(items.len(), 2);
        assert_bad(&items[1], 1, "structure is broken at line 1");
        let items = run("{\"value\": [{\"a\":1}],\n\"@odata.nextLink\": \"x]\n\"}\n{\"c\":1}");
        assert_eq!(items.len(), 2);
        assert_bad(&items[1], 2, "in the page starting at line 1");
        // The iterator ends early: not all bytes were read.
        let input = "[{\"a\": ]}, {\"b\":1}]";
        let mut rr = RecordReader::new(input.as_bytes());
        assert!(matches!(rr.next(), Some(Ok(Item::Bad { .. }))));
        assert!(rr.next().is_none());
        assert!(rr.bytes_read() < input.len() as u64);
    }

    #[test]
    fn broken_page_header_is_handled_like_ndjson() {
        // Before `"value": [` is seen, a top-level object is an NDJSON record candidate.
        let input = "{\"@odata.context\": \"x\n\"value\": [{\"a\":1}]}\n{\"b\":2}\n";
        let items = run(input);
        assert_eq!(items.len(), 2);
        assert_bad(&items[0], 1, "line break inside a string");
        assert_eq!(items[1], rec(3, r#"{"b":2}"#));
    }

    #[test]
    fn non_object_elements_are_skipped() {
        let input = "[42, \"x,]}\", null, true, [1, {\"a\": 2}], -1.5e3, {\"ok\": 1}, false]";
        let items = run(input);
        assert_eq!(items.len(), 8);
        assert_bad(&items[0], 1, "expected a JSON object, found a number");
        assert_bad(&items[1], 1, "expected a JSON object, found a string");
        assert_bad(&items[2], 1, "expected a JSON object, found null");
        assert_bad(&items[3], 1, "expected a JSON object, found a boolean");
        assert_bad(&items[4], 1, "expected a JSON object, found an array");
        assert_bad(&items[5], 1, "expected a JSON object, found a number");
        assert_eq!(items[6], rec(1, r#"{"ok": 1}"#));
        assert_bad(&items[7], 1, "expected a JSON object, found a boolean");
        // In a page, pretty-printed.
        let input = "{\"value\": [\n  1,\n  {\"a\": 1},\n  \"s\"\n]}\n";
        let items = run(input);
        assert_eq!(items.len(), 3);
        assert_bad(&items[0], 2, "expected a JSON object");
        assert_eq!(items[1], rec(3, r#"{"a": 1}"#));
        assert_bad(&items[2], 4, "expected a JSON object");
        // At top level.
        let input = "42\n\"x\"\nnull\n{\"a\":1}\n";
        let items = run(input);
        assert_eq!(items.len(), 4);
        assert_bad(&items[0], 1, "expected a JSON object");
        assert_bad(&items[1], 2, "expected a JSON object");
        assert_bad(&items[2], 3, "expected a JSON object");
        assert_eq!(items[3], rec(4, r#"{"a":1}"#));
    }

    #[test]
    fn garbage_at_top_level() {
        let input = "hello world {\"x\":1}\n{\"a\":1}\n]\n{\"b\":2},\n  } {\n{\"c\":3}\n";
        let items = run(input);
        assert_eq!(items.len(), 7);
        assert_bad(&items[0], 1, "text starting with `h`");
        assert_eq!(items[1], rec(2, r#"{"a":1}"#));
        assert_bad(&items[2], 3, "a stray `]`");
        assert_eq!(items[3], rec(4, r#"{"b":2}"#));
        assert_bad(&items[4], 4, "a stray `,`");
        assert_bad(&items[5], 5, "a stray `}`");
        assert_eq!(items[6], rec(6, r#"{"c":3}"#));
    }

    #[test]
    fn end_of_file_inside_a_record() {
        let items = run("{\"a\":1}\n{\"b\": {\"c\": 2}\n");
        assert_eq!(items.len(), 2);
        assert_bad(
            &items[1],
            2,
            "unexpected end of file in the record starting at line 2",
        );
        let items = run("{\"a\": \"abc");
        assert_eq!(items.len(), 1);
        assert_bad(
            &items[0],
            1,
            "unexpected end of file in the record starting at line 1",
        );
        let items = run("[\n{\"a\":1},\n{\"b\":");
        assert_eq!(items.len(), 2);
        assert_bad(
            &items[1],
            3,
            "unexpected end of file in the record starting at line 3",
        );
        let items = run("[\n{\"a\":1},\n");
        assert_eq!(items.len(), 2);
        assert_bad(&items[1], 1, "the array starting at line 1 is not closed");
        let items = run("\n{\"value\": [{\"a\":1}");
        assert_eq!(items.len(), 2);
        assert_bad(
            &items[1],
            2,
            "unexpected end of file in the page starting at line 2",
        );
        let items = run("{\"value\": [{\"a\":1}], \"x\": 1");
        assert_eq!(items.len(), 2);
        assert_bad(
            &items[1],
            1,
            "unexpected end of file in the page starting at line 1",
        );
        let items = run_max(format!("{{\"big\": \"{}", "x".repeat(200)).as_bytes(), 10);
        assert_eq!(items.len(), 1);
        assert_bad(
            &items[0],
            1,
            "unexpected end of file in the record starting at line 1",
        );
    }

    /// A reader that returns some bytes, then an error.
    struct Failing {
        data: &'static [u8],
        interrupted_once: bool,
    }

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.interrupted_once {
                self.interrupted_once = true;
                return Err(io::Error::new(io::ErrorKind::Interrupted, "try again"));
            }
            if self.data.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.data.len()).min(5);
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn io_errors_are_passed_through_then_the_iterator_ends() {
        let data = b"{\"a\":1}\n{\"b\":2}\n{\"c\":";
        let mut rr = RecordReader::new(BufReader::new(Failing {
            data,
            interrupted_once: false,
        }));
        assert_eq!(rr.next().expect("item").expect("ok"), rec(1, r#"{"a":1}"#));
        assert_eq!(rr.next().expect("item").expect("ok"), rec(2, r#"{"b":2}"#));
        let err = rr.next().expect("item").expect_err("io error");
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert_eq!(err.to_string(), "disk on fire");
        assert!(rr.next().is_none());
        assert!(rr.next().is_none());
        assert_eq!(rr.bytes_read(), data.len() as u64);
    }

    #[test]
    fn bytes_read_grows_to_the_total_size() {
        let input = "\u{feff}[\n{\"a\":1},\n{\"b\":2}\n]\n\n";
        let mut rr = RecordReader::new(BufReader::with_capacity(3, input.as_bytes()));
        assert_eq!(rr.bytes_read(), 0);
        let mut last = 0;
        while let Some(item) = rr.next() {
            item.expect("ok");
            assert!(rr.bytes_read() > last);
            last = rr.bytes_read();
        }
        assert_eq!(rr.bytes_read(), input.len() as u64);
    }

    #[test]
    fn same_results_for_every_buffer_size() {
        // `run` already checks capacities 1, 2, 7 and the default; this covers a mixed file explicitly.
        let input = concat!(
            "\u{feff}{\"a\":\"}\\\"{\"}\r\n",
            "[{\"b\":1},2,\n",
            "{\"c\":[3]}]\n",
            "{\"value\":[{\"d\":\"é\"}],\"n\":\"]\"}\n",
            "bad\n",
            "{\"e\": \"x\n",
            "{\"f\":6}",
        );
        let items = run(input);
        assert_eq!(
            records(&items),
            vec![
                (1, r#"{"a":"}\"{"}"#.to_string()),
                (2, r#"{"b":1}"#.to_string()),
                (3, r#"{"c":[3]}"#.to_string()),
                (4, r#"{"d":"é"}"#.to_string()),
                (7, r#"{"f":6}"#.to_string()),
            ]
        );
        assert_eq!(items.len(), 8);
    }

    /// A `BufRead` that generates its bytes piece by piece, never holding the whole text.
    struct Lazy<F: FnMut(u64) -> Option<Vec<u8>>> {
        make: F,
        index: u64,
        piece: Vec<u8>,
        pos: usize,
        total: u64,
    }

    impl<F: FnMut(u64) -> Option<Vec<u8>>> Lazy<F> {
        fn new(make: F) -> Self {
            Lazy {
                make,
                index: 0,
                piece: Vec::new(),
                pos: 0,
                total: 0,
            }
        }
    }

    impl<F: FnMut(u64) -> Option<Vec<u8>>> Read for Lazy<F> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let available = self.fill_buf()?;
            let n = available.len().min(buf.len());
            buf[..n].copy_from_slice(&available[..n]);
            self.consume(n);
            Ok(n)
        }
    }

    impl<F: FnMut(u64) -> Option<Vec<u8>>> BufRead for Lazy<F> {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            while self.pos >= self.piece.len() {
                match (self.make)(self.index) {
                    Some(piece) => {
                        self.index += 1;
                        self.total += piece.len() as u64;
                        self.piece = piece;
                        self.pos = 0;
                    }
                    None => return Ok(&[]),
                }
            }
            Ok(&self.piece[self.pos..])
        }

        fn consume(&mut self, amt: usize) {
            self.pos += amt;
        }
    }

    fn record_text(i: u64) -> String {
        format!("{{\"id\": {i}, \"name\": \"record {i} {{[\\\"]}}\", \"tags\": [\"a\", \"b\"]}}")
    }

    /// Streams `reader` and checks the records are `record_text(first..first+count)` at the given lines.
    fn check_stream<F: FnMut(u64) -> Option<Vec<u8>>>(
        reader: Lazy<F>,
        count: u64,
        line_of: impl Fn(u64) -> u64,
    ) {
        let max = 256;
        let mut rr = RecordReader::with_max_record_bytes(reader, max);
        let mut n = 0;
        while let Some(item) = rr.next() {
            match item.expect("no io error") {
                Item::Record { line, json } => {
                    assert_eq!(line, line_of(n));
                    if n % 997 == 0 || n + 1 == count {
                        assert_eq!(json, record_text(n).into_bytes());
                    }
                    n += 1;
                }
                bad => panic!("unexpected {bad:?}"),
            }
            assert!(rr.scanner.value.buf.capacity() <= max);
        }
        assert_eq!(n, count);
        assert_eq!(rr.bytes_read(), rr.reader.total);
        assert!(
            rr.reader.piece.capacity() < 1024,
            "the generator holds one piece at a time"
        );
    }

    #[test]
    fn streams_a_large_array() {
        let count = 200_000;
        let reader = Lazy::new(move |i| match i {
            0 => Some(b"[\n".to_vec()),
            i if i <= count => {
                let sep = if i < count { "," } else { "" };
                Some(format!("  {}{sep}\n", record_text(i - 1)).into_bytes())
            }
            i if i == count + 1 => Some(b"]\n".to_vec()),
            _ => None,
        });
        check_stream(reader, count, |n| n + 2);
    }

    #[test]
    fn streams_a_large_ndjson_file() {
        let count = 200_000;
        let reader = Lazy::new(move |i| (i < count).then(|| format!("{}\r\n", record_text(i)).into_bytes()));
        check_stream(reader, count, |n| n + 1);
    }

    #[test]
    fn streams_pages() {
        let pages = 3;
        let per_page = 1_000;
        // Per page: a 2-line header piece, one line per record, a 2-line footer piece.
        let pieces_per_page = per_page + 2;
        let reader = Lazy::new(move |i| {
            let page = i / pieces_per_page;
            if page >= pages {
                return None;
            }
            let k = i % pieces_per_page;
            let text = if k == 0 {
                "{\"@odata.context\": \"https://graph/$metadata#users\",\n  \"value\": [\n".to_string()
            } else if k <= per_page {
                let sep = if k < per_page { "," } else { "" };
                format!("    {}{sep}\n", record_text(page * per_page + k - 1))
            } else {
                format!("  ],\n  \"@odata.nextLink\": \"https://graph/users?$skiptoken={page}\"}}\n")
            };
            Some(text.into_bytes())
        });
        let lines_per_page = per_page + 4;
        check_stream(reader, pages * per_page, move |n| {
            (n / per_page) * lines_per_page + 3 + n % per_page
        });
    }
}
