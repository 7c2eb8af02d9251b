//! ScheduleHub's records in memory, per entity: uid, timestamps, the per-record checks (hash shapes, parent
//! existence, refused values) and the numbers `/_sim/state` reports. Duplicate `erp_key_hash` values are accepted
//! and counted, as the real service does.
//!
//! A record is kept as the JSON text ScheduleHub answers with (`uid`, `created_at`, `updated_at` first, then the
//! record as it was sent), beside the indexes the contract's calls need: by uid and by `erp_key_hash` (both as
//! numbers: a uid is a UUID, a stored hash is 32 hex digits). A batch insert reads each record's facts for the checks
//! from its text (`Facts::read`) without building a JSON tree; updates, the `/_sim/` dumps and the state report parse
//! the stored text again when they need the fields. The stored text is built from a record the request's parser has
//! already checked, so it is kept as plain text (`Box<str>`), not parsed a third time to become a `RawValue`. The
//! hash indexes use FxHash (the keys are hashes already) and keep a key's single uid inline (`SmallVec`): a key
//! held by one record costs no allocation of its own.

use crate::rng::SeqRng;
use rustc_hash::FxHashMap;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub type Record = Map<String, Value>;

/// One stored record: its key hash and the JSON text it is answered with (a JSON object's text).
#[derive(Debug)]
struct Stored {
    key: u128,
    json: Box<str>,
}

/// The uids of the records holding one key hash: nearly always one, kept inline.
type Uids = SmallVec<[u128; 1]>;

#[derive(Debug, Default)]
struct EntityStore {
    /// By uid (a UUID v7 as a number orders like its text).
    records: BTreeMap<u128, Stored>,
    by_hash: FxHashMap<u128, Uids>,
}

#[derive(Debug, Default)]
pub struct Hub {
    known: BTreeSet<String>,
    entities: BTreeMap<String, EntityStore>,
    /// Records per `erp_key_hash` across all entities: the parent check's lookup.
    hash_count: FxHashMap<u128, u64>,
    uids: UidClock,
}

/// The uids of new records: UUID v7 (RFC 9562 §6.2, "monotonic random"): the Unix millisecond, then 74 bits that
/// start at a random value in each new millisecond and count up within it, so uids are unique and ordered by issue
/// even within one millisecond. The random starts come from a generator seeded once from the OS (by `now_v7`)
/// instead of a `getrandom` system call per record.
#[derive(Debug, Default)]
struct UidClock {
    last_ms: u64,
    tail: u128,
    rng: Option<SeqRng>,
}

