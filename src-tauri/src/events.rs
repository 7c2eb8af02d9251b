//! Run events from the core, forwarded to the web view as one typed tauri-specta event (`sync-event`), and the tray
//! kept in step with them (running / attention / idle).

use serde::Serialize;
use syncflow_core::pipeline::{EventSink, RunEvent};
use tauri::AppHandle;
use tauri_specta::Event;

/// The core's `RunEvent`, as the UI receives it.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct SyncEvent(pub RunEvent);

pub fn sink(app: AppHandle) -> EventSink {
    std::sync::Arc::new(move |event: RunEvent| {
        crate::tray::on_run_event(&app, &event);
        if let Err(e) = SyncEvent(event).emit(&app) {
            tracing::warn!(error = %e, "could not forward a run event to the window");
        }
    })
}
