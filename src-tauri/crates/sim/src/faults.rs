//! Fault injection shared by both simulators: errors, rate limits, latency, hangs, malformed bodies and writes that
//! are applied but answered 503. Decisions come from a seeded generator, so a test sees the same faults every run;
//! `*_next` counters give exact sequences ("the next two calls answer 503").

use crate::rng::SeqRng;
use crate::Common;
use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// What to inject. Every field defaults to "no fault"; `POST /_sim/faults` takes this as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Seed of the fault generator; setting faults restarts it.
    pub seed: u64,
    /// Only routes whose path contains this text get faults (e.g. `"/execute"`, `"batch/insert"`).
    pub path_contains: Option<String>,
    /// Share of requests answered `503` with `{"detail"}`.
    pub error_rate: f64,
    /// The next N matching requests answer `503`.
    pub fail_next: u32,
    /// Share of requests answered `429`.
    pub rate_limit_rate: f64,
    /// The next N matching requests answer `429`.
    pub rate_limit_next: u32,
    /// `Retry-After` seconds sent with injected `429`/`503` (none when absent).
    pub retry_after_secs: Option<u64>,
    /// Added to every matching request.
    pub latency_ms: u64,
    /// Added after a matching request is handled, before its answer goes out: a write is applied, then answered
    /// late (a client that stops listening meanwhile does not know its outcome).
    pub answer_latency_ms: u64,
    /// Share of requests that never answer (until the client gives up).
    pub hang_rate: f64,
    /// The next N matching requests never answer.
    pub hang_next: u32,
    /// Access tokens stop working after this many authenticated calls each.
    pub token_expires_after_calls: Option<u64>,
    /// Share of responses whose body is cut in half (invalid JSON) with status 200.
    pub malformed_rate: f64,
    /// The next N matching responses are cut in half.
    pub malformed_next: u32,
    /// ScheduleHub: share of records refused per record (`value rejected by ScheduleHub`).
    pub reject_rate: f64,
    /// ScheduleHub: records with these `erp_key_hash` values are refused per record.
    pub reject_erp_key_hashes: Vec<String>,
    /// Writes (POST/PATCH/DELETE) are applied, then answered `503` — the "outcome unknown" case.
    pub applied_then_503_rate: f64,
    pub applied_then_503_next: u32,
}

#[derive(Debug, Default)]
pub struct FaultState {
    pub faults: Faults,
    pub rng: SeqRng,
    /// Requests received per route (`"POST /api/v1/{entity}/batch/insert"`).
    pub counts: BTreeMap<String, u64>,
}

impl Default for SeqRng {
    fn default() -> Self {
        SeqRng::new(0)
    }
}

impl FaultState {
    pub fn set(&mut self, faults: Faults) {
        self.rng = SeqRng::new(faults.seed);
        self.faults = faults;
    }

    /// Per-record rejection decision (ScheduleHub writes).
    pub fn reject(&mut self, erp_key_hash: &str) -> bool {
        self.faults
            .reject_erp_key_hashes
            .iter()
            .any(|h| h == erp_key_hash)
            || {
                let p = self.faults.reject_rate;
                self.rng.chance(p)
            }
    }
}

/// `{"detail": msg}` with a status: the error shape of both contracts.
pub fn detail(status: StatusCode, msg: impl Into<String>) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "detail": msg.into() })),
    )
        .into_response()
}

#[derive(Default)]
struct Plan {
    latency: Duration,
    answer_latency: Duration,
    hang: bool,
    status: Option<StatusCode>,
    malformed: bool,
    applied_then_503: bool,
    retry_after: Option<u64>,
}

fn take(counter: &mut u32) -> bool {
    if *counter > 0 {
        *counter -= 1;
        true
    } else {
        false
    }
}

fn plan(st: &mut FaultState, path: &str, is_write: bool) -> Plan {
    let f = &mut st.faults;
    if f.path_contains
        .as_deref()
        .is_some_and(|p| !path.contains(p))
    {
        return Plan::default();
    }
    let mut p = Plan {
        latency: Duration::from_millis(f.latency_ms),
        answer_latency: Duration::from_millis(f.answer_latency_ms),
        retry_after: f.retry_after_secs,
        ..Plan::default()
    };
    let rng = &mut st.rng;
    if take(&mut f.hang_next) || rng.chance(f.hang_rate) {
        p.hang = true;
    } else if take(&mut f.fail_next) || rng.chance(f.error_rate) {
        p.status = Some(StatusCode::SERVICE_UNAVAILABLE);
    } else if take(&mut f.rate_limit_next) || rng.chance(f.rate_limit_rate) {
        p.status = Some(StatusCode::TOO_MANY_REQUESTS);
    } else if is_write
        && (take(&mut f.applied_then_503_next) || rng.chance(f.applied_then_503_rate))
    {
        p.applied_then_503 = true;
    } else if take(&mut f.malformed_next) || rng.chance(f.malformed_rate) {
        p.malformed = true;
    }
    p
}

fn unavailable(status: StatusCode, retry_after: Option<u64>, msg: &str) -> Response {
    let mut resp = detail(status, msg);
    if let Some(secs) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// Middleware on every contract route: counts the request, then injects whatever the fault plan says.
pub async fn inject(State(common): State<Arc<Common>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let path = req.uri().path().to_owned();
    let is_write =
        req.method() != Method::GET && !path.contains("/auth/") && !path.ends_with("/batch/query");
    let plan = {
        let mut st = common.faults.lock().expect("fault state poisoned");
        *st.counts
            .entry(format!("{} {route}", req.method()))
            .or_default() += 1;
        plan(&mut st, &path, is_write)
    };
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    if plan.hang {
        // Long enough that only the client's read timeout ends it; shutdown aborts the task.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if let Some(status) = plan.status {
        let msg = if status == StatusCode::TOO_MANY_REQUESTS {
            "rate limit exceeded"
        } else {
            "service unavailable"
        };
        return unavailable(status, plan.retry_after, msg);
    }
    let resp = next.run(req).await;
    if !plan.answer_latency.is_zero() {
        tokio::time::sleep(plan.answer_latency).await;
    }
    if plan.applied_then_503 {
        return unavailable(
            StatusCode::SERVICE_UNAVAILABLE,
            plan.retry_after,
            "service unavailable (write applied)",
        );
    }
    if plan.malformed {
        let (mut parts, body) = resp.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
        let cut = bytes.slice(..bytes.len() / 2);
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.status = StatusCode::OK;
        return Response::from_parts(parts, Body::from(cut));
    }
    resp
}
