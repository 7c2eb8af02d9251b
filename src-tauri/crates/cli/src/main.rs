//! `syncflow-cli`: headless SyncFlow. Each subcommand lives in `cmd/<name>.rs`; this file only parses arguments
//! and dispatches.

mod cmd;
mod lines;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "syncflow-cli",
    version,
    about = "SyncFlow without the window: diagnostics and tools that use the same engine as the desktop app.",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Hash(cmd::hash::Args),
    Normalize(cmd::normalize::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Hash(a) => cmd::hash::run(a),
        Command::Normalize(a) => cmd::normalize::run(a),
    }
}
