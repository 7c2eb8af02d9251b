//! The nightly scheduler's driver. tokio-cron-scheduler fires a short tick (every 30 s); each tick re-reads the
//! schedules and run states from SQLite and asks the pure decision function what to do *now*, by the wall clock in
//! the workstation's time zone. So a suspend/resume, a restart or a DST change is simply the next tick's `now`.
//! Scheduled runs go one at a time in parent-first order; a run still going at its window's end is stopped after
//! its current page (cancelled at its checkpoint) and the next window resumes it from there.

use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use syncflow_core::ids::RunId;
use syncflow_core::pipeline::RunOptions;
use syncflow_core::schedule::{self, Plan};
use syncflow_core::store::settings;
use tokio_cron_scheduler::{Job, JobScheduler};

pub const PAUSED_KEY: &str = "automatic_paused";
const SWEEP_EVERY: Duration = Duration::minutes(5);

#[derive(Default)]
struct Driver {
    /// Scheduled runs and when their window closes.
    stop_at: HashMap<RunId, DateTime<Utc>>,
    last_sweep: Option<DateTime<Utc>>,
}

pub async fn start(state: AppState) -> anyhow::Result<JobScheduler> {
    let sched = JobScheduler::new().await?;
    let driver = Arc::new(Mutex::new(Driver::default()));
    sched
        .add(Job::new_async("*/30 * * * * *", move |_, _| {
            let state = state.clone();
            let driver = driver.clone();
            Box::pin(async move {
                if let Err(e) = tick(&state, &driver, Utc::now()).await {
                    tracing::warn!(error = %e, "scheduler tick failed");
                }
            })
        })?)
        .await?;
    sched.start().await?;
    Ok(sched)
}

async fn tick(state: &AppState, driver: &Mutex<Driver>, now: DateTime<Utc>) -> anyhow::Result<()> {
    let flow = &state.flow;
    // Window ends first: stop what must stop before starting anything.
    let due: Vec<RunId> = {
        let mut d = driver.lock().expect("scheduler state poisoned");
        let due: Vec<RunId> = d
            .stop_at
            .iter()
            .filter(|(_, at)| now >= **at)
            .map(|(r, _)| *r)
            .collect();
        for r in &due {
            d.stop_at.remove(r);
        }
        due
    };
    for run in due {
        tracing::info!(%run, "the nightly window closed: stopping the run after its current page");
        let _ = flow.cancel(run);
    }

    let db = state.db.clone();
    let paused = settings::get(&db, PAUSED_KEY)?.as_deref() == Some("true");
    let states =
        tokio::task::spawn_blocking(move || schedule::state::load(&db, std::process::id()))
            .await??;
    let plan = Plan {
        now,
        tz: schedule::local_tz(),
        automatic_paused: paused,
    };
    let decision = schedule::decide(&plan, &states);
    let db = state.db.clone();
    let next = decision.next_run.clone();
    tokio::task::spawn_blocking(move || schedule::state::save_next_runs(&db, &next)).await??;

    // One scheduled run at a time, parents first: entities that finish early free the window for the rest.
    let busy = states.iter().any(|s| s.running);
    if let Some(start) = decision.start.first().filter(|_| !busy) {
        let opts = RunOptions {
            full: false,
            trigger: "schedule".into(),
        };
        match flow.start_run(&start.entity_id.to_string(), opts) {
            Ok(handle) => {
                tracing::info!(entity = %start.entity_id, run = %handle.run_id, reason = ?start.reason, "scheduled run started");
                if let Some(stop) = start.stop_at {
                    driver
                        .lock()
                        .expect("scheduler state poisoned")
                        .stop_at
                        .insert(handle.run_id, stop);
                }
            }
            Err(e) => {
                tracing::warn!(entity = %start.entity_id, error = %e, "scheduled run could not start")
            }
        }
    }

    // Pending children and load failures are retried on their own backoff, checked every few minutes.
    let sweep_due = {
        let mut d = driver.lock().expect("scheduler state poisoned");
        let due = d.last_sweep.is_none_or(|t| now - t >= SWEEP_EVERY);
        if due {
            d.last_sweep = Some(now);
        }
        due
    };
    if sweep_due && !paused {
        if let Err(e) = flow.sweep(now).await {
            tracing::warn!(error = %e, "the retry sweep failed");
        }
    }
    Ok(())
}
