//! The PostgreSQL target (SPEC §12) through the real pipeline: the APISmith simulator over loopback HTTP, a real
//! SQLite file, and a throw-away PostgreSQL server of the test's own. A full sync creates the table (types mapped
//! from the Oracle names, the `_bridge_*` columns, the business key's constraint) and equals the source; an
//! incremental run updates exactly the changed rows; a complete full run marks source deletions `_bridge_deleted`;
//! a page sent again after a crash makes no duplicate; drift adds a column; a value the column cannot hold is a
//! failed record naming the field and value; children wait for parents found in the parent's table.

mod pg_server;
mod pipeline_common;

use pg_server::PgServer;
use pipeline_common::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use syncflow_core::app::{RetrySelection, SyncFlow};
use syncflow_core::config_file::ConfigFile;
use syncflow_core::identity::BkHash;
use syncflow_core::model::RunStatus;
use syncflow_core::secrets::SecretStore;
use syncflow_core::store::{entities, writes_in_flight, Db};
use syncflow_sim::apismith::catalog::Kind;
use syncflow_sim::apismith::generate::{BadKind, Generator};
use syncflow_sim::apismith::Mutation;

const PAGE: &str = "page_size = 1000\n";

fn config(h_sim: &syncflow_sim::SimHandle, pg: &PgServer, items_extra: &str) -> String {
    format!(
        r#"
[connections.erp]
kind = "apismith"
url = "{a}"
username = "sync"
[connections.wh]
kind = "postgres"
url = "{p}"
username = "{user}"

[entities.sites]
source = "erp"
slug = "sites"
target = "wh"

[entities.inventory_items]
source = "erp"
slug = "inventory-items"
target = "wh"
table = "items"
{items_extra}
[entities.inventory_items.parents.site]
entity = "sites"
fields = {{ SITE_ID = "SITE_ID" }}
"#,
        a = h_sim.apismith_url,
        p = pg.url(),
        user = pg_server::USER,
    )
}

fn secrets() -> Arc<dyn SecretStore> {
    memory_secrets(&[
        ("connection:erp", "sync"),
        ("connection:wh", pg_server::PASSWORD),
    ])
}

async fn pg_harness(items: u64, bad_row_ratio: f64, items_extra: &str) -> (Harness, PgServer) {
    let pg = PgServer::start();
    let h = harness_with(items, bad_row_ratio, secrets(), |sim| {
        config(sim, &pg, &format!("{PAGE}{items_extra}"))
    })
    .await;
    (h, pg)
}

async fn count(c: &tokio_postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.unwrap().get(0)
}

