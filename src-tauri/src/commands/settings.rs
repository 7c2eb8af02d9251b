use crate::error::{blocking, ApiResult};
use crate::state::AppState;
use syncflow_core::model::{Language, Settings, Theme};
use syncflow_core::store::settings::typed;

#[tauri::command]
#[specta::specta]
pub async fn settings_get(state: tauri::State<'_, AppState>) -> ApiResult<Settings> {
    let db = state.db.clone();
    blocking(move || typed::load(&db)).await
}

#[tauri::command]
#[specta::specta]
pub async fn settings_set_language(
    state: tauri::State<'_, AppState>,
    language: Language,
) -> ApiResult<Settings> {
    let db = state.db.clone();
    blocking(move || typed::set_language(&db, language)).await
}

#[tauri::command]
#[specta::specta]
pub async fn settings_set_theme(
    state: tauri::State<'_, AppState>,
    theme: Theme,
) -> ApiResult<Settings> {
    let db = state.db.clone();
    blocking(move || typed::set_theme(&db, theme)).await
}
