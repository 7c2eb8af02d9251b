//! Layer 4: dates, for date-typed columns only. Accepts the forms of SPEC §3 in order and writes ISO 8601
//! (`YYYY-MM-DDTHH:MM:SS[.ffffff][±HH:MM]`). Never consults the clock: the result depends on the text alone.

use super::config::{DateOrder, NormalizeOptions};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};

/// A parsed date-time: naive, or with the offset it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDate {
    pub local: NaiveDateTime,
    pub offset: Option<FixedOffset>,
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, &c| a * 10 + (c - b'0') as u32))
}

fn hms(b: &[u8]) -> Option<NaiveTime> {
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    NaiveTime::from_hms_opt(num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?)
}

fn ymd(y: &[u8], m: &[u8], d: &[u8]) -> Option<NaiveDate> {
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(num(y)? as i32, num(m)?, num(d)?)
}

/// `YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}][Z|±HH:MM]` and `YYYY-MM-DD`.
fn iso(b: &[u8]) -> Option<ParsedDate> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = ymd(&b[0..4], &b[5..7], &b[8..10])?;
    if b.len() == 10 {
        return Some(ParsedDate {
            local: date.and_time(NaiveTime::MIN),
            offset: None,
        });
    }
    if b.len() < 19 || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    let mut time = hms(&b[11..19])?;
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        // Keep microseconds: finer digits are truncated, never rounded into the next second.
        let mut nanos = num(&frac[..n])?;
        for _ in n..9 {
            nanos *= 10;
        }
        time = time.with_nanosecond_trunc(nanos / 1000 * 1000)?;
        rest = &frac[n..];
    }
    let offset = match rest {
        [] => None,
        [b'Z'] => Some(FixedOffset::east_opt(0)?),
        [s @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let secs = (num(&[*h1, *h2])? * 3600 + num(&[*m1, *m2])? * 60) as i32;
            Some(FixedOffset::east_opt(if *s == b'-' {
                -secs
            } else {
                secs
            })?)
        }
        _ => return None,
    };
    Some(ParsedDate {
        local: date.and_time(time),
        offset,
    })
}

trait TruncNanos: Sized {
    fn with_nanosecond_trunc(self, n: u32) -> Option<Self>;
}
impl TruncNanos for NaiveTime {
    fn with_nanosecond_trunc(self, n: u32) -> Option<Self> {
        chrono::Timelike::with_nanosecond(&self, n)
    }
}

/// `DD/MM/YYYY` or `DD-MM-YYYY` (or month first) with an optional ` HH:MM:SS`; the other order only when the
/// preferred one is impossible.
fn day_month(b: &[u8], sep: u8, order: DateOrder) -> Option<ParsedDate> {
    if b.len() < 10 || b[2] != sep || b[5] != sep {
        return None;
    }
    let time = match &b[10..] {
        [] => NaiveTime::MIN,
        [b' ', t @ ..] => hms(t)?,
        _ => return None,
    };
    let (a, m, y) = (&b[0..2], &b[3..5], &b[6..10]);
    let (first, second) = match order {
        DateOrder::Dmy => (ymd(y, m, a), ymd(y, a, m)),
        DateOrder::Mdy => (ymd(y, a, m), ymd(y, m, a)),
    };
    let date = first.or(second)?;
    Some(ParsedDate {
        local: date.and_time(time),
        offset: None,
    })
}

/// Parses a date-typed column's text; `None` when it is not a date in any accepted form.
pub fn parse_date(s: &str, order: DateOrder) -> Option<ParsedDate> {
    let b = s.as_bytes();
    let midnight = |d: NaiveDate| {
        Some(ParsedDate {
            local: d.and_time(NaiveTime::MIN),
            offset: None,
        })
    };
    if let Some(p) = iso(b) {
        return Some(p);
    }
    if b.len() == 10 && b[4] == b'/' && b[7] == b'/' {
        return midnight(ymd(&b[0..4], &b[5..7], &b[8..10])?);
    }
    if b.len() == 8 {
        return midnight(ymd(&b[0..4], &b[4..6], &b[6..8])?);
    }
    if b.len() == 10 && b[2] == b'.' && b[5] == b'.' {
        return midnight(ymd(&b[6..10], &b[3..5], &b[0..2])?);
    }
    day_month(b, b'/', order).or_else(|| day_month(b, b'-', order))
}

