//! A nightly window such as 19:00–07:00 in local time: start inclusive, end exclusive, crossing midnight when the end
//! is not after the start. Local times that do not exist (spring-forward gap) move to the first instant after the
//! gap; ambiguous ones (fall-back) take the earlier instant, so a window never opens twice in one night.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WindowError {
    #[error("'{0}' is not a time of day (expected HH:MM, e.g. 19:00)")]
    BadTime(String),
    #[error("a window needs different start and end times (both are {0})")]
    Empty(String),
}

/// One concrete opening of the window, as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Occurrence {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

impl Default for Window {
    fn default() -> Self {
        Window {
            start: NaiveTime::from_hms_opt(19, 0, 0).expect("valid time"),
            end: NaiveTime::from_hms_opt(7, 0, 0).expect("valid time"),
        }
    }
}

impl Window {
    pub fn parse(start: &str, end: &str) -> Result<Window, WindowError> {
        let p = |s: &str| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| WindowError::BadTime(s.into()))
        };
        let w = Window {
            start: p(start)?,
            end: p(end)?,
        };
        if w.start == w.end {
            return Err(WindowError::Empty(start.into()));
        }
        Ok(w)
    }

    fn crosses_midnight(&self) -> bool {
        self.end <= self.start
    }

    /// The window opening on local date `day` (its start is on `day`; its end may be on the next day).
    fn on(&self, day: NaiveDate, tz: Tz) -> Occurrence {
        let end_day = if self.crosses_midnight() {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        Occurrence {
            start: resolve(tz, day, self.start),
            end: resolve(tz, end_day, self.end),
        }
    }

    /// The occurrence that contains `now`, if the window is open.
    pub fn current(&self, now: DateTime<Utc>, tz: Tz) -> Option<Occurrence> {
        let today = now.with_timezone(&tz).date_naive();
        // An occurrence that started yesterday evening may still be open this morning.
        [today.pred_opt(), Some(today)]
            .into_iter()
            .flatten()
            .map(|d| self.on(d, tz))
            .find(|o| o.contains(now))
    }

    /// The next occurrence starting strictly after `now`.
    pub fn next_after(&self, now: DateTime<Utc>, tz: Tz) -> Occurrence {
        let mut day = now
            .with_timezone(&tz)
            .date_naive()
            .pred_opt()
            .unwrap_or(NaiveDate::MIN);
        loop {
            let o = self.on(day, tz);
            if o.start > now {
                return o;
            }
            day = day.succ_opt().expect("date in range");
        }
    }
}

/// A local wall-clock time on a date, as an instant: gaps move forward past the gap, folds take the earlier instant.
fn resolve(tz: Tz, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = day.and_time(time);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            // Inside a spring-forward gap: the first minute that exists after it.
            let mut probe = naive;
            for _ in 0..(4 * 60) {
                probe += Duration::minutes(1);
                if let LocalResult::Single(t) | LocalResult::Ambiguous(t, _) =
                    tz.from_local_datetime(&probe)
                {
                    return t.with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&naive)
        }
    }
}

/// `"YYYY-MM-DD HH:MM"` local time in `tz` as an instant (the earlier one in a fall-back fold), for tests.
#[cfg(test)]
pub(crate) fn local_at(tz: Tz, s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::{Berlin, Istanbul};

    use super::local_at as at;

    #[test]
    fn the_default_window_is_open_from_seven_in_the_evening_until_seven_in_the_morning() {
        let w = Window::default();
        assert!(
            w.current(at(Istanbul, "2026-11-20 19:00"), Istanbul)
                .is_some(),
            "start is inclusive"
        );
        assert!(w
            .current(at(Istanbul, "2026-11-20 18:59"), Istanbul)
            .is_none());
        assert!(
            w.current(at(Istanbul, "2026-11-21 02:00"), Istanbul)
                .is_some(),
            "open across midnight"
        );
        assert!(w
            .current(at(Istanbul, "2026-11-21 06:59"), Istanbul)
            .is_some());
        assert!(
            w.current(at(Istanbul, "2026-11-21 07:00"), Istanbul)
                .is_none(),
            "end is exclusive"
        );
    }

    #[test]
    fn an_occurrence_after_midnight_is_the_one_that_started_the_evening_before() {
        let w = Window::default();
        let o = w
            .current(at(Istanbul, "2026-11-21 03:00"), Istanbul)
            .unwrap();
        assert_eq!(o.start, at(Istanbul, "2026-11-20 19:00"));
        assert_eq!(o.end, at(Istanbul, "2026-11-21 07:00"));
    }

    #[test]
    fn a_daytime_window_does_not_cross_midnight() {
        let w = Window::parse("09:00", "17:30").unwrap();
        assert!(w
            .current(at(Istanbul, "2026-11-20 12:00"), Istanbul)
            .is_some());
        assert!(w
            .current(at(Istanbul, "2026-11-20 17:30"), Istanbul)
            .is_none());
        assert_eq!(
            w.next_after(at(Istanbul, "2026-11-20 18:00"), Istanbul)
                .start,
            at(Istanbul, "2026-11-21 09:00")
        );
    }

    #[test]
    fn a_window_starting_in_the_spring_forward_gap_opens_when_the_gap_ends() {
        // Berlin, 2026-03-29: 02:00 jumps to 03:00, so 02:30 never happens that night.
        let w = Window::parse("02:30", "05:00").unwrap();
        let o = w.next_after(at(Berlin, "2026-03-28 12:00"), Berlin);
        assert_eq!(o.start, at(Berlin, "2026-03-29 03:00"));
        assert_eq!(
            (o.end - o.start).num_hours(),
            2,
            "the night is an hour shorter, not longer"
        );
    }

    #[test]
    fn a_night_with_the_fall_back_hour_is_an_hour_longer_and_opens_once() {
        // Berlin, 2026-10-25: 03:00 falls back to 02:00.
        let w = Window::default();
        let o = w.current(at(Berlin, "2026-10-25 01:00"), Berlin).unwrap();
        assert_eq!((o.end - o.start).num_hours(), 13);
        let next = w.next_after(o.start, Berlin);
        assert_eq!(next.start, at(Berlin, "2026-10-25 19:00"));
    }

    #[test]
    fn refuses_windows_that_are_not_times_or_are_empty() {
        assert_eq!(
            Window::parse("7pm", "07:00"),
            Err(WindowError::BadTime("7pm".into()))
        );
        assert_eq!(
            Window::parse("19:00", "19:00"),
            Err(WindowError::Empty("19:00".into()))
        );
    }
}
