//! The ScheduleHub sink: batch query/insert/update/delete, lookup by hash and single-record calls over the contract
//! in `contracts/schedulehub.md`, with batches chunked to the contract's 1000 per request.

mod client;
mod types;

pub use client::{ScheduleHubClient, MAX_BATCH};
pub use types::{
    BatchError, InsertFailure, InsertOutcome, Inserted, Outgoing, Record, UidFailure, WriteOutcome,
};
