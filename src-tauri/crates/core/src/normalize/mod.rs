//! Normalization (SPEC §3): five layers, one file each, and the `Normalizer` that runs them over a page.
//! A normalizer is built once per entity configuration (column lookups and mapping plans precomputed) and applied
//! to every row; a row either comes out normalized or is refused with a `RowError` — never dropped, never nulled.

pub mod config;
pub mod config_check;
pub mod layer1_types;
pub mod layer2_strings;
pub mod layer3_numbers;
pub mod layer4_dates;
pub mod layer5_mapping;
mod plan;

pub use config::{
    ColumnDef, ColumnKind, DateOrder, DecimalSeparator, FieldMapping, NormalizeOptions,
    Transformation,
};
pub use config_check::{
    check_parent_cycles, check_parent_fields, validate_entity_config, ConfigError, EntityConfig,
    ParentCheck,
};
pub use layer5_mapping::Mapper;

use crate::value::{FieldName, RawRow, Row, RowError, Value};
use layer1_types::{coerce_verdict, Verdict};
use plan::ShapePlan;
use serde_json::Value as Json;
use std::sync::Arc;

/// A raw row the normalizer refused, handed back untouched so the failed record keeps what APISmith sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub error: RowError,
    pub raw: RawRow,
}

/// Working memory of `normalize`, reused across the rows of a page.
#[derive(Default)]
struct Scratch {
    /// Per raw field position: the name last seen there and its declared column. Rows of a page share their names
    /// (`RawPage`), so finding a field's column is one pointer comparison.
    plan: Vec<(FieldName, Option<usize>)>,
    /// Per raw field: its declared column, layer 1's verdict, and whether it holds a non-NULL value.
    verdicts: Vec<(Option<usize>, Verdict, bool)>,
    /// Per declared column, its normalized value (column order).
    slots: Vec<Option<Value>>,
}

#[derive(Debug, Clone)]
struct ColumnPlan {
    name: FieldName,
    kind: ColumnKind,
    maps: Vec<usize>,
}

/// Layers 1-5 for one entity.
#[derive(Debug, Clone)]
pub struct Normalizer {
    columns: Vec<ColumnPlan>,
    /// Column indices sorted by name, for a binary search on names not seen at that position before.
    by_name: Vec<usize>,
    mapper: Mapper,
    /// Mappings whose source is not a declared column (read from the row's extra fields).
    extra_maps: Vec<usize>,
    required: Vec<(usize, Option<usize>)>,
    /// Fields a row with every declared column emits (a mapped column emits one field per mapping).
    out_len: usize,
    opts: NormalizeOptions,
}

impl Normalizer {
    /// Prepares the layers; fails only on a transformation name that config validation should have refused.
    pub fn new(
        columns: &[ColumnDef],
        mappings: &[FieldMapping],
        opts: NormalizeOptions,
    ) -> Result<Normalizer, String> {
        let mapper = Mapper::new(mappings)?;
        let plans: Vec<ColumnPlan> = columns
            .iter()
            .map(|c| ColumnPlan {
                name: Arc::from(c.name.as_str()),
                kind: ColumnKind::from_data_type(c.data_type.as_deref()),
                maps: mapper.maps_for(&c.name).to_vec(),
            })
            .collect();
        let mut by_name: Vec<usize> = (0..plans.len()).collect();
        by_name.sort_by(|&a, &b| plans[a].name.cmp(&plans[b].name));
        by_name.dedup_by(|a, b| plans[*a].name == plans[*b].name);
        let col_of = |src: &str| plans.iter().position(|c| &*c.name == src);
        let extra_maps = (0..mapper.plans.len())
            .filter(|&i| col_of(&mapper.plans[i].source).is_none())
            .collect();
        let required = (0..mapper.plans.len())
            .filter(|&i| mapper.required_error(i).is_some())
            .map(|i| (i, col_of(&mapper.plans[i].source)))
            .collect();
        let out_len = plans.iter().map(|p| p.maps.len().max(1)).sum();
        Ok(Normalizer {
            out_len,
            columns: plans,
            by_name,
            mapper,
            extra_maps,
            required,
            opts,
        })
    }

