//! The ScheduleHub simulator: batch query/insert/update/delete (S2–S5), lookup by hash (S6) and single-record forms
//! (S7) over an in-memory store, with per-record failures answered `200`, plus `/_sim/` state and record dumps.

pub mod store;

use crate::faults::detail;
use crate::{auth, faults, Common};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::{Facts, Hub};

pub const MAX_BATCH: usize = 1000;

pub struct ScheduleHub {
    pub common: Arc<Common>,
    pub hub: Mutex<Hub>,
}

#[derive(Deserialize)]
struct QueryBody {
    erp_key_hashes: Vec<String>,
}
#[derive(Deserialize)]
struct InsertBody<'a> {
    #[serde(borrow)]
    records: Vec<&'a RawValue>,
}
#[derive(Deserialize)]
struct UpdateItem {
    uid: String,
    data: Map<String, Value>,
}
#[derive(Deserialize)]
struct UpdateBody {
    updates: Vec<UpdateItem>,
}
#[derive(Deserialize)]
struct DeleteBody {
    uids: Vec<String>,
}

impl ScheduleHub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Hub> {
        self.hub.lock().expect("schedulehub store poisoned")
    }

    fn rejected(&self, key_hash: &str) -> bool {
        self.common
            .faults
            .lock()
            .expect("fault state poisoned")
            .reject(key_hash)
    }
}

/// Parses the body and checks the entity and the batch size; `Err` is the whole-request answer. The store is not
/// locked while the body is parsed.
#[allow(clippy::result_large_err)] // the finished answer, as in `auth::parse_body`
fn prepare<'a, T: Deserialize<'a>>(
    s: &ScheduleHub,
    entity: &str,
    body: &'a Bytes,
    len: impl Fn(&T) -> usize,
) -> Result<T, Response> {
    if !s.lock().knows(entity) {
        return Err(detail(
            StatusCode::NOT_FOUND,
            format!("unknown entity: {entity}"),
        ));
    }
    let b: T = auth::parse_body(body)?;
    if len(&b) > MAX_BATCH {
        return Err(detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("at most {MAX_BATCH} items per request"),
        ));
    }
    Ok(b)
}

/// A `200` answer whose JSON text is already written.
fn json_text(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

async fn health() -> Json<Value> {
    Json(json!({"status": "healthy"}))
}

async fn batch_query(
    State(s): State<Arc<ScheduleHub>>,
    Path(entity): Path<String>,
    body: Bytes,
) -> Response {
    match prepare(&s, &entity, &body, |b: &QueryBody| b.erp_key_hashes.len()) {
        Ok(b) => json_text(StatusCode::OK, s.lock().query(&entity, &b.erp_key_hashes)),
        Err(r) => r,
    }
}

#[derive(Serialize)]
struct InsertResult<'a> {
    erp_key_hash: &'a str,
    uid: String,
}

#[derive(Serialize)]
struct InsertFailure {
    record: Value,
    error: String,
}

#[derive(Serialize)]
struct InsertAnswer<'a> {
    success_count: usize,
    failure_count: usize,
    results: Vec<InsertResult<'a>>,
    failures: Vec<InsertFailure>,
}

async fn batch_insert(
    State(s): State<Arc<ScheduleHub>>,
    Path(entity): Path<String>,
    body: Bytes,
) -> Response {
    let b = match prepare(&s, &entity, &body, |b: &InsertBody| b.records.len()) {
        Ok(b) => b,
        Err(r) => return r,
    };
    // Each record's facts are read from its text before the store is locked.
    let facts: Vec<Facts> = b.records.iter().map(|r| Facts::read(r.get())).collect();
    // Injected refusals are decided for the whole batch first (the same seeded sequence, one lock), then the batch
    // is applied in order under one lock of the store, so a parent earlier in the batch satisfies its children.
    let rejected: Vec<bool> = {
        let mut faults = s.common.faults.lock().expect("fault state poisoned");
        facts.iter().map(|f| faults.reject(f.key_hash())).collect()
    };
    let now = store::now();
    let mut answer = InsertAnswer {
        success_count: 0,
        failure_count: 0,
        results: Vec::with_capacity(b.records.len()),
        failures: Vec::new(),
    };
    let mut refused = Vec::new();
    {
        let mut hub = s.lock();
        for ((raw, f), rejected) in b.records.iter().zip(&facts).zip(rejected) {
            match hub.check(f, rejected) {
                Ok(key) => {
                    let (uid, _) = hub.insert(&entity, raw, f, key, &now);
                    answer.results.push(InsertResult {
                        erp_key_hash: f.key_hash(),
                        uid: uuid::Uuid::from_u128(uid).hyphenated().to_string(),
                    });
                }
                Err(e) => refused.push((*raw, e)),
            }
        }
    }
    answer.failures = refused
        .into_iter()
        .map(|(raw, error)| InsertFailure {
            record: serde_json::from_str(raw.get()).unwrap_or(Value::Null),
            error,
        })
        .collect();
    answer.success_count = answer.results.len();
    answer.failure_count = answer.failures.len();
    Json(answer).into_response()
}

async fn batch_update(
    State(s): State<Arc<ScheduleHub>>,
    Path(entity): Path<String>,
    body: Bytes,
) -> Response {
    let b = match prepare(&s, &entity, &body, |b: &UpdateBody| b.updates.len()) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (mut ok, mut failures) = (0usize, Vec::new());
    for u in b.updates {
        match apply_update(&s, &entity, &u.uid, &u.data) {
            Ok(_) => ok += 1,
            Err((_, e)) => failures.push(json!({"uid": u.uid, "error": e})),
        }
    }
    Json(json!({"success_count": ok, "failure_count": failures.len(), "failures": failures}))
        .into_response()
}

