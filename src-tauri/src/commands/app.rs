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
    })
}
