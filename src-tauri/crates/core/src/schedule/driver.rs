//! The scheduler's tick: read schedules and run states from SQLite, ask the pure decision what to do at `now`, stop
//! runs whose window closed, start the first due run (one at a time, parents first), wait for a locked keychain,
//! sweep retries, and tell when the night's scheduled work is over. The caller owns the clock: the app passes the
//! wall clock every 30 s, tests pass whatever instants they like.

use super::decide::{self, Plan, StartReason, KEYCHAIN_RETRY};
use crate::app::SyncFlow;
use crate::error::{Coded, ErrorCode};
use crate::ids::{EntityId, RunId};
use crate::model::RunStatus;
use crate::pipeline::RunOptions;
use crate::store::{entities, runs, settings, Db, StoreError};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Settings key of "Pause nightly syncs" (tray): while `"true"` the scheduler starts nothing and sweeps nothing.
pub const PAUSED_KEY: &str = "automatic_paused";
const SWEEP_EVERY: Duration = Duration::minutes(5);

/// What one tick did, for the tray and the notifications.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TickReport {
    pub started: Vec<(EntityId, RunId)>,
    /// Runs told to stop because their window closed (they stop after the page in flight).
    pub stopped_at_window_end: Vec<RunId>,
    /// Entities whose scheduled run waits for the keychain (locked, or no credential stored).
    pub waiting_for_keychain: Vec<EntityId>,
    /// Entities that started waiting on this tick, with the keychain's message: notify once, not every tick.
    pub newly_waiting: Vec<(String, String)>,
    /// Set once, on the tick where the scheduled nightly runs are all over.
    pub night_done: Option<NightSummary>,
}

/// The night's result, for the desktop notification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NightSummary {
    pub runs: u32,
    /// Completed, possibly with errors or deletes to review.
    pub completed: u32,
    pub failed: u32,
    /// Stopped by the window end or after an initial load's nightly share: they continue next night.
    pub to_continue: u32,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    pub failed_rows: u64,
}

#[derive(Default)]
struct Inner {
    /// Scheduled runs and when their window closes.
    stop_at: HashMap<RunId, DateTime<Utc>>,
    last_sweep: Option<DateTime<Utc>>,
    /// Entities whose last start could not read a credential: (no retry before, message).
    keychain: HashMap<EntityId, (DateTime<Utc>, String)>,
    /// Nightly runs started since the last summary.
    night: Vec<RunId>,
}

/// The scheduler's memory between ticks (cheap to clone; shared with whoever shows its state).
#[derive(Clone)]
pub struct Scheduler {
    flow: SyncFlow,
    tz: Tz,
    inner: Arc<Mutex<Inner>>,
}

impl Scheduler {
    /// `tz`: the workstation's time zone (`schedule::local_tz()`), in which windows are read.
    pub fn new(flow: SyncFlow, tz: Tz) -> Scheduler {
        Scheduler {
            flow,
            tz,
            inner: Arc::default(),
        }
    }

    fn db(&self) -> &Db {
        &self.flow.db
    }

    /// Entities waiting for the keychain right now, with the keychain's message.
    pub fn keychain_waits(&self) -> Vec<(EntityId, String)> {
        self.inner
            .lock()
            .expect("scheduler state poisoned")
            .keychain
            .iter()
            .map(|(e, (_, m))| (*e, m.clone()))
            .collect()
    }

    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport, StoreError> {
        let mut report = TickReport::default();
        // Window ends first: stop what must stop before starting anything.
        let due: Vec<RunId> = {
            let mut inner = self.inner.lock().expect("scheduler state poisoned");
            let due: Vec<RunId> = inner
                .stop_at
                .iter()
                .filter(|(_, at)| now >= **at)
                .map(|(r, _)| *r)
                .collect();
            for r in &due {
                inner.stop_at.remove(r);
            }
            due
        };
        for run in due {
            // A run that already ended (finished, or cancelled by the planner) is not reported as stopped.
            match self.flow.cancel(run) {
                Ok(true) => {
                    tracing::info!(%run, "the nightly window closed: stopping the run after its current page");
                    report.stopped_at_window_end.push(run);
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(%run, error = %e, "could not stop the run at the window end");
                    report.stopped_at_window_end.push(run);
                }
            }
        }

        let db = self.db().clone();
        let paused = settings::get(&db, PAUSED_KEY)?.as_deref() == Some("true");
        let mut states = blocking(move || super::state::load(&db, std::process::id())).await?;
        {
            let inner = self.inner.lock().expect("scheduler state poisoned");
            for s in &mut states {
                s.keychain_retry_at = inner.keychain.get(&s.entity_id).map(|(t, _)| *t);
            }
        }
        let plan = Plan {
            now,
            tz: self.tz,
            automatic_paused: paused,
        };
        let decision = decide::decide(&plan, &states);
        let db = self.db().clone();
        let next = decision.next_run.clone();
        blocking(move || super::state::save_next_runs(&db, &next)).await?;

        // One scheduled run at a time, parents first: entities that finish early free the window for the rest.
        let busy = states.iter().any(|s| s.running);
        if let Some(start) = decision.start.first().filter(|_| !busy) {
            self.start(start, now, &mut report);
        }
        report
            .waiting_for_keychain
            .extend(decision.waiting_for_keychain.iter().copied());
        {
            // An entity no longer due (its window closed, its schedule changed) no longer waits.
            let mut inner = self.inner.lock().expect("scheduler state poisoned");
            let waiting = &report.waiting_for_keychain;
            inner.keychain.retain(|e, _| waiting.contains(e));
        }

        // The night is over when nothing scheduled runs, nothing more is due and nothing waits for the keychain.
        let quiet = report.started.is_empty()
            && decision.start.is_empty()
            && decision.waiting_for_keychain.is_empty()
            && !states.iter().any(|s| s.running);
        if quiet {
            report.night_done = self.night_summary()?;
        }

        // Pending children and load failures are retried on their own backoff, checked every few minutes.
        let sweep_due = {
            let mut inner = self.inner.lock().expect("scheduler state poisoned");
            let due = inner.last_sweep.is_none_or(|t| now - t >= SWEEP_EVERY);
            if due {
                inner.last_sweep = Some(now);
            }
            due
        };
        if sweep_due && !paused {
            if let Err(e) = self.flow.sweep(now).await {
                tracing::warn!(error = %e, "the retry sweep failed");
            }
        }
        Ok(report)
    }