/// `(ITEM_ID, SITE_ID)` of the live (not deleted) rows.
async fn live_keys(c: &tokio_postgres::Client) -> HashSet<(String, String)> {
    c.query(
        r#"SELECT "ITEM_ID", "SITE_ID" FROM items WHERE NOT _bridge_deleted"#,
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

fn touch(h: &Harness, update: u64, delete: u64) -> syncflow_sim::apismith::MutationResult {
    h.sim
        .mutate(&Mutation {
            slug: "inventory-items".into(),
            update,
            delete,
            ..Mutation::default()
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_creates_the_table_with_mapped_types_and_equals_the_source_exactly() {
    let mapping = r#"mappings = [{ source = "UOM", target = "ORDER" }, { source = "CATEGORY", target = "item category" }]"#;
    let (h, pg) = pg_harness(3_000, 0.01, mapping).await;
    let c = pg.client().await;
    assert_eq!(h.run("sites", true).await.status, RunStatus::Completed);
    let run = h.run("inventory_items", true).await;
    assert_eq!(
        run.status,
        RunStatus::CompletedWithErrors,
        "the deliberately bad rows fail at normalize/identity: {:?}",
        run.error
    );
    assert_eq!(
        live_keys(&c).await,
        h.expected_items(),
        "the table equals the source"
    );
    assert_eq!(
        count(&c, "SELECT COUNT(*) FROM items").await as u64,
        h.local_active("inventory_items"),
        "one row per record the index holds active"
    );
    assert_eq!(
        run.report.counters.inserted,
        h.local_active("inventory_items")
    );

    // Types as documented in CONFIG.md, column names as mapped (a keyword and a name with a space).
    let types: HashMap<String, String> = c
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
             WHERE a.attrelid = 'public.items'::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (col, ty) in [
        ("ITEM_ID", "character varying(30)"),
        ("DESCRIPTION", "character varying(400)"),
        ("item category", "character varying(50)"),
        ("ORDER", "character varying(10)"),
        ("QUANTITY", "numeric(12,2)"),
        ("UNIT_COST", "numeric(14,4)"),
        ("LEAD_TIME_DAYS", "numeric(5,0)"),
        ("IS_ACTIVE", "character varying(1)"),
        ("LAST_RECEIPT_DATE", "timestamp without time zone"),
        ("UPDATED_AT", "timestamp(6) without time zone"),
        ("ROWVERSION", "character varying(18)"),
        ("_bridge_id", "uuid"),
        ("_bridge_created_at", "timestamp with time zone"),
        ("_bridge_updated_at", "timestamp with time zone"),
        ("_bridge_key_hash", "text"),
        ("_bridge_data_hash", "text"),
        ("_bridge_rowversion", "text"),
        ("_bridge_deleted", "boolean"),
    ] {
        assert_eq!(types.get(col).map(String::as_str), Some(ty), "column {col}");
    }
    assert!(
        !types.contains_key("UOM") && !types.contains_key("erp_key_hash"),
        "mapped-away and identity fields are not columns: {types:?}"
    );
    let unique: Vec<String> = c
        .query(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid = 'public.items'::regclass AND contype = 'u'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        unique.contains(&r#"UNIQUE ("ITEM_ID", "SITE_ID")"#.to_owned()),
        "the business key is the unique constraint: {unique:?}"
    );

    // Numbers land digit for digit (sent as text, cast in SQL): UNIT_COST of every clean row against the source.
    let g = Generator {
        seed: SEED,
        sites: 50,
        work_areas: 500,
        bad_row_ratio: 0.01,
    };
    let stored: HashMap<String, Option<String>> = c
        .query(r#"SELECT "ITEM_ID", "UNIT_COST"::text FROM items"#, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut compared = 0;
    for idx in 0..3_000 {
        // A bad row, or one whose key the next row repeats (the later one wins), is not this row's data.
        if g.bad_kind(Kind::Items, idx).is_some()
            || g.bad_kind(Kind::Items, idx + 1) == Some(BadKind::DuplicateKey)
        {
            continue;
        }
        let row = g.row(Kind::Items, idx, 0, 1);
        let field = |n: &str| row.iter().find(|(k, _)| *k == n).unwrap().1.clone();
        let want = match field("UNIT_COST") {
            serde_json::Value::String(s) if s == "0" => "0.0000".to_owned(),
            serde_json::Value::String(s) => s.trim().replace(',', ""),
            serde_json::Value::Number(n) => format!("{:.4}", n.as_f64().unwrap()),
            other => panic!("unexpected UNIT_COST {other}"),
        };
        let id = field("ITEM_ID").as_str().unwrap().to_owned();
        assert_eq!(
            stored[&id].as_deref(),
            Some(want.as_str()),
            "UNIT_COST of {id}"
        );
        compared += 1;
    }
    assert!(compared > 2_900, "compared {compared} rows");
    let same_hashes = count(
        &c,
        "SELECT COUNT(*) FROM items WHERE length(_bridge_key_hash) = 32 AND length(_bridge_data_hash) = 64",
    )
    .await;
    assert_eq!(same_hashes, count(&c, "SELECT COUNT(*) FROM items").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_run_updates_exactly_the_changed_rows_and_a_full_run_marks_deletions() {
    let (h, pg) = pg_harness(3_000, 0.0, "").await;
    let c = pg.client().await;
    h.run("sites", false).await;
    assert_eq!(
        h.run("inventory_items", false).await.status,
        RunStatus::Completed
    );
    let before: String = c
        .query_one("SELECT max(_bridge_updated_at)::text FROM items", &[])
        .await
        .unwrap()
        .get(0);
    let changed: HashSet<u64> = touch(&h, 25, 0).updated.into_iter().collect();
    let inc = h.run("inventory_items", false).await;
    assert_eq!(inc.status, RunStatus::Completed, "{:?}", inc.error);
    assert_eq!(inc.report.counters.updated, changed.len() as u64);
    assert_eq!(inc.report.counters.inserted, 0);
    let touched: Vec<String> = c
        .query(
            r#"SELECT "ITEM_ID" FROM items WHERE _bridge_updated_at > $1::text::timestamptz"#,
            &[&before],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let want: HashSet<String> = changed
        .iter()
        .map(|i| format!("ITM-{:08}", i + 1))
        .collect();
    assert_eq!(
        touched.iter().cloned().collect::<HashSet<_>>(),
        want,
        "exactly the changed rows were written"
    );
    assert_eq!(count(&c, "SELECT COUNT(*) FROM items").await, 3_000);

    // Source deletions: only a complete full run marks them, and rows stay (deleted, not removed).
    let gone = touch(&h, 0, 40);
    let inc = h.run("inventory_items", false).await;
    assert_eq!(
        inc.report.counters.deleted, 0,
        "an incremental run never deletes"
    );
    assert_eq!(
        count(&c, "SELECT COUNT(*) FROM items WHERE _bridge_deleted").await,
        0
    );
    let full = h.run("inventory_items", true).await;
    assert_eq!(full.status, RunStatus::Completed, "{:?}", full.error);
    // The simulator may pick a row twice: count distinct rows.
    let gone: HashSet<u64> = gone.deleted.into_iter().collect();
    assert_eq!(full.report.counters.deleted, gone.len() as u64);
    let deleted: HashSet<String> = c
        .query(r#"SELECT "ITEM_ID" FROM items WHERE _bridge_deleted"#, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let want: HashSet<String> = gone.iter().map(|i| format!("ITM-{:08}", i + 1)).collect();
    assert_eq!(
        deleted, want,
        "exactly the rows gone from the source are marked"
    );
    assert_eq!(count(&c, "SELECT COUNT(*) FROM items").await, 3_000);
    assert_eq!(h.local_active("inventory_items"), 3_000 - gone.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_sent_again_after_a_crash_make_no_duplicate() {
    let (h, pg) = pg_harness(3_000, 0.0, "").await;
    let c = pg.client().await;
    h.run("sites", false).await;
    // The state SyncFlow had before the items' run: as if it crashed after PostgreSQL committed every page but
    // before any checkpoint landed in SQLite.
    let snapshot = h.dir.path().join("before.db");
    h.db.conn()
        .unwrap()
        .execute("VACUUM INTO ?1", [snapshot.to_str().unwrap()])
        .unwrap();
    assert_eq!(
        h.run("inventory_items", false).await.status,
        RunStatus::Completed
    );
    let ids: HashMap<String, String> = c
        .query("SELECT _bridge_key_hash, _bridge_id::text FROM items", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(ids.len(), 3_000);

    let db = Db::open(&snapshot).unwrap();
    let app = SyncFlow::new(db.clone(), secrets());
    // The first page's inserts were noted in flight when it crashed: the next run reconciles them by key hash.
    let entity = entities::get_by_name(&db, "inventory_items").unwrap().id;
    let noted: Vec<BkHash> = c
        .query(
            r#"SELECT _bridge_key_hash FROM items ORDER BY "ROWVERSION" LIMIT 1000"#,
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0).parse().unwrap())
        .collect();
    db.write(|tx| {
        writes_in_flight::record(tx, entity, syncflow_core::ids::RunId::new(), &noted)?;
        Ok(())
    })
    .unwrap();
    let again = app
        .run("inventory_items", opts(false))
        .await
        .expect("run starts");
    assert_eq!(again.status, RunStatus::Completed, "{:?}", again.error);
    assert_eq!(
        again.report.counters.skipped, 1_000,
        "inserts found applied by the reconcile are not sent again"
    );
    assert_eq!(
        again.report.counters.inserted, 2_000,
        "the rest is sent again: the upsert lands on the rows there"
    );
    assert_eq!(
        count(&c, "SELECT COUNT(*) FROM items").await,
        3_000,
        "no duplicate"
    );
    let after: HashMap<String, String> = c
        .query("SELECT _bridge_key_hash, _bridge_id::text FROM items", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        after, ids,
        "every row kept its _bridge_id: nothing was made twice"
    );
    // The index stores a uuid uid as its 16 bytes (V11), any other uid as text.
    let uids: HashSet<String> = db
        .conn()
        .unwrap()
        .prepare("SELECT target_uid FROM record_index WHERE target_uid IS NOT NULL")
        .unwrap()
        .query_map([], |r| {
            Ok(match r.get::<_, rusqlite::types::Value>(0)? {
                rusqlite::types::Value::Blob(b) => uuid::Uuid::from_slice(&b).unwrap().to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => panic!("a target uid stored as {other:?}"),
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        ids.values().all(|id| uids.contains(id)),
        "the index knows every row by the id the table holds"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_adds_a_column_and_a_value_the_column_cannot_hold_is_a_failed_record_naming_it() {
    let (h, pg) = pg_harness(2_000, 0.0, "").await;
    let c = pg.client().await;
    h.run("sites", false).await;
    assert_eq!(
        h.run("inventory_items", false).await.status,
        RunStatus::Completed
    );

    h.change_schema(serde_json::json!({"slug": "inventory-items",
            "add": [{"name": "WAREHOUSE", "data_type": "VARCHAR2(10)", "value": "WH-1"}]}))
        .await;
    touch(&h, 30, 0);
    let run = h.run("inventory_items", false).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.error);
    let ty: String = c
        .query_one(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
             WHERE attrelid = 'public.items'::regclass AND attname = 'WAREHOUSE'",
            &[],
        )
        .await
        .expect("the new column was added")
        .get(0);
    assert_eq!(ty, "character varying(10)", "typed from the API definition");
    assert_eq!(
        count(
            &c,
            r#"SELECT COUNT(*) FROM items WHERE "WAREHOUSE" = 'WH-1'"#
        )
        .await,
        30,
        "the changed rows carry it"
    );

    // The planner's DBA narrowed a column: rows whose value no longer fits fail alone, naming field and value.
    c.batch_execute(r#"ALTER TABLE items ALTER COLUMN "UOM" TYPE varchar(2) USING left("UOM", 2)"#)
        .await
        .unwrap();
    let narrowed: String = c.query_one("SELECT now()::text", &[]).await.unwrap().get(0);
    let changed: HashSet<u64> = touch(&h, 300, 0).updated.into_iter().collect();
    let run = h.run("inventory_items", false).await;
    assert_eq!(
        run.status,
        RunStatus::CompletedWithErrors,
        "bad rows fail, the run does not: {:?}",
        run.error
    );
    let conn = h.db.conn().unwrap();
    let mut st = conn
        .prepare("SELECT stage, field, value, message FROM failed_records WHERE run_id = ?1")
        .unwrap();
    let failed: Vec<(String, Option<String>, Option<String>, String)> = st
        .query_map([run.run_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!failed.is_empty(), "some touched rows carry BOX");
    for (stage, field, value, message) in &failed {
        assert_eq!(stage, "load");
        assert_eq!(field.as_deref(), Some("UOM"));
        assert_eq!(value.as_deref(), Some("BOX"));
        assert!(
            message.contains("UOM")
                && message.contains("'BOX'")
                && message.contains("character varying(2)"),
            "{message}"
        );
    }
    assert_eq!(run.report.counters.failed, failed.len() as u64);
    assert_eq!(
        run.report.counters.updated + run.report.counters.failed,
        changed.len() as u64,
        "every changed row either updated or failed"
    );
    assert!(
        run.report.counters.updated > 0,
        "the good rows of the same pages landed"
    );
    assert_eq!(
        count(
            &c,
            &format!("SELECT COUNT(*) FROM items WHERE _bridge_updated_at > '{narrowed}'")
        )
        .await as u64,
        run.report.counters.updated,
        "only the rows that fit were written: a refused value was not cut to fit"
    );

    // The column widened again, a retry of the entity's failed records loads them.
    c.batch_execute(r#"ALTER TABLE items ALTER COLUMN "UOM" TYPE varchar(10)"#)
        .await
        .unwrap();
    let retried = h
        .app
        .retry_failed(RetrySelection::Entity("inventory_items".into()))
        .await
        .unwrap();
    let resolved: u64 = retried.iter().map(|r| r.resolved).sum();
    assert_eq!(resolved, failed.len() as u64, "{retried:?}");
    assert_eq!(
        count(&c, r#"SELECT COUNT(*) FROM items WHERE "UOM" = 'BOX'"#).await,
        failed.len() as i64,
        "the retried rows landed whole (every other BOX was cut to BO by the DBA's ALTER)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_wait_for_parents_found_in_the_parent_table() {
    let (h, pg) = pg_harness(1_500, 0.0, "").await;
    let c = pg.client().await;
    let early = h.run("inventory_items", false).await;
    assert_eq!(
        early.report.counters.pending, 1_500,
        "no site exists yet (not even its table): every item waits"
    );
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'items'"
        )
        .await,
        0,
        "nothing was loaded, so no table was made"
    );
    h.run("sites", false).await;
    assert_eq!(
        h.count("SELECT COUNT(*) FROM pending_children"),
        0,
        "the parent's run released them"
    );
    assert_eq!(count(&c, "SELECT COUNT(*) FROM items").await, 1_500);

    // A second workstation (its own SQLite, empty index) loading the items finds their parents in the sites table.
    c.batch_execute("DELETE FROM items").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("other.db")).unwrap();
    let other = SyncFlow::new(db.clone(), secrets());
    let file: ConfigFile = toml::from_str(&config(&h.sim, &pg, PAGE)).unwrap();
    other.apply_config(&file).await.expect("config applies");
    let run = other
        .run("inventory_items", opts(false))
        .await
        .expect("run starts");
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.error);
    assert_eq!(
        run.report.counters.pending, 0,
        "every parent was found in the sites table, none in the local index"
    );
    assert_eq!(count(&c, "SELECT COUNT(*) FROM items").await, 1_500);
}
