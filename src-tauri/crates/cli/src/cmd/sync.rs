//! `syncflow-cli sync ENTITY… | --all [--full] [--json]`: runs entities (parents first for --all), with a
//! progress bar on a terminal, or one JSON summary per run on stdout. Exits non-zero when a run failed.

use super::common::{app, runtime, DbArg};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::io::IsTerminal;
use std::sync::Arc;
use syncflow_core::model::RunStatus;
use syncflow_core::pipeline::{RunEvent, RunOptions, RunOutcome};
use syncflow_core::store::entities;

/// Run the sync for some entities (or all, parents first).
#[derive(clap::Args)]
pub struct Args {
    /// Entity names or ids.
    pub entities: Vec<String>,
    /// Every enabled entity, parents before children.
    #[arg(long, conflicts_with = "entities")]
    pub all: bool,
    /// Read everything and detect deletes, whatever the entity's strategy.
    #[arg(long)]
    pub full: bool,
    /// One JSON object per run on stdout instead of a progress bar.
    #[arg(long)]
    pub json: bool,
}

pub fn summary(o: &RunOutcome) -> serde_json::Value {
    let c = o.report.counters;
    json!({
        "run_id": o.run_id, "entity": o.entity_name, "status": o.status,
        "fetched": c.fetched, "inserted": c.inserted, "updated": c.updated, "deleted": c.deleted,
        "skipped": c.skipped, "failed": c.failed, "pending": c.pending, "duplicates": c.duplicates,
        "duration_ms": o.report.duration_ms, "rows_per_sec": o.report.rows_per_sec, "error": o.error,
    })
}

pub fn run(a: Args, db: &DbArg) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.all || !a.entities.is_empty(),
        "name at least one entity, or --all"
    );
    let bar = (!a.json && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template(
                "{msg:20} [{bar:30}] {pos}/{len} rows {per_sec} {elapsed}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b
    });
    let mut app = app(db)?;
    if let Some(b) = bar.clone() {
        app = app.with_events(Arc::new(move |e| match e {
            RunEvent::Started { entity_name, .. } => {
                b.reset();
                b.set_message(entity_name);
            }
            RunEvent::Progress {
                rows_done,
                rows_total,
                ..
            } => {
                if let Some(t) = rows_total {
                    b.set_length(t);
                }
                b.set_position(rows_done);
            }
            _ => {}
        }));
    }
    let names: Vec<String> = if a.all {
        entities::all_parent_first(&app.db)?
            .into_iter()
            .filter(|e| e.def.enabled)
            .map(|e| e.def.name)
            .collect()
    } else {
        a.entities.clone()
    };
    let opts = RunOptions {
        full: a.full,
        trigger: "cli".into(),
        row_budget: None,
    };
    let rt = runtime()?;
    let mut failed = false;
    for name in names {
        let outcome = rt.block_on(async {
            let h = app.start_run(&name, opts.clone())?;
            // Ctrl-C cancels the run at its next page; the checkpoint keeps what was done.
            let cancel = h.cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    cancel.cancel();
                }
            });
            Ok::<_, anyhow::Error>(h.join.await?)
        })?;
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        failed |= outcome.status == RunStatus::Failed;
        if a.json {
            println!("{}", summary(&outcome));
        } else {
            let c = outcome.report.counters;
            eprintln!(
                "{}: {} — {} fetched, {} inserted, {} updated, {} deleted, {} skipped, {} failed, {} pending, {} duplicates in {:.1}s ({:.0} rows/s){}",
                outcome.entity_name, outcome.status.as_str(), c.fetched, c.inserted, c.updated, c.deleted, c.skipped,
                c.failed, c.pending, c.duplicates, outcome.report.duration_ms as f64 / 1000.0, outcome.report.rows_per_sec,
                outcome.error.as_ref().map(|e| format!(" — {e}")).unwrap_or_default()
            );
        }
    }
    if failed {
        std::process::exit(1);
    }
    Ok(())
}
