use crate::error::{blocking, ApiError, ApiResult};
use crate::state::AppState;
use syncflow_core::error::Coded;
use syncflow_core::ids::RunId;
use syncflow_core::model::{RunFilter, RunSample, RunSummary};
use syncflow_core::pipeline::{RunError, RunOptions};
use syncflow_core::store::runs::{self, RunDetail};

impl From<RunError> for ApiError {
    fn from(e: RunError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

fn manual(full: bool) -> RunOptions {
    RunOptions {
        full,
        trigger: "manual".into(),
        row_budget: None,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn runs_list(
    state: tauri::State<'_, AppState>,
    filter: RunFilter,
) -> ApiResult<Vec<RunSummary>> {
    let db = state.db.clone();
    blocking(move || runs::list(&db, &filter)).await
}

/// Starts a run of one entity in the background and answers with its id; progress arrives as `sync-event`s.
#[tauri::command]
#[specta::specta]
pub async fn runs_start(
    state: tauri::State<'_, AppState>,
    entity_id: String,
    full: bool,
) -> ApiResult<String> {
    let handle = state.flow.start_run(&entity_id, manual(full))?;
    Ok(handle.run_id.to_string())
}

/// Runs every enabled entity, parents first, in the background.
#[tauri::command]
#[specta::specta]
pub async fn runs_sync_all(state: tauri::State<'_, AppState>, full: bool) -> ApiResult<()> {
    let flow = state.flow.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = flow.sync_all(manual(full)).await {
            tracing::error!(error = %e, "sync all stopped");
        }
    });
    Ok(())
}

fn run_id(text: &str) -> ApiResult<RunId> {
    text.parse().map_err(|_| {
        ApiError::new(
            syncflow_core::error::ErrorCode::Validation,
            format!("run_id: '{text}' is not a run id"),
        )
    })
}

#[tauri::command]
#[specta::specta]
pub async fn runs_cancel(state: tauri::State<'_, AppState>, run_id: String) -> ApiResult<bool> {
    let run = self::run_id(&run_id)?;
    Ok(state.flow.cancel(run)?)
}

/// One run's summary: counts, duration, watermarks and the report (errors included) it stored when it ended.
#[tauri::command]
#[specta::specta]
pub async fn runs_detail(
    state: tauri::State<'_, AppState>,
    run_id: String,
) -> ApiResult<RunDetail> {
    let run = self::run_id(&run_id)?;
    let db = state.db.clone();
    blocking(move || runs::detail(&db, run)).await
}

/// The run's rows/s samples, oldest first (recorded at its page checkpoints).
#[tauri::command]
#[specta::specta]
pub async fn runs_samples(
    state: tauri::State<'_, AppState>,
    run_id: String,
) -> ApiResult<Vec<RunSample>> {
    let run = self::run_id(&run_id)?;
    let db = state.db.clone();
    blocking(move || runs::samples(&db, run)).await
}
