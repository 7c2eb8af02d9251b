//! The planner's configuration actions behind the Connections, Entities and Field-mappings screens: a connection
//! saved together with its credential (keychain, never the database), deleted with it, tested; entities created
//! from discovery; and the live preview that runs a fresh first page through the real normalization and identity.

use crate::app::SyncFlow;
use crate::config::{ConnectionDef, EntityDef};
use crate::discovery::SchemaDrift;
use crate::http::{ConnectionConfig, Credentials, HttpError, RetryPolicy};
use crate::ids::ConnectionId;
use crate::model::{AuthKind, ConnectionKind, ConnectionSummary};
use crate::normalize::{validate_entity_config, EntityConfig};
use crate::pipeline::context::{client_config, default_credential_key, normalize_options};
use crate::pipeline::transform::{error_type, model_stage, Transformer};
use crate::pipeline::RunError;
use crate::secrets::{Secret, SecretError};
use crate::sink::schedulehub::ScheduleHubClient;
use crate::source::apismith::{ApiSmithClient, PageQuery};
use crate::store::{connections, entities, StoreError};
use serde::Serialize;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// Where a connection's credential comes from, as the UI may see it (never the credential itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CredentialState {
    /// In the OS keychain.
    Saved,
    NotSet,
    /// An environment variable holds it (headless setups, demo mode); it wins over the keychain.
    Environment,
    /// The connection needs none.
    NotNeeded,
    /// The keychain could not be read (locked, or no keychain service), so whether it holds one is not known.
    Unknown,
}

/// What the Test button reports: whether the service answered, how fast, and whether it accepted the credential.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCheck {
    pub reachable: bool,
    /// `None` when the login was not tried (unreachable, or no credential needed).
    pub authenticated: Option<bool>,
    /// Round trip of the health request.
    pub latency_ms: u32,
    /// Why reachability or the login failed, in the client's words.
    pub message: Option<String>,
}

/// One sample row of the mapping preview: what APISmith sent and what the entity makes of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PreviewRow {
    /// The raw row, JSON text.
    pub raw: String,
    /// The normalized and mapped row, JSON text, when the row passes.
    pub mapped: Option<String>,
    pub bk_hash: Option<String>,
    pub data_hash: Option<String>,
    /// The row's data hash under the saved configuration (`None` when it fails there or nothing is saved).
    pub saved_data_hash: Option<String>,
    pub error: Option<PreviewError>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PreviewError {
    pub stage: crate::model::Stage,
    pub error_type: String,
    pub field: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MappingPreview {
    pub rows: Vec<PreviewRow>,
    /// Sample rows that pass under both configurations and whose data hash differs: saving re-sends such rows.
    pub hashes_changed: u32,
}

/// A stored entity as the editor sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EntityDetail {
    pub id: String,
    pub def: EntityDef,
    /// The last run's schema drift report, as the store holds it.
    pub schema_drift: Option<SchemaDrift>,
    /// The stored report as JSON text when it is not in `SchemaDrift`'s shape (written by another version): shown
    /// as it is rather than hidden.
    pub schema_drift_other: Option<String>,
    pub watermark: Option<String>,
}

fn quick(mut cfg: ConnectionConfig) -> ConnectionConfig {
    // A test answers in seconds: one attempt, short timeouts.
    cfg.retry = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    cfg.connect_timeout = std::time::Duration::from_secs(5);
    cfg.read_timeout = std::time::Duration::from_secs(15);
    cfg
}

/// Where a connection's credential is when that can be told without the keychain (none needed, or its environment
/// variable set); otherwise the keychain key that would hold it.
fn credential_outside_keychain(def: &ConnectionDef) -> Result<CredentialState, String> {
    if def.auth_kind == AuthKind::None {
        return Ok(CredentialState::NotNeeded);
    }
    if def
        .secret_env
        .as_deref()
        .and_then(|v| std::env::var(v).ok())
        .is_some_and(|v| !v.is_empty())
    {
        return Ok(CredentialState::Environment);
    }
    Err(def
        .credential_key
        .clone()
        .unwrap_or_else(|| default_credential_key(&def.name)))
}

