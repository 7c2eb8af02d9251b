//! The system-tray icon and its menu, and the tray's state (idle / running / attention, the last run's summary, a
//! keychain the scheduler waits for). Built in `setup()` (not in tauri.conf.json) so a missing appindicator library is
//! an error we can log instead of a panic. On Linux only the menu delivers events, so everything is in the menu.
//! The same state is served to the web view (`tray_state`, `tray-event`) so the UI and tests can see it.

use crate::i18n::{self, t};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use syncflow_core::ids::RunId;
use syncflow_core::model::{Language, RunStatus};
use syncflow_core::pipeline::RunEvent;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use tauri_specta::Event;

pub const TRAY_ID: &str = "main";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TrayIconState {
    Idle,
    Running,
    Attention,
}

/// What the tray shows, as the web view receives it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrayStatus {
    pub state: TrayIconState,
    pub tooltip: String,
    /// The last run's result in one line ("sites: completed — 3 new, 1 changed, 0 failed").
    pub last_run: Option<String>,
    /// A scheduled run waits for the keychain (locked, or the credential is missing): the keychain's message.
    pub keychain_wait: Option<String>,
    pub automatic_paused: bool,
    /// The text of the last desktop notification SyncFlow decided to show.
    pub last_notification: Option<String>,
}

/// Broadcast whenever the tray's state changes.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct TrayEvent(pub TrayStatus);

/// The tray's memory: runs in progress (by id, with their entity's name) and how the last one ended.
#[derive(Default)]
struct Model {
    running: HashMap<RunId, String>,
    names: HashMap<RunId, String>,
    /// The last run that ended needs the planner (failed, row errors, deletes to review).
    attention: bool,
    last_run: Option<String>,
    keychain_wait: Option<String>,
    automatic_paused: bool,
    last_notification: Option<String>,
}

/// Managed state: the tray model and the menu items whose text or state changes.
#[derive(Default)]
pub struct Tray {
    model: Mutex<Model>,
    items: Mutex<Option<Items>>,
}

struct Items {
    last_run: MenuItem<Wry>,
    sync_all: MenuItem<Wry>,
    pause: MenuItem<Wry>,
}

/// Running wins; then attention (a run that needs the planner, or a keychain the scheduler waits for); else idle.
fn icon_state(running: usize, attention: bool, keychain_wait: bool) -> TrayIconState {
    if running > 0 {
        TrayIconState::Running
    } else if attention || keychain_wait {
        TrayIconState::Attention
    } else {
        TrayIconState::Idle
    }
}

fn icon_bytes(state: TrayIconState) -> &'static [u8] {
    match state {
        TrayIconState::Idle => include_bytes!("../../icons/tray-idle.png"),
        TrayIconState::Running => include_bytes!("../../icons/tray-running.png"),
        TrayIconState::Attention => include_bytes!("../../icons/tray-attention.png"),
    }
}

impl Model {
    fn status(&self, lang: Language) -> TrayStatus {
        let state = icon_state(
            self.running.len(),
            self.attention,
            self.keychain_wait.is_some(),
        );
        let tooltip = match state {
            TrayIconState::Running => {
                let mut names: Vec<&str> = self.running.values().map(String::as_str).collect();
                names.sort_unstable();
                t(
                    lang,
                    "tray.tooltipRunning",
                    &[("entities", names.join(", "))],
                )
            }
            _ if self.keychain_wait.is_some() => t(lang, "tray.tooltipKeychain", &[]),
            _ => match &self.last_run {
                Some(last) => t(lang, "tray.tooltipLast", &[("summary", last.clone())]),
                None => t(lang, "tray.idle", &[]),
            },
        };
        TrayStatus {
            state,
            tooltip,
            last_run: self.last_run.clone(),
            keychain_wait: self.keychain_wait.clone(),
            automatic_paused: self.automatic_paused,
            last_notification: self.last_notification.clone(),
        }
    }
}

/// Brings the main window back from the tray (or from behind other windows).
pub fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn paused(app: &AppHandle) -> bool {
    let db = &app.state::<crate::state::AppState>().db;
    syncflow_core::store::settings::get(db, crate::scheduler::PAUSED_KEY)
        .ok()
        .flatten()
        .as_deref()
        == Some("true")
}

