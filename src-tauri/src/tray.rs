//! The system-tray icon and its menu. Built in `setup()` (not in tauri.conf.json) so a missing appindicator library
//! is an error we can log instead of a panic. On Linux only the menu delivers events, so everything is in the menu.

use std::sync::atomic::{AtomicUsize, Ordering};
use syncflow_core::model::RunStatus;
use syncflow_core::pipeline::RunEvent;
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
    let pause_item = pause.clone();
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(include_bytes!(
            "../../icons/tray-idle.png"
        ))?)
        .tooltip("SyncFlow — idle")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(move |app, event| match event.id.as_ref() {
            "open" => show_main(app),
            "sync_all" => start_sync_all(app),
            "pause" => toggle_pause(app, &pause_item),
            "quit" => {
                tracing::info!("quit from the tray menu");
                app.exit(0)
            }
            other => tracing::debug!(item = other, "tray menu item without an action"),
        })
        .build(app)?;
    Ok(())
}

fn start_sync_all(app: &AppHandle) {
    let flow = app.state::<crate::state::AppState>().flow.clone();
    tauri::async_runtime::spawn(async move {
        let opts = syncflow_core::pipeline::RunOptions {
            full: false,
            trigger: "tray".into(),
        };
        if let Err(e) = flow.sync_all(opts).await {
            tracing::error!(error = %e, "sync all from the tray stopped");
        }
    });
}

/// Runs in progress, to tell "running" from "idle" when one of several runs ends.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Keeps the tray icon and tooltip in step with runs: running while any run is, attention after a run that needs
/// the planner (failed, errors, deletes to review), idle otherwise.
pub fn on_run_event(app: &AppHandle, event: &RunEvent) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let (icon, tooltip): (&[u8], String) = match event {
        RunEvent::Started { entity_name, .. } => {
            RUNNING.fetch_add(1, Ordering::SeqCst);
            (
                include_bytes!("../../icons/tray-running.png"),
                format!("SyncFlow — syncing {entity_name}"),
            )
        }
        RunEvent::Progress { .. } => return,
        RunEvent::Finished {
            status, summary, ..
        } => {
            let left = RUNNING.fetch_sub(1, Ordering::SeqCst).saturating_sub(1);
            let text = format!(
                "SyncFlow — last run {}: {} inserted, {} updated, {} failed",
                status.as_str(),
                summary.inserted,
                summary.updated,
                summary.failed
            );
            let attention = matches!(
                status,
                RunStatus::Failed | RunStatus::CompletedWithErrors | RunStatus::NeedsReview
            );
            match (left, attention) {
                (_, true) => (include_bytes!("../../icons/tray-attention.png"), text),
                (0, false) => (include_bytes!("../../icons/tray-idle.png"), text),
                _ => (include_bytes!("../../icons/tray-running.png"), text),
            }
        }
        RunEvent::Failed { message, .. } => {
            RUNNING.fetch_sub(1, Ordering::SeqCst);
            (
                include_bytes!("../../icons/tray-attention.png"),
                format!("SyncFlow — a run failed: {message}"),
            )
        }
    };
    if let Ok(image) = Image::from_bytes(icon) {
        let _ = tray.set_icon(Some(image));
    }
    let _ = tray.set_tooltip(Some(tooltip));
}

fn pause_label(paused: bool) -> &'static str {
    if paused {
        "Resume nightly syncs"
    } else {
        "Pause nightly syncs"
    }
}

/// "Pause nightly syncs" stops the scheduler from starting runs (manual runs still work); the label flips.
fn toggle_pause(app: &AppHandle, item: &MenuItem<tauri::Wry>) {
    let db = app.state::<crate::state::AppState>().db.clone();
    let key = crate::scheduler::PAUSED_KEY;
    let paused = syncflow_core::store::settings::get(&db, key)
        .ok()
        .flatten()
        .as_deref()
        == Some("true");
    let now_paused = !paused;
    match syncflow_core::store::settings::set(&db, key, if now_paused { "true" } else { "false" }) {
        Ok(()) => {
            tracing::info!(paused = now_paused, "nightly syncs paused from the tray");
            let _ = item.set_text(pause_label(now_paused));
        }
        Err(e) => tracing::error!(error = %e, "could not pause nightly syncs"),
    }
}
