//! How far an initial load spread over several nights has come, and the night it should be done: the Schedules
//! screen's percentage and expected finish date. Pure, like the decision, so the night arithmetic is tested alone.

use super::decide::InitialLoad;
use super::window::Window;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadProgress {
    pub rows_read: u64,
    /// 0–100; 100 only once a run read the source to its end (the estimate may be off either way).
    pub percent: u32,
    /// The end of the window in which the last share should be read (None once complete, or when unscheduled).
    pub expected_finish: Option<DateTime<Utc>>,
}

/// `window`: the nightly window, or None for an interval schedule of `interval_minutes`. `done_this_opening`: the
/// share of the window open now (if any) is already read, so the next share waits for the next opening.
pub fn initial_load_progress(
    load: &InitialLoad,
    rows_read: u64,
    window: Option<Window>,
    interval_minutes: Option<u32>,
    done_this_opening: bool,
    now: DateTime<Utc>,
    tz: Tz,
) -> LoadProgress {
    if load.complete {
        return LoadProgress {
            rows_read,
            percent: 100,
            expected_finish: None,
        };
    }
    let estimate = load.row_estimate.max(1);
    // Never 100 before the end is actually reached: the estimate may be low.
    let percent = ((rows_read.min(estimate) * 100) / estimate).min(99) as u32;
    let left = load.row_estimate.saturating_sub(rows_read).max(1);
    let shares_left = left.div_ceil(load.rows_per_night().max(1)).max(1);
    let expected_finish = match (window, interval_minutes) {
        (Some(w), _) => {
            let mut opening = match w.current(now, tz) {
                Some(open) if !done_this_opening => open,
                _ => w.next_after(now, tz),
            };
            for _ in 1..shares_left {
                opening = w.next_after(opening.start, tz);
            }
            Some(opening.end)
        }
        (None, Some(m)) => {
            Some(now + Duration::minutes(i64::from(m.max(1)) * (shares_left as i64 - 1)))
        }
        (None, None) => None,
    };
    LoadProgress {
        rows_read,
        percent,
        expected_finish,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::window::local_at as at;
    use chrono_tz::Europe::Istanbul;

    /// One question to `initial_load_progress`, in Istanbul.
    struct Case {
        load: InitialLoad,
        read: u64,
        window: Option<Window>,
        interval_minutes: Option<u32>,
        done_this_opening: bool,
        now: DateTime<Utc>,
    }

    /// `rows` estimated over `nights` under the default nightly window, `read` of them read, asked at local `now`.
    fn case(rows: u64, nights: u32, read: u64, now: &str) -> Case {
        Case {
            load: InitialLoad {
                row_estimate: rows,
                days_to_complete: nights,
                complete: false,
            },
            read,
            window: Some(Window::default()),
            interval_minutes: None,
            done_this_opening: false,
            now: at(Istanbul, now),
        }
    }

    impl Case {
        /// The share of the window open now is already read.
        fn done_tonight(self) -> Case {
            Case {
                done_this_opening: true,
                ..self
            }
        }

        /// A run has read the source to its end.
        fn complete(mut self) -> Case {
            self.load.complete = true;
            self
        }

        /// An interval schedule instead of the nightly window.
        fn every(self, minutes: u32) -> Case {
            Case {
                window: None,
                interval_minutes: Some(minutes),
                ..self
            }
        }

        fn progress(&self) -> LoadProgress {
            initial_load_progress(
                &self.load,
                self.read,
                self.window,
                self.interval_minutes,
                self.done_this_opening,
                self.now,
                Istanbul,
            )
        }
    }

    #[test]
    fn a_three_night_load_not_started_ends_on_the_morning_after_the_third_night() {
        let p = case(90_000, 3, 0, "2026-11-20 12:00").progress();
        assert_eq!(p.percent, 0);
        assert_eq!(
            p.expected_finish,
            Some(at(Istanbul, "2026-11-23 07:00")),
            "nights of the 20th, 21st and 22nd"
        );
    }

    #[test]
    fn after_the_first_share_tonight_the_rest_waits_for_the_next_nights() {
        let p = case(90_000, 3, 30_000, "2026-11-20 23:00")
            .done_tonight()
            .progress();
        assert_eq!(p.percent, 33);
        assert_eq!(p.expected_finish, Some(at(Istanbul, "2026-11-23 07:00")));
        let not_yet_read_tonight = case(90_000, 3, 30_000, "2026-11-20 23:00").progress();
        assert_eq!(
            not_yet_read_tonight.expected_finish,
            Some(at(Istanbul, "2026-11-22 07:00")),
            "tonight's opening still counts"
        );
    }

    #[test]
    fn an_estimate_that_was_too_low_shows_99_percent_until_the_end_is_reached() {
        let p = case(1_000, 2, 1_500, "2026-11-21 02:00")
            .done_tonight()
            .progress();
        assert_eq!(p.percent, 99);
        assert_eq!(
            p.expected_finish,
            Some(at(Istanbul, "2026-11-22 07:00")),
            "one more night"
        );
        let done = case(1_000, 2, 1_500, "2026-11-21 02:00")
            .done_tonight()
            .complete()
            .progress();
        assert_eq!((done.percent, done.expected_finish), (100, None));
    }

    #[test]
    fn an_interval_schedule_finishes_after_its_remaining_runs() {
        let c = case(4_000, 4, 1_000, "2026-11-20 10:00").every(30);
        assert_eq!(
            c.progress().expected_finish,
            Some(c.now + Duration::minutes(60))
        );
    }
}
