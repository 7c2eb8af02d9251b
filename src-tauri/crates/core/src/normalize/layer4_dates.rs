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

/// `num` on a field of exactly `N` digits (`None` for another length): unrolled, one test per digit.
#[inline(always)]
fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    let b: &[u8; N] = b.try_into().ok()?;
    let mut v = 0;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u32;
    }
    Some(v)
}

/// A date-time as its text gives it, already checked as chrono checks it (`NaiveDate::from_ymd_opt`,
/// `NaiveTime::from_hms_opt`, `FixedOffset::east_opt`): the parser works on these plain numbers, and a value without
/// a timezone to apply is written from them directly, with no calendar arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fields {
    /// 0..=9999 (the forms have four-digit years).
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
    /// Seconds east of UTC, when the text has an offset.
    offset: Option<i32>,
    /// The text is already what `write` writes for these fields (an ISO form with `T`, six non-zero decimals or
    /// none, an offset other than `Z` and `-00:00` with minutes below 60, or none).
    written: bool,
}

fn is_leap(y: u32) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

/// `(year, month, day)` when it is a day of the proleptic Gregorian calendar, as chrono's `from_ymd_opt` accepts it.
fn valid_ymd(year: u32, month: u32, day: u32) -> Option<(u32, u32, u32)> {
    let last = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return None,
    };
    (1..=last).contains(&day).then_some((year, month, day))
}

#[inline(always)]
fn hms(b: &[u8]) -> Option<(u32, u32, u32)> {
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (
        digits::<2>(&b[0..2])?,
        digits::<2>(&b[3..5])?,
        digits::<2>(&b[6..8])?,
    );
    (h < 24 && m < 60 && s < 60).then_some((h, m, s))
}

#[inline(always)]
fn ymd(y: &[u8], m: &[u8], d: &[u8]) -> Option<(u32, u32, u32)> {
    valid_ymd(digits::<4>(y)?, digits::<2>(m)?, digits::<2>(d)?)
}

fn midnight((year, month, day): (u32, u32, u32)) -> Fields {
    Fields {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
        offset: None,
        written: false,
    }
}

fn at((hour, minute, second): (u32, u32, u32), date: (u32, u32, u32)) -> Fields {
    Fields {
        hour,
        minute,
        second,
        ..midnight(date)
    }
}

/// `YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}][Z|±HH:MM]` and `YYYY-MM-DD`.
fn iso(b: &[u8]) -> Option<Fields> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = ymd(&b[0..4], &b[5..7], &b[8..10])?;
    if b.len() == 10 {
        return Some(midnight(date));
    }
    if b.len() < 19 || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    let mut f = at(hms(&b[11..19])?, date);
    let mut written = b[10] == b'T';
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
        f.micros = nanos / 1000;
        written &= n == 6 && f.micros != 0;
        rest = &frac[n..];
    }
    f.offset = match rest {
        [] => None,
        [b'Z'] => {
            written = false;
            Some(0)
        }
        [s @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (digits::<2>(&[*h1, *h2])?, digits::<2>(&[*m1, *m2])?);
            let secs = (h * 3600 + m * 60) as i32;
            // `FixedOffset::east_opt`'s range.
            if secs >= 86_400 {
                return None;
            }
            written &= m < 60 && (secs != 0 || *s == b'+');
            Some(if *s == b'-' { -secs } else { secs })
        }
        _ => return None,
    };
    f.written = written;
    Some(f)
}

/// `DD/MM/YYYY` or `DD-MM-YYYY` (or month first) with an optional ` HH:MM:SS`; the other order only when the
/// preferred one is impossible.
fn day_month(b: &[u8], sep: u8, order: DateOrder) -> Option<Fields> {
    if b.len() < 10 || b[2] != sep || b[5] != sep {
        return None;
    }
    let time = match &b[10..] {
        [] => (0, 0, 0),
        [b' ', t @ ..] => hms(t)?,
        _ => return None,
    };
    let (a, m, y) = (&b[0..2], &b[3..5], &b[6..10]);
    let (first, second) = match order {
        DateOrder::Dmy => (ymd(y, m, a), ymd(y, a, m)),
        DateOrder::Mdy => (ymd(y, a, m), ymd(y, m, a)),
    };
    Some(at(time, first.or(second)?))
}

/// The forms of SPEC §3 in order.
fn parse_fields(s: &str, order: DateOrder) -> Option<Fields> {
    let b = s.as_bytes();
    if let Some(p) = iso(b) {
        return Some(p);
    }
    if b.len() == 10 && b[4] == b'/' && b[7] == b'/' {
        return Some(midnight(ymd(&b[0..4], &b[5..7], &b[8..10])?));
    }
    if b.len() == 8 {
        return Some(midnight(ymd(&b[0..4], &b[4..6], &b[6..8])?));
    }
    if b.len() == 10 && b[2] == b'.' && b[5] == b'.' {
        return Some(midnight(ymd(&b[6..10], &b[3..5], &b[0..2])?));
    }
    day_month(b, b'/', order).or_else(|| day_month(b, b'-', order))
}

