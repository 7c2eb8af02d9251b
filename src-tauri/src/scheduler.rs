//! The nightly scheduler's clock in the app: tokio-cron-scheduler fires a tick every 30 s and the core's `Scheduler`
//! decides by the app's clock (`syncflow_core::clock`) in the workstation's time zone, so a suspend/resume, a restart
//! or a DST change is simply the next tick's `now`. What a tick did goes to the tray and the notifications.

use crate::state::AppState;
use syncflow_core::clock;
use syncflow_core::schedule::{self, Scheduler, TickReport};
use syncflow_core::store::entities;
use tauri::AppHandle;
use tokio_cron_scheduler::{Job, JobScheduler};

pub use syncflow_core::schedule::driver::PAUSED_KEY;

/// Debug builds only: moves the app's clock by this many seconds at start, so end-to-end tests can put the app
/// inside tonight's window. Release builds ignore it (and say so in the log), so no user can trip over it.
pub const CLOCK_OFFSET_ENV: &str = "SYNCFLOW_CLOCK_OFFSET_SECS";

pub fn apply_clock_offset() {
    let Ok(value) = std::env::var(CLOCK_OFFSET_ENV) else {
        return;
    };
    if !cfg!(debug_assertions) {
        tracing::warn!("{CLOCK_OFFSET_ENV} is set but ignored: only debug builds move their clock");
        return;
    }
    match value.trim().parse::<i64>() {
        Ok(secs) => {
            clock::set_offset_secs(secs);
            tracing::warn!(
                offset_secs = secs,
                now = %clock::now(),
                "test clock: the app's clock is moved ({CLOCK_OFFSET_ENV})"
            );
        }
        Err(_) => tracing::error!(
            "{CLOCK_OFFSET_ENV}: '{value}' is not a whole number of seconds; the clock is not moved"
        ),
    }
}

pub async fn start(app: AppHandle, state: AppState) -> anyhow::Result<(JobScheduler, Scheduler)> {
    let sched = JobScheduler::new().await?;
    let driver = Scheduler::new(state.flow.clone(), schedule::local_tz());
    let for_job = driver.clone();
    sched
        .add(Job::new_async("*/30 * * * * *", move |_, _| {
            let driver = for_job.clone();
            let app = app.clone();
            let state = state.clone();
            Box::pin(async move {
                match driver.tick(clock::now()).await {
                    Ok(report) => after_tick(&app, &state, &driver, &report),
                    Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
                }
            })
        })?)
        .await?;
    sched.start().await?;
    Ok((sched, driver))
}

fn after_tick(app: &AppHandle, state: &AppState, driver: &Scheduler, report: &TickReport) {
    for (entity, message) in &report.newly_waiting {
        crate::notify::keychain_waiting(app, entity, message);
    }
    let waits = driver.keychain_waits();
    crate::tray::set_keychain_wait(app, waits.first().map(|(_, m)| m.clone()));
    if let Some(summary) = &report.night_done {
        crate::notify::night_done(app, summary);
    }
    let has_entities = entities::all_parent_first(&state.db)
        .map(|all| all.iter().any(|e| e.def.enabled))
        .unwrap_or(false);
    crate::tray::set_sync_all_enabled(app, has_entities);
}
