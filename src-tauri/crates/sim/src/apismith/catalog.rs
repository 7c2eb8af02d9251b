//! The simulated ERP's catalogue: the three API definitions (sites, work areas, inventory items) with Oracle-typed
//! column metadata, business keys and the rowversion column, exactly as discovery (A3/A4) shows them.

use serde::Serialize;
use serde_json::{json, Value};

/// Which generator serves an API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Sites,
    WorkAreas,
    Items,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Sites, Kind::WorkAreas, Kind::Items];

    pub fn slug(self) -> &'static str {
        match self {
            Kind::Sites => "sites",
            Kind::WorkAreas => "work-areas",
            Kind::Items => "inventory-items",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Sites => SITE_COLUMNS,
            Kind::WorkAreas => WORK_AREA_COLUMNS,
            Kind::Items => ITEM_COLUMNS,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Column {
    pub name: &'static str,
    pub data_type: &'static str,
    pub is_nullable: bool,
    pub is_business_key: bool,
    pub is_row_version: bool,
}

const fn col(name: &'static str, data_type: &'static str, is_nullable: bool) -> Column {
    Column {
        name,
        data_type,
        is_nullable,
        is_business_key: false,
        is_row_version: false,
    }
}
const fn bk(name: &'static str, data_type: &'static str) -> Column {
    Column {
        name,
        data_type,
        is_nullable: false,
        is_business_key: true,
        is_row_version: false,
    }
}
const ROWVERSION: Column = Column {
    name: "ROWVERSION",
    data_type: "VARCHAR2(18)",
    is_nullable: false,
    is_business_key: false,
    is_row_version: true,
};

pub const RV_COLUMN: &str = "ROWVERSION";

static SITE_COLUMNS: &[Column] = &[
    bk("SITE_ID", "VARCHAR2(20)"),
    col("SITE_NAME", "NVARCHAR2(100)", false),
    col("COUNTRY", "CHAR(2)", true),
    col("CITY", "NVARCHAR2(60)", true),
    col("CAPACITY", "NUMBER(10,2)", true),
    col("OPENED_ON", "DATE", true),
    col("IS_ACTIVE", "CHAR(1)", false),
    ROWVERSION,
];

static WORK_AREA_COLUMNS: &[Column] = &[
    bk("SITE_ID", "VARCHAR2(20)"),
    bk("WORK_AREA_CODE", "VARCHAR2(30)"),
    col("NAME", "NVARCHAR2(100)", true),
    col("CAPACITY_HOURS", "NUMBER(8,2)", true),
    col("SHIFT_PATTERN", "VARCHAR2(20)", true),
    col("CREATED_ON", "DATE", true),
    col("LAST_CHANGED", "TIMESTAMP(6)", true),
    ROWVERSION,
];

static ITEM_COLUMNS: &[Column] = &[
    bk("ITEM_ID", "VARCHAR2(30)"),
    bk("SITE_ID", "VARCHAR2(20)"),
    col("DESCRIPTION", "NVARCHAR2(400)", true),
    col("CATEGORY", "NVARCHAR2(50)", true),
    col("QUANTITY", "NUMBER(12,2)", true),
    col("UNIT_COST", "NUMBER(14,4)", true),
    col("UOM", "VARCHAR2(10)", true),
    col("LEAD_TIME_DAYS", "NUMBER(5)", true),
    col("IS_ACTIVE", "CHAR(1)", false),
    col("LAST_RECEIPT_DATE", "DATE", true),
    col("UPDATED_AT", "TIMESTAMP(6)", true),
    ROWVERSION,
];

/// The `ApiDefinition` JSON of the contract for one API.
pub fn definition(kind: Kind) -> Value {
    let (uid, name, description) = match kind {
        Kind::Sites => (
            "api-0001",
            "Sites",
            "Production sites (parents of work areas and items)",
        ),
        Kind::WorkAreas => ("api-0002", "Work areas", "Work areas per site"),
        Kind::Items => ("api-0003", "Inventory items", "Inventory items per site"),
    };
    let cols = kind.columns();
    let bks: Vec<&str> = cols
        .iter()
        .filter(|c| c.is_business_key)
        .map(|c| c.name)
        .collect();
    json!({
        "uid": uid,
        "slug": kind.slug(),
        "name": name,
        "description": description,
        "connector_uid": CONNECTOR_UID,
        "is_active": true,
        "columns": cols,
        "business_key_columns": bks,
        "rowversion_column": RV_COLUMN,
        "delta_strategy": "rowversion",
    })
}

pub const CONNECTOR_UID: &str = "conn-oracle-erp-01";

/// The connector list of A2.
pub fn connectors() -> Value {
    json!([{"uid": CONNECTOR_UID, "name": "Oracle ERP (simulated)", "is_active": true}])
}