impl Fields {
    fn parsed(self) -> Option<ParsedDate> {
        let date = NaiveDate::from_ymd_opt(self.year as i32, self.month, self.day)?;
        let time = NaiveTime::from_hms_micro_opt(self.hour, self.minute, self.second, self.micros)?;
        Some(ParsedDate {
            local: date.and_time(time),
            offset: match self.offset {
                Some(secs) => Some(FixedOffset::east_opt(secs)?),
                None => None,
            },
        })
    }

    /// `format_date`'s text for a value it writes as parsed (no timezone applied), into `out`; its length.
    fn write(&self, out: &mut [u8; ISO_MAX]) -> usize {
        out[..19].copy_from_slice(b"0000-00-00T00:00:00");
        put_digits(out, 0, 4, self.year);
        put_digits(out, 5, 2, self.month);
        put_digits(out, 8, 2, self.day);
        put_digits(out, 11, 2, self.hour);
        put_digits(out, 14, 2, self.minute);
        put_digits(out, 17, 2, self.second);
        let mut len = 19;
        if self.micros != 0 {
            out[len] = b'.';
            put_digits(out, len + 1, 6, self.micros);
            len += 7;
        }
        if let Some(secs) = self.offset {
            // An offset from the text is whole minutes: `±HH:MM`.
            let abs = secs.unsigned_abs();
            out[len] = if secs < 0 { b'-' } else { b'+' };
            put_digits(out, len + 1, 2, abs / 3600);
            out[len + 3] = b':';
            put_digits(out, len + 4, 2, abs / 60 % 60);
            len += 6;
        }
        len
    }
}

/// Writes `v` zero-padded to `width` digits at `out[at..]` (`v` has at most `width` digits), two digits at a time.
#[inline(always)]
fn put_digits(out: &mut [u8], at: usize, width: usize, mut v: u32) {
    let mut end = at + width;
    while end >= at + 2 {
        out[end - 2..end].copy_from_slice(&DIGIT_PAIRS[(v % 100) as usize]);
        v /= 100;
        end -= 2;
    }
    if end > at {
        out[at] = b'0' + (v % 10) as u8;
    }
}

/// `00` to `99`.
const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        pairs[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    pairs
};

/// Longest text `Fields::write` writes: `YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM`.
const ISO_MAX: usize = 32;

/// A date's ISO text: the text read itself when it is already in that form (no copy, nothing written), else on
/// the stack when it was written from its fields: a value already in ISO form costs no allocation.
pub(crate) enum IsoText<'a> {
    Same(&'a str),
    Inline([u8; ISO_MAX], usize),
    Owned(String),
}

impl IsoText<'_> {
    /// The text's bytes: comparing them needs no UTF-8 check.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            IsoText::Same(s) => s.as_bytes(),
            IsoText::Inline(b, len) => &b[..*len],
            IsoText::Owned(s) => s.as_bytes(),
        }
    }

    pub(crate) fn into_string(self) -> String {
        match self {
            IsoText::Same(s) => s.to_owned(),
            // Only ASCII digits and separators are written, so this never fails.
            IsoText::Inline(b, len) => String::from_utf8(b[..len].to_vec()).unwrap_or_default(),
            IsoText::Owned(s) => s,
        }
    }
}

/// Layer 4 on a cleaned text: `format_date(parse_date(s))`, `None` when it is not a date. Values the timezone does
/// not apply to (an offset in the text, or no `source_timezone`) are written from the parsed numbers, or are the
/// text itself when it is written so already.
pub(crate) fn iso_date<'a>(s: &'a str, opts: &NormalizeOptions) -> Option<IsoText<'a>> {
    let f = parse_fields(s, opts.date_order)?;
    if f.offset.is_none() && opts.source_timezone.is_some() {
        return Some(IsoText::Owned(format_date(f.parsed()?, opts)));
    }
    if f.written {
        return Some(IsoText::Same(s));
    }
    let mut b = [0u8; ISO_MAX];
    let len = f.write(&mut b);
    Some(IsoText::Inline(b, len))
}

