//! The column plan of one page shape. The raw rows of a page share their field names in the same order, so which
//! declared column each raw field is, the conversion layer 1 gives it, where layer 5 puts its value and which raw
//! fields the required mappings read are worked out once per shape; a row of that shape is then converted cell by
//! cell, with no name lookup, into a row whose names all rows of the shape share.

use super::layer1_types::{coerce_verdict, Verdict};
use super::{ColumnKind, Normalizer, Rejected};
use crate::value::{FieldName, RawRow, Row, RowError, RowShape, Value};
use std::sync::Arc;

/// One place a raw field's value goes in the output row.
#[derive(Debug, Clone, Copy)]
struct Target {
    /// Position in the output row.
    at: usize,
    /// The mapping it goes through (transformation, default for NULL), if any.
    map: Option<usize>,
}

/// How the raw rows of one shape become normalized rows: exactly what `Normalizer::normalize_with` decides for
/// each row, decided once.
#[derive(Debug)]
pub(super) struct ShapePlan {
    /// The raw field names of the shape, in order.
    raw_names: Vec<FieldName>,
    /// The names of the raw row the plan was made from, which the page's rows of this shape share.
    raw_shape: RowShape,
    /// Per raw field: layer 1's conversion (the declared column's kind, or auto-detection for an undeclared one).
    kinds: Vec<ColumnKind>,
    /// Per raw field: the places its value goes (at least one; a field several mappings read goes to each).
    targets: Vec<Vec<Target>>,
    /// The required mappings without a default, in the mapper's order, with the raw field that holds their source
    /// (`None`: the shape lacks it, so every row of the shape fails).
    required: Vec<(usize, Option<usize>)>,
    /// The output rows' field names, shared by all of them.
    names: RowShape,
    /// The output values no raw field fills: the defaults of mappings whose source the shape lacks, by position.
    defaults: Vec<(usize, Value)>,
    /// Where each output value comes from, in output order, when every raw field goes to exactly one place (no
    /// field read by two mappings): the consuming path then writes the output row front to back.
    order: Option<Vec<Source>>,
}

/// The origin of one output value.
#[derive(Debug)]
enum Source {
    /// The raw field at this position, through this mapping; its conversion and name (`kinds[raw]`,
    /// `raw_names[raw]`) kept here so a cell reads them without two more indexed loads.
    Field {
        raw: usize,
        map: Option<usize>,
        kind: ColumnKind,
        name: FieldName,
        /// A required mapping reads this field: `normalize_ref` notes whether its value is absent.
        required: bool,
    },
    /// A default, as `ShapePlan::defaults` holds it.
    Default(Value),
}

