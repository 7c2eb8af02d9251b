use crate::tray::TrayStatus;

/// What the tray shows now (icon state, tooltip, last run, keychain wait): the UI's status area and tests read it.
#[tauri::command]
#[specta::specta]
pub fn tray_state(app: tauri::AppHandle) -> TrayStatus {
    crate::tray::status(&app)
}

/// Pauses or resumes every automatic (scheduled) run, as the tray's "Pause nightly syncs" does; manual runs still work.
#[tauri::command]
#[specta::specta]
pub fn tray_set_paused(app: tauri::AppHandle, paused: bool) -> crate::error::ApiResult<TrayStatus> {
    crate::tray::set_paused(&app, paused)?;
    Ok(crate::tray::status(&app))
}