/// Parses a date-typed column's text; `None` when it is not a date in any accepted form.
pub fn parse_date(s: &str, order: DateOrder) -> Option<ParsedDate> {
    parse_fields(s, order)?.parsed()
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

    proptest::proptest! {
        /// The layer's own path (`iso_date`: numbers checked and written by hand) gives what chrono's types and
        /// `format_date` give, with and without a source timezone, in both orders.
        #[test]
        fn the_iso_text_is_what_format_date_writes(
            s in "((19|20|00|99)[0-9]{2}[-/][01][0-9][-/][0-3][0-9]|[0-3][0-9][./-][01][0-9][./-](19|20)[0-9]{2}|20[0-9]{2}[01][0-9][0-3][0-9])([ T][0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,10})?(Z|[+-][0-2][0-9]:[0-9]{2}|-00:00)?)?",
            mdy in proptest::bool::ANY,
            tz in proptest::bool::ANY,
        ) {
            let opts = NormalizeOptions {
                date_order: if mdy { DateOrder::Mdy } else { DateOrder::Dmy },
                source_timezone: tz.then_some(chrono_tz::Europe::Istanbul),
                ..Default::default()
            };
            let want = parse_date(&s, opts.date_order).map(|p| format_date(p, &opts));
            proptest::prop_assert_eq!(iso_date(&s, &opts).map(IsoText::into_string), want, "{:?}", s);
        }

        /// The hand-written checks accept exactly the days, times and offsets chrono accepts.
        #[test]
        fn the_field_checks_are_chronos(
            y in 0u32..=9999, mo in 0u32..=14, d in 0u32..=33,
            h in 0u32..=30, mi in 0u32..=70, sec in 0u32..=70,
            oh in 0u32..=99, om in 0u32..=99,
        ) {
            proptest::prop_assert_eq!(
                valid_ymd(y, mo, d).is_some(),
                NaiveDate::from_ymd_opt(y as i32, mo, d).is_some()
            );
            let time = format!("{h:02}:{mi:02}:{sec:02}");
            proptest::prop_assert_eq!(hms(time.as_bytes()).is_some(), NaiveTime::from_hms_opt(h, mi, sec).is_some());
            let text = format!("2025-01-15T10:30:45-{oh:02}:{om:02}");
            let secs = (oh * 3600 + om * 60) as i32;
            proptest::prop_assert_eq!(
                iso(text.as_bytes()).map(|f| f.offset),
                FixedOffset::east_opt(-secs).map(|o| Some(o.local_minus_utc()))
            );
        }
    }

    /// The parser `parse_fields` replaced (fields read by `num`, whatever their length), for the proptest below.
    mod by_num {
        use super::super::*;

        fn hms(b: &[u8]) -> Option<(u32, u32, u32)> {
            if b.len() != 8 || b[2] != b':' || b[5] != b':' {
                return None;
            }
            let (h, m, s) = (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?);
            (h < 24 && m < 60 && s < 60).then_some((h, m, s))
        }

        fn ymd(y: &[u8], m: &[u8], d: &[u8]) -> Option<(u32, u32, u32)> {
            if y.len() != 4 || m.len() != 2 || d.len() != 2 {
                return None;
            }
            valid_ymd(num(y)?, num(m)?, num(d)?)
        }

        fn iso(b: &[u8]) -> Option<Fields> {
            if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
                return None;
            }
            let date = ymd(&b[0..4], &b[5..7], &b[8..10])?;
            if b.len() == 10 {
                return Some(midnight(date));
            }
            if b.len() < 19 || (b[10] != b'T' && b[10] != b' ') {
                return None;
            }
            let mut f = at(hms(&b[11..19])?, date);
            let mut rest = &b[19..];
            if let Some(frac) = rest.strip_prefix(b".") {
                let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
                if n == 0 || n > 9 {
                    return None;
                }
                let mut nanos = num(&frac[..n])?;
                for _ in n..9 {
                    nanos *= 10;
                }
                f.micros = nanos / 1000;
                rest = &frac[n..];
            }
            f.offset = match rest {
                [] => None,
                [b'Z'] => Some(0),
                [s @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                    let secs = (num(&[*h1, *h2])? * 3600 + num(&[*m1, *m2])? * 60) as i32;
                    if secs >= 86_400 {
                        return None;
                    }
                    Some(if *s == b'-' { -secs } else { secs })
                }
                _ => return None,
            };
            Some(f)
        }

        fn day_month(b: &[u8], sep: u8, order: DateOrder) -> Option<Fields> {
            if b.len() < 10 || b[2] != sep || b[5] != sep {
                return None;
            }
            let time = match &b[10..] {
                [] => (0, 0, 0),
                [b' ', t @ ..] => hms(t)?,
                _ => return None,
            };
            let (a, m, y) = (&b[0..2], &b[3..5], &b[6..10]);
            let (first, second) = match order {
                DateOrder::Dmy => (ymd(y, m, a), ymd(y, a, m)),
                DateOrder::Mdy => (ymd(y, a, m), ymd(y, m, a)),
            };
            Some(at(time, first.or(second)?))
        }

        pub(super) fn parse_fields(s: &str, order: DateOrder) -> Option<Fields> {
            let b = s.as_bytes();
            if let Some(p) = iso(b) {
                return Some(p);
            }
            if b.len() == 10 && b[4] == b'/' && b[7] == b'/' {
                return Some(midnight(ymd(&b[0..4], &b[5..7], &b[8..10])?));
            }
            if b.len() == 8 {
                return Some(midnight(ymd(&b[0..4], &b[4..6], &b[6..8])?));
            }
            if b.len() == 10 && b[2] == b'.' && b[5] == b'.' {
                return Some(midnight(ymd(&b[6..10], &b[3..5], &b[0..2])?));
            }
            day_month(b, b'/', order).or_else(|| day_month(b, b'-', order))
        }
    }

    proptest::proptest! {
        /// The fixed-width field reader gives the fields the `num` reader gave, on date-like text with stray signs,
        /// spaces and non-digits in the fields; and a date `iso_date` hands back as the text itself is exactly what
        /// the fields write, while any other gives the text the fields write.
        #[test]
        fn fixed_width_fields_read_as_num_read_them(
            s in "((19|20|00|99)[0-9+ -]{2}[-/][01+][0-9a ][-/][0-3][0-9]|[0-3][0-9][./-][01][0-9][./-](19|20)[0-9+]{2}|20[0-9]{2}[01][0-9][0-3][0-9 ])([ T][0-2][0-9]:[0-6][0-9+]:[0-6][0-9](\\.[0-9]{0,10})?(Z|[+-][0-2][0-9+]:[0-9 ]{2}|[+-]00:00)?)?",
            mdy in proptest::bool::ANY,
        ) {
            let order = if mdy { DateOrder::Mdy } else { DateOrder::Dmy };
            let fields = |f: Fields| (f.year, f.month, f.day, f.hour, f.minute, f.second, f.micros, f.offset);
            let want = by_num::parse_fields(&s, order);
            proptest::prop_assert_eq!(parse_fields(&s, order).map(fields), want.map(fields), "{:?}", s);
            let opts = NormalizeOptions { date_order: order, ..Default::default() };
            let written = want.map(|f| {
                let mut b = [0u8; ISO_MAX];
                let len = f.write(&mut b);
                String::from_utf8(b[..len].to_vec()).unwrap()
            });
            let iso = iso_date(&s, &opts);
            if let Some(IsoText::Same(t)) = &iso {
                proptest::prop_assert_eq!(Some(*t), written.as_deref(), "{:?}", s);
            }
            proptest::prop_assert_eq!(iso.map(IsoText::into_string), written, "{:?}", s);
        }
    }

    #[test]
    fn a_date_written_as_iso_already_is_handed_back_as_the_text_itself() {
        let opts = NormalizeOptions::default();
        for s in [
            "2025-01-15T10:30:45",
            "2025-01-15T10:30:45.000007",
            "2025-01-15T10:30:45.123456+03:30",
            "2025-01-15T10:30:45-12:00",
        ] {
            assert!(
                matches!(iso_date(s, &opts), Some(IsoText::Same(t)) if t == s),
                "{s}: nothing to write"
            );
        }
        for s in [
            "2025-01-15",
            "2025-01-15 10:30:45",
            "2025-01-15T10:30:45.000000",
            "2025-01-15T10:30:45.5",
            "2025-01-15T10:30:45Z",
            "2025-01-15T10:30:45-00:00",
            "2025-01-15T10:30:45+01:75",
        ] {
            assert!(
                !matches!(iso_date(s, &opts), Some(IsoText::Same(_))),
                "{s}: written differently"
            );
        }
    }

    #[test]
    fn dates_already_in_iso_form_are_written_the_same() {
        let opts = NormalizeOptions::default();
        for s in [
            "2025-01-15T10:30:45",
            "2025-01-15T10:30:45.000007",
            "2025-01-15T10:30:45.123456+03:30",
            "0000-02-29T00:00:00-12:00",
            "9999-12-31T23:59:59",
        ] {
            assert_eq!(
                iso_date(s, &opts).map(IsoText::into_string).as_deref(),
                Some(s)
            );
        }
        let changed = [
            ("2025-01-15T10:30:45.000000", "2025-01-15T10:30:45"),
            ("2025-01-15 10:30:45Z", "2025-01-15T10:30:45+00:00"),
            ("2025-01-15T10:30:45-00:00", "2025-01-15T10:30:45+00:00"),
            ("2025-01-15T10:30:45+01:75", "2025-01-15T10:30:45+02:15"),
        ];
        for (s, want) in changed {
            assert_eq!(
                iso_date(s, &opts).map(IsoText::into_string).as_deref(),
                Some(want),
                "{s}"
            );
        }
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
