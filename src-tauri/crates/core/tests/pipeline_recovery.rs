//! Recovery paths: a child that arrives before its parent waits and loads when the parent's run finishes (or,
//! after five attempts, becomes a failed record of stage resolve); a mapping fix plus retry resolves failed
//! records; cancel stops a run at its checkpoint and the next run resumes from there; one run per entity.

mod pipeline_common;

use chrono::{Duration, Utc};
use pipeline_common::*;
use syncflow_core::app::{ExportFormat, RetrySelection};
use syncflow_core::model::{FailedRecordFilter, RunStatus};
use syncflow_core::pipeline::{RunError, RunOptions};
use syncflow_core::store::entities;
use syncflow_sim::apismith::Mutation;
use syncflow_sim::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_before_its_parent_waits_and_loads_when_the_parent_run_finishes() {
    let h = harness(2_000, 0.0, "").await;
    let early = h.run("inventory_items", false).await;
    assert_eq!(
        early.report.counters.pending, 2_000,
        "no site exists yet: every item waits"
    );
    assert_eq!(
        h.target_count("inventory_items"),
        0,
        "nothing was sent without its parent"
    );
    h.run("sites", false).await;
    assert_eq!(
        h.count("SELECT COUNT(*) FROM pending_children"),
        0,
        "the parent's run released them"
    );
    assert_eq!(h.target_count("inventory_items"), 2_000);
    assert_eq!(h.target_duplicates("inventory_items"), 0);
    assert!(h.sim.schedulehub_state()["missing_parents"]
        .as_array()
        .unwrap()
        .is_empty());
    let rec = &h.sim.schedulehub_records("inventory_items")[0];
    assert_eq!(
        rec["parent_refs"]["site"].as_str().unwrap().len(),
        32,
        "the record carries its parent's BK hash"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_parent_becomes_a_resolve_failure_after_five_attempts() {
    let h = harness(3_000, 0.03, "").await;
    h.run("sites", false).await;
    let run = h.run("inventory_items", false).await;
    let parked = run.report.counters.pending;
    assert!(parked > 0, "the generator sends some items for SITE-999");
    let mut now = Utc::now();
    for attempt in 1..=5 {
        now += Duration::hours(2);
        let (sweep, _) = h.app.sweep(now).await.unwrap();
        if attempt < 5 {
            assert_eq!(
                sweep.still_pending, parked,
                "attempt {attempt} keeps them waiting"
            );
        } else {
            assert_eq!(sweep.failed, parked, "the fifth failed attempt files them");
        }
    }
    assert_eq!(h.count("SELECT COUNT(*) FROM pending_children"), 0);
    let msg: String =
        h.db.conn()
            .unwrap()
            .query_row(
                "SELECT message FROM failed_records WHERE stage = 'resolve' LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(
        msg,
        "parent sites|SITE_ID=SITE-999 not found after 5 attempts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_fix_plus_retry_resolves_failed_records() {
    let required = "[[entities.inventory_items.mappings]]\nsource = \"DESCRIPTION\"\ntarget = \"DESCRIPTION\"\nrequired = true\n";
    let h = harness(3_000, 0.0, required).await;
    h.run("sites", false).await;
    let run = h.run("inventory_items", false).await;
    let failed = run.report.counters.failed;
    assert!(failed > 0, "some items have no description");
    assert_eq!(run.status, RunStatus::CompletedWithErrors);
    let filter = FailedRecordFilter {
        entity_id: None,
        run_id: None,
        stage: Some(syncflow_core::model::Stage::Validate),
        error_type: None,
        search: None,
        include_resolved: false,
        offset: 0,
        limit: 0,
    };
    let mut csv = Vec::new();
    assert_eq!(
        h.app
            .export_failed(&filter, ExportFormat::Csv, &mut csv)
            .unwrap() as u64,
        failed
    );
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines().next().unwrap().contains("message"),
        "a header row"
    );
    assert_eq!(csv.lines().count() as u64, failed + 1);
    let mut json = Vec::new();
    h.app
        .export_failed(&filter, ExportFormat::Json, &mut json)
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert!(parsed[0]["message"]
        .as_str()
        .unwrap()
        .contains("DESCRIPTION"));
    assert!(
        parsed[0]["raw"].as_str().unwrap().contains("ITEM_ID"),
        "the raw row is kept"
    );

    // The planner gives the field a default, then retries everything of the entity.
    let mut e = entities::get_by_name(&h.db, "inventory_items").unwrap();
    e.def.mappings[0].default_value = Some(serde_json::json!("(no description)"));
    let (_, hashes_change) = entities::save(&h.db, &e.def).unwrap();
    assert!(
        hashes_change,
        "a mapping change is reported as one that alters data hashes"
    );
    let out = h
        .app
        .retry_failed(RetrySelection::Entity("inventory_items".into()))
        .await
        .unwrap();
    assert_eq!(out[0].resolved, failed);
    assert_eq!(h.target_count("inventory_items"), 3_000);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM failed_records WHERE resolved_at IS NOT NULL AND resolved_by IS NOT NULL"),
        failed
    );
    assert_eq!(h.target_duplicates("inventory_items"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_at_a_checkpoint_and_the_next_run_resumes_there() {
    let h = harness(12_000, 0.0, "page_size = 500").await;
    h.run("sites", false).await;
    h.sim.set_schedulehub_faults(Faults {
        latency_ms: 40,
        ..Faults::default()
    });
    let handle = h.app.start_run("inventory_items", opts(false)).unwrap();
    match h.app.start_run("inventory_items", opts(false)) {
        Err(RunError::AlreadyRunning { run_id, .. }) => assert_eq!(run_id, handle.run_id),
        other => panic!(
            "a second run must be refused, got {:?}",
            other.map(|h| h.run_id)
        ),
    }
    // Cancel once a page is checkpointed (not after a fixed time: on a busy machine that may be before any).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while h.local_active("inventory_items") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no page was checkpointed in a minute"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(h.app.cancel(handle.run_id).unwrap());
    let cancelled = handle.join.await.unwrap();
    assert_eq!(cancelled.status, RunStatus::Cancelled);
    let done = h.target_count("inventory_items");
    assert!(done > 0 && done < 12_000, "cancelled part way ({done})");
    assert_eq!(
        done,
        h.local_active("inventory_items"),
        "the checkpoint holds exactly what was loaded"
    );

    h.sim.reset_faults();
    let resumed = h.run("inventory_items", false).await;
    assert_eq!(resumed.status, RunStatus::Completed);
    assert!(
        resumed.report.counters.fetched < 12_000,
        "it resumed from the cursor, not from page 1"
    );
    assert_eq!(h.target_count("inventory_items"), 12_000);
    assert_eq!(h.target_duplicates("inventory_items"), 0);
    let rec = syncflow_core::store::runs::get(&h.db, resumed.run_id).unwrap();
    assert_eq!(rec.resumed_from, Some(cancelled.run_id));
}

/// Inserts ScheduleHub received so far.
fn inserts_received(h: &Harness) -> u64 {
    h.sim
        .schedulehub_request_counts()
        .get("POST /api/v1/{entity}/batch/insert")
        .copied()
        .unwrap_or(0)
}

/// Cancels the items run while the insert of its second page (of six) is under way on ScheduleHub's side, slowed by
/// `faults`; `applied` says whether to wait until ScheduleHub has applied it (only its answer is still to come).
/// The write under way is answered and checkpointed before the run stops, so what ScheduleHub holds is exactly what
/// the checkpoint holds and nothing is left in flight; the next run, started at once, sends nothing twice.
async fn cancel_while_an_insert_is_under_way(faults: Faults, applied: bool) {
    let h = harness(3_000, 0.0, "page_size = 500").await;
    h.run("sites", false).await;
    h.sim.set_schedulehub_faults(Faults {
        path_contains: Some("batch/insert".into()),
        ..faults
    });
    let before = inserts_received(&h);
    let handle = h.app.start_run("inventory_items", opts(false)).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while inserts_received(&h) < before + 2 || applied && h.target_count("inventory_items") < 1_000
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the second page's insert never came"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    assert!(h.app.cancel(handle.run_id).unwrap());
    let cancelled = handle.join.await.unwrap();
    assert_eq!(cancelled.status, RunStatus::Cancelled);
    assert_eq!(
        (h.target_count("inventory_items"), h.local_active("inventory_items")),
        (1_000, 1_000),
        "the insert under way was answered and checkpointed: ScheduleHub holds what the checkpoint holds"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM writes_in_flight"),
        0,
        "no write of unknown outcome is left"
    );

    h.sim.reset_faults();
    let resumed = h.run("inventory_items", false).await;
    assert_eq!(resumed.status, RunStatus::Completed, "{:?}", resumed.error);
    assert_eq!(
        resumed.report.counters.inserted, 2_000,
        "the resumed run sent only the rest"
    );
    assert_eq!(h.target_count("inventory_items"), 3_000);
    assert_eq!(
        h.target_duplicates("inventory_items"),
        0,
        "no record was sent twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_while_schedulehub_holds_an_insert_unapplied_waits_for_its_answer() {
    let faults = Faults {
        latency_ms: 400,
        ..Faults::default()
    };
    cancel_while_an_insert_is_under_way(faults, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_after_schedulehub_applied_an_insert_waits_for_its_answer() {
    let faults = Faults {
        answer_latency_ms: 400,
        ..Faults::default()
    };
    cancel_while_an_insert_is_under_way(faults, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_while_a_read_is_under_way_ends_the_run_cancelled_not_failed() {
    let h = harness(1_000, 0.0, "").await;
    // Every APISmith call takes 400 ms: the cancel lands while the run's first reads are under way.
    h.sim.set_apismith_faults(Faults {
        latency_ms: 400,
        ..Faults::default()
    });
    let handle = h.app.start_run("sites", opts(false)).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert!(h.app.cancel(handle.run_id).unwrap());
    let run = handle.join.await.unwrap();
    assert_eq!(run.status, RunStatus::Cancelled, "{:?}", run.error);
    assert_eq!(run.error, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_stopped_read_resumes_by_rowversion_so_rows_changed_meanwhile_skip_nothing() {
    // 10,000 items in pages of 2,500; the first part stops at its row budget of 5,000, as one night of an initial
    // load does.
    let h = harness(10_000, 0.0, "").await;
    h.run("sites", false).await;
    let night = RunOptions {
        row_budget: Some(5_000),
        ..opts(false)
    };
    let first = h.app.run("inventory_items", night).await.unwrap();
    assert_eq!(first.status, RunStatus::Cancelled, "{:?}", first.error);
    assert_eq!(first.report.counters.fetched, 5_000);
    // During the day the ERP changes 30 rows the first part already read: they move to the end of the rowversion
    // order and every later row moves 30 places forward. Resuming at page 3 would skip 30 rows.
    h.sim
        .mutate(&Mutation {
            slug: "inventory-items".into(),
            update_rows: (100..130).collect(),
            ..Mutation::default()
        })
        .unwrap();
    let second = h.run("inventory_items", false).await;
    assert_eq!(second.status, RunStatus::Completed, "{:?}", second.error);
    assert_eq!(
        h.target_count("inventory_items"),
        10_000,
        "no row was skipped at a page boundary"
    );
    assert_eq!(h.target_keys("inventory_items").len(), 10_000);
    assert_eq!(h.target_duplicates("inventory_items"), 0);
    let c = second.report.counters;
    assert_eq!(c.inserted, 5_000, "the unread half: {c:?}");
    assert_eq!(
        c.updated, 30,
        "the rows changed since were read again: {c:?}"
    );
    assert_eq!(
        (c.fetched, c.skipped),
        (5_031, 1),
        "the row at the first part's last rowversion is read again and skipped: {c:?}"
    );
    assert_eq!(
        (c.duplicates, second.report.duplicates.as_slice()),
        (0, &[] as &[String]),
        "rows read again at the resume point or changed since are not duplicates of the source"
    );
}