impl SyncFlow {
    /// Saves a connection; a credential given here goes to the keychain under the connection's credential key
    /// first, so a connection never points at a keychain entry that failed to save. `secret: None` keeps the
    /// stored one; a connection without authentication has its keychain entry removed.
    ///
    /// `new`: the planner is adding a connection, so an existing one of that name is refused rather than replaced.
    pub fn save_connection(
        &self,
        mut def: ConnectionDef,
        secret: Option<Secret>,
        new: bool,
    ) -> Result<ConnectionId, RunError> {
        let previous = connections::get_by_name(&self.db, &def.name)
            .ok()
            .map(|p| p.1);
        if new && previous.is_some() {
            return Err(StoreError::InUse(format!(
                "name: a connection named '{}' already exists: edit it, or choose another name",
                def.name
            ))
            .into());
        }
        if def.secret_env.is_none() {
            def.secret_env = previous.as_ref().and_then(|p| p.secret_env.clone());
        }
        let key = def
            .credential_key
            .clone()
            .or_else(|| previous.as_ref().and_then(|p| p.credential_key.clone()))
            .unwrap_or_else(|| default_credential_key(&def.name));
        connections::check(&def)?;
        let store = self.secrets();
        if def.auth_kind == AuthKind::None {
            def.credential_key = None;
            def.secret_env = None;
            store.delete(&key).map_err(|e| secret_error(&def.name, e))?;
        } else {
            if let Some(s) = secret.filter(|s| !s.expose().is_empty()) {
                store
                    .set(&key, &s)
                    .map_err(|e| secret_error(&def.name, e))?;
            }
            def.credential_key = Some(key);
        }
        Ok(connections::save(&self.db, &def)?)
    }

    /// Every connection with where its credential is. The keychain is read at most once per key in a session (then
    /// what this session's reads, saves and deletes learnt answers), and not again in this listing once it refused a
    /// read: a locked keychain may prompt on every read. A credential that could not be checked is `Unknown`.
    pub fn connection_summaries(&self) -> Result<Vec<ConnectionSummary>, RunError> {
        let mut list = connections::list(&self.db)?;
        let mut keychain_refused = false;
        for c in &mut list {
            let (_, def) = connections::get_by_name(&self.db, &c.name)?;
            c.credential = match credential_outside_keychain(&def) {
                Ok(state) => state,
                Err(key) => match self.secret_presence().known(&key) {
                    Some(true) => CredentialState::Saved,
                    Some(false) => CredentialState::NotSet,
                    None if keychain_refused => CredentialState::Unknown,
                    None => self.credential_state(&def).unwrap_or_else(|e| {
                        tracing::warn!(connection = %c.name, error = %e, "cannot read the keychain");
                        keychain_refused = true;
                        CredentialState::Unknown
                    }),
                },
            };
        }
        Ok(list)
    }

    /// Where the connection's credential is (environment, keychain, nowhere), reading the keychain; a locked
    /// keychain is an error.
    pub fn credential_state(&self, def: &ConnectionDef) -> Result<CredentialState, RunError> {
        let key = match credential_outside_keychain(def) {
            Ok(state) => return Ok(state),
            Err(key) => key,
        };
        match self.secrets().get(&key) {
            Ok(_) => Ok(CredentialState::Saved),
            Err(SecretError::NotFound(_)) => Ok(CredentialState::NotSet),
            Err(e) => Err(secret_error(&def.name, e)),
        }
    }

