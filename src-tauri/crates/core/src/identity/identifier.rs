//! The per-entity identity calculator: business-key order and prefixes prepared once, the data field order
//! cached per row shape within a page, so hashing a row costs two passes over its values and two hashes.

use super::blake3_many::ManyHasher;
use super::{
    bk_hash_of, data_hash_of, data_text_with, esc_into, escape_count, key_text, push_int,
    trim_space, BkHash, DataHash, Escaping, Exclusions, IdentityError,
};
use crate::value::{Row, RowError, RowShape, Value};
use compact_str::CompactString;
use std::sync::Arc;

/// What identity gives each row. Its `erp_ref_str` is not among them: only rows that are sent, fail or repeat a
/// key need it, a small part of most pages, so it is written for those (`Identifier::ref_str`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub bk_hash: BkHash,
    pub data_hash: DataHash,
    /// `erp_rowversion`: the rowversion field's value as text, trimmed. Inline up to 24 bytes (an Oracle
    /// rowversion is 18), so a row's identity allocates nothing.
    pub rowversion: Option<CompactString>,
}

/// Identity for one entity.
#[derive(Debug, Clone)]
pub struct Identifier {
    /// (field, what the BK form writes before its value) in canonical order: the order of the `esc(field)=`
    /// strings, which is the order of the full `esc(field)=esc(value)` strings, because an escaped name never
    /// contains a bare `=`: no value can reorder them. The first key's text starts with the entity's prefix
    /// (`esc(entity)|`), the others' with the separator `|`, so a row writes one piece per key.
    keys: Vec<(String, String)>,
    declared: Vec<String>,
    rowversion_field: Option<String>,
    exclusions: Exclusions,
}

/// The data field order for one row shape: indices of the included fields, sorted by name, with `|esc(name)=` (the
/// separator first, left off for the form's first field) and the number of escaped characters it holds
/// (`escape_count`, the separator included).
#[derive(Debug, Default)]
struct DataPlan {
    names: RowShape,
    order: Vec<(usize, String, usize)>,
}

impl DataPlan {
    fn new(row: &Row, rowversion_field: Option<&str>, exclusions: &Exclusions) -> DataPlan {
        let names = row.shape();
        let mut order: Vec<(usize, String, usize)> = (0..names.len())
            .filter(|&i| {
                let n = &*names[i];
                Some(n) != rowversion_field && !exclusions.excludes(n)
            })
            .map(|i| {
                let mut p = String::with_capacity(names[i].len() + 2);
                p.push('|');
                esc_into(&mut p, &names[i]);
                p.push('=');
                let escapes = escape_count(p.as_bytes());
                (i, p, escapes)
            })
            .collect();
        order.sort_by(|a, b| names[a.0].cmp(&names[b.0]));
        DataPlan {
            names: names.clone(),
            order,
        }
    }

    /// Rows the normalizer made for one page shape share their names: one pointer comparison.
    fn fits(&self, row: &Row) -> bool {
        Arc::ptr_eq(row.shape(), &self.names) || **row.shape() == *self.names
    }

    fn canonical(&self, row: &Row) -> String {
        let mut out = String::with_capacity(16 * self.order.len());
        self.canonical_into(row, &mut out, Escaping::Escaped);
        out
    }

    /// Appends the data canonical form to `out`: written unescaped and counted once, and written again escaped in
    /// the rare case a value holds `\\ | =`.
    fn write(&self, row: &Row, out: &mut String) {
        let start = out.len();
        let escapes = self.canonical_into(row, out, Escaping::Verbatim);
        if escape_count(&out.as_bytes()[start..]) != escapes {
            out.truncate(start);
            self.canonical_into(row, out, Escaping::Escaped);
        }
    }

    /// Appends the data canonical form to `out` (a page reuses one buffer for all its rows), with the values'
    /// text escaped or not; returns how many escaped characters the form holds besides the values' own (names and
    /// separators). Written `Verbatim`, the form is the canonical one exactly when `escape_count` finds only those.
    fn canonical_into(&self, row: &Row, out: &mut String, escaping: Escaping) -> usize {
        let values = row.values();
        let start = out.len();
        let mut escapes = 0;
        for (i, prefix, prefix_escapes) in &self.order {
            let v = &values[*i];
            if v.is_null() {
                continue;
            }
            if out.len() > start {
                out.push_str(prefix);
                escapes += prefix_escapes;
            } else {
                out.push_str(&prefix[1..]);
                escapes += prefix_escapes - 1;
            }
            data_text_with(out, v, escaping);
        }
        escapes
    }
}

