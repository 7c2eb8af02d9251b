//! The app's state: a few cheap, cloneable handles, managed once.

use std::path::PathBuf;
use syncflow_core::store::Db;

/// Where the app keeps its files. `SYNCFLOW_DATA_DIR` overrides the platform folder (tests use a throw-away one).
#[derive(Debug, Clone)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    pub db_path: PathBuf,
}

impl AppPaths {
    pub fn resolve(app: &tauri::AppHandle) -> anyhow::Result<AppPaths> {
        use tauri::Manager;
        let data_dir = match std::env::var_os("SYNCFLOW_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => app.path().app_data_dir()?,
        };
        Ok(AppPaths {
            log_dir: data_dir.join("logs"),
            db_path: data_dir.join("syncflow.db"),
            data_dir,
        })
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub paths: AppPaths,
}
