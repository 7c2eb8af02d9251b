//! One run of one entity: reconcile writes left in flight, then fetch → CPU stages → load → checkpoint with bounded
//! channels (a few pages in flight; the schema is checked on the first page; a page's checkpoint commits while the
//! next page loads), then deletes (complete full runs only) and the final status. A failure of the whole run stops
//! at the last checkpoint; the next run resumes from its cursor.

use super::checkpoint::{self, Checkpoint, Origin};
use super::context::RunContext;
use super::events::{EventSink, RunEvent, RunReport, Throttle};
use super::load::{decide_page, send_page, PageResult, Uncommitted};
use super::resolve::ParentCache;
use super::schema::{check_schema, declared_columns, page_fields};
use super::transform::{Key, Prepared};
use super::{deletes, RunError};
use crate::identity::{BkHash, DataHash};
use crate::ids::RunId;
use crate::model::{RunSample, RunStatus, Strategy};
use crate::rowversion::Watermark;
use crate::source::apismith::{Cursor, Filter, PageQuery};
use crate::store::runs::{self, Counters, RunRecord};
use crate::store::{failed_records, pending_children, record_index, writes_in_flight};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How a run is asked for.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Read everything and detect deletes, whatever the entity's strategy.
    pub full: bool,
    /// `manual`, `schedule`, `cli`.
    pub trigger: String,
    /// Read at most this many rows, then stop after the page that reaches it, at its checkpoint (status `cancelled`,
    /// stopped by `row_budget`); the next run continues from the cursor. An initial load's nightly share.
    pub row_budget: Option<u64>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub run_id: RunId,
    pub entity_name: String,
    pub status: RunStatus,
    pub report: RunReport,
    pub error: Option<String>,
}

/// Pages fetched but not yet transformed, and transformed but not yet loaded: memory stays a few pages.
const FETCH_AHEAD: usize = 1;
const TRANSFORM_AHEAD: usize = 1;

struct Fetched {
    prepared: Vec<Prepared>,
    cursor: Cursor,
    bytes: u64,
    total: Option<u64>,
    fetch_ms: u64,
    transform_ms: u64,
    /// The first page's field names, for the schema-drift check.
    fields: Option<Vec<String>>,
}