/// Where the identity fields sit in rows of one shape (`None`: the row lacks the field), found once per shape like
/// the `DataPlan`, so a row's keys, rowversion and reference are read by position instead of by name.
#[derive(Debug)]
struct KeyPlan {
    /// Per business key, in canonical order (`Identifier::keys`).
    keys: Vec<Option<usize>>,
    rowversion: Option<usize>,
}

impl KeyPlan {
    fn new(id: &Identifier, row: &Row) -> KeyPlan {
        // The first field of that name, as `Row::get` finds it.
        let at = |f: &str| row.shape().iter().position(|n| &**n == f);
        KeyPlan {
            keys: id.keys.iter().map(|(f, _)| at(f)).collect(),
            rowversion: id.rowversion_field.as_deref().and_then(at),
        }
    }
}

pub(super) fn data_canonical_with(
    row: &Row,
    rowversion_field: Option<&str>,
    exclusions: &Exclusions,
) -> String {
    DataPlan::new(row, rowversion_field, exclusions).canonical(row)
}

impl Identifier {
    /// Prepares identity for an entity; an empty key list is refused.
    pub fn new(
        entity_name: &str,
        business_key_fields: &[String],
        rowversion_field: Option<&str>,
        exclusions: Exclusions,
    ) -> Result<Identifier, IdentityError> {
        if business_key_fields.is_empty() {
            return Err(IdentityError::NoKeyFields);
        }
        let mut prefix = String::new();
        if !entity_name.is_empty() {
            esc_into(&mut prefix, entity_name);
            prefix.push('|');
        }
        let mut keys: Vec<(String, String)> = business_key_fields
            .iter()
            .map(|f| {
                let mut p = String::new();
                esc_into(&mut p, f);
                p.push('=');
                (f.clone(), p)
            })
            .collect();
        keys.sort_by(|a, b| a.1.cmp(&b.1));
        for (n, (_, p)) in keys.iter_mut().enumerate() {
            p.insert_str(0, if n == 0 { &prefix } else { "|" });
        }
        Ok(Identifier {
            keys,
            declared: business_key_fields.to_vec(),
            rowversion_field: rowversion_field.map(str::to_owned),
            exclusions,
        })
    }

    pub fn bk_canonical(&self, row: &Row) -> Result<String, IdentityError> {
        let mut out = String::with_capacity(32 * self.keys.len());
        self.bk_canonical_into(|n| row.get(&self.keys[n].0), &mut out)?;
        Ok(out)
    }

