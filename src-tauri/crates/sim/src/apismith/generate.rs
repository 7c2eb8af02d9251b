//! Row generation: every row is a pure function of (seed, kind, row index, version, rowversion), so the data set is
//! never materialised. Values are deliberately messy (formats, padding, scripts, control characters) and a share of
//! rows is bad on purpose, one failure path each.

use super::catalog::Kind;
use crate::rng::{h, unit};
use serde_json::{json, Value};

/// A generated row: column names in declared order with their JSON values.
pub type Row = Vec<(&'static str, Value)>;

/// Rowversion of base row `i`: base rows are monotonic in their index so a rowversion filter is an index range.
pub const BASE_RV: u64 = 0x0000_0000_0100_0000;
/// Mutations draw rowversions above every base row (like an Oracle SCN moving forward).
pub const BUMP_RV: u64 = 0x0000_0001_0000_0000;

/// Fixed-width upper-case hex, so string order equals numeric order (SPEC §4).
pub fn fmt_rv(rv: u64) -> String {
    format!("0x{rv:016X}")
}

/// Why a row is bad, so tests know which failure path it feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadKind {
    TextInNumber,
    NullKey,
    ImpossibleDate,
    DuplicateKey,
    MissingParent,
}

#[derive(Debug, Clone)]
pub struct Generator {
    pub seed: u64,
    pub sites: u64,
    pub work_areas: u64,
    pub bad_row_ratio: f64,
}

const S_SITE: u64 = 1;
const S_TEXT: u64 = 2;
const S_NUM: u64 = 3;
const S_DATE: u64 = 4;
const S_BAD: u64 = 5;
const S_MISC: u64 = 6;

const DESCRIPTIONS: &[&str] = &[
    "Hex bolt M8x40 zinc plated",
    "Bearing 6204-2RS",
    "Hydraulic hose 1/2\" 2m",
    "Çelik boru DN50 — şartnameye uygun",
    "Gövde contası (ığüşöç İĞÜŞÖÇ)",
    "پیچ شش‌گوش M10",
    "قطعات یدکی   پمپ",
    "Filter element\r\nsee drawing 44-A",
    "   Gasket kit, 12 pcs   ",
    "Motor 5.5kW\t400V",
    "Label\u{7}printer roll",
    "İŞLEM ÜNİTESİ",
    "Valve | DN25 = PN16",
    "",
];
const CATEGORIES: &[&str] = &[
    "Fasteners",
    "Bearings",
    "Hydraulics",
    "Yedek Parça",
    "Elektrik Malzemesi",
    "مواد اولیه",
    "ابزار",
    " Packaging ",
];
const CITIES: &[(&str, &str)] = &[
    ("TR", "İstanbul"),
    ("TR", "Eskişehir"),
    ("IR", "تهران"),
    ("IR", "اصفهان"),
    ("DE", "Köln"),
    ("US", "Columbus"),
    ("NL", "  Eindhoven "),
];
const UOMS: &[&str] = &["EA", "KG", "M", "L", "BOX", ""];

impl Generator {
    pub fn site_id(n: u64) -> String {
        format!("SITE-{:03}", n + 1)
    }

    fn site_of(&self, stream: u64, idx: u64) -> u64 {
        h(self.seed, S_SITE, idx, stream) % self.sites.max(1)
    }

    /// The bad-row kind of a row, if it is one of the deliberately bad ones. Sites stay clean: they are the parents.
    pub fn bad_kind(&self, kind: Kind, idx: u64) -> Option<BadKind> {
        if kind == Kind::Sites || unit(h(self.seed, S_BAD, idx, kind as u64)) >= self.bad_row_ratio
        {
            return None;
        }
        Some(match h(self.seed, S_BAD, idx, 99) % 5 {
            0 => BadKind::TextInNumber,
            1 => BadKind::NullKey,
            2 => BadKind::ImpossibleDate,
            3 if idx > 0 => BadKind::DuplicateKey,
            _ => BadKind::MissingParent,
        })
    }

    /// Row `idx` of `kind` at mutation `version` (0 = as generated) carrying rowversion `rv`.
    pub fn row(&self, kind: Kind, idx: u64, version: u32, rv: u64) -> Row {
        match kind {
            Kind::Sites => self.site(idx, version, rv),
            Kind::WorkAreas => self.work_area(idx, version, rv),
            Kind::Items => self.item(idx, version, rv),
        }
    }

    fn site(&self, idx: u64, version: u32, rv: u64) -> Row {
        let r = |s: u64| h(self.seed, S_MISC, idx, s ^ ((version as u64) << 32));
        let (country, city) = CITIES[(r(1) % CITIES.len() as u64) as usize];
        vec![
            ("SITE_ID", json!(Self::site_id(idx))),
            (
                "SITE_NAME",
                json!(format!("{} Plant {}", city.trim(), idx + 1)),
            ),
            ("COUNTRY", json!(country)),
            ("CITY", json!(city)),
            ("CAPACITY", number_text(r(2) % 5_000_000, 2, r(3))),
            ("OPENED_ON", date_value(self.seed, idx, 1990, r(4))),
            ("IS_ACTIVE", json!(if r(5) % 10 == 0 { "N" } else { "Y" })),
            ("ROWVERSION", json!(fmt_rv(rv))),
        ]
    }

