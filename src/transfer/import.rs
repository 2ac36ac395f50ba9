//! `interest-gateway import FILE [--user ID]`: NDJSON, a JSON array, or Graph list pages.
//!
//! A reader thread splits the file into records ([`RecordReader`]), validates each with the
//! API's rules and hands batches over a bounded channel to the writer, which stores each batch
//! in one transaction. Memory holds at most a few batches, whatever the file's size. A bad
//! record is reported by its line and stored nowhere; the others go on.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use serde_json::Value;
use tokio::sync::mpsc;

use super::records::{Item, RecordReader};
use super::{progress, thousands};
use crate::domain::bulk::{self, Imported, Stored};
use crate::domain::interests::{Identity, IdentitySet};
use crate::domain::values::{InterestId, UserId};
use crate::error::AppError;
use crate::msgraph::representation::{self, Purpose};

/// What `import` is asked to do.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The file; `-` reads standard input.
    pub file: PathBuf,
    /// Put every record on this profile (otherwise each record's `userId`).
    pub user: Option<UserId>,
    /// Records per transaction.
    pub batch_size: usize,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: u64,
    pub replaced: u64,
    /// Records refused (each reported with its line).
    pub refused: u64,
}

/// A batch on its way from the reader to the writer.
struct Batch {
    records: Vec<(u64, Imported)>,
    /// Records refused while reading: line and reason.
    refused: Vec<(u64, String)>,
    /// Bytes of the file read so far.
    bytes_read: u64,
}

impl Batch {
    fn new(capacity: usize) -> Self {
        Self {
            records: Vec::with_capacity(capacity),
            refused: Vec::new(),
            bytes_read: 0,
        }
    }

    /// This batch, as read up to `bytes_read`; an empty one takes its place.
    fn take(&mut self, bytes_read: u64) -> Self {
        let capacity = self.records.capacity();
        self.bytes_read = bytes_read;
        std::mem::replace(self, Self::new(capacity))
    }
}

/// Who `createdBy`/`lastModifiedBy` name when a record does not say.
fn importer() -> IdentitySet {
    IdentitySet {
        application: Some(Identity {
            id: None,
            display_name: Some("interest-gateway import".into()),
            tenant_id: None,
        }),
        ..IdentitySet::default()
    }
}

/// `field: message` for an error about a record.
fn describe(err: &AppError) -> String {
    match err {
        AppError::BadUserInput { field, message }
            if !field.is_empty() && !message.contains(field.as_str()) =>
        {
            format!("{field}: {message}")
        }
        other => other.message(),
    }
}

/// Reads and validates one record.
fn validate(json: &[u8], user: Option<&UserId>) -> Result<Imported, String> {
    let value: Value = serde_json::from_slice(json).map_err(|e| format!("not valid JSON: {e}"))?;
    let record = representation::read(&value, Purpose::Import).map_err(|e| describe(&e))?;
    let owner = user
        .cloned()
        .or_else(|| record.user_id.clone())
        .ok_or_else(|| "no userId: give --user or a userId on the record".to_owned())?;
    let interest = record.new_interest(None).map_err(|e| describe(&e))?;
    Ok(Imported {
        id: record.id,
        owner,
        interest,
        created_at: record.created_date_time,
        created_by: record.created_by,
        modified_at: record.last_modified_date_time,
        modified_by: record.last_modified_by,
    })
}

/// The reader thread: records in batches of distinct ids, over `tx`.
fn read_batches(
    reader: Box<dyn BufRead + Send>,
    user: Option<UserId>,
    batch_size: usize,
    tx: &mpsc::Sender<anyhow::Result<Batch>>,
) {
    let mut records = RecordReader::new(reader);
    let mut batch = Batch::new(batch_size);
    let mut ids: HashSet<InterestId> = HashSet::new();
    loop {
        let item = records.next();
        let done = item.is_none();
        match item {
            None => {}
            Some(Err(e)) => {
                let _ = tx.blocking_send(Err(anyhow::Error::new(e).context("cannot read the file")));
                return;
            }
            Some(Ok(Item::Bad { line, message })) => batch.refused.push((line, message)),
            Some(Ok(Item::Record { line, json })) => match validate(&json, user.as_ref()) {
                Err(message) => batch.refused.push((line, message)),
                Ok(imported) => {
                    // Ids are distinct within a batch: a repeated one starts the next batch,
                    // so that the later record wins, as it would one at a time.
                    if imported.id.is_some_and(|id| !ids.insert(id)) {
                        if tx.blocking_send(Ok(batch.take(records.bytes_read()))).is_err() {
                            return;
                        }
                        ids.clear();
                        ids.extend(imported.id);
                    }
                    batch.records.push((line, imported));
                }
            },
        }
        if done || batch.records.len() >= batch_size || batch.refused.len() >= batch_size {
            let full = batch.take(records.bytes_read());
            ids.clear();
            if tx.blocking_send(Ok(full)).is_err() || done {
                return;
            }
        }
    }
}

fn open(path: &Path) -> anyhow::Result<(Box<dyn BufRead + Send>, Option<u64>)> {
    if path.as_os_str() == "-" {
        return Ok((
            Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())),
            None,
        ));
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().ok().map(|m| m.len());
    Ok((Box::new(BufReader::with_capacity(1 << 16, file)), size))
}

/// Imports `options.file`; per-record problems go to `report_to` as `line N: reason`.
pub async fn import(
    db: &DatabaseConnection,
    options: &ImportOptions,
    report_to: &mut (dyn Write + Send),
) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let (reader, size) = open(&options.file)?;
    let bar = progress(
        size,
        "{spinner} importing [{bar:40}] {binary_bytes}/{binary_total_bytes}, {binary_bytes_per_sec}, {eta} left",
    );
    let (tx, mut rx) = mpsc::channel::<anyhow::Result<Batch>>(2);
    let user = options.user.clone();
    let batch_size = options.batch_size.max(1);
    let reading = tokio::task::spawn_blocking(move || read_batches(reader, user, batch_size, &tx));
    let importer = importer();
    let mut report = ImportReport::default();
    let mut refusals: Vec<(u64, String)> = Vec::new();
    while let Some(batch) = rx.recv().await {
        let batch = batch?;
        refusals.extend(batch.refused);
        let (lines, records): (Vec<u64>, Vec<Imported>) = batch.records.into_iter().unzip();
        if !records.is_empty() {
            let outcomes = bulk::import_batch(db, records, &importer)
                .await
                .map_err(|e| e.into_anyhow().context("the database refused a batch"))?;
            for (line, outcome) in lines.into_iter().zip(outcomes) {
                match outcome {
                    Ok(Stored::Created) => report.created += 1,
                    Ok(Stored::Replaced) => report.replaced += 1,
                    Err(e) => refusals.push((line, describe(&e))),
                }
            }
        }
        refusals.sort_by_key(|(line, _)| *line);
        report.refused += refusals.len() as u64;
        bar.suspend(|| -> std::io::Result<()> {
            for (line, message) in refusals.drain(..) {
                writeln!(report_to, "line {line}: {message}")?;
            }
            Ok(())
        })?;
        bar.set_position(batch.bytes_read);
    }
    reading.await.context("the reader stopped")?;
    bar.finish_and_clear();
    let _ = writeln!(
        report_to,
        "imported {} interests ({} new, {} replaced), refused {}, in {:.1} s",
        thousands(report.created + report.replaced),
        thousands(report.created),
        thousands(report.replaced),
        thousands(report.refused),
        started.elapsed().as_secs_f64()
    );
    Ok(report)
}
