//! The shapes the planner sees: summaries of connections, entities, runs, failed records, pending children and
//! schedules, as the store returns them and the shell hands them to the web view (camelCase JSON).

use serde::{Deserialize, Serialize};

macro_rules! dto {
    ($(#[$m:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(rename_all = "camelCase")]
        pub struct $name { $($body)* }
    };
}

macro_rules! word_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        pub enum $name { $(#[serde(rename = $text)] $variant),* }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)*
                    other => Err(format!("unknown {} '{}'", stringify!($name), other)),
                }
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                v.as_str()?.parse().map_err(|e: String| rusqlite::types::FromSqlError::Other(e.into()))
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }
    };
}

word_enum!(
    pub enum ConnectionKind {
        Apismith = "apismith",
        Schedulehub = "schedulehub",
        Postgres = "postgres",
    }
);
word_enum!(
    pub enum AuthKind {
        Password = "password",
        Token = "token",
        None = "none",
    }
);
word_enum!(
    pub enum Strategy {
        Rowversion = "rowversion",
        Hash = "hash",
        Full = "full",
    }
);
word_enum!(
    pub enum RunStatus {
        Pending = "pending",
        Running = "running",
        Completed = "completed",
        CompletedWithErrors = "completed_with_errors",
        Failed = "failed",
        Cancelled = "cancelled",
        NeedsReview = "needs_review",
    }
);
word_enum!(
    pub enum Stage {
        Fetch = "fetch",
        Normalize = "normalize",
        Validate = "validate",
        Identity = "identity",
        Resolve = "resolve",
        Load = "load",
    }
);
word_enum!(
    pub enum ScheduleMode {
        Off = "off",
        Interval = "interval",
        Nightly = "nightly",
    }
);
word_enum!(
    pub enum Language {
        En = "en",
        Fa = "fa",
        Ar = "ar",
        Tr = "tr",
    }
);
word_enum!(
    pub enum Theme {
        Light = "light",
        Dark = "dark",
        System = "system",
    }
);
word_enum!(
    pub enum LogLevel {
        Error = "error",
        Warn = "warn",
        Info = "info",
        Debug = "debug",
    }
);

dto!(
    pub struct ConnectionSummary {
        pub id: String,
        pub name: String,
        pub kind: ConnectionKind,
        pub base_url: String,
        pub auth_kind: AuthKind,
        pub username: Option<String>,
        /// Where its credential is (never the credential itself).
        pub credential: crate::setup::CredentialState,
    }
);

dto!(
    pub struct EntitySummary {
        pub id: String,
        pub name: String,
        pub slug: String,
        pub source_connection: String,
        pub target_connection: String,
        pub target_name: String,
        pub strategy: Strategy,
        pub enabled: bool,
        pub business_keys: Vec<String>,
        pub rowversion_field: Option<String>,
        pub last_run_status: Option<RunStatus>,
        pub last_run_at: Option<String>,
    }
);

dto!(
    pub struct RunFilter {
        pub entity_id: Option<String>,
        pub status: Option<RunStatus>,
        /// `manual`, `schedule`, `cli` or `retry`.
        pub trigger: Option<String>,
        /// Runs started on or after this day (`YYYY-MM-DD`, UTC).
        pub since: Option<String>,
        /// Runs started on or before this day (`YYYY-MM-DD`, UTC).
        pub until: Option<String>,
        pub limit: u32,
    }
);

impl RunFilter {
    /// The newest `limit` runs, unfiltered.
    pub fn newest(limit: u32) -> RunFilter {
        RunFilter {
            entity_id: None,
            status: None,
            trigger: None,
            since: None,
            until: None,
            limit,
        }
    }
}

dto!(
    /// One point of a run's throughput chart.
    pub struct RunSample {
        pub elapsed_ms: u64,
        pub rows_done: u64,
        pub rows_per_sec: f64,
    }
);

dto!(
    pub struct RunSummary {
        pub id: String,
        pub entity_id: String,
        pub entity_name: String,
        pub status: RunStatus,
        pub trigger: String,
        pub full_refresh: bool,
        pub started_at: String,
        pub finished_at: Option<String>,
        pub fetched: u32,
        pub inserted: u32,
        pub updated: u32,
        pub deleted: u32,
        pub skipped: u32,
        pub failed: u32,
        pub pending: u32,
        pub duplicates: u32,
        pub error_message: Option<String>,
    }
);

