//! The delta decision table on a real SQLite file in a temp dir.

use super::*;
use crate::identity::{bk_hash_of, data_hash_of};
use crate::store::record_index::{get, mark_deleted, upsert, IndexUpsert};
use crate::store::{index_fixture as fixture, IndexFixture as Fixture};

fn bk(n: u32) -> BkHash {
    bk_hash_of(&format!("items|id={n}"))
}
fn data(s: &str) -> DataHash {
    data_hash_of(s)
}
fn key(n: u32, d: &str, rv: Option<&'static str>) -> RowKey<'static> {
    RowKey {
        bk_hash: bk(n),
        data_hash: data(d),
        rowversion: rv,
    }
}

impl Fixture {
    /// Records rows as a checkpoint would after the target acknowledged them.
    fn load(&self, run: RunId, rows: &[RowKey<'_>]) {
        let ups: Vec<IndexUpsert> = rows
            .iter()
            .map(|k| IndexUpsert {
                bk_hash: k.bk_hash,
                data_hash: k.data_hash,
                rowversion: k.rowversion,
                target_uid: Some("uid-1"),
            })
            .collect();
        self.db
            .write(|tx| upsert(tx, self.entity, run, &ups, None))
            .unwrap();
    }
    fn decide(&self, run: RunId, keys: &[RowKey<'_>]) -> PageDelta {
        decide_page(&self.db.conn().unwrap(), self.entity, run, keys).unwrap()
    }
    fn ops(&self, run: RunId, keys: &[RowKey<'_>]) -> Vec<Op> {
        self.decide(run, keys)
            .decisions
            .iter()
            .map(|d| d.op)
            .collect()
    }
}

#[test]
fn inserts_keys_the_index_has_never_seen() {
    let f = fixture();
    let page = f.decide(RunId::new(), &[key(1, "a", None), key(2, "b", None)]);
    assert_eq!(
        page.counts,
        DeltaCounts {
            inserted: 2,
            ..Default::default()
        }
    );
}

#[test]
fn updates_active_records_whose_data_hash_changed_and_keeps_their_target_uid() {
    let f = fixture();
    f.load(RunId::new(), &[key(1, "old", Some("1"))]);
    let page = f.decide(RunId::new(), &[key(1, "new", Some("2"))]);
    assert_eq!(page.decisions[0].op, Op::Update);
    assert_eq!(
        page.decisions[0].target_uid.as_deref(),
        Some("uid-1"),
        "the update goes to the same target record"
    );
}

#[test]
fn skips_rows_whose_hash_is_unchanged_but_still_moves_the_rowversion_forward() {
    let f = fixture();
    f.load(RunId::new(), &[key(1, "same", Some("5"))]);
    let run = RunId::new();
    let row = key(1, "same", Some("9"));
    assert_eq!(f.ops(run, &[row]), [Op::Skip]);
    // The checkpoint records skipped rows too, without a new target uid.
    let skipped = IndexUpsert {
        bk_hash: row.bk_hash,
        data_hash: row.data_hash,
        rowversion: Some("9"),
        target_uid: None,
    };
    f.db.write(|tx| upsert(tx, f.entity, run, &[skipped], None))
        .unwrap();
    let stored = get(&f.db.conn().unwrap(), f.entity, bk(1))
        .unwrap()
        .unwrap();
    assert_eq!(stored.rowversion.as_deref(), Some("9"));
    assert_eq!(
        stored.target_uid.as_deref(),
        Some("uid-1"),
        "a skip keeps the stored target uid"
    );
    assert!(
        record_index::seen_by(&f.db.conn().unwrap(), f.entity, run, bk(1)).unwrap(),
        "and the run's seen mark is set"
    );
}

#[test]
fn reinserts_records_that_were_deleted() {
    let f = fixture();
    let run = RunId::new();
    f.load(run, &[key(1, "a", None)]);
    f.db.write(|tx| mark_deleted(tx, f.entity, run, &[bk(1)]))
        .unwrap();
    assert_eq!(f.ops(RunId::new(), &[key(1, "a", None)]), [Op::Insert]);
}

#[test]
fn the_same_key_twice_in_a_page_keeps_the_higher_rowversion() {
    let f = fixture();
    let run = RunId::new();
    assert_eq!(
        f.ops(run, &[key(1, "a", Some("10")), key(1, "b", Some("9"))]),
        [Op::Insert, Op::Duplicate]
    );
    assert_eq!(
        f.ops(run, &[key(1, "a", Some("9")), key(1, "b", Some("10"))]),
        [Op::Duplicate, Op::Insert]
    );
    let page = f.decide(
        run,
        &[key(1, "a", None), key(2, "x", None), key(1, "b", None)],
    );
    assert_eq!(
        page.decisions.iter().map(|d| d.op).collect::<Vec<_>>(),
        [Op::Duplicate, Op::Insert, Op::Insert]
    );
    assert_eq!(
        page.counts.duplicates, 1,
        "without rowversions the later row in fetch order wins"
    );
}

#[test]
fn a_key_repeated_on_a_later_page_loses_only_to_a_higher_stored_rowversion() {
    let f = fixture();
    let run = RunId::new();
    f.load(run, &[key(1, "a", Some("10"))]);
    assert_eq!(f.ops(run, &[key(1, "b", Some("3"))]), [Op::Duplicate]);
    let later = f.decide(run, &[key(1, "b", Some("11"))]);
    assert_eq!(
        (later.decisions[0].op, later.decisions[0].repeat_in_run),
        (Op::Update, true)
    );
    let other_run = f.decide(RunId::new(), &[key(1, "b", Some("3"))]);
    assert_eq!(
        (
            other_run.decisions[0].op,
            other_run.decisions[0].repeat_in_run
        ),
        (Op::Update, false)
    );
}

fn full(max: f64) -> DeleteCheck {
    DeleteCheck {
        full_run: true,
        read_whole_source: true,
        rows_without_key: 0,
        max_delete_ratio: max,
    }
}

/// 10 records loaded by one run, then a full run that sees the first `seen` of them.
fn after_full_run(seen: u32) -> (Fixture, RunId) {
    let f = fixture();
    let keys: Vec<_> = (0..10).map(|n| key(n, "d", None)).collect();
    f.load(RunId::new(), &keys);
    let run = RunId::new();
    f.load(run, &keys[..seen as usize]);
    (f, run)
}

#[test]
fn deletes_only_after_a_complete_full_run() {
    let (f, run) = after_full_run(9);
    let conn = f.db.conn().unwrap();
    let incremental = DeleteCheck {
        full_run: false,
        ..full(0.2)
    };
    assert!(matches!(
        plan_deletes(&conn, f.entity, run, incremental).unwrap(),
        DeletePlan::NotApplicable { .. }
    ));
    let partial = DeleteCheck {
        read_whole_source: false,
        ..full(0.2)
    };
    assert!(matches!(
        plan_deletes(&conn, f.entity, run, partial).unwrap(),
        DeletePlan::NotApplicable { .. }
    ));
    let lost_keys = DeleteCheck {
        rows_without_key: 1,
        ..full(0.2)
    };
    assert!(matches!(
        plan_deletes(&conn, f.entity, run, lost_keys).unwrap(),
        DeletePlan::NotApplicable { .. }
    ));
    assert_eq!(
        plan_deletes(&conn, f.entity, run, full(0.2)).unwrap(),
        DeletePlan::Proceed {
            count: 1,
            active: 10
        }
    );
}

#[test]
fn streams_the_unseen_records_and_marks_them_deleted() {
    let (f, run) = after_full_run(8);
    let mut unseen = Vec::new();
    for_each_unseen::<StoreError>(&f.db.conn().unwrap(), f.entity, run, 1, |batch| {
        unseen.extend(batch.iter().map(|r| r.bk_hash));
        Ok(())
    })
    .unwrap();
    let mut want = vec![bk(8), bk(9)];
    want.sort();
    assert_eq!(unseen, want);
    assert_eq!(
        f.db.write(|tx| mark_deleted(tx, f.entity, run, &unseen))
            .unwrap(),
        2
    );
    let conn = f.db.conn().unwrap();
    assert_eq!(
        plan_deletes(&conn, f.entity, run, full(0.2)).unwrap(),
        DeletePlan::Nothing
    );
    assert_eq!(record_index::count_active(&conn, f.entity).unwrap(), 8);
}

#[test]
fn holds_deletes_above_the_safety_valve_for_review() {
    let (f, run) = after_full_run(7);
    let plan = plan_deletes(
        &f.db.conn().unwrap(),
        f.entity,
        run,
        full(DeleteCheck::DEFAULT_MAX_DELETE_RATIO),
    )
    .unwrap();
    assert!(
        matches!(
            plan,
            DeletePlan::NeedsReview {
                count: 3,
                active: 10,
                ..
            }
        ),
        "30% > 20%: {plan:?}"
    );
}

#[test]
fn failed_rows_touched_as_seen_are_not_deleted() {
    let (f, run) = after_full_run(9);
    f.db.write(|tx| record_index::touch_seen(tx, f.entity, run, &[bk(9)], None))
        .unwrap();
    assert_eq!(
        plan_deletes(&f.db.conn().unwrap(), f.entity, run, full(0.2)).unwrap(),
        DeletePlan::Nothing
    );
}
