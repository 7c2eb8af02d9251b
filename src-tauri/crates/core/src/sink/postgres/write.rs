//! Loads into an entity's table. A page is one transaction: one `INSERT … SELECT … ON CONFLICT (business key) DO
//! UPDATE` for all its rows (values sent as text arrays, one per column, cast in SQL, so numbers stay exact). If a
//! row's value does not fit (too long, numeric overflow, not a date), the batch is rolled back to its savepoint and the
//! page is sent again row by row, each row under its own savepoint: the good rows land, each bad one comes back as a
//! `Refusal` naming the field and the value. Re-sending a page is harmless: the upsert is keyed by the business key.

use super::table::{TableSpec, COLUMNS_SQL};
use super::types::{cast, char_limit, quote};
use super::{describe, PgError, PostgresSink};
use crate::sink::schedulehub::Outgoing;
use crate::sink::{Found, Refusal};
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};
use tokio_postgres::GenericClient;

/// Fields of a sent record that are SyncFlow's, not the row's: they go to the `_bridge_*` columns or nowhere.
const IDENTITY_FIELDS: [&str; 5] = [
    "erp_key_hash",
    "erp_data_hash",
    "erp_rowversion",
    "erp_ref_str",
    "parent_refs",
];

/// What a page's load did: `_bridge_id` by key hash for the rows loaded, refusals by key hash for the others.
#[derive(Debug, Default)]
pub struct Written {
    pub ids: HashMap<String, String>,
    pub refused: HashMap<String, Refusal>,
}

struct Row {
    id: String,
    key_hash: String,
    data_hash: String,
    rowversion: Option<String>,
    fields: BTreeMap<String, Option<String>>,
}

/// A JSON value as the text PostgreSQL casts: strings unquoted, numbers digit for digit, booleans `true`/`false`,
/// arrays and objects as JSON; `None` for null.
fn value_text(raw: &RawValue) -> Option<String> {
    let s = raw.get();
    match s.as_bytes().first() {
        Some(b'n') => None,
        Some(b'"') => serde_json::from_str::<String>(s).ok(),
        _ => Some(s.to_owned()),
    }
}

fn parse(uid: Option<String>, out: &Outgoing) -> Result<Row, PgError> {
    let map: BTreeMap<String, &RawValue> = serde_json::from_str(out.json.get())
        .map_err(|e| PgError::Config(format!("a record to load is not a JSON object: {e}")))?;
    let text = |k: &str| map.get(k).and_then(|r| value_text(r));
    Ok(Row {
        id: uid
            .filter(|u| uuid::Uuid::parse_str(u).is_ok())
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        key_hash: out.erp_key_hash.clone(),
        data_hash: text("erp_data_hash").unwrap_or_default(),
        rowversion: text("erp_rowversion"),
        fields: map
            .iter()
            .filter(|(k, _)| !IDENTITY_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), value_text(v)))
            .collect(),
    })
}

fn is_row_error(e: &tokio_postgres::Error) -> bool {
    // 21: cardinality (one key twice in one statement), 22: data exceptions, 23: integrity constraints.
    e.as_db_error()
        .is_some_and(|d| matches!(&d.code().code()[..2], "21" | "22" | "23"))
}

