//! The APISmith source: discovery (connectors, API definitions) and paged row fetches over the contract in
//! `contracts/apismith.md`. Authentication and retries come from `crate::http`.

mod client;
mod paging;
mod types;

pub use client::ApiSmithClient;
pub use paging::{Cursor, Page, PageMetadata, PageQuery};
pub use types::{ApiColumn, ApiDefinition, ApiList, Connector, Direction, Filter, Sort};