/// Runs `run_id` (already created, `pending` or taken over) to its end and records the outcome.
pub async fn execute(
    ctx: RunContext,
    run_id: RunId,
    cancel: CancellationToken,
    events: EventSink,
) -> RunOutcome {
    let entity_id = ctx.entity.id;
    let name = ctx.entity.def.name.clone();
    let started = Instant::now();
    let mut report = RunReport::default();
    events(RunEvent::Started {
        run_id,
        entity_id,
        entity_name: name.clone(),
    });
    let result = async {
        let rec = runs::get(&ctx.db, run_id)?;
        runs::set_status(&ctx.db, run_id, RunStatus::Running)?;
        drive(&ctx, &rec, &cancel, &events, &mut report, started).await
    }
    .await;
    report.duration_ms = started.elapsed().as_millis() as u64;
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    let budget_reached = matches!(result, Ok(Ending::BudgetReached));
    let (status, error) = match result {
        Ok(Ending::Complete { held }) => {
            let status = if held > 0 {
                RunStatus::NeedsReview
            } else if report.counters.failed > 0 {
                RunStatus::CompletedWithErrors
            } else {
                RunStatus::Completed
            };
            (status, None)
        }
        Ok(Ending::Stopped | Ending::BudgetReached) | Err(RunError::Cancelled) => {
            (RunStatus::Cancelled, None)
        }
        // A read the cancel cut short (writes are never cut short: see write.rs) is the cancel, not a failure.
        Err(RunError::Http(e)) if e.is_cancelled() => (RunStatus::Cancelled, None),
        Err(e) => (RunStatus::Failed, Some(e)),
    };
    let held = match &report.deletes {
        Some(d) if d["kind"] == "needs_review" => d["count"].as_u64().unwrap_or(0),
        _ => 0,
    };
    // Counters are the stored ones: a resumed run carries the pages committed before the interruption.
    let stored = runs::get(&ctx.db, run_id)
        .map(|r| r.counters)
        .unwrap_or_default();
    report.counters = stored;
    report.rows_per_sec = stored.fetched as f64 / secs;
    if let Ok(r) = runs::get(&ctx.db, run_id) {
        report.watermark_after = r.watermark_after.clone();
        report.watermark_before = r.watermark_before.clone();
    }
    let error_text = error.as_ref().map(|e| (e.code_text(), e.to_string()));
    collect_errors(&ctx, run_id, &mut report, error_text.as_ref());
    let summary = serde_json::to_string(&report).unwrap_or_default();
    let finished = ctx.db.write(|tx| {
        if budget_reached {
            runs::mark_stopped_by_budget(tx, run_id)?;
        }
        runs::finish(
            tx,
            run_id,
            status,
            error_text.as_ref().map(|(c, m)| (*c, m.as_str())),
            &summary,
            held,
        )?;
        if matches!(
            status,
            RunStatus::Completed | RunStatus::CompletedWithErrors | RunStatus::NeedsReview
        ) {
            runs::set_entity_watermark(tx, entity_id, report.watermark_after.as_deref())?;
        }
        Ok(())
    });
    if let Err(e) = finished {
        tracing::error!(run = %run_id, error = %e, "could not record the end of the run");
    }
    // The run's pages are copied back into the database file by the run itself, before it says it has ended (see
    // `Db::checkpoint_wal`). Failing to is not the run's failure: the next automatic checkpoint copies them.
    let db = ctx.db.clone();
    match tokio::task::spawn_blocking(move || db.checkpoint_wal()).await {
        Ok(Ok(left)) if left > 0 => {
            tracing::debug!(run = %run_id, frames = left, "WAL frames left for a reader")
        }
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(run = %run_id, error = %e, "could not checkpoint the WAL"),
        Err(e) => tracing::warn!(run = %run_id, error = %e, "could not checkpoint the WAL"),
    }
    match &error_text {
        Some((_, m)) => events(RunEvent::Failed {
            run_id,
            entity_id,
            message: m.clone(),
        }),
        None => events(RunEvent::Finished {
            run_id,
            entity_id,
            status,
            summary: report.counters,
        }),
    }
    RunOutcome {
        run_id,
        entity_name: name,
        status,
        report,
        error: error_text.map(|e| e.1),
    }
}

/// The summary's `errors`: retried requests and reconciled writes (noted by the clients while the run worked), the
/// run's failed rows grouped by stage and error type, and the error that ended the run. Drift is noted as found.
fn collect_errors(
    ctx: &RunContext,
    run: RunId,
    report: &mut RunReport,
    fatal: Option<&(&'static str, String)>,
) {
    for e in ctx.errors.take() {
        report.note_error(e);
    }
    match failed_records::summary_of_run(&ctx.db, run) {
        Ok(groups) => {
            for (stage, error_type, n, message) in groups {
                let rows = if n == 1 { "row" } else { "rows" };
                report.note_error(format!(
                    "{n} {rows} failed at {stage} ({error_type}), e.g. {message}"
                ));
            }
        }
        Err(e) => {
            tracing::warn!(run = %run, error = %e, "could not summarise the run's failed records")
        }
    }
    if let Some((code, message)) = fatal {
        report.note_error(format!("run failed ({code}): {message}"));
    }
}

/// A page ScheduleHub answered whose checkpoint has not started: it starts once the next page's writes are noted in
/// flight, so that note (a write transaction of its own) never waits behind it and the checkpoint commits while the
/// next page's writes are sent.
struct Loaded {
    result: PageResult,
    /// What the page writes to the record index, for the next page's delta until the commit lands.
    overlay: Uncommitted,
    cursor: Cursor,
    /// The highest rowversion read by the run's pages up to this one.
    read_max: Option<String>,
    watermark: Option<String>,
    sample: Option<RunSample>,
    total: Option<u64>,
}

/// A page's checkpoint being written on a blocking thread while the next page's writes are sent.
struct PendingCheckpoint {
    join: tokio::task::JoinHandle<Result<(Counters, u64), crate::store::StoreError>>,
    cursor: Cursor,
    total: Option<u64>,
}

fn start_checkpoint(
    ctx: &RunContext,
    run: RunId,
    clear_old: bool,
    page: Loaded,
) -> PendingCheckpoint {
    let db = ctx.db.clone();
    let entity = ctx.entity.id;
    let cursor_json = serde_json::to_string(&StoredCursor {
        read: page.cursor,
        read_max: page.read_max,
    })
    .ok();
    let (result, watermark, sample) = (page.result, page.watermark, page.sample);
    let join = tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        checkpoint::commit(
            &db,
            Checkpoint {
                entity,
                run,
                result: &result,
                cursor: cursor_json,
                watermark,
                origin: Origin::Source,
                clear_old,
                sample,
            },
        )
        .map(|_| (result.counters, t.elapsed().as_millis() as u64))
    });
    PendingCheckpoint {
        join,
        cursor: page.cursor,
        total: page.total,
    }
}

