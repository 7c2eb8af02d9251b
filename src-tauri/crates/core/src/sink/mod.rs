//! Where rows go: ScheduleHub over HTTP, or a PostgreSQL table.
pub mod postgres;
pub mod schedulehub;

/// Why a target refused one record: a message a planner can act on, and the field and value when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub message: String,
    pub field: Option<String>,
    pub value: Option<String>,
}

impl Refusal {
    /// A refusal the target explained only in words (ScheduleHub's per-record errors).
    pub fn message(message: impl Into<String>) -> Refusal {
        Refusal {
            message: message.into(),
            field: None,
            value: None,
        }
    }
}

/// A record a target holds (not deleted), found by its key hash: enough to reconcile a write in flight or to know a
/// parent is there.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub key_hash: String,
    pub uid: Option<String>,
    pub data_hash: Option<String>,
    pub rowversion: Option<String>,
}
