//! `SyncFlow`: the one surface the desktop shell and the CLI call. Each method is one user action (start a run,
//! sync all, cancel, retry failed records, export, discover, apply a configuration, test a connection), so the
//! shell's commands stay one-line adapters. Thin: the work is in `pipeline`, `store` and the clients.

use crate::config::EntityDef;
use crate::config_file::{self, ConfigFile};
use crate::discovery;
use crate::ids::{EntityId, FailedRecordId, RunId};
use crate::model::{FailedRecordFilter, RunStatus};
use crate::pipeline::context::{client_config, RunContext};
use crate::pipeline::events::no_events;
use crate::pipeline::retry::{retry_records, retry_records_with, RetryOutcome};
use crate::pipeline::{self, EventSink, PendingSweep, RunError, RunOptions, RunOutcome};
use crate::secrets::{PresenceCache, SecretStore};
use crate::sink::schedulehub::ScheduleHubClient;
use crate::source::apismith::ApiSmithClient;
use crate::store::failed_records::{self, FailedRecordDetail};
use crate::store::runs::{self, NewRun};
use crate::store::{connections, entities, Db, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A started run: its id, the task that finishes it, and its cancellation token.
pub struct RunHandle {
    pub run_id: RunId,
    pub join: JoinHandle<RunOutcome>,
    pub cancel: CancellationToken,
}

/// Which failed records to retry.
#[derive(Debug, Clone)]
pub enum RetrySelection {
    One(FailedRecordId),
    Some(Vec<FailedRecordId>),
    /// Every open record of the entity (name or id).
    Entity(String),
    /// Every open record the inspector's filter matches (its paging ignored).
    Matching(FailedRecordFilter),
}

/// What a retry did: the totals, and where each record stands now (the first `RetryReport::MAX_OUTCOMES`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RetryReport {
    pub asked: u64,
    pub resolved: u64,
    pub failed_again: u64,
    pub parked: u64,
    pub outcomes: Vec<failed_records::RecordOutcome>,
}

impl RetryReport {
    pub const MAX_OUTCOMES: usize = 1000;
}

/// How far a retry has got: records done out of the records asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RetryProgress {
    pub done: u64,
    pub total: u64,
}

/// Which parked children to retry now.
#[derive(Debug, Clone)]
pub enum PendingSelection {
    One { entity: EntityId, bk_hash: String },
    All,
}

/// What a "retry now" of parked children did; `one` says where the one asked for stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PendingRetryReport {
    pub loaded: u64,
    pub still_pending: u64,
    pub failed: u64,
    /// Entities skipped because a run of theirs is in progress (it retries its children itself).
    pub skipped_running: Vec<String>,
    pub one: Option<PendingOutcome>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PendingOutcome {
    /// Its parent exists now: it was loaded (or, failing at load, became a failed record).
    Loaded,
    /// Its parent still does not exist: it waits for the next try.
    StillPending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// What applying a configuration file did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ApplyReport {
    pub connections: Vec<String>,
    pub entities: Vec<String>,
    /// Entities whose saved change alters data hashes: offer a full refresh (`sync --full`).
    pub hashes_changed: Vec<String>,
}

#[derive(Clone)]
pub struct SyncFlow {
    pub db: Db,
    /// The secret store given to `new`, remembering which keys hold a credential this session.
    secrets: Arc<PresenceCache>,
    events: EventSink,
    active: Arc<Mutex<HashMap<EntityId, (RunId, CancellationToken)>>>,
}

/// A run older than this without a heartbeat, owned by no live process, was interrupted.
const STALE_AFTER_SECS: i64 = 120;

/// Whether the process that owns a `running` run still runs it. On Linux the owner's pid is checked, so a killed
/// process's run is resumed at once and a live one is never taken over however slow its page; elsewhere a run
/// whose heartbeat is older than `STALE_AFTER_SECS` counts as abandoned.
fn owner_alive(pid: Option<u32>, heartbeat: Option<&str>) -> bool {
    let Some(pid) = pid else { return false };
    if pid == std::process::id() {
        return false; // Our own runs are in `active`; a leftover with our pid is from a previous life.
    }
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        !stale(heartbeat)
    }
}

