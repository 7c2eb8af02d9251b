//! Identity, canonical form v1 (SPEC §4): the business-key canonical string and its xxh3-128 hash, the data
//! canonical string and its BLAKE3-256 hash, `erp_ref_str` and `erp_rowversion`. Reproduces every vector in
//! `tests/fixtures/identity-v1.json`; any change to the form is a new `CANONICAL_VERSION` and a migration.
//!
//! Decisions where the vectors are silent:
//! - A non-integral float as a business key is written in plain shortest round-trip notation, never with an
//!   exponent (`1e-7` is `0.0000001`), so it matches the same number arriving as text.
//! - NaN or ±inf as a business key fails the row (`... is not a finite number`): no record can be found by it.
//! - An integral float beyond 64 bits is its exact binary value (`1e23` is `99999999999999991611392`).
//! - A float that rounds to zero at 6 decimals is `0`, never `-0`.
//! - An explicit exclusion set replaces the defaults, but the entity's rowversion field is always excluded: a
//!   rowversion bump alone must not count as a data change.

use crate::normalize::layer2_strings::trim_space;
use crate::normalize::layer3_numbers::{integral_float, round6_decimal};
use crate::value::{Row, RowError, Stage, Value};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::{self, Write};

pub const CANONICAL_VERSION: u32 = 1;

/// Fields left out of the data hash unless an explicit exclusion set is given.
pub const DEFAULT_EXCLUDED: [&str; 9] = [
    "created_at",
    "updated_at",
    "created_at_utc",
    "updated_at_utc",
    "uid",
    "id",
    "erp_key_hash",
    "erp_data_hash",
    "erp_rowversion",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("business_key_fields cannot be empty")]
    NoKeyFields,
    #[error("Business key field '{0}' is NULL")]
    Null(String),
    #[error("Business key field '{0}' not found in record")]
    Missing(String),
    // Message fixed by the vectors; the field is carried in `RowError::field`.
    #[error("business key value must be a scalar")]
    NotScalar(String),
    #[error("Business key field '{0}' is not a finite number")]
    NotFinite(String),
}

impl IdentityError {
    fn field(&self) -> Option<&str> {
        match self {
            IdentityError::NoKeyFields => None,
            IdentityError::Null(f)
            | IdentityError::Missing(f)
            | IdentityError::NotScalar(f)
            | IdentityError::NotFinite(f) => Some(f),
        }
    }

    pub fn into_row_error(self, row: &Row) -> RowError {
        let value = self
            .field()
            .and_then(|f| row.get(f))
            .map(Value::display_text);
        RowError::new(Stage::Identity, self.field(), value, self.to_string())
    }
}

/// Which fields the data hash leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Exclusions {
    /// `DEFAULT_EXCLUDED` (plus the rowversion field).
    #[default]
    Default,
    /// Exactly these (plus the rowversion field); an empty set excludes nothing else.
    Only(BTreeSet<String>),
}

impl Exclusions {
    fn excludes(&self, field: &str) -> bool {
        match self {
            Exclusions::Default => DEFAULT_EXCLUDED.contains(&field),
            Exclusions::Only(set) => set.contains(field),
        }
    }
}

/// xxh3-128 of the BK canonical string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BkHash(pub u128);

/// BLAKE3-256 of the data canonical string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataHash(pub [u8; 32]);

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 64];
    for (i, b) in bytes.iter().enumerate() {
        buf[2 * i] = HEX[(b >> 4) as usize];
        buf[2 * i + 1] = HEX[(b & 15) as usize];
    }
    f.write_str(std::str::from_utf8(&buf[..bytes.len() * 2]).map_err(|_| fmt::Error)?)
}

impl fmt::Display for BkHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0.to_be_bytes())
    }
}

impl fmt::Display for DataHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl std::str::FromStr for BkHash {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 32 {
            return Err(format!("a BK hash has 32 hex digits, not {}", s.len()));
        }
        u128::from_str_radix(s, 16)
            .map(BkHash)
            .map_err(|e| format!("bad BK hash '{s}': {e}"))
    }
}

impl std::str::FromStr for DataHash {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        if s.len() != 64 || !s.is_ascii() {
            return Err(format!("a data hash has 64 hex digits, not '{s}'"));
        }
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
                .map_err(|e| format!("bad data hash '{s}': {e}"))?;
        }
        Ok(DataHash(out))
    }
}

pub fn bk_hash_of(canonical: &str) -> BkHash {
    BkHash(xxhash_rust::xxh3::xxh3_128(canonical.as_bytes()))
}

