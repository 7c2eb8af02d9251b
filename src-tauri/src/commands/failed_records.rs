use crate::error::{blocking, ApiError, ApiResult};
use crate::state::AppState;
use serde::Serialize;
use syncflow_core::app::RetrySelection;
use syncflow_core::error::ErrorCode;
use syncflow_core::ids::FailedRecordId;
use syncflow_core::model::{FailedRecordFilter, FailedRecordPage};
use syncflow_core::store::failed_records;

#[tauri::command]
#[specta::specta]
pub async fn failed_records_list(
    state: tauri::State<'_, AppState>,
    filter: FailedRecordFilter,
) -> ApiResult<FailedRecordPage> {
    let db = state.db.clone();
    blocking(move || failed_records::list(&db, &filter)).await
}

/// What a retry did, added up over the records asked for.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RetrySummary {
    pub resolved: u32,
    pub failed_again: u32,
    pub parked: u32,
}

/// Retries the given failed records (one or a selection) through the current configuration, or every open record of
/// `entity_id` when `ids` is empty.
#[tauri::command]
#[specta::specta]
pub async fn failed_records_retry(
    state: tauri::State<'_, AppState>,
    ids: Vec<String>,
    entity_id: Option<String>,
) -> ApiResult<RetrySummary> {
    let selection = match (ids.is_empty(), entity_id) {
        (true, Some(entity)) => RetrySelection::Entity(entity),
        (true, None) => {
            return Err(ApiError::new(
                ErrorCode::Validation,
                "choose records to retry, or an entity",
            ))
        }
        (false, _) => RetrySelection::Some(
            ids.iter()
                .map(|id| {
                    id.parse::<FailedRecordId>().map_err(|_| {
                        ApiError::new(
                            ErrorCode::Validation,
                            format!("ids: '{id}' is not a failed-record id"),
                        )
                    })
                })
                .collect::<ApiResult<_>>()?,
        ),
    };
    let outcomes = state.flow.retry_failed(selection).await?;
    let sum = |f: fn(&syncflow_core::pipeline::retry::RetryOutcome) -> u64| {
        outcomes.iter().map(f).sum::<u64>().min(u64::from(u32::MAX)) as u32
    };
    Ok(RetrySummary {
        resolved: sum(|o| o.resolved),
        failed_again: sum(|o| o.failed_again),
        parked: sum(|o| o.parked),
    })
}

/// One failed record with its raw, normalized and mapped snapshots.
#[tauri::command]
#[specta::specta]
pub async fn failed_records_detail(
    state: tauri::State<'_, AppState>,
    id: String,
) -> ApiResult<failed_records::FailedRecordDetail> {
    let id: FailedRecordId = id.parse().map_err(|_| {
        ApiError::new(
            ErrorCode::Validation,
            format!("id: '{id}' is not a failed-record id"),
        )
    })?;
    let flow = state.flow.clone();
    blocking(move || flow.failed_detail(id)).await
}
