use crate::error::{blocking, ApiError, ApiResult};
use crate::state::AppState;
use syncflow_core::error::ErrorCode;
use syncflow_core::model::Settings;
use syncflow_core::store::settings;
use tauri_plugin_autostart::ManagerExt;

/// Start at login (off by default): registers or removes SyncFlow's login item (it starts hidden in the tray), then
/// records the choice.
#[tauri::command]
#[specta::specta]
pub async fn settings_set_start_at_login(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    enabled: bool,
) -> ApiResult<Settings> {
    let launcher = app.autolaunch();
    let changed = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    changed.map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!(
                "could not {} start at login: {e}",
                if enabled { "turn on" } else { "turn off" }
            ),
        )
    })?;
    let db = state.db.clone();
    blocking(move || {
        settings::set(
            &db,
            "start_at_login",
            if enabled { "true" } else { "false" },
        )?;
        settings::typed::load(&db)
    })
    .await
}
