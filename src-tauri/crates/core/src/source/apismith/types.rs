//! The JSON shapes of APISmith's discovery and execute calls.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connector {
    pub uid: String,
    pub name: String,
    #[serde(default)]
    pub is_active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiColumn {
    pub name: String,
    #[serde(default)]
    pub data_type: Option<String>,
    #[serde(default)]
    pub is_nullable: bool,
    #[serde(default)]
    pub is_business_key: bool,
    #[serde(default)]
    pub is_row_version: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiDefinition {
    pub uid: String,
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub connector_uid: Option<String>,
    #[serde(default)]
    pub is_active: bool,
    #[serde(default)]
    pub columns: Vec<ApiColumn>,
    #[serde(default)]
    pub business_key_columns: Vec<String>,
    #[serde(default)]
    pub rowversion_column: Option<String>,
    /// `full`, `rowversion` or `hash`.
    pub delta_strategy: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiList {
    pub items: Vec<ApiDefinition>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    pub total_pages: u64,
}

/// One execute filter; the value is always sent as a string, as the contract shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub field: String,
    /// `=`, `!=`, `>`, `>=`, `<`, `<=`.
    pub operator: String,
    pub value: String,
}

impl Filter {
    pub fn new(field: impl Into<String>, operator: &str, value: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            operator: operator.into(),
            value: value.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub field: String,
    pub direction: Direction,
}
