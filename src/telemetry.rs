//! Structured logging with `tracing`: text for people, JSON for machines.

use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber; `RUST_LOG` overrides the default filter. `buffered` (the
/// server): lines are written to stdout in blocks, see [`Buffered`].
pub fn init(format: LogFormat, buffered: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second init (tests) keeps the first subscriber; that is fine.
    let _ = match (format, buffered) {
        (LogFormat::Text, false) => builder.try_init(),
        (LogFormat::Json, false) => builder.fmt_fields(JsonFields).event_format(JsonLines).try_init(),
        (LogFormat::Text, true) => builder.with_writer(Buffered::start()).try_init(),
        (LogFormat::Json, true) => builder
            .fmt_fields(JsonFields)
            .event_format(JsonLines)
            .with_writer(Buffered::start())
            .try_init(),
    };
}

/// JSON lines written straight to the output: `{"timestamp", "level", the event's fields
/// ("message" first), "target", "span": the current span's fields and "name", "spans": every
/// span from the root}` — the shape of tracing-subscriber's flattened JSON. Its formatter
/// stores each span's fields as JSON text and parses that text back on every event (twice: for
/// "span" and for "spans"); with a line per request that was most of the access log's cost
/// (bench/RESULTS.md). Here a span's fields are kept as a JSON fragment (`"k":v,...`) and copied.
struct JsonLines;

/// A span's fields as a JSON object's members, without the braces (see [`JsonLines`]).
struct JsonFields;

impl<'writer> FormatFields<'writer> for JsonFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut members = Members::new(&mut writer, false);
        fields.record(&mut members);
        members.result
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let had_fields = !current.fields.is_empty();
        let mut writer = current.as_writer();
        let mut members = Members::new(&mut writer, had_fields);
        fields.record(&mut members);
        members.result
    }
}

impl<S> FormatEvent<S, JsonFields> for JsonLines
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        writer.write_str("{\"timestamp\":\"")?;
        SystemTime.format_time(&mut writer)?;
        write!(writer, "\",\"level\":\"{}\"", event.metadata().level())?;
        let mut members = Members::new(&mut writer, true);
        event.record(&mut members);
        members.result?;
        let target = members.log_target.take();
        writer.write_str(",\"target\":")?;
        string(
            &mut writer,
            target.as_deref().unwrap_or(event.metadata().target()),
        )?;
        let current = event
            .parent()
            .and_then(|id| ctx.span(id))
            .or_else(|| ctx.lookup_current());
        if let Some(current) = current {
            writer.write_str(",\"span\":")?;
            span_object(&mut writer, &current)?;
            writer.write_str(",\"spans\":[")?;
            for (i, span) in current.scope().from_root().enumerate() {
                if i > 0 {
                    writer.write_char(',')?;
                }
                span_object(&mut writer, &span)?;
            }
            writer.write_char(']')?;
        }
        writer.write_str("}\n")
    }
}

/// `{<the span's fields>,"name":"<its name>"}`.
fn span_object<S>(writer: &mut Writer<'_>, span: &tracing_subscriber::registry::SpanRef<'_, S>) -> fmt::Result
where
    S: for<'lookup> LookupSpan<'lookup>,
{
    writer.write_char('{')?;
    if let Some(fields) = span.extensions().get::<FormattedFields<JsonFields>>() {
        if !fields.fields.is_empty() {
            writer.write_str(&fields.fields)?;
            writer.write_char(',')?;
        }
    }
    writer.write_str("\"name\":")?;
    string(writer, span.metadata().name())?;
    writer.write_char('}')
}

/// Writes fields as JSON members (`,"k":v` after the first, or after any when `comma`). Fields
/// that `log` records carry (`log.target` and the like) are not written; `log.target` becomes
/// the line's target, as in tracing-subscriber's formatters.
struct Members<'a, 'w> {
    writer: &'a mut Writer<'w>,
    comma: bool,
    log_target: Option<String>,
    result: fmt::Result,
}

impl<'a, 'w> Members<'a, 'w> {
    fn new(writer: &'a mut Writer<'w>, comma: bool) -> Self {
        Self {
            writer,
            comma,
            log_target: None,
            result: Ok(()),
        }
    }

    /// Writes `"name":` and then the value with `value`, unless an earlier write failed.
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'w>) -> fmt::Result) {
        if self.result.is_err() || field.name().starts_with("log.") {
            return;
        }
        let comma = std::mem::replace(&mut self.comma, true);
        self.result = (|| {
            if comma {
                self.writer.write_char(',')?;
            }
            string(self.writer, field.name())?;
            self.writer.write_char(':')?;
            value(self.writer)
        })();
    }
}

