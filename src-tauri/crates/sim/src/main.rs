//! `syncflow-sim`: runs both simulators on 127.0.0.1 until Ctrl-C and prints where they listen.

use clap::Parser;
use syncflow_sim::{start, SimConfig};

// The simulators allocate per request and per record; the system allocator's page faults and consolidation were a
// large share of their CPU. Without transparent huge pages (the workspace's `no_thp` feature; see syncflow-cli's main).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(about = "Loopback simulators of APISmith and ScheduleHub")]
struct Args {
    #[arg(long, default_value_t = 8007)]
    apismith_port: u16,
    #[arg(long, default_value_t = 5180)]
    schedulehub_port: u16,
    /// Inventory items to generate (up to 10,000,000; generated on the fly).
    #[arg(long, default_value_t = 100_000)]
    items: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value = "sync")]
    username: String,
    #[arg(long, env = "SYNCFLOW_SIM_PASSWORD", default_value = "sync")]
    password: String,
    /// Share of deliberately bad rows (0.005 = 0.5%).
    #[arg(long, default_value_t = 0.005)]
    bad_row_ratio: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let a = Args::parse();
    anyhow::ensure!(a.items <= 10_000_000, "--items is at most 10,000,000");
    anyhow::ensure!(
        (0.0..=1.0).contains(&a.bad_row_ratio),
        "--bad-row-ratio is between 0 and 1"
    );
    let cfg = SimConfig {
        items: a.items,
        seed: a.seed,
        username: a.username.clone(),
        password: a.password,
        bad_row_ratio: a.bad_row_ratio,
        apismith_port: a.apismith_port,
        schedulehub_port: a.schedulehub_port,
        ..SimConfig::default()
    };
    let sim = start(cfg).await?;
    println!(
        "APISmith simulator:    {} ({} inventory items, seed {})",
        sim.apismith_url, a.items, a.seed
    );
    println!("ScheduleHub simulator: {}", sim.schedulehub_url);
    println!(
        "Log in as '{}' with the configured password. Example:",
        a.username
    );
    println!(
        "  TOKEN=$(curl -s -X POST {u}/api/v1/auth/login -H 'content-type: application/json' \\\n    -d '{{\"username\":\"{n}\",\"password\":\"<password>\"}}' | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n  curl -s -X POST {u}/api/v1/runtime/inventory-items/execute -H \"Authorization: Bearer $TOKEN\" \\\n    -H 'content-type: application/json' -d '{{\"page\":1,\"page_size\":5,\"sort\":{{\"field\":\"ROWVERSION\",\"direction\":\"asc\"}}}}'",
        u = sim.apismith_url,
        n = a.username
    );
    println!("Controls: POST /_sim/mutate, /_sim/schema, /_sim/faults, /_sim/faults/reset, /_sim/tokens/expire; GET /_sim/state");
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
