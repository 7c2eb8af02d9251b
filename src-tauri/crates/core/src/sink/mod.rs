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
