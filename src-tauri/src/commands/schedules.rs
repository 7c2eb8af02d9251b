use crate::error::{blocking, ApiResult};
use crate::state::AppState;
use syncflow_core::model::ScheduleSummary;
use syncflow_core::store::schedules;

#[tauri::command]
#[specta::specta]
pub async fn schedules_list(state: tauri::State<'_, AppState>) -> ApiResult<Vec<ScheduleSummary>> {
    let db = state.db.clone();
    blocking(move || schedules::list(&db, syncflow_core::clock::now())).await
}

#[tauri::command]
#[specta::specta]
pub async fn schedules_save(
    state: tauri::State<'_, AppState>,
    input: syncflow_core::model::ScheduleInput,
) -> ApiResult<ScheduleSummary> {
    let db = state.db.clone();
    blocking(move || schedules::save(&db, &input, syncflow_core::clock::now())).await
}
