//! Entities: list, discover from APISmith, create the picked ones, read and save one (the store validates).

use crate::error::{blocking, ApiError, ApiResult};
use crate::state::AppState;
use serde::Serialize;
use syncflow_core::config::EntityDef;
use syncflow_core::error::ErrorCode;
use syncflow_core::model::EntitySummary;
use syncflow_core::setup::EntityDetail;
use syncflow_core::store::entities;
use syncflow_core::store::removal::{self, Removed};

/// What saving an entity did.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EntitySaved {
    pub id: String,
    /// The change alters data hashes (mappings, keys, columns): offer a full refresh.
    pub hashes_changed: bool,
}

fn named(field: &str, value: &str) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::Validation,
            format!("{field}: choose a connection"),
        ));
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn entities_list(state: tauri::State<'_, AppState>) -> ApiResult<Vec<EntitySummary>> {
    let db = state.db.clone();
    blocking(move || entities::list(&db)).await
}

/// APISmith's APIs on `source` as entity definitions writing to `target` (not saved).
#[tauri::command]
#[specta::specta]
pub async fn entities_discover(
    state: tauri::State<'_, AppState>,
    source: String,
    target: String,
) -> ApiResult<Vec<EntityDef>> {
    named("source", &source)?;
    named("target", &target)?;
    Ok(state.flow.discover(&source, &target).await?)
}

/// Saves the discovered entities the planner picked; an existing name is refused with `conflict`.
#[tauri::command]
#[specta::specta]
pub async fn entities_create(
    state: tauri::State<'_, AppState>,
    defs: Vec<EntityDef>,
) -> ApiResult<Vec<String>> {
    if defs.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Validation,
            "defs: pick at least one API",
        ));
    }
    let flow = state.flow.clone();
    blocking(move || flow.create_entities(&defs)).await
}

#[tauri::command]
#[specta::specta]
pub async fn entities_get(
    state: tauri::State<'_, AppState>,
    entity: String,
) -> ApiResult<EntityDetail> {
    let flow = state.flow.clone();
    blocking(move || flow.entity_detail(&entity)).await
}

/// Saves an entity's definition (keys, strategy, parents, mappings, enabled); refused with every problem listed.
#[tauri::command]
#[specta::specta]
pub async fn entities_save(
    state: tauri::State<'_, AppState>,
    def: EntityDef,
) -> ApiResult<EntitySaved> {
    let db = state.db.clone();
    blocking(move || {
        entities::save(&db, &def).map(|(id, hashes_changed)| EntitySaved {
            id: id.to_string(),
            hashes_changed,
        })
    })
    .await
}

/// Removes an entity with its runs, failed records, parked children, schedule and record index; ScheduleHub keeps
/// what was loaded. Refused with `conflict` while it syncs or while other entities name it as their parent.
#[tauri::command]
#[specta::specta]
pub async fn entities_delete(
    state: tauri::State<'_, AppState>,
    entity: String,
) -> ApiResult<Removed> {
    let db = state.db.clone();
    blocking(move || removal::remove_entity(&db, &entity)).await
}
