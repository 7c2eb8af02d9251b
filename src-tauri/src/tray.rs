//! The system-tray icon and its menu. Built in `setup()` (not in tauri.conf.json) so a missing appindicator library
//! is an error we can log instead of a panic. On Linux only the menu delivers events, so everything is in the menu.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

pub const TRAY_ID: &str = "main";

/// Brings the main window back from the tray (or from behind other windows).
pub fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

pub fn build(app: &tauri::App) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open SyncFlow", true, None::<&str>)?;
    // Shown but disabled until there is something to sync: the label says why (menu items cannot carry tooltips).
    let sync_all = MenuItem::with_id(
        app,
        "sync_all",
        "Sync all now — add an entity first",
        false,
        None::<&str>,
    )?;
    let pause = MenuItem::with_id(
        app,
        "pause",
        "Pause nightly syncs — no schedules yet",
        false,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, "quit", "Quit SyncFlow", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &open,
            &PredefinedMenuItem::separator(app)?,
            &sync_all,
            &pause,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(include_bytes!(
            "../../icons/tray-idle.png"
        ))?)
        .tooltip("SyncFlow — idle")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_main(app),
            "quit" => {
                tracing::info!("quit from the tray menu");
                app.exit(0)
            }
            other => tracing::debug!(item = other, "tray menu item without an action"),
        })
        .build(app)?;
    Ok(())
}