dto!(
    pub struct FailedRecordFilter {
        pub entity_id: Option<String>,
        pub run_id: Option<String>,
        pub stage: Option<Stage>,
        pub error_type: Option<String>,
        pub search: Option<String>,
        pub include_resolved: bool,
        pub offset: u32,
        pub limit: u32,
    }
);

dto!(
    pub struct FailedRecordSummary {
        pub id: String,
        pub entity_id: String,
        pub entity_name: String,
        pub run_id: String,
        pub stage: Stage,
        pub error_type: String,
        pub message: String,
        pub field: Option<String>,
        pub value: Option<String>,
        pub erp_ref_str: Option<String>,
        pub attempts: u32,
        pub created_at: String,
        pub resolved_at: Option<String>,
    }
);

dto!(
    pub struct FailedRecordPage {
        pub items: Vec<FailedRecordSummary>,
        pub total: u32,
    }
);

dto!(
    pub struct PendingChild {
        pub entity_id: String,
        pub entity_name: String,
        pub bk_hash: String,
        pub ref_name: String,
        pub parent_ref_str: String,
        pub attempts: u32,
        pub next_retry_at: String,
        pub created_at: String,
    }
);

dto!(
    pub struct ScheduleSummary {
        pub entity_id: String,
        pub entity_name: String,
        pub mode: ScheduleMode,
        pub interval_minutes: Option<u32>,
        pub window_start: String,
        pub window_end: String,
        pub days_to_complete: Option<u32>,
        pub row_estimate: Option<u32>,
        pub paused: bool,
        pub next_run_at: Option<String>,
        /// An initial load over several nights, while it is configured.
        pub initial_load: Option<InitialLoadProgress>,
    }
);

dto!(
    pub struct InitialLoadProgress {
        pub rows_read: u64,
        pub rows_per_night: u64,
        /// 0–100.
        pub percent: u32,
        pub complete: bool,
        /// When the last nightly share should be read (RFC 3339), while not complete.
        pub expected_finish_at: Option<String>,
    }
);

dto!(
    pub struct DailyStat {
        /// `YYYY-MM-DD`, UTC.
        pub day: String,
        pub synced: u32,
        pub failed: u32,
    }
);

dto!(
    pub struct DashboardSummary {
        pub connections: u32,
        pub entities: u32,
        pub failed_open: u32,
        pub pending_children: u32,
        pub last_runs: Vec<RunSummary>,
        pub daily: Vec<DailyStat>,
        pub next_scheduled_run: Option<String>,
        /// Each connection's health, judged by the last finished run that used it.
        pub connection_health: Vec<ConnectionHealth>,
    }
);

/// How a connection fared in its last finished run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// The last run that used it got through (with or without record errors).
    Ok,
    /// The last run that used it failed as a whole (network, credentials, schema, …).
    Failing,
    /// No run has used it yet.
    Unknown,
}

dto!(
    pub struct ConnectionHealth {
        pub name: String,
        pub kind: ConnectionKind,
        pub health: Health,
        pub last_run_at: Option<String>,
        /// The failed run's error, when `health` is `failing`.
        pub last_error: Option<String>,
    }
);

dto!(
    pub struct Settings {
        pub language: Language,
        pub theme: Theme,
        pub demo_mode: bool,
        pub start_at_login: bool,
    }
);

dto!(
    pub struct LogLine {
        pub timestamp: String,
        pub level: LogLevel,
        pub target: String,
        pub message: String,
    }
);

dto!(
    /// A schedule as the planner edits it. Validated in Rust before it is saved.
    pub struct ScheduleInput {
        pub entity_id: String,
        pub mode: ScheduleMode,
        pub interval_minutes: Option<u32>,
        /// `HH:MM`, local time of the workstation.
        pub window_start: String,
        pub window_end: String,
        /// Initial load spread over this many nights (with `row_estimate`), or none.
        pub days_to_complete: Option<u32>,
        pub row_estimate: Option<u32>,
        pub paused: bool,
    }
);
