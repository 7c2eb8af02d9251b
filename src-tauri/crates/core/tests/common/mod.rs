//! Shared setup for the contract tests: the in-process simulators and clients pointed at them.
#![allow(dead_code)] // each test file uses a different subset

use std::time::Duration;
use syncflow_core::http::{ConnectionConfig, Credentials, RetryPolicy};
use syncflow_core::secrets::Secret;
use syncflow_sim::{SimConfig, SimHandle};

pub async fn sim(items: u64) -> SimHandle {
    syncflow_sim::start(SimConfig {
        items,
        seed: 7,
        ..SimConfig::default()
    })
    .await
    .expect("simulators start")
}

/// Short backoff so retry tests take milliseconds, not seconds; the attempt limit stays the contract's 5.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        ..RetryPolicy::default()
    }
}

pub fn login_config(url: &str, password: &str) -> ConnectionConfig {
    let mut cfg = ConnectionConfig::new(
        url,
        Credentials::Login {
            username: "sync".into(),
            password: Secret::new(password),
        },
    );
    cfg.retry = fast_retry();
    cfg
}

pub fn cancel() -> tokio_util::sync::CancellationToken {
    tokio_util::sync::CancellationToken::new()
}

/// Requests the simulator counted for a route key such as `"POST /api/v1/auth/login"`.
pub fn count(counts: &std::collections::BTreeMap<String, u64>, route: &str) -> u64 {
    counts.get(route).copied().unwrap_or(0)
}
