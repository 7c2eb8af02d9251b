//! The CPU stages of a page, pure and synchronous: normalize (layers 1-5), identity, parent BKs. Each raw row comes
//! out as a `Prepared` row: ready for delta, or refused with its stage, message and snapshots. Runs on a blocking
//! thread so fetch and load overlap with it.

use crate::config::EntityDef;
use crate::identity::{
    bk_hash_of, erp_ref_str, BkHash, Exclusions, Identifier, Identity, PageIdentifier,
};
use crate::ids::EntityId;
use crate::normalize::{FieldMapping, NormalizeOptions, Normalizer, PageNormalizer};
use crate::sink::schedulehub::Outgoing;
use crate::value::{RawRow, Row, RowError, Stage, Value};
use serde_json::Value as Json;
use std::sync::Arc;

/// One parent reference, prepared: the parent's identity calculator over the parent's field names.
#[derive(Debug, Clone)]
pub struct ParentPlan {
    pub ref_name: String,
    pub parent_id: EntityId,
    pub parent_name: String,
    pub parent_target: String,
    pub parent_fields: Vec<String>,
    pub child_fields: Vec<String>,
    identifier: Identifier,
}

impl ParentPlan {
    pub fn new(
        ref_name: &str,
        parent_id: EntityId,
        parent_name: &str,
        parent_target: &str,
        parent_fields: &[String],
        child_fields: &[String],
    ) -> Result<ParentPlan, String> {
        Ok(ParentPlan {
            ref_name: ref_name.into(),
            parent_id,
            parent_name: parent_name.into(),
            parent_target: parent_target.into(),
            parent_fields: parent_fields.to_vec(),
            child_fields: child_fields.to_vec(),
            identifier: Identifier::new(parent_name, parent_fields, None, Exclusions::Default)
                .map_err(|e| e.to_string())?,
        })
    }

    /// The parent's key fields with the child row's values; `None` when a child field is NULL or missing (no
    /// parent).
    fn key(&self, row: &Row) -> Option<Row> {
        let mut key = Row::with_capacity(self.parent_fields.len());
        for (p, c) in self.parent_fields.iter().zip(&self.child_fields) {
            match row.get(c) {
                None | Some(Value::Null) => return None,
                Some(v) => key.set(p, v.clone()),
            }
        }
        Some(key)
    }

    /// The parent BK a child row points at; `None` when a child field is NULL or missing (no parent).
    pub fn link(&self, row: &Row) -> Option<BkHash> {
        let canonical = self.identifier.bk_canonical(&self.key(row)?).ok()?;
        Some(bk_hash_of(&canonical))
    }

    /// The parent a child row points at as people read it (`parent|field=value`), for a child that waits for it:
    /// written only then, not for every row.
    pub fn ref_str(&self, row: &Row) -> Option<String> {
        let key = self.key(row)?;
        Some(format!(
            "{}|{}",
            self.parent_name,
            erp_ref_str(&key, &self.parent_fields)
        ))
    }
}

/// What is known about a refused row's business key.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Known(BkHash, String),
    /// The key fields are NULL or missing: the row cannot be any stored record.
    Absent,
    /// The key could not be computed (its value failed normalization): the row might be a stored record.
    Unknown,
}

#[derive(Debug)]
pub struct Good {
    pub row: Row,
    pub id: Identity,
    /// Per parent plan: the parent BK, or `None` for no parent.
    pub parents: Vec<Option<BkHash>>,
}

#[derive(Debug)]
pub struct Bad {
    pub error: RowError,
    pub normalized: Option<String>,
    pub mapped: Option<String>,
    pub key: Key,
}

#[derive(Debug)]
pub struct Prepared {
    /// The row as APISmith sent it (kept for failed records and parked children).
    pub raw: RawRow,
    /// The raw rowversion text, for the watermark.
    pub rowversion: Option<String>,
    pub outcome: Result<Good, Bad>,
}

/// Everything the CPU stages need for one entity, built once per run.
#[derive(Debug, Clone)]
pub struct Transformer {
    normalizer: Arc<Normalizer>,
    /// Normalizes only the business-key fields (no required checks), to name a refused row's key.
    key_normalizer: Arc<Normalizer>,
    key_sources: Vec<String>,
    identifier: Arc<Identifier>,
    pub parents: Vec<ParentPlan>,
    rowversion_source: Option<String>,
}

