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

// Which records: the inspector's filters.
#[derive(clap::Args, Clone)]
pub struct Matching {
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
}

#[derive(clap::Args, Clone)]
pub struct Filter {
    #[command(flatten)]
    pub matching: Matching,
    #[arg(long)]
    pub include_resolved: bool,
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Failed records the filters match (open ones unless --include-resolved).
    List(Filter),
    /// One record with its raw, normalized and mapped snapshots.
    Show { id: String },
    /// Re-run records through the current configuration and load them: the ids named, or every open record the
    /// filters match (as the app's "retry all matching").
    Retry {
        /// Failed record ids.
        #[arg(conflicts_with_all = ["entity", "run", "stage", "search"])]
        ids: Vec<String>,
        #[command(flatten)]
        matching: Matching,
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
    m: &Matching,
    include_resolved: bool,
    limit: u32,
) -> anyhow::Result<FailedRecordFilter> {
    Ok(FailedRecordFilter {
        entity_id: m
            .entity
            .as_deref()
            .map(|e| entities::find(&app.db, e).map(|e| e.id.to_string()))
            .transpose()?,
        run_id: m.run.clone(),
        stage: m
            .stage
            .as_deref()
            .map(str::parse::<Stage>)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        error_type: None,
        search: m.search.clone(),
        include_resolved,
        offset: 0,
        limit,
    })
}

pub fn run(a: Args, db: &DbArg) -> anyhow::Result<()> {
    let app = app(db)?;
    match a.command {
        Cmd::List(f) => print_json(&failed_records::list(
            &app.db,
            &to_filter(&app, &f.matching, f.include_resolved, f.limit)?,
        )?),
        Cmd::Show { id } => print_json(&app.failed_detail(id.parse()?)?),
        Cmd::Retry { ids, matching } => {
            let filtered =
                matching.run.is_some() || matching.stage.is_some() || matching.search.is_some();
            let sel = match (&matching.entity, filtered) {
                (_, true) => RetrySelection::Matching(to_filter(&app, &matching, false, 0)?),
                (Some(e), false) => RetrySelection::Entity(e.clone()),
                (None, false) => {
                    anyhow::ensure!(
                        !ids.is_empty(),
                        "name record ids, or filters (--entity, --run, --stage, --search)"
                    );
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
            // An export has no paging: every match.
            let f = to_filter(&app, &filter.matching, filter.include_resolved, 0)?;
            let n = match output {
                Some(p) => app.export_failed(&f, format, &mut std::fs::File::create(&p)?)?,
                None => app.export_failed(&f, format, &mut std::io::stdout().lock())?,
            };
            eprintln!("{n} failed records exported");
            Ok(())
        }
    }
}
