//! The sweep against the real simulators and a real SQLite file, on an injected clock (`sweep(now)`): load
//! failures are retried automatically once their backoff `min(60·2^(n-1), 3600)` s has elapsed — not before — and
//! resolve once ScheduleHub takes them; a ScheduleHub that is down leaves them due; resolved records are purged
//! after 30 days while open ones stay.

mod pipeline_common;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use pipeline_common::*;
use syncflow_core::model::RunStatus;
use syncflow_sim::Faults;

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `(bk_hash, attempts, next_retry_at)` of the open load failures.
fn open_load_failures(h: &Harness) -> Vec<(String, i64, String)> {
    let conn = h.db.conn().unwrap();
    let mut st = conn
        .prepare(
            "SELECT bk_hash, attempts, next_retry_at FROM failed_records
             WHERE stage = 'load' AND resolved_at IS NULL ORDER BY bk_hash",
        )
        .unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Items refused by ScheduleHub at load: seeded per-record rejections during a normal run.
async fn with_load_failures(items: u64) -> (Harness, Vec<String>) {
    let h = harness(items, 0.0, "").await;
    h.run("sites", false).await;
    h.sim.set_schedulehub_faults(Faults {
        seed: 7,
        reject_rate: 0.05,
        ..Faults::default()
    });
    let run = h.run("inventory_items", false).await;
    assert_eq!(run.status, RunStatus::CompletedWithErrors);
    let open = open_load_failures(&h);
    assert!(!open.is_empty(), "some records were refused");
    assert_eq!(open.len() as u64, run.report.counters.failed);
    (h, open.into_iter().map(|(bk, _, _)| bk).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_failures_are_retried_after_their_backoff_and_resolve_once_schedulehub_takes_them() {
    let (h, refused) = with_load_failures(400).await;
    let k = refused.len() as u64;
    // Still refused: the automatic retry must fail them again, not lose them.
    h.sim.set_schedulehub_faults(Faults {
        reject_erp_key_hashes: refused.clone(),
        ..Faults::default()
    });
    let first_due: DateTime<Utc> = open_load_failures(&h)
        .iter()
        .map(|(_, _, next)| next.parse::<DateTime<Utc>>().unwrap())
        .max()
        .unwrap();

    let (_, early) = h.app.sweep(first_due - Duration::seconds(1)).await.unwrap();
    assert_eq!(
        (early.resolved, early.failed_again),
        (0, 0),
        "nothing is retried before its first backoff (60 s) has elapsed"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM runs WHERE trigger = 'retry'"),
        0
    );
    assert!(open_load_failures(&h).iter().all(|(_, a, _)| *a == 1));

    let t1 = first_due + Duration::seconds(1);
    let (_, again) = h.app.sweep(t1).await.unwrap();
    assert_eq!(
        again.failed_again, k,
        "every due record was retried and refused again"
    );
    for (_, attempts, next) in open_load_failures(&h) {
        assert_eq!(attempts, 2);
        assert_eq!(
            next,
            text(t1 + Duration::seconds(120)),
            "the second retry waits 120 s from the sweep's clock"
        );
    }

    let (_, early) = h.app.sweep(t1 + Duration::seconds(119)).await.unwrap();
    assert_eq!(
        (early.resolved, early.failed_again),
        (0, 0),
        "backoff respected"
    );

    // ScheduleHub is down when the retry is due: the retry run fails, the records stay open and due, untouched.
    h.sim.set_schedulehub_faults(Faults {
        fail_next: 5,
        path_contains: Some("batch/insert".into()),
        ..Faults::default()
    });
    let t2 = t1 + Duration::seconds(121);
    let (_, down) = h.app.sweep(t2).await.unwrap();
    assert_eq!((down.resolved, down.failed_again), (0, 0));
    assert_eq!(
        h.count("SELECT COUNT(*) FROM runs WHERE trigger = 'retry' AND status = 'failed' AND error_message IS NOT NULL"),
        1,
        "the failed retry is on record with its error"
    );
    assert!(
        open_load_failures(&h).iter().all(|(_, a, _)| *a == 2),
        "a service outage is not the record's fault: no attempt is used up"
    );

    // The fault is gone: the next sweep resolves them, exactly once each in ScheduleHub.
    h.sim.reset_faults();
    let (_, fixed) = h.app.sweep(t2).await.unwrap();
    assert_eq!(fixed.resolved, k);
    assert!(open_load_failures(&h).is_empty());
    assert_eq!(
        h.count("SELECT COUNT(*) FROM failed_records WHERE resolved_by LIKE 'retry run %'"),
        k
    );
    assert_eq!(h.target_count("inventory_items"), 400);
    assert_eq!(h.target_duplicates("inventory_items"), 0);
    assert_eq!(h.local_active("inventory_items"), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolved_failed_records_are_purged_after_thirty_days_and_open_ones_are_kept() {
    let (h, refused) = with_load_failures(600).await;
    assert!(refused.len() >= 2, "need resolved and open records");
    let (keep_open, _) = refused.split_at(refused.len() / 2);
    h.sim.set_schedulehub_faults(Faults {
        reject_erp_key_hashes: keep_open.to_vec(),
        ..Faults::default()
    });
    let resolved_at = Utc::now();
    h.app
        .retry_failed(syncflow_core::app::RetrySelection::Entity(
            "inventory_items".into(),
        ))
        .await
        .unwrap();
    let resolved = h.count("SELECT COUNT(*) FROM failed_records WHERE resolved_at IS NOT NULL");
    assert_eq!(resolved, (refused.len() - keep_open.len()) as u64);
    let open = keep_open.len() as u64;

    h.app.sweep(resolved_at + Duration::days(29)).await.unwrap();
    assert_eq!(
        h.count("SELECT COUNT(*) FROM failed_records WHERE resolved_at IS NOT NULL"),
        resolved,
        "resolved records are kept for 30 days"
    );

    h.app
        .sweep(resolved_at + Duration::days(30) + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        h.count("SELECT COUNT(*) FROM failed_records WHERE resolved_at IS NOT NULL"),
        0,
        "resolved more than 30 days ago: purged"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM failed_records WHERE resolved_at IS NULL"),
        open,
        "open records are never purged, however old"
    );
}