    fn work_area(&self, idx: u64, version: u32, rv: u64) -> Row {
        let r = |s: u64| h(self.seed, S_MISC + 10, idx, s ^ ((version as u64) << 32));
        let bad = self.bad_kind(Kind::WorkAreas, idx);
        let mut site = Self::site_id(self.site_of(Kind::WorkAreas as u64, idx));
        let mut code = json!(format!("WA-{:05}", idx + 1));
        if bad == Some(BadKind::DuplicateKey) {
            site = Self::site_id(self.site_of(Kind::WorkAreas as u64, idx - 1));
            code = json!(format!("WA-{:05}", idx));
        }
        if bad == Some(BadKind::NullKey) {
            code = Value::Null;
        }
        if bad == Some(BadKind::MissingParent) {
            site = "SITE-999".into();
        }
        let capacity = if bad == Some(BadKind::TextInNumber) {
            json!("twelve")
        } else {
            number_text(r(1) % 100_000, 2, r(2))
        };
        let created = if bad == Some(BadKind::ImpossibleDate) {
            json!("2023-02-30")
        } else {
            date_value(self.seed, idx, 2005, r(3))
        };
        vec![
            ("SITE_ID", json!(site)),
            ("WORK_AREA_CODE", code),
            (
                "NAME",
                json!(format!(
                    "Line {} {}",
                    idx % 40 + 1,
                    ["Montaj", "خط تولید", "Assembly", "Boyahane"][(r(4) % 4) as usize]
                )),
            ),
            ("CAPACITY_HOURS", capacity),
            (
                "SHIFT_PATTERN",
                json!(["3x8", "2x12", "1x8", " 5/2 "][(r(5) % 4) as usize]),
            ),
            ("CREATED_ON", created),
            ("LAST_CHANGED", timestamp_value(idx, version, r(6))),
            ("ROWVERSION", json!(fmt_rv(rv))),
        ]
    }

    fn item(&self, idx: u64, version: u32, rv: u64) -> Row {
        let v = version as u64;
        let r = |s: u64| h(self.seed, S_TEXT, idx, s);
        let rv_ = |s: u64| h(self.seed, S_NUM, idx, s ^ (v << 32));
        let bad = self.bad_kind(Kind::Items, idx);
        let mut site = Self::site_id(self.site_of(Kind::Items as u64, idx));
        let mut item_id = json!(format!("ITM-{:08}", idx + 1));
        if bad == Some(BadKind::DuplicateKey) {
            site = Self::site_id(self.site_of(Kind::Items as u64, idx - 1));
            item_id = json!(format!("ITM-{:08}", idx));
        }
        if bad == Some(BadKind::NullKey) {
            item_id = Value::Null;
        }
        if bad == Some(BadKind::MissingParent) {
            site = "SITE-999".into();
        }
        let mut description = DESCRIPTIONS[(r(1) % DESCRIPTIONS.len() as u64) as usize].to_string();
        if version > 0 {
            description = format!("{description} (rev {version})");
        }
        let quantity = match rv_(2) % 20 {
            _ if bad == Some(BadKind::TextInNumber) => {
                json!(["12abc", "N/A", "1.2.3"][(r(9) % 3) as usize])
            }
            0 => Value::Null,
            _ => number_text(rv_(3) % 10_000_000, 2, rv_(4)),
        };
        let receipt = if bad == Some(BadKind::ImpossibleDate) {
            json!(["2023-02-30", "31/04/2022", "2021-13-01"][(r(9) % 3) as usize])
        } else {
            date_value(self.seed, idx.wrapping_add(v), 2015, rv_(5))
        };
        vec![
            ("ITEM_ID", item_id),
            ("SITE_ID", json!(site)),
            (
                "DESCRIPTION",
                if r(2) % 50 == 0 {
                    Value::Null
                } else {
                    json!(description)
                },
            ),
            (
                "CATEGORY",
                json!(CATEGORIES[(r(3) % CATEGORIES.len() as u64) as usize]),
            ),
            ("QUANTITY", quantity),
            ("UNIT_COST", number_text(rv_(6) % 100_000_000, 4, rv_(7))),
            ("UOM", json!(UOMS[(r(4) % UOMS.len() as u64) as usize])),
            (
                "LEAD_TIME_DAYS",
                if r(5) % 3 == 0 {
                    json!((r(6) % 120).to_string())
                } else {
                    json!(r(6) % 120)
                },
            ),
            ("IS_ACTIVE", json!(if r(7) % 15 == 0 { "N" } else { "Y" })),
            ("LAST_RECEIPT_DATE", receipt),
            ("UPDATED_AT", timestamp_value(idx, version, rv_(8))),
            ("ROWVERSION", json!(fmt_rv(rv))),
        ]
    }
}