    /// Renames a connection; its entities follow (they refer to it by id). A credential kept under the old name's
    /// default keychain entry moves to the new name's, so that a connection added later under the old name does not
    /// find it: it is written under the new entry, then the connection is renamed, then the old entry is removed.
    /// Refused, with nothing changed, when the new name is not valid or is taken, or when the keychain cannot be read
    /// (unless the credential comes from an environment variable).
    pub fn rename_connection(&self, from: &str, to: &str) -> Result<(), RunError> {
        if from == to {
            return Ok(());
        }
        connections::check_name(to)?;
        let (_, def) = connections::get_by_name(&self.db, from)?;
        // Checked before the keychain is touched: the new name's entry may hold that connection's credential.
        if connections::get_by_name(&self.db, to).is_ok() {
            return Err(connections::name_taken(to).into());
        }
        let old_key = default_credential_key(from);
        let key = def.credential_key.as_deref().unwrap_or(&old_key);
        if key != old_key || def.auth_kind == AuthKind::None {
            // No credential, or an entry the planner named: it stays where it is.
            return Ok(connections::rename(&self.db, from, to, None)?);
        }
        let new_key = default_credential_key(to);
        let store = self.secrets();
        let moved = match store.get(&old_key) {
            Ok(secret) => {
                store
                    .set(&new_key, &secret)
                    .map_err(|e| secret_error(from, e))?;
                true
            }
            Err(SecretError::NotFound(_)) => false,
            // A headless machine without a keychain, whose credential comes from the environment: nothing to move.
            Err(e) if def.secret_env.is_some() => {
                tracing::warn!(connection = from, error = %e, "keychain not readable; the credential comes from the environment");
                false
            }
            Err(e) => return Err(secret_error(from, e)),
        };
        if let Err(e) = connections::rename(&self.db, from, to, Some(&new_key)) {
            if moved {
                if let Err(e) = store.delete(&new_key) {
                    tracing::warn!(connection = from, error = %e, "could not remove the copied keychain entry");
                }
            }
            return Err(e.into());
        }
        if moved {
            // The connection uses the new entry now; the old one would only be clutter, so report but do not fail.
            if let Err(e) = store.delete(&old_key) {
                tracing::warn!(connection = to, error = %e, "could not remove the old keychain entry");
            }
        }
        Ok(())
    }

    /// Deletes a connection and its keychain entry; refused (nothing deleted) while entities use it.
    pub fn delete_connection(&self, name: &str) -> Result<(), RunError> {
        let users = connections::users_of(&self.db, name)?;
        if !users.is_empty() {
            return Err(StoreError::InUse(format!(
                "connection '{name}' is used by entities {}: delete them or point them at another connection first",
                users.join(", ")
            ))
            .into());
        }
        let def = connections::delete(&self.db, name)?;
        if let Some(key) = def.credential_key {
            // The row is gone; a keychain entry left behind would only be clutter, so report but do not fail.
            if let Err(e) = self.secrets().delete(&key) {
                tracing::warn!(connection = name, error = %e, "could not remove the keychain entry");
            }
        }
        Ok(())
    }

    /// Reachability (health, timed), then the login with the stored credential.
    pub async fn check_connection(&self, name: &str) -> Result<ConnectionCheck, RunError> {
        let (_, def) = connections::get_by_name(&self.db, name)?;
        if def.kind == ConnectionKind::Postgres {
            return Ok(self.check_postgres(&def).await);
        }
        let (cfg, credential_problem) = match client_config(&def, self.secrets()) {
            Ok(cfg) => (cfg, None),
            Err(e) => {
                let mut cfg = ConnectionConfig::new(
                    def.base_url.clone(),
                    Credentials::StaticToken(Secret::new("")),
                );
                cfg.ca_file = def.ca_file.as_ref().map(Into::into);
                (cfg, Some(e.to_string()))
            }
        };
        let cfg = quick(cfg);
        let cancel = CancellationToken::new();
        let started = Instant::now();
        let ((health, elapsed), login) = match def.kind {
            ConnectionKind::Apismith => {
                let c = ApiSmithClient::new(&cfg)?;
                let health = c.health(&cancel).await.map(|_| ());
                let elapsed = started.elapsed();
                let login = match (&health, def.auth_kind, &credential_problem) {
                    (Err(_), _, _) | (_, AuthKind::None, _) | (_, _, Some(_)) => None,
                    _ => Some(c.connectors(&cancel).await.map(|_| ())),
                };
                ((health, elapsed), login)
            }
            _ => {
                let c = ScheduleHubClient::new(&cfg)?;
                let health = c.health(&cancel).await.map(|_| ());
                let elapsed = started.elapsed();
                let login = match (&health, def.auth_kind, &credential_problem) {
                    (Ok(()), AuthKind::Password, None) => Some(c.login(&cancel).await),
                    _ => None,
                };
                ((health, elapsed), login)
            }
        };
        let latency_ms = elapsed.as_millis().min(u128::from(u32::MAX)) as u32;
        Ok(match health {
            Err(e) => ConnectionCheck {
                reachable: false,
                authenticated: None,
                latency_ms,
                message: Some(e.to_string()),
            },
            Ok(()) => match (credential_problem, login) {
                (Some(problem), _) => ConnectionCheck {
                    reachable: true,
                    authenticated: Some(false),
                    latency_ms,
                    message: Some(problem),
                },
                (None, Some(Err(e))) => ConnectionCheck {
                    reachable: true,
                    authenticated: matches!(e, HttpError::Auth { .. }).then_some(false),
                    latency_ms,
                    message: Some(e.to_string()),
                },
                (None, Some(Ok(()))) => ConnectionCheck {
                    reachable: true,
                    authenticated: Some(true),
                    latency_ms,
                    message: None,
                },
                (None, None) => ConnectionCheck {
                    reachable: true,
                    authenticated: None,
                    latency_ms,
                    message: None,
                },
            },
        })
    }

