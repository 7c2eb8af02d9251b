use crate::tray::TrayStatus;

/// What the tray shows now (icon state, tooltip, last run, keychain wait): the UI's status area and tests read it.
#[tauri::command]
#[specta::specta]
pub fn tray_state(app: tauri::AppHandle) -> TrayStatus {
    crate::tray::status(&app)
}
