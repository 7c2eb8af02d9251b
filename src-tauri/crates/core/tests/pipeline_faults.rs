//! Faults on both sides (10% 5xx, 429s, latency, writes applied then answered 503) end in the same ScheduleHub
//! state as a clean run, with zero duplicates: unknown write outcomes are reconciled before anything is resent.

mod pipeline_common;

use pipeline_common::*;
use syncflow_core::model::RunStatus;
use syncflow_sim::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_on_both_sides_end_with_the_clean_state_and_no_duplicates() {
    let h = harness(12_000, 0.005, "").await;
    h.sim.set_apismith_faults(Faults {
        seed: 1,
        error_rate: 0.1,
        rate_limit_rate: 0.05,
        latency_ms: 2,
        ..Faults::default()
    });
    h.sim.set_schedulehub_faults(Faults {
        seed: 2,
        error_rate: 0.1,
        rate_limit_rate: 0.05,
        applied_then_503_rate: 0.1,
        latency_ms: 2,
        ..Faults::default()
    });
    for o in h.sync_all().await {
        assert!(
            matches!(
                o.status,
                RunStatus::Completed | RunStatus::CompletedWithErrors
            ),
            "{}: {:?} {:?}",
            o.entity_name,
            o.status,
            o.error
        );
    }
    for e in ["sites", "work_areas", "inventory_items"] {
        assert_eq!(
            h.target_duplicates(e),
            0,
            "{e}: an applied-then-503 write was sent twice"
        );
        assert_eq!(
            h.target_count(e),
            h.local_active(e),
            "{e}: index and target agree"
        );
    }
    assert_eq!(
        h.target_keys("inventory_items"),
        h.expected_items(),
        "same state as without faults"
    );
}
