//! The one error shape the web view receives: `{code, message}`. The code says what the UI can do about it.

use serde::Serialize;
use syncflow_core::error::{Coded, ErrorCode};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<syncflow_core::store::StoreError> for ApiError {
    fn from(e: syncflow_core::store::StoreError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        ApiError::new(ErrorCode::Internal, e.to_string())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Runs blocking core work (SQLite, files) off the async runtime's worker threads.
pub async fn blocking<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> ApiResult<T>
where
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
{
    match tauri::async_runtime::spawn_blocking(f).await {
        Ok(result) => result.map_err(Into::into),
        Err(e) => Err(ApiError::new(
            ErrorCode::Internal,
            format!("background task failed: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ui_receives_a_snake_case_code_and_the_message() {
        let e: ApiError =
            syncflow_core::store::StoreError::NotFound("entity 'items' does not exist".into())
                .into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_found", "message": "entity 'items' does not exist"})
        );
    }
}
