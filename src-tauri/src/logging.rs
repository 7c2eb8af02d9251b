//! Logs go to the console (human format) and to a daily-rolling JSON file in the app's log folder, which the Logs
//! screen reads back. Secrets never reach a log: they only exist as `Secret`, whose Debug/Display are redacted.

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

/// Installs the global subscriber. Keep the guard alive for the app's lifetime or the file loses its tail.
pub fn init(log_dir: &Path) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(log_dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(syncflow_core::logs::LOG_FILE_PREFIX)
        .max_log_files(14)
        .build(log_dir)?;
    let (file_writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("SYNCFLOW_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,syncflow=debug,syncflow_core=debug,syncflow_app=debug")
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_target(true))
        .with(
            fmt::layer()
                .json()
                .with_writer(file_writer)
                .with_ansi(false),
        )
        .try_init()?;
    Ok(guard)
}
