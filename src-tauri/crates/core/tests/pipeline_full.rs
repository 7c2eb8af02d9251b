//! A full sync of all three entities from the APISmith simulator into the ScheduleHub simulator, over loopback,
//! into a real SQLite file: ScheduleHub ends up equal to the source, with zero duplicates, and every bad row is a
//! failed record (with its stage) or a parked child. Row count: 20,000 (SYNCFLOW_TEST_ITEMS for more).

mod pipeline_common;

use pipeline_common::*;
use syncflow_core::model::RunStatus;

fn items() -> u64 {
    std::env::var("SYNCFLOW_TEST_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_makes_schedulehub_equal_to_the_source_without_duplicates() {
    let h = harness(items(), 0.005, "").await;
    let outcomes = h.sync_all().await;
    let names: Vec<&str> = outcomes.iter().map(|o| o.entity_name.as_str()).collect();
    assert_eq!(names[0], "sites", "parents run first: {names:?}");
    for o in &outcomes {
        assert!(
            matches!(
                o.status,
                RunStatus::Completed | RunStatus::CompletedWithErrors
            ),
            "{} ended {:?}: {:?}",
            o.entity_name,
            o.status,
            o.error
        );
        let c = o.report.counters;
        assert_eq!(
            c.accounted(),
            c.fetched,
            "{}: every row is counted exactly once: {c:?}",
            o.entity_name
        );
    }
    let items_run = outcomes
        .iter()
        .find(|o| o.entity_name == "inventory_items")
        .unwrap();
    assert_eq!(items_run.report.counters.fetched, h.items);

    assert_eq!(h.target_count("sites"), 50);
    for e in ["sites", "work_areas", "inventory_items"] {
        assert_eq!(
            h.target_duplicates(e),
            0,
            "{e} has duplicates in ScheduleHub"
        );
        assert_eq!(
            h.target_count(e),
            h.local_active(e),
            "{e}: index and target agree"
        );
    }
    assert_eq!(
        h.sim.schedulehub_state()["missing_parents"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "no child was sent before its parent"
    );
    let expected = h.expected_items();
    let got = h.target_keys("inventory_items");
    assert_eq!(
        got.len(),
        expected.len(),
        "ScheduleHub holds exactly the loadable rows"
    );
    assert!(got == expected, "the same business keys as the source");

    // Bad rows: failed records with the right stage and their raw snapshot, or parked children (SITE-999).
    let by_stage = |s: &str| {
        h.count(&format!(
            "SELECT COUNT(*) FROM failed_records f JOIN entities e ON e.id = f.entity_id
             WHERE e.name = 'inventory_items' AND f.stage = '{s}'"
        ))
    };
    assert!(
        by_stage("normalize") > 0,
        "text in numbers and impossible dates fail at normalize"
    );
    assert!(
        by_stage("identity") > 0,
        "NULL business keys fail at identity"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM failed_records WHERE raw IS NULL OR raw = ''"),
        0,
        "every failed record keeps the raw row"
    );
    let msg: String = h
        .db
        .conn()
        .unwrap()
        .query_row(
            "SELECT message FROM failed_records WHERE stage = 'normalize' AND field = 'QUANTITY' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        msg.contains("QUANTITY"),
        "the message names the field: {msg}"
    );
    let parked = h.count(
        "SELECT COUNT(*) FROM pending_children p JOIN entities e ON e.id = p.entity_id
         WHERE e.name = 'inventory_items' AND p.parent_ref_str LIKE 'sites|SITE_ID=SITE-999'",
    );
    assert!(
        parked > 0,
        "rows whose site does not exist wait as pending children"
    );
    assert_eq!(parked, items_run.report.counters.pending);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM writes_in_flight"),
        0,
        "every write's answer was checkpointed"
    );

    // A second run of the unchanged source sends nothing.
    let before = h.sim.schedulehub_request_counts();
    let again = h.run("inventory_items", false).await;
    assert_eq!(
        again.report.counters.inserted + again.report.counters.updated,
        0
    );
    let after = h.sim.schedulehub_request_counts();
    assert_eq!(
        before.get("POST /api/v1/{entity}/batch/insert"),
        after.get("POST /api/v1/{entity}/batch/insert"),
        "no insert request for an unchanged source"
    );
}

/// A key that a page repeats from the page before it is decided against that page, whose checkpoint has not landed
/// yet (its record-index read ran while that page's writes were being sent): the repeat never becomes a second
/// record. Pages of 40 rows, so some duplicated keys are the first row of a page and their first occurrence the last
/// row of the page before (the test checks there are such rows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_repeated_at_the_start_of_the_next_page_lands_once() {
    let (items, ratio, page) = (6_000, 0.05, 40);
    let g = syncflow_sim::apismith::generate::Generator {
        seed: SEED,
        sites: 50,
        work_areas: 500,
        bad_row_ratio: ratio,
    };
    let at_page_start = (1..items)
        .filter(|&idx| {
            idx % page == 0
                && g.bad_kind(syncflow_sim::apismith::catalog::Kind::Items, idx)
                    == Some(syncflow_sim::apismith::generate::BadKind::DuplicateKey)
        })
        .count();
    assert!(
        at_page_start > 0,
        "the data set must repeat a key across a page boundary"
    );
    let h = harness(items, ratio, &format!("page_size = {page}")).await;
    let outcomes = h.sync_all().await;
    let items_run = outcomes
        .iter()
        .find(|o| o.entity_name == "inventory_items")
        .unwrap();
    let c = items_run.report.counters;
    assert_eq!(c.accounted(), c.fetched, "every row counted once: {c:?}");
    assert_eq!(h.target_duplicates("inventory_items"), 0);
    assert!(
        h.target_keys("inventory_items") == h.expected_items(),
        "the same business keys as the source"
    );
    assert_eq!(
        h.target_count("inventory_items"),
        h.local_active("inventory_items"),
        "index and target agree"
    );
}

/// A run copies the pages it wrote back into the database file before it ends (`Db::checkpoint_wal`), instead of
/// leaving them in the WAL for whichever later run crosses the automatic checkpoint's 64 MiB: the database file on its
/// own, read without its WAL, already holds every record the run wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_leaves_its_records_in_the_database_file_not_only_in_the_wal() {
    let h = harness(3_000, 0.0, "").await;
    let outcomes = h.sync_all().await;
    assert!(
        outcomes.iter().all(|o| o.error.is_none()),
        "{:?}",
        outcomes.iter().map(|o| &o.error).collect::<Vec<_>>()
    );
    let active = h.local_active("inventory_items");
    assert!(active > 2_900, "the run recorded the items: {active}");

    // The main file alone: a copy without its `-wal` sees only what was checkpointed into it.
    let copy = h.dir.path().join("file-only.sqlite");
    std::fs::copy(h.db.path(), &copy).unwrap();
    assert!(!copy.with_extension("sqlite-wal").exists());
    let file_only = rusqlite::Connection::open(&copy).unwrap();
    let in_file: i64 = file_only
        .query_row(
            "SELECT COUNT(*) FROM record_index r JOIN record_index_entities x ON x.no = r.entity_no
             JOIN entities e ON e.id = x.entity_id
             WHERE e.name = 'inventory_items' AND r.active = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        in_file as u64, active,
        "every record of the run is in the database file itself"
    );
}
