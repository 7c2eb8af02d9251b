//! The error of one HTTP call: which call, what went wrong, and for HTTP errors the status and the server's
//! `detail`. `is_transient` is the retry strategy's only input besides `retry_after`.

use crate::error::{Coded, ErrorCode};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{call}: cannot connect: {message}")]
    Connect { call: String, message: String },
    #[error("{call}: no answer in time (timeout)")]
    Timeout { call: String },
    #[error("{call}: network error: {message}")]
    Network { call: String, message: String },
    #[error("{call}: HTTP {status}: {detail}")]
    Status {
        call: String,
        status: u16,
        detail: String,
        retry_after: Option<Duration>,
    },
    #[error("{call}: authentication failed (HTTP {status}): {detail}")]
    Auth {
        call: String,
        status: u16,
        detail: String,
    },
    #[error("{call}: malformed response: {message}")]
    Malformed { call: String, message: String },
    /// APISmith answered `success: false` for a page.
    #[error("{call}: the source reported an error: {message}")]
    Source { call: String, message: String },
    #[error("invalid connection settings: {0}")]
    Config(String),
    #[error("{call}: cancelled")]
    Cancelled { call: String },
}

impl HttpError {
    /// Timeouts, resets, 5xx and 429 may succeed when repeated; nothing else does.
    pub fn is_transient(&self) -> bool {
        match self {
            HttpError::Connect { .. } | HttpError::Timeout { .. } | HttpError::Network { .. } => {
                true
            }
            HttpError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            HttpError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, for errors that have one.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } | HttpError::Auth { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self, HttpError::Cancelled { .. })
    }
}

impl Coded for HttpError {
    fn code(&self) -> ErrorCode {
        match self {
            HttpError::Connect { .. } | HttpError::Timeout { .. } | HttpError::Network { .. } => {
                ErrorCode::Network
            }
            HttpError::Status { status: 429, .. } => ErrorCode::RateLimited,
            HttpError::Status { status: 404, .. } => ErrorCode::NotFound,
            HttpError::Status { status: 409, .. } => ErrorCode::Conflict,
            HttpError::Status { status, .. } if *status >= 500 => ErrorCode::Network,
            HttpError::Status { .. } => ErrorCode::Validation,
            HttpError::Auth { .. } => ErrorCode::Auth,
            // The remote answered garbage: a service problem, like an outage, not the planner's input.
            HttpError::Malformed { .. } => ErrorCode::Network,
            HttpError::Source { .. } | HttpError::Config(_) => ErrorCode::Validation,
            // Cancellation is reported by the run's status, not as an error; Internal if it ever leaks.
            HttpError::Cancelled { .. } => ErrorCode::Internal,
        }
    }
}