    /// Appends the BK canonical form to `out` (a page reuses one buffer for all its rows); `value_of(n)` is the
    /// row's value of the `n`th key in canonical order. A key's few short values are searched for `\\ | =` a word at
    /// a time (`esc_into`), for less than counting them in the whole form afterwards as the data form does.
    fn bk_canonical_into<'r>(
        &self,
        value_of: impl Fn(usize) -> Option<&'r Value>,
        out: &mut String,
    ) -> Result<(), IdentityError> {
        for (n, (field, prefix)) in self.keys.iter().enumerate() {
            let v = value_of(n).ok_or_else(|| IdentityError::Missing(field.clone()))?;
            out.push_str(prefix);
            match v {
                // An integer's key text needs no escaping: written in place, no temporary string. Text is its
                // own key text (`key_text`), written in place too.
                Value::Int(i) => push_int(out, *i),
                Value::Text(s) => esc_into(out, s),
                _ => esc_into(out, &key_text(field, v)?),
            }
        }
        Ok(())
    }

    pub fn data_canonical(&self, row: &Row) -> String {
        data_canonical_with(row, self.rowversion_field.as_deref(), &self.exclusions)
    }

    pub fn ref_str(&self, row: &Row) -> String {
        erp_ref_str(row, &self.declared)
    }

    /// The BK hash and `erp_rowversion` of one row with the key plan of its shape; the BK form is built in `buf`
    /// (cleared first), so a page hashes every row without allocating a canonical string.
    fn key_with(
        &self,
        row: &Row,
        keys: &KeyPlan,
        buf: &mut String,
    ) -> Result<(BkHash, Option<CompactString>), RowError> {
        let values = row.values();
        let value = |at: Option<usize>| at.map(|i| &values[i]);
        buf.clear();
        self.bk_canonical_into(|n| value(keys.keys[n]), buf)
            .map_err(|e| e.into_row_error(row))?;
        Ok((bk_hash_of(buf), rowversion_text(value(keys.rowversion))))
    }

    /// Identity of one row with the plans of its shape; the canonical forms are built in `buf` (cleared first).
    fn identify_with(
        &self,
        row: &Row,
        (plan, keys): &(DataPlan, KeyPlan),
        buf: &mut String,
    ) -> Result<Identity, RowError> {
        let (bk_hash, rowversion) = self.key_with(row, keys, buf)?;
        buf.clear();
        plan.write(row, buf);
        Ok(Identity {
            bk_hash,
            data_hash: data_hash_of(buf),
            rowversion,
        })
    }

    /// The plans for rows shaped like `row`.
    fn plans(&self, row: &Row) -> (DataPlan, KeyPlan) {
        (
            DataPlan::new(row, self.rowversion_field.as_deref(), &self.exclusions),
            KeyPlan::new(self, row),
        )
    }

    /// Identity of one row; a bad business key fails the row at stage `identity`.
    pub fn identify(&self, row: &Row) -> Result<Identity, RowError> {
        self.identify_with(row, &self.plans(row), &mut String::new())
    }

    /// An identifier for single rows of one page (see `PageIdentifier`).
    pub fn page(&self) -> PageIdentifier<'_> {
        PageIdentifier {
            identifier: self,
            plans: None,
            buf: String::with_capacity(256),
            batch: DataBatch::default(),
        }
    }

    /// Identity of every row of a page, in order.
    pub fn identify_page(&self, rows: &[Row]) -> Vec<Result<Identity, RowError>> {
        self.identify_rows(rows)
    }

    /// Identity of each row, in order, as `identify` gives it (see `PageIdentifier::identify_rows`).
    pub fn identify_rows<'r>(
        &self,
        rows: impl IntoIterator<Item = &'r Row>,
    ) -> Vec<Result<Identity, RowError>> {
        self.page().identify_rows(rows)
    }
}

/// Rows whose data forms are hashed together: enough to fill the SIMD lanes for each block count a page's forms
/// have, few enough that the forms stay in cache between writing and hashing.
const HASH_BATCH: usize = 256;

/// Data forms waiting to be hashed, one after another in `forms`.
#[derive(Default)]
struct DataBatch {
    forms: String,
    /// Where each form ends in `forms`.
    ends: Vec<usize>,
    /// Where each form's identity sits in the page's results.
    slots: Vec<usize>,
    hasher: ManyHasher,
    hashes: Vec<[u8; 32]>,
}

impl DataBatch {
    /// The form just written to `forms` belongs to result `slot`.
    fn pending(&mut self, slot: usize) {
        self.ends.push(self.forms.len());
        self.slots.push(slot);
    }

    /// Hashes the pending forms into their identities and empties the batch.
    fn hash_into(&mut self, out: &mut [Result<Identity, RowError>]) {
        let bytes = self.forms.as_bytes();
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        let inputs: Vec<&[u8]> = starts
            .zip(&self.ends)
            .map(|(start, &end)| &bytes[start..end])
            .collect();
        self.hashes.clear();
        self.hashes.resize(inputs.len(), [0; 32]);
        self.hasher.hash_each(&inputs, &mut self.hashes);
        for (&slot, hash) in self.slots.iter().zip(&self.hashes) {
            if let Ok(identity) = &mut out[slot] {
                identity.data_hash = DataHash(*hash);
            }
        }
        self.forms.clear();
        self.ends.clear();
        self.slots.clear();
    }
}

/// `Identifier::identify` over the rows of one page. Rows of one page share their field names, so the data field
/// order is worked out once and reused while the shape stays the same; the canonical forms reuse their buffers.
pub struct PageIdentifier<'a> {
    identifier: &'a Identifier,
    plans: Option<(DataPlan, KeyPlan)>,
    buf: String,
    batch: DataBatch,
}