/// The upsert of a page's rows over `fields` (with their column types): one text array per column (`$1` …), read
/// side by side with `ROWS FROM (unnest(…), …)`. (One flat array indexed per value was quadratic: PostgreSQL walks a
/// text array from its start to find an element.)
fn upsert_sql(spec: &TableSpec, fields: &[(String, String)]) -> String {
    let w = fields.len() + 4;
    let at = |k: usize| format!("u.c{k}");
    let arrays: Vec<String> = (1..=w).map(|k| format!("unnest(${k}::text[])")).collect();
    let names: Vec<String> = (0..w).map(|k| format!("c{k}")).collect();
    let mut cols: Vec<String> = fields.iter().map(|(f, _)| quote(f)).collect();
    let mut vals: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(k, (_, ty))| cast(&at(k), ty))
        .collect();
    let f = fields.len();
    cols.extend(
        [
            "_bridge_id",
            "_bridge_key_hash",
            "_bridge_data_hash",
            "_bridge_rowversion",
        ]
        .map(quote),
    );
    vals.extend([format!("{}::uuid", at(f)), at(f + 1), at(f + 2), at(f + 3)]);
    let mut set: Vec<String> = fields
        .iter()
        .filter(|(n, _)| !spec.business_keys.contains(n))
        .map(|(n, _)| format!("{0} = EXCLUDED.{0}", quote(n)))
        .collect();
    set.extend(
        [
            "_bridge_key_hash",
            "_bridge_data_hash",
            "_bridge_rowversion",
        ]
        .map(|c| format!("{0} = EXCLUDED.{0}", quote(c))),
    );
    set.push(format!("{} = false", quote("_bridge_deleted")));
    set.push(format!("{} = now()", quote("_bridge_updated_at")));
    let keys: Vec<String> = spec.business_keys.iter().map(|k| quote(k)).collect();
    format!(
        "INSERT INTO {table} ({cols}) SELECT {vals} FROM ROWS FROM ({arrays}) AS u({names}) \
         ON CONFLICT ({keys}) DO UPDATE SET {set} RETURNING {kh}, {id}::text",
        table = spec.qualified(),
        arrays = arrays.join(", "),
        names = names.join(", "),
        cols = cols.join(", "),
        vals = vals.join(", "),
        keys = keys.join(", "),
        set = set.join(", "),
        kh = quote("_bridge_key_hash"),
        id = quote("_bridge_id"),
    )
}

