//! A5 `execute`: filters, sort and paging over one API's rows. Rowversion filters with the rowversion sort (the
//! pipeline's only query) become a rowversion range served straight from the dataset; any other query is answered by
//! scanning the generated rows, which is fine for sites and work areas and refused above a million rows.

use super::catalog::RV_COLUMN;
use super::dataset::{Dataset, RowRef};
use super::generate::{fmt_rv, Generator, Row};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::cmp::Ordering;
use std::ops::Range;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecuteRequest {
    #[serde(default = "one")]
    pub page: u64,
    #[serde(default = "hundred")]
    pub page_size: u64,
    #[serde(default)]
    pub filters: Vec<Filter>,
    pub sort: Option<Sort>,
}
fn one() -> u64 {
    1
}
fn hundred() -> u64 {
    100
}

#[derive(Debug, Deserialize)]
pub struct Filter {
    pub field: String,
    pub operator: Op,
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Op {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
}

#[derive(Debug, Deserialize)]
pub struct Sort {
    pub field: String,
    #[serde(default)]
    pub direction: Direction,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// A row as a JSON object in declared column order, serialised without building a `serde_json::Map`.
pub struct RowJson<'a>(pub &'a Row);
impl Serialize for RowJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Largest data set the scanning path will serve.
const SCAN_LIMIT: u64 = 1_000_000;

/// Smallest rowversion whose text satisfies a predicate that turns from false to true as rowversions grow.
fn first_rv(pred: impl Fn(&str) -> bool) -> u64 {
    let (mut lo, mut hi) = (0u64, u64::MAX);
    if !pred(&fmt_rv(hi)) {
        return u64::MAX;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(&fmt_rv(mid)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

fn filter_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The rowversion range a list of rowversion filters selects, if the query can take the range path.
pub fn rv_range(filters: &[Filter], sort: Option<&Sort>) -> Option<Range<u64>> {
    if sort.is_some_and(|s| s.field != RV_COLUMN || s.direction != Direction::Asc) {
        return None;
    }
    let mut r = 0..u64::MAX;
    for f in filters {
        if f.field != RV_COLUMN || f.operator == Op::Ne {
            return None;
        }
        let w = filter_text(&f.value);
        let w = w.as_str();
        let gt = || first_rv(|s| s > w);
        let ge = || first_rv(|s| s >= w);
        match f.operator {
            Op::Gt => r.start = r.start.max(gt()),
            Op::Ge => r.start = r.start.max(ge()),
            Op::Lt => r.end = r.end.min(ge()),
            Op::Le => r.end = r.end.min(gt()),
            Op::Eq => r = r.start.max(ge())..r.end.min(gt()),
            Op::Ne => unreachable!("excluded above"),
        }
    }
    r.end = r.end.max(r.start);
    Some(r)
}

fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Value::Number(_), _) => Ordering::Less,
        (_, Value::Number(_)) => Ordering::Greater,
        _ => filter_text(a).cmp(&filter_text(b)),
    }
}

/// SQL-like: NULL matches nothing; numbers compare numerically with a numeric filter value, the rest as text.
fn matches(v: &Value, f: &Filter) -> bool {
    let ord = match v {
        Value::Null => return false,
        Value::Number(n) => match filter_text(&f.value).trim().parse::<f64>() {
            Ok(w) => n
                .as_f64()
                .unwrap_or(0.0)
                .partial_cmp(&w)
                .unwrap_or(Ordering::Equal),
            Err(_) => v.to_string().cmp(&filter_text(&f.value)),
        },
        other => filter_text(other).cmp(&filter_text(&f.value)),
    };
    match f.operator {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
    }
}

fn field_value<'a>(row: &'a Row, field: &str) -> &'a Value {
    row.iter()
        .find(|(k, _)| *k == field)
        .map(|(_, v)| v)
        .unwrap_or(&Value::Null)
}

/// Checks that every named field exists; an unknown one is an error of the page (`success: false`).
pub fn check_fields(known: impl Fn(&str) -> bool, req: &ExecuteRequest) -> Result<(), String> {
    for f in &req.filters {
        if !known(&f.field) {
            return Err(format!(
                "ORA-00904: \"{}\": invalid identifier (filter)",
                f.field
            ));
        }
    }
    match &req.sort {
        Some(s) if !known(&s.field) => Err(format!(
            "ORA-00904: \"{}\": invalid identifier (sort)",
            s.field
        )),
        _ => Ok(()),
    }
}

/// Row references of the scanning path: every live row generated, filtered and sorted.
pub fn scan(
    ds: &Dataset,
    gen: &Generator,
    req: &ExecuteRequest,
) -> Result<(u64, Vec<RowRef>), String> {
    if ds.live_rows() > SCAN_LIMIT {
        return Err(format!(
            "the simulator serves filters and sorts other than on {RV_COLUMN} (ascending) only up to {SCAN_LIMIT} rows"
        ));
    }
    let (_, all) = ds.page(0..u64::MAX, 0, u64::MAX);
    let sort_field = req
        .sort
        .as_ref()
        .map(|s| s.field.as_str())
        .unwrap_or(RV_COLUMN);
    let mut keyed: Vec<(Value, RowRef)> = all
        .into_iter()
        .filter_map(|r| {
            let row = gen.row(ds.kind, r.idx, r.version, r.rv);
            req.filters
                .iter()
                .all(|f| matches(field_value(&row, &f.field), f))
                .then(|| {
                    let key = field_value(&row, sort_field).clone();
                    (key, r)
                })
        })
        .collect();
    // Ties are broken by rowversion so pages are stable.
    keyed.sort_by(|a, b| cmp_values(&a.0, &b.0).then(a.1.rv.cmp(&b.1.rv)));
    if req
        .sort
        .as_ref()
        .is_some_and(|s| s.direction == Direction::Desc)
    {
        keyed.reverse();
    }
    let total = keyed.len() as u64;
    let offset = (req.page - 1).saturating_mul(req.page_size) as usize;
    Ok((
        total,
        keyed
            .into_iter()
            .skip(offset)
            .take(req.page_size as usize)
            .map(|(_, r)| r)
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apismith::generate::BASE_RV;

    fn f(op: Op, v: &str) -> Filter {
        Filter {
            field: RV_COLUMN.into(),
            operator: op,
            value: Value::String(v.into()),
        }
    }

    #[test]
    fn rowversion_filters_become_ranges_by_string_order() {
        let w = fmt_rv(BASE_RV + 10);
        assert_eq!(
            rv_range(&[f(Op::Gt, &w)], None),
            Some(BASE_RV + 11..u64::MAX)
        );
        assert_eq!(
            rv_range(&[f(Op::Ge, &w), f(Op::Lt, &fmt_rv(BASE_RV + 20))], None),
            Some(BASE_RV + 10..BASE_RV + 20)
        );
        assert_eq!(
            rv_range(&[f(Op::Eq, &w)], None),
            Some(BASE_RV + 10..BASE_RV + 11)
        );
        // A watermark that is not fixed width still compares as a string: "0x1" sorts after every "0x0000…".
        let r = rv_range(&[f(Op::Gt, "0x1")], None).expect("range");
        assert_eq!(
            fmt_rv(r.start),
            "0x1000000000000000",
            "first text greater than \"0x1\""
        );
        assert_eq!(rv_range(&[f(Op::Ne, &w)], None), None, "!= is not a range");
    }
}