fn stale(heartbeat: Option<&str>) -> bool {
    heartbeat
        .and_then(|h| chrono::DateTime::parse_from_rfc3339(h).ok())
        .is_none_or(|t| {
            (crate::clock::now() - t.with_timezone(&chrono::Utc)).num_seconds() > STALE_AFTER_SECS
        })
}

impl SyncFlow {
    pub fn new(db: Db, secrets: Arc<dyn SecretStore>) -> SyncFlow {
        SyncFlow {
            db,
            secrets: Arc::new(PresenceCache::new(secrets)),
            events: no_events(),
            active: Arc::default(),
        }
    }

    pub(crate) fn secrets(&self) -> &dyn SecretStore {
        self.secrets.as_ref()
    }

    pub(crate) fn secret_presence(&self) -> &PresenceCache {
        &self.secrets
    }

    /// Every run started through this value reports its events to `sink`.
    pub fn with_events(mut self, sink: EventSink) -> SyncFlow {
        self.events = sink;
        self
    }

    fn context(&self, entity: &str) -> Result<RunContext, RunError> {
        let e = entities::find(&self.db, entity)?;
        RunContext::build(&self.db, e, self.secrets.as_ref())
    }

    /// Decides where a run of the entity starts: a crashed run is taken over, a failed or cancelled one continued
    /// by a new run from its cursor, otherwise a fresh run.
    fn claim(&self, ctx: &RunContext, opts: &RunOptions) -> Result<RunId, RunError> {
        let entity = ctx.entity.id;
        let mut active = self.active.lock().expect("run registry poisoned");
        if let Some((run, _)) = active.get(&entity) {
            return Err(RunError::AlreadyRunning {
                entity: ctx.entity.def.name.clone(),
                run_id: *run,
            });
        }
        let run = if let Some(r) = runs::active(&self.db, entity)? {
            if owner_alive(r.owner_pid, r.heartbeat_at.as_deref()) {
                return Err(RunError::AlreadyRunning {
                    entity: ctx.entity.def.name.clone(),
                    run_id: r.id,
                });
            }
            tracing::warn!(run = %r.id, "taking over an interrupted run from its last checkpoint");
            runs::take_over(&self.db, r.id)?;
            r.id
        } else {
            let latest = runs::latest(&self.db, entity)?;
            let resumable = latest.filter(|l| {
                matches!(l.status, RunStatus::Failed | RunStatus::Cancelled)
                    && l.full_refresh == opts.full
                    && l.cursor
                        .as_deref()
                        .is_some_and(|c| !c.contains("\"done\":true"))
            });
            match resumable {
                Some(prev) => {
                    let id = runs::create(
                        &self.db,
                        entity,
                        &NewRun {
                            trigger: opts.trigger.clone(),
                            full_refresh: prev.full_refresh,
                            cursor: prev.cursor.clone(),
                            watermark_before: prev.watermark_before.clone(),
                            resumed_from: Some(prev.id),
                            row_budget: opts.row_budget,
                        },
                    )?;
                    // Progress past the old run's start watermark is kept, and so are its "seen" marks.
                    self.db.write(|tx| {
                        tx.execute(
                            "UPDATE runs SET watermark_after = ?2 WHERE id = ?1",
                            rusqlite::params![id, prev.watermark_after],
                        )?;
                        Ok(())
                    })?;
                    runs::transfer_seen(&self.db, entity, prev.id, id)?;
                    id
                }
                None => runs::create(
                    &self.db,
                    entity,
                    &NewRun {
                        trigger: opts.trigger.clone(),
                        full_refresh: opts.full,
                        cursor: None,
                        watermark_before: ctx.entity.watermark.clone(),
                        resumed_from: None,
                        row_budget: opts.row_budget,
                    },
                )?,
            }
        };
        active.insert(entity, (run, CancellationToken::new()));
        Ok(run)
    }