fn pause_label(lang: Language, paused: bool) -> String {
    t(
        lang,
        if paused {
            "tray.resumeNightly"
        } else {
            "tray.pauseNightly"
        },
        &[],
    )
}

pub fn build(app: &tauri::App) -> tauri::Result<()> {
    let handle = app.handle();
    let lang = i18n::language(&app.state::<crate::state::AppState>().db);
    let is_paused = paused(handle);
    let open = MenuItem::with_id(app, "open", t(lang, "tray.open", &[]), true, None::<&str>)?;
    let last_run = MenuItem::with_id(
        app,
        "last_run",
        t(lang, "tray.noRunYet", &[]),
        false,
        None::<&str>,
    )?;
    let sync_all = MenuItem::with_id(
        app,
        "sync_all",
        t(lang, "tray.syncAll", &[]),
        true,
        None::<&str>,
    )?;
    let pause = MenuItem::with_id(
        app,
        "pause",
        pause_label(lang, is_paused),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, "quit", t(lang, "tray.quit", &[]), true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &open,
            &last_run,
            &PredefinedMenuItem::separator(app)?,
            &sync_all,
            &pause,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let tray = app.state::<Tray>();
    tray.model
        .lock()
        .expect("tray state poisoned")
        .automatic_paused = is_paused;
    *tray.items.lock().expect("tray state poisoned") = Some(Items {
        last_run,
        sync_all,
        pause,
    });
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(icon_bytes(TrayIconState::Idle))?)
        .tooltip(t(lang, "tray.idle", &[]))
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(move |app, event| match event.id.as_ref() {
            "open" | "last_run" => show_main(app),
            "sync_all" => start_sync_all(app),
            "pause" => toggle_pause(app),
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
            row_budget: None,
        };
        if let Err(e) = flow.sync_all(opts).await {
            tracing::error!(error = %e, "sync all from the tray stopped");
        }
    });
}

/// The tray's state now (for the `tray_state` command).
pub fn status(app: &AppHandle) -> TrayStatus {
    let lang = i18n::language(&app.state::<crate::state::AppState>().db);
    app.state::<Tray>()
        .model
        .lock()
        .expect("tray state poisoned")
        .status(lang)
}

/// Applies a change to the model, then brings the icon, tooltip, menu and web view in step.
fn update(app: &AppHandle, change: impl FnOnce(&mut Model)) {
    let lang = i18n::language(&app.state::<crate::state::AppState>().db);
    let tray = app.state::<Tray>();
    let (before, after) = {
        let mut model = tray.model.lock().expect("tray state poisoned");
        let before = model.status(lang);
        change(&mut model);
        (before, model.status(lang))
    };
    if before == after {
        return;
    }
    if let Some(icon) = app.tray_by_id(TRAY_ID) {
        if before.state != after.state {
            if let Ok(image) = Image::from_bytes(icon_bytes(after.state)) {
                let _ = icon.set_icon(Some(image));
            }
        }
        let _ = icon.set_tooltip(Some(after.tooltip.clone()));
    }
    if let Some(items) = tray.items.lock().expect("tray state poisoned").as_ref() {
        if let Some(last) = &after.last_run {
            let _ = items
                .last_run
                .set_text(t(lang, "tray.lastRun", &[("summary", last.clone())]));
        }
        let _ = items
            .pause
            .set_text(pause_label(lang, after.automatic_paused));
    }
    tracing::debug!(state = ?after.state, tooltip = %after.tooltip, "tray state");
    if let Err(e) = TrayEvent(after).emit(app) {
        tracing::warn!(error = %e, "could not send the tray state to the window");
    }
}

