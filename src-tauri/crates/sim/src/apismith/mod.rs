//! The APISmith simulator: discovery (A2–A4), paged execute (A5) over generated data, and `/_sim/` controls for
//! mutations, faults and state. Routes and handlers live here; data, queries and generation in the submodules.

pub mod catalog;
pub mod dataset;
pub mod generate;
pub mod query;
pub mod schema;

use crate::faults::detail;
use crate::{auth, faults, rng::SeqRng, Common};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use catalog::Kind;
use dataset::Dataset;
use generate::{fmt_rv, Generator, BUMP_RV};
use query::{ExecuteRequest, RowJson};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

/// About the size of an item row's JSON text: the first guess for a page's body.
const ROW_BYTES: usize = 400;

pub struct ApiSmith {
    pub common: Arc<Common>,
    pub gen: Generator,
    data: RwLock<HashMap<Kind, Dataset>>,
    /// Next bumped rowversion; shared by all APIs like an Oracle SCN.
    next_rv: Mutex<u64>,
    picker: Mutex<SeqRng>,
    /// Column changes made through `/_sim/schema`.
    drift: RwLock<HashMap<Kind, schema::Drift>>,
}

/// `POST /_sim/mutate`: counts pick random live rows (seeded); `*_rows` name row indices exactly.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mutation {
    pub slug: String,
    pub update: u64,
    pub delete: u64,
    pub insert: u64,
    pub bump: u64,
    pub update_rows: Vec<u64>,
    pub delete_rows: Vec<u64>,
    pub bump_rows: Vec<u64>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct MutationResult {
    pub updated: Vec<u64>,
    pub deleted: Vec<u64>,
    pub inserted: Vec<u64>,
    pub bumped: Vec<u64>,
    pub total_rows: u64,
    pub max_rowversion: String,
}

impl ApiSmith {
    pub fn new(common: Arc<Common>, gen: Generator, items: u64) -> Self {
        let sizes = [
            (Kind::Sites, gen.sites),
            (Kind::WorkAreas, gen.work_areas),
            (Kind::Items, items),
        ];
        let data = sizes
            .into_iter()
            .map(|(k, n)| (k, Dataset::new(k, n)))
            .collect();
        let picker = Mutex::new(SeqRng::new(gen.seed ^ 0xA5A5));
        Self {
            common,
            gen,
            data: RwLock::new(data),
            next_rv: Mutex::new(BUMP_RV),
            picker,
            drift: RwLock::default(),
        }
    }

    fn drift_of(&self, kind: Kind) -> schema::Drift {
        self.drift
            .read()
            .expect("schema lock poisoned")
            .get(&kind)
            .cloned()
            .unwrap_or_default()
    }

    /// The A3/A4 definition of an API as it stands (catalogue plus `/_sim/schema` changes).
    pub fn definition(&self, kind: Kind) -> serde_json::Value {
        self.drift_of(kind).definition(catalog::definition(kind))
    }

    pub fn change_schema(&self, c: &schema::SchemaChange) -> Result<(), String> {
        let kind = Kind::from_slug(&c.slug).ok_or_else(|| format!("unknown slug: {}", c.slug))?;
        self.drift
            .write()
            .expect("schema lock poisoned")
            .entry(kind)
            .or_default()
            .apply(c);
        Ok(())
    }

