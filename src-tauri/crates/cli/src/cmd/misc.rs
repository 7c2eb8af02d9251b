//! The small pipeline subcommands: `pending list`, `cancel RUN`, `entity discover|remove`, `connection test`,
//! `deletes confirm|discard RUN`, `sweep`.

use super::common::{app, print_json, runtime, DbArg};
use syncflow_core::store::{pending_children, removal};

/// Rows waiting for their parent.
#[derive(clap::Args)]
pub struct PendingArgs {
    #[command(subcommand)]
    pub command: PendingCmd,
}

#[derive(clap::Subcommand)]
pub enum PendingCmd {
    List {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

pub fn pending(a: PendingArgs, db: &DbArg) -> anyhow::Result<()> {
    let app = app(db)?;
    match a.command {
        PendingCmd::List { limit } => print_json(&pending_children::list(&app.db, limit)?),
    }
}

/// Cancel a running run (also one another process runs: it stops after its current page).
#[derive(clap::Args)]
pub struct CancelArgs {
    pub run: String,
}

pub fn cancel(a: CancelArgs, db: &DbArg) -> anyhow::Result<()> {
    let app = app(db)?;
    if app.cancel(a.run.parse()?)? {
        eprintln!("cancellation requested");
        Ok(())
    } else {
        anyhow::bail!("run {} is not running", a.run)
    }
}

/// Entities.
#[derive(clap::Args)]
pub struct EntityArgs {
    #[command(subcommand)]
    pub command: EntityCmd,
}

#[derive(clap::Subcommand)]
pub enum EntityCmd {
    /// List APISmith's APIs as entity definitions (not saved).
    Discover {
        #[arg(long)]
        source: String,
        #[arg(long)]
        target: String,
    },
    /// Remove an entity with its runs, failed records, pending children, schedule and record index (ScheduleHub
    /// keeps what was loaded). Refused while it syncs or while other entities name it as their parent.
    Remove { name: String },
}

pub fn entity(a: EntityArgs, db: &DbArg) -> anyhow::Result<()> {
    let app = app(db)?;
    match a.command {
        EntityCmd::Discover { source, target } => {
            print_json(&runtime()?.block_on(app.discover(&source, &target))?)
        }
        EntityCmd::Remove { name } => print_json(&removal::remove_entity(&app.db, &name)?),
    }
}

/// Connections.
#[derive(clap::Args)]
pub struct ConnectionArgs {
    #[command(subcommand)]
    pub command: ConnectionCmd,
}

#[derive(clap::Subcommand)]
pub enum ConnectionCmd {
    /// Reach the service and log in with the stored credentials (PostgreSQL: also check the schema exists).
    Test { name: String },
    /// Rename a connection: its entities follow, and a credential under the old name's default keychain entry moves
    /// to the new name's. A configuration file that still says the old name would add it again on `apply`.
    Rename { name: String, new_name: String },
}

pub fn connection(a: ConnectionArgs, db: &DbArg) -> anyhow::Result<()> {
    let app = app(db)?;
    match a.command {
        ConnectionCmd::Test { name } => {
            runtime()?.block_on(app.test_connection(&name))?;
            eprintln!("connection '{name}' works");
            Ok(())
        }
        ConnectionCmd::Rename { name, new_name } => {
            app.rename_connection(&name, &new_name)?;
            eprintln!("connection '{name}' is now '{new_name}'");
            Ok(())
        }
    }
}

/// Deletes held by the safety valve (runs in status needs_review).
#[derive(clap::Args)]
pub struct DeletesArgs {
    #[command(subcommand)]
    pub command: DeletesCmd,
}

#[derive(clap::Subcommand)]
pub enum DeletesCmd {
    Confirm { run: String },
    Discard { run: String },
}

pub fn deletes(a: DeletesArgs, db: &DbArg) -> anyhow::Result<()> {
    let app = app(db)?;
    match a.command {
        DeletesCmd::Confirm { run } => {
            let n = runtime()?.block_on(app.confirm_deletes(run.parse()?))?;
            eprintln!("{n} records deleted");
        }
        DeletesCmd::Discard { run } => app.discard_deletes(run.parse()?)?,
    }
    Ok(())
}

/// Retry parked children and load failures whose backoff elapsed; purge old resolved records.
#[derive(clap::Args)]
pub struct SweepArgs {}

pub fn sweep(_a: SweepArgs, db: &DbArg) -> anyhow::Result<()> {
    let app = app(db)?;
    let (pending, retried) = runtime()?.block_on(app.sweep(chrono::Utc::now()))?;
    print_json(&serde_json::json!({"pending": pending, "retried": retried}))
}