/// Keeps the tray in step with runs: running while any run is, attention after a run that needs the planner (failed,
/// errors, deletes to review), idle otherwise. A failed run also gets a desktop notification.
pub fn on_run_event(app: &AppHandle, event: &RunEvent) {
    if matches!(event, RunEvent::Progress { .. }) {
        return; // A few times a second: nothing the tray shows.
    }
    let lang = i18n::language(&app.state::<crate::state::AppState>().db);
    match event {
        RunEvent::Started {
            run_id,
            entity_name,
            ..
        } => update(app, |m| {
            m.running.insert(*run_id, entity_name.clone());
            m.names.insert(*run_id, entity_name.clone());
        }),
        RunEvent::Progress { .. } => {}
        RunEvent::Finished {
            run_id,
            status,
            summary,
            ..
        } => update(app, |m| {
            m.running.remove(run_id);
            let name = m.names.remove(run_id).unwrap_or_default();
            m.attention = matches!(
                status,
                RunStatus::Failed | RunStatus::CompletedWithErrors | RunStatus::NeedsReview
            );
            m.last_run = Some(t(
                lang,
                "tray.runSummary",
                &[
                    ("entity", name),
                    (
                        "status",
                        t(lang, &format!("status.{}", status.as_str()), &[]),
                    ),
                    ("inserted", summary.inserted.to_string()),
                    ("updated", summary.updated.to_string()),
                    ("failed", summary.failed.to_string()),
                ],
            ));
        }),
        RunEvent::Failed {
            run_id, message, ..
        } => {
            let mut name = String::new();
            update(app, |m| {
                m.running.remove(run_id);
                name = m.names.remove(run_id).unwrap_or_default();
                m.attention = true;
                m.last_run = Some(t(
                    lang,
                    "tray.runFailed",
                    &[("entity", name.clone()), ("message", message.clone())],
                ));
            });
            crate::notify::run_failed(app, &name, message);
        }
    }
}

/// The scheduler waits for the keychain (Some(message)) or no longer does (None).
pub fn set_keychain_wait(app: &AppHandle, message: Option<String>) {
    update(app, |m| m.keychain_wait = message);
}

/// Records the last notification SyncFlow decided to show (tests and the status area read it).
pub fn note_notification(app: &AppHandle, text: String) {
    update(app, |m| m.last_notification = Some(text));
}

/// Enables "Sync all now" only when there is something to sync (checked on every scheduler tick).
pub fn set_sync_all_enabled(app: &AppHandle, enabled: bool) {
    if let Some(items) = app
        .state::<Tray>()
        .items
        .lock()
        .expect("tray state poisoned")
        .as_ref()
    {
        let _ = items.sync_all.set_enabled(enabled);
    }
}

/// "Pause nightly syncs" stops the scheduler from starting runs (manual runs still work); the label flips.
fn toggle_pause(app: &AppHandle) {
    if let Err(e) = set_paused(app, !paused(app)) {
        tracing::error!(error = %e, "could not pause nightly syncs");
    }
}

/// Pauses or resumes every automatic run (the tray menu and the Schedules screen): stored, then shown.
pub fn set_paused(
    app: &AppHandle,
    now_paused: bool,
) -> Result<(), syncflow_core::store::StoreError> {
    let db = app.state::<crate::state::AppState>().db.clone();
    syncflow_core::store::settings::set(
        &db,
        crate::scheduler::PAUSED_KEY,
        if now_paused { "true" } else { "false" },
    )?;
    tracing::info!(paused = now_paused, "nightly syncs paused or resumed");
    update(app, |m| m.automatic_paused = now_paused);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_in_progress_shows_running_whatever_happened_before() {
        assert_eq!(icon_state(1, true, true), TrayIconState::Running);
    }

    #[test]
    fn a_run_that_needs_the_planner_or_a_waiting_keychain_asks_for_attention() {
        assert_eq!(icon_state(0, true, false), TrayIconState::Attention);
        assert_eq!(icon_state(0, false, true), TrayIconState::Attention);
        assert_eq!(icon_state(0, false, false), TrayIconState::Idle);
    }

    #[test]
    fn the_tooltip_carries_the_last_run_summary_once_there_is_one() {
        let mut m = Model::default();
        assert_eq!(
            m.status(Language::En).tooltip,
            t(Language::En, "tray.idle", &[])
        );
        m.last_run = Some("sites: Completed — 3 new".into());
        let s = m.status(Language::En);
        assert!(
            s.tooltip.contains("sites: Completed — 3 new"),
            "{}",
            s.tooltip
        );
        assert_eq!(s.state, TrayIconState::Idle);
        m.running.insert(RunId::new(), "inventory_items".into());
        let running = m.status(Language::En);
        assert_eq!(running.state, TrayIconState::Running);
        assert!(
            running.tooltip.contains("inventory_items"),
            "{}",
            running.tooltip
        );
    }
}
