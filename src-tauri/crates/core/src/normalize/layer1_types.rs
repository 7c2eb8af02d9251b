//! Layer 1: type coercion by declared column type (SPEC §3). Works on a borrowed raw JSON value and says either
//! "keep it as it came" (so the caller can move the raw string in, without a copy) or gives the new value.
//! Strings go through layer 2 first; number text through layer 3; date text through layer 4.

use super::config::{ColumnKind, NormalizeOptions};
use super::layer2_strings::{
    clean_slice, clean_unclean, collapse_ascii, is_clean, is_simple_ascii, trimmed_slice, Cleaned,
};
use super::layer3_numbers::{auto_number, integral_float, parse_number, NumberProblem};
use super::layer4_dates::{iso_date, IsoText};
use crate::value::{RowError, Stage, Value};
use serde_json::Value as Json;

/// Layer 1's verdict on one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Coerced {
    /// `Value::from_json(raw)` is already the normalized value.
    Keep,
    New(Value),
}

fn fail(field: &str, raw: &Json, why: &str) -> RowError {
    let shown = serde_json::to_string(raw).unwrap_or_default();
    let value = match raw {
        Json::String(s) => s.clone(),
        _ => shown.clone(),
    };
    RowError::new(
        Stage::Normalize,
        Some(field),
        Some(value),
        format!("{field}: {shown} {why}"),
    )
}

/// The cleaned text of a string, or `Err(Verdict)` when there is nothing left (NULL). Borrowed text is a slice of
/// `s` (see `clean_slice`), so the caller can cut the raw string down in place.
fn cleaned(s: &str) -> Result<std::borrow::Cow<'_, str>, Verdict> {
    if let Some(t) = clean_slice(s) {
        return Ok(std::borrow::Cow::Borrowed(t));
    }
    if is_simple_ascii(s) {
        return Ok(std::borrow::Cow::Owned(collapse_ascii(s.to_owned())));
    }
    // `clean_slice` found `s` not clean.
    match clean_unclean(s) {
        Cleaned::Unchanged => Ok(std::borrow::Cow::Borrowed(s)),
        Cleaned::Changed(c) => Ok(std::borrow::Cow::Owned(c)),
        Cleaned::Null => Err(Verdict::New(Value::Null)),
    }
}

/// Layer 1's verdict as the normalizer uses it: besides keep / new value, "the raw string cut down to
/// `start..end` (and ASCII-lowercased)", which the normalizer applies to the raw `String` it owns in place, so a
/// space-padded CHAR or an upper-case hex value costs no copy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    Keep,
    Slice {
        start: usize,
        end: usize,
        lower: bool,
    },
    /// Simple ASCII text (`is_simple_ascii`) whose whitespace runs collapse in place (`collapse_ascii`).
    Collapse,
    New(Value),
}

impl Verdict {
    /// The verdict for text that `cleaned` borrowed from `s` (optionally lowercased).
    fn slice_of(s: &str, text: &str, lower: bool) -> Verdict {
        let start = text.as_ptr() as usize - s.as_ptr() as usize;
        if !lower && text.len() == s.len() {
            return Verdict::Keep;
        }
        Verdict::Slice {
            start,
            end: start + text.len(),
            lower,
        }
    }

    /// Applies the verdict to the raw value it was given for, consuming it. Always inlined: it runs per cell, and
    /// out of line each cell's value moves through memory twice.
    #[inline(always)]
    pub(crate) fn apply(self, raw: Json) -> Value {
        match (self, raw) {
            (Verdict::Keep, Json::String(s)) => Value::Text(s),
            (Verdict::New(v), _) => v,
            (Verdict::Collapse, Json::String(s)) => Value::Text(collapse_ascii(s)),
            (Verdict::Slice { start, end, lower }, Json::String(mut s)) => {
                s.truncate(end);
                s.drain(..start);
                if lower {
                    s.make_ascii_lowercase();
                }
                Value::Text(s)
            }
            (_, raw) => Value::from_json(raw),
        }
    }