/// Writes the ISO form; naive values are read in `source_timezone` when one is set and written in UTC.
pub fn format_date(p: ParsedDate, opts: &NormalizeOptions) -> String {
    let (local, offset) = match (p.offset, opts.source_timezone) {
        (Some(o), _) => (p.local, Some(o)),
        (None, None) => (p.local, None),
        (None, Some(tz)) => {
            // Ambiguous (autumn) times take the earlier instant; times in the spring gap use the offset in force
            // before the gap, as Python's zoneinfo does with fold=0.
            let off = match tz.offset_from_local_datetime(&p.local) {
                chrono::LocalResult::Single(o) | chrono::LocalResult::Ambiguous(o, _) => o.fix(),
                chrono::LocalResult::None => tz
                    .offset_from_utc_datetime(&(p.local - chrono::Duration::hours(6)))
                    .fix(),
            };
            let utc = p.local - chrono::Duration::seconds(off.local_minus_utc() as i64);
            (utc, FixedOffset::east_opt(0))
        }
    };
    // Written by hand: chrono's strftime interpreter costs more than the whole rest of a row's normalization.
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    let mut out = String::with_capacity(32);
    let (y, mo, d) = (local.year(), local.month(), local.day());
    let (h, mi, sec, ns) = (
        local.hour(),
        local.minute(),
        local.second(),
        local.nanosecond(),
    );
    if (0..=9999).contains(&y) {
        // Digits by hand: `write!` costs more than the whole parse for the common four-digit year.
        let mut b = *b"0000-00-00T00:00:00";
        let mut put = |at: usize, width: usize, mut v: u32| {
            for i in (at..at + width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, y as u32);
        put(5, 2, mo);
        put(8, 2, d);
        put(11, 2, h);
        put(14, 2, mi);
        put(17, 2, sec);
        out.push_str(std::str::from_utf8(&b).unwrap_or_default());
    } else {
        let _ = write!(out, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}");
    }
    if ns != 0 {
        out.push('.');
        push_digits(&mut out, ns / 1000, 6);
    }
    if let Some(o) = offset {
        // `FixedOffset`'s own `±HH:MM` (seconds only when there are any), without the formatting machinery.
        let secs = o.local_minus_utc();
        out.push(if secs < 0 { '-' } else { '+' });
        let secs = secs.unsigned_abs();
        push_digits(&mut out, secs / 3600, 2);
        out.push(':');
        push_digits(&mut out, secs / 60 % 60, 2);
        if secs % 60 != 0 {
            out.push(':');
            push_digits(&mut out, secs % 60, 2);
        }
    }
    out
}

/// Appends `v` zero-padded to `width` digits (`v` has at most `width` digits).
fn push_digits(out: &mut String, mut v: u32, width: usize) {
    let mut b = ['0'; 10];
    for d in b[..width].iter_mut().rev() {
        *d = char::from(b'0' + (v % 10) as u8);
        v /= 10;
    }
    out.extend(&b[..width]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_fractions_are_written_as_chrono_writes_them() {
        for secs in [
            0, 1800, -1800, 12600, -12600, 50400, -43200, 3661, -59, 86399, -86399,
        ] {
            let o = FixedOffset::east_opt(secs).unwrap();
            let p = ParsedDate {
                local: NaiveDate::from_ymd_opt(2025, 1, 15)
                    .unwrap()
                    .and_hms_micro_opt(10, 30, 45, 7)
                    .unwrap(),
                offset: Some(o),
            };
            assert_eq!(
                format_date(p, &NormalizeOptions::default()),
                format!("2025-01-15T10:30:45.000007{o}"),
                "{secs}"
            );
        }
    }

    fn d(s: &str, order: DateOrder) -> Option<String> {
        parse_date(s, order).map(|p| format_date(p, &NormalizeOptions::default()))
    }
    fn dmy(s: &str) -> Option<String> {
        d(s, DateOrder::Dmy)
    }

    #[test]
    fn accepts_every_listed_form() {
        assert_eq!(
            dmy("2025-01-15T10:30:45").as_deref(),
            Some("2025-01-15T10:30:45")
        );
        assert_eq!(
            dmy("2025-01-15 10:30:45.5Z").as_deref(),
            Some("2025-01-15T10:30:45.500000+00:00")
        );
        assert_eq!(
            dmy("2025-01-15T10:30:45.123456789+03:30").as_deref(),
            Some("2025-01-15T10:30:45.123456+03:30")
        );
        assert_eq!(dmy("2025-01-15").as_deref(), Some("2025-01-15T00:00:00"));
        assert_eq!(dmy("2025/01/15").as_deref(), Some("2025-01-15T00:00:00"));
        assert_eq!(dmy("20250115").as_deref(), Some("2025-01-15T00:00:00"));
        assert_eq!(dmy("15.01.2025").as_deref(), Some("2025-01-15T00:00:00"));
        assert_eq!(
            dmy("15/01/2025 08:05:00").as_deref(),
            Some("2025-01-15T08:05:00")
        );
        assert_eq!(dmy("15-01-2025").as_deref(), Some("2025-01-15T00:00:00"));
    }

    #[test]
    fn date_order_decides_ambiguous_day_and_month() {
        assert_eq!(dmy("03/04/2025").as_deref(), Some("2025-04-03T00:00:00"));
        assert_eq!(
            d("03/04/2025", DateOrder::Mdy).as_deref(),
            Some("2025-03-04T00:00:00")
        );
    }

    #[test]
    fn falls_back_to_the_other_order_only_when_the_first_is_impossible() {
        assert_eq!(dmy("12/31/2025").as_deref(), Some("2025-12-31T00:00:00"));
        assert_eq!(
            d("31/12/2025", DateOrder::Mdy).as_deref(),
            Some("2025-12-31T00:00:00")
        );
    }

    #[test]
    fn refuses_impossible_and_foreign_text() {
        for bad in [
            "2025-02-30",
            "2025-13-01",
            "31/31/2025",
            "yesterday",
            "2025-01-15T25:00:00",
            "15.01.25",
            "1736899200",
        ] {
            assert_eq!(dmy(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_naive_values_in_the_source_timezone_and_writes_utc() {
        let opts = NormalizeOptions {
            source_timezone: Some(chrono_tz::Europe::Istanbul),
            ..Default::default()
        };
        let p = parse_date("2025-01-15 10:30:00", DateOrder::Dmy).unwrap();
        assert_eq!(format_date(p, &opts), "2025-01-15T07:30:00+00:00");
        let with_offset = parse_date("2025-01-15T10:30:00+01:00", DateOrder::Dmy).unwrap();
        assert_eq!(
            format_date(with_offset, &opts),
            "2025-01-15T10:30:00+01:00",
            "an explicit offset is kept"
        );
    }

    #[test]
    fn spring_gap_times_use_the_offset_before_the_gap() {
        let opts = NormalizeOptions {
            source_timezone: Some(chrono_tz::Europe::Berlin),
            ..Default::default()
        };
        let p = parse_date("2025-03-30 02:30:00", DateOrder::Dmy).unwrap();
        assert_eq!(format_date(p, &opts), "2025-03-30T01:30:00+00:00");
    }
}
