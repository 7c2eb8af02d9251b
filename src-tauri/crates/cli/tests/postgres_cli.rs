//! The CLI with a PostgreSQL target against a throw-away server: `apply` takes a `postgres` connection and an
//! entity with a `table`, `connection test` logs in (and names a refused password), `sync` loads the table.

#[path = "../../core/tests/pg_server/mod.rs"]
mod pg_server;

use pg_server::PgServer;
use std::path::Path;
use std::process::{Command, Output};
use syncflow_sim::SimConfig;

fn cli(db: &Path, args: &[&str], pg_password: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syncflow-cli"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("ERP_PASSWORD", "sync")
        .env("WH_PASSWORD", pg_password)
        .output()
        .expect("syncflow-cli runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_test_and_sync_into_a_postgres_table() {
    let pg = PgServer::start();
    let sim = syncflow_sim::start(SimConfig {
        items: 1_200,
        seed: 5,
        bad_row_ratio: 0.0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let cfg = dir.path().join("syncflow.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[connections.erp]
kind = "apismith"
url = "{a}"
username = "sync"
password_env = "ERP_PASSWORD"
[connections.wh]
kind = "postgres"
url = "{p}&schema=public"
username = "{u}"
password_env = "WH_PASSWORD"
[entities.sites]
source = "erp"
slug = "sites"
target = "wh"
table = "erp_sites"
[entities.inventory_items]
source = "erp"
slug = "inventory-items"
target = "wh"
table = "erp_items"
page_size = 500
[entities.inventory_items.parents.site]
entity = "sites"
fields = {{ SITE_ID = "SITE_ID" }}
"#,
            a = sim.apismith_url,
            p = pg.url(),
            u = pg_server::USER,
        ),
    )
    .unwrap();
    let run = |args: Vec<String>, pw: &'static str| {
        let db = db.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                cli(&db, &a, pw)
            })
            .await
            .unwrap()
        }
    };
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let apply = run(
        vec!["apply".into(), cfg.to_str().unwrap().into()],
        pg_server::PASSWORD,
    )
    .await;
    assert!(apply.status.success(), "{}", text(&apply));

    // Both names for the target are ambiguous: refused before anything is saved.
    let both = dir.path().join("both.toml");
    std::fs::write(
        &both,
        std::fs::read_to_string(&cfg).unwrap().replace(
            "table = \"erp_items\"",
            "table = \"erp_items\"\ntarget_entity = \"items\"",
        ),
    )
    .unwrap();
    let refused = run(
        vec!["apply".into(), both.to_str().unwrap().into()],
        pg_server::PASSWORD,
    )
    .await;
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains(
            "entity 'inventory_items': set table ('erp_items', a PostgreSQL target) or target_entity ('items'"
        ),
        "{}",
        text(&refused)
    );

    let ok = run(
        vec!["connection".into(), "test".into(), "wh".into()],
        pg_server::PASSWORD,
    )
    .await;
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("connection 'wh' works"), "{}", text(&ok));
    let refused = run(
        vec!["connection".into(), "test".into(), "wh".into()],
        "wrong",
    )
    .await;
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("password authentication failed"),
        "the server's refusal is shown: {}",
        text(&refused)
    );

    let sync = run(
        vec!["sync".into(), "--all".into(), "--json".into()],
        pg_server::PASSWORD,
    )
    .await;
    assert!(sync.status.success(), "{}", text(&sync));
    let runs: Vec<serde_json::Value> = String::from_utf8_lossy(&sync.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(runs[1]["entity"], "inventory_items");
    assert_eq!(runs[1]["inserted"], 1_200);
    let c = pg.client().await;
    let n: i64 = c
        .query_one("SELECT COUNT(*) FROM erp_items", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1_200, "the table named in the file holds every item");
}