    /// Applies the verdict to a raw value the caller keeps: the text it keeps is copied. Always inlined, as
    /// `apply` is.
    #[inline(always)]
    pub(crate) fn apply_ref(self, raw: &Json) -> Value {
        match (self, raw) {
            (Verdict::Keep, Json::String(s)) => Value::Text(s.clone()),
            (Verdict::Keep, Json::Null) => Value::Null,
            // A kept number (most in number columns) as `Value::from_json` makes it, without the out-of-line
            // `into_coerced` and the JSON value's clone.
            (Verdict::Keep, Json::Number(n)) => Value::from_number(n),
            (Verdict::Keep, Json::Bool(b)) => Value::Bool(*b),
            (Verdict::New(v), _) => v,
            (verdict, raw) => match verdict.into_coerced(raw) {
                Coerced::Keep => Value::from_json(raw.clone()),
                Coerced::New(v) => v,
            },
        }
    }

    /// The public form: a slice becomes a new (copied) text value.
    fn into_coerced(self, raw: &Json) -> Coerced {
        match (self, raw) {
            (Verdict::Keep, _) => Coerced::Keep,
            (Verdict::New(v), _) => Coerced::New(v),
            (Verdict::Slice { start, end, lower }, Json::String(s)) => {
                let t = &s[start..end];
                Coerced::New(Value::Text(if lower {
                    t.to_ascii_lowercase()
                } else {
                    t.to_owned()
                }))
            }
            (Verdict::Collapse, Json::String(s)) => {
                Coerced::New(Value::Text(collapse_ascii(s.clone())))
            }
            (Verdict::Slice { .. } | Verdict::Collapse, _) => Coerced::Keep,
        }
    }
}

/// A JSON number as a normalized number: integral floats become integers. Inlined per cell with
/// `coerce_verdict`'s JSON-number case: integers (most of them) are kept after one test of the number's kind.
#[inline(always)]
fn number(n: &serde_json::Number) -> Verdict {
    if n.is_i64() || n.is_u64() {
        return Verdict::Keep;
    }
    match n.as_f64() {
        Some(f) if f.is_finite() && f.fract() == 0.0 => Verdict::New(integral_float(f)),
        _ => Verdict::Keep,
    }
}

/// A number's decimal text, for text-typed columns (`10.0` is `"10"`, `0.5` is `"0.5"`).
pub(crate) fn number_text(n: &serde_json::Number) -> String {
    match Value::from_number(n) {
        Value::Int(i) => i.to_string(),
        Value::Decimal(d) => d.into(),
        Value::Float(f) if f.fract() == 0.0 => match integral_float(f) {
            Value::Int(i) => i.to_string(),
            Value::Decimal(d) => d.into(),
            _ => f.to_string(),
        },
        Value::Float(f) => f.to_string(),
        _ => n.to_string(),
    }
}

/// Coerces one raw value of column `field` per its kind.
pub fn coerce(
    kind: ColumnKind,
    field: &str,
    raw: &Json,
    opts: &NormalizeOptions,
) -> Result<Coerced, RowError> {
    Ok(coerce_verdict(kind, field, raw, opts)?.into_coerced(raw))
}

/// `coerce` for the normalizer, which owns the raw value and can apply a `Verdict::Slice` without a copy.
/// Inlined per cell: NULL, clean text in a text column and JSON numbers in number (or undeclared) columns (most
/// cells) are decided without a call.
#[inline(always)]
pub(crate) fn coerce_verdict(
    kind: ColumnKind,
    field: &str,
    raw: &Json,
    opts: &NormalizeOptions,
) -> Result<Verdict, RowError> {
    match (kind, raw) {
        (_, Json::Null) => Ok(Verdict::Keep),
        (ColumnKind::Text, Json::String(s)) if is_clean(s) => Ok(Verdict::Keep),
        (ColumnKind::Number | ColumnKind::Undeclared, Json::Number(n)) => Ok(number(n)),
        // The other common cases each in a function of its own: a small one costs less to enter than
        // `coerce_other`, which saves and restores the registers of all its paths.
        (ColumnKind::Text, Json::String(s)) => Ok(text_verdict(s)),
        (ColumnKind::Number, Json::String(s)) => number_text_verdict(field, raw, s, opts),
        (ColumnKind::Date, Json::String(s)) => date_verdict(field, raw, s, opts),
        _ => coerce_other(kind, field, raw, opts),
    }
}