impl UidClock {
    fn next(&mut self) -> u128 {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        if ms > self.last_ms {
            let rng = self
                .rng
                .get_or_insert_with(|| SeqRng::new(uuid::Uuid::now_v7().as_u128() as u64));
            self.last_ms = ms;
            // 73 random bits: the top one of the 74 stays clear, room to count up within the millisecond.
            let r = ((rng.next_u64() as u128) << 64) | rng.next_u64() as u128;
            self.tail = r & ((1 << 73) - 1);
        } else {
            // The same millisecond (or the clock stepped back): count up from the last uid.
            self.tail += 1;
        }
        let (rand_a, rand_b) = (self.tail >> 62, self.tail & ((1 << 62) - 1));
        ((self.last_ms as u128) << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A stored key hash as a number; `None` for text no stored record can carry.
fn key_of(s: &str) -> Option<u128> {
    if is_hex(s, 32) {
        u128::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

fn hash_text(key: u128) -> String {
    format!("{key:032x}")
}

/// A uid as sent (lowercase, hyphenated, as ScheduleHub writes it); anything else names no record.
fn uid_of(s: &str) -> Option<u128> {
    let u = uuid::Uuid::try_parse(s).ok()?;
    let mut buf = uuid::Uuid::encode_buffer();
    (u.hyphenated().encode_lower(&mut buf) == s).then(|| u.as_u128())
}

fn uid_text(uid: u128) -> String {
    uuid::Uuid::from_u128(uid).hyphenated().to_string()
}

/// The timestamp ScheduleHub stamps on records it writes (one per request: a batch is applied at one instant).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A value of `parent_refs`, as the check sees it.
#[derive(Debug)]
enum RefValue<'a> {
    Null,
    Str(Cow<'a, str>),
    Other,
}

/// `parent_refs` by name, in name order.
type Refs<'a> = Vec<(Cow<'a, str>, RefValue<'a>)>;

/// What the checks need to know about a record, read once (from its text or from a parsed object).
#[derive(Debug, Default)]
pub struct Facts<'a> {
    object: bool,
    key_hash: Option<Cow<'a, str>>,
    data_hash: Option<Cow<'a, str>>,
    /// `None`: absent; `Some(None)`: present but not an object; else the references by name, in name order.
    parent_refs: Option<Option<Refs<'a>>>,
    /// The first field (in name order) whose string value holds a NUL character.
    nul_field: Option<Cow<'a, str>>,
    /// The record carries `uid`, `created_at` or `updated_at` itself (ScheduleHub overwrites them).
    reserved: bool,
}

impl<'a> Facts<'a> {
    /// `erp_key_hash` as sent when it is a string (the injected-refusal list is matched against it).
    pub fn key_hash(&self) -> &str {
        self.key_hash.as_deref().unwrap_or_default()
    }

    /// Reads the facts straight from a record's JSON text.
    pub fn read(text: &'a str) -> Facts<'a> {
        let mut de = serde_json::Deserializer::from_str(text);
        // A NUL can only come from a `\u0000` escape (JSON text holds no raw control characters): one search of the
        // whole text spares the search of each value in nearly every record.
        let may_hold_nul = memchr::memmem::find(text.as_bytes(), b"\\u0000").is_some();
        de.deserialize_any(FactsVisitor { may_hold_nul })
            .unwrap_or_default()
    }

    /// The same facts of a parsed record (updates merge into a parsed record).
    pub fn of_value(rec: &'a Value) -> Facts<'a> {
        let Some(obj) = rec.as_object() else {
            return Facts::default();
        };
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(Cow::Borrowed);
        Facts {
            object: true,
            key_hash: text("erp_key_hash"),
            data_hash: text("erp_data_hash"),
            parent_refs: obj.get("parent_refs").map(|refs| {
                refs.as_object().map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            let v = match v {
                                Value::Null => RefValue::Null,
                                Value::String(s) => RefValue::Str(Cow::Borrowed(s)),
                                _ => RefValue::Other,
                            };
                            (Cow::Borrowed(k.as_str()), v)
                        })
                        .collect()
                })
            }),
            nul_field: obj
                .iter()
                .find(|(_, v)| v.as_str().is_some_and(|s| s.contains('\0')))
                .map(|(k, _)| Cow::Borrowed(k.as_str())),
            reserved: ["uid", "created_at", "updated_at"]
                .iter()
                .any(|k| obj.contains_key(*k)),
        }
    }
}

/// A map key, borrowed from the text unless it had escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON string value's text, borrowed when it has no escapes; `None` when the value is not a string.
fn string_of(raw: &RawValue) -> Option<Cow<'_, str>> {
    let t = raw.get();
    if !t.starts_with('"') {
        return None;
    }
    if !t.contains('\\') {
        return Some(Cow::Borrowed(&t[1..t.len() - 1]));
    }
    serde_json::from_str::<String>(t).ok().map(Cow::Owned)
}

struct FactsVisitor {
    may_hold_nul: bool,
}

impl<'de> Visitor<'de> for FactsVisitor {
    type Value = Facts<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Facts<'de>, M::Error> {
        let mut f = Facts {
            object: true,
            ..Facts::default()
        };
        while let Some(Key(k)) = m.next_key::<Key<'de>>()? {
            let v: &'de RawValue = m.next_value()?;
            // A NUL can only come from a `\u0000` escape: JSON text holds no raw control characters.
            if self.may_hold_nul && v.get().starts_with('"') && v.get().contains("\\u0000") {
                let nul = string_of(v).is_some_and(|s| s.contains('\0'));
                if nul && f.nul_field.as_ref().is_none_or(|n| k < *n) {
                    f.nul_field = Some(k.clone());
                }
            }
            match &*k {
                "erp_key_hash" => f.key_hash = string_of(v),
                "erp_data_hash" => f.data_hash = string_of(v),
                "parent_refs" => f.parent_refs = Some(parent_refs(v)),
                "uid" | "created_at" | "updated_at" => f.reserved = true,
                _ => {}
            }
        }
        Ok(f)
    }

    // Anything but an object: the check refuses it.
    fn visit_bool<E>(self, _: bool) -> Result<Facts<'de>, E> {
        Ok(Facts::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Facts<'de>, E> {
        Ok(Facts::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Facts<'de>, E> {
        Ok(Facts::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Facts<'de>, E> {
        Ok(Facts::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<Facts<'de>, E> {
        Ok(Facts::default())
    }
    fn visit_unit<E>(self) -> Result<Facts<'de>, E> {
        Ok(Facts::default())
    }
    fn visit_seq<S: serde::de::SeqAccess<'de>>(self, mut s: S) -> Result<Facts<'de>, S::Error> {
        while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Facts::default())
    }
}

