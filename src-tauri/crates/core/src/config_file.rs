//! The declarative configuration file (`syncflow-cli apply`, documented in the CLI's CONFIG.md): connections and
//! entities by name. Applying it is idempotent: entities take their defaults (keys, strategy, rowversion, columns)
//! from APISmith's API definition, and are saved parents first with the store's validation.

use crate::config::{ConnectionDef, EntityDef, ParentRefDef, DEFAULT_PAGE_SIZE};
use crate::model::{AuthKind, ConnectionKind, Strategy};
use crate::normalize::FieldMapping;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionEntry>,
    #[serde(default)]
    pub entities: BTreeMap<String, EntityEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionEntry {
    pub kind: ConnectionKind,
    pub url: String,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub token_env: Option<String>,
    /// Keychain entry; default `connection:<name>`.
    pub credential_key: Option<String>,
    pub ca_file: Option<String>,
    pub decimal_separator: Option<String>,
    pub date_order: Option<String>,
    pub source_timezone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityEntry {
    pub source: String,
    pub slug: String,
    pub target: String,
    /// ScheduleHub's entity name; default: the entity's name.
    pub target_entity: Option<String>,
    /// The PostgreSQL table, for an entity whose target is a postgres connection; default: the entity's name.
    pub table: Option<String>,
    pub business_keys: Option<Vec<String>>,
    pub strategy: Option<Strategy>,
    pub rowversion_field: Option<String>,
    pub enabled: Option<bool>,
    pub max_delete_ratio: Option<f64>,
    pub page_size: Option<u32>,
    #[serde(default)]
    pub parents: BTreeMap<String, ParentEntry>,
    #[serde(default)]
    pub mappings: Vec<MappingEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentEntry {
    pub entity: String,
    /// child field = parent field.
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingEntry {
    pub source: String,
    pub target: String,
    pub transformation: Option<String>,
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub required: bool,
}

impl ConnectionEntry {
    pub fn to_def(&self, name: &str) -> Result<ConnectionDef, String> {
        let auth_kind = if self.token_env.is_some() {
            AuthKind::Token
        } else if self.username.is_some() {
            AuthKind::Password
        } else {
            AuthKind::None
        };
        Ok(ConnectionDef {
            name: name.into(),
            kind: self.kind,
            base_url: self.url.clone(),
            auth_kind,
            username: self.username.clone(),
            credential_key: self.credential_key.clone(),
            secret_env: self.token_env.clone().or(self.password_env.clone()),
            ca_file: self.ca_file.clone(),
            decimal_separator: self
                .decimal_separator
                .as_deref()
                .map(str::parse)
                .transpose()?
                .unwrap_or_default(),
            date_order: self
                .date_order
                .as_deref()
                .map(str::parse)
                .transpose()?
                .unwrap_or_default(),
            source_timezone: self.source_timezone.clone(),
        })
    }
}

impl EntityEntry {
    /// The entity definition, with what the file leaves out taken from the API definition (`api`).
    pub fn to_def(&self, name: &str, api: Option<&EntityDef>) -> EntityDef {
        EntityDef {
            name: name.into(),
            source_connection: self.source.clone(),
            slug: self.slug.clone(),
            target_connection: self.target.clone(),
            target_name: self
                .table
                .clone()
                .or_else(|| self.target_entity.clone())
                .unwrap_or_else(|| name.into()),
            business_keys: self
                .business_keys
                .clone()
                .or(api.map(|a| a.business_keys.clone()))
                .unwrap_or_default(),
            strategy: self
                .strategy
                .or(api.map(|a| a.strategy))
                .unwrap_or(Strategy::Full),
            rowversion_field: self
                .rowversion_field
                .clone()
                .or(api.and_then(|a| a.rowversion_field.clone())),
            columns: api.map(|a| a.columns.clone()).unwrap_or_default(),
            mappings: self
                .mappings
                .iter()
                .map(|m| FieldMapping {
                    source_field: m.source.clone(),
                    target_field: m.target.clone(),
                    transformation: m.transformation.clone(),
                    default_value: m.default.clone(),
                    is_required: m.required,
                })
                .collect(),
            parents: self
                .parents
                .iter()
                .map(|(ref_name, p)| ParentRefDef {
                    ref_name: ref_name.clone(),
                    parent_entity: p.entity.clone(),
                    child_fields: p.fields.keys().cloned().collect(),
                    parent_fields: p.fields.values().cloned().collect(),
                })
                .collect(),
            enabled: self.enabled.unwrap_or(true),
            max_delete_ratio: self
                .max_delete_ratio
                .unwrap_or(crate::delta::DeleteCheck::DEFAULT_MAX_DELETE_RATIO),
            page_size: self.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
        }
    }
}

/// Entity names of the file, parents first (a parent outside the file is assumed stored already).
pub fn parent_first(file: &ConfigFile) -> Vec<String> {
    let mut left: Vec<&String> = file.entities.keys().collect();
    let mut out: Vec<String> = Vec::new();
    while !left.is_empty() {
        let i = left
            .iter()
            .position(|n| {
                file.entities[*n].parents.values().all(|p| {
                    &p.entity == *n
                        || out.contains(&p.entity)
                        || !file.entities.contains_key(&p.entity)
                })
            })
            .unwrap_or(0);
        out.push(left.remove(i).clone());
    }
    out
}