    pub fn mutate(&self, m: &Mutation) -> Result<MutationResult, String> {
        let kind = Kind::from_slug(&m.slug).ok_or_else(|| format!("unknown slug: {}", m.slug))?;
        let mut data = self.data.write().expect("dataset lock poisoned");
        let ds = data.get_mut(&kind).expect("every kind has a dataset");
        let mut next_rv = self.next_rv.lock().expect("rowversion lock poisoned");
        let mut rng = self.picker.lock().expect("picker lock poisoned");
        let mut pick = |ds: &Dataset, n: u64, explicit: &[u64]| -> Vec<u64> {
            let mut out: Vec<u64> = explicit
                .iter()
                .copied()
                .filter(|&i| ds.is_live(i))
                .collect();
            for _ in 0..n {
                // Rejection sampling over the index space; gives up only when nearly every row is deleted.
                if let Some(i) = (0..64)
                    .map(|_| rng.below(ds.index_space()))
                    .find(|&i| ds.is_live(i))
                {
                    out.push(i);
                }
            }
            out
        };
        let mut rv = || {
            *next_rv += 1;
            *next_rv
        };
        let mut res = MutationResult::default();
        for i in pick(ds, m.update, &m.update_rows) {
            ds.update(i, rv());
            res.updated.push(i);
        }
        for i in pick(ds, m.bump, &m.bump_rows) {
            ds.bump(i, rv());
            res.bumped.push(i);
        }
        for i in pick(ds, m.delete, &m.delete_rows) {
            ds.delete(i);
            res.deleted.push(i);
        }
        for _ in 0..m.insert {
            res.inserted.push(ds.insert(rv()));
        }
        res.total_rows = ds.live_rows();
        res.max_rowversion = fmt_rv(ds.max_rv());
        Ok(res)
    }

    /// Rows, total and rowversion ceiling per slug, for `/_sim/state`.
    pub fn summary(&self) -> BTreeMap<&'static str, serde_json::Value> {
        let data = self.data.read().expect("dataset lock poisoned");
        data.values()
            .map(|d| {
                (
                    d.kind.slug(),
                    json!({"total_rows": d.live_rows(), "max_rowversion": fmt_rv(d.max_rv())}),
                )
            })
            .collect()
    }

    fn execute(&self, slug: &str, req: &ExecuteRequest) -> Response {
        let started = Instant::now();
        let Some(kind) = Kind::from_slug(slug) else {
            return detail(StatusCode::NOT_FOUND, format!("API not found: {slug}"));
        };
        if req.page == 0 || req.page_size == 0 || req.page_size > 10_000 {
            return detail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "page must be >= 1 and page_size between 1 and 10000",
            );
        }
        let drift = self.drift_of(kind);
        if let Err(e) = query::check_fields(|f| drift.knows(kind, f), req) {
            return Json(json!({"success": false, "error": e, "data": []})).into_response();
        }
        let (total, refs) = {
            let data = self.data.read().expect("dataset lock poisoned");
            let ds = &data[&kind];
            match query::rv_range(&req.filters, req.sort.as_ref()) {
                Some(range) => ds.page(
                    range,
                    (req.page - 1).saturating_mul(req.page_size),
                    req.page_size,
                ),
                None => match query::scan(ds, &self.gen, req) {
                    Ok(p) => p,
                    Err(e) => {
                        return Json(json!({"success": false, "error": e, "data": []}))
                            .into_response()
                    }
                },
            }
        };
        // Rows are generated outside the lock (mutations never wait for a page to serialise), each written into
        // the body as soon as it is made: one buffer sized for the page, no tree of the whole page.
        let mut body = Vec::with_capacity(128 + refs.len() * ROW_BYTES);
        body.extend_from_slice(b"{\"success\":true,\"data\":[");
        for (i, r) in refs.iter().enumerate() {
            let mut row = self.gen.row(kind, r.idx, r.version, r.rv);
            drift.row(&mut row);
            if i > 0 {
                body.push(b',');
            }
            serde_json::to_writer(&mut body, &RowJson(&row)).expect("a row serialises");
        }
        let metadata = json!({"total_rows": total, "page": req.page, "page_size": req.page_size,
                              "execution_time_ms": started.elapsed().as_millis() as u64});
        body.extend_from_slice(b"],\"metadata\":");
        serde_json::to_writer(&mut body, &metadata).expect("metadata serialises");
        body.push(b'}');
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(
        json!({"status": "healthy", "service": "apismith-sim", "version": env!("CARGO_PKG_VERSION")}),
    )
}

