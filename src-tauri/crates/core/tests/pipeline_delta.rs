//! Delta over real runs: an incremental run after mutations sends exactly the changed rows (rowversion and hash
//! strategies), only full runs delete, and the safety valve holds a mass delete until the planner confirms it.

mod pipeline_common;

use pipeline_common::*;
use syncflow_core::model::RunStatus;
use syncflow_sim::Mutation;

fn mutation(
    update: std::ops::Range<u64>,
    bump: std::ops::Range<u64>,
    insert: u64,
    delete: std::ops::Range<u64>,
) -> Mutation {
    Mutation {
        slug: "inventory-items".into(),
        update_rows: update.collect(),
        bump_rows: bump.collect(),
        delete_rows: delete.collect(),
        insert,
        ..Mutation::default()
    }
}

fn insert_requests(h: &Harness) -> u64 {
    h.sim
        .schedulehub_request_counts()
        .get("POST /api/v1/{entity}/batch/insert")
        .copied()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rowversion_run_after_mutations_sends_exactly_the_changed_rows() {
    let h = harness(5_000, 0.0, "").await;
    h.run("sites", false).await;
    let first = h.run("inventory_items", false).await;
    assert_eq!(first.report.counters.inserted, 5_000);
    h.sim
        .mutate(&mutation(0..40, 100..110, 15, 200..210))
        .unwrap();

    let inc = h.run("inventory_items", false).await;
    let c = inc.report.counters;
    assert_eq!(inc.status, RunStatus::Completed, "{:?}", inc.error);
    assert_eq!(
        c.fetched, 65,
        "only rows above the watermark are read: {c:?}"
    );
    assert_eq!(
        (c.updated, c.inserted, c.skipped),
        (40, 15, 10),
        "a bumped rowversion alone is no change"
    );
    assert_eq!(c.deleted, 0, "an incremental run never deletes");
    assert_eq!(h.target_count("inventory_items"), 5_015);
    assert_eq!(h.target_duplicates("inventory_items"), 0);
    let rec = h
        .sim
        .schedulehub_records("inventory_items")
        .into_iter()
        .find(|r| r["ITEM_ID"] == "ITM-00000001")
        .unwrap();
    assert!(
        rec["erp_rowversion"].as_str().unwrap() > "0x0000000100000000",
        "the updated record carries its new rowversion"
    );
    assert!(
        inc.report.watermark_after > inc.report.watermark_before,
        "the watermark moved"
    );

    let quiet = h.run("inventory_items", false).await;
    assert_eq!(
        quiet.report.counters.fetched, 0,
        "nothing changed since: nothing read"
    );
}

/// An incremental run that reads at least one row for every 256 stored keys (`MAP_KEYS_A_ROW`; the first page's
/// `total_rows` says how many it will read) finds its records through a key map read from the entity's packs, as a
/// full run does; a smaller one through the key table. Both send exactly the changed rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_incremental_run_finds_its_records_through_a_key_map_and_a_small_one_does_not() {
    let h = harness(4_000, 0.0, "").await;
    h.run("sites", false).await;
    let first = h.run("inventory_items", false).await;
    assert_eq!(first.report.counters.inserted, 4_000);
    assert_eq!(
        first.report.key_map, None,
        "an initial load has no keys to map"
    );

    // 10 rows for 4,000 keys: under one in 256.
    h.sim.mutate(&mutation(0..10, 0..0, 0, 0..0)).unwrap();
    let small = h.run("inventory_items", false).await;
    assert_eq!(small.status, RunStatus::Completed, "{:?}", small.error);
    assert_eq!(small.report.counters.updated, 10);
    assert_eq!(
        small.report.key_map, None,
        "10 rows do not pay for 4,000 keys"
    );

    // 40 rows and 10 new ones for 4,000 keys: over one in 256.
    h.sim
        .mutate(&mutation(1_000..1_040, 0..0, 10, 0..0))
        .unwrap();
    let large = h.run("inventory_items", false).await;
    assert_eq!(large.status, RunStatus::Completed, "{:?}", large.error);
    let c = large.report.counters;
    assert_eq!(
        (c.fetched, c.updated, c.inserted, c.skipped),
        (50, 40, 10, 0)
    );
    assert_eq!(large.report.key_map, Some(4_000), "every folded key mapped");
    assert_eq!(h.target_count("inventory_items"), 4_010);
    assert_eq!(h.target_duplicates("inventory_items"), 0);
    assert_eq!(h.local_active("inventory_items"), 4_010);

    let full = h.run("inventory_items", true).await;
    assert_eq!(full.status, RunStatus::Completed, "{:?}", full.error);
    assert_eq!(full.report.counters.skipped, 4_010, "nothing changed since");
    assert_eq!(
        full.report.key_map,
        Some(4_000),
        "a full run always maps the folded keys (the 10 new ones wait in the tail, not yet due for a fold)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_strategy_reads_everything_but_sends_only_changed_rows() {
    let h = harness(3_000, 0.0, "strategy = \"hash\"").await;
    h.run("sites", false).await;
    h.run("inventory_items", false).await;
    h.sim.mutate(&mutation(0..25, 0..0, 0, 0..0)).unwrap();
    let before = insert_requests(&h);
    let run = h.run("inventory_items", false).await;
    let c = run.report.counters;
    assert_eq!(
        (c.fetched, c.updated, c.skipped, c.inserted),
        (3_000, 25, 2_975, 0),
        "{c:?}"
    );
    assert_eq!(insert_requests(&h), before, "no insert request");
    assert_eq!(h.target_count("inventory_items"), 3_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_run_deletes_removed_rows_and_the_safety_valve_holds_a_mass_delete() {
    let h = harness(4_000, 0.0, "").await;
    h.run("sites", false).await;
    h.run("inventory_items", false).await;
    h.sim.mutate(&mutation(0..0, 0..0, 0, 0..50)).unwrap();

    let inc = h.run("inventory_items", false).await;
    assert_eq!(
        inc.report.counters.deleted, 0,
        "incremental runs cannot see deletes"
    );
    let full = h.run("inventory_items", true).await;
    assert_eq!(full.status, RunStatus::Completed, "{:?}", full.error);
    assert_eq!(full.report.counters.deleted, 50);
    assert_eq!(h.target_count("inventory_items"), 3_950);
    assert_eq!(h.local_active("inventory_items"), 3_950);

    // 30% of the rows disappear at once: held, nothing deleted, until confirmed.
    h.sim
        .mutate(&mutation(0..0, 0..0, 0, 1_000..2_185))
        .unwrap();
    let held = h.run("inventory_items", true).await;
    assert_eq!(held.status, RunStatus::NeedsReview);
    assert_eq!(held.report.counters.deleted, 0);
    assert_eq!(
        h.target_count("inventory_items"),
        3_950,
        "the valve held every delete"
    );
    assert_eq!(held.report.deletes.as_ref().unwrap()["count"], 1_185);
    let n = h.app.confirm_deletes(held.run_id).await.unwrap();
    assert_eq!(n, 1_185);
    assert_eq!(h.target_count("inventory_items"), 2_765);
    let rec = syncflow_core::store::runs::get(&h.db, held.run_id).unwrap();
    assert_eq!(
        rec.status,
        RunStatus::Completed,
        "confirmed: the run is settled"
    );
    assert_eq!(h.target_duplicates("inventory_items"), 0);
}

/// A full run cancelled part way and continued by a new run still deletes exactly the rows gone from the source:
/// each page's seen marks land with its checkpoint, and the first run's marks move to the run that continues it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_full_run_deletes_exactly_the_rows_neither_part_saw() {
    let h = harness(6_000, 0.0, "page_size = 500").await;
    h.run("sites", false).await;
    h.run("inventory_items", false).await;
    // 40 rows disappear, spread over the whole read: some before the cancel, some after. No other row changes, so
    // every row's rowversion stays below the entity's watermark: the resumed read (sorted by rowversion) must pick up
    // at the highest rowversion the first part read, not at the run's committed watermark, which a full run starts
    // at the entity's (it would read one row and leave 4,999 unseen).
    h.sim
        .mutate(&Mutation {
            delete_rows: (0..6_000).step_by(150).collect(),
            ..mutation(0..0, 0..0, 0, 0..0)
        })
        .unwrap();
    h.sim.set_apismith_faults(syncflow_sim::Faults {
        latency_ms: 100,
        ..syncflow_sim::Faults::default()
    });
    let handle = h.app.start_run("inventory_items", opts(true)).unwrap();
    let first = handle.run_id;
    let marks = |run: syncflow_core::ids::RunId| {
        h.count(&format!(
            "SELECT COUNT(*) FROM record_seen WHERE run_id = '{run}'"
        ))
    };
    // Cancel once a page's checkpoint holds its seen marks.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while marks(first) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no page was checkpointed in a minute"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(h.app.cancel(first).unwrap());
    let cancelled = handle.join.await.unwrap();
    assert_eq!(cancelled.status, RunStatus::Cancelled);
    assert_eq!(cancelled.report.counters.deleted, 0);
    assert!(
        cancelled.report.counters.fetched < 5_960,
        "cancelled part way ({})",
        cancelled.report.counters.fetched
    );

    h.sim.reset_faults();
    let resumed = h.run("inventory_items", true).await;
    assert_eq!(
        resumed.status,
        RunStatus::Completed,
        "{:?} {:?} {:?} marks {} {}",
        resumed.error,
        resumed.report.deletes,
        resumed.report.counters,
        marks(first),
        marks(resumed.run_id)
    );
    let rec = syncflow_core::store::runs::get(&h.db, resumed.run_id).unwrap();
    assert_eq!(rec.resumed_from, Some(first));
    assert!(
        resumed.report.counters.fetched < 5_960,
        "it resumed from the cursor, not from page 1"
    );
    assert!(
        cancelled.report.counters.fetched + resumed.report.counters.fetched >= 5_960,
        "the two parts read every row ({} + {})",
        cancelled.report.counters.fetched,
        resumed.report.counters.fetched
    );
    assert_eq!(
        marks(first),
        0,
        "the first run's seen marks moved to the run that continues it"
    );
    assert_eq!(resumed.report.counters.deleted, 40);
    assert_eq!(h.target_count("inventory_items"), 5_960);
    assert_eq!(h.local_active("inventory_items"), 5_960);
    assert_eq!(h.target_duplicates("inventory_items"), 0);
}
