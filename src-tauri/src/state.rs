//! The app's state: a few cheap, cloneable handles, managed once.

use std::path::PathBuf;
use std::sync::Arc;
use syncflow_core::app::SyncFlow;
use syncflow_core::store::Db;
use syncflow_sim::SimHandle;

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
    /// The core's one surface: runs, retries, discovery, configuration.
    pub flow: SyncFlow,
    /// The demo's simulators while demo mode is on (dropping the handle stops them).
    pub demo: Arc<tokio::sync::Mutex<Option<SimHandle>>>,
}
