//! `syncflow-cli hash`: the identity of rows (canonical strings and hashes), to compare with another system or
//! to find out why two records are or are not the same record.

use crate::lines::each_line;
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};
use syncflow_core::identity::{bk_hash_of, data_hash_of, Exclusions, Identifier};
use syncflow_core::value::Row;

/// Compute business-key and data hashes (canonical form v1) for rows read as JSON lines.
///
/// Each stdin line is {"row": {...}, "business_key_fields": ["..."], "entity_name": "...", "rowversion_field":
/// "..."} (the last two optional). Each stdout line is {"bk_hash", "bk_canonical", "data_hash", "data_canonical",
/// "erp_ref_str"} or {"error": "..."}. Rows are hashed as given: run them through `normalize` first to get the
/// hashes a sync would store.
///
/// Example:
///   echo '{"row": {"item_id": "A1", "qty": 5}, "business_key_fields": ["item_id"], "entity_name": "items"}' \
///     | syncflow-cli hash
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    row: Map<String, Json>,
    business_key_fields: Vec<String>,
    #[serde(default)]
    entity_name: Option<String>,
    #[serde(default)]
    rowversion_field: Option<String>,
}

fn hash_line(line: &str) -> Result<Json, String> {
    let input: Input =
        serde_json::from_str(line).map_err(|e| format!("not a hash request: {e}"))?;
    let id = Identifier::new(
        input.entity_name.as_deref().unwrap_or(""),
        &input.business_key_fields,
        input.rowversion_field.as_deref(),
        Exclusions::Default,
    )
    .map_err(|e| e.to_string())?;
    let row = Row::from_json_map(input.row);
    let bk = id.bk_canonical(&row).map_err(|e| e.to_string())?;
    let data = id.data_canonical(&row);
    Ok(json!({
        "bk_hash": bk_hash_of(&bk).to_string(),
        "bk_canonical": bk,
        "data_hash": data_hash_of(&data).to_string(),
        "data_canonical": data,
        "erp_ref_str": id.ref_str(&row),
    }))
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    each_line(|line| {
        hash_line(line)
            .unwrap_or_else(|e| json!({ "error": e }))
            .to_string()
    })
}
