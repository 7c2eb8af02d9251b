//! Loopback simulators of APISmith and ScheduleHub that follow `contracts/*.md`, for tests, benchmarks and the
//! desktop app's demo mode. `start` runs both in-process on 127.0.0.1; the handle controls data, faults and state.

pub mod apismith;
mod auth;
pub mod faults;
mod rng;
pub mod schedulehub;

pub use apismith::generate::{fmt_rv, BadKind};
pub use apismith::{Mutation, MutationResult};
pub use faults::Faults;

use apismith::generate::Generator;
use apismith::ApiSmith;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use schedulehub::ScheduleHub;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What to simulate. `Default` gives a small, clean-ish data set on random ports.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Inventory items (up to ten million; generated on the fly).
    pub items: u64,
    pub sites: u64,
    pub work_areas: u64,
    pub seed: u64,
    pub username: String,
    pub password: String,
    /// A static API token both services accept with no login (the contract's static-token connections).
    pub static_token: Option<String>,
    /// Share of deliberately bad rows in work areas and items.
    pub bad_row_ratio: f64,
    pub token_ttl: Duration,
    /// 0 picks a free port.
    pub apismith_port: u16,
    pub schedulehub_port: u16,
    /// Entity names ScheduleHub knows; others get `404`.
    pub schedulehub_entities: Vec<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            items: 10_000,
            sites: 50,
            work_areas: 500,
            seed: 1,
            username: "sync".into(),
            password: "sync".into(),
            static_token: Some("sim-static-token".into()),
            bad_row_ratio: 0.005,
            token_ttl: auth::DEFAULT_TTL,
            apismith_port: 0,
            schedulehub_port: 0,
            schedulehub_entities: ["sites", "work_areas", "inventory_items"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Per-service state shared by auth and fault injection.
pub struct Common {
    username: String,
    password: String,
    static_token: Option<String>,
    token_ttl: Duration,
    faults: Mutex<faults::FaultState>,
    tokens: Mutex<auth::Tokens>,
}

impl Common {
    fn new(cfg: &SimConfig) -> Arc<Self> {
        Arc::new(Self {
            username: cfg.username.clone(),
            password: cfg.password.clone(),
            static_token: cfg.static_token.clone(),
            token_ttl: cfg.token_ttl,
            faults: Mutex::default(),
            tokens: Mutex::default(),
        })
    }

    fn set_faults(&self, f: Faults) {
        self.faults.lock().expect("fault state poisoned").set(f);
    }

    fn expire_tokens(&self) {
        self.tokens
            .lock()
            .expect("token state poisoned")
            .expire_all();
    }
}

async fn sim_faults(State(c): State<Arc<Common>>, body: Bytes) -> Response {
    match auth::parse_body::<Faults>(&body) {
        Ok(f) => {
            c.set_faults(f);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => r,
    }
}

async fn sim_faults_reset(State(c): State<Arc<Common>>) -> StatusCode {
    c.set_faults(Faults::default());
    StatusCode::NO_CONTENT
}

async fn sim_expire_tokens(State(c): State<Arc<Common>>) -> StatusCode {
    c.expire_tokens();
    StatusCode::NO_CONTENT
}

/// `/_sim/faults`, `/_sim/faults/reset`, `/_sim/tokens/expire`: the same on both services.
fn control_routes(common: Arc<Common>) -> Router {
    Router::new()
        .route("/_sim/faults", post(sim_faults))
        .route("/_sim/faults/reset", post(sim_faults_reset))
        .route("/_sim/tokens/expire", post(sim_expire_tokens))
        .with_state(common)
}

struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

async fn serve(port: u16, router: Router) -> std::io::Result<(SocketAddr, Server)> {
    // Loopback only: the simulators hold no real data but must never be reachable from the network.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async {
            let _ = rx.await;
        };
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "simulator server failed");
        }
    });
    Ok((
        addr,
        Server {
            stop: Some(tx),
            task,
        },
    ))
}

/// Both simulators, running. Dropping the handle stops them at once; `shutdown` stops them gracefully.
pub struct SimHandle {
    pub apismith_url: String,
    pub schedulehub_url: String,
    apismith: Arc<ApiSmith>,
    schedulehub: Arc<ScheduleHub>,
    servers: Vec<Server>,
}

/// Starts both simulators on 127.0.0.1 (port 0 = any free port).
pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
    let gen = Generator {
        seed: cfg.seed,
        sites: cfg.sites,
        work_areas: cfg.work_areas,
        bad_row_ratio: cfg.bad_row_ratio,
    };
    let apismith = Arc::new(ApiSmith::new(Common::new(&cfg), gen, cfg.items));
    let hub = schedulehub::store::Hub::new(cfg.schedulehub_entities.iter().cloned());
    let schedulehub = Arc::new(ScheduleHub {
        common: Common::new(&cfg),
        hub: Mutex::new(hub),
    });
    let (a_addr, a) = serve(cfg.apismith_port, apismith::router(apismith.clone())).await?;
    let (s_addr, s) = serve(
        cfg.schedulehub_port,
        schedulehub::router(schedulehub.clone()),
    )
    .await?;
    Ok(SimHandle {
        apismith_url: format!("http://{a_addr}"),
        schedulehub_url: format!("http://{s_addr}"),
        apismith,
        schedulehub,
        servers: vec![a, s],
    })
}

impl SimHandle {
    pub fn set_apismith_faults(&self, f: Faults) {
        self.apismith.common.set_faults(f);
    }
    pub fn set_schedulehub_faults(&self, f: Faults) {
        self.schedulehub.common.set_faults(f);
    }
    pub fn reset_faults(&self) {
        self.set_apismith_faults(Faults::default());
        self.set_schedulehub_faults(Faults::default());
    }
    /// Invalidates every access token of both services, so the next call gets `401`.
    pub fn expire_tokens(&self) {
        self.apismith.common.expire_tokens();
        self.schedulehub.common.expire_tokens();
    }
    /// Changes APISmith's data (see [`Mutation`]).
    pub fn mutate(&self, m: &Mutation) -> Result<MutationResult, String> {
        self.apismith.mutate(m)
    }
    /// Requests received per route (`"POST /api/v1/runtime/{slug}/execute"` → n).
    pub fn apismith_request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.apismith
            .common
            .faults
            .lock()
            .expect("fault state poisoned")
            .counts
            .clone()
    }
    pub fn schedulehub_request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.schedulehub
            .common
            .faults
            .lock()
            .expect("fault state poisoned")
            .counts
            .clone()
    }
    /// `{"entities": {name: {records, duplicate_records, duplicates}}, "missing_parents": [...]}`.
    pub fn schedulehub_state(&self) -> Value {
        self.schedulehub
            .hub
            .lock()
            .expect("schedulehub store poisoned")
            .state()
    }
    pub fn schedulehub_records(&self, entity: &str) -> Vec<serde_json::Map<String, Value>> {
        self.schedulehub
            .hub
            .lock()
            .expect("schedulehub store poisoned")
            .records(entity)
    }

    /// Stops accepting requests and waits up to two seconds for running ones (hanging requests are cut).
    pub async fn shutdown(mut self) {
        for s in &mut self.servers {
            if let Some(tx) = s.stop.take() {
                let _ = tx.send(());
            }
        }
        for s in &mut self.servers {
            if tokio::time::timeout(Duration::from_secs(2), &mut s.task)
                .await
                .is_err()
            {
                s.task.abort();
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        for s in &self.servers {
            s.task.abort();
        }
    }
}
