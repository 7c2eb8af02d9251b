//! Connections: list, read, save (credential straight to the keychain), delete, test. The web view sends a
//! credential once and never gets it back: it sees only where the credential is (`CredentialState`).

use crate::error::{blocking, ApiError, ApiResult};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use syncflow_core::config::ConnectionDef;
use syncflow_core::error::ErrorCode;
use syncflow_core::model::{AuthKind, ConnectionKind, ConnectionSummary};
use syncflow_core::normalize::{DateOrder, DecimalSeparator};
use syncflow_core::secrets::Secret;
use syncflow_core::setup::{ConnectionCheck, CredentialState};
use syncflow_core::store::connections;

/// A connection as the planner edits it. `secret` is the password or token when the planner typed a new one.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInput {
    pub name: String,
    pub kind: ConnectionKind,
    pub base_url: String,
    pub auth_kind: AuthKind,
    pub username: Option<String>,
    pub secret: Option<String>,
    pub ca_file: Option<String>,
    pub decimal_separator: DecimalSeparator,
    pub date_order: DateOrder,
    pub source_timezone: Option<String>,
    /// True when adding: an existing connection of that name is then refused, not replaced.
    pub is_new: bool,
    /// When editing: the connection's name before this edit, if `name` changes it (a rename).
    pub renamed_from: Option<String>,
}

/// One stored connection with where its credential is and which entities use it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDetail {
    pub def: ConnectionDef,
    pub credential: CredentialState,
    pub used_by: Vec<String>,
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl ConnectionInput {
    /// The stored shape, checked for what only the UI can get wrong; the core checks the rest when saving.
    fn into_parts(self) -> ApiResult<(ConnectionDef, Option<Secret>, bool, Option<String>)> {
        if self.kind == ConnectionKind::Apismith && self.auth_kind == AuthKind::None {
            return Err(ApiError::new(
                ErrorCode::Validation,
                "auth kind: APISmith needs a login or a token, not 'none'",
            ));
        }
        let secret = self.secret.filter(|s| !s.is_empty()).map(Secret::new);
        let renamed_from = self
            .renamed_from
            .filter(|from| !self.is_new && *from != self.name);
        Ok((
            ConnectionDef {
                name: self.name,
                kind: self.kind,
                base_url: self.base_url.trim().to_owned(),
                auth_kind: self.auth_kind,
                username: text(self.username).filter(|_| self.auth_kind == AuthKind::Password),
                credential_key: None,
                secret_env: None,
                ca_file: text(self.ca_file),
                decimal_separator: self.decimal_separator,
                date_order: self.date_order,
                source_timezone: text(self.source_timezone),
            },
            secret,
            self.is_new,
            renamed_from,
        ))
    }
}

#[tauri::command]
#[specta::specta]
pub async fn connections_list(
    state: tauri::State<'_, AppState>,
) -> ApiResult<Vec<ConnectionSummary>> {
    let flow = state.flow.clone();
    blocking(move || flow.connection_summaries()).await
}

#[tauri::command]
#[specta::specta]
pub async fn connections_get(
    state: tauri::State<'_, AppState>,
    name: String,
) -> ApiResult<ConnectionDetail> {
    let flow = state.flow.clone();
    blocking(move || {
        let (_, def) = connections::get_by_name(&flow.db, &name)?;
        let credential = flow.credential_state(&def)?;
        let used_by = connections::users_of(&flow.db, &name)?;
        Ok::<_, ApiError>(ConnectionDetail {
            def,
            credential,
            used_by,
        })
    })
    .await
}

/// Creates or updates a connection (by name); a typed credential goes to the keychain, never to the database. An
/// edit that changes the name renames the connection first (its entities and credential follow), once every other
/// field has passed the checks, so a refused edit renames nothing.
#[tauri::command]
#[specta::specta]
pub async fn connections_save(
    state: tauri::State<'_, AppState>,
    input: ConnectionInput,
) -> ApiResult<()> {
    let (def, secret, new, renamed_from) = input.into_parts()?;
    let flow = state.flow.clone();
    blocking(move || -> ApiResult<()> {
        if let Some(from) = renamed_from {
            connections::check(&def)?;
            flow.rename_connection(&from, &def.name)?;
        }
        flow.save_connection(def, secret, new)?;
        Ok(())
    })
    .await
}

/// Deletes a connection and its keychain entry; refused with `conflict` while entities use it.
#[tauri::command]
#[specta::specta]
pub async fn connections_delete(state: tauri::State<'_, AppState>, name: String) -> ApiResult<()> {
    let flow = state.flow.clone();
    blocking(move || flow.delete_connection(&name)).await
}

/// Reachability, latency and the login result of a saved connection.
#[tauri::command]
#[specta::specta]
pub async fn connections_test(
    state: tauri::State<'_, AppState>,
    name: String,
) -> ApiResult<ConnectionCheck> {
    Ok(state.flow.check_connection(&name).await?)
}

/// The IANA time zone names a connection's source time zone may take.
#[tauri::command]
#[specta::specta]
pub fn connections_time_zones() -> Vec<String> {
    syncflow_core::setup::time_zones()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ConnectionInput {
        ConnectionInput {
            name: "erp".into(),
            kind: ConnectionKind::Apismith,
            base_url: " http://127.0.0.1:8007 ".into(),
            auth_kind: AuthKind::Password,
            username: Some(" sync ".into()),
            secret: Some("pw".into()),
            ca_file: Some("  ".into()),
            decimal_separator: DecimalSeparator::Comma,
            date_order: DateOrder::Mdy,
            source_timezone: Some("".into()),
            is_new: true,
            renamed_from: None,
        }
    }

    #[test]
    fn blank_optional_fields_become_none_and_the_secret_stays_out_of_the_definition() {
        let (def, secret, _, _) = input().into_parts().unwrap();
        assert_eq!(def.base_url, "http://127.0.0.1:8007");
        assert_eq!(def.username.as_deref(), Some("sync"));
        assert_eq!(def.ca_file, None, "a blank CA path means none");
        assert_eq!(def.source_timezone, None);
        assert_eq!(secret.unwrap().expose(), "pw");
        let json = serde_json::to_string(&def).unwrap();
        assert!(
            !json.contains("\"pw\""),
            "the stored definition never holds the secret: {json}"
        );
    }

    #[test]
    fn a_rename_is_an_edit_that_changes_the_name() {
        let edit = |from: &str, is_new: bool| {
            ConnectionInput {
                renamed_from: Some(from.into()),
                is_new,
                ..input()
            }
            .into_parts()
            .unwrap()
            .3
        };
        assert_eq!(edit("old-erp", false).as_deref(), Some("old-erp"));
        assert_eq!(edit("erp", false), None, "the same name renames nothing");
        assert_eq!(edit("old-erp", true), None, "adding never renames");
    }

    #[test]
    fn a_connection_entities_use_reaches_the_ui_as_a_conflict_with_the_message() {
        let refused = syncflow_core::store::StoreError::InUse(
            "connection 'erp' is used by entities items, sites: delete them or point them at another connection first"
                .into(),
        );
        let e: ApiError = syncflow_core::pipeline::RunError::from(refused).into();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({
                "code": "conflict",
                "message": "connection 'erp' is used by entities items, sites: delete them or point them at another connection first"
            })
        );
    }

    #[test]
    fn an_apismith_connection_without_authentication_is_refused_naming_the_field() {
        let e = ConnectionInput {
            auth_kind: AuthKind::None,
            ..input()
        }
        .into_parts()
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.starts_with("auth kind:"), "{}", e.message);
    }
}