impl PageIdentifier<'_> {
    /// Identity of each row, in order, as `identify` gives it. The data forms of up to `HASH_BATCH` rows are
    /// written one after another and hashed together (`blake3_many`), several rows per SIMD pass.
    pub fn identify_rows<'r>(
        &mut self,
        rows: impl IntoIterator<Item = &'r Row>,
    ) -> Vec<Result<Identity, RowError>> {
        let id = self.identifier;
        let rows = rows.into_iter();
        let mut out = Vec::with_capacity(rows.size_hint().0);
        for row in rows {
            let plans = plans_in(&mut self.plans, id, row);
            let batch = &mut self.batch;
            let identity =
                id.key_with(row, &plans.1, &mut self.buf)
                    .map(|(bk_hash, rowversion)| {
                        plans.0.write(row, &mut batch.forms);
                        batch.pending(out.len());
                        Identity {
                            bk_hash,
                            // Filled in when the batch is hashed.
                            data_hash: DataHash([0; 32]),
                            rowversion,
                        }
                    });
            out.push(identity);
            if self.batch.slots.len() == HASH_BATCH {
                self.batch.hash_into(&mut out);
            }
        }
        self.batch.hash_into(&mut out);
        out
    }

    pub fn identify(&mut self, row: &Row) -> Result<Identity, RowError> {
        let plans = plans_in(&mut self.plans, self.identifier, row);
        self.identifier.identify_with(row, plans, &mut self.buf)
    }
}

/// The plans for `row`'s shape, kept in `slot`: the last row's when the shape is the same (read in place, not moved
/// out and back for every row), else made anew.
fn plans_in<'p>(
    slot: &'p mut Option<(DataPlan, KeyPlan)>,
    id: &Identifier,
    row: &Row,
) -> &'p (DataPlan, KeyPlan) {
    if slot.as_ref().is_some_and(|p| !p.0.fits(row)) {
        *slot = None;
    }
    slot.get_or_insert_with(|| id.plans(row))
}

/// `field=value` for the business-key fields in declared order, NULLs and missing fields skipped: for people.
pub fn erp_ref_str(row: &Row, business_key_fields: &[String]) -> String {
    ref_str_of(business_key_fields.iter().map(|f| (f.as_str(), row.get(f))))
}

/// `erp_ref_str` over the business-key fields and their values (`None`: missing), in declared order.
fn ref_str_of<'a>(keys: impl ExactSizeIterator<Item = (&'a str, Option<&'a Value>)>) -> String {
    let mut out = String::with_capacity(32 * keys.len());
    for (f, v) in keys {
        let v = match v {
            None | Some(Value::Null) => continue,
            Some(v) => v,
        };
        if !out.is_empty() {
            out.push('|');
        }
        out.push_str(f);
        out.push('=');
        // Text and integers (the usual keys) are written in place; the rest goes through the general forms.
        match v {
            Value::Text(s) => out.push_str(s),
            Value::Int(i) => push_int(&mut out, *i),
            Value::Json(j) => out.push_str(&j.to_string()),
            v => match key_text(f, v) {
                Ok(t) => out.push_str(&t),
                Err(_) => out.push_str(&v.display_text()),
            },
        }
    }
    out
}

/// `erp_rowversion`: the rowversion field's value as trimmed text, or `None` (no field, NULL, or blank).
pub fn erp_rowversion(row: &Row, rowversion_field: Option<&str>) -> Option<CompactString> {
    rowversion_text(row.get(rowversion_field?))
}

