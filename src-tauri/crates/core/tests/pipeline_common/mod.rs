//! Shared setup for the pipeline tests: both simulators in-process, a real SQLite file in a temp dir, the three
//! sample entities applied from a config file, and helpers that read ScheduleHub's state.
#![allow(dead_code)] // each test file uses a different subset

use std::collections::HashSet;
use std::sync::Arc;
use syncflow_core::app::SyncFlow;
use syncflow_core::config_file::ConfigFile;
use syncflow_core::pipeline::{RunOptions, RunOutcome};
use syncflow_core::secrets::{MemoryStore, Secret, SecretStore};
use syncflow_core::store::Db;
use syncflow_sim::apismith::catalog::Kind;
use syncflow_sim::apismith::generate::{BadKind, Generator};
use syncflow_sim::{SimConfig, SimHandle};

pub const SEED: u64 = 11;

pub struct Harness {
    pub sim: SimHandle,
    pub app: SyncFlow,
    pub db: Db,
    pub dir: tempfile::TempDir,
    pub bad_row_ratio: f64,
    pub items: u64,
}

/// `items_extra` is appended to the items entity's TOML section (strategy, mappings …).
pub fn config_text(sim: &SimHandle, items_extra: &str) -> String {
    format!(
        r#"
[connections.erp]
kind = "apismith"
url = "{a}"
username = "sync"
[connections.plan]
kind = "schedulehub"
url = "{s}"
username = "sync"

[entities.sites]
source = "erp"
slug = "sites"
target = "plan"

[entities.work_areas]
source = "erp"
slug = "work-areas"
target = "plan"
[entities.work_areas.parents.site]
entity = "sites"
fields = {{ SITE_ID = "SITE_ID" }}

[entities.inventory_items]
source = "erp"
slug = "inventory-items"
target = "plan"
{items_extra}
[entities.inventory_items.parents.site]
entity = "sites"
fields = {{ SITE_ID = "SITE_ID" }}
"#,
        a = sim.apismith_url,
        s = sim.schedulehub_url,
        items_extra = if items_extra.contains("page_size") {
            items_extra.to_owned()
        } else {
            format!("page_size = 2500\n{items_extra}")
        }
    )
}

pub async fn harness(items: u64, bad_row_ratio: f64, items_extra: &str) -> Harness {
    harness_with(
        items,
        bad_row_ratio,
        memory_secrets(&[("connection:erp", "sync"), ("connection:plan", "sync")]),
        |sim| config_text(sim, items_extra),
    )
    .await
}

/// Keychain entries (key, secret) in a memory store.
pub fn memory_secrets(entries: &[(&str, &str)]) -> Arc<dyn SecretStore> {
    let store = MemoryStore::default();
    for (key, secret) in entries {
        store.set(key, &Secret::new(*secret)).unwrap();
    }
    Arc::new(store)
}

/// Simulators with `items` inventory items, a fresh SQLite file, `secrets`, and the configuration `config` writes for
/// the simulators' addresses, applied.
pub async fn harness_with(
    items: u64,
    bad_row_ratio: f64,
    secrets: Arc<dyn SecretStore>,
    config: impl FnOnce(&SimHandle) -> String,
) -> Harness {
    let sim = syncflow_sim::start(SimConfig {
        items,
        seed: SEED,
        bad_row_ratio,
        ..SimConfig::default()
    })
    .await
    .expect("simulators start");
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("syncflow.db")).unwrap();
    let app = SyncFlow::new(db.clone(), secrets);
    let file: ConfigFile = toml::from_str(&config(&sim)).unwrap();
    app.apply_config(&file).await.expect("config applies");
    Harness {
        sim,
        app,
        db,
        dir,
        bad_row_ratio,
        items,
    }
}

pub fn opts(full: bool) -> RunOptions {
    RunOptions {
        full,
        trigger: "test".into(),
        row_budget: None,
    }
}

impl Harness {
    /// `POST /_sim/schema` over HTTP, as an ERP admin editing the API would change it.
    pub async fn change_schema(&self, body: serde_json::Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/_sim/schema", self.sim.apismith_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "schema change refused: {}",
            r.status()
        );
    }

    pub async fn run(&self, entity: &str, full: bool) -> RunOutcome {
        self.app.run(entity, opts(full)).await.expect("run starts")
    }

    pub async fn sync_all(&self) -> Vec<RunOutcome> {
        self.app
            .sync_all(opts(false))
            .await
            .expect("sync all starts")
    }

    /// Records ScheduleHub holds for an entity.
    pub fn target_count(&self, entity: &str) -> u64 {
        self.sim.schedulehub_state()["entities"][entity]["records"]
            .as_u64()
            .unwrap_or(0)
    }

    pub fn target_duplicates(&self, entity: &str) -> u64 {
        self.sim.schedulehub_state()["entities"][entity]["duplicate_records"]
            .as_u64()
            .unwrap_or(0)
    }

    pub fn target_hashes(&self, entity: &str) -> HashSet<String> {
        self.sim
            .schedulehub_records(entity)
            .iter()
            .map(|r| r["erp_key_hash"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn local_active(&self, entity: &str) -> u64 {
        let conn = self.db.conn().unwrap();
        conn.query_row(
            "SELECT COUNT(*) FROM record_index r JOIN record_index_entities x ON x.no = r.entity_no
             JOIN entities e ON e.id = x.entity_id
             WHERE e.name = ?1 AND r.active = 1",
            [entity],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as u64
    }

    pub fn count(&self, sql: &str) -> u64 {
        self.db
            .conn()
            .unwrap()
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .unwrap() as u64
    }

    /// Business keys (ITEM_ID, SITE_ID) the generated items should land as in ScheduleHub: rows that are bad on
    /// purpose fail or wait for a parent, a duplicated key lands once.
    pub fn expected_items(&self) -> HashSet<(String, String)> {
        let g = Generator {
            seed: SEED,
            sites: 50,
            work_areas: 500,
            bad_row_ratio: self.bad_row_ratio,
        };
        let site = |idx: u64| {
            // Same stream as the generator's site_of: a row's site is a pure function of its index.
            let row = g.row(Kind::Items, idx, 0, 1);
            row.iter()
                .find(|(n, _)| *n == "SITE_ID")
                .unwrap()
                .1
                .as_str()
                .unwrap()
                .to_owned()
        };
        let mut out = HashSet::new();
        for idx in 0..self.items {
            match g.bad_kind(Kind::Items, idx) {
                Some(BadKind::DuplicateKey) => {
                    let prev = g.row(Kind::Items, idx, 0, 1);
                    let id = prev
                        .iter()
                        .find(|(n, _)| *n == "ITEM_ID")
                        .unwrap()
                        .1
                        .as_str()
                        .unwrap()
                        .to_owned();
                    out.insert((id, site(idx)));
                }
                Some(_) => {}
                None => {
                    out.insert((format!("ITM-{:08}", idx + 1), site(idx)));
                }
            }
        }
        out
    }

    pub fn target_keys(&self, entity: &str) -> HashSet<(String, String)> {
        self.sim
            .schedulehub_records(entity)
            .iter()
            .map(|r| {
                (
                    r["ITEM_ID"].as_str().unwrap_or_default().to_owned(),
                    r["SITE_ID"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}
