//! The row as the engine sees it: a normalized field value (`Value`), a row of named values (`Row`), and the
//! `RowError` that says which stage refused a row, on which field and value, and why.
//! Rows are converted from APISmith's JSON objects (`RawRow`) and serialized back to JSON for ScheduleHub, exactly.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::sync::Arc;

mod raw;
pub use raw::{RawPage, RawRow};

/// A field name. Shared (`Arc`) because every row of a page carries the same names: cloning one is a counter
/// increment, not an allocation.
pub type FieldName = Arc<str>;

/// One normalized field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// An exact number that does not fit `Int`: a big integer or a decimal fraction, kept as canonical decimal text
    /// (`-?(0|[1-9]\d*)(\.\d*[1-9])?`, never `-0`). Never went through a float.
    Decimal(Box<str>),
    /// A number that arrived as a JSON number with a fraction (JSON numbers are binary floats already).
    Float(f64),
    Text(String),
    /// An array or an object, kept as JSON.
    Json(Box<serde_json::Value>),
}

impl Value {
    /// Converts a JSON value as is (no normalization): the raw form the identity functions and tests start from.
    #[inline]
    pub fn from_json(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::from_number(&n),
            serde_json::Value::String(s) => Value::Text(s),
            other => Value::Json(Box::new(other)),
        }
    }

    /// Inlined: a kept JSON number becomes its value per cell, where the call cost as much as the conversion.
    #[inline]
    pub(crate) fn from_number(n: &serde_json::Number) -> Value {
        if let Some(i) = n.as_i64() {
            Value::Int(i)
        } else if let Some(u) = n.as_u64() {
            Value::Decimal(u.to_string().into_boxed_str())
        } else {
            Value::Float(n.as_f64().unwrap_or(f64::NAN))
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as a planner reads it in an error message: text as is, everything else as JSON.
    pub fn display_text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            other => serde_json::to_string(other).unwrap_or_default(),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Decimal(d) => {
                // Written as a JSON number, digit for digit: a float would round 28-digit quantities.
                let raw = serde_json::value::RawValue::from_string(d.to_string())
                    .map_err(serde::ser::Error::custom)?;
                raw.serialize(s)
            }
            Value::Float(f) if f.is_finite() => s.serialize_f64(*f),
            // JSON has no NaN/Infinity; sending null would silently erase the value, so send the word instead.
            Value::Float(f) if f.is_nan() => s.serialize_str("NaN"),
            Value::Float(f) => s.serialize_str(if *f > 0.0 { "Infinity" } else { "-Infinity" }),
            Value::Text(t) => s.serialize_str(t),
            Value::Json(j) => j.serialize(s),
        }
    }
}

/// One row: field names to values, in a stable order (declared columns first, in `columns[]` order).
/// A `Vec` rather than a map: rows have ~10-50 fields, and a linear scan over shared names beats hashing.
/// The names are a `RowShape` the rows of one shape share (the normalizer makes one per page shape), so a row costs
/// its values and one reference count, not a name per field; changing a shared row's names copies them first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    names: RowShape,
    values: Vec<Value>,
}

/// The field names of rows of one shape, in order: shared by the rows that have them.
pub type RowShape = Arc<Vec<FieldName>>;

impl Row {
    pub fn new() -> Row {
        Row::default()
    }

    pub fn with_capacity(n: usize) -> Row {
        Row {
            names: Arc::new(Vec::with_capacity(n)),
            values: Vec::with_capacity(n),
        }
    }

    /// A row of the shape `names` with these values, one per name.
    pub fn of_shape(names: RowShape, values: Vec<Value>) -> Row {
        assert_eq!(names.len(), values.len(), "one value per field name");
        Row { names, values }
    }

    /// Converts a raw APISmith row without normalizing it (keys in the map's order).
    pub fn from_json_map(map: serde_json::Map<String, serde_json::Value>) -> Row {
        map.into_iter()
            .map(|(k, v)| (Arc::from(k), Value::from_json(v)))
            .collect()
    }

    /// Appends a field without checking for an existing one of the same name (the caller knows it is new).
    pub fn push(&mut self, name: FieldName, value: Value) {
        Arc::make_mut(&mut self.names).push(name);
        self.values.push(value);
    }

    /// Sets a field, replacing an existing one of the same name in place.
    pub fn set(&mut self, name: &str, value: Value) {
        match self.position(name) {
            Some(i) => self.values[i] = value,
            None => self.push(Arc::from(name), value),
        }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| &**n == name)
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).map(|i| &self.values[i])
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.position(name)?;
        Arc::make_mut(&mut self.names).remove(i);
        Some(self.values.remove(i))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.names.iter().map(|n| &**n).zip(&self.values)
    }

    /// The field names, in order (shared with the other rows of this shape).
    pub fn shape(&self) -> &RowShape {
        &self.names
    }

    /// The values, in the order of `shape()`.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn into_fields(self) -> impl Iterator<Item = (FieldName, Value)> {
        let names = Arc::unwrap_or_clone(self.names);
        names.into_iter().zip(self.values)
    }

    /// The row as JSON text (exact decimals), e.g. for a failed record's snapshot.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl FromIterator<(FieldName, Value)> for Row {
    fn from_iter<I: IntoIterator<Item = (FieldName, Value)>>(iter: I) -> Self {
        let (names, values) = iter.into_iter().unzip();
        Row {
            names: Arc::new(names),
            values,
        }
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The pipeline stage at which a row failed (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Fetch,
    Normalize,
    Validate,
    Identity,
    Resolve,
    Load,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Fetch => "fetch",
            Stage::Normalize => "normalize",
            Stage::Validate => "validate",
            Stage::Identity => "identity",
            Stage::Resolve => "resolve",
            Stage::Load => "load",
        }
    }
}

/// Why one row could not go through: the stage, the field and value at fault, and a message a planner can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("{message}")]
pub struct RowError {
    pub stage: Stage,
    pub field: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl RowError {
    pub fn new(
        stage: Stage,
        field: Option<&str>,
        value: Option<String>,
        message: impl Into<String>,
    ) -> RowError {
        RowError {
            stage,
            field: field.map(str::to_owned),
            value,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_decimals_as_exact_json_numbers() {
        let mut row = Row::new();
        row.push(
            Arc::from("qty"),
            Value::Decimal("12345678901234567890123456789.000001".into()),
        );
        row.push(Arc::from("n"), Value::Int(-3));
        assert_eq!(
            row.to_json_string(),
            r#"{"qty":12345678901234567890123456789.000001,"n":-3}"#
        );
    }

    #[test]
    fn never_writes_nan_as_null() {
        let v = serde_json::to_string(&Value::Float(f64::NAN)).unwrap();
        assert_eq!(v, "\"NaN\"", "null would erase the value");
    }

    #[test]
    fn keeps_u64_beyond_i64_exactly() {
        let v = Value::from_json(serde_json::json!(18446744073709551615u64));
        assert_eq!(v, Value::Decimal("18446744073709551615".into()));
    }
}
