use crate::error::{blocking, ApiResult};
use crate::state::AppState;
use syncflow_core::model::{LogLevel, LogLine};

#[tauri::command]
#[specta::specta]
pub async fn logs_recent(
    state: tauri::State<'_, AppState>,
    level: LogLevel,
    limit: u32,
) -> ApiResult<Vec<LogLine>> {
    let dir = state.paths.log_dir.clone();
    blocking(move || syncflow_core::logs::recent(&dir, level, limit.clamp(1, 5000) as usize)).await
}