/// A decimal with `scale` digits, as a JSON number or as text in one of the forms ERPs emit.
fn number_text(units: u64, scale: u32, style: u64) -> Value {
    let div = 10u64.pow(scale);
    let (int, frac) = (units / div, units % div);
    let frac_s = format!("{frac:0width$}", width = scale as usize);
    match style % 6 {
        0 => json!(format!("{}.{frac_s}", thousands(int))),
        1 => json!(format!(" {int}.{frac_s} ")),
        2 if units == 0 => json!("0"),
        _ => json!(units as f64 / div as f64),
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A DATE in one of the forms of SPEC §3 layer 4 (day ≤ 28 keeps DMY/MDY unambiguous), sometimes NULL or empty.
fn date_value(seed: u64, idx: u64, from_year: u64, style: u64) -> Value {
    let x = h(seed, S_DATE, idx, from_year);
    let (y, m, d) = (from_year + x % 10, (x >> 8) % 12 + 1, (x >> 16) % 28 + 1);
    match style % 10 {
        0 => json!(format!("{y:04}-{m:02}-{d:02}")),
        1 => json!(format!("{y:04}/{m:02}/{d:02}")),
        2 => json!(format!("{y:04}{m:02}{d:02}")),
        3 => json!(format!("{d:02}.{m:02}.{y:04}")),
        4 => json!(format!("{d:02}/{m:02}/{y:04}")),
        5 => json!(format!("{d:02}-{m:02}-{y:04}")),
        6 => json!(format!("{y:04}-{m:02}-{d:02} 00:00:00")),
        7 => json!(format!("{y:04}-{m:02}-{d:02}T00:00:00")),
        8 => Value::Null,
        _ => json!(""),
    }
}

/// A TIMESTAMP(6) in ISO forms with and without fraction or offset. Written from the date's parts with one
/// `format!` (chrono's `format` parses its pattern on every call: a large share of a page's generation time).
fn timestamp_value(idx: u64, version: u32, style: u64) -> Value {
    use chrono::{Datelike, Timelike};
    let secs = 1_600_000_000 + idx * 37 + version as u64 * 86_400;
    let t = chrono::DateTime::from_timestamp(secs as i64, 0)
        .unwrap_or_default()
        .naive_utc();
    let micros = style % 1_000_000;
    let (y, mo, d, h, mi, s) = (
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    );
    match style % 5 {
        0 => json!(format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}"
        )),
        1 => json!(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")),
        2 => json!(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")),
        3 => json!(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+03:30")),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(ratio: f64) -> Generator {
        Generator {
            seed: 42,
            sites: 50,
            work_areas: 500,
            bad_row_ratio: ratio,
        }
    }

    #[test]
    fn rows_are_reproducible_and_rowversions_sort_as_strings() {
        let g = gen(0.005);
        assert_eq!(
            g.row(Kind::Items, 7, 0, BASE_RV + 7),
            g.row(Kind::Items, 7, 0, BASE_RV + 7)
        );
        assert!(
            fmt_rv(BASE_RV + 9) < fmt_rv(BASE_RV + 10),
            "fixed width keeps numeric order"
        );
        assert!(
            fmt_rv(BASE_RV + 10_000_000) < fmt_rv(BUMP_RV),
            "bumped rowversions sort after every base row"
        );
        assert_eq!(
            g.row(Kind::Items, 7, 0, 1).len(),
            12,
            "items carry twelve columns"
        );
    }

    #[test]
    fn every_bad_kind_occurs_near_the_configured_ratio() {
        let g = gen(0.005);
        let bad: Vec<BadKind> = (0..200_000)
            .filter_map(|i| g.bad_kind(Kind::Items, i))
            .collect();
        assert!(
            (800..1200).contains(&bad.len()),
            "0.5% of 200k is about 1000, got {}",
            bad.len()
        );
        for k in [
            BadKind::TextInNumber,
            BadKind::NullKey,
            BadKind::ImpossibleDate,
            BadKind::DuplicateKey,
            BadKind::MissingParent,
        ] {
            assert!(
                bad.contains(&k),
                "{k:?} must have rows so its failure path is exercised"
            );
        }
        assert_eq!(gen(0.0).bad_kind(Kind::Items, 5), None);
    }

    #[test]
    fn timestamps_are_the_text_chrono_formats() {
        for idx in (0..3_000_000u64).step_by(7_919) {
            for version in [0u32, 1, 3] {
                for style in [0u64, 1, 2, 3, 4, 123_455, 999_999, 1_000_003] {
                    let secs = 1_600_000_000 + idx * 37 + version as u64 * 86_400;
                    let t = chrono::DateTime::from_timestamp(secs as i64, 0)
                        .unwrap()
                        .naive_utc();
                    let micros = style % 1_000_000;
                    let expected = match style % 5 {
                        0 => json!(
                            t.format("%Y-%m-%dT%H:%M:%S").to_string() + &format!(".{micros:06}")
                        ),
                        1 => json!(t.format("%Y-%m-%d %H:%M:%S").to_string()),
                        2 => json!(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                        3 => json!(t.format("%Y-%m-%dT%H:%M:%S+03:30").to_string()),
                        _ => Value::Null,
                    };
                    assert_eq!(timestamp_value(idx, version, style), expected);
                }
            }
        }
    }

    #[test]
    fn thousands_separators_are_placed_from_the_right() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
