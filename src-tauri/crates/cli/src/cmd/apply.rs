//! `syncflow-cli apply CONFIG.toml`: saves the file's connections and entities (idempotent). See CONFIG.md.

use super::common::{app, print_json, runtime, DbArg};
use std::path::PathBuf;
use syncflow_core::config_file::ConfigFile;

/// Save connections and entities from a TOML file (see CONFIG.md); running it again changes nothing.
#[derive(clap::Args)]
pub struct Args {
    /// The configuration file.
    pub config: PathBuf,
}

pub fn run(a: Args, db: &DbArg) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&a.config)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", a.config.display()))?;
    let file: ConfigFile = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a valid configuration: {e}", a.config.display()))?;
    let app = app(db)?;
    let report = runtime()?.block_on(app.apply_config(&file))?;
    print_json(&report)?;
    if !report.hashes_changed.is_empty() {
        eprintln!(
            "note: the change to {} alters data hashes; run `sync --full` for a full refresh",
            report.hashes_changed.join(", ")
        );
    }
    Ok(())
}