    /// Starts a run of one entity (name or id) in the background. A second request while it runs is refused
    /// with the running run's id.
    pub fn start_run(&self, entity: &str, opts: RunOptions) -> Result<RunHandle, RunError> {
        let ctx = self.context(entity)?;
        let entity_id = ctx.entity.id;
        let run_id = self.claim(&ctx, &opts)?;
        let cancel = self.active.lock().expect("run registry poisoned")[&entity_id]
            .1
            .clone();
        let me = self.clone();
        let token = cancel.clone();
        let join = tokio::spawn(async move {
            let out = pipeline::execute(ctx, run_id, token.clone(), me.events.clone()).await;
            me.active
                .lock()
                .expect("run registry poisoned")
                .remove(&entity_id);
            // The parent finished: its waiting children get a try now, whatever their backoff says.
            if matches!(
                out.status,
                RunStatus::Completed | RunStatus::CompletedWithErrors | RunStatus::NeedsReview
            ) {
                if let Err(e) = me.retry_children_of(entity_id, &token).await {
                    tracing::warn!(error = %e, "retrying pending children after the parent's run failed");
                }
            }
            out
        });
        Ok(RunHandle {
            run_id,
            join,
            cancel,
        })
    }

    /// Starts a run and waits for its end.
    pub async fn run(&self, entity: &str, opts: RunOptions) -> Result<RunOutcome, RunError> {
        let h = self.start_run(entity, opts)?;
        h.join.await.map_err(|e| RunError::Internal(e.to_string()))
    }

    /// Every enabled entity, parents first, one after the other.
    pub async fn sync_all(&self, opts: RunOptions) -> Result<Vec<RunOutcome>, RunError> {
        let mut out = Vec::new();
        for e in entities::all_parent_first(&self.db)?
            .into_iter()
            .filter(|e| e.def.enabled)
        {
            out.push(self.run(&e.id.to_string(), opts.clone()).await?);
        }
        Ok(out)
    }

    /// Cancels a run: at once when this process runs it, else through the database (the owner stops after its
    /// current page). False when the run is not running.
    pub fn cancel(&self, run: RunId) -> Result<bool, RunError> {
        let local = self
            .active
            .lock()
            .expect("run registry poisoned")
            .values()
            .find(|(r, _)| *r == run)
            .map(|(_, t)| t.clone());
        if let Some(t) = local {
            t.cancel();
            return Ok(true);
        }
        Ok(runs::request_cancel(&self.db, run)?)
    }

    async fn retry_children_of(
        &self,
        parent: EntityId,
        cancel: &CancellationToken,
    ) -> Result<(), RunError> {
        for child in crate::store::pending_children::children_of(&self.db, parent)? {
            let ctx = self.context(&child.to_string())?;
            pipeline::retry_pending(&ctx, crate::clock::now(), true, cancel).await?;
        }
        Ok(())
    }

