//! The scheduler's decision: given every entity's schedule and run state and the current instant, which runs to start
//! now and when each entity runs next. Pure: the caller supplies `now` (tests move it freely; the app passes the wall
//! clock on every tick), so suspend/resume, restarts and DST changes are just other values of `now`.

use super::window::Window;
use crate::ids::EntityId;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleMode {
    Off,
    Interval { minutes: u32 },
    Nightly { window: Window },
}

/// Initial load spread over several nights: `ceil(row_estimate / days_to_complete)` rows a night until complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitialLoad {
    pub row_estimate: u64,
    pub days_to_complete: u32,
    pub complete: bool,
}

impl InitialLoad {
    pub fn rows_per_night(&self) -> u64 {
        self.row_estimate
            .div_ceil(u64::from(self.days_to_complete.max(1)))
    }
}

/// What the scheduler knows about one entity. Entities are given in parent-first order; starts keep that order.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityState {
    pub entity_id: EntityId,
    pub mode: ScheduleMode,
    pub paused: bool,
    pub running: bool,
    /// A run that did not reach an end (the app crashed, or the window closed mid-run): resumed from its checkpoint.
    pub interrupted: bool,
    pub last_started: Option<DateTime<Utc>>,
    /// When the last run that reached an end finished (completed, with errors, failed or needs review).
    pub last_finished: Option<DateTime<Utc>>,
    /// The last scheduled run was cancelled (not stopped by its row budget) and ended at this instant. Inside the
    /// window's opening that was the planner — the scheduler itself stops runs only at the window's end — and the
    /// entity waits for the next opening (or a manual run); a window-end stop is resumed in the next opening.
    pub cancelled_at: Option<DateTime<Utc>>,
    pub initial_load: Option<InitialLoad>,
    /// The last start could not read a credential (keychain locked or entry missing): no new attempt before this
    /// instant. The run waits — it never falls back to anything but the keychain.
    pub keychain_retry_at: Option<DateTime<Utc>>,
}

/// How long a scheduled run waits for a locked keychain before it tries again (inside its window).
pub const KEYCHAIN_RETRY: Duration = Duration::minutes(5);

