use crate::error::{blocking, ApiResult};
use crate::state::AppState;
use syncflow_core::model::DashboardSummary;
use syncflow_core::store::dashboard;

#[tauri::command]
#[specta::specta]
pub async fn dashboard_summary(state: tauri::State<'_, AppState>) -> ApiResult<DashboardSummary> {
    let db = state.db.clone();
    blocking(move || dashboard::summary(&db)).await
}
