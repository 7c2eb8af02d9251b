//! Login, refresh and bearer-token checks, identical for both simulators (the contracts share them). Tokens expire
//! by age or, under fault injection, after N calls; an unknown or expired token gets `401`.

use crate::faults::detail;
use crate::Common;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Access {
    issued: Instant,
    calls: u64,
}

#[derive(Debug, Default)]
pub struct Tokens {
    access: HashMap<String, Access>,
    refresh: HashSet<String>,
}

fn new_token(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::now_v7().simple())
}

impl Tokens {
    fn issue(&mut self) -> String {
        let t = new_token("at");
        self.access.insert(
            t.clone(),
            Access {
                issued: Instant::now(),
                calls: 0,
            },
        );
        t
    }

    /// Expires every access token now (control endpoint), so the next call must refresh.
    pub fn expire_all(&mut self) {
        self.access.clear();
    }
}

/// Parses a JSON body, answering `422 {"detail"}` instead of axum's plain-text rejection.
// The error is the handler's finished answer; boxing it would only add an allocation on the error path.
#[allow(clippy::result_large_err)]
pub fn parse_body<'a, T: serde::Deserialize<'a>>(body: &'a Bytes) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| {
        detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("invalid request body: {e}"),
        )
    })
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

#[derive(Deserialize)]
struct RefreshBody {
    refresh_token: String,
}

pub async fn login(State(common): State<Arc<Common>>, body: Bytes) -> Response {
    let b: LoginBody = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if b.username != common.username || b.password != common.password {
        return detail(StatusCode::UNAUTHORIZED, "invalid username or password");
    }
    let mut tokens = common.tokens.lock().expect("token state poisoned");
    let access = tokens.issue();
    let refresh = new_token("rt");
    tokens.refresh.insert(refresh.clone());
    Json(
        json!({"access_token": access, "refresh_token": refresh, "token_type": "bearer",
                "expires_in": common.token_ttl.as_secs()}),
    )
    .into_response()
}

pub async fn refresh(State(common): State<Arc<Common>>, body: Bytes) -> Response {
    let b: RefreshBody = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut tokens = common.tokens.lock().expect("token state poisoned");
    if !tokens.refresh.contains(&b.refresh_token) {
        return detail(StatusCode::UNAUTHORIZED, "invalid refresh token");
    }
    let access = tokens.issue();
    Json(json!({"access_token": access, "token_type": "bearer", "expires_in": common.token_ttl.as_secs()})).into_response()
}

/// Middleware for every authenticated route.
pub async fn require_bearer(
    State(common): State<Arc<Common>>,
    req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(token) = token else {
        return detail(StatusCode::UNAUTHORIZED, "missing bearer token");
    };
    if common.static_token.as_deref() != Some(token.as_str()) {
        let limit = common
            .faults
            .lock()
            .expect("fault state poisoned")
            .faults
            .token_expires_after_calls;
        let mut tokens = common.tokens.lock().expect("token state poisoned");
        let ok = match tokens.access.get_mut(&token) {
            None => false,
            Some(a) if a.issued.elapsed() > common.token_ttl => false,
            Some(a) if limit.is_some_and(|n| a.calls >= n) => false,
            Some(a) => {
                a.calls += 1;
                true
            }
        };
        if !ok {
            tokens.access.remove(&token);
            return detail(StatusCode::UNAUTHORIZED, "token expired or unknown");
        }
    }
    next.run(req).await
}

pub const DEFAULT_TTL: Duration = Duration::from_secs(1800);