    /// A PostgreSQL connection: the server's port answers (timed), then the login with the stored password and the
    /// schema's existence.
    async fn check_postgres(&self, def: &ConnectionDef) -> ConnectionCheck {
        let started = Instant::now();
        let reach = match crate::sink::postgres::connect::parse_url(&def.base_url) {
            Ok(crate::sink::postgres::connect::PgUrl { host, port, .. }) => tokio::time::timeout(
                std::time::Duration::from_secs(5),
                tokio::net::TcpStream::connect((host.as_str(), port)),
            )
            .await
            .map_err(|_| format!("{host}:{port} did not answer within 5 s"))
            .and_then(|r| {
                r.map(drop)
                    .map_err(|e| format!("cannot reach {host}:{port}: {e}"))
            }),
            Err(e) => Err(e),
        };
        let latency_ms = started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
        if let Err(message) = reach {
            return ConnectionCheck {
                reachable: false,
                authenticated: None,
                latency_ms,
                message: Some(message),
            };
        }
        let settings = match crate::pipeline::context::pg_settings(def, self.secrets()) {
            Ok(s) => s,
            Err(e) => {
                return ConnectionCheck {
                    reachable: true,
                    authenticated: Some(false),
                    latency_ms,
                    message: Some(e.to_string()),
                }
            }
        };
        let (authenticated, message) = match crate::sink::postgres::PostgresSink::new(settings)
            .check()
            .await
        {
            Ok(_) => (Some(true), None),
            Err(e @ crate::sink::postgres::PgError::Connect { auth: true, .. }) => {
                (Some(false), Some(e.to_string()))
            }
            // Logged in, but the schema is missing.
            Err(e @ crate::sink::postgres::PgError::Config(_)) => (Some(true), Some(e.to_string())),
            Err(e) => (None, Some(e.to_string())),
        };
        ConnectionCheck {
            reachable: true,
            authenticated,
            latency_ms,
            message,
        }
    }

    /// Saves discovered entities the planner picked; a name already configured is refused, nothing is saved
    /// then for it (the others are saved in order).
    pub fn create_entities(&self, defs: &[EntityDef]) -> Result<Vec<String>, RunError> {
        for d in defs {
            if entities::get_by_name(&self.db, &d.name).is_ok() {
                return Err(StoreError::InUse(format!(
                    "an entity named '{}' already exists: edit it instead",
                    d.name
                ))
                .into());
            }
        }
        let mut saved = Vec::new();
        for d in defs {
            entities::save(&self.db, d)?;
            saved.push(d.name.clone());
        }
        Ok(saved)
    }

