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

pub use config::{
    ColumnDef, ColumnKind, DateOrder, DecimalSeparator, FieldMapping, NormalizeOptions,
    Transformation,
};
pub use config_check::{check_parent_cycles, validate_entity_config, ConfigError, EntityConfig};
pub use layer5_mapping::Mapper;

use crate::value::{FieldName, Row, RowError, Value};
use layer1_types::{coerce, Coerced};
use serde_json::{Map, Value as Json};
use std::sync::Arc;

/// A raw row the normalizer refused, handed back untouched so the failed record keeps what APISmith sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub error: RowError,
    pub raw: Map<String, Json>,
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
    /// Column indices sorted by name: raw rows arrive as name-sorted maps, so a merge walk finds each column with
    /// one string comparison; a binary search covers any other order.
    by_name: Vec<usize>,
    mapper: Mapper,
    /// Mappings whose source is not a declared column (read from the row's extra fields).
    extra_maps: Vec<usize>,
    required: Vec<(usize, Option<usize>)>,
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
        Ok(Normalizer {
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

    fn column(&self, name: &str, cursor: &mut usize) -> Option<usize> {
        if let Some(&i) = self.by_name.get(*cursor) {
            if &*self.columns[i].name == name {
                *cursor += 1;
                return Some(i);
            }
        }
        let pos = self
            .by_name
            .binary_search_by(|&i| (*self.columns[i].name).cmp(name))
            .ok()?;
        *cursor = pos + 1;
        Some(self.by_name[pos])
    }

    fn kind(&self, col: Option<usize>) -> ColumnKind {
        col.map_or(ColumnKind::Undeclared, |i| self.columns[i].kind)
    }

    /// Layers 1-5 on one raw row. Clean strings are moved, not copied; a refused row comes back as it was sent.
    pub fn normalize(&self, raw: Map<String, Json>) -> Result<Row, Rejected> {
        // Phase 1 reads the raw row: every value's verdict, so any refusal leaves `raw` intact.
        let mut verdicts: Vec<(Option<usize>, Coerced)> = Vec::with_capacity(raw.len());
        let mut cursor = 0;
        for (k, v) in raw.iter() {
            let col = self.column(k, &mut cursor);
            match coerce(self.kind(col), k, v, &self.opts) {
                Ok(c) => verdicts.push((col, c)),
                Err(error) => return Err(Rejected { error, raw }),
            }
        }
        for &(map, col) in &self.required {
            let source = &self.mapper.plans[map].source;
            let present = raw.iter().zip(&verdicts).any(|((k, v), (c, verdict))| {
                let same = match col {
                    Some(ci) => *c == Some(ci),
                    None => k.as_str() == &**source,
                };
                same && !matches!(verdict, Coerced::New(Value::Null)) && !v.is_null()
            });
            if !present {
                if let Some(error) = self.mapper.required_error(map) {
                    return Err(Rejected { error, raw });
                }
            }
        }
        // Phase 2 consumes it: declared columns into their slots, in column order; extras after them.
        let mut slots: Vec<Option<Value>> = vec![None; self.columns.len()];
        let mut extras: Vec<(String, Value)> = Vec::new();
        for ((k, v), (col, verdict)) in raw.into_iter().zip(verdicts) {
            let value = match verdict {
                Coerced::Keep => Value::from_json(v),
                Coerced::New(n) => n,
            };
            match col {
                Some(i) => slots[i] = Some(value),
                None => extras.push((k, value)),
            }
        }
        let mut out = Row::with_capacity(self.columns.len() + extras.len());
        for (plan, slot) in self.columns.iter().zip(slots) {
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
                .any(|(k, _)| k.as_str() == &*self.mapper.plans[i].source)
            {
                self.mapper.emit_missing(&mut out, i);
            }
        }
        for (k, v) in extras {
            let maps = self.mapper.maps_for(&k);
            self.mapper.emit(&mut out, Arc::from(k), v, maps);
        }
        Ok(out)
    }

    /// Layers 1-4 only, without consuming the raw row: the "normalized" snapshot of a failed record.
    pub fn coerce_row(&self, raw: &Map<String, Json>) -> Result<Row, RowError> {
        let mut row = Row::with_capacity(raw.len());
        let mut cursor = 0;
        let mut cols: Vec<(Option<usize>, &str, Value)> = Vec::with_capacity(raw.len());
        for (k, v) in raw {
            let col = self.column(k, &mut cursor);
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

    /// Normalizes a page, one result per raw row, in order.
    pub fn normalize_page(&self, page: Vec<Map<String, Json>>) -> Vec<Result<Row, Rejected>> {
        page.into_iter().map(|r| self.normalize(r)).collect()
    }
}

#[cfg(test)]
mod tests;