impl ShapePlan {
    /// The plan for rows shaped like `raw`: the output fields in `normalize_with`'s order (declared columns in
    /// column order, a missing one's mapping defaults in its place; defaults of mappings reading a missing undeclared
    /// field; undeclared fields in raw order).
    pub(super) fn new(n: &Normalizer, raw: &RawRow) -> ShapePlan {
        let raw_names: Vec<FieldName> = raw.iter().map(|(k, _)| k.clone()).collect();
        let cols: Vec<Option<usize>> = raw_names.iter().map(|k| n.column(k)).collect();
        let mut targets = vec![Vec::new(); raw_names.len()];
        let mut out = Row::new();
        // Raw field `p` goes out under `name`, or once per mapping reading it.
        let mut place = |out: &mut Row, p: usize, name: &FieldName, maps: &[usize]| {
            if maps.is_empty() {
                targets[p].push(Target {
                    at: out.len(),
                    map: None,
                });
                out.push(name.clone(), Value::Null);
            }
            for &i in maps {
                targets[p].push(Target {
                    at: out.len(),
                    map: Some(i),
                });
                out.push(n.mapper.plans[i].target.clone(), Value::Null);
            }
        };
        for (ci, column) in n.columns.iter().enumerate() {
            match cols.iter().position(|&c| c == Some(ci)) {
                Some(p) => place(&mut out, p, &column.name, &column.maps),
                None => column
                    .maps
                    .iter()
                    .for_each(|&i| n.mapper.emit_missing(&mut out, i)),
            }
        }
        let extras: Vec<usize> = (0..raw_names.len())
            .filter(|&p| cols[p].is_none())
            .collect();
        for &i in &n.extra_maps {
            let source = &n.mapper.plans[i].source;
            if !extras.iter().any(|&p| raw_names[p] == *source) {
                n.mapper.emit_missing(&mut out, i);
            }
        }
        for &p in &extras {
            place(&mut out, p, &raw_names[p], n.mapper.maps_for(&raw_names[p]));
        }
        let required: Vec<(usize, Option<usize>)> = n
            .required
            .iter()
            .map(|&(map, col)| {
                let at = match col {
                    Some(ci) => cols.iter().position(|&c| c == Some(ci)),
                    None => {
                        let source = &n.mapper.plans[map].source;
                        raw_names.iter().position(|k| k == source)
                    }
                };
                (map, at)
            })
            .collect();
        let names = out.shape().clone();
        let filled: Vec<usize> = targets.iter().flatten().map(|t| t.at).collect();
        let defaults: Vec<(usize, Value)> = (0..out.len())
            .filter(|at| !filled.contains(at))
            .map(|at| (at, out.values()[at].clone()))
            .collect();
        let order = targets.iter().all(|t| t.len() == 1).then(|| {
            let mut order: Vec<Option<Source>> = (0..out.len()).map(|_| None).collect();
            for (raw, t) in targets.iter().enumerate() {
                order[t[0].at] = Some(Source::Field {
                    raw,
                    map: t[0].map,
                    kind: n.kind(cols[raw]),
                    name: raw_names[raw].clone(),
                    required: required.iter().any(|&(_, at)| at == Some(raw)),
                });
            }
            for (at, default) in &defaults {
                order[*at] = Some(Source::Default(default.clone()));
            }
            order.into_iter().collect::<Option<Vec<Source>>>()
        });
        ShapePlan {
            raw_shape: raw.shape().clone(),
            order: order.flatten(),
            kinds: cols.iter().map(|&c| n.kind(c)).collect(),
            raw_names,
            targets,
            required,
            defaults,
            names,
        }
    }

    /// True when `raw` has this shape: the same names in the same order (rows of one page share their list of
    /// names, so this is one pointer comparison; else one per field, as rows share each name).
    pub(super) fn fits(&self, raw: &RawRow) -> bool {
        Arc::ptr_eq(raw.shape(), &self.raw_shape)
            || raw.len() == self.raw_names.len()
                && raw
                    .iter()
                    .zip(&self.raw_names)
                    .all(|((k, _), n)| Arc::ptr_eq(k, n) || k == n)
    }

    /// Layers 1-5 on a row of this shape: the same row, or the same refusal, as `Normalizer::normalize_with`.
    /// `verdicts` is working memory a page reuses.
    pub(super) fn normalize(
        &self,
        n: &Normalizer,
        raw: RawRow,
        verdicts: &mut Vec<Verdict>,
    ) -> Result<Row, Rejected> {
        // Every verdict first, so a refusal hands back `raw` untouched.
        verdicts.clear();
        let mut refused = None;
        for ((k, v), &kind) in raw.iter().zip(&self.kinds) {
            match coerce_verdict(kind, k, v, &n.opts) {
                Ok(verdict) => verdicts.push(verdict),
                Err(error) => {
                    refused = Some(error);
                    break;
                }
            }
        }
        if let Some(error) = refused {
            return Err(Rejected { error, raw });
        }
        let absent = |p: usize| {
            matches!(verdicts[p], Verdict::New(Value::Null))
                || raw.iter().nth(p).is_none_or(|(_, v)| v.is_null())
        };
        if let Some(error) = self.missing_required(n, absent) {
            return Err(Rejected { error, raw });
        }
        let Some(order) = &self.order else {
            let mut values = self.empty_values();
            for ((_, json), (verdict, targets)) in
                raw.into_iter().zip(verdicts.drain(..).zip(&self.targets))
            {
                self.place(n, &mut values, targets, verdict.apply(json));
            }
            return Ok(Row::of_shape(self.names.clone(), values));
        };
        // Front to back in output order, each raw value and verdict taken from its raw position (each is read once).
        let mut raw = raw;
        let values = order
            .iter()
            .map(|source| match source {
                Source::Field { raw: p, map, .. } => {
                    // Most verdicts are `Keep`: only the others are moved out.
                    let value = match &mut verdicts[*p] {
                        Verdict::Keep => Verdict::Keep.apply(raw.take_value(*p)),
                        verdict => {
                            std::mem::replace(verdict, Verdict::Keep).apply(raw.take_value(*p))
                        }
                    };
                    match map {
                        Some(i) => n.mapper.finish(*i, value),
                        None => value,
                    }
                }
                Source::Default(d) => d.clone(),
            })
            .collect();
        raw.drop_taken();
        Ok(Row::of_shape(self.names.clone(), values))
    }

