//! The few strings the shell shows outside the web view (tray menu and tooltip, desktop notifications), read from the
//! same `locales/*.json` as the UI (keys `tray.*`, `notifications.*`) in the language the planner chose.

use serde_json::Value;
use std::sync::OnceLock;
use syncflow_core::model::Language;
use syncflow_core::store::{settings, Db};

fn catalog(lang: Language) -> &'static Value {
    static CATALOGS: OnceLock<[Value; 4]> = OnceLock::new();
    let all = CATALOGS.get_or_init(|| {
        let parse = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
        [
            parse(include_str!("../../locales/en.json")),
            parse(include_str!("../../locales/fa.json")),
            parse(include_str!("../../locales/ar.json")),
            parse(include_str!("../../locales/tr.json")),
        ]
    });
    &all[match lang {
        Language::En => 0,
        Language::Fa => 1,
        Language::Ar => 2,
        Language::Tr => 3,
    }]
}

fn lookup<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    key.split('.').try_fold(v, |v, part| v.get(part))?.as_str()
}

/// The text of `key` in `lang` (English when missing), with `{{name}}` placeholders filled from `args`.
pub fn t(lang: Language, key: &str, args: &[(&str, String)]) -> String {
    let text = lookup(catalog(lang), key)
        .or_else(|| lookup(catalog(Language::En), key))
        .unwrap_or(key);
    args.iter().fold(text.to_owned(), |s, (name, value)| {
        s.replace(&format!("{{{{{name}}}}}"), value)
    })
}

/// The planner's language from the settings (English when unset or unreadable).
pub fn language(db: &Db) -> Language {
    settings::typed::load(db)
        .map(|s| s.language)
        .unwrap_or(Language::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_and_falls_back_to_english_for_unknown_keys() {
        let text = t(
            Language::En,
            "notifications.runFailed",
            &[("entity", "sites".into()), ("message", "boom".into())],
        );
        assert!(text.contains("sites") && text.contains("boom"), "{text}");
        assert_eq!(t(Language::Tr, "no.such.key", &[]), "no.such.key");
        assert_ne!(
            t(Language::Fa, "tray.idle", &[]),
            t(Language::En, "tray.idle", &[]),
            "Persian has its own text"
        );
    }
}
