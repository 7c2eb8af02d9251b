//! Schema drift (SPEC §11) and the run summary's `errors`, against the real simulators and a real SQLite file:
//! the first page's fields are compared with the entity's stored columns (new ones added and reported, removed and
//! retyped ones reported, a missing business key stops the entity before anything loads), and every run's stored
//! summary lists its errors — retried requests, reconciled writes, failed rows by stage, the error that ended it.

mod pipeline_common;

use pipeline_common::*;
use syncflow_core::model::RunStatus;
use syncflow_core::pipeline::RunReport;
use syncflow_core::store::{entities, runs};
use syncflow_sim::apismith::Mutation;
use syncflow_sim::Faults;

fn touch(h: &Harness, rows: u64) {
    h.sim
        .mutate(&Mutation {
            slug: "inventory-items".into(),
            update: rows,
            ..Mutation::default()
        })
        .unwrap();
}

/// The summary as stored with the run (what the UI's run summary reads).
fn stored_report(h: &Harness, run: syncflow_core::ids::RunId) -> RunReport {
    let summary = runs::get(&h.db, run).unwrap().summary.expect("a summary");
    serde_json::from_str(&summary).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_pages_columns_are_compared_with_the_stored_ones_and_drift_is_reported() {
    let h = harness(500, 0.0, "").await;
    h.run("sites", false).await;
    let first = h.run("inventory_items", false).await;
    assert_eq!(first.status, RunStatus::Completed);
    assert!(first.report.schema_drift.is_none() && first.report.errors.is_empty());

    h.change_schema(serde_json::json!({"slug": "inventory-items",
            "add": [{"name": "WAREHOUSE", "data_type": "VARCHAR2(10)", "value": "WH-1"}],
            "drop": ["CATEGORY"], "retype": [["UOM", "VARCHAR2(20)"]]}))
        .await;
    touch(&h, 20);
    let run = h.run("inventory_items", false).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.error);
    let drift = run.report.schema_drift.clone().expect("drift on the run");
    assert_eq!(drift["added"], serde_json::json!(["WAREHOUSE"]));
    assert_eq!(drift["removed"], serde_json::json!(["CATEGORY"]));
    assert_eq!(
        drift["retyped"],
        serde_json::json!([["UOM", "VARCHAR2(10)", "VARCHAR2(20)"]])
    );
    for needle in [
        "'WAREHOUSE' added",
        "'CATEGORY' is no longer sent",
        "'UOM' changed type",
    ] {
        assert!(
            run.report.errors.iter().any(|e| e.contains(needle)),
            "{needle} in {:?}",
            run.report.errors
        );
    }
    assert_eq!(
        stored_report(&h, run.run_id).errors,
        run.report.errors,
        "the errors are stored with the run"
    );
    let e = entities::get_by_name(&h.db, "inventory_items").unwrap();
    assert!(
        e.def.columns.iter().any(|c| c.name == "WAREHOUSE"),
        "a new column is added to the entity"
    );
    assert_eq!(
        e.schema_drift.as_ref().expect("drift on the entity")["removed"],
        serde_json::json!(["CATEGORY"])
    );
    let rec = h
        .sim
        .schedulehub_records("inventory_items")
        .into_iter()
        .find(|r| r.get("WAREHOUSE").is_some());
    assert_eq!(
        rec.expect("changed rows carry the new column")["WAREHOUSE"],
        "WH-1"
    );

    // The business key disappears from the rows: the entity stops before the page loads.
    h.change_schema(serde_json::json!({"slug": "inventory-items", "drop": ["ITEM_ID"]}))
        .await;
    touch(&h, 20);
    let before = h.target_count("inventory_items");
    let stopped = h.run("inventory_items", false).await;
    assert_eq!(stopped.status, RunStatus::Failed);
    let msg = stopped.error.clone().unwrap();
    assert!(msg.contains("business-key column 'ITEM_ID'"), "{msg}");
    assert_eq!(
        stopped.report.counters.fetched, 0,
        "nothing of the page was taken"
    );
    assert_eq!(h.target_count("inventory_items"), before);
    let stored = stored_report(&h, stopped.run_id);
    assert!(
        stored
            .errors
            .iter()
            .any(|e| e.starts_with("run failed (validation)")),
        "{:?}",
        stored.errors
    );
    let e = entities::get_by_name(&h.db, "inventory_items").unwrap();
    assert!(e.schema_drift.unwrap()["fatal"]
        .as_str()
        .unwrap()
        .contains("ITEM_ID"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_summary_lists_retried_requests_failed_rows_and_the_error_that_ended_the_run() {
    let h = harness(3_000, 0.01, "").await;
    h.run("sites", false).await;
    h.sim.set_apismith_faults(Faults {
        fail_next: 1,
        path_contains: Some("/execute".into()),
        ..Faults::default()
    });
    h.sim.set_schedulehub_faults(Faults {
        fail_next: 1,
        path_contains: Some("batch/insert".into()),
        ..Faults::default()
    });
    let run = h.run("inventory_items", false).await;
    assert_eq!(run.status, RunStatus::CompletedWithErrors);
    let errors = &run.report.errors;
    assert!(
        errors
            .iter()
            .any(|e| e.contains("APISmith") && e.ends_with("(retried)")),
        "the page fetch that was retried: {errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("reconciled and sent again")),
        "the insert that failed and was reconciled: {errors:?}"
    );
    let failed_lines: u64 = errors
        .iter()
        .filter_map(|e| e.split_once(" failed at ").map(|(n, _)| n))
        .map(|n| n.split(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        failed_lines, run.report.counters.failed,
        "the failed rows, grouped by stage and type, add up: {errors:?}"
    );
    assert_eq!(stored_report(&h, run.run_id).errors, *errors);

    // APISmith stays down: the run fails, and its summary says why after the retries it made.
    h.sim.set_apismith_faults(Faults {
        fail_next: 50,
        path_contains: Some("/execute".into()),
        ..Faults::default()
    });
    touch(&h, 10);
    let down = h.run("inventory_items", false).await;
    assert_eq!(down.status, RunStatus::Failed);
    let stored = stored_report(&h, down.run_id);
    assert_eq!(
        stored
            .errors
            .iter()
            .filter(|e| e.ends_with("(retried)"))
            .count(),
        4,
        "five attempts, four retries: {:?}",
        stored.errors
    );
    assert!(
        stored.errors.last().unwrap().starts_with("run failed ("),
        "{:?}",
        stored.errors
    );
}
