//! The error codes the outside world branches on. Each core module has its own `thiserror` enum; they all say
//! which `ErrorCode` they belong to, so the shell and the CLI can report `{code, message}` without string matching.

use serde::Serialize;

/// What kind of failure this is, for the UI to branch on (retry button, "check your password", …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Network,
    Auth,
    RateLimited,
    Validation,
    Conflict,
    Keychain,
    NotFound,
    Internal,
}

/// Implemented by every module error so callers can classify it.
pub trait Coded {
    fn code(&self) -> ErrorCode;
}