impl Visit for Members<'_, '_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            self.member(field, |w| write!(w, "{value}"));
        } else {
            self.member(field, |w| w.write_str("null"));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "log.target" {
            self.log_target = Some(value.to_owned());
        }
        self.member(field, |w| string(w, value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.member(field, |w| display(w, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.member(field, |w| {
            w.write_char('"')?;
            write!(Escaped(w), "{value:?}")?;
            w.write_char('"')
        });
    }
}

/// `value` as a JSON string.
fn string(writer: &mut Writer<'_>, value: &str) -> fmt::Result {
    writer.write_char('"')?;
    Escaped(writer).write_str(value)?;
    writer.write_char('"')
}

/// `value`'s `Display` as a JSON string.
fn display(writer: &mut Writer<'_>, value: &dyn fmt::Display) -> fmt::Result {
    writer.write_char('"')?;
    write!(Escaped(writer), "{value}")?;
    writer.write_char('"')
}

/// Escapes what is written for the inside of a JSON string: `"`, `\\` and control characters.
struct Escaped<'a, W: fmt::Write>(&'a mut W);

impl<W: fmt::Write> fmt::Write for Escaped<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut start = 0;
        for (i, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f | 0x7f => "",
                _ => continue,
            };
            self.0.write_str(&text[start..i])?;
            if escape.is_empty() {
                write!(self.0, "\\u{byte:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            start = i + 1;
        }
        self.0.write_str(&text[start..])
    }
}

/// Writes what [`Buffered`] holds now (at exit: nothing is lost on a normal end).
pub fn flush() {
    Buffered.flush();
}

/// Log lines gathered in memory and written to stdout a block at a time: when
/// [`Buffered::BLOCK`] bytes have gathered, every [`Buffered::EVERY`], and at [`flush`]. A line
/// per request written on its own was a system call per request (bench/RESULTS.md); a line
/// appears at most [`Buffered::EVERY`] late, and a process killed outright loses at most that
/// much. Each event is appended whole, under one lock, so lines never interleave.
#[derive(Clone, Copy)]
struct Buffered;

static LINES: Mutex<Vec<u8>> = Mutex::new(Vec::new());

impl Buffered {
    const BLOCK: usize = 32 * 1024;
    const EVERY: Duration = Duration::from_millis(100);

    /// The writer, and the thread that writes what gathered every [`Self::EVERY`].
    fn start() -> Self {
        let _ = std::thread::Builder::new()
            .name("log-flush".into())
            .spawn(|| loop {
                std::thread::sleep(Self::EVERY);
                Buffered.flush();
            });
        Self
    }

    fn lines() -> MutexGuard<'static, Vec<u8>> {
        LINES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn flush(self) {
        write_out(&mut Self::lines());
    }
}

/// Writes `lines` to stdout and empties it (under the caller's lock, so blocks keep their order).
fn write_out(lines: &mut Vec<u8>) {
    if lines.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(lines);
    let _ = out.flush();
    lines.clear();
}

/// One event's writer: appends to the buffer, holding its lock until the event is written.
struct Line(MutexGuard<'static, Vec<u8>>);

impl Write for Line {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.0.len() >= Buffered::BLOCK {
            write_out(&mut self.0);
        }
    }
}

impl<'a> MakeWriter<'a> for Buffered {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line(Self::lines())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    /// The lines `log` writes through [`JsonLines`], each parsed as JSON.
    fn json_lines(log: impl FnOnce()) -> Vec<serde_json::Value> {
        let out = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .fmt_fields(JsonFields)
            .event_format(JsonLines)
            .with_writer(out.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let bytes = out.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.ends_with('\n'), "{text:?}");
        text.lines()
            .map(|line| serde_json::from_str(line).expect(line))
            .collect()
    }

    #[test]
    fn json_lines_carry_the_event_its_span_and_the_span_list() {
        let lines = json_lines(|| {
            let outer = tracing::info_span!("request", method = "POST", path = %"/graphql", n = 3u64);
            let _outer = outer.enter();
            let inner = tracing::info_span!("inner", ok = true, late = tracing::field::Empty);
            inner.record("late", -2i64);
            let _inner = inner.enter();
            tracing::info!(
                status = 200u16,
                ratio = 0.5,
                nan = f64::NAN,
                "finished {}",
                "processing"
            );
        });
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "finished processing");
        assert_eq!(line["status"], 200);
        assert_eq!(line["ratio"], 0.5);
        assert!(line["nan"].is_null());
        assert!(line["target"]
            .as_str()
            .is_some_and(|t| t.ends_with("telemetry::tests")));
        let timestamp = line["timestamp"].as_str().expect("timestamp");
        assert!(
            chrono::DateTime::parse_from_rfc3339(timestamp).is_ok(),
            "{timestamp}"
        );
        assert_eq!(
            line["span"],
            serde_json::json!({"name": "inner", "ok": true, "late": -2})
        );
        assert_eq!(
            line["spans"],
            serde_json::json!([
                {"name": "request", "method": "POST", "path": "/graphql", "n": 3},
                {"name": "inner", "ok": true, "late": -2},
            ])
        );
    }

    #[test]
    fn json_lines_escape_what_strings_hold() {
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{7} escape \u{1b}[31m é 🦀";
        let lines = json_lines(|| {
            {
                let span = tracing::info_span!("s", path = %nasty);
                let _span = span.enter();
                tracing::info!(text = nasty, debug = ?nasty, "{nasty}");
            }
            tracing::info!("outside any span");
        });
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["text"], nasty);
        assert_eq!(lines[0]["message"], nasty);
        assert_eq!(lines[0]["debug"], format!("{nasty:?}"));
        assert_eq!(lines[0]["span"]["path"], nasty);
        assert_eq!(lines[1]["message"], "outside any span");
        assert!(lines[1].get("span").is_none());
    }
}