fn params(cols: &[Vec<Option<String>>]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    cols.iter()
        .map(|c| c as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect()
}

/// The rows' values column by column (the fields, then id, key hash, data hash, rowversion): `upsert_sql`'s arrays.
fn columns_of(rows: &[&Row], fields: &[(String, String)]) -> Vec<Vec<Option<String>>> {
    let mut cols: Vec<Vec<Option<String>>> = fields
        .iter()
        .map(|(f, _)| {
            rows.iter()
                .map(|r| r.fields.get(f).cloned().flatten())
                .collect()
        })
        .collect();
    cols.push(rows.iter().map(|r| Some(r.id.clone())).collect());
    cols.push(rows.iter().map(|r| Some(r.key_hash.clone())).collect());
    cols.push(rows.iter().map(|r| Some(r.data_hash.clone())).collect());
    cols.push(rows.iter().map(|r| r.rowversion.clone()).collect());
    cols
}

/// Which field of a refused row is at fault: a text longer than its character column, else the first value whose
/// cast fails (each tried under a savepoint of `tx`).
async fn probe(
    tx: &mut tokio_postgres::Transaction<'_>,
    row: &Row,
    fields: &[(String, String)],
    err: &tokio_postgres::Error,
) -> Refusal {
    let db_message = describe(err);
    for (f, ty) in fields {
        let Some(v) = row.fields.get(f).cloned().flatten() else {
            continue;
        };
        if let Some(limit) = char_limit(ty) {
            let n = v.chars().count();
            if n > limit {
                return Refusal {
                    message: format!(
                        "{f}: '{v}' is {n} characters, longer than the column's type {ty} allows"
                    ),
                    field: Some(f.clone()),
                    value: Some(v),
                };
            }
            continue;
        }
        let Ok(sp) = tx.savepoint("probe").await else {
            break;
        };
        let r = sp
            // `$1::text` first: the parameter is text, as in the upsert's array.
            .query_one(&format!("SELECT ({})::text", cast("($1::text)", ty)), &[&v])
            .await;
        let _ = sp.rollback().await;
        if let Err(e) = r {
            return Refusal {
                message: format!(
                    "{f}: '{v}' does not fit the column's type {ty}: {}",
                    describe(&e)
                ),
                field: Some(f.clone()),
                value: Some(v),
            };
        }
    }
    let field = err
        .as_db_error()
        .and_then(|d| d.column())
        .map(str::to_owned);
    Refusal {
        value: field
            .as_ref()
            .and_then(|f| row.fields.get(f).cloned().flatten()),
        message: match &field {
            Some(f) => format!("{f}: {db_message}"),
            None => db_message,
        },
        field,
    }
}

impl PostgresSink {
    /// The table's columns (`name → type`), the table created first if it does not exist.
    async fn ensure_table(
        &self,
        client: &tokio_postgres::Client,
        spec: &TableSpec,
    ) -> Result<HashMap<String, String>, PgError> {
        client
            .batch_execute(&spec.create_sql())
            .await
            .map_err(|e| self.sql_error(&spec.table, &e))?;
        let actual = columns(client, spec)
            .await
            .map_err(|e| self.sql_error(&spec.table, &e))?;
        match spec.missing_in(&actual) {
            Some(m) => Err(PgError::Config(m)),
            None => Ok(actual),
        }
    }

    /// Loads `rows` (each with the `_bridge_id` it already has, if known) in one transaction.
    pub async fn upsert(&self, rows: Vec<(Option<String>, Outgoing)>) -> Result<Written, PgError> {
        let mut out = Written::default();
        if rows.is_empty() {
            return Ok(out);
        }
        let rows: Vec<Row> = rows
            .into_iter()
            .map(|(uid, o)| parse(uid, &o))
            .collect::<Result<_, _>>()?;
        let mut guard = self.state().await?;
        let state = &mut *guard;
        let mut spec = state.spec.clone().ok_or_else(|| {
            PgError::Config("the PostgreSQL target was opened without a table".into())
        })?;
        let client = state.client.as_mut().expect("connected");
        if state.columns.is_none() {
            state.columns = Some(self.ensure_table(client, &spec).await?);
        }
        let actual = state.columns.clone().unwrap_or_default();
        let mut names: Vec<String> = Vec::new();
        for r in &rows {
            for f in r.fields.keys() {
                if !names.contains(f) {
                    names.push(f.clone());
                }
            }
        }
        let new: Vec<&String> = names.iter().filter(|f| !actual.contains_key(*f)).collect();
        if !new.is_empty() {
            // Columns the entity did not have when the run started (SPEC §11): their types are stored by now.
            if let Some(fresh) = self.refresh.as_ref().and_then(|f| f()) {
                spec = fresh;
                state.spec = Some(spec.clone());
            }
        }
        let err = |e: &tokio_postgres::Error| self.sql_error(&spec.table, e);
        let mut tx = client.transaction().await.map_err(|e| err(&e))?;
        if !new.is_empty() {
            for f in &new {
                tx.batch_execute(&spec.add_column_sql(f))
                    .await
                    .map_err(|e| err(&e))?;
                tracing::info!(table = %spec.qualified(), column = %f, "added a column the source now sends");
            }
        }
        let types = if new.is_empty() {
            actual
        } else {
            columns(&tx, &spec).await.map_err(|e| err(&e))?
        };
        let fields: Vec<(String, String)> = names
            .iter()
            .map(|f| {
                (
                    f.clone(),
                    types.get(f).cloned().unwrap_or_else(|| "text".into()),
                )
            })
            .collect();
        let all: Vec<&Row> = rows.iter().collect();
        let sp = tx.savepoint("page").await.map_err(|e| err(&e))?;
        let sql = upsert_sql(&spec, &fields);
        let batch = sp.query(&sql, &params(&columns_of(&all, &fields))).await;
        match batch {
            Ok(returned) => {
                sp.commit().await.map_err(|e| err(&e))?;
                out.ids
                    .extend(returned.iter().map(|r| (r.get(0), r.get(1))));
            }
            Err(e) if is_row_error(&e) => {
                sp.rollback().await.map_err(|e| err(&e))?;
                tracing::info!(table = %spec.qualified(), error = %describe(&e), "a page did not load as one batch; loading it row by row");
                for r in &rows {
                    let sp = tx.savepoint("row").await.map_err(|e| err(&e))?;
                    match sp.query(&sql, &params(&columns_of(&[r], &fields))).await {
                        Ok(returned) => {
                            sp.commit().await.map_err(|e| err(&e))?;
                            out.ids
                                .extend(returned.iter().map(|x| (x.get(0), x.get(1))));
                        }
                        Err(e) if is_row_error(&e) => {
                            sp.rollback().await.map_err(|e| err(&e))?;
                            let refusal = probe(&mut tx, r, &fields, &e).await;
                            out.refused.insert(r.key_hash.clone(), refusal);
                        }
                        Err(e) => return Err(err(&e)),
                    }
                }
            }
            Err(e) => return Err(err(&e)),
        }
        tx.commit().await.map_err(|e| err(&e))?;
        if !new.is_empty() {
            state.columns = Some(types);
        }
        Ok(out)
    }

    /// Marks the rows with these `_bridge_id`s deleted; a uid the table does not hold counts as deleted already.
    pub async fn mark_deleted(&self, uids: &[String]) -> Result<u64, PgError> {
        let ids: Vec<uuid::Uuid> = uids
            .iter()
            .filter_map(|u| uuid::Uuid::parse_str(u).ok())
            .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let guard = self.state().await?;
        let spec = guard.spec.clone().ok_or_else(|| {
            PgError::Config("the PostgreSQL target was opened without a table".into())
        })?;
        let client = guard.client.as_ref().expect("connected");
        let sql = format!(
            "UPDATE {} SET {d} = true, {u} = now() WHERE {id} = ANY($1) AND NOT {d}",
            spec.qualified(),
            d = quote("_bridge_deleted"),
            u = quote("_bridge_updated_at"),
            id = quote("_bridge_id"),
        );
        match client.execute(&sql, &[&ids]).await {
            Ok(n) => Ok(n),
            // Nothing was ever loaded: nothing to delete.
            Err(e) if is_undefined_table(&e) => Ok(0),
            Err(e) => Err(self.sql_error(&spec.table, &e)),
        }
    }

    /// The rows of `table` (in the connection's schema) with these key hashes that are not deleted.
    pub async fn find(&self, table: &str, key_hashes: &[String]) -> Result<Vec<Found>, PgError> {
        if key_hashes.is_empty() {
            return Ok(Vec::new());
        }
        let guard = self.state().await?;
        let client = guard.client.as_ref().expect("connected");
        let sql = format!(
            "SELECT {kh}, {id}::text, {dh}, {rv} FROM {}.{} WHERE {kh} = ANY($1) AND NOT {d}",
            quote(&self.settings.schema),
            quote(table),
            kh = quote("_bridge_key_hash"),
            id = quote("_bridge_id"),
            dh = quote("_bridge_data_hash"),
            rv = quote("_bridge_rowversion"),
            d = quote("_bridge_deleted"),
        );
        match client.query(&sql, &[&key_hashes]).await {
            Ok(rows) => Ok(rows
                .iter()
                .map(|r| Found {
                    key_hash: r.get(0),
                    uid: r.get(1),
                    data_hash: r.get(2),
                    rowversion: r.get(3),
                })
                .collect()),
            // The table is made by its entity's first load: until then it holds nothing.
            Err(e) if is_undefined_table(&e) => Ok(Vec::new()),
            Err(e) => Err(self.sql_error(table, &e)),
        }
    }
}

fn is_undefined_table(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE)
}

