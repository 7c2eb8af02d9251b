//! What the planner's screens ask of the core, against the real simulators and a real SQLite file: the run summary
//! (counts, duration, watermark and the rows/s samples recorded at each page checkpoint), "retry all matching the
//! filter" with progress and an outcome per record, "retry now" for waiting children, and removing connections
//! with everything that depends on them (demo data).

mod pipeline_common;

use pipeline_common::*;
use std::sync::Mutex;
use syncflow_core::app::{PendingSelection, RetryProgress, RetrySelection};
use syncflow_core::model::{FailedRecordFilter, RunStatus, Stage};
use syncflow_core::store::{removal, runs};
use syncflow_sim::faults::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_records_throughput_samples_at_its_checkpoints_and_a_summary() {
    let h = harness(12_000, 0.005, "page_size = 500").await;
    h.run("sites", false).await;
    // A little latency per page, so the run lasts long enough for several samples (they are 250 ms apart).
    h.sim.set_apismith_faults(Faults {
        latency_ms: 60,
        path_contains: Some("/execute".into()),
        ..Faults::default()
    });
    let out = h.run("inventory_items", false).await;
    assert!(
        matches!(
            out.status,
            RunStatus::Completed | RunStatus::CompletedWithErrors
        ),
        "{:?}: {:?}",
        out.status,
        out.error
    );

    let samples = runs::samples(&h.db, out.run_id).unwrap();
    assert!(
        samples.len() >= 3,
        "24 pages at 60 ms or more each give several samples, got {samples:?}"
    );
    for w in samples.windows(2) {
        assert!(
            w[1].elapsed_ms >= w[0].elapsed_ms + 250,
            "samples are at least 250 ms apart: {w:?}"
        );
        assert!(w[1].rows_done >= w[0].rows_done, "rows only grow: {w:?}");
    }
    assert!(
        samples
            .iter()
            .all(|s| s.rows_per_sec.is_finite() && s.rows_per_sec >= 0.0),
        "{samples:?}"
    );
    assert!(
        samples.iter().any(|s| s.rows_per_sec > 0.0),
        "rows moved: {samples:?}"
    );
    let last = samples.last().unwrap();
    assert!(
        last.rows_done <= out.report.counters.fetched && last.rows_done > 0,
        "a sample never counts more than the run fetched: {last:?} vs {}",
        out.report.counters.fetched
    );

    let d = runs::detail(&h.db, out.run_id).unwrap();
    assert_eq!(d.run.id, out.run_id.to_string());
    assert_eq!(d.run.entity_name, "inventory_items");
    assert_eq!(u64::from(d.run.fetched), out.report.counters.fetched);
    assert_eq!(u64::from(d.run.failed), out.report.counters.failed);
    assert_eq!(d.pages, 24, "12,000 rows in pages of 500");
    assert!(
        d.duration_ms >= 24 * 60,
        "at least the injected latency: {}",
        d.duration_ms
    );
    assert_eq!(d.watermark_after, out.report.watermark_after);
    assert!(
        d.watermark_after.is_some(),
        "a rowversion entity has a watermark"
    );
    let report = d.report.expect("a finished run stores its report");
    assert_eq!(report.counters, out.report.counters);
    assert_eq!(
        report.errors, out.report.errors,
        "the run's errors as stored"
    );

    // The history filters: by trigger and by day.
    let today = chrono::Utc::now().date_naive().to_string();
    let mut f = syncflow_core::model::RunFilter::newest(50);
    f.since = Some(today.clone());
    f.until = Some(today);
    assert_eq!(
        runs::list(&h.db, &f).unwrap().len(),
        2,
        "both of today's runs"
    );
    f.trigger = Some("manual".into());
    assert!(
        runs::list(&h.db, &f).unwrap().is_empty(),
        "the harness's runs are not manual"
    );
    f.trigger = Some("nightly".into());
    let err = runs::list(&h.db, &f).unwrap_err().to_string();
    assert!(
        err.contains("trigger") && err.contains("'nightly'"),
        "{err}"
    );
    f.trigger = None;
    f.since = Some("2001-02-30".into());
    let err = runs::list(&h.db, &f).unwrap_err().to_string();
    assert!(err.contains("since") && err.contains("2001-02-30"), "{err}");
    f.since = Some("2999-01-01".into());
    f.until = None;
    assert!(
        runs::list(&h.db, &f).unwrap().is_empty(),
        "no run starts in 2999"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_all_matching_a_filter_reports_progress_and_each_records_outcome() {
    let h = harness(3_000, 0.02, "page_size = 500").await;
    h.sync_all().await;
    let filter = FailedRecordFilter {
        entity_id: None,
        run_id: None,
        stage: Some(Stage::Normalize),
        error_type: None,
        search: None,
        include_resolved: false,
        offset: 0,
        limit: 25,
    };
    let matching = syncflow_core::store::failed_records::list(&h.db, &filter)
        .unwrap()
        .total as u64;
    assert!(matching > 0, "the bad rows include normalization failures");

    let seen: Mutex<Vec<RetryProgress>> = Mutex::default();
    let report = h
        .app
        .retry_failed_reporting(RetrySelection::Matching(filter.clone()), &|p| {
            seen.lock().unwrap().push(p)
        })
        .await
        .unwrap();
    assert_eq!(
        report.asked, matching,
        "paging is ignored: every match is retried"
    );
    assert_eq!(
        report.resolved + report.failed_again + report.parked,
        matching
    );
    assert_eq!(
        report.outcomes.len() as u64,
        matching.min(1000),
        "one outcome per record"
    );
    // The raw rows are still bad and the configuration did not change: they fail again, attempts bumped.
    assert!(report.failed_again > 0);
    assert!(report
        .outcomes
        .iter()
        .filter(|o| o.resolved_at.is_none())
        .all(|o| o.attempts >= 2 && !o.message.is_empty()));
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.first().map(|p| p.done), Some(0));
    assert_eq!(
        seen.last().copied(),
        Some(RetryProgress {
            done: matching,
            total: matching
        })
    );
    assert!(seen.windows(2).all(|w| w[1].done >= w[0].done));

    // An id that does not exist is refused by name, and nothing is retried.
    let ghost = syncflow_core::ids::FailedRecordId::new();
    let err = h
        .app
        .retry_failed_reporting(RetrySelection::Some(vec![ghost]), &|_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&ghost.to_string()), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_now_tries_waiting_children_whose_parents_still_do_not_exist() {
    let h = harness(3_000, 0.02, "page_size = 500").await;
    h.sync_all().await;
    let waiting = h.count("SELECT COUNT(*) FROM pending_children");
    assert!(waiting > 0, "children of sites that do not exist wait");

    let all = h
        .app
        .retry_pending_now(PendingSelection::All)
        .await
        .unwrap();
    assert_eq!(all.loaded, 0, "their parents still do not exist");
    assert_eq!(all.still_pending + all.failed, waiting);
    assert!(all.one.is_none());

    let (entity, bk): (String, String) =
        h.db.conn()
            .unwrap()
            .query_row(
                "SELECT entity_id, bk_hash FROM pending_children LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    let one = h
        .app
        .retry_pending_now(PendingSelection::One {
            entity: entity.parse().unwrap(),
            bk_hash: bk.clone(),
        })
        .await
        .unwrap();
    assert_eq!(
        one.one,
        Some(syncflow_core::app::PendingOutcome::StillPending)
    );
    let attempts: u32 =
        h.db.conn()
            .unwrap()
            .query_row(
                "SELECT attempts FROM pending_children WHERE bk_hash = ?1",
                [&bk],
                |r| r.get(0),
            )
            .unwrap();
    assert!(attempts >= 2, "each retry counts: {attempts}");

    let err = h
        .app
        .retry_pending_now(PendingSelection::One {
            entity: entity.parse().unwrap(),
            bk_hash: "0".repeat(32),
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&"0".repeat(32)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_connections_deletes_their_entities_and_all_their_state() {
    let h = harness(2_000, 0.02, "page_size = 500").await;
    h.sync_all().await;
    for table in [
        "runs",
        "record_index",
        "record_keys",
        "record_key_packs",
        "record_index_entities",
        "record_seen",
        "failed_records",
        "pending_children",
        "run_samples",
    ] {
        assert!(
            h.count(&format!("SELECT COUNT(*) FROM {table}")) > 0,
            "{table} has rows to remove"
        );
    }
    let removed = removal::remove_connections(&h.db, &["erp", "plan", "not-there"]).unwrap();
    assert_eq!((removed.connections, removed.entities), (2, 3));
    assert!(
        removed.runs >= 3 && removed.failed_records > 0,
        "{removed:?}"
    );
    for table in [
        "connections",
        "entities",
        "runs",
        "run_samples",
        "record_index",
        "record_keys",
        "record_key_packs",
        "record_index_entities",
        "record_seen",
        "failed_records",
        "pending_children",
        "schedules",
        "field_mappings",
        "parent_refs",
        "writes_in_flight",
    ] {
        assert_eq!(
            h.count(&format!("SELECT COUNT(*) FROM {table}")),
            0,
            "{table} is empty"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_an_entity_deletes_its_state_and_leaves_the_others_alone() {
    let h = harness(2_000, 0.02, "page_size = 500").await;
    h.sync_all().await;
    let count_of = |table: &str, entity: &str| {
        let id = format!("(SELECT id FROM entities WHERE name = '{entity}')");
        let filter = if table.starts_with("record_") {
            // The record index keys entities by number (V9).
            format!("entity_no = (SELECT no FROM record_index_entities WHERE entity_id = {id})")
        } else {
            format!("entity_id = {id}")
        };
        h.count(&format!("SELECT COUNT(*) FROM {table} WHERE {filter}"))
    };
    let sites_indexed = count_of("record_index", "sites");
    let sites_seen = count_of("record_seen", "sites");
    assert!(sites_indexed > 0 && sites_seen > 0);
    assert!(count_of("record_index", "inventory_items") > 0);
    assert!(count_of("record_seen", "inventory_items") > 0);
    assert!(count_of("failed_records", "inventory_items") > 0);

    let refused = removal::remove_entity(&h.db, "sites")
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("entity 'sites' is the parent of inventory_items, work_areas"),
        "{refused}"
    );
    assert_eq!(
        count_of("record_index", "sites"),
        sites_indexed,
        "a refusal removes nothing"
    );
    let unknown = removal::remove_entity(&h.db, "nope")
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("no entity named 'nope'"), "{unknown}");

    let loaded = h.target_count("inventory_items");
    assert!(loaded > 0);
    let items_runs = count_of("runs", "inventory_items");
    let items_failed = count_of("failed_records", "inventory_items");
    let removed = removal::remove_entity(&h.db, "inventory_items").unwrap();
    assert_eq!(
        (
            removed.connections,
            removed.entities,
            removed.runs as u64,
            removed.failed_records as u64
        ),
        (0, 1, items_runs, items_failed)
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM entities WHERE name = 'inventory_items'"),
        0
    );
    for table in [
        "record_index",
        "record_keys",
        "record_key_packs",
        "record_seen",
    ] {
        assert_eq!(
            h.count(&format!(
                "SELECT COUNT(*) FROM {table} WHERE entity_no NOT IN (SELECT no FROM record_index_entities)"
            )),
            0,
            "no {table} row of the removed entity is left"
        );
    }
    assert_eq!(
        h.count("SELECT COUNT(*) FROM record_index_entities WHERE entity_id NOT IN (SELECT id FROM entities)"),
        0
    );
    for table in [
        "runs",
        "failed_records",
        "pending_children",
        "schedules",
        "field_mappings",
        "parent_refs",
        "writes_in_flight",
    ] {
        assert_eq!(
            h.count(&format!(
                "SELECT COUNT(*) FROM {table} WHERE entity_id NOT IN (SELECT id FROM entities)"
            )),
            0,
            "no {table} row of the removed entity is left"
        );
    }
    assert_eq!(
        (
            count_of("record_index", "sites"),
            count_of("record_seen", "sites")
        ),
        (sites_indexed, sites_seen),
        "the parent keeps its state"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM connections"),
        2,
        "connections stay"
    );
    assert_eq!(
        h.target_count("inventory_items"),
        loaded,
        "ScheduleHub keeps what was loaded"
    );
}
