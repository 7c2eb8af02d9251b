//! `syncflow-cli runs list|show`: run history and one run's summary.

use super::common::{app, print_json, DbArg};
use syncflow_core::model::RunFilter;
use syncflow_core::store::{entities, runs};

/// Run history.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Newest runs first.
    List {
        #[arg(long)]
        entity: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One run with its counters, cursor, summary and throughput samples.
    Show { run: String },
}

pub fn run(a: Args, db: &DbArg) -> anyhow::Result<()> {
    let app = app(db)?;
    match a.command {
        Cmd::List { entity, limit } => {
            let entity_id = entity
                .map(|e| entities::find(&app.db, &e).map(|e| e.id.to_string()))
                .transpose()?;
            print_json(&runs::list(
                &app.db,
                &RunFilter {
                    entity_id,
                    ..RunFilter::newest(limit)
                },
            )?)
        }
        Cmd::Show { run } => {
            let r = runs::get(&app.db, run.parse()?)?;
            let samples: Vec<serde_json::Value> = runs::samples(&app.db, r.id)?
                .into_iter()
                .map(|s| {
                    serde_json::json!({
                        "elapsed_ms": s.elapsed_ms, "rows_done": s.rows_done, "rows_per_sec": s.rows_per_sec,
                    })
                })
                .collect();
            print_json(&serde_json::json!({
                "id": r.id, "entity_id": r.entity_id, "status": r.status, "trigger": r.trigger,
                "full_refresh": r.full_refresh, "started_at": r.started_at, "finished_at": r.finished_at,
                "counters": r.counters, "cursor": r.cursor.as_deref().and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok()),
                "watermark_before": r.watermark_before, "watermark_after": r.watermark_after,
                "error": r.error_message, "resumed_from": r.resumed_from, "held_deletes": r.held_deletes,
                "summary": r.summary.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()),
                "samples": samples,
            }))
        }
    }
}
