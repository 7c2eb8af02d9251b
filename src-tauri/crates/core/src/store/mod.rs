//! The local SQLite database: one file, opened through a small pool, upgraded by embedded migrations.
//! One module per table; each owns its SQL. Writes that must land together take one `BEGIN IMMEDIATE` transaction.

pub mod connections;
pub mod dashboard;
mod db;
pub mod entities;
pub mod failed_records;
pub mod pending_children;
pub mod record_index;
pub mod runs;
pub mod schedules;
pub mod settings;
pub mod writes_in_flight;

pub use db::{Db, DbConn, StoreError};

/// The current time as the RFC 3339 UTC text every timestamp column holds.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
