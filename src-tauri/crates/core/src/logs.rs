//! Reading the app's own recent log lines back for the Logs screen. The file layer writes JSON lines (one event per
//! line) into daily-rolling files `syncflow.log.YYYY-MM-DD`; the newest lines come from the newest files.

use crate::model::{LogLevel, LogLine};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The file-name prefix of the daily log files.
pub const LOG_FILE_PREFIX: &str = "syncflow.log";

fn severity(level: LogLevel) -> u8 {
    match level {
        LogLevel::Error => 0,
        LogLevel::Warn => 1,
        LogLevel::Info => 2,
        LogLevel::Debug => 3,
    }
}

fn parse_line(line: &str) -> Option<LogLine> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let level = match v.get("level")?.as_str()? {
        "ERROR" => LogLevel::Error,
        "WARN" => LogLevel::Warn,
        "INFO" => LogLevel::Info,
        _ => LogLevel::Debug,
    };
    let fields = v.get("fields");
    let mut message = fields
        .and_then(|f| f.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or_default()
        .to_string();
    // Structured fields (method, path, status, …) matter to a reader: append them as key=value. Events of
    // libraries that log through the `log` crate (refinery, …) arrive bridged with `log.file`, `log.line`,
    // `log.module_path` and `log.target`: where in a dependency's source the line was written, not for a reader.
    if let Some(obj) = fields.and_then(|f| f.as_object()) {
        for (k, val) in obj
            .iter()
            .filter(|(k, _)| *k != "message" && !k.starts_with("log."))
        {
            let text = val
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| val.to_string());
            message.push_str(&format!(" {k}={text}"));
        }
    }
    Some(LogLine {
        timestamp: v.get("timestamp")?.as_str()?.to_string(),
        level,
        target: v
            .get("target")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty() && *t != "log")
            .or_else(|| fields?.get("log.target")?.as_str())
            .unwrap_or_default()
            .to_string(),
        message,
    })
}

/// The last `limit` lines at `min_level` or more severe, oldest first. A missing folder means no lines yet.
pub fn recent(dir: &Path, min_level: LogLevel, limit: usize) -> std::io::Result<Vec<LogLine>> {
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(LOG_FILE_PREFIX))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    // Daily suffixes sort by date, so the name order is the time order.
    files.sort();
    let mut out: Vec<LogLine> = Vec::new();
    for file in files.iter().rev() {
        let reader = BufReader::new(std::fs::File::open(file)?);
        let mut lines: Vec<LogLine> = reader
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| parse_line(&l))
            .filter(|l| severity(l.level) <= severity(min_level))
            .collect();
        lines.append(&mut out);
        out = lines;
        if out.len() >= limit {
            break;
        }
    }
    let skip = out.len().saturating_sub(limit);
    Ok(out.split_off(skip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_newest_lines_across_daily_files_filtered_by_level() {
        let dir = tempfile::tempdir().unwrap();
        let line = |ts: &str, lvl: &str, msg: &str| {
            format!(
                r#"{{"timestamp":"{ts}","level":"{lvl}","target":"t","fields":{{"message":"{msg}","status":200}}}}"#
            )
        };
        std::fs::write(
            dir.path().join("syncflow.log.2026-11-20"),
            [line("1", "INFO", "old"), line("2", "ERROR", "old error")].join("\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("syncflow.log.2026-11-21"),
            [
                line("3", "DEBUG", "noise"),
                line("4", "WARN", "new warning"),
                "not json".into(),
            ]
            .join("\n"),
        )
        .unwrap();
        let warn = recent(dir.path(), LogLevel::Warn, 10).unwrap();
        let msgs: Vec<_> = warn.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(
            msgs,
            ["old error status=200", "new warning status=200"],
            "oldest first, info and debug left out"
        );
        let last_one = recent(dir.path(), LogLevel::Debug, 1).unwrap();
        assert_eq!(last_one[0].timestamp, "4", "the limit keeps the newest");
    }

    #[test]
    fn lines_bridged_from_the_log_crate_keep_their_message_not_their_source_location() {
        let dir = tempfile::tempdir().unwrap();
        let bridged = |target: &str| {
            format!(
                r#"{{"timestamp":"1","level":"INFO","target":"{target}","fields":{{"message":"applying migration: V1__initial_schema","log.target":"refinery_core::traits::sync","log.module_path":"refinery_core::traits::sync","log.file":"/root/.cargo/registry/src/refinery-core-0.10.1/src/traits/sync.rs","log.line":91}}}}"#
            )
        };
        std::fs::write(
            dir.path().join("syncflow.log.2026-11-22"),
            [bridged("refinery_core::traits::sync"), bridged("log")].join("\n"),
        )
        .unwrap();
        let lines = recent(dir.path(), LogLevel::Debug, 10).unwrap();
        assert_eq!(lines.len(), 2);
        for line in &lines {
            assert_eq!(line.message, "applying migration: V1__initial_schema");
            assert_eq!(
                line.target, "refinery_core::traits::sync",
                "a bridged line without a target of its own takes log.target"
            );
        }
    }

    #[test]
    fn a_missing_log_folder_is_empty_not_an_error() {
        assert!(
            recent(Path::new("/nonexistent/syncflow-logs"), LogLevel::Debug, 5)
                .unwrap()
                .is_empty()
        );
    }
}