pub fn data_hash_of(canonical: &str) -> DataHash {
    DataHash(*blake3::hash(canonical.as_bytes()).as_bytes())
}

/// Appends `esc(s)`: `\` → `\\`, `|` → `\|`, `=` → `\=`.
pub fn esc_into(out: &mut String, s: &str) {
    // Almost no value needs escaping: a search decides that, then the text is copied whole.
    let clean = !needs_escape(s.as_bytes());
    if clean {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        if matches!(c, '\\' | '|' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// True when `b` holds `\`, `|` or `=`. Most values are short codes, for which a vector search (memchr) costs more
/// to set up than it saves and a byte loop costs three comparisons and a branch per byte: those are read eight bytes
/// at a time (the zero-byte test on a word). Long text goes to memchr.
fn needs_escape(b: &[u8]) -> bool {
    if b.len() >= 64 {
        return memchr::memchr3(b'\\', b'|', b'=', b).is_some();
    }
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Exact "some byte of `w` is `c`": `x` has a zero byte there, and the lowest zero byte always sets its flag.
    let has = |w: u64, c: u8| {
        let x = w ^ (ONES * c as u64);
        x.wrapping_sub(ONES) & !x & HIGH != 0
    };
    let hit = |w: u64| has(w, b'\\') | has(w, b'|') | has(w, b'=');
    let (words, rest) = b.as_chunks::<8>();
    if words.iter().any(|w| hit(u64::from_le_bytes(*w))) {
        return true;
    }
    if rest.is_empty() {
        return false;
    }
    // The tail: the last eight bytes when there are that many (a search may see a byte twice), else padded with zero
    // bytes (not one of the three). A key's values are mostly 8-20 bytes: no copy (a `memcpy` call) for their tail.
    let last = match b.last_chunk::<8>() {
        Some(last) => *last,
        None => {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            last
        }
    };
    hit(u64::from_le_bytes(last))
}

/// How many of `\\`, `|` and `=` `b` holds. A branch-free count the compiler vectorises: one pass over a whole
/// canonical form written without escaping tells whether any value needed escaping (see `Identifier`'s page path).
pub(crate) fn escape_count(b: &[u8]) -> usize {
    // Chunks of up to 255 bytes, so each lane counts in a byte without overflowing.
    b.chunks(255)
        .map(|c| {
            c.iter()
                .map(|&x| u8::from(x == b'\\') + u8::from(x == b'|') + u8::from(x == b'='))
                .fold(0u8, u8::wrapping_add) as usize
        })
        .sum()
}

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    esc_into(&mut out, s);
    out
}

fn int_text(v: Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Decimal(d) => d.into(),
        _ => String::new(),
    }
}

/// Key text of one business-key value (field name for the error).
pub fn key_text<'a>(field: &str, v: &'a Value) -> Result<Cow<'a, str>, IdentityError> {
    Ok(match v {
        Value::Null => return Err(IdentityError::Null(field.to_owned())),
        Value::Text(s) => Cow::Borrowed(s),
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Decimal(d) => Cow::Borrowed(d),
        Value::Bool(b) => Cow::Borrowed(if *b { "True" } else { "False" }),
        Value::Float(f) if !f.is_finite() => {
            return Err(IdentityError::NotFinite(field.to_owned()))
        }
        Value::Float(f) if f.fract() == 0.0 => Cow::Owned(int_text(integral_float(*f))),
        Value::Float(f) => Cow::Owned(f.to_string()),
        Value::Json(_) => return Err(IdentityError::NotScalar(field.to_owned())),
    })
}

/// Appends an integer in decimal: the hot path of both canonical forms, without `fmt`'s machinery (itoa).
pub(crate) fn push_int(out: &mut String, i: i64) {
    out.push_str(itoa::Buffer::new().format(i));
}

/// How text goes into a canonical form: escaped (`esc_into`), or as it is, for a form whose escapes are
/// checked afterwards in one pass (`escape_count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escaping {
    Escaped,
    Verbatim,
}

impl Escaping {
    fn push(self, out: &mut String, s: &str) {
        match self {
            Escaping::Escaped => esc_into(out, s),
            Escaping::Verbatim => out.push_str(s),
        }
    }
}

/// `trim_space(s)`: a value's text without the spaces around it. Like `trim_space`, `s` itself when both its ends
/// are visible ASCII; also, without decoding them, when an end is a character of another script (`trim_non_ascii`).
#[inline(always)]
pub(crate) fn trim_value(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        [only] if only.is_ascii_graphic() => s,
        _ => trim_non_ascii(s),
    }
}

