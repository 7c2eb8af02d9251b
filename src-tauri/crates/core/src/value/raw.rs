//! The row as APISmith sent it (`RawRow`), and `RawPage`, which parses a page's `data` array straight into such
//! rows with each distinct field name allocated once per page and each shape of row (its names in order) once per
//! page: a row costs its values and one shared list of names, not a map node and a `String` per key, nor a name per
//! field. Kept untouched beside the normalized row for failed records and parked children.

use super::{FieldName, RowShape};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value as Json};
use std::fmt;
use std::sync::Arc;

/// One raw row: field names and JSON values in the order they arrived (a repeated name keeps its last value, as a
/// JSON object would). The names are shared with the page's other rows of the same shape; changing a shared row's
/// names copies them first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRow {
    names: RowShape,
    values: Vec<Json>,
}

impl RawRow {
    pub fn with_capacity(n: usize) -> RawRow {
        RawRow {
            names: Arc::new(Vec::with_capacity(n)),
            values: Vec::with_capacity(n),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Json> {
        let i = self.names.iter().position(|n| &**n == name)?;
        Some(&self.values[i])
    }

    /// Sets a field, replacing an existing one of the same name in place.
    pub fn insert(&mut self, name: FieldName, value: Json) {
        match self
            .names
            .iter()
            .position(|n| Arc::ptr_eq(n, &name) || *n == name)
        {
            Some(i) => self.values[i] = value,
            None => {
                Arc::make_mut(&mut self.names).push(name);
                self.values.push(value);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The field names, in order (shared with the page's other rows of this shape).
    pub fn shape(&self) -> &RowShape {
        &self.names
    }

    /// The value at `position`, taken out (NULL left in its place): the normalizer moves a row's values out in
    /// the order of its output row, then drops what is left.
    pub(crate) fn take_value(&mut self, position: usize) -> Json {
        std::mem::take(&mut self.values[position])
    }

    /// Drops a row whose values `take_value` took: a NULL owns nothing, so it is let go without the out-of-line
    /// drop of a JSON value (most of the cost of freeing a taken row); any value still there is dropped as usual.
    pub(crate) fn drop_taken(self) {
        for value in self.values {
            if value.is_null() {
                std::mem::forget(value);
            } else {
                drop(value);
            }
        }
    }

    /// The value at `position` (in arrival order).
    pub(crate) fn value_at(&self, position: usize) -> &Json {
        &self.values[position]
    }

    pub fn iter(&self) -> impl Iterator<Item = (&FieldName, &Json)> {
        self.names.iter().zip(&self.values)
    }

    /// The row as a JSON object (keys sorted, as `serde_json::Map` keeps them).
    pub fn into_map(self) -> Map<String, Json> {
        self.names
            .iter()
            .map(|k| k.to_string())
            .zip(self.values)
            .collect()
    }
}

impl From<Map<String, Json>> for RawRow {
    fn from(map: Map<String, Json>) -> RawRow {
        // A map's keys are distinct.
        let (names, values) = map.into_iter().map(|(k, v)| (Arc::from(k), v)).unzip();
        RawRow {
            names: Arc::new(names),
            values,
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
    type IntoIter = std::iter::Zip<std::vec::IntoIter<FieldName>, std::vec::IntoIter<Json>>;
    fn into_iter(self) -> Self::IntoIter {
        Arc::unwrap_or_clone(self.names)
            .into_iter()
            .zip(self.values)
    }
}

/// Same fields and values, in any order: a raw row equals the JSON object it was read from.
impl PartialEq<Map<String, Json>> for RawRow {
    fn eq(&self, map: &Map<String, Json>) -> bool {
        self.len() == map.len() && self.iter().all(|(k, v)| map.get(&**k) == Some(v))
    }
}

impl Serialize for RawRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
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

/// The distinct field names of a page, in first-seen order, and the shape of the last row read. Rows repeat the
/// same names in the same order, so the name at a row's position is tried first, and a row is read as the list of
/// its names' numbers here: a row of the last row's shape shares its names without touching them.
#[derive(Default)]
struct Names {
    names: Vec<FieldName>,
    /// The last row's names, as numbers into `names` and as the row keeps them.
    last: Vec<usize>,
    last_shape: RowShape,
}

impl Names {
    /// The number of `key` in `names`, added if new.
    fn intern(&mut self, key: &str, position: usize) -> usize {
        if let Some(n) = self.last.get(position).filter(|&&i| &*self.names[i] == key) {
            return *n;
        }
        if let Some(i) = self.names.iter().position(|n| &**n == key) {
            return i;
        }
        self.names.push(Arc::from(key));
        self.names.len() - 1
    }

    /// The shared names of a row whose names are `row` (numbers into `names`).
    fn shape(&mut self, row: &[usize]) -> RowShape {
        if row != self.last.as_slice() {
            self.last_shape = Arc::new(row.iter().map(|&i| self.names[i].clone()).collect());
            self.last.clear();
            self.last.extend_from_slice(row);
        }
        self.last_shape.clone()
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
        let capacity = map.size_hint().unwrap_or(self.names.last.len());
        let mut row: Vec<usize> = Vec::with_capacity(capacity);
        let mut values: Vec<Json> = Vec::with_capacity(capacity);
        while let Some(name) = map.next_key_seed(KeySeed {
            names: &mut *self.names,
            position: row.len(),
        })? {
            let value: Json = map.next_value()?;
            // A repeated name keeps its first place and its last value.
            match row.iter().position(|&i| i == name) {
                Some(i) => values[i] = value,
                None => {
                    row.push(name);
                    values.push(value);
                }
            }
        }
        Ok(RawRow {
            names: self.names.shape(&row),
            values,
        })
    }
}

struct KeySeed<'n> {
    names: &'n mut Names,
    position: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<usize, E> {
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
    fn rows_of_one_shape_share_their_list_of_names() {
        let page: RawPage = serde_json::from_str(
            r#"[{"A": 1, "B": "x"}, {"A": 2, "B": "y"}, {"B": "z", "A": 3}, {"B": 4, "A": 5, "B": 6}]"#,
        )
        .unwrap();
        let rows = &page.0;
        assert!(
            Arc::ptr_eq(rows[0].shape(), rows[1].shape()),
            "same names in the same order: one list"
        );
        assert!(!Arc::ptr_eq(rows[1].shape(), rows[2].shape()));
        assert_eq!(
            rows[2].shape(),
            rows[3].shape(),
            "a repeated name keeps its first place"
        );
        assert_eq!(rows[3].get("B"), Some(&json!(6)), "and its last value");
        assert_eq!(
            serde_json::to_string(&rows[2]).unwrap(),
            r#"{"B":"z","A":3}"#
        );
        let mut changed = rows[0].clone();
        changed.insert(Arc::from("C"), json!(7));
        assert_eq!(
            rows[1].len(),
            2,
            "changing a row's names copies the shared list first"
        );
        assert_eq!(changed.get("C"), Some(&json!(7)));
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
