//! The configuration a planner saves: connections and entities (keys, strategy, columns, mappings, parent refs),
//! as plain data the store, the CLI's TOML file and the shell share. Validation lives in `store::entities::save`.

use crate::model::{AuthKind, ConnectionKind, Strategy};
use crate::normalize::{ColumnDef, DateOrder, DecimalSeparator, FieldMapping};
use serde::{Deserialize, Serialize};

/// One APISmith or ScheduleHub instance. The secret itself is never here: `credential_key` names the keychain
/// entry and `secret_env` an environment variable that, when set, wins (headless servers, CI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDef {
    pub name: String,
    pub kind: ConnectionKind,
    pub base_url: String,
    pub auth_kind: AuthKind,
    pub username: Option<String>,
    pub credential_key: Option<String>,
    pub secret_env: Option<String>,
    pub ca_file: Option<String>,
    pub decimal_separator: DecimalSeparator,
    pub date_order: DateOrder,
    pub source_timezone: Option<String>,
}

/// A parent reference: the parent BK is `{parent_fields[i]: row[child_fields[i]]}` under the parent's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ParentRefDef {
    pub ref_name: String,
    /// The parent entity's name.
    pub parent_entity: String,
    pub parent_fields: Vec<String>,
    pub child_fields: Vec<String>,
}

/// One entity, as saved. Connections and parents are named, not referenced by id, so a config file can say them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EntityDef {
    pub name: String,
    pub source_connection: String,
    pub slug: String,
    pub target_connection: String,
    /// ScheduleHub's entity name (`{entity}` in its paths).
    pub target_name: String,
    /// Field names after mapping.
    pub business_keys: Vec<String>,
    pub rowversion_field: Option<String>,
    pub strategy: Strategy,
    pub columns: Vec<ColumnDef>,
    pub mappings: Vec<FieldMapping>,
    pub parents: Vec<ParentRefDef>,
    pub enabled: bool,
    pub max_delete_ratio: f64,
    pub page_size: u32,
}

pub const DEFAULT_PAGE_SIZE: u32 = 5000;

impl EntityDef {
    /// The source column a field (after mapping) comes from: its mapping's source, else itself.
    pub fn source_of<'a>(&'a self, field: &'a str) -> &'a str {
        self.mappings
            .iter()
            .find(|m| m.target_field == field)
            .map_or(field, |m| m.source_field.as_str())
    }
}

/// A stored entity: its definition plus what the store and runs keep about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub id: crate::ids::EntityId,
    pub def: EntityDef,
    pub watermark: Option<String>,
    pub canonical_version: u32,
    pub schema_drift: Option<serde_json::Value>,
}

/// Entity definitions for unit tests: the parts every test spells the same, so a test names only what it is about.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::EntityDef;
    use crate::model::Strategy;
    use crate::normalize::ColumnDef;

    /// A nullable column of APISmith type `ty`; `is_business_key` and `is_row_version` are for the test to set.
    pub fn column(name: &str, ty: &str) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            data_type: Some(ty.into()),
            is_nullable: true,
            is_business_key: false,
            is_row_version: false,
        }
    }

    /// Entity `name` from connection `erp` (API `name`) to `plan` (target `name`), enabled, pages of 100, with no
    /// mappings or parents; the test sets those, and other connections, by struct update.
    pub fn entity(
        name: &str,
        business_keys: &[&str],
        rowversion_field: Option<&str>,
        strategy: Strategy,
        columns: Vec<ColumnDef>,
    ) -> EntityDef {
        EntityDef {
            name: name.into(),
            source_connection: "erp".into(),
            slug: name.into(),
            target_connection: "plan".into(),
            target_name: name.into(),
            business_keys: business_keys.iter().map(|&k| k.into()).collect(),
            rowversion_field: rowversion_field.map(Into::into),
            strategy,
            columns,
            mappings: vec![],
            parents: vec![],
            enabled: true,
            max_delete_ratio: 0.2,
            page_size: 100,
        }
    }
}