/// `trim_space(s)` for text with an end that is not visible ASCII. Every space the trim removes is ASCII or starts
/// with byte C2, E1, E2 or E3 (U+0085, U+00A0, U+1680, U+2000-U+205F, U+3000), so an end whose character starts with
/// another lead byte is none (Persian and Turkish text, for `trim_space` a decoding search at both ends).
fn trim_non_ascii(s: &str) -> &str {
    let kept = |lead: u8| lead.is_ascii_graphic() || (lead >= 0xC3 && !matches!(lead, 0xE1..=0xE3));
    let b = s.as_bytes();
    // The last character's first byte: at most three continuation bytes (10xxxxxx) after it.
    let last = b.iter().rev().take(4).find(|&&c| c & 0xC0 != 0x80);
    match (b.first(), last) {
        (Some(&first), Some(&last)) if kept(first) && kept(last) => s,
        _ => trim_space(s),
    }
}

/// Appends the data text of a value; `false` for NULL (left out of the canonical form).
fn data_text_into(out: &mut String, v: &Value) -> bool {
    data_text_with(out, v, Escaping::Escaped)
}

/// `data_text_into` with text escaped or not (`Escaping`); numbers and booleans never hold a character to escape.
/// Text and integers, most of a row, are written inline in the caller's loop; the rest is one call.
#[inline(always)]
pub(crate) fn data_text_with(out: &mut String, v: &Value, escaping: Escaping) -> bool {
    match v {
        Value::Null => return false,
        Value::Text(s) => escaping.push(out, trim_value(s)),
        Value::Int(i) => push_int(out, *i),
        other => other_data_text(out, other, escaping),
    }
    true
}

/// `data_text_with` for the values it does not write inline (never NULL, text or an integer).
#[inline(never)]
fn other_data_text(out: &mut String, v: &Value, escaping: Escaping) {
    match v {
        Value::Null | Value::Text(_) | Value::Int(_) => {
            data_text_with(out, v, escaping);
        }
        // Up to 6 decimals the rounding is the identity: no need for `round6_decimal`'s copy. (The first `.`, found
        // by a byte loop: `split_once`'s char searcher costs more than the short number.)
        Value::Decimal(d)
            if d.bytes()
                .position(|b| b == b'.')
                .is_none_or(|p| d.len() - p - 1 <= 6) =>
        {
            out.push_str(d)
        }
        Value::Decimal(d) => out.push_str(&round6_decimal(d)),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Value::Float(f) => float_data_text_into(out, *f),
        Value::Json(j) => {
            let mut s = String::new();
            py_json(&mut s, j);
            escaping.push(out, &s);
        }
    }
}

/// Data text of one value, or `None` for NULL.
pub fn data_text(v: &Value) -> Option<String> {
    let mut s = String::new();
    data_text_into(&mut s, v).then_some(s)
}

