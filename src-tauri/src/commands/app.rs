use crate::error::ApiResult;
use crate::state::AppState;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub log_dir: String,
    pub db_path: String,
    /// The app's clock minus the wall clock, in seconds: 0 unless a debug build was started with
    /// `SYNCFLOW_CLOCK_OFFSET_SECS`. Relative times ("in 11 hours") count from the app's clock, as the scheduler does.
    pub clock_offset_secs: i64,
}

#[tauri::command]
#[specta::specta]
pub async fn app_info(state: tauri::State<'_, AppState>) -> ApiResult<AppInfo> {
    let p = &state.paths;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: p.data_dir.display().to_string(),
        log_dir: p.log_dir.display().to_string(),
        db_path: p.db_path.display().to_string(),
        clock_offset_secs: syncflow_core::clock::offset_secs(),
    })
}
