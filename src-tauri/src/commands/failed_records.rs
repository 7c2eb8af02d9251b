use crate::error::{blocking, ApiResult};
use crate::state::AppState;
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
