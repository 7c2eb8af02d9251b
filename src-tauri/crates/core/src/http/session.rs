//! One authenticated connection: sends a request with the bearer token, logs in when it has none, and on a `401`
//! refreshes (or logs in again) once and repeats the request once. Each attempt goes through the retry strategy.
//! Logs carry method, path, status, duration and size — never headers or bodies.

use super::config::{build_client, ConnectionConfig, Credentials};
use super::error::HttpError;
use super::retry::{with_retry, RetryPolicy};
use crate::secrets::Secret;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::Method;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A response with its status and whole body.
pub(crate) struct Reply {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: bytes::Bytes,
}

#[derive(Default)]
struct Tokens {
    access: Option<Secret>,
    refresh: Option<Secret>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
}

pub(crate) struct Session {
    service: &'static str,
    http: reqwest::Client,
    base: String,
    credentials: Credentials,
    tokens: tokio::sync::Mutex<Tokens>,
    retry: RetryPolicy,
    errors: Option<super::ErrorLog>,
}

/// The message of a reqwest error with its causes (TLS errors hide the useful part in the source chain).
fn chain(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

fn net_error(call: &str, e: &reqwest::Error) -> HttpError {
    let call = call.to_owned();
    if e.is_timeout() {
        HttpError::Timeout { call }
    } else if e.is_connect() {
        HttpError::Connect {
            call,
            message: chain(e),
        }
    } else {
        HttpError::Network {
            call,
            message: chain(e),
        }
    }
}

/// The server's `{"detail": ...}`, or the start of whatever it sent instead.
fn detail_of(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(m)) if m.contains_key("detail") => match &m["detail"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        },
        _ => {
            let text = String::from_utf8_lossy(body);
            let text: String = text.chars().take(200).collect();
            if text.trim().is_empty() {
                "(no detail)".into()
            } else {
                text
            }
        }
    }
}

/// Parses a JSON body, naming the call when it is not what the contract says. The body is checked as UTF-8 once,
/// as a whole, and parsed as text: parsing bytes checks every string separately (a page has tens of thousands). A
/// body that is not UTF-8 is parsed as bytes, for the parser's error with its position.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    call: &str,
    body: &[u8],
) -> Result<T, HttpError> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
    .map_err(|e| HttpError::Malformed {
        call: call.to_owned(),
        message: e.to_string(),
    })
}

