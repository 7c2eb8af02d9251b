//! Discovery and schema drift (SPEC §11): entity definitions made from APISmith's API definitions, and the
//! comparison of a run's columns with the stored ones (new columns are added, removed or retyped ones reported,
//! a missing business-key or rowversion column stops the entity).

use crate::config::{EntityDef, DEFAULT_PAGE_SIZE};
use crate::model::Strategy;
use crate::normalize::ColumnDef;
use crate::source::apismith::{ApiColumn, ApiDefinition};
use serde::{Deserialize, Serialize};

pub fn column_def(c: &ApiColumn) -> ColumnDef {
    ColumnDef {
        name: c.name.clone(),
        data_type: c.data_type.clone(),
        is_nullable: c.is_nullable,
        is_business_key: c.is_business_key,
        is_row_version: c.is_row_version,
    }
}

pub fn strategy_of(s: &str) -> Strategy {
    s.parse().unwrap_or(Strategy::Full)
}

/// An entity made from an API definition: named after the slug (`inventory-items` → `inventory_items`), keys,
/// rowversion and strategy as APISmith suggests, no mappings.
pub fn entity_from_api(api: &ApiDefinition, source: &str, target: &str) -> EntityDef {
    let name = api.slug.replace('-', "_");
    EntityDef {
        target_name: name.clone(),
        name,
        source_connection: source.into(),
        slug: api.slug.clone(),
        target_connection: target.into(),
        business_keys: api.business_key_columns.clone(),
        rowversion_field: api.rowversion_column.clone(),
        strategy: if api.rowversion_column.is_none() {
            Strategy::Hash
        } else {
            strategy_of(&api.delta_strategy)
        },
        columns: api.columns.iter().map(column_def).collect(),
        mappings: Vec::new(),
        parents: Vec::new(),
        enabled: true,
        max_delete_ratio: crate::delta::DeleteCheck::DEFAULT_MAX_DELETE_RATIO,
        page_size: DEFAULT_PAGE_SIZE,
    }
}

/// How the source's columns differ from the stored ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SchemaDrift {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// `(column, stored type, new type)`.
    pub retyped: Vec<(String, String, String)>,
    /// Set when the entity cannot run: a business-key or rowversion column is gone.
    pub fatal: Option<String>,
}

impl SchemaDrift {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.retyped.is_empty()
            && self.fatal.is_none()
    }
}

/// Compares `now` (the API definition's columns, plus any undeclared field names of the first page) with the
/// stored columns; returns the drift and the columns to store (stored ones plus the new ones).
pub fn drift(def: &EntityDef, now: &[ColumnDef]) -> (SchemaDrift, Vec<ColumnDef>) {
    let mut d = SchemaDrift::default();
    let mut columns = def.columns.clone();
    for c in now {
        match def.columns.iter().find(|s| s.name == c.name) {
            None => {
                d.added.push(c.name.clone());
                columns.push(c.clone());
            }
            Some(s) if c.data_type.is_some() && s.data_type != c.data_type => d.retyped.push((
                c.name.clone(),
                s.data_type.clone().unwrap_or_default(),
                c.data_type.clone().unwrap_or_default(),
            )),
            Some(_) => {}
        }
    }
    for s in &def.columns {
        if !now.iter().any(|c| c.name == s.name) {
            d.removed.push(s.name.clone());
        }
    }
    let mut gone = Vec::new();
    for k in &def.business_keys {
        let src = def.source_of(k);
        if d.removed.iter().any(|r| r == src) {
            gone.push(format!("business-key column '{src}'"));
        }
    }
    if let Some(rv) = &def.rowversion_field {
        let src = def.source_of(rv);
        if d.removed.iter().any(|r| r == src) {
            gone.push(format!("rowversion column '{src}'"));
        }
    }
    if !gone.is_empty() {
        d.fatal = Some(format!(
            "entity '{}' stopped: the source no longer has its {}; fix the entity's keys or the API in APISmith",
            def.name,
            gone.join(" and ")
        ));
    }
    (d, columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::fixtures::{column as col, entity};

    fn def() -> EntityDef {
        entity(
            "items",
            &["ITEM_ID"],
            Some("RV"),
            Strategy::Rowversion,
            vec![
                col("ITEM_ID", "VARCHAR2(10)"),
                col("QTY", "NUMBER"),
                col("RV", "VARCHAR2(18)"),
            ],
        )
    }

    #[test]
    fn adds_new_columns_and_reports_removed_and_retyped_ones() {
        let (d, cols) = drift(
            &def(),
            &[
                col("ITEM_ID", "VARCHAR2(10)"),
                col("QTY", "VARCHAR2(5)"),
                col("RV", "VARCHAR2(18)"),
                col("UOM", "CHAR(3)"),
            ],
        );
        assert_eq!(d.added, ["UOM"]);
        assert_eq!(
            d.retyped,
            [("QTY".into(), "NUMBER".into(), "VARCHAR2(5)".into())]
        );
        assert!(d.removed.is_empty() && d.fatal.is_none());
        assert!(
            cols.iter().any(|c| c.name == "UOM"),
            "a new column is added to the stored definition"
        );
    }

    #[test]
    fn a_missing_business_key_column_stops_the_entity() {
        let (d, _) = drift(&def(), &[col("QTY", "NUMBER"), col("RV", "VARCHAR2(18)")]);
        assert_eq!(d.removed, ["ITEM_ID"]);
        assert!(
            d.fatal
                .as_deref()
                .unwrap()
                .contains("business-key column 'ITEM_ID'"),
            "{:?}",
            d.fatal
        );
    }
}