    fn start(&self, start: &decide::StartRun, now: DateTime<Utc>, report: &mut TickReport) {
        let opts = RunOptions {
            full: false,
            trigger: "schedule".into(),
            row_budget: start.row_budget,
        };
        let mut inner = self.inner.lock().expect("scheduler state poisoned");
        match self.flow.start_run(&start.entity_id.to_string(), opts) {
            Ok(handle) => {
                tracing::info!(entity = %start.entity_id, run = %handle.run_id, reason = ?start.reason,
                    budget = ?start.row_budget, "scheduled run started");
                inner.keychain.remove(&start.entity_id);
                if let Some(stop) = start.stop_at {
                    inner.stop_at.insert(handle.run_id, stop);
                }
                if start.stop_at.is_some() || start.reason != StartReason::Interval {
                    inner.night.push(handle.run_id);
                }
                report.started.push((start.entity_id, handle.run_id));
            }
            // A locked keychain (or a credential not stored yet): wait and try again later in the window. Nothing
            // else is tried instead — a secret comes from the keychain or its configured variable, never plain text.
            Err(e) if e.code() == ErrorCode::Keychain => {
                let message = e.to_string();
                tracing::warn!(entity = %start.entity_id, error = %message, "scheduled run waits for the keychain");
                let first = !inner.keychain.contains_key(&start.entity_id);
                inner
                    .keychain
                    .insert(start.entity_id, (now + KEYCHAIN_RETRY, message.clone()));
                if first {
                    let name = entities::find(&self.flow.db, &start.entity_id.to_string())
                        .map(|e| e.def.name)
                        .unwrap_or_else(|_| start.entity_id.to_string());
                    report.newly_waiting.push((name, message));
                }
                report.waiting_for_keychain.push(start.entity_id);
            }
            Err(e) => {
                tracing::warn!(entity = %start.entity_id, error = %e, "scheduled run could not start")
            }
        }
    }

    /// The summary of the nightly runs since the last one, once they have all ended; None while there are none.
    fn night_summary(&self) -> Result<Option<NightSummary>, StoreError> {
        let ids = {
            let inner = self.inner.lock().expect("scheduler state poisoned");
            if inner.night.is_empty() {
                return Ok(None);
            }
            inner.night.clone()
        };
        let mut s = NightSummary::default();
        for id in &ids {
            let r = runs::get(self.db(), *id)?;
            if matches!(r.status, RunStatus::Pending | RunStatus::Running) {
                return Ok(None);
            }
            s.runs += 1;
            match r.status {
                RunStatus::Failed => s.failed += 1,
                RunStatus::Cancelled => s.to_continue += 1,
                _ => s.completed += 1,
            }
            s.inserted += r.counters.inserted;
            s.updated += r.counters.updated;
            s.deleted += r.counters.deleted;
            s.failed_rows += r.counters.failed;
        }
        self.inner
            .lock()
            .expect("scheduler state poisoned")
            .night
            .clear();
        Ok(Some(s))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Invalid(format!("scheduler task failed: {e}")))?
}
