//! `syncflow-cli`: headless SyncFlow. Each subcommand lives in `cmd/<name>.rs`; this file only parses arguments
//! and dispatches.

mod cmd;
mod lines;

// Normalizing and hashing a page allocates and frees hundreds of thousands of small strings; with mimalloc the
// engine's CPU stages took about 40% less CPU time than with the system allocator (the engine benchmark). Built
// without transparent huge pages (the workspace's `no_thp` feature): every page's multi-megabyte bodies are allocated
// and given back, and the kernel zeroed a fresh 2 MiB huge page for each (about a tenth of the sync's CPU time and a
// third of the simulators', measured with perf; CONFIG.md "Benchmark").
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "syncflow-cli",
    version,
    about = "SyncFlow without the window: diagnostics and tools that use the same engine as the desktop app.",
    long_about = None
)]
struct Cli {
    #[command(flatten)]
    db: cmd::common::DbArg,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Hash(cmd::hash::Args),
    Normalize(cmd::normalize::Args),
    Apply(cmd::apply::Args),
    Sync(cmd::sync::Args),
    Runs(cmd::runs::Args),
    Failed(cmd::failed::Args),
    Pending(cmd::misc::PendingArgs),
    Cancel(cmd::misc::CancelArgs),
    Entity(cmd::misc::EntityArgs),
    Connection(cmd::misc::ConnectionArgs),
    Deletes(cmd::misc::DeletesArgs),
    Sweep(cmd::misc::SweepArgs),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SYNCFLOW_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Hash(a) => cmd::hash::run(a),
        Command::Normalize(a) => cmd::normalize::run(a),
        Command::Apply(a) => cmd::apply::run(a, &cli.db),
        Command::Sync(a) => cmd::sync::run(a, &cli.db),
        Command::Runs(a) => cmd::runs::run(a, &cli.db),
        Command::Failed(a) => cmd::failed::run(a, &cli.db),
        Command::Pending(a) => cmd::misc::pending(a, &cli.db),
        Command::Cancel(a) => cmd::misc::cancel(a, &cli.db),
        Command::Entity(a) => cmd::misc::entity(a, &cli.db),
        Command::Connection(a) => cmd::misc::connection(a, &cli.db),
        Command::Deletes(a) => cmd::misc::deletes(a, &cli.db),
        Command::Sweep(a) => cmd::misc::sweep(a, &cli.db),
    }
}