/// Throughput samples closer together than this are not taken: a long run with small pages keeps a few thousand.
const SAMPLE_EVERY_MS: u64 = 250;

/// Progress events as pages commit, and the run's throughput samples (the `run_samples` rows the run summary's
/// chart reads), taken here and written by the checkpoint of the page they count.
struct Progress<'a> {
    throttle: Throttle,
    started: Instant,
    /// Milliseconds from the run's `started_at` to `started` (a taken-over run started in an earlier process).
    offset_ms: u64,
    /// The newest sample's (elapsed ms, rows done): the next sample's rate is counted from it.
    last_sample: Option<(u64, u64)>,
    rows_done: u64,
    run: RunId,
    entity: crate::ids::EntityId,
    events: &'a EventSink,
}

impl Progress<'_> {
    /// The sample for the checkpoint of a page that brings the run to `rows_done` rows, if one is due: the first
    /// page's, then at most one every `SAMPLE_EVERY_MS`, each with the rows/s since the previous one.
    fn sample(&mut self, rows_done: u64) -> Option<RunSample> {
        let elapsed_ms = self.offset_ms + self.started.elapsed().as_millis() as u64;
        let (since_ms, since_rows) = match self.last_sample {
            Some((ms, _)) if elapsed_ms < ms + SAMPLE_EVERY_MS => return None,
            Some(last) => last,
            None => (0, 0),
        };
        self.last_sample = Some((elapsed_ms, rows_done));
        Some(RunSample {
            elapsed_ms,
            rows_done,
            rows_per_sec: rows_done.saturating_sub(since_rows) as f64 * 1000.0
                / elapsed_ms.saturating_sub(since_ms).max(1) as f64,
        })
    }

    fn page_committed(&mut self, report: &mut RunReport, done: &Counters, total: Option<u64>) {
        report.counters.add(done);
        self.rows_done += done.fetched;
        let now = Instant::now();
        if self.throttle.ready(now) {
            let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
            (self.events)(RunEvent::Progress {
                run_id: self.run,
                entity_id: self.entity,
                stage: "load".into(),
                rows_done: self.rows_done,
                rows_total: total,
                rows_per_sec: self.rows_done as f64 / elapsed,
            });
        }
    }
}

/// Waits for a page's checkpoint; once it is committed the run's cursor is past that page.
async fn settle(
    p: PendingCheckpoint,
    report: &mut RunReport,
    cursor: &mut Cursor,
    progress: &mut Progress<'_>,
) -> Result<(), RunError> {
    let (done, busy_ms) = p
        .join
        .await
        .map_err(|e| RunError::Internal(e.to_string()))??;
    report.stage_ms.checkpoint += busy_ms;
    *cursor = p.cursor;
    progress.page_committed(report, &done, p.total);
    Ok(())
}

enum Ending {
    Complete {
        held: u64,
    },
    Stopped,
    /// The run read its row budget (`RunOptions::row_budget`): stopped at a checkpoint, more to read next time.
    BudgetReached,
}

