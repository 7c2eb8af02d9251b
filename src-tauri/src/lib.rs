//! The desktop shell: wires the core into Tauri (commands, tray, window, logging). It holds no domain logic.

mod commands;
mod demo;
mod error;
mod events;
mod i18n;
mod logging;
mod notify;
mod scheduler;
mod state;
mod tray;

use state::{AppPaths, AppState};
use std::sync::{Arc, Mutex};
use syncflow_core::app::SyncFlow;
use syncflow_core::secrets::{KeyringStore, SecretStore};
use tauri::{Manager, WindowEvent};

/// The one list of commands and events: `run()` serves it and the bindings test exports it to `ui/src/bindings.ts`.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    use commands::*;
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            app::app_info,
            settings::settings_get,
            settings::settings_set_language,
            settings::settings_set_theme,
            connections::connections_list,
            connections::connections_get,
            connections::connections_save,
            connections::connections_delete,
            connections::connections_test,
            connections::connections_time_zones,
            entities::entities_list,
            entities::entities_discover,
            entities::entities_create,
            entities::entities_get,
            entities::entities_save,
            entities::entities_delete,
            mappings::mappings_transformations,
            mappings::mappings_preview,
            runs::runs_list,
            runs::runs_start,
            runs::runs_sync_all,
            runs::runs_cancel,
            runs::runs_detail,
            runs::runs_samples,
            failed_records::failed_records_list,
            failed_records::failed_records_retry,
            failed_records::failed_records_detail,
            failed_records::failed_records_export,
            commands::demo::demo_start,
            commands::demo::demo_remove,
            pending_children::pending_children_list,
            pending_children::pending_children_retry,
            schedules::schedules_list,
            schedules::schedules_save,
            dashboard::dashboard_summary,
            logs::logs_recent,
            commands::tray::tray_state,
            commands::tray::tray_set_paused,
            autostart::settings_set_start_at_login,
        ])
        .events(tauri_specta::collect_events![
            events::SyncEvent,
            crate::tray::TrayEvent
        ])
        .dangerously_cast_bigints_to_number()
        .disable_serde_phases()
}

/// Keeps the log file writer flushing until the app exits.
struct LogGuard(#[allow(dead_code)] Mutex<tracing_appender::non_blocking::WorkerGuard>);

pub fn run() {
    let builder = specta_builder();
    let start_hidden = std::env::args().any(|a| a == "--hidden");
    tauri::Builder::default()
        // A second launch focuses the running instance instead of opening a second database writer.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| tray::show_main(app)))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        // Off until the planner turns it on in Settings; a login start goes straight to the tray.
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ))
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let paths = AppPaths::resolve(app.handle())?;
            let guard = logging::init(&paths.log_dir)?;
            app.manage(LogGuard(Mutex::new(guard)));
            tracing::info!(data_dir = %paths.data_dir.display(), version = env!("CARGO_PKG_VERSION"), "SyncFlow starting");
            scheduler::apply_clock_offset();
            let db = syncflow_core::store::Db::open(&paths.db_path)?;
            let secrets: Arc<dyn SecretStore> = Arc::new(KeyringStore::default());
            let flow = SyncFlow::new(db.clone(), secrets).with_events(events::sink(app.handle().clone()));
            let state = AppState { db, paths, flow, demo: Arc::default() };
            app.manage(state.clone());
            app.manage(tray::Tray::default());
            let for_scheduler = state.clone();
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                match scheduler::start(handle.clone(), for_scheduler).await {
                    // Managed, so the scheduler lives exactly as long as the app.
                    Ok((jobs, driver)) => {
                        handle.manage(jobs);
                        handle.manage(driver);
                    }
                    Err(e) => tracing::error!(error = %e, "the nightly scheduler could not start"),
                }
            });
            tauri::async_runtime::spawn(async move {
                match demo::resume_if_enabled(&state.flow).await {
                    Ok(Some(sim)) => *state.demo.lock().await = Some(sim),
                    Ok(None) => {}
                    Err(e) => tracing::error!(error = %e, "could not restart the demo simulators"),
                }
            });
            if let Err(e) = tray::build(app) {
                // No tray on this desktop: the app still works from its window.
                tracing::warn!(error = %e, "could not create the tray icon");
            }
            if start_hidden {
                if let Some(w) = app.get_webview_window("main") {
                    w.hide()?;
                }
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps SyncFlow in the tray so nightly syncs go on; Quit is in the tray menu.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == "main" {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running SyncFlow");
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// `ui/src/bindings.ts` is generated from `specta_builder()` and committed; this test fails when it is stale.
    /// Regenerate with `UPDATE_BINDINGS=1 cargo test -p syncflow bindings`.
    #[test]
    fn bindings_ts_matches_the_commands() {
        let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let fresh =
            std::env::temp_dir().join(format!("syncflow-bindings-{}.ts", std::process::id()));
        super::specta_builder()
            .export(
                specta_typescript::Typescript::default().header("// @ts-nocheck\n// Generated by tauri-specta from src-tauri (specta_builder). Do not edit."),
                &fresh,
            )
            .expect("export bindings");
        let fresh_text = std::fs::read_to_string(&fresh).unwrap();
        let _ = std::fs::remove_file(&fresh);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh_text).unwrap();
            return;
        }
        let committed_text = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            committed_text == fresh_text,
            "ui/src/bindings.ts is out of date: run `UPDATE_BINDINGS=1 cargo test -p syncflow bindings` and commit it"
        );
    }
}