    /// One entity (name or id) with its drift report.
    pub fn entity_detail(&self, name_or_id: &str) -> Result<EntityDetail, RunError> {
        let e = entities::find(&self.db, name_or_id)?;
        let (schema_drift, schema_drift_other) = match e.schema_drift {
            None => (None, None),
            Some(v) => match serde_json::from_value::<SchemaDrift>(v.clone()) {
                Ok(d) => (Some(d), None),
                Err(_) => (None, Some(v.to_string())),
            },
        };
        Ok(EntityDetail {
            id: e.id.to_string(),
            def: e.def,
            schema_drift,
            schema_drift_other,
            watermark: e.watermark,
        })
    }

    /// A fresh first page (`rows` rows) of the entity's API through `candidate` — the real normalization and
    /// identity — next to the data hashes the saved configuration gives the same rows. The candidate is checked
    /// as saving would check it, so a configuration that cannot be saved cannot be previewed either.
    pub async fn preview_mappings(
        &self,
        candidate: &EntityDef,
        rows: u32,
    ) -> Result<MappingPreview, RunError> {
        let problems: Vec<String> = validate_entity_config(EntityConfig {
            columns: &candidate.columns,
            mappings: &candidate.mappings,
            business_keys: &candidate.business_keys,
            rowversion_field: candidate.rowversion_field.as_deref(),
        })
        .into_iter()
        .map(|e| e.to_string())
        .collect();
        if !problems.is_empty() {
            return Err(RunError::Config(problems.join("\n")));
        }
        let (_, source) = connections::get_by_name(&self.db, &candidate.source_connection)?;
        let opts = normalize_options(&source)?;
        let now = Transformer::new(candidate, opts, Vec::new()).map_err(RunError::Config)?;
        let saved = match entities::get_by_name(&self.db, &candidate.name) {
            Ok(e) => Some(Transformer::new(&e.def, opts, Vec::new()).map_err(RunError::Config)?),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let client = ApiSmithClient::new(&quick(client_config(&source, self.secrets())?))?;
        let query = PageQuery::full(
            rows.clamp(1, 50),
            // The source column the rowversion field comes from: a stable order, the first rows of a sync.
            candidate
                .rowversion_field
                .as_deref()
                .map(|f| candidate.source_of(f)),
        );
        let page = client
            .fetch_page(&candidate.slug, &query, 1, &CancellationToken::new())
            .await?;
        let mut out = MappingPreview {
            rows: Vec::with_capacity(page.rows.len()),
            hashes_changed: 0,
        };
        for raw in page.rows {
            let saved_hash = saved.as_ref().and_then(|t| {
                t.prepare(raw.clone())
                    .outcome
                    .ok()
                    .map(|g| g.id.data_hash.to_string())
            });
            let p = now.prepare(raw);
            let raw_text = serde_json::to_string(&p.raw)?;
            let row = match p.outcome {
                Ok(g) => {
                    let data_hash = g.id.data_hash.to_string();
                    if saved_hash.as_ref().is_some_and(|s| *s != data_hash) {
                        out.hashes_changed += 1;
                    }
                    PreviewRow {
                        raw: raw_text,
                        mapped: Some(g.row.to_json_string()),
                        bk_hash: Some(g.id.bk_hash.to_string()),
                        data_hash: Some(data_hash),
                        saved_data_hash: saved_hash,
                        error: None,
                    }
                }
                Err(bad) => PreviewRow {
                    raw: raw_text,
                    mapped: bad.mapped,
                    bk_hash: None,
                    data_hash: None,
                    saved_data_hash: saved_hash,
                    error: Some(PreviewError {
                        stage: model_stage(bad.error.stage),
                        error_type: error_type(&bad.error),
                        field: bad.error.field,
                        value: bad.error.value,
                        message: bad.error.message,
                    }),
                },
            };
            out.rows.push(row);
        }
        Ok(out)
    }
}

/// Every IANA time zone name a connection's `source_timezone` may take, sorted.
pub fn time_zones() -> Vec<String> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_owned())
        .collect()
}

fn secret_error(connection: &str, e: SecretError) -> RunError {
    RunError::Secret {
        connection: connection.into(),
        message: e.to_string(),
    }
}
