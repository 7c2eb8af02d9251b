//! The ScheduleHub client against the ScheduleHub simulator over real loopback HTTP: every call of the contract,
//! chunking, parent checks, duplicates, per-record rejections and the write that is applied but answered 503.

mod common;

use common::{cancel, count, login_config, sim};
use serde_json::json;
use syncflow_core::error::{Coded, ErrorCode};
use syncflow_core::http::RetryPolicy;
use syncflow_core::sink::schedulehub::{Record, ScheduleHubClient};
use syncflow_sim::Faults;

fn client(url: &str) -> ScheduleHubClient {
    ScheduleHubClient::new(&login_config(url, "sync")).expect("client builds")
}

fn bk(i: u64) -> String {
    format!("{i:032x}")
}

fn record(i: u64, parent: Option<String>) -> Record {
    let mut v = json!({"item_id": format!("ITM-{i}"), "quantity": i, "erp_key_hash": bk(i),
                       "erp_data_hash": format!("{i:064x}"), "erp_rowversion": null, "erp_ref_str": format!("item_id=ITM-{i}")});
    if let Some(p) = parent {
        v["parent_refs"] = json!({"site": p});
    }
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn batches_are_chunked_and_every_batch_call_works() {
    let s = sim(10).await;
    let c = client(&s.schedulehub_url);
    assert_eq!(c.health(&cancel()).await.unwrap()["status"], "healthy");
    let records: Vec<Record> = (0..2_500).map(|i| record(i, None)).collect();
    let out = c
        .batch_insert("inventory_items", &records, &cancel())
        .await
        .unwrap();
    assert_eq!((out.inserted.len(), out.failures.len()), (2_500, 0));
    assert_eq!(
        count(
            &s.schedulehub_request_counts(),
            "POST /api/v1/{entity}/batch/insert"
        ),
        3,
        "1000 + 1000 + 500"
    );

    let hashes: Vec<String> = (0..2_500).map(bk).collect();
    let found = c
        .batch_query("inventory_items", &hashes, &cancel())
        .await
        .unwrap();
    assert_eq!(found.len(), 2_500);
    assert!(found.iter().all(|r| r.contains_key("uid")
        && r.contains_key("created_at")
        && r.contains_key("updated_at")));

    let mut changed = records[0].clone();
    changed.insert("quantity".into(), json!(999));
    let upd = vec![
        (out.inserted[0].uid.clone(), changed),
        ("no-such-uid".to_string(), records[1].clone()),
    ];
    let u = c
        .batch_update("inventory_items", &upd, &cancel())
        .await
        .unwrap();
    assert_eq!(u.success_count, 1);
    assert_eq!(
        u.failures[0].uid, "no-such-uid",
        "an unknown uid is a per-record failure"
    );
    assert_eq!(
        c.find_by_hash("inventory_items", &bk(0), &cancel())
            .await
            .unwrap()[0]["quantity"],
        999
    );

    let uids: Vec<String> = out
        .inserted
        .iter()
        .take(1_200)
        .map(|r| r.uid.clone())
        .collect();
    let d = c
        .batch_delete("inventory_items", &uids, &cancel())
        .await
        .unwrap();
    assert_eq!((d.success_count, d.failures.len()), (1_200, 0));
    assert!(
        c.find_by_hash("inventory_items", &bk(0), &cancel())
            .await
            .unwrap()
            .is_empty(),
        "S6 answers [] when gone"
    );
    assert_eq!(
        s.schedulehub_state()["entities"]["inventory_items"]["records"],
        1_300
    );
}

#[tokio::test]
async fn a_child_without_its_parent_is_refused_per_record() {
    let s = sim(10).await;
    let c = client(&s.schedulehub_url);
    let site = record(1_000_001, None);
    c.batch_insert("sites", &[site], &cancel()).await.unwrap();
    let orphan_parent = bk(42_424_242);
    let children = vec![
        record(1, Some(bk(1_000_001))),
        record(2, Some(orphan_parent.clone())),
        record(3, None),
    ];
    let out = c
        .batch_insert("inventory_items", &children, &cancel())
        .await
        .unwrap();
    assert_eq!(
        out.inserted.len(),
        2,
        "the child with a known parent and the one without a ref"
    );
    assert_eq!(out.failures.len(), 1);
    assert_eq!(
        out.failures[0].error,
        format!("parent not found: site={orphan_parent}")
    );
    assert_eq!(
        out.failures[0].erp_key_hash.as_deref(),
        Some(bk(2).as_str()),
        "the failure names its record"
    );
}

#[tokio::test]
async fn duplicates_are_accepted_and_counted() {
    let s = sim(10).await;
    let c = client(&s.schedulehub_url);
    let r = vec![record(7, None)];
    c.batch_insert("inventory_items", &r, &cancel())
        .await
        .unwrap();
    c.batch_insert("inventory_items", &r, &cancel())
        .await
        .unwrap();
    assert_eq!(
        c.batch_query("inventory_items", &[bk(7)], &cancel())
            .await
            .unwrap()
            .len(),
        2
    );
    let state = s.schedulehub_state();
    assert_eq!(
        state["entities"]["inventory_items"]["duplicate_records"], 1,
        "{state}"
    );
}

#[tokio::test]
async fn injected_rejections_are_listed_and_the_rest_is_applied() {
    let s = sim(10).await;
    let c = client(&s.schedulehub_url);
    s.set_schedulehub_faults(Faults {
        reject_erp_key_hashes: vec![bk(2)],
        ..Faults::default()
    });
    let recs: Vec<Record> = (1..=3).map(|i| record(i, None)).collect();
    let out = c
        .batch_insert("inventory_items", &recs, &cancel())
        .await
        .unwrap();
    assert_eq!(out.inserted.len(), 2);
    assert_eq!(
        out.failures[0].erp_key_hash.as_deref(),
        Some(bk(2).as_str())
    );
    assert!(
        out.failures[0].error.contains("rejected"),
        "{}",
        out.failures[0].error
    );
}

#[tokio::test]
async fn a_write_applied_but_answered_503_is_found_by_batch_query() {
    let s = sim(10).await;
    let mut cfg = login_config(&s.schedulehub_url, "sync");
    cfg.retry = RetryPolicy {
        max_attempts: 1,
        ..common::fast_retry()
    };
    let c = ScheduleHubClient::new(&cfg).unwrap();
    c.login(&cancel()).await.unwrap();
    s.set_schedulehub_faults(Faults {
        applied_then_503_next: 1,
        ..Faults::default()
    });
    let recs: Vec<Record> = (1..=3).map(|i| record(i, None)).collect();
    let e = c
        .batch_insert("inventory_items", &recs, &cancel())
        .await
        .unwrap_err();
    assert_eq!(
        (e.error.status(), e.failed.clone(), e.done.inserted.len()),
        (Some(503), 0..3, 0)
    );
    // The outcome is unknown to the client; reconciling by hash shows the write landed (SPEC §7).
    let hashes: Vec<String> = (1..=3).map(bk).collect();
    assert_eq!(
        c.batch_query("inventory_items", &hashes, &cancel())
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn single_record_calls_and_unknown_entities() {
    let s = sim(10).await;
    let c = client(&s.schedulehub_url);
    let created = c
        .create("sites", &record(5, None), &cancel())
        .await
        .unwrap();
    let uid = created["uid"].as_str().unwrap().to_owned();
    let mut patch = Record::new();
    patch.insert("quantity".into(), json!(6));
    assert_eq!(
        c.patch("sites", &uid, &patch, &cancel()).await.unwrap()["quantity"],
        6
    );
    let refused = c
        .create("sites", &record(6, Some(bk(999))), &cancel())
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("parent not found: site="),
        "{refused}"
    );
    c.delete("sites", &uid, &cancel()).await.unwrap();
    let gone = c.delete("sites", &uid, &cancel()).await.unwrap_err();
    assert_eq!(gone.code(), ErrorCode::NotFound);
    let unknown = c
        .find_by_hash("no_such_entity", &bk(1), &cancel())
        .await
        .unwrap_err();
    assert_eq!(
        (unknown.status(), unknown.code()),
        (Some(404), ErrorCode::NotFound)
    );
}

#[tokio::test]
async fn expired_token_and_rate_limits_on_writes() {
    let s = sim(10).await;
    let c = client(&s.schedulehub_url);
    c.batch_insert("sites", &[record(1, None)], &cancel())
        .await
        .unwrap();
    s.expire_tokens();
    s.set_schedulehub_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: Some(1),
        ..Faults::default()
    });
    let started = std::time::Instant::now();
    c.batch_insert("sites", &[record(2, None)], &cancel())
        .await
        .expect("refresh, wait, repeat");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(
        count(&s.schedulehub_request_counts(), "POST /api/v1/auth/refresh"),
        1
    );
}
