use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use syncflow_core::error::ErrorCode;
use syncflow_core::model::Settings;
use syncflow_core::store::settings::typed;

/// "Try with demo data": simulators inside the app, two connections and three entities, ready to sync.
#[tauri::command]
#[specta::specta]
pub async fn demo_start(state: tauri::State<'_, AppState>) -> ApiResult<Settings> {
    let mut demo = state.demo.lock().await;
    if demo.is_none() {
        let sim = crate::demo::start(&state.flow).await.map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("could not start the demo: {e:#}"),
            )
        })?;
        *demo = Some(sim);
    }
    Ok(typed::load(&state.db)?)
}

/// "Remove demo data" (after the planner confirmed): simulators stopped, demo connections, entities and their state
/// deleted, demo mode off.
#[tauri::command]
#[specta::specta]
pub async fn demo_remove(
    state: tauri::State<'_, AppState>,
) -> ApiResult<syncflow_core::store::removal::Removed> {
    let mut demo = state.demo.lock().await;
    let db = state.db.clone();
    let mut sim = demo.take();
    let result = tauri::async_runtime::spawn_blocking(move || {
        let r = crate::demo::remove(&db, &mut sim);
        (r, sim)
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("background task failed: {e}")))?;
    // Refused (a demo run in progress): the simulators keep running for it.
    *demo = result.1;
    Ok(result.0?)
}