fn apply_update(
    s: &ScheduleHub,
    entity: &str,
    uid: &str,
    data: &Map<String, Value>,
) -> Result<Value, (StatusCode, String)> {
    let rejected = s.rejected(
        data.get("erp_key_hash")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    let mut hub = s.lock();
    let Some(mut merged) = hub.get(entity, uid) else {
        return Err((StatusCode::NOT_FOUND, format!("unknown uid: {uid}")));
    };
    merged.extend(data.clone());
    let merged = Value::Object(merged);
    let key = hub
        .check(&Facts::of_value(&merged), rejected)
        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e))?;
    Ok(Value::Object(
        hub.update(entity, uid, data, key).expect("checked above"),
    ))
}

async fn batch_delete(
    State(s): State<Arc<ScheduleHub>>,
    Path(entity): Path<String>,
    body: Bytes,
) -> Response {
    let b = match prepare(&s, &entity, &body, |b: &DeleteBody| b.uids.len()) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut hub = s.lock();
    let (mut ok, mut failures) = (0usize, Vec::new());
    for uid in b.uids {
        if hub.delete(&entity, &uid) {
            ok += 1;
        } else {
            failures.push(json!({"uid": uid, "error": format!("unknown uid: {uid}")}));
        }
    }
    Json(json!({"success_count": ok, "failure_count": failures.len(), "failures": failures}))
        .into_response()
}

async fn by_hash(
    State(s): State<Arc<ScheduleHub>>,
    Path(entity): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let hub = s.lock();
    if !hub.knows(&entity) {
        return detail(StatusCode::NOT_FOUND, format!("unknown entity: {entity}"));
    }
    let Some(h) = q.get("erp_key_hash") else {
        return detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "query parameter erp_key_hash is required",
        );
    };
    json_text(StatusCode::OK, hub.query(&entity, std::slice::from_ref(h)))
}

async fn single_insert(
    State(s): State<Arc<ScheduleHub>>,
    Path(entity): Path<String>,
    body: Bytes,
) -> Response {
    let raw: &RawValue = match prepare(&s, &entity, &body, |_: &&RawValue| 1) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let facts = Facts::read(raw.get());
    let rejected = s.rejected(facts.key_hash());
    let now = store::now();
    let mut hub = s.lock();
    match hub.check(&facts, rejected) {
        Ok(key) => {
            let (_, stored) = hub.insert(&entity, raw, &facts, key, &now);
            json_text(StatusCode::CREATED, stored.to_owned())
        }
        Err(e) => detail(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

async fn single_patch(
    State(s): State<Arc<ScheduleHub>>,
    Path((entity, uid)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let data: Map<String, Value> = match prepare(&s, &entity, &body, |_: &Map<String, Value>| 1) {
        Ok(d) => d,
        Err(r) => return r,
    };
    match apply_update(&s, &entity, &uid, &data) {
        Ok(rec) => Json(rec).into_response(),
        Err((status, e)) => detail(status, e),
    }
}

async fn single_delete(
    State(s): State<Arc<ScheduleHub>>,
    Path((entity, uid)): Path<(String, String)>,
) -> Response {
    let mut hub = s.lock();
    if !hub.knows(&entity) {
        return detail(StatusCode::NOT_FOUND, format!("unknown entity: {entity}"));
    }
    if hub.delete(&entity, &uid) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        detail(StatusCode::NOT_FOUND, format!("unknown uid: {uid}"))
    }
}

async fn sim_state(State(s): State<Arc<ScheduleHub>>) -> Json<Value> {
    let mut state = s.lock().state();
    let counts = s
        .common
        .faults
        .lock()
        .expect("fault state poisoned")
        .counts
        .clone();
    state["request_counts"] = json!(counts);
    Json(state)
}

async fn sim_records(State(s): State<Arc<ScheduleHub>>, Path(entity): Path<String>) -> Json<Value> {
    Json(json!(s.lock().records(&entity)))
}

async fn sim_reset(State(s): State<Arc<ScheduleHub>>) -> StatusCode {
    s.lock().clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct EntityBody {
    name: String,
}

async fn sim_add_entity(State(s): State<Arc<ScheduleHub>>, body: Bytes) -> Response {
    match auth::parse_body::<EntityBody>(&body) {
        Ok(b) => {
            s.lock().add_entity(b.name);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => r,
    }
}

/// The ScheduleHub router: contract routes (with fault injection and auth) plus `/_sim/` controls.
pub fn router(state: Arc<ScheduleHub>) -> Router {
    let common = state.common.clone();
    let protected = Router::new()
        .route("/api/v1/{entity}/batch/query", post(batch_query))
        .route("/api/v1/{entity}/batch/insert", post(batch_insert))
        .route("/api/v1/{entity}/batch/update", post(batch_update))
        .route("/api/v1/{entity}/batch/delete", post(batch_delete))
        .route("/api/v1/{entity}", get(by_hash).post(single_insert))
        .route(
            "/api/v1/{entity}/{uid}",
            axum::routing::patch(single_patch).delete(single_delete),
        )
        .route_layer(from_fn_with_state(common.clone(), auth::require_bearer))
        .with_state(state.clone());
    let open = Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .with_state(common.clone());
    let control = Router::new()
        .route("/_sim/state", get(sim_state))
        .route("/_sim/records/{entity}", get(sim_records))
        .route("/_sim/reset", post(sim_reset))
        .route("/_sim/entities", post(sim_add_entity))
        .with_state(state);
    open.merge(protected)
        .route_layer(from_fn_with_state(common.clone(), faults::inject))
        .merge(control)
        .merge(crate::control_routes(common))
}