/// `float_data_text`, written straight into the canonical buffer (the common, non-integral finite case).
fn float_data_text_into(out: &mut String, f: f64) {
    // A whole number of millionths that is not a whole number is not integral either (below 4e9 a double's spacing
    // is under 1e-6): the common case, decided before `fract`, a library call on baseline x86-64.
    if let Some(micros) = exact_micros(f).filter(|m| m % 1_000_000 != 0) {
        return push_micros(out, micros);
    }
    if !f.is_finite() || f.fract() == 0.0 {
        return out.push_str(&float_data_text(f));
    }
    let start = out.len();
    if f.abs() < 4.0e9 {
        // Below 2^32 a double's spacing is under 1e-6, so when its shortest round-trip text has at most 6 decimals,
        // that text is exactly the value rounded to 6 decimals: `{:.6}` (which may fall back to slow bignum
        // arithmetic) would print the same digits plus trailing zeros, which are trimmed anyway. Ryu writes the
        // shortest round-trip digits several times faster than `{}`; its exponent form (tiny values) falls through.
        let mut digits = ryu::Buffer::new();
        let text = digits.format_finite(f);
        let decimals = text.find('.').map(|p| text.len() - p - 1);
        if !text.contains('e') && decimals.is_some_and(|d| d <= 6) {
            return out.push_str(text);
        }
    }
    let _ = write!(out, "{f:.6}");
    // Same trimming as `float_data_text`: zeros, then the point ("{:.6}" always has one).
    while out.ends_with('0') && out.len() > start {
        out.pop();
    }
    while out.ends_with('.') && out.len() > start {
        out.pop();
    }
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

/// `f` as a whole number of millionths `m`, when `f` is the double nearest to `m / 10^6` and `|f| < 4e9`. Then
/// `f`'s exact binary value lies within half a spacing (under `0.5e-6` below 2^32) of `m / 10^6`, so rounding it to
/// 6 decimals gives exactly `m / 10^6`: the data text, without ryu or `fmt`. The check is exact (IEEE division is
/// correctly rounded, and `m` and `10^6` are exact doubles), so a wrong guess of `m` can only fail it.
fn exact_micros(f: f64) -> Option<i64> {
    if f.is_nan() || f.abs() >= 4.0e9 {
        return None;
    }
    // Rounded half away from zero by a cast (`f64::round` is a library call on baseline x86-64); a guess that
    // rounding error makes wrong fails the check like any other.
    let x = f * 1e6;
    let m = (x + 0.5f64.copysign(x)) as i64;
    (m as f64 / 1e6 == f).then_some(m)
}

/// Writes `m / 10^6` in plain notation, trailing zeros and a bare point trimmed, never `-0`.
fn push_micros(out: &mut String, m: i64) {
    if m == 0 {
        return out.push('0');
    }
    let (int, frac) = (m.unsigned_abs() / 1_000_000, m.unsigned_abs() % 1_000_000);
    if m < 0 {
        out.push('-');
    }
    if frac == 0 {
        return push_int(out, int as i64);
    }
    // The digits of the millionths without their trailing zeros, written once by itoa (no digit loop or UTF-8
    // check) and cut in two at the point. Under 1 a leading 1 keeps the decimals' leading zeros and gives way to
    // `0.`.
    let mut decimals = 6;
    let mut digits = if int == 0 {
        1_000_000 + frac
    } else {
        m.unsigned_abs()
    };
    while digits % 10 == 0 {
        digits /= 10;
        decimals -= 1;
    }
    let mut buf = itoa::Buffer::new();
    let text = buf.format(digits);
    let (int_text, decimals) = text.split_at(text.len() - decimals);
    out.push_str(if int == 0 { "0" } else { int_text });
    out.push('.');
    out.push_str(decimals);
}

fn float_data_text(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    if f.fract() == 0.0 {
        return int_text(integral_float(f));
    }
    let fixed = format!("{f:.6}");
    let t = fixed.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" {
        "0".into()
    } else {
        t.into()
    }
}

/// Python's `repr(float)`: shortest round trip, exponent form below 1e-4 and from 1e16, `.0` on integral values.
fn py_float(out: &mut String, f: f64) {
    if !f.is_finite() {
        out.push_str(if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        });
        return;
    }
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mant) = mant.strip_prefix('-').map_or((false, mant), |m| (true, m));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exp - 1) as usize));
            out.push_str(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.push_str(&"0".repeat(int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
}

/// Python's `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`.
fn py_json(out: &mut String, v: &serde_json::Value) {
    use serde_json::Value as J;
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) if n.is_f64() => py_float(out, n.as_f64().unwrap_or(f64::NAN)),
        J::Number(n) => {
            let _ = write!(out, "{n}");
        }
        J::String(s) => py_str(out, s),
        J::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                py_json(out, x);
            }
            out.push(']');
        }
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                py_str(out, k);
                out.push(':');
                py_json(out, &m[k]);
            }
            out.push('}');
        }
    }
}

fn py_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
        }
    }
    out.push('"');
}

mod blake3_many;
mod identifier;
pub use identifier::{erp_ref_str, erp_rowversion, Identifier, Identity, PageIdentifier};

/// BK canonical form of a row (see `Identifier` for the per-entity prepared version).
pub fn bk_canonical(
    row: &Row,
    business_key_fields: &[String],
    entity_name: Option<&str>,
) -> Result<String, IdentityError> {
    Identifier::new(
        entity_name.unwrap_or(""),
        business_key_fields,
        None,
        Exclusions::Default,
    )?
    .bk_canonical(row)
}

