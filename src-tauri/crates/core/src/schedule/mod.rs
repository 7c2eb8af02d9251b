//! When syncs run by themselves. The decision is a pure function of (schedules, state, now) re-evaluated on every
//! scheduler tick against the wall clock in the workstation's time zone — never a timer armed for a future instant,
//! because monotonic timers stop during suspend and fixed-offset cron jobs drift across DST changes.

mod decide;
mod window;

pub use decide::{
    decide, Decision, EntityState, InitialLoad, Plan, ScheduleMode, StartReason, StartRun,
};
pub use window::{Occurrence, Window, WindowError};
