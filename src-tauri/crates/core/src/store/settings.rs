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