/// `erp_rowversion` of the rowversion field's value (`None`: no such field).
fn rowversion_text(v: Option<&Value>) -> Option<CompactString> {
    let v = v?;
    let text = match v {
        Value::Null => return None,
        Value::Text(s) => CompactString::new(trim_space(s)),
        Value::Float(f) if f.is_nan() => return None,
        other => match key_text("", other) {
            Ok(t) => CompactString::new(t),
            Err(_) => CompactString::from(other.display_text()),
        },
    };
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{bk_canonical, data_canonical};

    fn row(fields: &[(&str, Value)]) -> Row {
        fields
            .iter()
            .map(|(n, v)| (Arc::from(*n), v.clone()))
            .collect()
    }

    #[test]
    fn a_page_reads_fields_by_position_exactly_as_by_name() {
        let keys = vec!["ITEM".to_string(), "SITE".to_string()];
        let id = Identifier::new("items", &keys, Some("RV"), Exclusions::Default).unwrap();
        let text = |s: &str| Value::Text(s.into());
        // Shapes change between rows (order, missing and repeated fields), so plans are made and remade.
        let rows = [
            row(&[
                ("ITEM", text("A|1")),
                ("SITE", Value::Int(7)),
                ("RV", text(" 0x01 ")),
                ("Q", Value::Int(1)),
            ]),
            row(&[
                ("ITEM", text("B")),
                ("SITE", Value::Int(8)),
                ("RV", text("0x02")),
                ("Q", Value::Null),
            ]),
            row(&[
                ("SITE", Value::Int(9)),
                ("ITEM", Value::Decimal("1.5".into())),
                ("Q", Value::Float(2.5)),
            ]),
            row(&[
                ("SITE", Value::Null),
                ("ITEM", text("C")),
                ("RV", Value::Int(3)),
            ]),
            row(&[("ITEM", text("D")), ("RV", text("4"))]),
            row(&[
                ("ITEM", text("E")),
                ("SITE", text("x")),
                ("ITEM", text("F")),
                ("RV", Value::Null),
            ]),
        ];
        let paged = id.identify_page(&rows);
        for (r, got) in rows.iter().zip(paged) {
            let want = bk_canonical(r, &keys, Some("items"))
                .map_err(|e| e.into_row_error(r))
                .map(|bk| Identity {
                    bk_hash: bk_hash_of(&bk),
                    data_hash: data_hash_of(&data_canonical(r, Some("RV"), &Exclusions::Default)),
                    rowversion: erp_rowversion(r, Some("RV")),
                });
            assert_eq!(got, want, "{r:?}");
        }
    }

    fn value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::Int),
            any::<bool>().prop_map(Value::Bool),
            (-1e6..1e6f64).prop_map(Value::Float),
            "-?[0-9]{1,3}\\.[0-9]{1,9}".prop_map(|d| Value::Decimal(d.into())),
            "[a-c|=\\\\ ]{0,6}".prop_map(Value::Text),
            "\\PC{0,8}".prop_map(Value::Text),
            "[a|=]{0,3}".prop_map(|s| Value::Json(Box::new(serde_json::json!({ "k": s })))),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        /// The page path hashes the data forms of many rows together, across batch boundaries; each row must get
        /// what `identify` gives it alone, in order, failures included, whatever its shape and form length.
        #[test]
        fn a_page_identifies_each_row_as_identify_does(
            rows in proptest::collection::vec(
                (
                    proptest::collection::vec(value(), 4),
                    proptest::prop_oneof![
                        proptest::strategy::Just(String::new()),
                        "[a-z|=]{0,80}",
                        "[a-z ]{900,1100}",
                    ],
                    proptest::prelude::any::<bool>(),
                ),
                0..(2 * HASH_BATCH + 20),
            )
        ) {
            let names = ["ITEM", "SITE", "RV", "NOTE", "LONG"];
            let keys = vec!["ITEM".to_string(), "SITE".to_string()];
            let id = Identifier::new("items", &keys, Some("RV"), Exclusions::Default).unwrap();
            let rows: Vec<Row> = rows
                .into_iter()
                .map(|(values, long, with_long)| {
                    let values = values.into_iter().chain(with_long.then_some(Value::Text(long)));
                    row(&names.iter().copied().zip(values).collect::<Vec<_>>())
                })
                .collect();
            let paged = id.identify_page(&rows);
            proptest::prop_assert_eq!(paged.len(), rows.len());
            for (r, got) in rows.iter().zip(paged) {
                proptest::prop_assert_eq!(got, id.identify(r), "{:?}", r);
            }
        }
    }

    proptest::proptest! {
        /// The page path writes the data form unescaped and counts `\\ | =` once (the BK form by positions, not
        /// names); it must give what the general forms give, whatever the names and values hold (escaped
        /// characters, NULLs, failures).
        #[test]
        fn the_unescaped_page_forms_agree_with_the_escaped_general_forms(
            entity in "[a-c|=\\\\]{0,3}",
            names in proptest::collection::btree_set("[a-c|=\\\\]{1,3}", 2..6),
            values in proptest::collection::vec(value(), 6),
        ) {
            let names: Vec<String> = names.into_iter().collect();
            let keys = names[..2].to_vec();
            let rv = names.last().filter(|n| !keys.contains(n)).map(String::as_str);
            let id = Identifier::new(&entity, &keys, rv, Exclusions::Default).unwrap();
            let r = row(&names.iter().map(String::as_str).zip(values).collect::<Vec<_>>());
            let want = bk_canonical(&r, &keys, Some(&entity))
                .map_err(|e| e.into_row_error(&r))
                .map(|bk| Identity {
                    bk_hash: bk_hash_of(&bk),
                    data_hash: data_hash_of(&data_canonical(&r, rv, &Exclusions::Default)),
                    rowversion: erp_rowversion(&r, rv),
                });
            proptest::prop_assert_eq!(id.identify_page(std::slice::from_ref(&r)).remove(0), want);
        }
    }
}