/// Text in a text column that is not clean (`is_clean`).
#[inline(never)]
fn text_verdict(s: &str) -> Verdict {
    // `cleaned`, unrolled so the fast check runs once per value (`coerce_verdict` found `s` not clean): text
    // columns keep the cleaned string itself, so simple ASCII is collapsed later, in place.
    match trimmed_slice(s) {
        Some(t) => Verdict::slice_of(s, t, false),
        None if is_simple_ascii(s) => Verdict::Collapse,
        None => match clean_unclean(s) {
            Cleaned::Unchanged => Verdict::Keep,
            Cleaned::Changed(c) => Verdict::New(Value::Text(c)),
            Cleaned::Null => Verdict::New(Value::Null),
        },
    }
}

/// Text in a number column (`raw` is `s` as JSON, for the error).
#[inline(never)]
fn number_text_verdict(
    field: &str,
    raw: &Json,
    s: &str,
    opts: &NormalizeOptions,
) -> Result<Verdict, RowError> {
    // Number text as it came first: the grammar takes whitespace only where it trims any amount of it (the ends,
    // inside parentheses, around a currency sign), so text it reads reads the same cleaned; anything else is
    // cleaned and read again.
    if let Ok(v) = parse_number(s, opts.decimal_separator) {
        return Ok(Verdict::New(v));
    }
    let text = match cleaned(s) {
        Ok(t) => t,
        Err(null) => return Ok(null),
    };
    match parse_number(&text, opts.decimal_separator) {
        Ok(v) => Ok(Verdict::New(v)),
        Err(NumberProblem::NotANumber) => Err(fail(field, raw, "is not a number")),
        Err(NumberProblem::OutOfRange) => Err(fail(field, raw, "is out of range")),
    }
}

/// Text in a date column (`raw` is `s` as JSON, for the error).
#[inline(never)]
fn date_verdict(
    field: &str,
    raw: &Json,
    s: &str,
    opts: &NormalizeOptions,
) -> Result<Verdict, RowError> {
    // Every date form is clean text (fixed positions, at most one inner space), so text that reads as a
    // date needs no cleanup first; anything else is cleaned and read again.
    let verdict = |iso: IsoText| {
        if iso.as_bytes() == s.as_bytes() {
            Verdict::Keep
        } else {
            Verdict::New(Value::Text(iso.into_string()))
        }
    };
    Ok(match iso_date(s, opts) {
        // `s` itself is its ISO text.
        Some(IsoText::Same(_)) => Verdict::Keep,
        Some(iso) => verdict(iso),
        None => {
            let text = match cleaned(s) {
                Ok(t) => t,
                Err(null) => return Ok(null),
            };
            verdict(iso_date(&text, opts).ok_or_else(|| fail(field, raw, "is not a date"))?)
        }
    })
}