/// Data canonical form of a row.
pub fn data_canonical(
    row: &Row,
    rowversion_field: Option<&str>,
    exclusions: &Exclusions,
) -> String {
    identifier::data_canonical_with(row, rowversion_field, exclusions)
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use crate::normalize::layer2_strings::is_space;

    #[test]
    fn escaping_and_trimming_fast_paths_agree_with_the_general_forms() {
        let long = "x".repeat(70);
        for s in [
            "",
            "a",
            "a|b",
            "=",
            "\\",
            "plain code 12",
            " padded ",
            "\u{a0}nbsp\u{3000}",
            "é",
            "a=b|c\\d",
            &long,
            &format!("{long}|"),
            &format!("={long}"),
        ] {
            let slow: String = s
                .chars()
                .flat_map(|c| {
                    let e = matches!(c, '\\' | '|' | '=').then_some('\\');
                    e.into_iter().chain(std::iter::once(c))
                })
                .collect();
            assert_eq!(esc(s), slow, "{s:?}");
            assert_eq!(trim_space(s), s.trim_matches(is_space), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_word_search_for_escaped_characters_agrees_with_a_byte_search(
            s in "[a-z0-9 |=\\\\\\x00\\x7f\\u{80}-\\u{3000}]{0,40}|[a-z ]{50,80}[|=\\\\]?[a-z]{0,9}"
        ) {
            let slow = s.bytes().any(|c| matches!(c, b'\\' | b'|' | b'='));
            proptest::prop_assert_eq!(needs_escape(s.as_bytes()), slow, "{:?}", s);
        }
    }

    proptest::proptest! {
        /// The shortcut at non-ASCII ends against trimming by characters, over text with every kind of space at
        /// either end (ASCII, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, the
        /// \x1c-\x1f separators) and characters of other scripts and lead bytes.
        #[test]
        fn trimming_a_value_agrees_with_trimming_by_characters(
            s in "[ \\x1c-\\x1f\\t\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200b}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}]{0,2}\\PC{0,6}[ \\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200b}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}\\x1c]{0,2}|\\PC{0,8}|[\\u{80}-\\u{3100}a ]{0,5}"
        ) {
            proptest::prop_assert_eq!(trim_value(&s), s.trim_matches(is_space), "{:?}", s);
        }
    }

    #[test]
    fn push_int_writes_what_display_writes() {
        for i in [0, 7, -7, 10, 1234567890, i64::MAX, i64::MIN] {
            let mut s = String::from("x");
            push_int(&mut s, i);
            assert_eq!(s, format!("x{i}"));
        }
    }

    #[test]
    fn float_data_text_into_matches_float_data_text() {
        for f in [
            12.25,
            -0.5,
            0.1,
            1e-7,
            -1e-7,
            99.9999999,
            0.0000005,
            0.0000015,
            2.5e-6,
            1e300,
            -3.0,
            1e23,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            123456.1234565,
            -0.0000004,
        ] {
            let mut s = String::from("a=");
            float_data_text_into(&mut s, f);
            assert_eq!(s, format!("a={}", float_data_text(f)), "{f}");
        }
    }

    #[test]
    fn float_fast_path_matches_fixed_rounding_on_many_values() {
        // Deterministic spread: short decimals, long fractions, near-ties, and magnitudes around the 4e9 cut.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = match i % 4 {
                0 => (x % 10_000_000) as f64 / 1000.0,
                1 => (x % 1_000_000_000) as f64 / 1e7 - 50.0,
                2 => f64::from_bits(x) % 5.0e9,
                _ => ((x % 100_000) as f64 + 0.5) / 1e6 * if x & 1 == 0 { 1.0 } else { -1.0 },
            };
            if !f.is_finite() {
                continue;
            }
            let mut s = String::new();
            float_data_text_into(&mut s, f);
            assert_eq!(s, float_data_text(f), "{f:e}");
        }
    }

    proptest::proptest! {
        /// The millionths path (`exact_micros`) against `{:.6}` rounding, on values that take it (short decimals,
        /// near the 4e9 cut, tiny ones, under 1) and values that do not (long fractions, whole numbers, any bit
        /// pattern, NaN and infinities included).
        #[test]
        fn float_micros_path_matches_fixed_rounding(
            m in -4_000_000_000_000_000i64..4_000_000_000_000_000,
            bits in proptest::prelude::any::<u64>(),
            small in -2_000_000i64..2_000_000,
        ) {
            let whole = (m / 1_000_000) as f64;
            for f in [m as f64 / 1e6, f64::from_bits(bits), small as f64 / 1e6, small as f64 / 1e9, whole] {
                let mut s = String::new();
                float_data_text_into(&mut s, f);
                proptest::prop_assert_eq!(&s, &float_data_text(f), "{:e}", f);
            }
        }
    }

    #[test]
    fn short_decimals_skip_rounding_with_the_same_text() {
        for d in ["10.5", "1000", "-0.000001", "12.1234567", "1.0000005"] {
            let v = Value::Decimal(d.into());
            let mut s = String::new();
            data_text_into(&mut s, &v);
            assert_eq!(s, round6_decimal(d), "{d}");
        }
    }
}
