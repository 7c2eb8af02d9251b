//! The CLI over the real pipeline: `apply` + `sync --json` against the in-process simulators, `failed retry` by
//! filter, `runs show` with the run's samples, and the crash test —
//! `sync` killed with SIGKILL at random points N times (SYNCFLOW_CRASH_TRIALS, default 5), then resumed: no row
//! lost, no duplicate in ScheduleHub.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use syncflow_sim::{Faults, SimConfig, SimHandle};

fn cli(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_syncflow-cli"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env("ERP_PASSWORD", "sync")
        .env("PLAN_PASSWORD", "sync");
    c
}

async fn output(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().expect("syncflow-cli runs"))
        .await
        .unwrap()
}

/// Asserts that the command succeeded; a failure shows `what`, then the command's stdout and stderr.
#[track_caller]
fn succeeded(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn config(sim: &SimHandle) -> String {
    format!(
        r#"
[connections.erp]
kind = "apismith"
url = "{a}"
username = "sync"
password_env = "ERP_PASSWORD"
[connections.plan]
kind = "schedulehub"
url = "{s}"
username = "sync"
password_env = "PLAN_PASSWORD"
[entities.sites]
source = "erp"
slug = "sites"
target = "plan"
[entities.inventory_items]
source = "erp"
slug = "inventory-items"
target = "plan"
page_size = 1000
[entities.inventory_items.parents.site]
entity = "sites"
fields = {{ SITE_ID = "SITE_ID" }}
[[entities.inventory_items.mappings]]
source = "DESCRIPTION"
target = "DESCRIPTION"
transformation = "trim"
"#,
        a = sim.apismith_url,
        s = sim.schedulehub_url
    )
}

async fn setup(items: u64) -> (SimHandle, tempfile::TempDir, std::path::PathBuf) {
    let sim = syncflow_sim::start(SimConfig {
        items,
        seed: 5,
        bad_row_ratio: 0.0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let cfg = dir.path().join("syncflow.toml");
    std::fs::write(&cfg, config(&sim)).unwrap();
    for _ in 0..2 {
        let out = output(cli(&db, &["apply", cfg.to_str().unwrap()])).await;
        succeeded(&out, "apply (twice: idempotent)");
    }
    (sim, dir, db)
}

fn summaries(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn items_state(sim: &SimHandle) -> (u64, u64, usize) {
    let st = sim.schedulehub_state();
    let distinct: std::collections::HashSet<String> = sim
        .schedulehub_records("inventory_items")
        .iter()
        .map(|r| r["ITEM_ID"].as_str().unwrap().to_owned())
        .collect();
    (
        st["entities"]["inventory_items"]["records"]
            .as_u64()
            .unwrap_or(0),
        st["entities"]["inventory_items"]["duplicate_records"]
            .as_u64()
            .unwrap_or(0),
        distinct.len(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_json_prints_one_summary_per_run_and_help_is_everywhere() {
    let (sim, _dir, db) = setup(3_000).await;
    let out = output(cli(&db, &["sync", "--all", "--json"])).await;
    succeeded(&out, "sync --all --json");
    let runs = summaries(&out);
    assert_eq!(runs.len(), 2, "sites and items");
    assert_eq!(runs[0]["entity"], "sites", "parents first");
    assert_eq!(runs[1]["inserted"], 3_000);
    assert_eq!(runs[1]["status"], "completed");
    for key in [
        "run_id",
        "fetched",
        "updated",
        "deleted",
        "skipped",
        "failed",
        "pending",
        "duplicates",
        "duration_ms",
        "rows_per_sec",
        "error",
    ] {
        assert!(runs[1].get(key).is_some(), "summary has {key}");
    }
    assert_eq!(items_state(&sim), (3_000, 0, 3_000));
    for sub in [
        vec!["sync"],
        vec!["runs", "list"],
        vec!["failed", "export"],
        vec!["entity", "discover"],
        vec!["entity", "remove"],
        vec!["connection", "test"],
        vec!["connection", "rename"],
    ] {
        let mut args = sub.clone();
        args.push("--help");
        let out = output(cli(&db, &args)).await;
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "{sub:?} --help"
        );
    }
    // An unreachable source fails the run with a message and a non-zero exit.
    sim.set_apismith_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    let out = output(cli(&db, &["sync", "inventory_items", "--json"])).await;
    assert!(!out.status.success(), "a failed run exits non-zero");
    let s = &summaries(&out)[0];
    assert_eq!(s["status"], "failed");
    assert!(s["error"].as_str().unwrap().contains("503"), "{s}");

    // Removing an entity: refused for a parent, done for a child (its runs go with it).
    let out = output(cli(&db, &["entity", "remove", "sites"])).await;
    assert!(!out.status.success(), "a parent is not removed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("entity 'sites' is the parent of inventory_items"),
        "{err}"
    );
    let removed = json(&output(cli(&db, &["entity", "remove", "inventory_items"])).await);
    assert_eq!(removed["entities"], 1);
    assert_eq!(
        removed["runs"], 2,
        "the completed run and the failed one: {removed}"
    );
    let out = output(cli(&db, &["sync", "inventory_items", "--json"])).await;
    assert!(!out.status.success(), "the removed entity is gone");
}

fn json(out: &Output) -> serde_json::Value {
    succeeded(out, "a command with JSON output");
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_rename_keeps_the_entities_syncing_and_refuses_a_taken_name() {
    let (sim, _dir, db) = setup(500).await;
    let out = output(cli(&db, &["connection", "rename", "erp", "plant-erp"])).await;
    succeeded(&out, "connection rename erp plant-erp");
    let out = output(cli(&db, &["sync", "--all", "--json"])).await;
    succeeded(&out, "the entities read from the renamed connection");
    assert_eq!(items_state(&sim), (500, 0, 500));
    let out = output(cli(&db, &["connection", "test", "erp"])).await;
    assert!(!out.status.success(), "the old name is gone");
    let out = output(cli(&db, &["connection", "rename", "plant-erp", "plan"])).await;
    assert!(!out.status.success(), "a taken name is refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a connection named 'plan' already exists"),
        "{err}"
    );
    let out = output(cli(&db, &["connection", "test", "plant-erp"])).await;
    succeeded(&out, "the refused rename changed nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_retry_by_filter_retries_what_matches_and_runs_show_prints_the_samples() {
    let (sim, _dir, db) = setup(3_000).await;
    json(&output(cli(&db, &["sync", "sites", "--json"])).await);
    // ScheduleHub refuses some items, one by one: load failures.
    sim.set_schedulehub_faults(Faults {
        seed: 3,
        reject_rate: 0.05,
        ..Faults::default()
    });
    let out = output(cli(&db, &["sync", "inventory_items", "--json"])).await;
    let run = summaries(&out)[0].clone();
    let refused = run["failed"].as_u64().unwrap();
    assert!(refused > 0, "{run}");
    sim.reset_faults();
    let open = |db: std::path::PathBuf| async move {
        let page =
            json(&output(cli(&db, &["failed", "list", "--entity", "inventory_items"])).await);
        page["total"].as_u64().unwrap()
    };
    assert_eq!(open(db.clone()).await, refused);

    // A filter that matches none of them retries nothing (it is not widened to the whole entity).
    let none = json(
        &output(cli(
            &db,
            &[
                "failed",
                "retry",
                "--entity",
                "inventory_items",
                "--stage",
                "validate",
            ],
        ))
        .await,
    );
    assert_eq!(none, serde_json::json!([]));
    assert_eq!(open(db.clone()).await, refused, "nothing was retried");

    let retried = json(
        &output(cli(
            &db,
            &["failed", "retry", "--stage", "load", "--search", "rejected"],
        ))
        .await,
    );
    let resolved: u64 = retried
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["resolved"].as_u64().unwrap())
        .sum();
    assert_eq!(resolved, refused, "{retried}");
    assert_eq!(open(db.clone()).await, 0);
    assert_eq!(items_state(&sim), (3_000, 0, 3_000));

    let shown = json(&output(cli(&db, &["runs", "show", run["run_id"].as_str().unwrap()])).await);
    let samples = shown["samples"].as_array().unwrap();
    assert!(!samples.is_empty(), "{shown}");
    let mut last = (0, 0);
    for s in samples {
        let now = (
            s["elapsed_ms"].as_u64().unwrap(),
            s["rows_done"].as_u64().unwrap(),
        );
        assert!(
            now.0 > last.0 && now.1 >= last.1,
            "oldest first, rows growing: {samples:?}"
        );
        assert!(s["rows_per_sec"].as_f64().unwrap() >= 0.0);
        last = now;
    }
    assert!(last.1 <= 3_000, "{samples:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_then_resume_loses_nothing_and_duplicates_nothing() {
    let trials: u64 = std::env::var("SYNCFLOW_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let items = 15_000;
    let (sim, _dir, db) = setup(items).await;
    let out = output(cli(&db, &["sync", "sites", "--json"])).await;
    succeeded(&out, "sites");
    // Slow writes keep requests in flight when the kill lands; a share are applied and answered 503.
    sim.set_schedulehub_faults(Faults {
        latency_ms: 15,
        applied_then_503_rate: 0.05,
        seed: 3,
        ..Faults::default()
    });
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut kills = 0;
    for _ in 0..trials {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let after = Duration::from_millis(300 + rng % 2500);
        let mut child = cli(&db, &["sync", "inventory_items", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(after).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no destructor, no flush, no goodbye.
            kills += 1;
        }
        child.wait().unwrap();
    }
    let out = output(cli(&db, &["sync", "inventory_items", "--json"])).await;
    succeeded(&out, "the resuming run");
    let (records, duplicates, distinct) = items_state(&sim);
    assert!(kills > 0, "at least one kill landed mid-run");
    assert_eq!(
        duplicates, 0,
        "ScheduleHub got no duplicate after {kills} kills"
    );
    assert_eq!(distinct as u64, items, "no row lost after {kills} kills");
    assert_eq!(records, items);
    // A full run afterwards finds nothing to delete: the index lost nothing either.
    sim.reset_faults();
    let out = output(cli(&db, &["sync", "inventory_items", "--full", "--json"])).await;
    let s = &summaries(&out)[0];
    assert_eq!(s["deleted"], 0, "{s}");
    assert_eq!(s["inserted"], 0, "{s}");
}

/// (records of `entity` in record_index, keys in record_keys, records above its watermark: its tail)
fn index_state(db: &Path, entity: &str) -> (i64, i64, i64) {
    let db = syncflow_core::store::Db::open(db).unwrap();
    let conn = db.conn().unwrap();
    let count = |sql: &str| -> i64 {
        conn.query_row(
            &format!(
                "SELECT COUNT(*) FROM {sql} x.no = (SELECT e.no FROM record_index_entities AS e
                 JOIN entities AS n ON n.id = e.entity_id WHERE n.name = ?1)"
            ),
            [entity],
            |r| r.get(0),
        )
        .unwrap()
    };
    (
        count("record_index AS r JOIN record_index_entities AS x ON x.no = r.entity_no WHERE"),
        count("record_keys AS k JOIN record_index_entities AS x ON x.no = k.entity_no WHERE"),
        count(
            "record_index AS r JOIN record_index_entities AS x ON x.no = r.entity_no
             WHERE r.id > x.keys_to AND",
        ),
    )
}

/// A crash between a run's last checkpoint and the fold of its new records into the key table (the test hook
/// `SYNCFLOW_TEST_ABORT_BEFORE_FOLD` aborts the process there) leaves them as the entity's unfolded tail: the next
/// run finds every one of them there, sends nothing twice, and folds them; a full run then finds nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_the_last_page_and_the_fold_loses_nothing_and_duplicates_nothing() {
    let items = 6_000;
    let (sim, _dir, db) = setup(items).await;
    // The parents die before their fold too: the children find them in the sites' tail, none waits.
    for entity in ["sites", "inventory_items"] {
        let mut dying = cli(&db, &["sync", entity, "--json"]);
        dying.env("SYNCFLOW_TEST_ABORT_BEFORE_FOLD", "1");
        let out = output(dying).await;
        assert!(
            !out.status.success(),
            "the run of {entity} died before its fold"
        );
    }
    let (sites, sites_keys, sites_tail) = index_state(&db, "sites");
    assert!(
        sites > 0 && sites_keys == 0 && sites_tail == sites,
        "{sites} {sites_keys} {sites_tail}"
    );
    assert_eq!(
        index_state(&db, "inventory_items"),
        (items as i64, 0, items as i64),
        "every record committed, none folded"
    );
    assert_eq!(items_state(&sim), (items, 0, items as usize));

    let out = output(cli(&db, &["sync", "inventory_items", "--json"])).await;
    succeeded(&out, "the next run");
    // It takes over the run that died (whose pages all landed, so its counters are that run's) and ends it.
    assert_eq!(
        summaries(&out)[0]["status"],
        "completed",
        "{:?}",
        summaries(&out)
    );
    assert_eq!(items_state(&sim), (items, 0, items as usize));
    assert_eq!(
        index_state(&db, "inventory_items"),
        (items as i64, items as i64, 0),
        "folded"
    );
    let out = output(cli(&db, &["sync", "inventory_items", "--full", "--json"])).await;
    let s = &summaries(&out)[0];
    assert_eq!(
        (&s["inserted"], &s["deleted"]),
        (&0.into(), &0.into()),
        "{s}"
    );
    assert_eq!(
        items_state(&sim),
        (items, 0, items as usize),
        "no duplicate, nothing lost"
    );
    assert_eq!(
        index_state(&db, "inventory_items"),
        (items as i64, items as i64, 0)
    );
}