/// `coerce_verdict` on the values it does not decide itself or hand to one of the functions above.
fn coerce_other(
    kind: ColumnKind,
    field: &str,
    raw: &Json,
    opts: &NormalizeOptions,
) -> Result<Verdict, RowError> {
    match kind {
        ColumnKind::Text => Ok(match raw {
            // `cleaned`, unrolled so the fast check runs once per value (`coerce_verdict` found `s` not clean):
            // text columns keep the cleaned string itself, so simple ASCII is collapsed later, in place.
            Json::String(s) => text_verdict(s),
            Json::Number(n) => Verdict::New(Value::Text(number_text(n))),
            // `false` is a value, not NULL.
            Json::Bool(b) => Verdict::New(Value::Text(b.to_string())),
            other => Verdict::New(Value::Text(other.to_string())),
        }),
        ColumnKind::Number => match raw {
            Json::Number(n) => Ok(number(n)),
            Json::String(s) => number_text_verdict(field, raw, s, opts),
            _ => Err(fail(field, raw, "is not a number")),
        },
        ColumnKind::Date => match raw {
            Json::String(s) => date_verdict(field, raw, s, opts),
            _ => Err(fail(field, raw, "is not a date")),
        },
        ColumnKind::Boolean => match raw {
            Json::Bool(_) => Ok(Verdict::Keep),
            Json::Number(n) if n.as_i64() == Some(1) => Ok(Verdict::New(Value::Bool(true))),
            Json::Number(n) if n.as_i64() == Some(0) => Ok(Verdict::New(Value::Bool(false))),
            Json::String(s) => {
                let text = match cleaned(s) {
                    Ok(t) => t,
                    Err(null) => return Ok(null),
                };
                match text.to_ascii_uppercase().as_str() {
                    "Y" | "YES" | "T" | "TRUE" | "1" => Ok(Verdict::New(Value::Bool(true))),
                    "N" | "NO" | "F" | "FALSE" | "0" => Ok(Verdict::New(Value::Bool(false))),
                    _ => Err(fail(
                        field,
                        raw,
                        "is not a boolean (expected Y/N, YES/NO, T/F, TRUE/FALSE or 1/0)",
                    )),
                }
            }
            _ => Err(fail(field, raw, "is not a boolean")),
        },
        ColumnKind::Raw => match raw {
            Json::String(s) => {
                let text = match cleaned(s) {
                    Ok(t) => t,
                    Err(null) => return Ok(null),
                };
                let digits = text
                    .strip_prefix("0x")
                    .or_else(|| text.strip_prefix("0X"))
                    .unwrap_or(&text);
                if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return Err(fail(field, raw, "is not hexadecimal"));
                }
                // Lowercasing and trimming happen in place on the raw string when the text is a slice of it.
                let upper = text.bytes().any(|c| c.is_ascii_uppercase());
                Ok(match text {
                    std::borrow::Cow::Borrowed(t) => Verdict::slice_of(s, t, upper),
                    std::borrow::Cow::Owned(t) => Verdict::New(Value::Text(t.to_ascii_lowercase())),
                })
            }
            _ => Err(fail(field, raw, "is not hexadecimal")),
        },
        ColumnKind::Undeclared => Ok(match raw {
            Json::Number(n) => number(n),
            Json::String(s) => match cleaned(s) {
                Err(null) => null,
                Ok(text) => match auto_number(&text, opts.decimal_separator) {
                    Some(v) => Verdict::New(v),
                    None => match text {
                        std::borrow::Cow::Borrowed(t) => Verdict::slice_of(s, t, false),
                        std::borrow::Cow::Owned(t) => Verdict::New(Value::Text(t)),
                    },
                },
            },
            _ => Verdict::Keep,
        }),
    }
}

/// Layer 1 (with 2-4) as a value: convenient for tests and the slow paths.
pub fn coerce_value(
    kind: ColumnKind,
    field: &str,
    raw: &Json,
    opts: &NormalizeOptions,
) -> Result<Value, RowError> {
    Ok(match coerce(kind, field, raw, opts)? {
        Coerced::Keep => Value::from_json(raw.clone()),
        Coerced::New(v) => v,
    })
}

#[cfg(test)]
mod tests {
    use super::super::layer2_strings;
    use super::*;
    use proptest::strategy::Strategy;
    use serde_json::json;
    use ColumnKind::*;

    fn c(kind: ColumnKind, raw: Json) -> Result<Value, RowError> {
        coerce_value(kind, "F", &raw, &NormalizeOptions::default())
    }
    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn text_columns_keep_zero_and_false_as_values() {
        assert_eq!(c(Text, json!(0)), Ok(text("0")));
        assert_eq!(c(Text, json!(false)), Ok(text("false")));
        assert_eq!(
            c(Text, json!(10.0)),
            Ok(text("10")),
            "an integral number is an integer"
        );
        assert_eq!(c(Text, json!(2.5)), Ok(text("2.5")));
        assert_eq!(c(Text, json!("  a  b ")), Ok(text("a b")));
    }

