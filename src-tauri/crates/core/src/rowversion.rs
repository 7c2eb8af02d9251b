//! Rowversion comparison (SPEC §4) and the `Watermark` a run raises as rows are loaded. Date-times compare as
//! instants (naive = UTC), numbers numerically and exactly, anything else as strings; NaN is never a watermark.

use crate::normalize::config::{DateOrder, DecimalSeparator};
use crate::normalize::layer3_numbers::{cmp_exact, parse_number};
use crate::normalize::layer4_dates::parse_date;
use crate::value::Value;
use std::cmp::Ordering;

fn instant(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let s = s.trim();
    if !s.contains(['T', ' ']) {
        return None;
    }
    let p = parse_date(s, DateOrder::Dmy)?;
    let utc = match p.offset {
        Some(o) => p.local - chrono::Duration::seconds(o.local_minus_utc() as i64),
        None => p.local,
    };
    Some(utc.and_utc())
}

fn number(s: &str) -> Option<Value> {
    let t = s.trim();
    // Only plain numbers: a rowversion is never "$1,000", and hex (`0x…`) must compare as text.
    if t.is_empty()
        || !t
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    parse_number(t, DecimalSeparator::Dot).ok()
}

/// True for values that can never be a watermark (NaN in any spelling, blank).
pub fn is_unusable(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t.trim_start_matches(['+', '-']).eq_ignore_ascii_case("nan")
}

/// Orders two rowversions per SPEC §4.
pub fn compare(a: &str, b: &str) -> Ordering {
    if let (Some(x), Some(y)) = (instant(a), instant(b)) {
        return x.cmp(&y);
    }
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        if let Some(o) = cmp_exact(&x, &y) {
            return o;
        }
    }
    a.cmp(b)
}

/// The highest rowversion seen over the rows a run may move past (loaded, skipped, parked or failed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watermark {
    max: Option<String>,
}

impl Watermark {
    /// Starts from the entity's stored watermark (the run only ever raises it).
    pub fn new(start: Option<String>) -> Watermark {
        Watermark {
            max: start.filter(|s| !is_unusable(s)),
        }
    }

    /// Takes a row's rowversion into account; returns true when it raised the watermark.
    pub fn observe(&mut self, rv: &str) -> bool {
        if is_unusable(rv) {
            return false;
        }
        match &self.max {
            Some(m) if compare(rv, m) != Ordering::Greater => false,
            _ => {
                self.max = Some(rv.trim().to_owned());
                true
            }
        }
    }

    pub fn value(&self) -> Option<&str> {
        self.max.as_deref()
    }

    pub fn into_value(self) -> Option<String> {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_numbers_numerically_not_as_text() {
        assert_eq!(compare("10", "9"), Ordering::Greater);
        assert_eq!(compare("1e3", "1000"), Ordering::Equal);
        assert_eq!(
            compare("12345678901234567891", "12345678901234567890"),
            Ordering::Greater,
            "beyond f64 precision"
        );
        assert_eq!(compare("-2", "1"), Ordering::Less);
    }

    #[test]
    fn compares_date_times_as_instants_with_naive_as_utc() {
        assert_eq!(
            compare("2025-01-15T10:00:00+02:00", "2025-01-15T09:00:00"),
            Ordering::Less
        );
        assert_eq!(
            compare("2025-01-15 08:00:00", "2025-01-15T08:00:00Z"),
            Ordering::Equal
        );
    }

    #[test]
    fn compares_hex_rowversions_as_fixed_width_strings() {
        assert_eq!(
            compare("0x00000000000007D4", "0x00000000000007D3"),
            Ordering::Greater
        );
        assert_eq!(
            compare("0x0000000000000100", "0x00000000000000FF"),
            Ordering::Greater
        );
    }

    #[test]
    fn mixed_kinds_fall_back_to_strings() {
        assert_eq!(compare("abc", "10"), "abc".cmp("10"));
    }

    #[test]
    fn watermark_only_rises_and_never_becomes_nan() {
        let mut w = Watermark::new(Some("9".into()));
        assert!(w.observe("10"));
        assert!(
            !w.observe("2"),
            "a lower rowversion never lowers the watermark"
        );
        assert!(!w.observe("NaN"));
        assert!(!w.observe("nan"));
        assert_eq!(w.value(), Some("10"));
        assert_eq!(Watermark::new(Some("NaN".into())).value(), None);
    }
}
