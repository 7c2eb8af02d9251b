use crate::error::{blocking, ApiError, ApiResult};
use crate::state::AppState;
use syncflow_core::app::{ExportFormat, RetryProgress, RetryReport, RetrySelection};
use syncflow_core::error::ErrorCode;
use syncflow_core::ids::FailedRecordId;
use syncflow_core::model::{FailedRecordFilter, FailedRecordPage};
use syncflow_core::store::failed_records;
use tauri::ipc::Channel;

#[tauri::command]
#[specta::specta]
pub async fn failed_records_list(
    state: tauri::State<'_, AppState>,
    filter: FailedRecordFilter,
) -> ApiResult<FailedRecordPage> {
    let db = state.db.clone();
    blocking(move || failed_records::list(&db, &filter)).await
}

fn record_id(field: &str, id: &str) -> ApiResult<FailedRecordId> {
    id.parse().map_err(|_| {
        ApiError::new(
            ErrorCode::Validation,
            format!("{field}: '{id}' is not a failed-record id"),
        )
    })
}

/// Retries the given failed records (one or a selection), or, when `ids` is empty, every open record matching
/// `filter` (its paging ignored), through the current configuration. Progress goes to `on_progress` after each
/// chunk; the answer holds the totals and where each record stands now.
#[tauri::command]
#[specta::specta]
pub async fn failed_records_retry(
    state: tauri::State<'_, AppState>,
    ids: Vec<String>,
    filter: Option<FailedRecordFilter>,
    on_progress: Channel<RetryProgress>,
) -> ApiResult<RetryReport> {
    let selection = match (ids.is_empty(), filter) {
        (true, Some(filter)) => RetrySelection::Matching(filter),
        (true, None) => {
            return Err(ApiError::new(
                ErrorCode::Validation,
                "ids and filter: choose records to retry, or a filter",
            ))
        }
        (false, _) => RetrySelection::Some(
            ids.iter()
                .map(|id| record_id("ids", id))
                .collect::<ApiResult<_>>()?,
        ),
    };
    let progress = move |p: RetryProgress| {
        if let Err(e) = on_progress.send(p) {
            tracing::debug!(error = %e, "the window stopped listening to retry progress");
        }
    };
    Ok(state
        .flow
        .retry_failed_reporting(selection, &progress)
        .await?)
}

#[derive(Debug, Clone, Copy, serde::Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    Csv,
    Json,
}

/// Writes every record matching `filter` (paging ignored) to `path` as CSV or JSON; answers how many. The file is
/// written next to its final name and renamed at the end, so a failed export leaves any earlier file intact.
#[tauri::command]
#[specta::specta]
pub async fn failed_records_export(
    state: tauri::State<'_, AppState>,
    filter: FailedRecordFilter,
    format: ExportKind,
    path: String,
) -> ApiResult<u32> {
    let target = std::path::PathBuf::from(&path);
    let folder = target.parent().filter(|p| p.is_dir());
    if !target.is_absolute() || folder.is_none() || target.file_name().is_none() {
        return Err(ApiError::new(
            ErrorCode::Validation,
            format!("path: '{path}' is not a file in an existing folder"),
        ));
    }
    let flow = state.flow.clone();
    let filter = FailedRecordFilter {
        offset: 0,
        limit: 0,
        ..filter
    };
    let format = match format {
        ExportKind::Csv => ExportFormat::Csv,
        ExportKind::Json => ExportFormat::Json,
    };
    blocking(move || -> ApiResult<u32> {
        let partial = target.with_file_name(format!(
            ".{}.partial",
            target.file_name().unwrap_or_default().to_string_lossy()
        ));
        let written = (|| {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&partial)?);
            let n = flow.export_failed(&filter, format, &mut out)?;
            std::io::Write::flush(&mut out)?;
            drop(out);
            std::fs::rename(&partial, &target)?;
            Ok::<_, ApiError>(n)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        Ok(written?.min(u32::MAX as usize) as u32)
    })
    .await
}

/// One failed record with its raw, normalized and mapped snapshots.
#[tauri::command]
#[specta::specta]
pub async fn failed_records_detail(
    state: tauri::State<'_, AppState>,
    id: String,
) -> ApiResult<failed_records::FailedRecordDetail> {
    let id = record_id("id", &id)?;
    let flow = state.flow.clone();
    blocking(move || flow.failed_detail(id)).await
}
