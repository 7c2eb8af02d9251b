//! When syncs run by themselves. The decision is a pure function of (schedules, state, now) re-evaluated on every
//! scheduler tick against the wall clock in the workstation's time zone — never a timer armed for a future instant,
//! because monotonic timers stop during suspend and fixed-offset cron jobs drift across DST changes.

mod decide;
pub mod driver;
mod progress;
pub mod state;
mod window;

pub use decide::{
    decide, Decision, EntityState, InitialLoad, Plan, ScheduleMode, StartReason, StartRun,
    KEYCHAIN_RETRY,
};
pub use driver::{NightSummary, Scheduler, TickReport};
pub use progress::{initial_load_progress, LoadProgress};
pub use window::{Occurrence, Window, WindowError};

/// The workstation's time zone (IANA name from the OS, or `TZ`), for nightly windows; UTC when it cannot be told.
pub fn local_tz() -> chrono_tz::Tz {
    std::env::var("TZ")
        .ok()
        .and_then(|tz| tz.trim_start_matches(':').parse().ok())
        .or_else(|| {
            iana_time_zone::get_timezone()
                .ok()
                .and_then(|name| name.parse().ok())
        })
        .unwrap_or(chrono_tz::UTC)
}