/// `parent_refs` read from its text: `None` when it is not an object. Sorted by name, the last of a repeated name
/// kept (as a parsed object would hold them).
fn parent_refs(raw: &RawValue) -> Option<Refs<'_>> {
    let refs: BTreeMap<Key<'_>, &RawValue> = serde_json::from_str(raw.get()).ok()?;
    Some(
        refs.into_iter()
            .map(|(Key(k), v)| {
                let v = match v.get() {
                    "null" => RefValue::Null,
                    _ => string_of(v).map_or(RefValue::Other, RefValue::Str),
                };
                (k, v)
            })
            .collect(),
    )
}

impl PartialEq for Key<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl Eq for Key<'_> {}
impl PartialOrd for Key<'_> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key<'_> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.cmp(&o.0)
    }
}

/// The record's text with `uid` and the timestamps in front of its own fields (`body` is an object's text, already
/// checked by the request's parser: the result is JSON by construction and is not parsed again).
fn stamped(uid: u128, created: &str, updated: &str, body: &str) -> Box<str> {
    const UID: &str = "{\"uid\":\"";
    const CREATED: &str = "\",\"created_at\":\"";
    const UPDATED: &str = "\",\"updated_at\":\"";
    let rest = body.trim_start().strip_prefix('{').unwrap_or("}");
    let sep = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    let mut buf = uuid::Uuid::encode_buffer();
    let uid = uuid::Uuid::from_u128(uid)
        .hyphenated()
        .encode_lower(&mut buf);
    // Sized exactly, so the text is boxed without a reallocation.
    let len = UID.len()
        + uid.len()
        + CREATED.len()
        + created.len()
        + UPDATED.len()
        + updated.len()
        + 1
        + sep.len()
        + rest.len();
    let mut s = String::with_capacity(len);
    for part in [
        UID, uid, CREATED, created, UPDATED, updated, "\"", sep, rest,
    ] {
        s.push_str(part);
    }
    s.into_boxed_str()
}