/// The surroundings of the decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub now: DateTime<Utc>,
    /// The workstation's time zone: windows are local times.
    pub tz: Tz,
    /// "Pause nightly syncs" from the tray: no automatic run starts (manual runs are not the scheduler's business).
    pub automatic_paused: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartReason {
    /// The nightly window is open and the entity has not finished a run in this opening yet.
    Window,
    /// Every N minutes, and N minutes have passed since the last start.
    Interval,
    /// A run was interrupted and may continue now.
    Resume,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRun {
    pub entity_id: EntityId,
    pub reason: StartReason,
    /// Stop gracefully after the page in flight when this instant passes (the window's end).
    pub stop_at: Option<DateTime<Utc>>,
    /// Rows to read at most in this run (initial load over several nights).
    pub row_budget: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    pub start: Vec<StartRun>,
    /// When each entity will run next (None: not scheduled, or paused).
    pub next_run: Vec<(EntityId, Option<DateTime<Utc>>)>,
    /// Entities that would start now but wait for the keychain (locked or missing credential).
    pub waiting_for_keychain: Vec<EntityId>,
}

pub fn decide(plan: &Plan, entities: &[EntityState]) -> Decision {
    let mut decision = Decision::default();
    for e in entities {
        let (start, next) = decide_one(plan, e);
        match (start, e.keychain_retry_at) {
            // Due, but the keychain refused a moment ago: wait and try again later in the window.
            (Some(_), Some(retry)) if plan.now < retry => {
                decision.waiting_for_keychain.push(e.entity_id);
                decision.next_run.push((e.entity_id, Some(retry)));
                continue;
            }
            (Some(s), _) => decision.start.push(s),
            (None, _) => {}
        }
        decision.next_run.push((e.entity_id, next));
    }
    decision
}

fn decide_one(plan: &Plan, e: &EntityState) -> (Option<StartRun>, Option<DateTime<Utc>>) {
    let now = plan.now;
    if e.paused || plan.automatic_paused || e.mode == ScheduleMode::Off {
        return (None, None);
    }
    let budget = e
        .initial_load
        .filter(|l| !l.complete)
        .map(|l| l.rows_per_night());
    match e.mode {
        ScheduleMode::Off => (None, None),
        ScheduleMode::Interval { minutes } => {
            let due = match e.last_started {
                None => now,
                Some(t) => t + Duration::minutes(i64::from(minutes.max(1))),
            };
            if e.running {
                return (None, Some(due.max(now)));
            }
            // An interval run is never stopped by the scheduler: a cancelled one was the planner's, not interrupted.
            let reason = if e.interrupted && e.cancelled_at.is_none() {
                Some(StartReason::Resume)
            } else if now >= due {
                Some(StartReason::Interval)
            } else {
                None
            };
            match reason {
                Some(reason) => (
                    Some(StartRun {
                        entity_id: e.entity_id,
                        reason,
                        stop_at: None,
                        row_budget: budget,
                    }),
                    Some(now),
                ),
                None => (None, Some(due)),
            }
        }
        ScheduleMode::Nightly { window } => {
            let Some(open) = window.current(now, plan.tz) else {
                return (None, Some(window.next_after(now, plan.tz).start));
            };
            let cancelled_tonight = e.cancelled_at.is_some_and(|c| open.contains(c));
            let done_tonight = e.last_finished.is_some_and(|f| open.contains(f)) && !e.interrupted;
            if e.running {
                return (None, Some(now));
            }
            if done_tonight || cancelled_tonight {
                return (None, Some(window.next_after(now, plan.tz).start));
            }
            let reason = if e.interrupted {
                StartReason::Resume
            } else {
                StartReason::Window
            };
            (
                Some(StartRun {
                    entity_id: e.entity_id,
                    reason,
                    stop_at: Some(open.end),
                    row_budget: budget,
                }),
                Some(now),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::{Berlin, Istanbul};

    use crate::schedule::window::local_at as at;

    fn nightly() -> EntityState {
        EntityState {
            entity_id: EntityId::new(),
            mode: ScheduleMode::Nightly {
                window: Window::default(),
            },
            paused: false,
            running: false,
            interrupted: false,
            last_started: None,
            last_finished: None,
            cancelled_at: None,
            initial_load: None,
            keychain_retry_at: None,
        }
    }

    fn plan(tz: Tz, now: &str) -> Plan {
        Plan {
            now: at(tz, now),
            tz,
            automatic_paused: false,
        }
    }

    #[test]
    fn a_nightly_entity_starts_when_the_window_opens_and_not_before() {
        let e = nightly();
        let before = decide(
            &plan(Istanbul, "2026-11-20 18:59"),
            std::slice::from_ref(&e),
        );
        assert!(before.start.is_empty());
        assert_eq!(before.next_run[0].1, Some(at(Istanbul, "2026-11-20 19:00")));
        let open = decide(&plan(Istanbul, "2026-11-20 19:00"), &[e]);
        assert_eq!(open.start.len(), 1);
        assert_eq!(open.start[0].reason, StartReason::Window);
        assert_eq!(
            open.start[0].stop_at,
            Some(at(Istanbul, "2026-11-21 07:00")),
            "stops at the window end"
        );
    }

    #[test]
    fn an_entity_that_finished_tonight_does_not_run_twice_in_the_same_night() {
        let mut e = nightly();
        e.last_started = Some(at(Istanbul, "2026-11-20 19:00"));
        e.last_finished = Some(at(Istanbul, "2026-11-20 21:10"));
        let d = decide(&plan(Istanbul, "2026-11-21 03:00"), &[e]);
        assert!(
            d.start.is_empty(),
            "finished after tonight's opening: done until tomorrow evening"
        );
        assert_eq!(d.next_run[0].1, Some(at(Istanbul, "2026-11-21 19:00")));
    }

    #[test]
    fn a_clock_jump_into_tomorrows_window_starts_the_next_night_run() {
        // Suspended at 22:00 after finishing; the lid opens the next evening at 23:30.
        let mut e = nightly();
        e.last_finished = Some(at(Istanbul, "2026-11-20 21:10"));
        let d = decide(&plan(Istanbul, "2026-11-21 23:30"), &[e]);
        assert_eq!(d.start.len(), 1);
        assert_eq!(d.start[0].stop_at, Some(at(Istanbul, "2026-11-22 07:00")));
    }

    #[test]
    fn waking_up_early_in_the_morning_still_inside_the_window_catches_up() {
        let mut e = nightly();
        e.last_finished = Some(at(Istanbul, "2026-11-19 20:00"));
        let d = decide(
            &plan(Istanbul, "2026-11-21 06:30"),
            std::slice::from_ref(&e),
        );
        assert_eq!(
            d.start.len(),
            1,
            "missed the night while asleep: start now, the window is still open"
        );
        let late = decide(&plan(Istanbul, "2026-11-21 07:05"), &[e]);
        assert!(
            late.start.is_empty(),
            "after the window: wait for the evening"
        );
        assert_eq!(late.next_run[0].1, Some(at(Istanbul, "2026-11-21 19:00")));
    }

    #[test]
    fn a_run_the_planner_cancelled_tonight_stays_cancelled_until_the_next_night() {
        // As state::load reports it: the last scheduled run was cancelled (so "interrupted") at 20:15, inside the
        // window; the scheduler itself stops runs only at the window's end.
        let mut e = nightly();
        e.interrupted = true;
        e.last_started = Some(at(Istanbul, "2026-11-20 19:00"));
        e.cancelled_at = Some(at(Istanbul, "2026-11-20 20:15"));
        for now in ["2026-11-20 20:16", "2026-11-21 03:00", "2026-11-21 06:59"] {
            let d = decide(&plan(Istanbul, now), std::slice::from_ref(&e));
            assert!(d.start.is_empty(), "at {now} the cancel still holds");
            assert_eq!(d.next_run[0].1, Some(at(Istanbul, "2026-11-21 19:00")));
        }
        let next_night = decide(&plan(Istanbul, "2026-11-21 19:00"), &[e]);
        assert_eq!(next_night.start.len(), 1);
        assert_eq!(
            next_night.start[0].reason,
            StartReason::Resume,
            "the next night continues from the checkpoint"
        );
    }

    #[test]
    fn a_run_stopped_at_the_window_end_resumes_in_the_next_opening() {
        let mut e = nightly();
        e.interrupted = true;
        e.cancelled_at = Some(at(Istanbul, "2026-11-21 07:00"));
        let morning = decide(
            &plan(Istanbul, "2026-11-21 07:01"),
            std::slice::from_ref(&e),
        );
        assert!(morning.start.is_empty());
        let evening = decide(&plan(Istanbul, "2026-11-21 19:00"), &[e]);
        assert_eq!(evening.start.len(), 1);
        assert_eq!(evening.start[0].reason, StartReason::Resume);
    }

    #[test]
    fn a_cancelled_interval_run_waits_for_its_next_interval() {
        let mut e = nightly();
        e.mode = ScheduleMode::Interval { minutes: 15 };
        e.interrupted = true;
        e.last_started = Some(at(Istanbul, "2026-11-20 10:00"));
        e.cancelled_at = Some(at(Istanbul, "2026-11-20 10:05"));
        let soon = decide(
            &plan(Istanbul, "2026-11-20 10:06"),
            std::slice::from_ref(&e),
        );
        assert!(soon.start.is_empty(), "not taken up again at the next tick");
        assert_eq!(soon.next_run[0].1, Some(at(Istanbul, "2026-11-20 10:15")));
        let due = decide(&plan(Istanbul, "2026-11-20 10:15"), &[e]);
        assert_eq!(due.start[0].reason, StartReason::Interval);
    }

    #[test]
    fn a_running_entity_is_never_started_again() {
        let mut e = nightly();
        e.running = true;
        assert!(decide(&plan(Istanbul, "2026-11-20 20:00"), &[e])
            .start
            .is_empty());
    }

    #[test]
    fn after_a_restart_an_interrupted_run_is_resumed_inside_the_window_and_waits_outside_it() {
        let mut e = nightly();
        e.interrupted = true;
        e.last_finished = Some(at(Istanbul, "2026-11-20 20:00"));
        let inside = decide(
            &plan(Istanbul, "2026-11-20 23:00"),
            std::slice::from_ref(&e),
        );
        assert_eq!(inside.start.len(), 1);
        assert_eq!(
            inside.start[0].reason,
            StartReason::Resume,
            "resumed, not a second run"
        );
        let outside = decide(&plan(Istanbul, "2026-11-21 09:00"), &[e]);
        assert!(
            outside.start.is_empty(),
            "the rest of a nightly run waits for the next window"
        );
    }

    #[test]
    fn the_fall_back_hour_does_not_open_a_second_run_in_the_same_night() {
        // Berlin 2026-10-25: 02:30 happens twice. A run that finished in the first 02:30 is tonight's run.
        let mut e = nightly();
        let first_0230 = at(Berlin, "2026-10-25 02:30");
        e.last_finished = Some(first_0230);
        let second_0230 = first_0230 + Duration::hours(1);
        assert!(decide(
            &Plan {
                now: second_0230,
                tz: Berlin,
                automatic_paused: false
            },
            &[e]
        )
        .start
        .is_empty());
    }

    #[test]
    fn interval_schedules_run_every_n_minutes_from_the_last_start() {
        let mut e = nightly();
        e.mode = ScheduleMode::Interval { minutes: 30 };
        let first = decide(
            &plan(Istanbul, "2026-11-20 10:00"),
            std::slice::from_ref(&e),
        );
        assert_eq!(
            first.start[0].reason,
            StartReason::Interval,
            "never ran: due at once"
        );
        e.last_started = Some(at(Istanbul, "2026-11-20 10:00"));
        let early = decide(
            &plan(Istanbul, "2026-11-20 10:29"),
            std::slice::from_ref(&e),
        );
        assert!(early.start.is_empty());
        assert_eq!(early.next_run[0].1, Some(at(Istanbul, "2026-11-20 10:30")));
        assert_eq!(
            decide(&plan(Istanbul, "2026-11-20 10:30"), &[e])
                .start
                .len(),
            1
        );
    }

    #[test]
    fn paused_or_off_schedules_start_nothing_and_have_no_next_run() {
        let mut paused = nightly();
        paused.paused = true;
        let mut off = nightly();
        off.mode = ScheduleMode::Off;
        let d = decide(&plan(Istanbul, "2026-11-20 20:00"), &[paused, off]);
        assert!(d.start.is_empty());
        assert!(d.next_run.iter().all(|(_, n)| n.is_none()));
        let mut all_paused = plan(Istanbul, "2026-11-20 20:00");
        all_paused.automatic_paused = true;
        assert!(
            decide(&all_paused, &[nightly()]).start.is_empty(),
            "Pause nightly syncs from the tray"
        );
    }

    #[test]
    fn an_initial_load_reads_its_nightly_share_until_complete() {
        let mut e = nightly();
        e.initial_load = Some(InitialLoad {
            row_estimate: 1_000_001,
            days_to_complete: 3,
            complete: false,
        });
        let d = decide(
            &plan(Istanbul, "2026-11-20 19:00"),
            std::slice::from_ref(&e),
        );
        assert_eq!(d.start[0].row_budget, Some(333_334), "ceil(1,000,001 / 3)");
        e.initial_load = Some(InitialLoad {
            row_estimate: 1_000_001,
            days_to_complete: 3,
            complete: true,
        });
        assert_eq!(
            decide(&plan(Istanbul, "2026-11-20 19:00"), &[e]).start[0].row_budget,
            None,
            "then incremental"
        );
    }

    #[test]
    fn starts_keep_the_parent_first_order_they_were_given() {
        let (parent, child) = (nightly(), nightly());
        let d = decide(
            &plan(Istanbul, "2026-11-20 20:00"),
            &[parent.clone(), child.clone()],
        );
        let order: Vec<_> = d.start.iter().map(|s| s.entity_id).collect();
        assert_eq!(order, vec![parent.entity_id, child.entity_id]);
    }

    #[test]
    fn a_locked_keychain_makes_the_run_wait_and_try_again_later_in_the_window() {
        let mut e = nightly();
        e.keychain_retry_at = Some(at(Istanbul, "2026-11-20 20:05"));
        let waiting = decide(
            &plan(Istanbul, "2026-11-20 20:01"),
            std::slice::from_ref(&e),
        );
        assert!(
            waiting.start.is_empty(),
            "no start while the keychain refused a moment ago"
        );
        assert_eq!(waiting.waiting_for_keychain, vec![e.entity_id]);
        assert_eq!(
            waiting.next_run[0].1,
            Some(at(Istanbul, "2026-11-20 20:05")),
            "the next attempt is the next run"
        );
        let retry = decide(
            &plan(Istanbul, "2026-11-20 20:05"),
            std::slice::from_ref(&e),
        );
        assert_eq!(retry.start.len(), 1, "tries again once the wait is over");
        assert!(retry.waiting_for_keychain.is_empty());
        let after_window = decide(&plan(Istanbul, "2026-11-21 07:30"), &[e]);
        assert!(
            after_window.waiting_for_keychain.is_empty() && after_window.start.is_empty(),
            "outside the window nothing is due, so nothing waits"
        );
    }

    #[test]
    fn an_initial_load_night_stopped_by_its_budget_waits_for_the_next_night_with_a_new_budget() {
        // state::load reports a run stopped by its row budget as finished tonight and not interrupted.
        let mut e = nightly();
        e.initial_load = Some(InitialLoad {
            row_estimate: 10_000,
            days_to_complete: 2,
            complete: false,
        });
        e.last_finished = Some(at(Istanbul, "2026-11-20 19:20"));
        let same_night = decide(
            &plan(Istanbul, "2026-11-21 01:00"),
            std::slice::from_ref(&e),
        );
        assert!(same_night.start.is_empty(), "tonight's share is read");
        assert_eq!(
            same_night.next_run[0].1,
            Some(at(Istanbul, "2026-11-21 19:00"))
        );
        let daytime = decide(
            &plan(Istanbul, "2026-11-21 12:00"),
            std::slice::from_ref(&e),
        );
        assert!(daytime.start.is_empty(), "nothing runs during the day");
        let next_night = decide(&plan(Istanbul, "2026-11-21 19:00"), &[e]);
        assert_eq!(next_night.start[0].reason, StartReason::Window);
        assert_eq!(next_night.start[0].row_budget, Some(5_000));
    }

    #[test]
    fn a_window_opening_inside_the_spring_forward_gap_starts_when_the_gap_ends() {
        // Berlin 2026-03-29: 02:00 → 03:00. A 02:30–05:00 window opens at 03:00 that night.
        let mut e = nightly();
        e.mode = ScheduleMode::Nightly {
            window: Window::parse("02:30", "05:00").unwrap(),
        };
        let before = decide(
            &Plan {
                now: at(Berlin, "2026-03-29 01:59"),
                tz: Berlin,
                automatic_paused: false,
            },
            std::slice::from_ref(&e),
        );
        assert!(before.start.is_empty());
        assert_eq!(before.next_run[0].1, Some(at(Berlin, "2026-03-29 03:00")));
        let at_three = decide(
            &Plan {
                now: at(Berlin, "2026-03-29 03:00"),
                tz: Berlin,
                automatic_paused: false,
            },
            &[e],
        );
        assert_eq!(at_three.start.len(), 1);
        assert_eq!(
            at_three.start[0].stop_at,
            Some(at(Berlin, "2026-03-29 05:00"))
        );
    }

    #[test]
    fn waking_from_suspend_in_the_middle_of_a_window_starts_the_missed_run_on_the_next_tick() {
        // Suspended at 18:00 before the window opened; the machine wakes at 23:47. The app ticks every 30 s, so the
        // first tick after wake (well within 5 minutes) sees the open window and starts.
        let mut e = nightly();
        e.last_finished = Some(at(Istanbul, "2026-11-20 02:00"));
        let wake = at(Istanbul, "2026-11-20 23:47") + Duration::seconds(30);
        let d = decide(
            &Plan {
                now: wake,
                tz: Istanbul,
                automatic_paused: false,
            },
            &[e],
        );
        assert_eq!(d.start.len(), 1);
        assert_eq!(d.start[0].reason, StartReason::Window);
    }
}
