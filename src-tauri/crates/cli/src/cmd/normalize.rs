//! `syncflow-cli normalize`: runs rows through the five normalization layers with an entity's column types and
//! field mappings, to see what SyncFlow would send, or why it refuses a row.

use crate::lines::each_line;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};
use std::path::PathBuf;
use syncflow_core::normalize::{
    validate_entity_config, ColumnDef, ConfigError, DateOrder, DecimalSeparator, EntityConfig,
    FieldMapping, NormalizeOptions, Normalizer,
};
use syncflow_core::value::{Row, RowError};

/// Normalize rows read as JSON lines, the way a sync would before hashing and loading them.
///
/// Each stdin line is {"row": {...}} with the row as APISmith sends it. Each stdout line is {"row": {...}} with
/// the normalized, mapped row, or {"error": {"stage", "field", "value", "message"}} saying why the row is refused.
///
/// Example:
///   echo '{"row": {"QTY": "1,234.50", "DUE": "15/01/2025"}}' \
///     | syncflow-cli normalize --columns columns.json
/// with columns.json: [{"name": "QTY", "data_type": "NUMBER(10,2)"}, {"name": "DUE", "data_type": "DATE"}]
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// JSON file with the entity's columns, as APISmith lists them: [{"name", "data_type", ...}, ...]
    #[arg(long, value_name = "COLUMNS.json")]
    columns: PathBuf,
    /// JSON file with field mappings: [{"source_field", "target_field", "transformation", "default_value",
    /// "is_required"}, ...]
    #[arg(long, value_name = "MAPPINGS.json")]
    mappings: Option<PathBuf>,
    /// Character that separates decimals in number text: "." (1,234.56) or "," (1.234,56)
    #[arg(long, default_value = ".", value_name = "SEP")]
    decimal_separator: DecimalSeparator,
    /// Whether 03/04/2025 is day-first (DMY) or month-first (MDY)
    #[arg(long, default_value = "DMY", value_name = "ORDER")]
    date_order: DateOrder,
    /// IANA time zone the source writes naive date-times in (e.g. Europe/Istanbul); they are converted to UTC
    #[arg(long, value_name = "ZONE")]
    source_timezone: Option<chrono_tz::Tz>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    row: Map<String, Json>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Output<'a> {
    Row { row: &'a Row },
    Error { error: &'a RowError },
}

fn read_json<T: serde::de::DeserializeOwned>(path: &PathBuf, what: &str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {what} file {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{what} file {} is not valid", path.display()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let columns: Vec<ColumnDef> = read_json(&args.columns, "columns")?;
    let mappings: Vec<FieldMapping> = match &args.mappings {
        Some(p) => read_json(p, "mappings")?,
        None => Vec::new(),
    };
    // Same checks as saving the entity in the app, minus business keys (this tool does not need them).
    let errors: Vec<String> = validate_entity_config(EntityConfig {
        columns: &columns,
        mappings: &mappings,
        business_keys: &[],
        rowversion_field: None,
    })
    .into_iter()
    .filter(|e| !matches!(e, ConfigError::NoBusinessKey))
    .map(|e| e.to_string())
    .collect();
    if !errors.is_empty() {
        anyhow::bail!(
            "the configuration would be refused:\n  {}",
            errors.join("\n  ")
        );
    }
    let opts = NormalizeOptions {
        decimal_separator: args.decimal_separator,
        date_order: args.date_order,
        source_timezone: args.source_timezone,
    };
    let normalizer = Normalizer::new(&columns, &mappings, opts).map_err(anyhow::Error::msg)?;
    each_line(|line| match serde_json::from_str::<Input>(line) {
        Err(e) => json!({"error": {"stage": "input", "field": null, "value": null,
                                   "message": format!("not a normalize request: {e}")}})
        .to_string(),
        // Written with the row's own serializer, not through `json!`: that would turn exact decimals into floats.
        Ok(input) => match normalizer.normalize(input.row) {
            Ok(row) => serde_json::to_string(&Output::Row { row: &row }),
            Err(rejected) => serde_json::to_string(&Output::Error {
                error: &rejected.error,
            }),
        }
        .unwrap_or_else(|e| {
            json!({"error": {"stage": "output", "message": e.to_string()}}).to_string()
        }),
    })
}