fn parse_record(json: &str) -> Record {
    serde_json::from_str(json).expect("stored records are JSON objects")
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

    /// Why ScheduleHub refuses this record, if it does (`rejected` = an injected refusal); else its key hash.
    pub fn check(&self, f: &Facts<'_>, rejected: bool) -> Result<u128, String> {
        if !f.object {
            return Err("record must be a JSON object".into());
        }
        let Some(key) = f.key_hash.as_deref().and_then(key_of) else {
            return Err("erp_key_hash must be 32 lowercase hex digits".into());
        };
        if !f.data_hash.as_deref().is_some_and(|h| is_hex(h, 64)) {
            return Err("erp_data_hash must be 64 lowercase hex digits".into());
        }
        if let Some(refs) = &f.parent_refs {
            let Some(refs) = refs else {
                return Err("parent_refs must be an object".into());
            };
            for (name, hash) in refs {
                match hash {
                    RefValue::Null => {}
                    RefValue::Str(h)
                        if key_of(h).is_some_and(|k| self.hash_count.contains_key(&k)) => {}
                    RefValue::Str(h) => return Err(format!("parent not found: {name}={h}")),
                    RefValue::Other => {
                        return Err(format!("parent_refs.{name} must be a string or null"))
                    }
                }
            }
        }
        if let Some(k) = &f.nul_field {
            return Err(format!(
                "value rejected: field '{k}' contains a NUL character"
            ));
        }
        if rejected {
            return Err("value rejected by ScheduleHub (injected fault)".into());
        }
        Ok(key)
    }

    /// The entity's store, created on first use (without allocating its name on every call).
    fn store_mut(&mut self, entity: &str) -> &mut EntityStore {
        if !self.entities.contains_key(entity) {
            self.entities
                .insert(entity.to_owned(), EntityStore::default());
        }
        self.entities.get_mut(entity).expect("inserted above")
    }

    fn index(&mut self, entity: &str, uid: u128, key: u128, add: bool) {
        let store = self.store_mut(entity);
        if add {
            store.by_hash.entry(key).or_default().push(uid);
            *self.hash_count.entry(key).or_default() += 1;
            return;
        }
        if let Some(uids) = store.by_hash.get_mut(&key) {
            uids.retain(|u| *u != uid);
            if uids.is_empty() {
                store.by_hash.remove(&key);
            }
        }
        if let Some(n) = self.hash_count.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.hash_count.remove(&key);
            }
        }
    }

    /// Stores a checked record (`key` from `check`, `facts` read from `raw`) stamped with a new uid and `now`;
    /// returns the uid and the stored text.
    pub fn insert(
        &mut self,
        entity: &str,
        raw: &RawValue,
        facts: &Facts<'_>,
        key: u128,
        now: &str,
    ) -> (u128, &str) {
        let uid = self.uids.next();
        let json = if facts.reserved {
            // The record names fields ScheduleHub sets itself: they are replaced, not repeated.
            let mut rec = parse_record(raw.get());
            for k in ["uid", "created_at", "updated_at"] {
                rec.remove(k);
            }
            stamped(uid, now, now, &Value::Object(rec).to_string())
        } else {
            stamped(uid, now, now, raw.get())
        };
        self.index(entity, uid, key, true);
        let records = &mut self.store_mut(entity).records;
        let stored = records.entry(uid).or_insert(Stored { key, json });
        (uid, &stored.json)
    }

    /// The stored record with this uid, parsed.
    pub fn get(&self, entity: &str, uid: &str) -> Option<Record> {
        let s = self.entities.get(entity)?.records.get(&uid_of(uid)?)?;
        Some(parse_record(&s.json))
    }

    /// Merges `data` into the record (uid and created_at are kept) and returns the result. `merged` is the record
    /// as `get` returned it with `data` merged in and checked; its `erp_key_hash` is `key`.
    pub fn update(&mut self, entity: &str, uid: &str, data: &Record, key: u128) -> Option<Record> {
        let id = uid_of(uid)?;
        let old = self.entities.get(entity)?.records.get(&id)?;
        let old_key = old.key;
        let mut rec = parse_record(&old.json);
        for (k, v) in data {
            if !matches!(k.as_str(), "uid" | "created_at" | "updated_at") {
                rec.insert(k.clone(), v.clone());
            }
        }
        rec.insert("updated_at".into(), Value::String(now()));
        let json = Value::Object(rec.clone()).to_string().into_boxed_str();
        self.index(entity, id, old_key, false);
        self.index(entity, id, key, true);
        self.entities
            .get_mut(entity)?
            .records
            .insert(id, Stored { key, json });
        Some(rec)
    }

    pub fn delete(&mut self, entity: &str, uid: &str) -> bool {
        let Some(id) = uid_of(uid) else {
            return false;
        };
        let Some(old) = self
            .entities
            .get_mut(entity)
            .and_then(|s| s.records.remove(&id))
        else {
            return false;
        };
        self.index(entity, id, old.key, false);
        true
    }

    /// The JSON array of every record (duplicates included) whose `erp_key_hash` is one of `hashes`.
    pub fn query(&self, entity: &str, hashes: &[String]) -> String {
        let mut out = String::from("[");
        if let Some(store) = self.entities.get(entity) {
            let mut seen = BTreeSet::new();
            let found = hashes
                .iter()
                .filter_map(|h| key_of(h))
                .filter(|k| seen.insert(*k))
                .filter_map(|k| store.by_hash.get(&k))
                .flatten()
                .filter_map(|uid| store.records.get(uid));
            for (i, s) in found.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&s.json);
            }
        }
        out.push(']');
        out
    }

    pub fn records(&self, entity: &str) -> Vec<Record> {
        self.entities
            .get(entity)
            .map(|s| s.records.values().map(|r| parse_record(&r.json)).collect())
            .unwrap_or_default()
    }

    /// Records per entity, duplicates by `erp_key_hash`, and children whose parent hash no record carries.
    pub fn state(&self) -> Value {
        let mut entities = Map::new();
        let mut missing = Vec::new();
        for (name, store) in &self.entities {
            let dups: BTreeMap<String, usize> = store
                .by_hash
                .iter()
                .filter(|(_, u)| u.len() > 1)
                .map(|(h, u)| (hash_text(*h), u.len()))
                .collect();
            let extra: usize = dups.values().map(|n| n - 1).sum();
            entities.insert(
                name.clone(),
                json!({"records": store.records.len(), "duplicate_records": extra, "duplicates": dups}),
            );
            for (uid, stored) in &store.records {
                let facts = Facts::read(&stored.json);
                for (r, h) in facts.parent_refs.iter().flatten().flatten() {
                    if let RefValue::Str(h) = h {
                        if !key_of(h).is_some_and(|k| self.hash_count.contains_key(&k)) {
                            missing.push(
                                json!({"entity": name, "uid": uid_text(*uid), "ref": r, "hash": h}),
                            );
                        }
                    }
                }
            }
        }
        json!({"entities": entities, "missing_parents": missing})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";
    const DATA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn raw(v: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(v).unwrap()
    }

    /// The check read from the text answers as the check of the parsed record, in the same order.
    fn both(hub: &Hub, v: &Value) -> Result<u128, String> {
        let text = raw(v);
        let from_text = hub.check(&Facts::read(text.get()), false);
        assert_eq!(from_text, hub.check(&Facts::of_value(v), false), "{v}");
        from_text
    }

    #[test]
    fn checks_read_from_text_match_the_parsed_record() {
        let mut hub = Hub::new(["items".to_owned()]);
        let ok = json!({"erp_key_hash": KEY, "erp_data_hash": DATA, "NAME": "a"});
        assert!(both(&hub, &ok).is_ok());
        assert_eq!(
            both(&hub, &json!([1])).unwrap_err(),
            "record must be a JSON object"
        );
        let bad_key = json!({"erp_key_hash": KEY.to_uppercase(), "erp_data_hash": DATA});
        assert!(both(&hub, &bad_key)
            .unwrap_err()
            .starts_with("erp_key_hash"));
        let bad_data = json!({"erp_key_hash": KEY, "erp_data_hash": 7});
        assert!(both(&hub, &bad_data)
            .unwrap_err()
            .starts_with("erp_data_hash"));
        let nul = json!({"erp_key_hash": KEY, "erp_data_hash": DATA, "Z": "x\u{0}", "B": "y\u{0}", "A": "\\u0000"});
        assert_eq!(
            both(&hub, &nul).unwrap_err(),
            "value rejected: field 'B' contains a NUL character"
        );
        let not_obj = json!({"erp_key_hash": KEY, "erp_data_hash": DATA, "parent_refs": "x"});
        assert_eq!(
            both(&hub, &not_obj).unwrap_err(),
            "parent_refs must be an object"
        );
        let parent = json!({"erp_key_hash": KEY, "erp_data_hash": DATA,
                            "parent_refs": {"site": "ffffffffffffffffffffffffffffffff", "area": null}});
        assert_eq!(
            both(&hub, &parent).unwrap_err(),
            "parent not found: site=ffffffffffffffffffffffffffffffff"
        );
        let wrong = json!({"erp_key_hash": KEY, "erp_data_hash": DATA, "parent_refs": {"site": 1}});
        assert_eq!(
            both(&hub, &wrong).unwrap_err(),
            "parent_refs.site must be a string or null"
        );
        // Once a record with that hash is stored, the parent is found.
        let site =
            json!({"erp_key_hash": "ffffffffffffffffffffffffffffffff", "erp_data_hash": DATA});
        let text = raw(&site);
        let facts = Facts::read(text.get());
        let key = hub.check(&facts, false).unwrap();
        hub.insert("items", &text, &facts, key, &now());
        assert!(both(&hub, &parent).is_ok());
        assert_eq!(
            hub.check(&Facts::read(raw(&ok).get()), true).unwrap_err(),
            "value rejected by ScheduleHub (injected fault)"
        );
    }

    #[test]
    fn uids_are_version_7_unique_and_in_issue_order() {
        let mut clock = UidClock::default();
        let uids: Vec<u128> = (0..10_000).map(|_| clock.next()).collect();
        for pair in uids.windows(2) {
            assert!(pair[0] < pair[1], "{:x} then {:x}", pair[0], pair[1]);
        }
        let before_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        for u in [uids[0], uids[9_999]] {
            let id = uuid::Uuid::from_u128(u);
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            let (secs, nanos) = id.get_timestamp().unwrap().to_unix();
            let ms = secs * 1000 + u64::from(nanos) / 1_000_000;
            assert!(
                ms <= before_ms && ms + 60_000 > before_ms,
                "{ms} vs {before_ms}"
            );
        }
        // The text form parses back to the same uid (what `get`, updates and deletes look up).
        let text = uid_text(uids[5]);
        assert_eq!(uid_of(&text), Some(uids[5]));
    }

    #[test]
    fn stored_records_carry_uid_and_timestamps_and_are_found_by_hash_and_uid() {
        let mut hub = Hub::new(["items".to_owned()]);
        // A record naming `uid` itself gets ScheduleHub's uid instead, once.
        let rec =
            json!({"erp_key_hash": KEY, "erp_data_hash": DATA, "uid": "mine", "NAME": "é \"q\""});
        let text = raw(&rec);
        let facts = Facts::read(text.get());
        let key = hub.check(&facts, false).unwrap();
        let (uid, _) = hub.insert("items", &text, &facts, key, "2026-01-01T00:00:00.000000Z");
        let uid = uid_text(uid);
        let found: Vec<Record> = serde_json::from_str(&hub.query("items", &[KEY.into()])).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["uid"], json!(uid));
        assert_eq!(found[0]["NAME"], json!("é \"q\""));
        assert_eq!(found[0]["created_at"], json!("2026-01-01T00:00:00.000000Z"));
        assert_eq!(hub.get("items", &uid).unwrap(), found[0]);
        assert!(hub.get("items", &uid.to_uppercase()).is_none());
        // An update moves the record to its new hash.
        let other = "ffffffffffffffffffffffffffffffff";
        let data: Record =
            serde_json::from_value(json!({"erp_key_hash": other, "NAME": "b"})).unwrap();
        let k2 = key_of(other).unwrap();
        let updated = hub.update("items", &uid, &data, k2).unwrap();
        assert_eq!(updated["created_at"], found[0]["created_at"]);
        assert_eq!(hub.query("items", &[KEY.into()]), "[]");
        assert_eq!(hub.records("items"), vec![updated]);
        assert!(hub.delete("items", &uid));
        assert!(!hub.delete("items", &uid));
        assert_eq!(hub.state()["entities"]["items"]["records"], json!(0));
    }
}