    /// The periodic sweep: resolved failed records older than 30 days purged, then parked children and load
    /// failures whose backoff elapsed at `now`, for every entity not running at the moment. An entity whose retry
    /// cannot reach its services is logged and skipped (its retry run is recorded as failed, its records stay due),
    /// so one service being down holds up neither the other entities nor the purge.
    pub async fn sweep(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(PendingSweep, RetryOutcome), RunError> {
        failed_records::purge_resolved(&self.db, &pipeline_text(now - chrono::Duration::days(30)))?;
        let cancel = CancellationToken::new();
        let mut pending = PendingSweep::default();
        let mut retried = RetryOutcome::default();
        for e in entities::all_parent_first(&self.db)? {
            if self
                .active
                .lock()
                .expect("run registry poisoned")
                .contains_key(&e.id)
                || runs::active(&self.db, e.id)?.is_some()
            {
                continue;
            }
            let name = e.def.name.clone();
            let ctx = RunContext::build(&self.db, e, self.secrets.as_ref())?;
            match pipeline::retry_pending(&ctx, now, false, &cancel).await {
                Ok(p) => {
                    pending.loaded += p.loaded;
                    pending.still_pending += p.still_pending;
                    pending.failed += p.failed;
                }
                Err(e) => {
                    tracing::warn!(entity = %name, error = %e, "sweep: pending children not retried")
                }
            }
            let due = failed_records::open_ids(&self.db, ctx.entity.id, Some(&pipeline_text(now)))?;
            match retry_records(&ctx, &due, now, &cancel).await {
                Ok(r) => {
                    retried.resolved += r.resolved;
                    retried.failed_again += r.failed_again;
                    retried.parked += r.parked;
                }
                Err(e) => {
                    tracing::warn!(entity = %name, error = %e, "sweep: load failures not retried")
                }
            }
        }
        Ok((pending, retried))
    }

    /// Retries failed records through the current configuration (one retry run per entity).
    pub async fn retry_failed(&self, sel: RetrySelection) -> Result<Vec<RetryOutcome>, RunError> {
        let cancel = CancellationToken::new();
        let mut out = Vec::new();
        for (entity, ids) in self.retry_groups(&sel)? {
            let ctx = self.context(&entity.to_string())?;
            out.push(retry_records(&ctx, &ids, crate::clock::now(), &cancel).await?);
        }
        Ok(out)
    }

    /// The records a selection names, grouped by entity (in the order first met).
    fn retry_groups(
        &self,
        sel: &RetrySelection,
    ) -> Result<Vec<(EntityId, Vec<FailedRecordId>)>, RunError> {
        let pairs = match sel {
            RetrySelection::One(id) => failed_records::entities_of(&self.db, &[*id])?,
            RetrySelection::Some(ids) => failed_records::entities_of(&self.db, ids)?,
            RetrySelection::Entity(e) => {
                let entity = entities::find(&self.db, e)?.id;
                failed_records::open_ids(&self.db, entity, None)?
                    .into_iter()
                    .map(|id| (id, entity))
                    .collect()
            }
            RetrySelection::Matching(filter) => failed_records::open_matching(&self.db, filter)?,
        };
        let asked: &[FailedRecordId] = match sel {
            RetrySelection::One(id) => std::slice::from_ref(id),
            RetrySelection::Some(ids) => ids.as_slice(),
            _ => &[],
        };
        if let Some(id) = asked.iter().find(|id| !pairs.iter().any(|(p, _)| p == *id)) {
            return Err(StoreError::NotFound(format!("ids: no failed record with id {id}")).into());
        }
        let mut groups: Vec<(EntityId, Vec<FailedRecordId>)> = Vec::new();
        for (id, entity) in pairs {
            match groups.iter_mut().find(|(e, _)| *e == entity) {
                Some((_, ids)) => ids.push(id),
                None => groups.push((entity, vec![id])),
            }
        }
        Ok(groups)
    }

    /// `retry_failed` with the outcome of every record, telling `progress` how far it has got after each chunk.
    pub async fn retry_failed_reporting(
        &self,
        sel: RetrySelection,
        progress: &(dyn Fn(RetryProgress) + Send + Sync),
    ) -> Result<RetryReport, RunError> {
        let cancel = CancellationToken::new();
        let groups = self.retry_groups(&sel)?;
        let total: u64 = groups.iter().map(|(_, ids)| ids.len() as u64).sum();
        let mut report = RetryReport {
            asked: total,
            ..RetryReport::default()
        };
        progress(RetryProgress { done: 0, total });
        let mut done_before = 0u64;
        for (entity, ids) in &groups {
            let ctx = self.context(&entity.to_string())?;
            let on_chunk = |o: &RetryOutcome| {
                progress(RetryProgress {
                    done: done_before + o.resolved + o.failed_again + o.parked,
                    total,
                })
            };
            let o = retry_records_with(&ctx, ids, crate::clock::now(), &cancel, &on_chunk).await?;
            report.resolved += o.resolved;
            report.failed_again += o.failed_again;
            report.parked += o.parked;
            done_before += ids.len() as u64;
        }
        progress(RetryProgress { done: total, total });
        let shown: Vec<FailedRecordId> = groups
            .iter()
            .flat_map(|(_, ids)| ids.iter().copied())
            .take(RetryReport::MAX_OUTCOMES)
            .collect();
        report.outcomes = failed_records::outcomes(&self.db, &shown)?;
        Ok(report)
    }

    /// "Retry now" for parked children: their parents are looked up again and the children whose parent exists
    /// now are loaded, whatever their backoff says. Entities with a run in progress are skipped (the run retries
    /// its children when it ends); asking for one child of such an entity is refused.
    pub async fn retry_pending_now(
        &self,
        sel: PendingSelection,
    ) -> Result<PendingRetryReport, RunError> {
        let cancel = CancellationToken::new();
        let now = crate::clock::now();
        let mut report = PendingRetryReport::default();
        let busy = |entity: EntityId| -> Result<bool, RunError> {
            let local = self
                .active
                .lock()
                .expect("run registry poisoned")
                .contains_key(&entity);
            Ok(local || runs::active(&self.db, entity)?.is_some())
        };
        let targets = match &sel {
            PendingSelection::One { entity, bk_hash } => {
                if busy(*entity)? {
                    let name = entities::find(&self.db, &entity.to_string())?.def.name;
                    return Err(StoreError::Conflict(format!(
                        "entity '{name}' is syncing: its run retries its waiting children when it ends"
                    ))
                    .into());
                }
                // Due now, so the sweep below takes it (and whatever else of the entity was due anyway).
                if !crate::store::pending_children::make_due(
                    &self.db,
                    *entity,
                    bk_hash,
                    &pipeline_text(now),
                )? {
                    return Err(StoreError::NotFound(format!(
                        "no waiting child with key hash {bk_hash}: it was loaded or failed meanwhile"
                    ))
                    .into());
                }
                vec![(*entity, false)]
            }
            PendingSelection::All => {
                crate::store::pending_children::entities_with_pending(&self.db)?
                    .into_iter()
                    .map(|e| (e, true))
                    .collect()
            }
        };
        for (entity, force) in targets {
            if busy(entity)? {
                report
                    .skipped_running
                    .push(entities::find(&self.db, &entity.to_string())?.def.name);
                continue;
            }
            let ctx = self.context(&entity.to_string())?;
            let p = pipeline::retry_pending(&ctx, now, force, &cancel).await?;
            report.loaded += p.loaded;
            report.still_pending += p.still_pending;
            report.failed += p.failed;
        }
        if let PendingSelection::One { entity, bk_hash } = &sel {
            let parked = crate::store::pending_children::is_parked(&self.db, *entity, bk_hash)?;
            report.one = Some(if parked {
                PendingOutcome::StillPending
            } else {
                PendingOutcome::Loaded
            });
        }
        Ok(report)
    }

    pub fn failed_detail(&self, id: FailedRecordId) -> Result<FailedRecordDetail, StoreError> {
        failed_records::detail(&self.db, id)
    }

    /// Writes the matching failed records (with their snapshots) as CSV or JSON; returns how many.
    pub fn export_failed(
        &self,
        filter: &FailedRecordFilter,
        format: ExportFormat,
        out: &mut dyn std::io::Write,
    ) -> Result<usize, RunError> {
        let rows = failed_records::details(&self.db, filter)?;
        let io = |e: std::io::Error| RunError::Internal(format!("cannot write the export: {e}"));
        match format {
            ExportFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &rows)
                    .map_err(|e| RunError::Internal(e.to_string()))?;
                writeln!(out).map_err(io)?;
            }
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                for r in &rows {
                    w.serialize(r)
                        .map_err(|e| RunError::Internal(e.to_string()))?;
                }
                w.flush().map_err(io)?;
            }
        }
        Ok(rows.len())
    }

    pub async fn confirm_deletes(&self, run: RunId) -> Result<u64, RunError> {
        let rec = runs::get(&self.db, run)?;
        let ctx = self.context(&rec.entity_id.to_string())?;
        pipeline::confirm_held_deletes(&ctx, run, &CancellationToken::new()).await
    }

    pub fn discard_deletes(&self, run: RunId) -> Result<(), RunError> {
        let rec = runs::get(&self.db, run)?;
        let ctx = self.context(&rec.entity_id.to_string())?;
        pipeline::discard_held_deletes(&ctx, run)
    }

    fn apismith(&self, connection: &str) -> Result<ApiSmithClient, RunError> {
        let (_, def) = connections::get_by_name(&self.db, connection)?;
        Ok(ApiSmithClient::new(&client_config(
            &def,
            self.secrets.as_ref(),
        )?)?)
    }

    /// Entity definitions for every API of the source (not saved: the planner picks and edits them).
    pub async fn discover(&self, source: &str, target: &str) -> Result<Vec<EntityDef>, RunError> {
        let apis = self
            .apismith(source)?
            .all_apis(&CancellationToken::new())
            .await?;
        Ok(apis
            .iter()
            .map(|a| discovery::entity_from_api(a, source, target))
            .collect())
    }

    /// Logs in to the connection (or reads health for one without credentials); a PostgreSQL one also checks
    /// that its schema exists.
    pub async fn test_connection(&self, name: &str) -> Result<(), RunError> {
        let (_, def) = connections::get_by_name(&self.db, name)?;
        if def.kind == crate::model::ConnectionKind::Postgres {
            let settings = crate::pipeline::context::pg_settings(&def, self.secrets.as_ref())?;
            crate::sink::postgres::PostgresSink::new(settings)
                .check()
                .await?;
            return Ok(());
        }
        let cfg = client_config(&def, self.secrets.as_ref())?;
        let cancel = CancellationToken::new();
        match def.kind {
            crate::model::ConnectionKind::Apismith => {
                let c = ApiSmithClient::new(&cfg)?;
                c.health(&cancel).await?;
                c.connectors(&cancel).await?;
            }
            _ => {
                let c = ScheduleHubClient::new(&cfg)?;
                c.health(&cancel).await?;
                c.login(&cancel).await.or_else(|e| match def.auth_kind {
                    crate::model::AuthKind::Password => Err(e),
                    _ => Ok(()),
                })?;
            }
        }
        Ok(())
    }

    /// Saves the file's connections and entities (idempotent); entity defaults come from APISmith.
    pub async fn apply_config(&self, file: &ConfigFile) -> Result<ApplyReport, RunError> {
        let mut report = ApplyReport::default();
        // Refused before anything is saved.
        for (name, e) in &file.entities {
            if let (Some(table), Some(entity)) = (&e.table, &e.target_entity) {
                return Err(RunError::Config(format!(
                    "entity '{name}': set table ('{table}', a PostgreSQL target) or target_entity ('{entity}', a \
                     ScheduleHub target), not both"
                )));
            }
        }
        for (name, c) in &file.connections {
            let def = c
                .to_def(name)
                .map_err(|e| RunError::Config(format!("connection '{name}': {e}")))?;
            connections::save(&self.db, &def)?;
            report.connections.push(name.clone());
        }
        let cancel = CancellationToken::new();
        for name in config_file::parent_first(file) {
            let e = &file.entities[&name];
            let api = self.apismith(&e.source)?.api(&e.slug, &cancel).await?;
            let from_api = discovery::entity_from_api(&api, &e.source, &e.target);
            let def = e.to_def(&name, Some(&from_api));
            let (_, changed) = entities::save(&self.db, &def)?;
            if changed {
                report.hashes_changed.push(name.clone());
            }
            report.entities.push(name);
        }
        Ok(report)
    }
}

fn pipeline_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
