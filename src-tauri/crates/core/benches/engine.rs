//! Engine throughput on pages of a realistic 12-column row: normalization (layers 1-5), identity, the delta
//! decision, and the record-index lookup + upsert of a 10,000-row page on a real SQLite file.
//! Targets: >= 1,000,000 rows/s on one core for the CPU stages; lookup + upsert of 10,000 rows < 20 ms.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::{json, Map, Value as Json};
use std::time::Duration;
use syncflow_core::delta::{decide, RowKey};
use syncflow_core::identity::{Exclusions, Identifier, Identity};
use syncflow_core::ids::{EntityId, RunId};
use syncflow_core::normalize::{ColumnDef, FieldMapping, NormalizeOptions, Normalizer};
use syncflow_core::store::record_index::{self, BkMap, IndexUpsert};
use syncflow_core::store::Db;

const PAGE: usize = 10_000;

fn columns() -> Vec<ColumnDef> {
    [
        ("ITEM_ID", "VARCHAR2(30)"),
        ("SITE_ID", "VARCHAR2(10)"),
        ("DESCRIPTION", "VARCHAR2(200)"),
        ("QUANTITY", "NUMBER(12,2)"),
        ("PRICE", "NUMBER(10,4)"),
        ("UOM", "CHAR(3)"),
        ("STATUS", "VARCHAR2(10)"),
        ("DUE_DATE", "DATE"),
        ("UPDATED_AT", "TIMESTAMP(6)"),
        ("NOTES", "CLOB"),
        ("WEIGHT", "BINARY_DOUBLE"),
        ("ROWVERSION", "VARCHAR2(18)"),
    ]
    .iter()
    .map(|(n, t)| ColumnDef {
        name: n.to_string(),
        data_type: Some(t.to_string()),
        is_nullable: true,
        is_business_key: false,
        is_row_version: *n == "ROWVERSION",
    })
    .collect()
}

fn mappings() -> Vec<FieldMapping> {
    vec![FieldMapping {
        source_field: "ITEM_ID".into(),
        target_field: "item_id".into(),
        transformation: Some("uppercase".into()),
        default_value: None,
        is_required: true,
    }]
}

fn raw_page(offset: usize) -> Vec<Map<String, Json>> {
    (offset..offset + PAGE)
        .map(|i| {
            let v = json!({
                "ITEM_ID": format!("ITM-{i:07}"),
                "SITE_ID": "SITE-A",
                "DESCRIPTION": format!("  Widget   large {i}  "),
                "QUANTITY": format!("{},{:03}.50", 1 + i % 900, i % 1000),
                "PRICE": "10.5",
                "UOM": "EA ",
                "STATUS": "ACTIVE",
                "DUE_DATE": "15/01/2025",
                "UPDATED_AT": "2025-01-15T10:30:45",
                "NOTES": "Checked by QA",
                "WEIGHT": 12.25,
                "ROWVERSION": format!("0x{:016X}", 2000 + i),
            });
            v.as_object().unwrap().clone()
        })
        .collect()
}

fn engine() -> (Normalizer, Identifier) {
    let n = Normalizer::new(&columns(), &mappings(), NormalizeOptions::default()).unwrap();
    let keys = vec!["item_id".to_string(), "SITE_ID".to_string()];
    let id = Identifier::new(
        "inventory_items",
        &keys,
        Some("ROWVERSION"),
        Exclusions::Default,
    )
    .unwrap();
    (n, id)
}

fn identities(n: &Normalizer, id: &Identifier, page: Vec<Map<String, Json>>) -> Vec<Identity> {
    let rows: Vec<_> = n
        .normalize_page(page)
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    id.identify_page(&rows)
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

fn cpu(c: &mut Criterion) {
    let (n, id) = engine();
    let page = raw_page(0);
    let rows: Vec<_> = n
        .normalize_page(page.clone())
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let ids: Vec<Identity> = id
        .identify_page(&rows)
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let run = RunId::new();
    // Half the page is already known (half of those changed), as on a typical incremental night.
    let stored: BkMap<_> = ids
        .iter()
        .take(PAGE / 2)
        .enumerate()
        .map(|(i, x)| {
            let data_hash = if i % 2 == 0 {
                x.data_hash
            } else {
                syncflow_core::identity::data_hash_of("old")
            };
            let rec = record_index::IndexedRecord {
                bk_hash: x.bk_hash,
                data_hash,
                rowversion: x.rowversion.clone(),
                target_uid: Some("uid".into()),
                active: true,
                last_seen_run: RunId::new(),
            };
            (x.bk_hash, rec)
        })
        .collect();

    let mut g = c.benchmark_group("cpu");
    g.throughput(Throughput::Elements(PAGE as u64));
    g.sample_size(20)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("normalize", |b| {
        b.iter_batched(
            || page.clone(),
            |p| n.normalize_page(p),
            BatchSize::LargeInput,
        )
    });
    // Reference point, not a stage: only freeing the raw page (every key and string of every APISmith row is its
    // own heap allocation, released inside `normalize_page`): the floor under `normalize` with the system allocator.
    g.bench_function("drop_raw_page", |b| {
        b.iter_batched(|| page.clone(), drop, BatchSize::LargeInput)
    });
    g.bench_function("identity", |b| b.iter(|| id.identify_page(&rows)));
    g.bench_function("delta_decide", |b| {
        let keys: Vec<RowKey> = ids.iter().map(RowKey::from).collect();
        b.iter(|| decide(&keys, &stored, run))
    });
    g.bench_function("normalize_identity_decide", |b| {
        b.iter_batched(
            || page.clone(),
            |p| {
                let ids = identities(&n, &id, p);
                let keys: Vec<RowKey> = ids.iter().map(RowKey::from).collect();
                decide(&keys, &stored, run).counts
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn store(c: &mut Criterion) {
    let (n, id) = engine();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("bench.db")).unwrap();
    let entity = EntityId::new();
    // 200,000 records already indexed, so lookups and upserts hit a realistically sized B-tree.
    for p in 0..20 {
        let ids = identities(&n, &id, raw_page(p * PAGE));
        let ups: Vec<IndexUpsert> = ids
            .iter()
            .map(|x| IndexUpsert {
                bk_hash: x.bk_hash,
                data_hash: x.data_hash,
                rowversion: x.rowversion.as_deref(),
                target_uid: Some("uid"),
            })
            .collect();
        db.write(|tx| record_index::upsert(tx, entity, RunId::new(), &ups))
            .unwrap();
    }
    let ids = identities(&n, &id, raw_page(5 * PAGE + PAGE / 2)); // half known, half new
    let bks: Vec<_> = ids.iter().map(|x| x.bk_hash).collect();
    let ups: Vec<IndexUpsert> = ids
        .iter()
        .map(|x| IndexUpsert {
            bk_hash: x.bk_hash,
            data_hash: x.data_hash,
            rowversion: x.rowversion.as_deref(),
            target_uid: Some("uid"),
        })
        .collect();

    let mut g = c.benchmark_group("record_index");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("lookup_10k", |b| {
        let conn = db.conn().unwrap();
        b.iter(|| record_index::lookup(&conn, entity, &bks).unwrap().len())
    });
    g.bench_function("lookup_and_upsert_10k_in_one_transaction", |b| {
        b.iter(|| {
            db.write(|tx| {
                let found = record_index::lookup(tx, entity, &bks)?;
                record_index::upsert(tx, entity, RunId::new(), &ups)?;
                Ok(found.len())
            })
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, cpu, store);
criterion_main!(benches);
