//! The `settings` table: small key/value preferences of the workstation (language, theme, demo mode, …).

use super::{Db, StoreError};
use rusqlite::OptionalExtension;

pub fn get(db: &Db, key: &str) -> Result<Option<String>, StoreError> {
    let conn = db.conn()?;
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set(db: &Db, key: &str, value: &str) -> Result<(), StoreError> {
    db.write(|tx| {
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    })
}

pub fn delete(db: &Db, key: &str) -> Result<(), StoreError> {
    db.write(|tx| {
        tx.execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        set(&Db::open(&path).unwrap(), "language", "fa").unwrap();
        assert_eq!(
            get(&Db::open(&path).unwrap(), "language")
                .unwrap()
                .as_deref(),
            Some("fa")
        );
    }

    #[test]
    fn setting_twice_keeps_the_last_value_and_delete_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("s.db")).unwrap();
        set(&db, "theme", "dark").unwrap();
        set(&db, "theme", "light").unwrap();
        assert_eq!(get(&db, "theme").unwrap().as_deref(), Some("light"));
        delete(&db, "theme").unwrap();
        assert_eq!(get(&db, "theme").unwrap(), None);
    }
}

/// The workstation's preferences as one typed value, with defaults for what was never set.
pub mod typed {
    use super::{get, set};
    use crate::model::{Language, Settings, Theme};
    use crate::store::{Db, StoreError};

    pub fn load(db: &Db) -> Result<Settings, StoreError> {
        let language = get(db, "language")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(Language::En);
        let theme = get(db, "theme")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(Theme::System);
        Ok(Settings {
            language,
            theme,
            demo_mode: get(db, "demo_mode")?.as_deref() == Some("true"),
            start_at_login: get(db, "start_at_login")?.as_deref() == Some("true"),
        })
    }

    pub fn set_language(db: &Db, language: Language) -> Result<Settings, StoreError> {
        set(db, "language", language.as_str())?;
        load(db)
    }

    pub fn set_theme(db: &Db, theme: Theme) -> Result<Settings, StoreError> {
        set(db, "theme", theme.as_str())?;
        load(db)
    }
}
