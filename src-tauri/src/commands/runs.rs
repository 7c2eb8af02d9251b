use crate::error::{blocking, ApiResult};
use crate::state::AppState;
use syncflow_core::model::{RunFilter, RunSummary};
use syncflow_core::store::runs;

#[tauri::command]
#[specta::specta]
pub async fn runs_list(
    state: tauri::State<'_, AppState>,
    filter: RunFilter,
) -> ApiResult<Vec<RunSummary>> {
    let db = state.db.clone();
    blocking(move || runs::list(&db, &filter)).await
}