    pub fn options(&self) -> &NormalizeOptions {
        &self.opts
    }

    fn column(&self, name: &str) -> Option<usize> {
        let pos = self
            .by_name
            .binary_search_by(|&i| (*self.columns[i].name).cmp(name))
            .ok()?;
        Some(self.by_name[pos])
    }

    /// The declared column of the field at `position`, remembered in `plan` for the next row.
    fn planned_column(
        &self,
        plan: &mut Vec<(FieldName, Option<usize>)>,
        position: usize,
        name: &FieldName,
    ) -> Option<usize> {
        match plan.get_mut(position) {
            Some((n, col)) if Arc::ptr_eq(n, name) || n == name => *col,
            slot => {
                let col = self.column(name);
                match slot {
                    Some(s) => *s = (name.clone(), col),
                    None => plan.push((name.clone(), col)),
                }
                col
            }
        }
    }

    fn kind(&self, col: Option<usize>) -> ColumnKind {
        col.map_or(ColumnKind::Undeclared, |i| self.columns[i].kind)
    }

    /// Layers 1-5 on one raw row. Clean strings are moved, not copied; a refused row comes back as it was sent.
    pub fn normalize(&self, raw: impl Into<RawRow>) -> Result<Row, Rejected> {
        self.normalize_with(raw.into(), &mut Scratch::default())
    }

    /// `normalize` with working memory borrowed from the caller: a page reuses one `Scratch` for all its rows, so
    /// the per-row cost is the output row and the values that really change, not bookkeeping vectors.
    fn normalize_with(&self, raw: RawRow, scratch: &mut Scratch) -> Result<Row, Rejected> {
        // Phase 1 reads the raw row: every value's verdict, so any refusal leaves `raw` intact.
        let verdicts = &mut scratch.verdicts;
        verdicts.clear();
        let mut refused = None;
        for (position, (k, v)) in raw.iter().enumerate() {
            let col = self.planned_column(&mut scratch.plan, position, k);
            match coerce_verdict(self.kind(col), k, v, &self.opts) {
                Ok(c) => {
                    let present = !v.is_null() && !matches!(c, Verdict::New(Value::Null));
                    verdicts.push((col, c, present));
                }
                Err(error) => {
                    refused = Some(error);
                    break;
                }
            }
        }
        if let Some(error) = refused {
            return Err(Rejected { error, raw });
        }
        for &(map, col) in &self.required {
            let present = match col {
                Some(ci) => verdicts
                    .iter()
                    .any(|&(c, _, present)| present && c == Some(ci)),
                None => {
                    let source = &self.mapper.plans[map].source;
                    raw.iter()
                        .zip(verdicts.iter())
                        .any(|((k, _), &(_, _, present))| present && k == source)
                }
            };
            if !present {
                if let Some(error) = self.mapper.required_error(map) {
                    return Err(Rejected { error, raw });
                }
            }
        }
        // Phase 2 consumes it: declared columns into their slots, in column order; extras after them.
        let slots = &mut scratch.slots;
        slots.clear();
        slots.resize_with(self.columns.len(), || None);
        let mut extras: Vec<(FieldName, Value)> = Vec::new();
        for ((k, v), (col, verdict, _)) in raw.into_iter().zip(verdicts.drain(..)) {
            let value = verdict.apply(v);
            match col {
                Some(i) => slots[i] = Some(value),
                None => extras.push((k, value)),
            }
        }
        let mut out = Row::with_capacity(self.out_len + extras.len());
        for (plan, slot) in self.columns.iter().zip(slots.drain(..)) {
            match slot {
                Some(v) => self.mapper.emit(&mut out, plan.name.clone(), v, &plan.maps),
                None => plan
                    .maps
                    .iter()
                    .for_each(|&i| self.mapper.emit_missing(&mut out, i)),
            }
        }
        for &i in &self.extra_maps {
            if !extras
                .iter()
                .any(|(k, _)| *k == self.mapper.plans[i].source)
            {
                self.mapper.emit_missing(&mut out, i);
            }
        }
        for (k, v) in extras {
            let maps = self.mapper.maps_for(&k);
            self.mapper.emit(&mut out, k.clone(), v, maps);
        }
        Ok(out)
    }

