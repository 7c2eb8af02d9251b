//! Demo mode: APISmith and ScheduleHub simulators inside the app on loopback, with two connections and three entities
//! (sites, work areas and inventory items, children of sites) so a planner can try everything without real systems.
//! The demo's password reaches the core through this process's environment only: nothing is stored anywhere.

use syncflow_core::app::SyncFlow;
use syncflow_core::config_file::ConfigFile;
use syncflow_core::store::{entities, settings, Db};
use syncflow_sim::{SimConfig, SimHandle};

const PASSWORD_ENV: &str = "SYNCFLOW_DEMO_PASSWORD";
const DEMO_PASSWORD: &str = "sync";
/// The connections demo mode creates (see `config_text`).
const DEMO_CONNECTIONS: [&str; 2] = ["demo-erp", "demo-plan"];
/// Small enough to sync in seconds on a laptop, large enough to page and to carry some deliberately bad rows.
const DEMO_ITEMS: u64 = 5_000;

fn config_text(sim: &SimHandle) -> String {
    format!(
        r#"
[connections.demo-erp]
kind = "apismith"
url = "{a}"
username = "sync"
password_env = "{PASSWORD_ENV}"
[connections.demo-plan]
kind = "schedulehub"
url = "{s}"
username = "sync"
password_env = "{PASSWORD_ENV}"

[entities.sites]
source = "demo-erp"
slug = "sites"
target = "demo-plan"

[entities.work_areas]
source = "demo-erp"
slug = "work-areas"
target = "demo-plan"
[entities.work_areas.parents.site]
entity = "sites"
fields = {{ SITE_ID = "SITE_ID" }}

[entities.inventory_items]
source = "demo-erp"
slug = "inventory-items"
target = "demo-plan"
page_size = 1000
[entities.inventory_items.parents.site]
entity = "sites"
fields = {{ SITE_ID = "SITE_ID" }}
# ScheduleHub's planners need a description on every item, but the ERP has items without one (NULL or blank):
# those rows fail validation until the planner gives the mapping a default, the demo's "fix a mapping" step.
[[entities.inventory_items.mappings]]
source = "DESCRIPTION"
target = "DESCRIPTION"
required = true
"#,
        a = sim.apismith_url,
        s = sim.schedulehub_url
    )
}

async fn start_sims(db: &Db) -> anyhow::Result<SimHandle> {
    // Same ports as last time when possible, so the stored connections stay valid across restarts.
    let port = |key: &str| {
        settings::get(db, key)
            .ok()
            .flatten()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    };
    let cfg = |a: u16, s: u16| SimConfig {
        items: DEMO_ITEMS,
        apismith_port: a,
        schedulehub_port: s,
        ..SimConfig::default()
    };
    let sim = match syncflow_sim::start(cfg(
        port("demo_apismith_port"),
        port("demo_schedulehub_port"),
    ))
    .await
    {
        Ok(sim) => sim,
        Err(_) => syncflow_sim::start(cfg(0, 0)).await?,
    };
    // SAFETY of intent: only this process reads it; it is the simulator's well-known demo password.
    std::env::set_var(PASSWORD_ENV, DEMO_PASSWORD);
    Ok(sim)
}

/// Starts the simulators, points the demo connections at them and creates the demo entities that do not exist yet:
/// an entity the planner already has (and may have edited: keys, mappings) is left as it is.
pub async fn start(flow: &SyncFlow) -> anyhow::Result<SimHandle> {
    let sim = start_sims(&flow.db).await?;
    let mut file: ConfigFile = toml::from_str(&config_text(&sim))?;
    file.entities
        .retain(|name, _| entities::get_by_name(&flow.db, name).is_err());
    flow.apply_config(&file).await?;
    for (key, url) in [
        ("demo_apismith_port", &sim.apismith_url),
        ("demo_schedulehub_port", &sim.schedulehub_url),
    ] {
        if let Some(port) = url.rsplit(':').next() {
            settings::set(&flow.db, key, port.trim_end_matches('/'))?;
        }
    }
    settings::set(&flow.db, "demo_mode", "true")?;
    tracing::info!(apismith = %sim.apismith_url, schedulehub = %sim.schedulehub_url, "demo mode started");
    Ok(sim)
}

/// At launch: a workstation that chose demo mode gets its simulators back.
pub async fn resume_if_enabled(flow: &SyncFlow) -> anyhow::Result<Option<SimHandle>> {
    if settings::get(&flow.db, "demo_mode")?.as_deref() != Some("true") {
        return Ok(None);
    }
    start(flow).await.map(Some)
}

/// The demo's own settings: the mode flag (it shows the banner) and the simulators' last ports.
const DEMO_SETTINGS: [&str; 3] = ["demo_mode", "demo_apismith_port", "demo_schedulehub_port"];

/// Removes demo data: stops the simulators (`sim` is dropped), deletes the demo connections, their entities and all
/// their state, and turns demo mode (and its banner) off. Refused while a demo entity is syncing.
pub fn remove(
    db: &Db,
    sim: &mut Option<SimHandle>,
) -> Result<syncflow_core::store::removal::Removed, syncflow_core::store::StoreError> {
    let removed = syncflow_core::store::removal::remove_connections(db, &DEMO_CONNECTIONS)?;
    for key in DEMO_SETTINGS {
        settings::delete(db, key)?;
    }
    if sim.take().is_some() {
        tracing::info!("demo simulators stopped");
    }
    tracing::info!(?removed, "demo data removed");
    Ok(removed)
}
