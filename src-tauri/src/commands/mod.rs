//! One file per domain; each command is a thin adapter named `domain_verb` over one core call.

pub mod app;
pub mod autostart;
pub mod connections;
pub mod dashboard;
pub mod demo;
pub mod entities;
pub mod failed_records;
pub mod logs;
pub mod mappings;
pub mod pending_children;
pub mod runs;
pub mod schedules;
pub mod settings;
pub mod tray;
