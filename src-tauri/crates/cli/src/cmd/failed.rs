//! `syncflow-cli failed list|show|retry|export`: the failed-record queue.

use super::common::{app, print_json, runtime, DbArg};
use std::path::PathBuf;
use syncflow_core::app::{ExportFormat, RetrySelection};
use syncflow_core::model::{FailedRecordFilter, Stage};
use syncflow_core::store::{entities, failed_records};

/// Rows that could not go through.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(clap::Args, Clone)]
pub struct Filter {
    #[arg(long)]
    pub entity: Option<String>,
    #[arg(long)]
    pub run: Option<String>,
    /// fetch, normalize, validate, identity, resolve, load.
    #[arg(long)]
    pub stage: Option<String>,
    /// Text in the message, the key or the value.
    #[arg(long)]
    pub search: Option<String>,
    #[arg(long)]
    pub include_resolved: bool,
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

#[derive(clap::Subcommand)]
pub enum Cmd {
    List(Filter),
    /// One record with its raw, normalized and mapped snapshots.
    Show {
        id: String,
    },
    /// Re-run records through the current configuration and load them.
    Retry {
        /// Failed record ids.
        ids: Vec<String>,
        /// Every open record of this entity.
        #[arg(long, conflicts_with = "ids")]
        entity: Option<String>,
    },
    /// Write records (with snapshots) as CSV or JSON.
    Export {
        #[command(flatten)]
        filter: Filter,
        #[arg(long, default_value = "csv")]
        format: String,
        /// Output file; stdout when absent.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

fn to_filter(
    app: &syncflow_core::app::SyncFlow,
    f: &Filter,
    export: bool,
) -> anyhow::Result<FailedRecordFilter> {
    Ok(FailedRecordFilter {
        entity_id: f
            .entity
            .as_deref()
            .map(|e| entities::find(&app.db, e).map(|e| e.id.to_string()))
            .transpose()?,
        run_id: f.run.clone(),
        stage: f
            .stage
            .as_deref()
            .map(str::parse::<Stage>)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        error_type: None,
        search: f.search.clone(),
        include_resolved: f.include_resolved,
        offset: 0,
        limit: if export { 0 } else { f.limit },
    })
}

pub fn run(a: Args, db: &DbArg) -> anyhow::Result<()> {
    let app = app(db)?;
    match a.command {
        Cmd::List(f) => print_json(&failed_records::list(
            &app.db,
            &to_filter(&app, &f, false)?,
        )?),
        Cmd::Show { id } => print_json(&app.failed_detail(id.parse()?)?),
        Cmd::Retry { ids, entity } => {
            let sel = match entity {
                Some(e) => RetrySelection::Entity(e),
                None => {
                    anyhow::ensure!(!ids.is_empty(), "name record ids, or --entity");
                    RetrySelection::Some(ids.iter().map(|i| i.parse()).collect::<Result<_, _>>()?)
                }
            };
            print_json(&runtime()?.block_on(app.retry_failed(sel))?)
        }
        Cmd::Export {
            filter,
            format,
            output,
        } => {
            let format = match format.as_str() {
                "csv" => ExportFormat::Csv,
                "json" => ExportFormat::Json,
                other => anyhow::bail!("format is csv or json, not {other}"),
            };
            let f = to_filter(&app, &filter, true)?;
            let n = match output {
                Some(p) => app.export_failed(&f, format, &mut std::fs::File::create(&p)?)?,
                None => app.export_failed(&f, format, &mut std::io::stdout().lock())?,
            };
            eprintln!("{n} failed records exported");
            Ok(())
        }
    }
}
