//! SyncFlow's domain, with no Tauri in it: the desktop shell, the CLI, the tests and the benchmarks all drive the
//! pipeline through this crate. Each module owns one concern; see the module headers.

pub mod app;
pub mod clock;
pub mod config;
pub mod config_file;
pub mod discovery;
pub mod error;
pub mod ids;
pub mod logs;
pub mod model;
pub mod pipeline;
pub mod setup;
pub mod store;

// Core engine (issue 3): five-layer normalization, identity canonical form v1, rowversion rules, delta.
pub mod delta;
pub mod identity;
pub mod normalize;
pub mod rowversion;

// Nightly syncs (issue 7): the pure decision of what runs when.
pub mod schedule;
pub mod value;

// Clients and credentials (issue 4).
pub mod http;
pub mod secrets;
pub mod sink;
pub mod source;