impl Session {
    pub fn new(service: &'static str, cfg: &ConnectionConfig) -> Result<Self, HttpError> {
        let base = cfg.base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(HttpError::Config(format!(
                "{service} base URL must start with http:// or https://: {base}"
            )));
        }
        Ok(Self {
            service,
            http: build_client(cfg)?,
            base,
            credentials: cfg.credentials.clone(),
            tokens: tokio::sync::Mutex::default(),
            retry: cfg.retry.clone(),
            errors: cfg.errors.clone(),
        })
    }

    /// One contract call: retried when transient, authenticated when `auth`.
    pub async fn call(
        &self,
        cancel: &CancellationToken,
        call: &str,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        auth: bool,
    ) -> Result<Reply, HttpError> {
        let body = body.map(|b| encode(call, b)).transpose()?;
        self.call_encoded(cancel, call, method, path, body, auth)
            .await
    }

    /// A contract call whose body is any serializable value, encoded straight to bytes (a batch of records is not
    /// copied into a `serde_json::Value` tree first).
    pub async fn call_json<B: serde::Serialize + ?Sized>(
        &self,
        cancel: &CancellationToken,
        call: &str,
        method: Method,
        path: &str,
        body: &B,
        auth: bool,
    ) -> Result<Reply, HttpError> {
        let body = encode(call, body)?;
        self.call_encoded(cancel, call, method, path, Some(body), auth)
            .await
    }

    async fn call_encoded(
        &self,
        cancel: &CancellationToken,
        call: &str,
        method: Method,
        path: &str,
        body: Option<bytes::Bytes>,
        auth: bool,
    ) -> Result<Reply, HttpError> {
        with_retry(&self.retry, self.errors.as_ref(), cancel, call, || {
            self.attempt(call, &method, path, body.clone(), auth)
        })
        .await
    }

    /// The service's health document: `GET /api/v1/health`, without authentication (APISmith A1, ScheduleHub S1).
    pub async fn health(
        &self,
        cancel: &CancellationToken,
        call: &str,
    ) -> Result<serde_json::Value, HttpError> {
        let r = self
            .call(cancel, call, Method::GET, "/api/v1/health", None, false)
            .await?;
        parse(call, &r.body)
    }

    /// Forgets the tokens and logs in now (a connection test).
    pub async fn login(&self, cancel: &CancellationToken) -> Result<(), HttpError> {
        let call = format!("{} login", self.service);
        with_retry(&self.retry, self.errors.as_ref(), cancel, &call, || async {
            let mut t = self.tokens.lock().await;
            *t = Tokens::default();
            self.token_locked(&call, &mut t).await.map(|_| ())
        })
        .await
    }

    async fn attempt(
        &self,
        call: &str,
        method: &Method,
        path: &str,
        body: Option<bytes::Bytes>,
        auth: bool,
    ) -> Result<Reply, HttpError> {
        if !auth {
            return check(call, self.send(call, method, path, body, None).await?);
        }
        let token = {
            let mut t = self.tokens.lock().await;
            self.token_locked(call, &mut t).await?
        };
        let reply = self
            .send(call, method, path, body.clone(), Some(&token))
            .await?;
        if reply.status != 401 {
            return check(call, reply);
        }
        if matches!(self.credentials, Credentials::StaticToken(_)) {
            return Err(auth_error(call, &reply, "the static API token was refused"));
        }
        let token = self.renew(call, &token).await?;
        let reply = self.send(call, method, path, body, Some(&token)).await?;
        if reply.status == 401 {
            return Err(auth_error(
                call,
                &reply,
                "refused again after a token refresh",
            ));
        }
        check(call, reply)
    }

    /// The current access token, logging in first when there is none.
    async fn token_locked(&self, call: &str, t: &mut Tokens) -> Result<Secret, HttpError> {
        match &self.credentials {
            Credentials::StaticToken(s) => return Ok(s.clone()),
            Credentials::Login { .. } if t.access.is_some() => {
                return Ok(t.access.clone().expect("checked"))
            }
            Credentials::Login { username, password } => {
                let body = serde_json::json!({"username": username, "password": password.expose()});
                let reply = self.send_json(call, "/api/v1/auth/login", &body).await?;
                if reply.status == 401 {
                    return Err(auth_error(
                        call,
                        &reply,
                        "login refused: check the username and password",
                    ));
                }
                let tr: TokenResponse =
                    parse(&format!("{call} (login)"), &check(call, reply)?.body)?;
                t.access = Some(Secret::new(tr.access_token));
                t.refresh = tr.refresh_token.map(Secret::new);
            }
        }
        Ok(t.access.clone().expect("set above"))
    }

    /// A fresh token after `stale` got `401`: another task's refresh, the refresh token, or a new login.
    async fn renew(&self, call: &str, stale: &Secret) -> Result<Secret, HttpError> {
        let mut t = self.tokens.lock().await;
        if let Some(current) = t.access.as_ref().filter(|a| *a != stale) {
            return Ok(current.clone());
        }
        t.access = None;
        if let Some(refresh) = t.refresh.clone() {
            let body = serde_json::json!({"refresh_token": refresh.expose()});
            let reply = self.send_json(call, "/api/v1/auth/refresh", &body).await?;
            if reply.status != 401 {
                let tr: TokenResponse =
                    parse(&format!("{call} (refresh)"), &check(call, reply)?.body)?;
                t.access = Some(Secret::new(tr.access_token));
                return Ok(t.access.clone().expect("set above"));
            }
            // The refresh token expired too: the contract says log in again.
            t.refresh = None;
        }
        self.token_locked(call, &mut t).await
    }

    async fn send_json(
        &self,
        call: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<Reply, HttpError> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| HttpError::Config(format!("{call}: {e}")))?;
        self.send(call, &Method::POST, path, Some(bytes.into()), None)
            .await
    }

    async fn send(
        &self,
        call: &str,
        method: &Method,
        path: &str,
        body: Option<bytes::Bytes>,
        token: Option<&Secret>,
    ) -> Result<Reply, HttpError> {
        let started = Instant::now();
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(b);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t.expose());
        }
        let log_path = path.split('?').next().unwrap_or(path);
        let result = async {
            let resp = req.send().await.map_err(|e| net_error(call, &e))?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = resp.bytes().await.map_err(|e| net_error(call, &e))?;
            Ok(Reply {
                status,
                retry_after,
                body,
            })
        }
        .await;
        let ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(r) => {
                tracing::debug!(service = self.service, %method, path = log_path, status = r.status,
                                     duration_ms = ms, bytes = r.body.len(), "http request")
            }
            Err(e) => {
                tracing::debug!(service = self.service, %method, path = log_path, duration_ms = ms,
                                      error = %e, "http request failed")
            }
        }
        result
    }
}

fn encode<B: serde::Serialize + ?Sized>(call: &str, body: &B) -> Result<bytes::Bytes, HttpError> {
    serde_json::to_vec(body)
        .map(bytes::Bytes::from)
        .map_err(|e| HttpError::Config(format!("{call}: cannot encode body: {e}")))
}

fn auth_error(call: &str, reply: &Reply, what: &str) -> HttpError {
    HttpError::Auth {
        call: call.to_owned(),
        status: reply.status,
        detail: format!("{what}: {}", detail_of(&reply.body)),
    }
}

/// 2xx passes; 401/403 are authentication errors; anything else is a status error with the server's detail.
fn check(call: &str, reply: Reply) -> Result<Reply, HttpError> {
    match reply.status {
        200..=299 => Ok(reply),
        401 | 403 => Err(auth_error(call, &reply, "not authorised")),
        status => Err(HttpError::Status {
            call: call.to_owned(),
            status,
            detail: detail_of(&reply.body),
            retry_after: reply.retry_after,
        }),
    }
}
