//! The sync run, end to end: fetch → normalize → identity → parent refs → delta → resolve → load → checkpoint,
//! page by page with a few pages in flight, resumable after a crash, cancellable, and idempotent towards
//! its target (ScheduleHub or a PostgreSQL table, `target.rs`). Also the failed-record retries, the pending-children sweep and held deletes.

mod checkpoint;
pub mod context;
mod deletes;
pub mod events;
mod load;
mod resolve;
pub mod retry;
mod run;
mod schema;
pub mod target;
pub mod transform;
mod write;

pub use deletes::{confirm_held_deletes, discard_held_deletes};
pub use events::{EventSink, RunEvent, RunReport};
pub use resolve::{retry_pending, PendingSweep};
pub use run::{execute, RunOptions, RunOutcome};

use crate::error::{Coded, ErrorCode};
use crate::http::HttpError;
use crate::ids::RunId;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("entity '{entity}' is already running (run {run_id})")]
    AlreadyRunning { entity: String, run_id: RunId },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    Postgres(#[from] crate::sink::postgres::PgError),
    #[error("connection '{connection}': cannot read its credential: {message}")]
    Secret { connection: String, message: String },
    #[error("{0}")]
    Config(String),
    /// The source's columns no longer carry the business key or rowversion: the entity stops until fixed.
    #[error("{0}")]
    Schema(String),
    #[error("the run was cancelled")]
    Cancelled,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<serde_json::Error> for RunError {
    fn from(e: serde_json::Error) -> Self {
        RunError::Store(StoreError::Json(e))
    }
}

impl Coded for RunError {
    fn code(&self) -> ErrorCode {
        match self {
            RunError::AlreadyRunning { .. } => ErrorCode::Conflict,
            RunError::Store(e) => e.code(),
            RunError::Http(e) => e.code(),
            RunError::Postgres(e) => e.code(),
            RunError::Secret { .. } => ErrorCode::Keychain,
            RunError::Config(_) | RunError::Schema(_) => ErrorCode::Validation,
            RunError::Cancelled | RunError::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl RunError {
    pub fn code_text(&self) -> &'static str {
        match self.code() {
            ErrorCode::Network => "network",
            ErrorCode::Auth => "auth",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Validation => "validation",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Keychain => "keychain",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The retry delay before attempt `n` (1-based) of the automatic retries: `min(60·2^(n-1), 3600)` seconds.
pub fn retry_delay_secs(n: u32) -> i64 {
    (60i64 << n.saturating_sub(1).min(10)).min(3600)
}

pub(crate) fn text_at(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Sleeps unless cancelled first; false when cancelled.
pub(crate) async fn wait(
    d: std::time::Duration,
    cancel: &tokio_util::sync::CancellationToken,
) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = cancel.cancelled() => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn retry_delays_double_from_a_minute_up_to_an_hour() {
        let d: Vec<i64> = (1..=8).map(super::retry_delay_secs).collect();
        assert_eq!(d, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