async fn connectors() -> Json<serde_json::Value> {
    Json(catalog::connectors())
}

async fn list_apis(
    State(s): State<Arc<ApiSmith>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let num = |k: &str, d: u64| q.get(k).map(|v| v.parse::<u64>()).unwrap_or(Ok(d));
    let (Ok(page), Ok(page_size)) = (num("page", 1), num("page_size", 100)) else {
        return detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "page and page_size must be positive integers",
        );
    };
    if page == 0 || page_size == 0 {
        return detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "page and page_size must be positive integers",
        );
    }
    let defs: Vec<_> = Kind::ALL
        .into_iter()
        .map(|k| s.definition(k))
        .filter(|d| {
            q.get("connector_uid")
                .is_none_or(|c| d["connector_uid"] == c.as_str())
        })
        .filter(|d| {
            q.get("is_active")
                .is_none_or(|a| a.parse::<bool>().ok() == d["is_active"].as_bool())
        })
        .collect();
    let total = defs.len() as u64;
    let items: Vec<_> = defs
        .into_iter()
        .skip(((page - 1) * page_size) as usize)
        .take(page_size as usize)
        .collect();
    Json(
        json!({"items": items, "total": total, "page": page, "page_size": page_size,
                "total_pages": total.div_ceil(page_size)}),
    )
    .into_response()
}

async fn api_by_slug(State(s): State<Arc<ApiSmith>>, Path(slug): Path<String>) -> Response {
    match Kind::from_slug(&slug) {
        Some(k) => Json(s.definition(k)).into_response(),
        None => detail(StatusCode::NOT_FOUND, format!("API not found: {slug}")),
    }
}

async fn execute(
    State(s): State<Arc<ApiSmith>>,
    Path(slug): Path<String>,
    body: Bytes,
) -> Response {
    match auth::parse_body::<ExecuteRequest>(&body) {
        Ok(req) => s.execute(&slug, &req),
        Err(r) => r,
    }
}

async fn sim_mutate(State(s): State<Arc<ApiSmith>>, body: Bytes) -> Response {
    let m: Mutation = match auth::parse_body(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    match s.mutate(&m) {
        Ok(res) => Json(res).into_response(),
        Err(e) => detail(StatusCode::NOT_FOUND, e),
    }
}

async fn sim_schema(State(s): State<Arc<ApiSmith>>, body: Bytes) -> Response {
    let c: schema::SchemaChange = match auth::parse_body(&body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match s.change_schema(&c) {
        Ok(()) => Json(s.definition(Kind::from_slug(&c.slug).expect("checked"))).into_response(),
        Err(e) => detail(StatusCode::NOT_FOUND, e),
    }
}

async fn sim_state(State(s): State<Arc<ApiSmith>>) -> Json<serde_json::Value> {
    let counts = s
        .common
        .faults
        .lock()
        .expect("fault state poisoned")
        .counts
        .clone();
    Json(json!({"apis": s.summary(), "request_counts": counts}))
}

/// The APISmith router: contract routes (with fault injection and auth) plus `/_sim/` controls.
pub fn router(state: Arc<ApiSmith>) -> Router {
    let common = state.common.clone();
    let protected = Router::new()
        .route("/api/v1/connectors", get(connectors))
        .route("/api/v1/apis", get(list_apis))
        .route("/api/v1/apis/slug/{slug}", get(api_by_slug))
        .route("/api/v1/runtime/{slug}/execute", post(execute))
        .route_layer(from_fn_with_state(common.clone(), auth::require_bearer))
        .with_state(state.clone());
    let open = Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .with_state(common.clone());
    let control = Router::new()
        .route("/_sim/mutate", post(sim_mutate))
        .route("/_sim/schema", post(sim_schema))
        .route("/_sim/state", get(sim_state))
        .with_state(state);
    open.merge(protected)
        .route_layer(from_fn_with_state(common.clone(), faults::inject))
        .merge(control)
        .merge(crate::control_routes(common))
}
