//! Desktop notifications: the night's result once the scheduled work is over, every failed run, and a scheduled run
//! waiting for the keychain. What was decided is also recorded in the tray state, since `show()` succeeds even where
//! no notification server can display anything.

use crate::i18n::{self, t};
use syncflow_core::schedule::NightSummary;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

fn show(app: &AppHandle, title: String, body: String) {
    tracing::info!(%title, %body, "desktop notification");
    if let Err(e) = app
        .notification()
        .builder()
        .title(&title)
        .body(&body)
        .show()
    {
        tracing::warn!(error = %e, "could not show a desktop notification");
    }
    crate::tray::note_notification(app, format!("{title}: {body}"));
}

fn lang(app: &AppHandle) -> syncflow_core::model::Language {
    i18n::language(&app.state::<crate::state::AppState>().db)
}

pub fn night_done(app: &AppHandle, s: &NightSummary) {
    let lang = lang(app);
    let title = if s.failed > 0 {
        t(lang, "notifications.nightTitleFailed", &[])
    } else {
        t(lang, "notifications.nightTitle", &[])
    };
    let mut body = t(
        lang,
        "notifications.nightBody",
        &[
            ("runs", s.runs.to_string()),
            ("completed", s.completed.to_string()),
            ("failed", s.failed.to_string()),
            ("inserted", s.inserted.to_string()),
            ("updated", s.updated.to_string()),
            ("failedRows", s.failed_rows.to_string()),
        ],
    );
    if s.to_continue > 0 {
        body.push(' ');
        body.push_str(&t(
            lang,
            "notifications.nightContinues",
            &[("n", s.to_continue.to_string())],
        ));
    }
    show(app, title, body);
}

pub fn run_failed(app: &AppHandle, entity: &str, message: &str) {
    let lang = lang(app);
    show(
        app,
        t(lang, "notifications.runFailedTitle", &[]),
        t(
            lang,
            "notifications.runFailed",
            &[
                ("entity", entity.to_owned()),
                ("message", message.to_owned()),
            ],
        ),
    );
}

pub fn keychain_waiting(app: &AppHandle, entity: &str, message: &str) {
    let lang = lang(app);
    show(
        app,
        t(lang, "notifications.keychainTitle", &[]),
        t(
            lang,
            "notifications.keychainBody",
            &[
                ("entity", entity.to_owned()),
                ("message", message.to_owned()),
            ],
        ),
    );
}
