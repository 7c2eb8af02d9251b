//! The CPU stages of a page, pure and synchronous: normalize (layers 1-5), identity, parent BKs. Each raw row comes
//! out as a `Prepared` row: ready for delta, or refused with its stage, message and snapshots. Runs on a blocking
//! thread so fetch and load overlap with it.

use crate::config::EntityDef;
use crate::identity::{
    bk_hash_of, erp_ref_str, BkHash, Exclusions, Identifier, Identity, PageIdentifier,
};
use crate::ids::EntityId;
use crate::normalize::{FieldMapping, NormalizeOptions, Normalizer, PageNormalizer};
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

    /// The parent BK a child row points at, with `parent|field=value` for people; `None` when a child field is
    /// NULL or missing (no parent).
    pub fn link(&self, row: &Row) -> Option<(BkHash, String)> {
        let mut key = Row::with_capacity(self.parent_fields.len());
        for (p, c) in self.parent_fields.iter().zip(&self.child_fields) {
            match row.get(c) {
                None | Some(Value::Null) => return None,
                Some(v) => key.set(p, v.clone()),
            }
        }
        let canonical = self.identifier.bk_canonical(&key).ok()?;
        let ref_str = format!(
            "{}|{}",
            self.parent_name,
            erp_ref_str(&key, &self.parent_fields)
        );
        Some((bk_hash_of(&canonical), ref_str))
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
    /// Per parent plan: the parent BK and its readable form, or `None` for no parent.
    pub parents: Vec<Option<(BkHash, String)>>,
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
        let rowversion = self.raw_rowversion(&raw);
        let outcome = match normalizer.normalize_ref(&raw) {
            Err(error) => Err(self.refuse(&raw, error)),
            Ok(row) => match identifier.identify(&row) {
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

    /// `prepare` for each row of a page, with the page's working memory shared by its rows.
    pub fn prepare_page(&self, rows: Vec<RawRow>) -> Vec<Prepared> {
        let (mut normalizer, mut identifier) = (self.normalizer.page(), self.identifier.page());
        rows.into_iter()
            .map(|r| self.prepare_with(r, &mut normalizer, &mut identifier))
            .collect()
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
