//! Layer 5: field mapping and validation. A mapping renames a field, transforms its value (Unicode-aware), fills a
//! NULL with its default and refuses a required field that is still NULL or missing (stage `validate`).

use super::config::{FieldMapping, Transformation};
use super::layer2_strings::is_space;
use crate::value::{FieldName, Row, RowError, Stage, Value};
use std::collections::HashMap;
use std::sync::Arc;

impl Transformation {
    /// Applies the transformation; NULL stays NULL and non-text values pass unchanged (uppercasing a number has no
    /// meaning, and turning it into text would change its type behind the planner's back).
    pub fn apply(self, v: Value) -> Value {
        let Value::Text(s) = v else { return v };
        Value::Text(match self {
            Transformation::None => s,
            // Codes and keys mostly arrive in the case asked for: one read-only pass finds nothing to change.
            Transformation::Uppercase if ascii_without(&s, b'a') => s,
            Transformation::Lowercase if ascii_without(&s, b'A') => s,
            // ASCII text (codes, keys) changes case in place: same result as the Unicode mapping, no copy.
            Transformation::Uppercase if s.is_ascii() => {
                let mut s = s;
                s.make_ascii_uppercase();
                s
            }
            Transformation::Lowercase if s.is_ascii() => {
                let mut s = s;
                s.make_ascii_lowercase();
                s
            }
            Transformation::Uppercase => s.to_uppercase(),
            Transformation::Lowercase => s.to_lowercase(),
            Transformation::Trim => s.trim_matches(is_space).to_owned(),
            Transformation::TitleCase => title_case(&s),
            Transformation::Capitalize => {
                let mut cs = s.chars();
                match cs.next() {
                    Some(first) => first
                        .to_uppercase()
                        .chain(cs.as_str().to_lowercase().chars())
                        .collect(),
                    None => s,
                }
            }
            Transformation::StripWhitespace => s.chars().filter(|&c| !is_space(c)).collect(),
            Transformation::RemoveSpecialChars => s
                .chars()
                .filter(|&c| c.is_alphanumeric() || is_space(c))
                .collect(),
        })
    }
}

