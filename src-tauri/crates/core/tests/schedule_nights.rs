//! The nightly scheduler end to end, with the clock driven by the test: an initial load spread over two nights
//! against the simulators (night 1 reads half and stops, the day runs nothing, night 2 finishes, then the entity is
//! incremental), a scheduled run that waits for a locked keychain, a scheduled run the planner cancels (not taken
//! up again until the next night), and one the window's end stops (taken up again the next night). Real HTTP over
//! loopback, real SQLite.

mod pipeline_common;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Istanbul;
use pipeline_common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use syncflow_core::app::SyncFlow;
use syncflow_core::clock;
use syncflow_core::model::{ScheduleInput, ScheduleMode};
use syncflow_core::schedule::{NightSummary, Scheduler, TickReport};
use syncflow_core::secrets::{MemoryStore, Secret, SecretError, SecretStore};
use syncflow_core::store::{entities, runs, schedules};

/// The clock is process-wide: one test at a time moves it.
static CLOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn local(s: &str) -> DateTime<Utc> {
    use chrono::TimeZone;
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    Istanbul
        .from_local_datetime(&naive)
        .unwrap()
        .with_timezone(&Utc)
}

fn nightly(h: &Harness, entity: &str, nights: Option<(u32, u32)>) {
    let id = entities::find(&h.db, entity).unwrap().id;
    schedules::save(
        &h.db,
        &ScheduleInput {
            entity_id: id.to_string(),
            mode: ScheduleMode::Nightly,
            interval_minutes: None,
            window_start: "19:00".into(),
            window_end: "07:00".into(),
            days_to_complete: nights.map(|n| n.0),
            row_estimate: nights.map(|n| n.1),
            paused: false,
        },
        clock::now(),
    )
    .unwrap();
}

/// Ticks every 30 s of app time from `from` until the night's summary arrives, letting started runs finish in
/// between (runs take real time; the app clock runs on with it).
async fn night(h: &Harness, sched: &Scheduler, from: DateTime<Utc>) -> NightSummary {
    clock::set_now(from);
    for _ in 0..200 {
        let report = sched.tick(clock::now()).await.unwrap();
        if let Some(summary) = report.night_done {
            return summary;
        }
        for (_, run) in &report.started {
            wait_for_end(h, *run).await;
        }
        clock::set_offset_secs(clock::offset_secs() + 30);
    }
    panic!("the night's work never ended");
}

/// The items made nightly (19:00-07:00) with slow ScheduleHub writes, and the tick at the window's opening on
/// 2026-11-20 that starts their run: the scheduler, the opening and that tick's report.
async fn slow_nightly_run_started(h: &Harness) -> (Scheduler, DateTime<Utc>, TickReport) {
    clock::set_now(local("2026-11-20 18:00"));
    nightly(h, "inventory_items", None);
    let sched = Scheduler::new(h.app.clone(), Istanbul);
    h.sim.set_schedulehub_faults(syncflow_sim::Faults {
        latency_ms: 40,
        ..syncflow_sim::Faults::default()
    });
    let open = local("2026-11-20 19:00");
    clock::set_now(open);
    let first = sched.tick(open).await.unwrap();
    assert_eq!(first.started.len(), 1, "the opening starts the items' run");
    (sched, open, first)
}

