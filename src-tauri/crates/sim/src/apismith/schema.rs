//! Schema changes made to an API at run time (`POST /_sim/schema`), as when an ERP admin edits the APISmith API:
//! columns added (with a constant value in every row), dropped, or retyped. The definition (A3/A4), the rows of
//! `execute` (A5) and the fields a query may name all follow the change.

use super::catalog::Kind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A column the API gains: every row carries `value` under `name`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AddedColumn {
    pub name: String,
    pub data_type: String,
    #[serde(default)]
    pub value: Value,
}

/// `POST /_sim/schema`: changes are cumulative until `reset`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchemaChange {
    pub slug: String,
    pub add: Vec<AddedColumn>,
    pub drop: Vec<String>,
    /// `(column, new data type)`.
    pub retype: Vec<(String, String)>,
    /// Back to the catalogue's columns first.
    pub reset: bool,
}

/// The changes in force for one API.
#[derive(Debug, Clone, Default)]
pub struct Drift {
    /// Names are leaked once per added column so rows can keep `&'static str` keys (a test control, not a hot path).
    added: Vec<(&'static str, String, Value)>,
    dropped: Vec<String>,
    retyped: Vec<(String, String)>,
}

impl Drift {
    pub fn apply(&mut self, c: &SchemaChange) {
        if c.reset {
            *self = Drift::default();
        }
        for a in &c.add {
            self.dropped.retain(|d| *d != a.name);
            self.added.retain(|(n, _, _)| *n != a.name);
            let name: &'static str = Box::leak(a.name.clone().into_boxed_str());
            self.added
                .push((name, a.data_type.clone(), a.value.clone()));
        }
        for d in &c.drop {
            self.added.retain(|(n, _, _)| n != d);
            if !self.dropped.contains(d) {
                self.dropped.push(d.clone());
            }
        }
        for (col, t) in &c.retype {
            self.retyped.retain(|(n, _)| n != col);
            self.retyped.push((col.clone(), t.clone()));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.dropped.is_empty() && self.retyped.is_empty()
    }

    /// Whether a query may name `field`.
    pub fn knows(&self, kind: Kind, field: &str) -> bool {
        let base = kind.columns().iter().any(|c| c.name == field);
        (base && !self.dropped.iter().any(|d| d == field))
            || self.added.iter().any(|(n, _, _)| *n == field)
    }

    pub fn row(&self, row: &mut super::generate::Row) {
        if self.dropped.is_empty() && self.added.is_empty() {
            return;
        }
        row.retain(|(k, _)| !self.dropped.iter().any(|d| d == k));
        row.extend(self.added.iter().map(|(n, _, v)| (*n, v.clone())));
    }

    /// The A3/A4 definition JSON with the changes applied.
    pub fn definition(&self, mut def: Value) -> Value {
        if self.is_empty() {
            return def;
        }
        let dropped = |n: &str| self.dropped.iter().any(|d| d == n);
        if let Some(cols) = def["columns"].as_array_mut() {
            cols.retain(|c| !dropped(c["name"].as_str().unwrap_or_default()));
            for c in cols.iter_mut() {
                let name = c["name"].as_str().unwrap_or_default().to_owned();
                if let Some((_, t)) = self.retyped.iter().find(|(n, _)| *n == name) {
                    c["data_type"] = Value::String(t.clone());
                }
            }
            for (n, t, _) in &self.added {
                cols.push(
                    serde_json::json!({"name": n, "data_type": t, "is_nullable": true,
                    "is_business_key": false, "is_row_version": false}),
                );
            }
        }
        if let Some(bks) = def["business_key_columns"].as_array_mut() {
            bks.retain(|b| !dropped(b.as_str().unwrap_or_default()));
        }
        if def["rowversion_column"].as_str().is_some_and(dropped) {
            def["rowversion_column"] = Value::Null;
        }
        def
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_and_definition_follow_added_dropped_and_retyped_columns() {
        let mut d = Drift::default();
        d.apply(&SchemaChange {
            slug: "sites".into(),
            add: vec![AddedColumn {
                name: "REGION".into(),
                data_type: "VARCHAR2(10)".into(),
                value: json!("EU"),
            }],
            drop: vec!["CITY".into()],
            retype: vec![("CAPACITY".into(), "VARCHAR2(12)".into())],
            reset: false,
        });
        let mut row: super::super::generate::Row =
            vec![("SITE_ID", json!("S1")), ("CITY", json!("Oslo"))];
        d.row(&mut row);
        assert_eq!(row, vec![("SITE_ID", json!("S1")), ("REGION", json!("EU"))]);
        let def = d.definition(super::super::catalog::definition(Kind::Sites));
        let cols: Vec<&str> = def["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(!cols.contains(&"CITY") && cols.contains(&"REGION"));
        let cap = def["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "CAPACITY")
            .unwrap();
        assert_eq!(cap["data_type"], "VARCHAR2(12)");
        assert!(!d.knows(Kind::Sites, "CITY") && d.knows(Kind::Sites, "REGION"));
    }
}