/// True when `s` is ASCII without a letter of the case starting at `first` (`b'a'`: no lowercase letter), i.e. the
/// case mapping to the other case leaves it as it is. Eight bytes at a time, as layer 2's `is_clean` reads them.
fn ascii_without(s: &str, first: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // For bytes below 0x80 (no carry out of them: every sum stays below 0x100): 0x80 where `first <= b`, and
    // where `first + 26 <= b`; a letter of that case is the first without the second.
    let faults = |w: u64| {
        // (A byte of 0x80 or more is a fault anyway; its carry may run into the top, hence the wrapping sums.)
        let from = w.wrapping_add((0x80 - first as u64) * ONES);
        let past = w.wrapping_add((0x80 - first as u64 - 26) * ONES);
        (w | (from & !past)) & HIGH
    };
    let b = s.as_bytes();
    if b.len() < 8 {
        return b
            .iter()
            .all(|&c| c.is_ascii() && !(first..first + 26).contains(&c));
    }
    let mut words = b.chunks_exact(8);
    let mut seen = 0;
    for chunk in &mut words {
        seen |= faults(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
    }
    if !words.remainder().is_empty() {
        // The last eight bytes, overlapping the words before.
        seen |= faults(u64::from_le_bytes(
            b[b.len() - 8..].try_into().unwrap_or_default(),
        ));
    }
    seen == 0
}

/// Python's `str.title`: a letter after a non-letter starts a word and is uppercased, the others lowercased.
fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            if in_word {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

/// One mapping, prepared: shared names, parsed transformation, converted default.
#[derive(Debug, Clone)]
pub(crate) struct MapPlan {
    pub source: FieldName,
    pub target: FieldName,
    pub transformation: Transformation,
    pub default: Option<Value>,
    pub required: bool,
}

/// The mappings of one entity, prepared once and applied to every row.
#[derive(Debug, Clone, Default)]
pub struct Mapper {
    pub(crate) plans: Vec<MapPlan>,
    by_source: HashMap<FieldName, Vec<usize>>,
}

impl Mapper {
    /// Prepares mappings; an unknown transformation is an error (config validation refuses it earlier).
    pub fn new(mappings: &[FieldMapping]) -> Result<Mapper, String> {
        let mut m = Mapper::default();
        for (i, fm) in mappings.iter().enumerate() {
            let transformation = Transformation::parse_opt(fm.transformation.as_deref())?;
            let default = fm
                .default_value
                .clone()
                .filter(|d| !d.is_null())
                .map(Value::from_json);
            let source: FieldName = Arc::from(fm.source_field.as_str());
            m.by_source.entry(source.clone()).or_default().push(i);
            m.plans.push(MapPlan {
                source,
                target: Arc::from(fm.target_field.as_str()),
                transformation,
                default,
                required: fm.is_required,
            });
        }
        Ok(m)
    }

    pub fn is_empty(&self) -> bool {
        self.plans.is_empty()
    }

    /// Indices of the mappings reading `source`.
    pub(crate) fn maps_for(&self, source: &str) -> &[usize] {
        if self.plans.is_empty() {
            return &[];
        }
        self.by_source.get(source).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The error for a required mapping whose source is NULL or missing and which has no default.
    pub(crate) fn required_error(&self, i: usize) -> Option<RowError> {
        let p = &self.plans[i];
        (p.required && p.default.is_none()).then(|| {
            RowError::new(
                Stage::Validate,
                Some(&p.source),
                None,
                format!("Required field '{}' is missing or NULL", p.source),
            )
        })
    }

    /// Transformation, then the default for a NULL.
    #[inline]
    pub(crate) fn finish(&self, i: usize, v: Value) -> Value {
        let p = &self.plans[i];
        match p.transformation.apply(v) {
            Value::Null => p.default.clone().unwrap_or(Value::Null),
            other => other,
        }
    }

    /// Emits a present source field: under its own name when unmapped, else once per mapping reading it.
    pub(crate) fn emit(&self, out: &mut Row, name: FieldName, value: Value, maps: &[usize]) {
        match maps {
            [] => out.push(name, value),
            [.., last] => {
                for &i in &maps[..maps.len() - 1] {
                    out.push(self.plans[i].target.clone(), self.finish(i, value.clone()));
                }
                out.push(self.plans[*last].target.clone(), self.finish(*last, value));
            }
        }
    }

    /// Emits a mapping whose source field is missing from the row: only its default, if it has one.
    pub(crate) fn emit_missing(&self, out: &mut Row, i: usize) {
        if let Some(d) = &self.plans[i].default {
            out.push(self.plans[i].target.clone(), d.clone());
        }
    }

    /// Layer 5 on a row that went through layers 1-4. Unmapped fields keep their names.
    pub fn map_row(&self, row: Row) -> Result<Row, RowError> {
        let mut seen = vec![false; self.plans.len()];
        for (i, p) in self.plans.iter().enumerate() {
            if row.get(&p.source).is_none_or(Value::is_null) {
                if let Some(e) = self.required_error(i) {
                    return Err(e);
                }
            }
        }
        let mut out = Row::with_capacity(row.len() + self.plans.len());
        for (name, value) in row.into_fields() {
            let maps = self.maps_for(&name);
            for &i in maps {
                seen[i] = true;
            }
            self.emit(&mut out, name, value, maps);
        }
        for (i, s) in seen.iter().enumerate() {
            if !s {
                self.emit_missing(&mut out, i);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(tr: Transformation, s: &str) -> Value {
        tr.apply(Value::Text(s.into()))
    }
    fn mapping(
        src: &str,
        dst: &str,
        tr: Option<&str>,
        default: Option<serde_json::Value>,
        req: bool,
    ) -> FieldMapping {
        FieldMapping {
            source_field: src.into(),
            target_field: dst.into(),
            transformation: tr.map(Into::into),
            default_value: default,
            is_required: req,
        }
    }
    fn row(v: serde_json::Value) -> Row {
        Row::from_json_map(v.as_object().unwrap().clone())
    }

    #[test]
    fn transformations_are_unicode_aware() {
        assert_eq!(
            t(Transformation::Uppercase, "straße"),
            Value::Text("STRASSE".into())
        );
        assert_eq!(
            t(Transformation::Lowercase, "İSTANBUL"),
            Value::Text("i̇stanbul".into())
        );
        assert_eq!(
            t(Transformation::TitleCase, "hello wORLD-x"),
            Value::Text("Hello World-X".into())
        );
        assert_eq!(
            t(Transformation::Capitalize, "hELLO world"),
            Value::Text("Hello world".into())
        );
        assert_eq!(
            t(Transformation::StripWhitespace, "a b\u{3000}c"),
            Value::Text("abc".into())
        );
        assert_eq!(
            t(Transformation::RemoveSpecialChars, "کد-۱۲۳ #A!"),
            Value::Text("کد۱۲۳ A".into())
        );
    }

    proptest::proptest! {
        /// Upper- and lowercasing give the Unicode case mapping whichever path they take (text already in the case
        /// asked for, ASCII changed in place, the rest), and the word-wise check says what the byte-wise one says.
        #[test]
        fn case_mappings_give_the_unicode_mapping(
            s in "[A-Za-z0-9 @\\[`{_-]{0,40}|\\PC{0,20}|[a-zA-Z\\x7f\\x{80}\\x{e9}]{0,17}",
        ) {
            proptest::prop_assert_eq!(t(Transformation::Uppercase, &s), Value::Text(s.to_uppercase()));
            proptest::prop_assert_eq!(t(Transformation::Lowercase, &s), Value::Text(s.to_lowercase()));
            for first in [b'a', b'A'] {
                let by_bytes = s.bytes().all(|c| c.is_ascii() && !(first..first + 26).contains(&c));
                proptest::prop_assert_eq!(ascii_without(&s, first), by_bytes, "{:?}", s);
            }
        }
    }

    #[test]
    fn null_stays_null_and_numbers_pass_through_transformations() {
        assert_eq!(Transformation::Uppercase.apply(Value::Null), Value::Null);
        assert_eq!(
            Transformation::Uppercase.apply(Value::Int(5)),
            Value::Int(5)
        );
    }

    #[test]
    fn renames_mapped_fields_and_keeps_unmapped_names() {
        let m =
            Mapper::new(&[mapping("ITEM_ID", "item_id", Some("lowercase"), None, true)]).unwrap();
        let out = m.map_row(row(json!({"ITEM_ID": "AB", "QTY": 1}))).unwrap();
        assert_eq!(out.get("item_id"), Some(&Value::Text("ab".into())));
        assert_eq!(out.get("QTY"), Some(&Value::Int(1)));
        assert_eq!(
            out.get("ITEM_ID"),
            None,
            "the source name is gone after a rename"
        );
    }

    #[test]
    fn defaults_fill_nulls_including_falsy_defaults() {
        for d in [json!(0), json!(""), json!(false)] {
            let m = Mapper::new(&[mapping("A", "a", None, Some(d.clone()), true)]).unwrap();
            let out = m.map_row(row(json!({"A": null}))).unwrap();
            assert_eq!(
                out.get("a"),
                Some(&Value::from_json(d.clone())),
                "default {d}"
            );
            let missing = m.map_row(row(json!({}))).unwrap();
            assert_eq!(
                missing.get("a"),
                Some(&Value::from_json(d)),
                "a missing source takes the default too"
            );
        }
    }

    #[test]
    fn required_field_missing_or_null_fails_validation() {
        let m = Mapper::new(&[mapping("ITEM_ID", "item_id", None, None, true)]).unwrap();
        let e = m.map_row(row(json!({"ITEM_ID": null}))).unwrap_err();
        assert_eq!(e.message, "Required field 'ITEM_ID' is missing or NULL");
        assert_eq!(e.stage, Stage::Validate);
        assert!(
            m.map_row(row(json!({"OTHER": 1}))).is_err(),
            "missing is as bad as NULL"
        );
    }
}