/// Folds the records this run added into the key table when the tail is due (`record_index::fold_if_due`: a
/// quarter of the key table, or any tail of an entity never folded, i.e. an initial load): one sorted insert, in
/// place of a random key-index leaf per new record at each page's commit. Until it lands (not due yet, a crash, a
/// cancel before it) readers find those records in the entity's tail.
async fn fold_tail(ctx: &RunContext) -> Result<(), RunError> {
    // Test hook (`pipeline_cli`, debug builds only): die between the last checkpoint and the fold, as a crash there
    // would. A release build never reads it.
    if cfg!(debug_assertions) && std::env::var_os("SYNCFLOW_TEST_ABORT_BEFORE_FOLD").is_some() {
        std::process::abort();
    }
    let (db, entity) = (ctx.db.clone(), ctx.entity.id);
    tokio::task::spawn_blocking(move || record_index::fold_if_due(&*db.conn()?, entity))
        .await
        .map_err(|e| RunError::Internal(e.to_string()))??;
    Ok(())
}

/// Inserts a crash or timeout left in flight: those ScheduleHub did apply are recorded in the index with the uid,
/// data hash and rowversion it holds (as seen by no run, so the page that sent them decides them again as unchanged),
/// the rest is forgotten and decided afresh. A found record whose data hash cannot be read is recorded with an empty
/// one: the page then updates it by uid, which never duplicates.
async fn reconcile_in_flight(
    ctx: &RunContext,
    cancel: &CancellationToken,
) -> Result<usize, RunError> {
    let entity = ctx.entity.id;
    let left = writes_in_flight::list(&*ctx.db.conn()?, entity)?;
    if left.is_empty() {
        return Ok(0);
    }
    let keys: Vec<String> = left.iter().map(ToString::to_string).collect();
    let found = ctx
        .target
        .find(&ctx.entity.def.target_name, &keys, cancel)
        .await?;
    let applied: Vec<(BkHash, DataHash, Option<String>, String)> = found
        .into_iter()
        .filter_map(|r| {
            let bk: BkHash = r.key_hash.parse().ok()?;
            let uid = r.uid?;
            let data = r
                .data_hash
                .and_then(|d| d.parse().ok())
                .unwrap_or(DataHash([0; 32]));
            Some((bk, data, r.rowversion, uid))
        })
        .collect();
    ctx.db.write(|tx| {
        let upserts: Vec<record_index::IndexUpsert<'_>> = applied
            .iter()
            .map(|(bk, data, rv, uid)| record_index::IndexUpsert {
                bk_hash: *bk,
                data_hash: *data,
                rowversion: rv.as_deref(),
                target_uid: Some(uid),
            })
            .collect();
        record_index::upsert(tx, entity, RunId(uuid::Uuid::nil()), &upserts, None)?;
        writes_in_flight::clear_all(tx, entity)
    })?;
    tracing::info!(entity = %ctx.entity.def.name, inserts = left.len(), applied = applied.len(), "reconciled inserts left in flight");
    Ok(left.len())
}

/// Runs `build` (which may build the entity's key map) on a blocking thread; a map it builds is noted in the run's
/// report with its keys and the time it took.
async fn key_map_for(
    report: &mut RunReport,
    build: impl FnOnce() -> Result<Option<record_index::KeyMapGuard>, crate::store::StoreError>
        + Send
        + 'static,
) -> Result<Option<record_index::KeyMapGuard>, RunError> {
    let t = Instant::now();
    let map = tokio::task::spawn_blocking(build)
        .await
        .map_err(|e| RunError::Internal(e.to_string()))??;
    if let Some(m) = &map {
        report.key_map = Some(m.map().len() as u64);
        report.stage_ms.key_map += t.elapsed().as_millis() as u64;
    }
    Ok(map)
}