    #[test]
    fn number_columns_fail_the_row_on_text_that_is_not_a_number() {
        let e = coerce_value(
            Number,
            "QUANTITY",
            &json!("12abc"),
            &NormalizeOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.message, r#"QUANTITY: "12abc" is not a number"#);
        assert_eq!(
            (e.stage, e.field.as_deref(), e.value.as_deref()),
            (Stage::Normalize, Some("QUANTITY"), Some("12abc"))
        );
        assert!(
            c(Number, json!(true)).is_err(),
            "a boolean is not silently a number"
        );
    }

    #[test]
    fn number_columns_parse_text_and_make_integral_numbers_integers() {
        assert_eq!(
            c(Number, json!("1,234.56")),
            Ok(Value::Decimal("1234.56".into()))
        );
        assert_eq!(c(Number, json!(10.0)), Ok(Value::Int(10)));
        assert_eq!(c(Number, json!(10.25)), Ok(Value::Float(10.25)));
        assert_eq!(
            c(Number, json!("   ")),
            Ok(Value::Null),
            "blank text is NULL, not an error"
        );
    }

    #[test]
    fn date_columns_write_iso_and_fail_on_non_dates() {
        assert_eq!(
            c(Date, json!("15.01.2025")),
            Ok(text("2025-01-15T00:00:00"))
        );
        let e = c(Date, json!("soon")).unwrap_err();
        assert_eq!(e.message, r#"F: "soon" is not a date"#);
        assert!(
            c(Date, json!(20250115)).is_err(),
            "a number is not read as a date"
        );
    }

    #[test]
    fn boolean_columns_accept_the_listed_words_in_any_case() {
        for (raw, want) in [
            ("y", true),
            ("No", false),
            ("t", true),
            ("FALSE", false),
            ("1", true),
            ("0", false),
        ] {
            assert_eq!(c(Boolean, json!(raw)), Ok(Value::Bool(want)), "{raw}");
        }
        assert_eq!(c(Boolean, json!(false)), Ok(Value::Bool(false)));
        assert!(c(Boolean, json!("maybe")).is_err());
    }

    #[test]
    fn raw_columns_become_lowercase_hex() {
        assert_eq!(
            c(Raw, json!("0x00000000000007D3")),
            Ok(text("0x00000000000007d3"))
        );
        assert_eq!(c(Raw, json!("ABCDEF")), Ok(text("abcdef")));
        assert!(c(Raw, json!("XYZ")).is_err());
    }

    #[test]
    fn undeclared_values_keep_their_json_type_and_strict_numbers_convert() {
        assert_eq!(c(Undeclared, json!("00123")), Ok(text("00123")));
        assert_eq!(
            c(Undeclared, json!("2025-01-15")),
            Ok(text("2025-01-15")),
            "never parsed as a date"
        );
        assert_eq!(c(Undeclared, json!("10,000")), Ok(Value::Int(10000)));
        assert_eq!(c(Undeclared, json!(true)), Ok(Value::Bool(true)));
        assert_eq!(
            c(Undeclared, json!([1, 2])),
            Ok(Value::Json(Box::new(json!([1, 2]))))
        );
        assert_eq!(c(Undeclared, json!(" x ")), Ok(text("x")));
    }

    #[test]
    fn keeps_clean_strings_without_copying() {
        let opts = NormalizeOptions::default();
        assert_eq!(coerce(Text, "F", &json!("ABC 1"), &opts), Ok(Coerced::Keep));
        assert_eq!(
            coerce(Undeclared, "F", &json!("ITM-001"), &opts),
            Ok(Coerced::Keep)
        );
        assert_eq!(
            coerce(Date, "F", &json!("2025-01-15T10:30:45"), &opts),
            Ok(Coerced::Keep)
        );
    }

    proptest::proptest! {
        /// Number and date text is read as it came when it can be: the same value or refusal as cleaning it first.
        #[test]
        fn raw_number_and_date_text_reads_as_its_cleaned_form(
            s in "[ \\t\\n\\r\\x07\\x1c\\u{a0}\\u{3000}0-9.,()$€+eE:TZ/-]{0,24}|[ \\t\\u{a0}]{0,2}(20[0-9]{2}-[01][0-9]-[0-3][0-9]|[0-3][0-9][./][01][0-9][./]20[0-9]{2})([ T][0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|[.][0-9]{1,7})?)?[ \\t\\n]{0,2}",
            kind in proptest::sample::select(vec![Number, Date]),
        ) {
            let opts = NormalizeOptions::default();
            let field = "F";
            let raw = Json::String(s.clone());
            let want = match layer2_strings::clean_owned(s.clone()) {
                None => Ok(Value::Null),
                Some(t) => match kind {
                    Number => parse_number(&t, opts.decimal_separator).map_err(|p| match p {
                        NumberProblem::NotANumber => fail(field, &raw, "is not a number"),
                        NumberProblem::OutOfRange => fail(field, &raw, "is out of range"),
                    }),
                    _ => iso_date(&t, &opts)
                        .map(|iso| Value::Text(iso.into_string()))
                        .ok_or_else(|| fail(field, &raw, "is not a date")),
                },
            };
            proptest::prop_assert_eq!(coerce_value(kind, field, &raw, &opts), want, "{:?}", s);
        }

        /// `Verdict::apply_ref` (its fast arms for kept text, NULL, numbers and booleans) gives what `apply` gives
        /// on the same raw value, and both what `coerce_value` gives, for every kind and every JSON scalar.
        #[test]
        fn apply_ref_gives_what_apply_and_coerce_value_give(
            raw in proptest::prop_oneof![
                proptest::strategy::Just(Json::Null),
                proptest::bool::ANY.prop_map(Json::Bool),
                proptest::num::i64::ANY.prop_map(|i| json!(i)),
                proptest::num::u64::ANY.prop_map(|u| json!(u)),
                proptest::num::f64::NORMAL.prop_map(|f| json!(f)),
                proptest::num::i32::ANY.prop_map(|i| json!(f64::from(i))),
                "\\PC{0,12}|[ 0-9a-fA-FxYN.,/:-]{0,12}".prop_map(Json::String),
            ],
            kind in proptest::sample::select(vec![Text, Number, Date, Boolean, Raw, Undeclared]),
        ) {
            let opts = NormalizeOptions::default();
            if let Ok(verdict) = coerce_verdict(kind, "F", &raw, &opts) {
                let want = coerce_value(kind, "F", &raw, &opts).unwrap();
                proptest::prop_assert_eq!(verdict.clone().apply_ref(&raw), want.clone(), "{:?} {}", kind, raw);
                proptest::prop_assert_eq!(verdict.apply(raw.clone()), want, "{:?} {}", kind, raw);
            }
        }
    }

    #[test]
    fn in_place_verdicts_give_the_same_values_as_coerce() {
        let opts = NormalizeOptions::default();
        for (kind, raw) in [
            (Text, json!("EA ")),
            (Text, json!("  Widget   large 7  ")),
            (Text, json!("a\t\tb")),
            (Undeclared, json!("  two   words ")),
            (Date, json!(" 15/01/2025   10:30:00 ")),
            (Raw, json!("0x00000000000007D3")),
            (Raw, json!(" 0xABcd ")),
            (Raw, json!("00ff")),
            (Undeclared, json!(" code ")),
            (Undeclared, json!(" 12 ")),
            (Date, json!(" 15/01/2025 ")),
            (Number, json!(" 1,000.50 ")),
        ] {
            let want = coerce_value(kind, "F", &raw, &opts).unwrap();
            let got = coerce_verdict(kind, "F", &raw, &opts)
                .unwrap()
                .apply(raw.clone());
            assert_eq!(got, want, "{kind:?} {raw}");
        }
    }
}