async fn columns(
    c: &impl GenericClient,
    spec: &TableSpec,
) -> Result<HashMap<String, String>, tokio_postgres::Error> {
    Ok(c.query(COLUMNS_SQL, &[&spec.qualified()])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_values_become_exact_text() {
        let raw = |s: &str| RawValue::from_string(s.to_owned()).unwrap();
        assert_eq!(
            value_text(&raw("12345678901234567890.123456789")).as_deref(),
            Some("12345678901234567890.123456789"),
            "a decimal keeps every digit"
        );
        assert_eq!(value_text(&raw("\"a\\\"b\"")).as_deref(), Some("a\"b"));
        assert_eq!(value_text(&raw("true")).as_deref(), Some("true"));
        assert_eq!(value_text(&raw("null")), None);
        assert_eq!(value_text(&raw("[1,2]")).as_deref(), Some("[1,2]"));
    }

    #[test]
    fn a_record_splits_into_its_fields_and_the_bridge_columns() {
        let json = r#"{"ORDER":"A-1","QTY":10.50,"erp_key_hash":"k","erp_data_hash":"d","erp_rowversion":"7","erp_ref_str":"ORDER=A-1","parent_refs":{"site":null}}"#;
        let out = Outgoing {
            erp_key_hash: "k".into(),
            json: RawValue::from_string(json.into()).unwrap(),
        };
        let row = parse(None, &out).unwrap();
        assert_eq!(
            row.fields.keys().collect::<Vec<_>>(),
            ["ORDER", "QTY"],
            "identity fields are not columns"
        );
        assert_eq!(row.fields["QTY"].as_deref(), Some("10.50"));
        assert_eq!(
            (row.data_hash.as_str(), row.rowversion.as_deref()),
            ("d", Some("7"))
        );
        let known = uuid::Uuid::now_v7().to_string();
        assert_eq!(
            parse(Some(known.clone()), &out).unwrap().id,
            known,
            "a row keeps the id it has"
        );
    }
}