fn query_for(ctx: &RunContext, rec: &RunRecord) -> (PageQuery, bool) {
    let def = &ctx.entity.def;
    let rv_col = def
        .rowversion_field
        .as_deref()
        .map(|f| def.source_of(f).to_owned());
    let full = rec.full_refresh || def.strategy != Strategy::Rowversion || rv_col.is_none();
    let sort = rv_col.clone().or_else(|| {
        def.business_keys
            .first()
            .map(|k| def.source_of(k).to_owned())
    });
    let q = match (&rv_col, full) {
        (Some(rv), false) => {
            PageQuery::incremental(def.page_size, rv, rec.watermark_before.as_deref())
        }
        _ => PageQuery::full(def.page_size, sort.as_deref()),
    };
    (q, full)
}

/// A run's stored cursor: where the read stands, and the highest rowversion its committed pages read (where a read
/// sorted by rowversion resumes). Cursors stored before `read_max` was kept have only the first part.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct StoredCursor {
    #[serde(flatten)]
    read: Cursor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    read_max: Option<String>,
}

/// Where a resumed read sorted by the rowversion column picks up: page 1 of `rowversion >= the highest rowversion
/// this run's committed pages read`, not the next page number. Rows changed since the first part was read (hours ago for a nightly initial
/// load) move to the end of the sort, so every later row would shift back and a page number would skip one row per
/// change. Rows tied at that rowversion are read again and skipped by the delta. A read sorted by anything else
/// resumes by page number.
///
/// Not the run's committed watermark: a full run's starts at the entity's watermark (the highest rowversion any
/// earlier run saw), so resuming a full read there would skip every row below it that the run had not read yet.
/// A cursor stored without `read_max` resumes an incremental read at its committed watermark (it read only rows
/// above the entity's watermark, so the two are the same) and a full read by page number.
fn resume_filter(
    ctx: &RunContext,
    rec: &RunRecord,
    query: &PageQuery,
    stored: &StoredCursor,
    full: bool,
) -> Option<Filter> {
    let def = &ctx.entity.def;
    let rv_col = def.source_of(def.rowversion_field.as_deref()?);
    let sorted_by_rv = query.sort.as_ref().is_some_and(|s| s.field == rv_col);
    let resuming = stored.read.next_page > 1 && !stored.read.done;
    let committed = match (&stored.read_max, full) {
        (Some(max), _) => max.as_str(),
        (None, false) => rec.watermark_after.as_deref()?,
        (None, true) => return None,
    };
    (sorted_by_rv && resuming).then(|| Filter::new(rv_col, ">=", committed))
}

