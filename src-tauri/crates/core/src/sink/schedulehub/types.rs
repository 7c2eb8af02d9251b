//! What ScheduleHub's batch calls answer, and the error of a chunked batch that failed part way.

use crate::error::{Coded, ErrorCode};
use crate::http::HttpError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::ops::Range;

/// A record as sent or as answered (then with `uid`, `created_at`, `updated_at`).
pub type Record = Map<String, Value>;

/// A record ready to send: its JSON text, written once, and its `erp_key_hash` (to reconcile a request whose
/// outcome is unknown). A batch of these is encoded by copying the texts, with no `Record` tree per row.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub erp_key_hash: String,
    pub json: Box<serde_json::value::RawValue>,
}

impl Outgoing {
    /// The text of a record held as a tree (parked children, tests).
    pub fn from_record(r: &Record) -> Outgoing {
        let json = serde_json::value::to_raw_value(r).expect("a JSON object serialises");
        Outgoing {
            erp_key_hash: r
                .get("erp_key_hash")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            json,
        }
    }
}

impl Serialize for Outgoing {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inserted {
    pub erp_key_hash: String,
    pub uid: String,
}

/// A record ScheduleHub refused (missing parent, refused value …).
#[derive(Debug, Clone, PartialEq)]
pub struct InsertFailure {
    pub erp_key_hash: Option<String>,
    pub error: String,
    pub record: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UidFailure {
    pub uid: String,
    pub error: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InsertOutcome {
    pub inserted: Vec<Inserted>,
    pub failures: Vec<InsertFailure>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    pub success_count: u64,
    pub failures: Vec<UidFailure>,
}

/// A chunked batch that failed: what earlier chunks did, which items were in the failed request (their outcome
/// is unknown when the error is a timeout or 5xx: reconcile with `batch_query` before sending them again), and why.
/// Items after `failed` were not sent.
#[derive(Debug, thiserror::Error)]
#[error("{error} (items {}..{} of the batch; {} earlier items were answered)", failed.start, failed.end, failed.start)]
pub struct BatchError<T> {
    pub done: T,
    pub failed: Range<usize>,
    pub error: HttpError,
}

impl<T> Coded for BatchError<T> {
    fn code(&self) -> ErrorCode {
        self.error.code()
    }
}

#[derive(Deserialize)]
pub(crate) struct RawInsertFailure {
    #[serde(default)]
    pub record: Value,
    pub error: String,
}

#[derive(Deserialize)]
pub(crate) struct RawInsert {
    #[allow(dead_code)]
    // kept to validate the contract's shape; counts are recomputed from the lists
    pub success_count: u64,
    #[serde(default)]
    pub results: Vec<Inserted>,
    #[serde(default)]
    pub failures: Vec<RawInsertFailure>,
}

#[derive(Deserialize)]
pub(crate) struct RawWrite {
    pub success_count: u64,
    #[serde(default)]
    pub failures: Vec<UidFailure>,
}
