use crate::error::{blocking, ApiResult};
use crate::state::AppState;
use syncflow_core::model::ConnectionSummary;
use syncflow_core::store::connections;

#[tauri::command]
#[specta::specta]
pub async fn connections_list(
    state: tauri::State<'_, AppState>,
) -> ApiResult<Vec<ConnectionSummary>> {
    let db = state.db.clone();
    blocking(move || connections::list(&db)).await
}