async fn drive(
    ctx: &RunContext,
    rec: &RunRecord,
    cancel: &CancellationToken,
    events: &EventSink,
    report: &mut RunReport,
    started: Instant,
) -> Result<Ending, RunError> {
    let run = rec.id;
    let entity = ctx.entity.id;
    report.resumed = rec.cursor.is_some();
    reconcile_in_flight(ctx, cancel).await?;
    let declared = declared_columns(ctx, cancel).await?;
    let (mut query, full) = query_for(ctx, rec);
    // A tail an earlier run left unfolded (it ended before its fold) is folded first if it is due. A full run reads
    // every record of the entity: its pages find their records by id through an in-memory key map
    // (record_index::map_keys), built once, instead of through the key table (and the keys of a tail not yet due
    // through the tail map). An incremental run decides at its first page, whose metadata says how many rows it
    // will read (`map_keys_for_rows`: at least one for every 256 keys). The map is read from the entity's key packs
    // (about 6 ms for a million keys) and dropped with the run.
    let db = ctx.db.clone();
    let mut key_map = key_map_for(report, move || {
        let conn = db.conn()?;
        match full {
            true => record_index::map_keys(&conn, entity),
            false => record_index::fold_if_due(&conn, entity).map(|_| None),
        }
    })
    .await?;
    let mut map_decided = full;
    let stored: StoredCursor = rec
        .cursor
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    let mut cursor = stored.read;
    let mut read_max = Watermark::new(stored.read_max.clone());
    // Rows at the resume point's rowversion were read before: they do not count against a night's row budget.
    let mut reread_at: Option<String> = None;
    if let Some(filter) = resume_filter(ctx, rec, &query, &stored, full) {
        reread_at = Some(filter.value.clone());
        query.filters.push(filter);
        cursor = Cursor::default();
    }
    let mut reread = 0u64;
    let mut watermark =
        Watermark::new(rec.watermark_after.clone().or(rec.watermark_before.clone()));
    let clear_old = failed_records::count_open_for(&ctx.db, entity)? > 0
        || pending_children::count_for(&ctx.db, entity)? > 0;

    // Fetch: its own task, a couple of pages ahead.
    let (page_tx, mut page_rx) = mpsc::channel(FETCH_AHEAD);
    let fetch_cancel = cancel.child_token();
    // However drive ends (an error returns early), the fetch stage stops with it.
    let _stop_fetch = fetch_cancel.clone().drop_guard();
    let source = ctx.source.clone();
    let slug = ctx.entity.def.slug.clone();
    let mut fetch_cursor = cursor;
    let fetch_query = query.clone();
    let fc = fetch_cancel.clone();
    let fetcher = tokio::spawn(async move {
        loop {
            let t = Instant::now();
            let r = source
                .fetch_next(&slug, &fetch_query, &mut fetch_cursor, &fc)
                .await;
            let ms = t.elapsed().as_millis() as u64;
            let stop = !matches!(r, Ok(Some(_)));
            if page_tx
                .send(r.map(|p| p.map(|p| (p, fetch_cursor, ms))))
                .await
                .is_err()
                || stop
            {
                return;
            }
        }
    });
    // CPU stages: one blocking thread per page, one page ahead of the load.
    let (prep_tx, mut prep_rx) =
        mpsc::channel::<Result<Option<Fetched>, RunError>>(TRANSFORM_AHEAD);
    let transformer = ctx.transformer.clone();
    let transformer_task = tokio::spawn(async move {
        let mut first = true;
        while let Some(r) = page_rx.recv().await {
            let out = match r {
                Ok(Some((page, cursor, fetch_ms))) => {
                    let t = transformer.clone();
                    let bytes = page.body_bytes as u64;
                    let total = page.metadata.as_ref().map(|m| m.total_rows);
                    let started = Instant::now();
                    // The first page with rows is compared with the stored columns (an empty page has no fields:
                    // a resumed run may start past the last row).
                    let fields = (first && !page.rows.is_empty()).then(|| {
                        first = false;
                        page_fields(&page.rows)
                    });
                    match tokio::task::spawn_blocking(move || t.prepare_page(page.rows)).await {
                        Ok(prepared) => Ok(Some(Fetched {
                            fields,
                            prepared,
                            cursor,
                            bytes,
                            total,
                            fetch_ms,
                            transform_ms: started.elapsed().as_millis() as u64,
                        })),
                        Err(e) => Err(RunError::Internal(e.to_string())),
                    }
                }
                Ok(None) => Ok(None),
                Err(e) if e.is_cancelled() => Err(RunError::Cancelled),
                Err(e) => Err(RunError::Http(e)),
            };
            let stop = !matches!(out, Ok(Some(_)));
            if prep_tx.send(out).await.is_err() || stop {
                return;
            }
        }
    });

    let mut parents = ParentCache::default();
    // Samples count from the run's `started_at`, so a taken-over run's continue where the earlier process's stop.
    let since_start = chrono::DateTime::parse_from_rfc3339(&rec.started_at)
        .map(|t| (crate::clock::now() - t.with_timezone(&chrono::Utc)).num_milliseconds())
        .unwrap_or(0)
        .max(0) as u64;
    let mut progress = Progress {
        throttle: Throttle::new(Duration::from_millis(250)),
        started,
        offset_ms: since_start.saturating_sub(started.elapsed().as_millis() as u64),
        last_sample: runs::last_sample(&ctx.db, run)?.map(|s| (s.elapsed_ms, s.rows_done)),
        rows_done: rec.counters.fetched,
        run,
        entity,
        events,
    };
    let mut unknown_keys = 0u64;
    // Page N is decided against the index plus page N-1's overlay and its writes noted in flight; then page N-1's
    // checkpoint starts and commits while page N's writes are sent, and lands before page N's starts. So at most
    // one checkpoint is outstanding, checkpoints land in page order, and the note never waits for a checkpoint.
    let mut loaded: Option<Loaded> = None;
    let mut pending: Option<PendingCheckpoint> = None;
    let looped: Result<Ending, RunError> = async {
        loop {
            if cancel.is_cancelled() || runs::cancel_requested(&ctx.db, run)? {
                return Ok(Ending::Stopped);
            }
            let next = tokio::select! {
                n = prep_rx.recv() => n,
                _ = cancel.cancelled() => return Ok(Ending::Stopped),
            };
            let Some(fetched) = next else {
                return Err(RunError::Internal(
                    "the fetch stage stopped without an answer".into(),
                ));
            };
            let Some(f) = fetched? else {
                return Ok(Ending::Complete { held: 0 });
            };
            if let Some(fields) = &f.fields {
                let drift = check_schema(ctx, &declared, fields)?;
                if !drift.is_empty() {
                    report.note_drift(&drift);
                }
                if let Some(fatal) = drift.fatal {
                    return Err(RunError::Schema(fatal));
                }
            }
            report.stage_ms.fetch += f.fetch_ms;
            report.stage_ms.transform += f.transform_ms;
            if !map_decided {
                map_decided = true;
                if let Some(rows) = f.total {
                    let db = ctx.db.clone();
                    key_map = key_map_for(report, move || {
                        record_index::map_keys_for_rows(&*db.conn()?, entity, rows)
                    })
                    .await?;
                }
            }
            let t = Instant::now();
            let overlay = loaded
                .as_ref()
                .map(|p| p.overlay.clone())
                .unwrap_or_default();
            let now = crate::clock::now();
            let decided = decide_page(
                ctx,
                run,
                &f.prepared,
                &mut parents,
                &overlay,
                reread_at.as_deref(),
                now,
                cancel,
            )
            .await?;
            if let Some(page) = loaded.take() {
                pending = Some(start_checkpoint(ctx, run, clear_old, page));
            }
            let mut result = send_page(ctx, &f.prepared, decided, now, cancel).await?;
            report.stage_ms.load += t.elapsed().as_millis() as u64;
            report.stage_ms.delta += result.delta_ms;
            report.stage_ms.in_flight += result.flight_ms;
            report.stage_ms.writes += result.send_ms;
            for p in &f.prepared {
                if let Some(rv) = &p.rowversion {
                    watermark.observe(rv);
                    read_max.observe(rv);
                    if reread_at
                        .as_deref()
                        .is_some_and(|w| crate::rowversion::compare(rv, w).is_eq())
                    {
                        reread += 1;
                    }
                }
                if matches!(&p.outcome, Err(b) if b.key == Key::Unknown) {
                    unknown_keys += 1;
                }
            }
            result.counters.pages = 1;
            result.counters.bytes = f.bytes;
            report.note_duplicates(&result.duplicates);
            // The previous page's checkpoint must land before this one starts.
            if let Some(p) = pending.take() {
                settle(p, report, &mut cursor, &mut progress).await?;
            }
            let read_so_far = progress.rows_done + result.counters.fetched;
            let last_page = f.cursor.done;
            loaded = Some(Loaded {
                overlay: Uncommitted::of(run, &result),
                sample: progress.sample(read_so_far),
                watermark: watermark.value().map(str::to_owned),
                read_max: read_max.value().map(str::to_owned),
                cursor: f.cursor,
                total: f.total,
                result,
            });
            // The page's rows are freed on a blocking thread, off the load stage's path: tens of thousands of
            // allocations made on other threads (fetch, CPU stages); freeing them here was 6% of the process's CPU.
            let prepared = f.prepared;
            tokio::task::spawn_blocking(move || drop(prepared));
            // The page that reaches the budget is checkpointed (below); stopping here leaves nothing half done.
            if rec.row_budget.is_some_and(|b| read_so_far >= b + reread) && !last_page {
                return Ok(Ending::BudgetReached);
            }
        }
    }
    .await;
    // Whatever ended the loop, the outstanding checkpoints land (or fail), in page order, before the run's end is
    // recorded.
    let mut settled = match pending.take() {
        Some(p) => settle(p, report, &mut cursor, &mut progress).await,
        None => Ok(()),
    };
    if let (Ok(()), Some(page)) = (&settled, loaded.take()) {
        let p = start_checkpoint(ctx, run, clear_old, page);
        settled = settle(p, report, &mut cursor, &mut progress).await;
    }
    let outcome = looped?;
    settled?;
    fetch_cancel.cancel();
    drop(prep_rx);
    let _ = fetcher.await;
    let _ = transformer_task.await;
    fold_tail(ctx).await?;
    match outcome {
        Ending::Complete { .. } if full && cursor.done => {
            let t = Instant::now();
            // Rows that failed before their key was known, in earlier (resumed) parts of this run, count too.
            let unknown = unknown_keys.max(failed_records_without_key(ctx, run)?);
            let (plan, held) = deletes::after_full_run(ctx, run, unknown, cancel).await?;
            report.deletes = Some(serde_json::to_value(&plan).unwrap_or_default());
            report.stage_ms.deletes = t.elapsed().as_millis() as u64;
            Ok(Ending::Complete { held })
        }
        other => Ok(other),
    }
}

