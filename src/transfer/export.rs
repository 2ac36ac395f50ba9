//! `interest-gateway export [--user ID] [--out FILE]`: NDJSON, one Graph-shaped interest a
//! line, with `userId` so that an import puts each back on its profile.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use sea_orm::DatabaseConnection;

use super::{progress, thousands};
use crate::domain::bulk;
use crate::domain::values::{InterestId, UserId};
use crate::error::AppError;
use crate::msgraph::representation::{self, Annotations};

/// Interests read per query.
const PAGE: u64 = 1_000;

/// Writes the interests of `user` (or everyone's) to `out` (or standard output); returns how
/// many. A file is written beside its target and renamed into place when complete.
pub async fn export(
    db: &DatabaseConnection,
    user: Option<&UserId>,
    out: Option<&Path>,
) -> anyhow::Result<u64> {
    let started = Instant::now();
    let total = bulk::export_count(db, user)
        .await
        .map_err(AppError::into_anyhow)?;
    let bar = progress(
        Some(total),
        "{spinner} exporting [{bar:40}] {human_pos}/{human_len} interests, {per_sec}, {eta} left",
    );
    let partial = out.map(|path| {
        let mut name = path.as_os_str().to_owned();
        name.push(".partial");
        PathBuf::from(name)
    });
    let sink: Box<dyn Write> = match &partial {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut sink = std::io::BufWriter::with_capacity(1 << 16, sink);
    let mut written = 0u64;
    let mut after: Option<InterestId> = None;
    loop {
        let page = bulk::export_page(db, user, after, PAGE)
            .await
            .map_err(AppError::into_anyhow)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for interest in &page {
            let line = representation::write(
                interest,
                Annotations {
                    etag: false,
                    user_id: true,
                },
            );
            serde_json::to_writer(&mut sink, &line)?;
            sink.write_all(b"\n")?;
        }
        written += page.len() as u64;
        bar.set_position(written);
        if (page.len() as u64) < PAGE {
            break;
        }
    }
    sink.flush()?;
    drop(sink);
    if let (Some(partial), Some(out)) = (&partial, out) {
        std::fs::rename(partial, out)
            .with_context(|| format!("cannot move the export to {}", out.display()))?;
    }
    bar.finish_and_clear();
    eprintln!(
        "exported {} interests in {:.1} s",
        thousands(written),
        started.elapsed().as_secs_f64()
    );
    Ok(written)
}