async fn wait_for_end(h: &Harness, run: syncflow_core::ids::RunId) {
    for _ in 0..600 {
        let status = runs::get(&h.db, run).unwrap().status.as_str();
        if status != "pending" && status != "running" {
            // The run's task leaves the registry right after recording its end.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("run {run} did not end");
}

fn items_runs(h: &Harness) -> Vec<runs::RunRecord> {
    let id = entities::find(&h.db, "inventory_items").unwrap().id;
    let conn = h.db.conn().unwrap();
    let mut st = conn
        .prepare("SELECT id FROM runs WHERE entity_id = ?1 ORDER BY started_at, id")
        .unwrap();
    let ids: Vec<syncflow_core::ids::RunId> = st
        .query_map([id], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    ids.into_iter()
        .map(|r| runs::get(&h.db, r).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_initial_load_over_two_nights_reads_half_each_night_then_runs_incrementally() {
    let _clock = CLOCK.lock().await;
    // 10,000 items in pages of 2,500: two nights of 5,000 rows, two pages each.
    let h = harness(10_000, 0.0, "").await;
    clock::set_now(local("2026-11-20 12:00"));
    nightly(&h, "sites", None);
    nightly(&h, "inventory_items", Some((2, 10_000)));
    let sched = Scheduler::new(h.app.clone(), Istanbul);

    let before = sched.tick(clock::now()).await.unwrap();
    assert!(
        before.started.is_empty(),
        "noon: the window is closed, nothing starts"
    );

    let first = night(&h, &sched, local("2026-11-20 19:00")).await;
    assert_eq!(
        (first.runs, first.completed, first.to_continue),
        (2, 1, 1),
        "sites completed, the items stopped after their nightly share: {first:?}"
    );
    let r1 = items_runs(&h);
    assert_eq!(r1.len(), 1);
    assert_eq!(r1[0].status.as_str(), "cancelled");
    assert_eq!(r1[0].row_budget, Some(5_000), "ceil(10,000 / 2)");
    assert_eq!(
        r1[0].counters.fetched, 5_000,
        "stopped after the page that reached the budget"
    );
    assert_eq!(h.target_count("inventory_items"), 5_000);
    let stopped_by: Option<String> =
        h.db.conn()
            .unwrap()
            .query_row(
                "SELECT stopped_by FROM runs WHERE id = ?1",
                [r1[0].id],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(stopped_by.as_deref(), Some("row_budget"));
    let list = schedules::list_in(&h.db, clock::now(), Istanbul).unwrap();
    let items = list
        .iter()
        .find(|s| s.entity_name == "inventory_items")
        .unwrap();
    let progress = items
        .initial_load
        .as_ref()
        .expect("an initial load is shown");
    assert_eq!((progress.rows_read, progress.percent), (5_000, 50));
    assert_eq!(
        progress.expected_finish_at.as_deref(),
        Some(
            local("2026-11-22 07:00")
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .as_str()
        ),
        "the second share is read tomorrow night"
    );

    // The rest of the night and the day: nothing starts (ticks an hour apart, clock driven by the test).
    let mut t = clock::now() + Duration::minutes(5);
    while t < local("2026-11-21 19:00") {
        clock::set_now(t);
        let r = sched.tick(t).await.unwrap();
        assert!(r.started.is_empty(), "nothing runs at {t}");
        t += Duration::hours(1);
    }
    assert_eq!(items_runs(&h).len(), 1);

    let second = night(&h, &sched, local("2026-11-21 19:00")).await;
    assert_eq!(second.failed, 0, "{second:?}");
    let r2 = items_runs(&h);
    assert_eq!(r2.len(), 2);
    assert_eq!(
        r2[1].status.as_str(),
        "completed",
        "{:?}",
        r2[1].error_message
    );
    assert_eq!(
        r2[1].resumed_from,
        Some(r1[0].id),
        "continues the first night's cursor"
    );
    assert_eq!(
        (r2[1].counters.fetched, r2[1].counters.skipped),
        (5_001, 1),
        "reads the second half from the first night's last rowversion (that row again, skipped)"
    );
    assert_eq!(h.target_count("inventory_items"), 10_000);
    assert_eq!(h.target_duplicates("inventory_items"), 0);
    let done = schedules::list_in(&h.db, clock::now(), Istanbul).unwrap();
    let progress = done
        .iter()
        .find(|s| s.entity_name == "inventory_items")
        .unwrap()
        .initial_load
        .clone()
        .unwrap();
    assert!(progress.complete && progress.percent == 100);

    // Night 3: the entity switched to its incremental schedule by itself.
    night(&h, &sched, local("2026-11-22 19:00")).await;
    let r3 = items_runs(&h);
    assert_eq!(r3.len(), 3);
    assert_eq!(
        r3[2].row_budget, None,
        "no budget once the initial load is complete"
    );
    assert!(
        r3[2].watermark_before.is_some(),
        "reads from the watermark: incremental"
    );
    assert_eq!(r3[2].resumed_from, None);
    assert_eq!(
        r3[2].counters.fetched, 0,
        "nothing changed at the source since"
    );
    clock::set_offset_secs(0);
}

/// The keychain as a locked Secret Service behaves: every read refused until unlocked.
struct Lockable {
    inner: MemoryStore,
    locked: AtomicBool,
}

impl SecretStore for Lockable {
    fn get(&self, key: &str) -> Result<Secret, SecretError> {
        if self.locked.load(Ordering::SeqCst) {
            return Err(SecretError::Locked("collection 'login' is locked".into()));
        }
        self.inner.get(key)
    }
    fn set(&self, key: &str, secret: &Secret) -> Result<(), SecretError> {
        self.inner.set(key, secret)
    }
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.inner.delete(key)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_run_waits_for_a_locked_keychain_and_starts_once_it_is_unlocked() {
    let _clock = CLOCK.lock().await;
    let h = harness(500, 0.0, "").await;
    let store = Arc::new(Lockable {
        inner: MemoryStore::default(),
        locked: AtomicBool::new(true),
    });
    for key in ["connection:erp", "connection:plan"] {
        store.inner.set(key, &Secret::new("sync")).unwrap();
    }
    let flow = SyncFlow::new(h.db.clone(), store.clone());
    clock::set_now(local("2026-11-20 18:00"));
    nightly(&h, "sites", None);
    let sched = Scheduler::new(flow, Istanbul);

    let open = local("2026-11-20 19:00");
    clock::set_now(open);
    let first = sched.tick(open).await.unwrap();
    assert!(first.started.is_empty(), "no run without its credential");
    assert_eq!(first.waiting_for_keychain.len(), 1);
    assert_eq!(first.newly_waiting.len(), 1, "reported once");
    assert!(
        first.newly_waiting[0].1.contains("locked"),
        "{:?}",
        first.newly_waiting
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM runs"),
        0,
        "no run is created (and nothing else is tried) while the keychain is locked"
    );

    let later = open + Duration::seconds(30);
    clock::set_now(later);
    let second = sched.tick(later).await.unwrap();
    assert!(second.started.is_empty(), "waits between attempts");
    assert_eq!(second.waiting_for_keychain.len(), 1, "still waiting");
    assert!(second.newly_waiting.is_empty(), "no second notification");
    assert_eq!(sched.keychain_waits().len(), 1, "shown in the tray");

    let retry = open + Duration::minutes(5);
    clock::set_now(retry);
    let still_locked = sched.tick(retry).await.unwrap();
    assert!(still_locked.started.is_empty(), "tried again, still locked");

    store.locked.store(false, Ordering::SeqCst);
    let unlocked = open + Duration::minutes(10);
    clock::set_now(unlocked);
    let r = sched.tick(unlocked).await.unwrap();
    assert_eq!(
        r.started.len(),
        1,
        "starts at the next attempt after unlocking"
    );
    assert!(r.waiting_for_keychain.is_empty());
    assert!(sched.keychain_waits().is_empty());
    wait_for_end(&h, r.started[0].1).await;
    assert_eq!(
        runs::get(&h.db, r.started[0].1).unwrap().status.as_str(),
        "completed"
    );
    clock::set_offset_secs(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_run_the_planner_cancels_is_not_taken_up_again_until_the_next_night() {
    let _clock = CLOCK.lock().await;
    let h = harness(12_000, 0.0, "page_size = 500").await;
    // Slow writes, so the planner's cancel lands while the run works.
    let (sched, open, first) = slow_nightly_run_started(&h).await;
    let run = first.started[0].1;
    // Cancel once a page is checkpointed (as the recovery tests do): a cancel that lands before any page leaves
    // nothing to continue from (the next night would start afresh, which is right, but not what this is about).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while runs::get(&h.db, run).unwrap().cursor.is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "no page was checkpointed in a minute"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        h.app.cancel(run).unwrap(),
        "the planner cancels tonight's run"
    );
    wait_for_end(&h, run).await;
    assert_eq!(runs::get(&h.db, run).unwrap().status.as_str(), "cancelled");
    h.sim.reset_faults();

    for minutes in [1, 30, 11 * 60 + 59] {
        let t = open + Duration::minutes(minutes);
        clock::set_now(t);
        let r = sched.tick(t).await.unwrap();
        assert!(
            r.started.is_empty(),
            "{minutes} min into the window it stays cancelled"
        );
    }
    assert_eq!(
        h.count("SELECT COUNT(*) FROM runs"),
        1,
        "no run was started again"
    );

    let next_night = local("2026-11-21 19:00");
    clock::set_now(next_night);
    let r = sched.tick(next_night).await.unwrap();
    assert_eq!(r.started.len(), 1, "the next night runs again");
    wait_for_end(&h, r.started[0].1).await;
    let resumed = runs::get(&h.db, r.started[0].1).unwrap();
    assert_eq!(resumed.status.as_str(), "completed");
    assert_eq!(
        resumed.resumed_from,
        Some(run),
        "from the cancelled run's checkpoint"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_run_still_going_when_the_window_closes_is_stopped_and_resumed_the_next_night()
{
    let _clock = CLOCK.lock().await;
    let h = harness(12_000, 0.0, "page_size = 500").await;
    // The items' parents are loaded: no item waits for its site.
    h.run("sites", false).await;
    // Slow writes: the run is still at work when the window closes.
    let (sched, _, first) = slow_nightly_run_started(&h).await;
    let run = first.started[0].1;
    assert!(first.stopped_at_window_end.is_empty());

    let close = local("2026-11-21 07:00");
    clock::set_now(close);
    let at_close = sched.tick(close).await.unwrap();
    assert_eq!(
        at_close.stopped_at_window_end,
        vec![run],
        "the window end stops tonight's run"
    );
    assert!(
        at_close.started.is_empty(),
        "nothing starts at the window end"
    );
    wait_for_end(&h, run).await;
    let stopped = runs::get(&h.db, run).unwrap();
    assert_eq!(stopped.status.as_str(), "cancelled");
    h.sim.reset_faults();
    let loaded = h.target_count("inventory_items");
    assert!(
        loaded < 12_000,
        "the run stopped before the end of the source ({loaded} loaded)"
    );

    let day = close + Duration::hours(6);
    clock::set_now(day);
    let r = sched.tick(day).await.unwrap();
    assert!(r.started.is_empty(), "the day runs nothing");
    assert!(r.stopped_at_window_end.is_empty(), "a run is stopped once");

    let next_night = local("2026-11-21 19:00");
    clock::set_now(next_night);
    let r = sched.tick(next_night).await.unwrap();
    assert_eq!(r.started.len(), 1, "the next night takes it up again");
    wait_for_end(&h, r.started[0].1).await;
    let resumed = runs::get(&h.db, r.started[0].1).unwrap();
    assert_eq!(resumed.status.as_str(), "completed");
    assert_eq!(
        resumed.resumed_from,
        Some(run),
        "from the stopped run's checkpoint"
    );
    assert_eq!(h.target_count("inventory_items"), 12_000);
    clock::set_offset_secs(0);
}
