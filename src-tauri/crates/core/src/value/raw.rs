//! The row as APISmith sent it (`RawRow`), and `RawPage`, which parses a page's `data` array straight into such
//! rows with each distinct field name allocated once per page: a row costs one vector and its values, not a map
//! node and a `String` per key. Kept untouched beside the normalized row for failed records and parked children.

use super::FieldName;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value as Json};
use std::fmt;
use std::sync::Arc;

/// One raw row: field names and JSON values in the order they arrived (a repeated name keeps its last value, as a
/// JSON object would).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRow {
    fields: Vec<(FieldName, Json)>,
}

impl RawRow {
    pub fn with_capacity(n: usize) -> RawRow {
        RawRow {
            fields: Vec::with_capacity(n),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Json> {
        self.fields
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| v)
    }

    /// Sets a field, replacing an existing one of the same name in place.
    pub fn insert(&mut self, name: FieldName, value: Json) {
        match self
            .fields
            .iter_mut()
            .find(|(n, _)| Arc::ptr_eq(n, &name) || *n == name)
        {
            Some((_, v)) => *v = value,
            None => self.fields.push((name, value)),
        }
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The value at `position`, taken out (NULL left in its place): the normalizer moves a row's values out in
    /// the order of its output row, then drops what is left.
    pub(crate) fn take_value(&mut self, position: usize) -> Json {
        std::mem::take(&mut self.fields[position].1)
    }

    /// Drops a row whose values `take_value` took: a NULL owns nothing, so it is let go without the out-of-line
    /// drop of a JSON value (most of the cost of freeing a taken row); any value still there is dropped as usual.
    pub(crate) fn drop_taken(self) {
        for (name, value) in self.fields {
            drop(name);
            if value.is_null() {
                std::mem::forget(value);
            } else {
                drop(value);
            }
        }
    }

    /// The value at `position` (in arrival order).
    pub(crate) fn value_at(&self, position: usize) -> &Json {
        &self.fields[position].1
    }

    pub fn iter(&self) -> impl Iterator<Item = (&FieldName, &Json)> {
        self.fields.iter().map(|(k, v)| (k, v))
    }

    /// The row as a JSON object (keys sorted, as `serde_json::Map` keeps them).
    pub fn into_map(self) -> Map<String, Json> {
        self.fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }
}

impl From<Map<String, Json>> for RawRow {
    fn from(map: Map<String, Json>) -> RawRow {
        RawRow {
            fields: map.into_iter().map(|(k, v)| (Arc::from(k), v)).collect(),
        }
    }
}

impl FromIterator<(FieldName, Json)> for RawRow {
    fn from_iter<I: IntoIterator<Item = (FieldName, Json)>>(iter: I) -> RawRow {
        let mut row = RawRow::default();
        iter.into_iter().for_each(|(k, v)| row.insert(k, v));
        row
    }
}

impl IntoIterator for RawRow {
    type Item = (FieldName, Json);
    type IntoIter = std::vec::IntoIter<(FieldName, Json)>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.into_iter()
    }
}

/// Same fields and values, in any order: a raw row equals the JSON object it was read from.
impl PartialEq<Map<String, Json>> for RawRow {
    fn eq(&self, map: &Map<String, Json>) -> bool {
        self.fields.len() == map.len() && self.fields.iter().all(|(k, v)| map.get(&**k) == Some(v))
    }
}

impl Serialize for RawRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.fields.len()))?;
        for (k, v) in &self.fields {
            m.serialize_entry(&**k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for RawRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawRow, D::Error> {
        d.deserialize_map(RowSeed {
            names: &mut Names::default(),
        })
    }
}

/// A page of raw rows (APISmith's `data` array) whose rows share their field names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawPage(pub Vec<RawRow>);

impl<'de> Deserialize<'de> for RawPage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawPage, D::Error> {
        d.deserialize_seq(PageVisitor)
    }
}

/// The distinct field names of a page, in first-seen order. Rows repeat the same names in the same order, so the
/// name at a row's position is tried first.
#[derive(Default)]
struct Names(Vec<FieldName>);

impl Names {
    fn intern(&mut self, key: &str, position: usize) -> FieldName {
        if let Some(n) = self.0.get(position).filter(|n| &***n == key) {
            return n.clone();
        }
        if let Some(n) = self.0.iter().find(|n| &***n == key) {
            return n.clone();
        }
        let n: FieldName = Arc::from(key);
        self.0.push(n.clone());
        n
    }
}

struct PageVisitor;

impl<'de> Visitor<'de> for PageVisitor {
    type Value = RawPage;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of row objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawPage, A::Error> {
        let mut names = Names::default();
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(row) = seq.next_element_seed(RowSeed { names: &mut names })? {
            rows.push(row);
        }
        Ok(RawPage(rows))
    }
}

struct RowSeed<'n> {
    names: &'n mut Names,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = RawRow;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawRow, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = RawRow;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRow, A::Error> {
        let mut row = RawRow::with_capacity(map.size_hint().unwrap_or(self.names.0.len()));
        while let Some(name) = map.next_key_seed(KeySeed {
            names: &mut *self.names,
            position: row.len(),
        })? {
            let value: Json = map.next_value()?;
            row.insert(name, value);
        }
        Ok(row)
    }
}

struct KeySeed<'n> {
    names: &'n mut Names,
    position: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = FieldName;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<FieldName, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = FieldName;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<FieldName, E> {
        Ok(self.names.intern(key, self.position))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_shares_each_field_name_between_its_rows() {
        let page: RawPage = serde_json::from_str(
            r#"[{"A": 1, "B": "x"}, {"B": "y", "A": 2}, {"A": 3, "C": null}]"#,
        )
        .unwrap();
        let a = |r: &RawRow| r.iter().find(|(k, _)| &***k == "A").unwrap().0.clone();
        assert!(
            Arc::ptr_eq(&a(&page.0[0]), &a(&page.0[1]))
                && Arc::ptr_eq(&a(&page.0[0]), &a(&page.0[2])),
            "one allocation per name and page, whatever the key order"
        );
        assert_eq!(page.0[1].get("B"), Some(&json!("y")));
        assert_eq!(
            page.0[2].get("C"),
            Some(&Json::Null),
            "null is a value, not a missing field"
        );
    }

    #[test]
    fn keeps_arrival_order_and_the_last_of_a_repeated_name() {
        let row: RawRow = serde_json::from_str(r#"{"Z": 1, "A": 2, "Z": 3}"#).unwrap();
        assert_eq!(serde_json::to_string(&row).unwrap(), r#"{"Z":3,"A":2}"#);
        let map: Map<String, Json> = serde_json::from_str(r#"{"Z": 1, "A": 2, "Z": 3}"#).unwrap();
        assert_eq!(row, map, "same fields as serde_json's own object");
        assert_eq!(row.into_map(), map);
    }

    #[test]
    fn escaped_names_are_read_as_their_text() {
        let page: RawPage = serde_json::from_str(r#"[{"A\"B": 1}, {"A\"B": 2}]"#).unwrap();
        assert_eq!(page.0[1].get("A\"B"), Some(&json!(2)));
    }
}
