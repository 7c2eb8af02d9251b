//! ScheduleHub's records in memory, per entity: uid, timestamps, the per-record checks (hash shapes, parent
//! existence, refused values) and the numbers `/_sim/state` reports. Duplicate `erp_key_hash` values are accepted
//! and counted, as the real service does.

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub type Record = Map<String, Value>;

#[derive(Debug, Default)]
struct EntityStore {
    records: BTreeMap<String, Record>,
    by_hash: HashMap<String, Vec<String>>,
}

#[derive(Debug, Default)]
pub struct Hub {
    known: BTreeSet<String>,
    entities: BTreeMap<String, EntityStore>,
    /// Records per `erp_key_hash` across all entities: the parent check's lookup.
    hash_count: HashMap<String, u64>,
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn now() -> Value {
    json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

impl Hub {
    pub fn new(known: impl IntoIterator<Item = String>) -> Self {
        Self {
            known: known.into_iter().collect(),
            ..Self::default()
        }
    }

    pub fn knows(&self, entity: &str) -> bool {
        self.known.contains(entity)
    }

    pub fn add_entity(&mut self, entity: String) {
        self.known.insert(entity);
    }

    pub fn clear(&mut self) {
        self.entities.clear();
        self.hash_count.clear();
    }

    /// Why ScheduleHub refuses this record, if it does (`rejected` = an injected refusal).
    pub fn check(&self, rec: &Value, rejected: bool) -> Result<(), String> {
        let Some(obj) = rec.as_object() else {
            return Err("record must be a JSON object".into());
        };
        match obj.get("erp_key_hash").and_then(Value::as_str) {
            Some(h) if is_hex(h, 32) => {}
            _ => return Err("erp_key_hash must be 32 lowercase hex digits".into()),
        }
        match obj.get("erp_data_hash").and_then(Value::as_str) {
            Some(h) if is_hex(h, 64) => {}
            _ => return Err("erp_data_hash must be 64 lowercase hex digits".into()),
        }
        if let Some(refs) = obj.get("parent_refs") {
            let Some(refs) = refs.as_object() else {
                return Err("parent_refs must be an object".into());
            };
            for (name, hash) in refs {
                match hash {
                    Value::Null => {}
                    Value::String(h) if self.hash_count.contains_key(h) => {}
                    Value::String(h) => return Err(format!("parent not found: {name}={h}")),
                    _ => return Err(format!("parent_refs.{name} must be a string or null")),
                }
            }
        }
        if let Some((k, _)) = obj
            .iter()
            .find(|(_, v)| v.as_str().is_some_and(|s| s.contains('\0')))
        {
            return Err(format!(
                "value rejected: field '{k}' contains a NUL character"
            ));
        }
        if rejected {
            return Err("value rejected by ScheduleHub (injected fault)".into());
        }
        Ok(())
    }

    fn index(&mut self, entity: &str, uid: &str, rec: &Record, add: bool) {
        let Some(h) = rec
            .get("erp_key_hash")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return;
        };
        let store = self.entities.entry(entity.to_owned()).or_default();
        let uids = store.by_hash.entry(h.clone()).or_default();
        let count = self.hash_count.entry(h.clone()).or_default();
        if add {
            uids.push(uid.to_owned());
            *count += 1;
        } else {
            uids.retain(|u| u != uid);
            *count -= 1;
            if uids.is_empty() {
                store.by_hash.remove(&h);
            }
            if *count == 0 {
                self.hash_count.remove(&h);
            }
        }
    }

    /// Stores a checked record and returns it with `uid`, `created_at`, `updated_at` (borrowed: a batch answers
    /// with two of its fields, so the whole record is not copied for it).
    pub fn insert(&mut self, entity: &str, rec: Value) -> &Record {
        let mut rec = match rec {
            Value::Object(m) => m,
            _ => Record::new(),
        };
        let uid = uuid::Uuid::now_v7().to_string();
        let t = now();
        rec.insert("uid".into(), json!(uid));
        rec.insert("created_at".into(), t.clone());
        rec.insert("updated_at".into(), t);
        self.index(entity, &uid, &rec, true);
        let records = &mut self.entities.entry(entity.to_owned()).or_default().records;
        records.insert(uid.clone(), rec);
        &records[&uid]
    }

    pub fn get(&self, entity: &str, uid: &str) -> Option<&Record> {
        self.entities.get(entity)?.records.get(uid)
    }

    /// Merges `data` into the record (uid and created_at are kept) and returns the result.
    pub fn update(&mut self, entity: &str, uid: &str, data: &Record) -> Option<Record> {
        let old = self.get(entity, uid)?.clone();
        let mut rec = old.clone();
        for (k, v) in data {
            if !matches!(k.as_str(), "uid" | "created_at" | "updated_at") {
                rec.insert(k.clone(), v.clone());
            }
        }
        rec.insert("updated_at".into(), now());
        self.index(entity, uid, &old, false);
        self.index(entity, uid, &rec, true);
        self.entities
            .get_mut(entity)?
            .records
            .insert(uid.to_owned(), rec.clone());
        Some(rec)
    }

    pub fn delete(&mut self, entity: &str, uid: &str) -> bool {
        let Some(old) = self
            .entities
            .get_mut(entity)
            .and_then(|s| s.records.remove(uid))
        else {
            return false;
        };
        self.index(entity, uid, &old, false);
        true
    }

    /// Every record (duplicates included) whose `erp_key_hash` is one of `hashes`.
    pub fn query(&self, entity: &str, hashes: &[String]) -> Vec<Record> {
        let Some(store) = self.entities.get(entity) else {
            return Vec::new();
        };
        let mut seen = BTreeSet::new();
        hashes
            .iter()
            .filter(|h| seen.insert(h.as_str()))
            .filter_map(|h| store.by_hash.get(h))
            .flatten()
            .filter_map(|uid| store.records.get(uid).cloned())
            .collect()
    }

    pub fn records(&self, entity: &str) -> Vec<Record> {
        self.entities
            .get(entity)
            .map(|s| s.records.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Records per entity, duplicates by `erp_key_hash`, and children whose parent hash no record carries.
    pub fn state(&self) -> Value {
        let mut entities = Map::new();
        let mut missing = Vec::new();
        for (name, store) in &self.entities {
            let dups: BTreeMap<&str, usize> = store
                .by_hash
                .iter()
                .filter(|(_, u)| u.len() > 1)
                .map(|(h, u)| (h.as_str(), u.len()))
                .collect();
            let extra: usize = dups.values().map(|n| n - 1).sum();
            entities.insert(
                name.clone(),
                json!({"records": store.records.len(), "duplicate_records": extra, "duplicates": dups}),
            );
            for (uid, rec) in &store.records {
                for (r, h) in rec
                    .get("parent_refs")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if let Some(h) = h.as_str().filter(|h| !self.hash_count.contains_key(*h)) {
                        missing.push(json!({"entity": name, "uid": uid, "ref": r, "hash": h}));
                    }
                }
            }
        }
        json!({"entities": entities, "missing_parents": missing})
    }
}
