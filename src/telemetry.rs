//! Structured logging with `tracing`: text for people, JSON for machines.

use std::io::Write;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;
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
        (LogFormat::Json, false) => builder.json().flatten_event(true).try_init(),
        (LogFormat::Text, true) => builder.with_writer(Buffered::start()).try_init(),
        (LogFormat::Json, true) => builder
            .json()
            .flatten_event(true)
            .with_writer(Buffered::start())
            .try_init(),
    };
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