impl Transformer {
    pub fn new(
        def: &EntityDef,
        opts: NormalizeOptions,
        parents: Vec<ParentPlan>,
    ) -> Result<Transformer, String> {
        let normalizer = Normalizer::new(&def.columns, &def.mappings, opts)?;
        let key_maps: Vec<FieldMapping> = def
            .mappings
            .iter()
            .filter(|m| def.business_keys.contains(&m.target_field))
            .map(|m| FieldMapping {
                is_required: false,
                ..m.clone()
            })
            .collect();
        let key_normalizer = Normalizer::new(&def.columns, &key_maps, opts)?;
        let identifier = Identifier::new(
            &def.name,
            &def.business_keys,
            def.rowversion_field.as_deref(),
            Exclusions::Default,
        )
        .map_err(|e| e.to_string())?;
        Ok(Transformer {
            normalizer: Arc::new(normalizer),
            key_normalizer: Arc::new(key_normalizer),
            key_sources: def
                .business_keys
                .iter()
                .map(|k| def.source_of(k).to_owned())
                .collect(),
            identifier: Arc::new(identifier),
            parents,
            rowversion_source: def
                .rowversion_field
                .as_deref()
                .map(|f| def.source_of(f).to_owned()),
        })
    }

    fn raw_rowversion(&self, raw: &RawRow) -> Option<String> {
        match raw.get(self.rowversion_source.as_deref()?)? {
            Json::String(s) => Some(s.trim().to_owned()),
            Json::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn key_of(&self, raw: &RawRow) -> Key {
        let reduced: RawRow = raw
            .iter()
            .filter(|(k, _)| self.key_sources.iter().any(|s| s.as_str() == &***k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let Ok(row) = self.key_normalizer.normalize(reduced) else {
            return Key::Unknown;
        };
        match self.identifier.bk_canonical(&row) {
            Ok(c) => Key::Known(bk_hash_of(&c), self.identifier.ref_str(&row)),
            Err(_) => Key::Absent,
        }
    }

    fn refuse(&self, raw: &RawRow, error: RowError) -> Bad {
        let coerced = self.normalizer.coerce_row(raw.iter()).ok();
        let normalized = coerced.as_ref().map(Row::to_json_string);
        let mapped = coerced
            .and_then(|r| self.normalizer.map_row(r).ok())
            .map(|r| r.to_json_string());
        Bad {
            error,
            normalized,
            mapped,
            key: self.key_of(raw),
        }
    }

    /// `erp_ref_str` of a good row, for the rows that need it (sent, failed or repeating a key).
    pub fn ref_str(&self, good: &Good) -> String {
        self.identifier.ref_str(&good.row)
    }

    /// The record ScheduleHub gets for a good row: its mapped fields, the identity fields and, for an entity with
    /// parent references, `parent_refs`; written as JSON text once (no `Record` tree).
    pub fn record(&self, good: &Good) -> Outgoing {
        let key = good.id.bk_hash.to_string();
        let data = good.id.data_hash.to_string();
        let json = serde_json::value::to_raw_value(&RecordOut {
            row: &good.row,
            erp_key_hash: &key,
            erp_data_hash: &data,
            erp_rowversion: good.id.rowversion.as_deref(),
            erp_ref_str: &self.ref_str(good),
            parent_refs: (!self.parents.is_empty()).then(|| {
                self.parents
                    .iter()
                    .zip(&good.parents)
                    .map(|(p, l)| (p.ref_name.as_str(), l.map(|b| b.to_string())))
                    .collect()
            }),
        })
        .expect("a record serialises");
        Outgoing {
            erp_key_hash: key,
            json,
        }
    }

    /// Layers 1-5, identity and parent links for one raw row.
    pub fn prepare(&self, raw: RawRow) -> Prepared {
        self.prepare_with(
            raw,
            &mut self.normalizer.page(),
            &mut self.identifier.page(),
        )
    }

    fn prepare_with(
        &self,
        raw: RawRow,
        normalizer: &mut PageNormalizer<'_>,
        identifier: &mut PageIdentifier<'_>,
    ) -> Prepared {
        let normalized = normalizer.normalize_ref(&raw);
        self.prepared(raw, normalized, |row| identifier.identify(row))
    }

    /// A row's `Prepared` from its normalized row and, when that succeeded, its identity (`identify`).
    fn prepared(
        &self,
        raw: RawRow,
        normalized: Result<Row, RowError>,
        identify: impl FnOnce(&Row) -> Result<Identity, RowError>,
    ) -> Prepared {
        let rowversion = self.raw_rowversion(&raw);
        let outcome = match normalized {
            Err(error) => Err(self.refuse(&raw, error)),
            Ok(row) => match identify(&row) {
                Err(error) => Err(self.refuse(&raw, error)),
                Ok(id) => {
                    let parents = self.parents.iter().map(|p| p.link(&row)).collect();
                    Ok(Good { row, id, parents })
                }
            },
        };
        Prepared {
            raw,
            rowversion,
            outcome,
        }
    }

    /// `prepare` for each row of a page, with the page's working memory shared by its rows. Rows go through in
    /// runs of `PREPARE_RUN`: a run is normalized, then identified together (`PageIdentifier::identify_rows` hashes
    /// several rows' data forms at once) while its rows are still in cache.
    pub fn prepare_page(&self, rows: Vec<RawRow>) -> Vec<Prepared> {
        let (mut normalizer, mut identifier) = (self.normalizer.page(), self.identifier.page());
        let mut out = Vec::with_capacity(rows.len());
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let run: Vec<RawRow> = rows.by_ref().take(PREPARE_RUN).collect();
            let normalized: Vec<Result<Row, RowError>> =
                run.iter().map(|r| normalizer.normalize_ref(r)).collect();
            let mut ids = identifier
                .identify_rows(normalized.iter().filter_map(|r| r.as_ref().ok()))
                .into_iter();
            out.extend(run.into_iter().zip(normalized).map(|(raw, row)| {
                self.prepared(raw, row, |_| {
                    ids.next().expect("one identity per normalized row")
                })
            }));
        }
        out
    }
}

/// Rows normalized before they are identified together: enough for the identity stage's hashing batches (see
/// `PageIdentifier::identify_rows`), few enough that the normalized rows are still in cache when identified.
pub const PREPARE_RUN: usize = 256;

/// The record ScheduleHub gets for a good row: the mapped row's fields, then the identity fields and parent refs (a
/// row field of the same name comes first, and a JSON reader keeps the last).
struct RecordOut<'a> {
    row: &'a Row,
    erp_key_hash: &'a str,
    erp_data_hash: &'a str,
    erp_rowversion: Option<&'a str>,
    erp_ref_str: &'a str,
    /// `{ref_name: parent erp_key_hash or null}`, for entities with parent references.
    parent_refs: Option<Vec<(&'a str, Option<String>)>>,
}

impl serde::Serialize for RecordOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Refs<'b>(&'b [(&'b str, Option<String>)]);
        impl serde::Serialize for Refs<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
            }
        }
        let mut m = s.serialize_map(None)?;
        for (name, value) in self.row.iter() {
            m.serialize_entry(name, value)?;
        }
        m.serialize_entry("erp_key_hash", self.erp_key_hash)?;
        m.serialize_entry("erp_data_hash", self.erp_data_hash)?;
        m.serialize_entry("erp_rowversion", &self.erp_rowversion)?;
        m.serialize_entry("erp_ref_str", self.erp_ref_str)?;
        if let Some(refs) = &self.parent_refs {
            m.serialize_entry("parent_refs", &Refs(refs))?;
        }
        m.end()
    }
}

/// The error type a failed record is filed under (for filters): the stage's usual kind of error.
pub fn error_type(e: &RowError) -> String {
    match e.stage {
        Stage::Normalize => "invalid_value",
        Stage::Validate => "missing_required",
        Stage::Identity => "bad_business_key",
        Stage::Resolve => "missing_parent",
        Stage::Load => "rejected_by_target",
        Stage::Fetch => "fetch_error",
    }
    .into()
}

pub fn model_stage(s: Stage) -> crate::model::Stage {
    match s {
        Stage::Fetch => crate::model::Stage::Fetch,
        Stage::Normalize => crate::model::Stage::Normalize,
        Stage::Validate => crate::model::Stage::Validate,
        Stage::Identity => crate::model::Stage::Identity,
        Stage::Resolve => crate::model::Stage::Resolve,
        Stage::Load => crate::model::Stage::Load,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::fixtures::{column, entity};
    use crate::model::Strategy;
    use crate::normalize::ColumnDef;

    fn transformer() -> Transformer {
        let col = |name: &str, ty: &str| ColumnDef {
            is_business_key: name == "ITEM_ID",
            is_row_version: name == "ROWVERSION",
            ..column(name, ty)
        };
        let def = EntityDef {
            mappings: vec![FieldMapping {
                source_field: "QTY".into(),
                target_field: "quantity".into(),
                transformation: None,
                default_value: None,
                is_required: false,
            }],
            ..entity(
                "items",
                &["ITEM_ID"],
                Some("ROWVERSION"),
                Strategy::Rowversion,
                vec![
                    col("ITEM_ID", "VARCHAR2(20)"),
                    col("SITE_ID", "VARCHAR2(20)"),
                    col("QTY", "NUMBER(10,2)"),
                    col("ROWVERSION", "NUMBER"),
                ],
            )
        };
        let site = ParentPlan::new(
            "site",
            EntityId::new(),
            "sites",
            "sites",
            &["SITE_ID".to_owned()],
            &["SITE_ID".to_owned()],
        )
        .unwrap();
        Transformer::new(&def, NormalizeOptions::default(), vec![site]).unwrap()
    }

    fn page() -> Vec<RawRow> {
        [
            r#"{"ITEM_ID": "A-1", "SITE_ID": "S1", "QTY": "12.50", "ROWVERSION": 7}"#,
            r#"{"ITEM_ID": " B|2 ", "SITE_ID": null, "QTY": 3, "ROWVERSION": 8}"#,
            r#"{"ITEM_ID": "C-3", "SITE_ID": "S2", "QTY": "abc", "ROWVERSION": 9}"#,
        ]
        .iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect()
    }

    #[test]
    fn a_page_prepares_each_row_as_prepare_does_across_runs() {
        let t = transformer();
        // Over two runs of rows, mixing good rows (some with escaped characters or a long value), rows that fail
        // normalization and rows without a key.
        let raw: Vec<RawRow> = (0..2 * PREPARE_RUN + 7)
            .map(|i| {
                let text = match i % 5 {
                    0 => format!(
                        r#"{{"ITEM_ID": "A-{i}", "SITE_ID": "S{i}", "QTY": "{i}.25", "ROWVERSION": {i}}}"#
                    ),
                    1 => format!(
                        r#"{{"ITEM_ID": " B|{i}= ", "SITE_ID": null, "QTY": {i}, "ROWVERSION": {i}}}"#
                    ),
                    2 => format!(
                        r#"{{"ITEM_ID": "C-{i}", "SITE_ID": "S2", "QTY": "abc", "ROWVERSION": {i}}}"#
                    ),
                    3 => format!(r#"{{"ITEM_ID": null, "SITE_ID": "S2", "QTY": 1, "ROWVERSION": {i}}}"#),
                    _ => format!(
                        r#"{{"ITEM_ID": "D-{i}", "SITE_ID": "{}", "QTY": 2, "ROWVERSION": {i}}}"#,
                        "x".repeat(i)
                    ),
                };
                serde_json::from_str(&text).unwrap()
            })
            .collect();
        let page = t.prepare_page(raw.clone());
        assert_eq!(page.len(), raw.len(), "one prepared row per raw row");
        assert!(page.iter().any(|p| p.outcome.is_ok()) && page.iter().any(|p| p.outcome.is_err()));
        for (got, r) in page.iter().zip(raw) {
            // `Prepared` has no `PartialEq`: its debug text shows every field (row, identity, error, snapshots).
            assert_eq!(
                format!("{got:?}"),
                format!("{:?}", t.prepare(r)),
                "in order, as alone"
            );
        }
    }

    #[test]
    fn the_record_for_schedulehub_carries_the_row_its_identity_and_its_parent_refs() {
        let t = transformer();
        let page = t.prepare_page(page());
        assert!(
            page[2].outcome.is_err(),
            "a row that fails normalization is refused"
        );
        let Ok(first) = &page[0].outcome else {
            panic!("the first row is good")
        };
        let out = t.record(first);
        assert_eq!(out.erp_key_hash, first.id.bk_hash.to_string());
        let rec: serde_json::Value = serde_json::from_str(out.json.get()).unwrap();
        assert_eq!(rec["ITEM_ID"], "A-1");
        assert_eq!(rec["quantity"], 12.5);
        assert_eq!(rec["erp_key_hash"], first.id.bk_hash.to_string());
        assert_eq!(rec["erp_data_hash"], first.id.data_hash.to_string());
        assert_eq!(rec["erp_rowversion"], "7");
        assert_eq!(rec["erp_ref_str"], "ITEM_ID=A-1");
        let site = first.parents[0].unwrap().to_string();
        assert_eq!(rec["parent_refs"]["site"], site.as_str());
        let Ok(second) = &page[1].outcome else {
            panic!("the second row is good")
        };
        let rec: serde_json::Value = serde_json::from_str(t.record(second).json.get()).unwrap();
        assert!(
            rec["parent_refs"]["site"].is_null(),
            "no site, no parent: {rec}"
        );
    }
}