/// Failed records of this run whose business key is unknown because normalization failed (conservative).
fn failed_records_without_key(ctx: &RunContext, run: RunId) -> Result<u64, RunError> {
    Ok(ctx.db.conn()?.query_row(
        "SELECT COUNT(*) FROM failed_records WHERE run_id = ?1 AND bk_hash IS NULL AND stage IN ('normalize', 'validate')",
        [run],
        |r| r.get::<_, i64>(0),
    ).map_err(crate::store::StoreError::from)? as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_cursor_keeps_its_read_max_and_reads_cursors_stored_without_it() {
        let old: StoredCursor =
            serde_json::from_str(r#"{"next_page":4,"rows_read":1500,"done":false}"#).unwrap();
        assert_eq!(old.read, Cursor::resume(3, 1500));
        assert_eq!(old.read_max, None);
        let new = StoredCursor {
            read: Cursor::resume(3, 1500),
            read_max: Some("0x00000000010005DB".into()),
        };
        let text = serde_json::to_string(&new).unwrap();
        assert_eq!(
            text,
            r#"{"next_page":4,"rows_read":1500,"done":false,"read_max":"0x00000000010005DB"}"#,
            "the read's fields stay where older versions look for them"
        );
        let back: StoredCursor = serde_json::from_str(&text).unwrap();
        assert_eq!((back.read, back.read_max), (new.read, new.read_max));
    }

    #[test]
    fn progress_samples_the_first_page_then_at_most_every_250_ms_with_the_rate_since_the_last() {
        let events = super::super::events::no_events();
        let mut p = Progress {
            throttle: Throttle::new(Duration::from_millis(250)),
            // As if the run had been going for a second when this process took it over.
            started: Instant::now() - Duration::from_millis(400),
            offset_ms: 600,
            last_sample: Some((500, 1_000)),
            rows_done: 1_000,
            run: RunId::new(),
            entity: crate::ids::EntityId::new(),
            events: &events,
        };
        let s = p
            .sample(3_000)
            .expect("500 ms after the earlier process's last sample");
        assert!(
            (1_000..1_500).contains(&s.elapsed_ms),
            "elapsed counts from the run's start: {s:?}"
        );
        assert_eq!(s.rows_done, 3_000);
        let expected = 2_000.0 * 1000.0 / (s.elapsed_ms - 500) as f64;
        assert!(
            (s.rows_per_sec - expected).abs() < 1e-6,
            "rows/s since the previous sample: {s:?}"
        );
        assert_eq!(
            p.sample(4_000),
            None,
            "the next page, moments later, is not sampled"
        );
        p.last_sample = None;
        let first = p
            .sample(4_000)
            .expect("a run's first page is always sampled");
        assert!((first.rows_per_sec - 4_000.0 * 1000.0 / first.elapsed_ms as f64).abs() < 1e-6);
    }
}
