//! Seeds a SyncFlow data folder for measuring the failed-record inspector at scale, through the core's own store
//! functions: two connections, an `inventory_items` entity with a record index of N rows (default 1,000,000) and
//! M open failed records (default 100,000), as checkpoints would write them. Then times the inspector's queries.
//!
//! cargo run -p syncflow-core --example seed_inspector -- DATA_DIR [FAILED] [INDEXED]
//! SYNCFLOW_DATA_DIR=DATA_DIR target/debug/syncflow   # the real app on it (tests/e2e/inspector-perf.mjs times it)

use std::time::Instant;
use syncflow_core::config_file::ConfigFile;
use syncflow_core::identity::{BkHash, DataHash};
use syncflow_core::model::{FailedRecordFilter, Stage};
use syncflow_core::store::failed_records::{self, NewFailed};
use syncflow_core::store::record_index::{self, IndexUpsert};
use syncflow_core::store::runs::{self, NewRun};
use syncflow_core::store::{connections, entities, Db};

const CONFIG: &str = r#"
[connections.erp]
kind = "apismith"
url = "http://127.0.0.1:9"
username = "sync"
[connections.plan]
kind = "schedulehub"
url = "http://127.0.0.1:9"
username = "sync"
[entities.inventory_items]
source = "erp"
slug = "inventory-items"
target = "plan"
business_keys = ["ITEM_ID"]
strategy = "hash"
[[entities.inventory_items.mappings]]
source = "ITEM_ID"
target = "ITEM_ID"
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .ok_or("usage: seed_inspector DATA_DIR [FAILED] [INDEXED]")?,
    );
    let failed: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let indexed: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    std::fs::create_dir_all(&dir)?;
    let db = Db::open(dir.join("syncflow.db"))?;
    let file: ConfigFile = toml::from_str(CONFIG)?;
    for (name, c) in &file.connections {
        connections::save(&db, &c.to_def(name)?)?;
    }
    let (entity, _) = entities::save(
        &db,
        &file.entities["inventory_items"].to_def("inventory_items", None),
    )?;
    let run = runs::create(
        &db,
        entity,
        &NewRun {
            trigger: "cli".into(),
            ..NewRun::default()
        },
    )?;

    let t = Instant::now();
    let hash =
        |i: u64| BkHash(u128::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835));
    for chunk in (0..indexed).collect::<Vec<_>>().chunks(50_000) {
        let rows: Vec<IndexUpsert<'_>> = chunk
            .iter()
            .map(|&i| IndexUpsert {
                bk_hash: hash(i),
                data_hash: DataHash([i as u8; 32]),
                rowversion: None,
                target_uid: Some("uid"),
            })
            .collect();
        db.write(|tx| record_index::upsert(tx, entity, run, &rows, None).map(|_| ()))?;
    }
    // As the end of a run leaves them: folded into the key table.
    record_index::fold(&*db.conn()?, entity)?;
    println!(
        "record index: {indexed} rows in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let stages = [
        Stage::Normalize,
        Stage::Validate,
        Stage::Resolve,
        Stage::Load,
    ];
    for chunk in (0..failed).collect::<Vec<_>>().chunks(5_000) {
        let rows: Vec<NewFailed> = chunk
            .iter()
            .map(|&i| NewFailed {
                stage: stages[(i % 4) as usize],
                error_type: ["invalid_number", "missing_required", "parent_missing", "rejected"][(i % 4) as usize].into(),
                message: format!("QTY_ON_HAND: 'twelve' is not a number (row {i})"),
                field: Some("QTY_ON_HAND".into()),
                value: Some("twelve".into()),
                bk_hash: Some(hash(indexed + i).to_string()),
                erp_ref_str: Some(format!("inventory_items|item_id=ITEM-{i:07}")),
                raw: format!(r#"{{"ITEM_ID":"ITEM-{i:07}","SITE_ID":"S{:02}","QTY_ON_HAND":"twelve","DESCRIPTION":"Box of twelve bolts, M8, zinc plated"}}"#, i % 50),
                normalized: Some(format!(r#"{{"ITEM_ID":"ITEM-{i:07}"}}"#)),
                mapped: None,
                next_retry_at: None,
            })
            .collect();
        db.write(|tx| failed_records::record(tx, entity, run, &rows))?;
    }
    println!(
        "failed records: {failed} rows in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // The inspector's first page (no filter), then a filtered, searched and deep page.
    let mut filter = FailedRecordFilter {
        entity_id: None,
        run_id: None,
        stage: None,
        error_type: None,
        search: None,
        include_resolved: false,
        offset: 0,
        limit: 25,
    };
    for (what, f) in [
        ("first page, no filter", filter.clone()),
        ("entity + stage", {
            filter.entity_id = Some(entity.to_string());
            filter.stage = Some(Stage::Load);
            filter.clone()
        }),
        ("page 2,000 of the unfiltered view (offset 49,975)", {
            filter.entity_id = None;
            filter.stage = None;
            filter.offset = 49_975;
            filter.clone()
        }),
        ("search 'ITEM-00999'", {
            filter.offset = 0;
            filter.search = Some("ITEM-00999".into());
            filter.clone()
        }),
    ] {
        let t = Instant::now();
        let page = failed_records::list(&db, &f)?;
        println!(
            "list {what}: {} of {} in {:.1} ms",
            page.items.len(),
            page.total,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}
