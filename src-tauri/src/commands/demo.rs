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
