//! What the pipeline subcommands share: the database option, the core facade over the OS keychain (secrets named
//! by a connection's `*_env` variable win), and a tokio runtime.

use std::path::PathBuf;
use std::sync::Arc;
use syncflow_core::app::SyncFlow;
use syncflow_core::secrets::KeyringStore;
use syncflow_core::store::Db;

#[derive(clap::Args, Clone, Debug)]
pub struct DbArg {
    /// SQLite database file (created if missing).
    #[arg(
        long,
        env = "SYNCFLOW_DB",
        default_value = "syncflow.db",
        global = true
    )]
    pub db: PathBuf,
}

pub fn app(db: &DbArg) -> anyhow::Result<SyncFlow> {
    let db = Db::open(&db.db)?;
    Ok(SyncFlow::new(db, Arc::new(KeyringStore::default())))
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

pub fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
