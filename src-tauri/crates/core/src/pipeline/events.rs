//! What a run tells the outside world while it works: `RunEvent`s through a sink the caller provides (the desktop
//! shell forwards them to the web view, the CLI draws a progress bar), progress throttled to a few per second, and
//! the `RunReport` stored as the run's summary JSON.

use crate::ids::{EntityId, RunId};
use crate::model::RunStatus;
use crate::store::runs::Counters;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A run's broadcast, tagged by `type` (camelCase fields) for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum RunEvent {
    #[serde(rename_all = "camelCase")]
    Started {
        run_id: RunId,
        entity_id: EntityId,
        entity_name: String,
    },
    #[serde(rename_all = "camelCase")]
    Progress {
        run_id: RunId,
        entity_id: EntityId,
        /// `fetch`, `load`, `deletes`.
        stage: String,
        rows_done: u64,
        /// Known once the source reported `total_rows`.
        rows_total: Option<u64>,
        rows_per_sec: f64,
    },
    #[serde(rename_all = "camelCase")]
    Finished {
        run_id: RunId,
        entity_id: EntityId,
        status: RunStatus,
        summary: Counters,
    },
    #[serde(rename_all = "camelCase")]
    Failed {
        run_id: RunId,
        entity_id: EntityId,
        message: String,
    },
}

/// Where events go. Called from the run's task: keep it quick (send on a channel, forward to the UI).
pub type EventSink = Arc<dyn Fn(RunEvent) + Send + Sync>;

pub fn no_events() -> EventSink {
    Arc::new(|_| {})
}

/// Lets progress through at most every `every`; start, finish and failure always pass.
pub struct Throttle {
    every: Duration,
    last: Option<Instant>,
}

impl Throttle {
    pub fn new(every: Duration) -> Throttle {
        Throttle { every, last: None }
    }

    pub fn ready(&mut self, now: Instant) -> bool {
        match self.last {
            Some(t) if now.duration_since(t) < self.every => false,
            _ => {
                self.last = Some(now);
                true
            }
        }
    }
}

/// The run's summary (stored in `runs.summary`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub counters: Counters,
    pub duration_ms: u64,
    pub rows_per_sec: f64,
    pub watermark_before: Option<String>,
    pub watermark_after: Option<String>,
    pub errors: Vec<String>,
    /// Readable keys that appeared more than once in the run (first 100).
    pub duplicates: Vec<String>,
    /// Time spent per stage, milliseconds: fetch waits, CPU stages, load (delta, resolve, writes), checkpoints.
    pub stage_ms: StageTimes,
    pub deletes: Option<serde_json::Value>,
    pub schema_drift: Option<serde_json::Value>,
    pub resumed: bool,
    /// The entity's business keys the run held in memory to find its records by (its key map: a full run, or an
    /// incremental one that reads at least one row for every 256 keys of the entity), if it built one.
    /// Summaries stored before it was kept have none.
    #[serde(default)]
    pub key_map: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StageTimes {
    pub fetch: u64,
    pub transform: u64,
    pub load: u64,
    /// Parts of `load`: the index lookup, noting writes in flight, ScheduleHub's answers to the writes.
    pub delta: u64,
    pub in_flight: u64,
    pub writes: u64,
    pub checkpoint: u64,
    pub deletes: u64,
    /// Building the key map (`RunReport::key_map`; a full run's includes the fold of a tail an earlier run left due);
    /// 0 in summaries stored before it was timed.
    #[serde(default)]
    pub key_map: u64,
}

impl RunReport {
    pub const MAX_DUPLICATES: usize = 100;
    pub const MAX_ERRORS: usize = 100;

    /// Adds one line to `errors` (bounded: the summary stays small whatever went wrong).
    pub fn note_error(&mut self, e: impl Into<String>) {
        if self.errors.len() < Self::MAX_ERRORS {
            self.errors.push(e.into());
        }
    }

    /// Records the schema drift on the run: the report itself, and one readable line per change in `errors`.
    pub fn note_drift(&mut self, d: &crate::discovery::SchemaDrift) {
        self.schema_drift = Some(serde_json::to_value(d).unwrap_or_default());
        for c in &d.added {
            self.note_error(format!(
                "schema drift: new column '{c}' added to the entity"
            ));
        }
        for c in &d.removed {
            self.note_error(format!(
                "schema drift: column '{c}' is no longer sent by the source"
            ));
        }
        for (c, was, now) in &d.retyped {
            self.note_error(format!(
                "schema drift: column '{c}' changed type from {was} to {now}"
            ));
        }
        if let Some(f) = &d.fatal {
            self.note_error(format!("schema drift: {f}"));
        }
    }
    pub fn note_duplicates(&mut self, keys: &[String]) {
        let room = Self::MAX_DUPLICATES.saturating_sub(self.duplicates.len());
        self.duplicates.extend(keys.iter().take(room).cloned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_by_type_with_camel_case_fields() {
        let e = RunEvent::Progress {
            run_id: RunId::new(),
            entity_id: EntityId::new(),
            stage: "load".into(),
            rows_done: 5,
            rows_total: None,
            rows_per_sec: 1.5,
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "progress");
        assert_eq!(v["rowsDone"], 5);
        assert!(
            v.get("rowsTotal").is_some(),
            "rowsTotal is sent as null, not left out"
        );
    }

    #[test]
    fn throttle_lets_one_progress_event_through_per_interval() {
        let mut t = Throttle::new(Duration::from_millis(250));
        let t0 = Instant::now();
        assert!(t.ready(t0));
        assert!(!t.ready(t0 + Duration::from_millis(100)));
        assert!(t.ready(t0 + Duration::from_millis(300)));
    }

    #[test]
    fn drift_lands_in_the_report_and_as_readable_errors() {
        let mut r = RunReport::default();
        r.note_drift(&crate::discovery::SchemaDrift {
            added: vec!["REGION".into()],
            removed: vec!["CITY".into()],
            retyped: vec![("QTY".into(), "NUMBER".into(), "VARCHAR2(5)".into())],
            fatal: None,
        });
        assert_eq!(r.schema_drift.as_ref().unwrap()["added"][0], "REGION");
        assert_eq!(r.errors.len(), 3, "one line per change: {:?}", r.errors);
        assert!(r.errors[2].contains("'QTY' changed type from NUMBER to VARCHAR2(5)"));
        for i in 0..500 {
            r.note_error(format!("e{i}"));
        }
        assert_eq!(r.errors.len(), RunReport::MAX_ERRORS, "errors stay bounded");
    }
}