    /// `normalize` on a borrowed raw row, which stays the caller's (the pipeline keeps every raw row for failed
    /// records and parked children): one pass, the text a value keeps copied from the raw string. `absent` is
    /// working memory a page reuses.
    pub(super) fn normalize_ref(
        &self,
        n: &Normalizer,
        raw: &RawRow,
        absent: &mut Vec<bool>,
    ) -> Result<Row, RowError> {
        let Some(order) = &self.order else {
            absent.clear();
            let mut values = self.empty_values();
            for (((k, v), &kind), targets) in raw.iter().zip(&self.kinds).zip(&self.targets) {
                let verdict = coerce_verdict(kind, k, v, &n.opts)?;
                absent.push(v.is_null() || matches!(verdict, Verdict::New(Value::Null)));
                self.place(n, &mut values, targets, verdict.apply_ref(v));
            }
            if let Some(error) = self.missing_required(n, |p| absent[p]) {
                return Err(error);
            }
            return Ok(Row::of_shape(self.names.clone(), values));
        };
        // In output order, each raw value read where it is. A refusal stops nothing here: the row's error is the
        // refusal of the first refused value in raw order, kept by its raw position. Only the fields required
        // mappings read note whether they are absent, and each row of the shape writes them all before they are
        // read, so `absent` is not cleared between rows.
        if absent.len() != raw.len() {
            absent.clear();
            absent.resize(raw.len(), false);
        }
        let mut refused: Option<(usize, RowError)> = None;
        let values = order
            .iter()
            .map(|source| match source {
                Source::Field {
                    raw: p,
                    map,
                    kind,
                    name,
                    required,
                } => {
                    let v = raw.value_at(*p);
                    match coerce_verdict(*kind, name, v, &n.opts) {
                        Ok(verdict) => {
                            if *required {
                                absent[*p] =
                                    v.is_null() || matches!(verdict, Verdict::New(Value::Null));
                            }
                            let value = verdict.apply_ref(v);
                            match map {
                                Some(i) => n.mapper.finish(*i, value),
                                None => value,
                            }
                        }
                        Err(error) => {
                            if refused.as_ref().is_none_or(|(first, _)| p < first) {
                                refused = Some((*p, error));
                            }
                            Value::Null
                        }
                    }
                }
                Source::Default(d) => d.clone(),
            })
            .collect();
        if let Some((_, error)) = refused {
            return Err(error);
        }
        if let Some(error) = self.missing_required(n, |p| absent[p]) {
            return Err(error);
        }
        Ok(Row::of_shape(self.names.clone(), values))
    }

    /// The first required mapping (in the mapper's order) whose source is missing, NULL or blank, and has no
    /// default: its error.
    fn missing_required(&self, n: &Normalizer, absent: impl Fn(usize) -> bool) -> Option<RowError> {
        self.required
            .iter()
            .filter(|(_, at)| at.is_none_or(&absent))
            .find_map(|&(map, _)| n.mapper.required_error(map))
    }

    /// An output row's values before the raw fields fill theirs: NULL, and the defaults no raw field replaces.
    #[inline(always)]
    fn empty_values(&self) -> Vec<Value> {
        let mut values = Vec::with_capacity(self.names.len());
        values.resize_with(self.names.len(), || Value::Null);
        for (at, default) in &self.defaults {
            values[*at] = default.clone();
        }
        values
    }

    /// Puts a raw field's value in its places, through their mappings (a copy for all but the last).
    // Always inlined: called per cell, out of line it costs ~0.35k instructions per row (callgrind).
    #[inline(always)]
    fn place(&self, n: &Normalizer, values: &mut [Value], targets: &[Target], value: Value) {
        let finish = |map: Option<usize>, v: Value| match map {
            Some(i) => n.mapper.finish(i, v),
            None => v,
        };
        let Some((last, rest)) = targets.split_last() else {
            return;
        };
        for t in rest {
            values[t.at] = finish(t.map, value.clone());
        }
        values[last.at] = finish(last.map, value);
    }
}
