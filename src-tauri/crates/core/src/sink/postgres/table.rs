//! An entity's table: its columns (the entity's fields after mapping, typed from the Oracle names), the
//! `_bridge_*` columns and the unique constraint on the business key; created when missing, widened with
//! `ALTER TABLE … ADD COLUMN` when the source grows a column (SPEC §11).

use super::types::{column_name_problem, is_table_name, pg_type, quote};
use crate::config::EntityDef;
use std::collections::HashMap;

/// SyncFlow's own columns, in the order they are created.
pub const BRIDGE_COLUMNS: [(&str, &str); 7] = [
    ("_bridge_id", "uuid PRIMARY KEY"),
    ("_bridge_created_at", "timestamptz NOT NULL DEFAULT now()"),
    ("_bridge_updated_at", "timestamptz NOT NULL DEFAULT now()"),
    ("_bridge_key_hash", "text NOT NULL UNIQUE"),
    ("_bridge_data_hash", "text NOT NULL"),
    ("_bridge_rowversion", "text"),
    ("_bridge_deleted", "boolean NOT NULL DEFAULT false"),
];

/// What the table of an entity should look like.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    pub schema: String,
    pub table: String,
    /// (field name after mapping, PostgreSQL type), in the entity's column order.
    pub columns: Vec<(String, String)>,
    pub business_keys: Vec<String>,
}

impl TableSpec {
    /// The table of `def` in `schema`: its fields are the columns' names after mapping, plus mapping targets that
    /// name no column (typed `text`).
    pub fn of(def: &EntityDef, schema: &str) -> TableSpec {
        let mut columns: Vec<(String, String)> = Vec::new();
        let mut push = |name: &str, ty: String| {
            if !columns.iter().any(|(n, _)| n == name) {
                columns.push((name.to_owned(), ty));
            }
        };
        for c in &def.columns {
            let field = def
                .mappings
                .iter()
                .find(|m| m.source_field == c.name)
                .map_or(c.name.as_str(), |m| m.target_field.as_str());
            push(field, pg_type(c.data_type.as_deref()));
        }
        for m in &def.mappings {
            push(&m.target_field, "text".into());
        }
        TableSpec {
            schema: schema.to_owned(),
            table: def.target_name.clone(),
            columns,
            business_keys: def.business_keys.clone(),
        }
    }

    /// Why an entity cannot load into PostgreSQL, each problem naming the setting and the value.
    pub fn problems(def: &EntityDef) -> Vec<String> {
        let mut out = Vec::new();
        if !is_table_name(&def.target_name) {
            out.push(format!(
                "table: '{}' is not a table name (a letter or _, then letters, digits or _, at most 63 bytes)",
                def.target_name
            ));
        }
        if def.business_keys.is_empty() {
            out.push(
                "business keys: a PostgreSQL table needs at least one business-key field for its unique constraint"
                    .into(),
            );
        }
        let spec = TableSpec::of(def, "public");
        out.extend(
            spec.columns
                .iter()
                .filter_map(|(name, _)| column_name_problem(name)),
        );
        out
    }

    /// `"schema"."table"`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote(&self.schema), quote(&self.table))
    }

    pub fn type_of(&self, field: &str) -> String {
        self.columns
            .iter()
            .find(|(n, _)| n == field)
            .map_or_else(|| "text".into(), |(_, t)| t.clone())
    }

    /// `CREATE TABLE IF NOT EXISTS` with every column, the `_bridge_*` ones and the business key's constraint.
    pub fn create_sql(&self) -> String {
        let mut parts: Vec<String> = self
            .columns
            .iter()
            .map(|(n, t)| {
                let not_null = if self.business_keys.contains(n) {
                    " NOT NULL"
                } else {
                    ""
                };
                format!("{} {t}{not_null}", quote(n))
            })
            .collect();
        // A business key the columns do not declare (a mapped field without a column) is text.
        for k in &self.business_keys {
            if !self.columns.iter().any(|(n, _)| n == k) {
                parts.push(format!("{} text NOT NULL", quote(k)));
            }
        }
        parts.extend(
            BRIDGE_COLUMNS
                .iter()
                .map(|(n, t)| format!("{} {t}", quote(n))),
        );
        let keys: Vec<String> = self.business_keys.iter().map(|k| quote(k)).collect();
        parts.push(format!("UNIQUE ({})", keys.join(", ")));
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\n  {}\n)",
            self.qualified(),
            parts.join(",\n  ")
        )
    }

    pub fn add_column_sql(&self, field: &str) -> String {
        format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}",
            self.qualified(),
            quote(field),
            self.type_of(field)
        )
    }

    /// What an existing table lacks to be loaded (a table made by someone else), as one message, if anything.
    pub fn missing_in(&self, actual: &HashMap<String, String>) -> Option<String> {
        let missing: Vec<&str> = BRIDGE_COLUMNS
            .iter()
            .map(|(n, _)| *n)
            .chain(self.business_keys.iter().map(String::as_str))
            .filter(|n| !actual.contains_key(*n))
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "table {} exists but lacks the columns {}: rename it or set another table for the entity",
                self.qualified(),
                missing.join(", ")
            )
        })
    }
}

/// The columns of a table as `name → type` (`format_type`'s spelling), empty when it does not exist.
pub const COLUMNS_SQL: &str = "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)
     FROM pg_attribute a
     WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::fixtures::{column as col, entity};
    use crate::model::Strategy;
    use crate::normalize::FieldMapping;

    fn def() -> EntityDef {
        EntityDef {
            target_connection: "wh".into(),
            mappings: vec![FieldMapping {
                source_field: "ORDER_NO".into(),
                target_field: "ORDER".into(),
                transformation: None,
                default_value: None,
                is_required: false,
            }],
            ..entity(
                "orders",
                &["ORDER"],
                None,
                Strategy::Full,
                vec![
                    col("ORDER_NO", "VARCHAR2(20)"),
                    col("unit cost", "NUMBER(10,2)"),
                ],
            )
        }
    }

    #[test]
    fn the_table_has_the_mapped_columns_the_bridge_columns_and_the_business_key_constraint() {
        let spec = TableSpec::of(&def(), "public");
        assert_eq!(
            spec.columns,
            vec![
                ("ORDER".to_owned(), "varchar(20)".to_owned()),
                ("unit cost".to_owned(), "numeric(10,2)".to_owned())
            ],
            "columns carry their names after mapping"
        );
        let sql = spec.create_sql();
        assert!(sql.starts_with("CREATE TABLE IF NOT EXISTS \"public\".\"orders\""));
        assert!(sql.contains("\"ORDER\" varchar(20) NOT NULL"), "{sql}");
        assert!(sql.contains("\"unit cost\" numeric(10,2)"), "{sql}");
        assert!(sql.contains("\"_bridge_deleted\" boolean NOT NULL DEFAULT false"));
        assert!(sql.contains("UNIQUE (\"ORDER\")"), "{sql}");
        assert_eq!(
            spec.add_column_sql("new col"),
            "ALTER TABLE \"public\".\"orders\" ADD COLUMN IF NOT EXISTS \"new col\" text"
        );
    }

    #[test]
    fn an_entity_without_keys_or_with_a_bad_table_name_is_refused_naming_the_value() {
        let mut d = def();
        d.business_keys.clear();
        d.target_name = "orders; drop".into();
        let p = TableSpec::problems(&d);
        assert!(p.iter().any(|m| m.contains("'orders; drop'")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("business keys")), "{p:?}");
        assert!(TableSpec::problems(&def()).is_empty());
    }
}