    /// Layers 1-4 only, without consuming the raw row (a `RawRow` or a JSON object): the "normalized" snapshot
    /// of a failed record.
    pub fn coerce_row<'a, K: AsRef<str> + 'a>(
        &self,
        raw: impl IntoIterator<Item = (&'a K, &'a Json)>,
    ) -> Result<Row, RowError> {
        let mut row = Row::new();
        let mut cols: Vec<(Option<usize>, &str, Value)> = Vec::new();
        for (k, v) in raw {
            let k = k.as_ref();
            let col = self.column(k);
            cols.push((
                col,
                k,
                layer1_types::coerce_value(self.kind(col), k, v, &self.opts)?,
            ));
        }
        // Same field order as `normalize`: declared columns in column order, then extras.
        cols.sort_by_key(|(c, _, _)| c.unwrap_or(usize::MAX));
        for (col, k, v) in cols {
            let name = col.map_or_else(|| Arc::from(k), |i| self.columns[i].name.clone());
            row.push(name, v);
        }
        Ok(row)
    }

    /// Layer 5 alone, on a row from `coerce_row`.
    pub fn map_row(&self, row: Row) -> Result<Row, RowError> {
        self.mapper.map_row(row)
    }

    /// A normalizer for the rows of one page, keeping its working memory and column plan between rows.
    pub fn page(&self) -> PageNormalizer<'_> {
        PageNormalizer {
            normalizer: self,
            scratch: Scratch::default(),
            plan: None,
            misses: 0,
            verdicts: Vec::new(),
            absent: Vec::new(),
        }
    }

    /// Normalizes a page, one result per raw row, in order.
    pub fn normalize_page(&self, page: Vec<RawRow>) -> Vec<Result<Row, Rejected>> {
        let mut n = self.page();
        page.into_iter().map(|r| n.normalize(r)).collect()
    }
}

/// `Normalizer::normalize` over the rows of one page. The page's rows share one shape (the same field names in the
/// same order): its column plan (`ShapePlan`) is made from the first row and converts every row of that shape. A
/// row of another shape takes the general path; when two rows in a row miss the plan, the page has changed shape
/// and the plan is made again, so rows alternating between shapes cost no more than the general path.
pub struct PageNormalizer<'a> {
    normalizer: &'a Normalizer,
    scratch: Scratch,
    plan: Option<ShapePlan>,
    /// Rows in a row that did not fit `plan`.
    misses: u8,
    verdicts: Vec<Verdict>,
    absent: Vec<bool>,
}

impl PageNormalizer<'_> {
    pub fn normalize(&mut self, raw: RawRow) -> Result<Row, Rejected> {
        let n = self.normalizer;
        match (self.fit_plan(&raw), &self.plan) {
            (true, Some(plan)) => plan.normalize(n, raw, &mut self.verdicts),
            _ => n.normalize_with(raw, &mut self.scratch),
        }
    }

    /// `normalize` on a raw row the caller keeps (the pipeline keeps each for failed records and parked children):
    /// no copy of the row, only of the text its values keep. Same rows and errors as `normalize`.
    pub fn normalize_ref(&mut self, raw: &RawRow) -> Result<Row, RowError> {
        let n = self.normalizer;
        match (self.fit_plan(raw), &self.plan) {
            (true, Some(plan)) => plan.normalize_ref(n, raw, &mut self.absent),
            _ => n
                .normalize_with(raw.clone(), &mut self.scratch)
                .map_err(|r| r.error),
        }
    }

    /// Makes `plan` fit `raw` if need be; `false` when `raw` takes the general path.
    #[inline]
    fn fit_plan(&mut self, raw: &RawRow) -> bool {
        match &self.plan {
            Some(plan) if plan.fits(raw) => self.misses = 0,
            Some(_) if self.misses == 0 => {
                self.misses = 1;
                return false;
            }
            _ => {
                self.misses = 0;
                self.plan = Some(ShapePlan::new(self.normalizer, raw));
            }
        }
        true
    }
}

#[cfg(test)]
mod tests;
