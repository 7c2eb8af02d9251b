//! Everything one run of one entity needs, built once: the stored entity, its connections' clients (the source,
//! and the target: ScheduleHub's retrying reader and non-retrying writer — a write is never repeated blindly — or
//! a PostgreSQL table) and the CPU stages.

use super::target::Target;
use super::transform::{ParentPlan, Transformer};
use super::RunError;
use crate::config::{ConnectionDef, Entity};
use crate::http::{ConnectionConfig, Credentials, ErrorLog, RetryPolicy};
use crate::model::{AuthKind, ConnectionKind};
use crate::normalize::NormalizeOptions;
use crate::secrets::{resolve, Secret, SecretRef, SecretStore};
use crate::sink::postgres::{PgSettings, PostgresSink, TableSpec};
use crate::sink::schedulehub::ScheduleHubClient;
use crate::source::apismith::ApiSmithClient;
use crate::store::{connections, entities, Db};
use std::path::PathBuf;

pub struct RunContext {
    pub db: Db,
    pub entity: Entity,
    pub source: ApiSmithClient,
    /// Where the rows land.
    pub target: Target,
    pub transformer: Transformer,
    /// Errors of the run that are not failed records (retried requests, schema drift): the summary's `errors`.
    pub errors: ErrorLog,
}

/// The keychain entry a connection's secret lives under when the connection names none.
pub fn default_credential_key(connection: &str) -> String {
    format!("connection:{connection}")
}

/// A client configuration for a stored connection, its secret read from the environment or the keychain.
pub fn client_config(
    def: &ConnectionDef,
    secrets: &dyn SecretStore,
) -> Result<ConnectionConfig, RunError> {
    let secret = || -> Result<Secret, RunError> {
        let r = SecretRef {
            credential_key: def
                .credential_key
                .clone()
                .unwrap_or_else(|| default_credential_key(&def.name)),
            env_var: def.secret_env.clone(),
        };
        resolve(&r, secrets).map_err(|e| RunError::Secret {
            connection: def.name.clone(),
            message: e.to_string(),
        })
    };
    let credentials = match def.auth_kind {
        AuthKind::Password => Credentials::Login {
            username: def.username.clone().unwrap_or_default(),
            password: secret()?,
        },
        AuthKind::Token => Credentials::StaticToken(secret()?),
        AuthKind::None => Credentials::StaticToken(Secret::new("")),
    };
    let mut cfg = ConnectionConfig::new(def.base_url.clone(), credentials);
    cfg.ca_file = def.ca_file.as_ref().map(PathBuf::from);
    Ok(cfg)
}

/// A PostgreSQL connection's settings, its password read from the environment or the keychain (none when the
/// connection logs in without one).
pub fn pg_settings(def: &ConnectionDef, secrets: &dyn SecretStore) -> Result<PgSettings, RunError> {
    let password = match client_config(def, secrets)?.credentials {
        Credentials::Login { password, .. } => Some(password),
        Credentials::StaticToken(s) if !s.expose().is_empty() => Some(s),
        Credentials::StaticToken(_) => None,
    };
    Ok(PgSettings::new(
        &def.name,
        &def.base_url,
        def.username.as_deref(),
        password,
        def.ca_file.as_ref().map(PathBuf::from),
    )?)
}

pub fn normalize_options(def: &ConnectionDef) -> Result<NormalizeOptions, RunError> {
    let source_timezone = def
        .source_timezone
        .as_deref()
        .map(|tz| {
            tz.parse::<chrono_tz::Tz>()
                .map_err(|_| RunError::Config(format!("unknown time zone '{tz}'")))
        })
        .transpose()?;
    Ok(NormalizeOptions {
        decimal_separator: def.decimal_separator,
        date_order: def.date_order,
        source_timezone,
    })
}

impl RunContext {
    pub fn build(
        db: &Db,
        entity: Entity,
        secrets: &dyn SecretStore,
    ) -> Result<RunContext, RunError> {
        let (_, source_def) = connections::get_by_name(db, &entity.def.source_connection)?;
        let (_, target_def) = connections::get_by_name(db, &entity.def.target_connection)?;
        let errors = ErrorLog::default();
        let mut source_cfg = client_config(&source_def, secrets)?;
        source_cfg.errors = Some(errors.clone());
        let source = ApiSmithClient::new(&source_cfg)?;
        let target = match target_def.kind {
            ConnectionKind::Postgres => {
                let settings = pg_settings(&target_def, secrets)?;
                let spec = TableSpec::of(&entity.def, &settings.schema);
                let (db, id, schema) = (db.clone(), entity.id, settings.schema.clone());
                Target::Postgres(Box::new(PostgresSink::for_table(
                    settings,
                    spec,
                    Box::new(move || {
                        entities::get(&db, id)
                            .ok()
                            .map(|e| TableSpec::of(&e.def, &schema))
                    }),
                )))
            }
            _ => {
                let mut target_cfg = client_config(&target_def, secrets)?;
                target_cfg.errors = Some(errors.clone());
                let reader = ScheduleHubClient::new(&target_cfg)?;
                let mut writer_cfg = target_cfg;
                writer_cfg.retry = RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                };
                let writer = ScheduleHubClient::new(&writer_cfg)?;
                Target::ScheduleHub { reader, writer }
            }
        };
        let mut parents = Vec::new();
        for p in &entity.def.parents {
            let parent = entities::get_by_name(db, &p.parent_entity)?;
            parents.push(
                ParentPlan::new(
                    &p.ref_name,
                    parent.id,
                    &parent.def.name,
                    &parent.def.target_name,
                    &p.parent_fields,
                    &p.child_fields,
                )
                .map_err(RunError::Config)?,
            );
        }
        let transformer = Transformer::new(&entity.def, normalize_options(&source_def)?, parents)
            .map_err(RunError::Config)?;
        Ok(RunContext {
            db: db.clone(),
            entity,
            source,
            target,
            transformer,
            errors,
        })
    }
}
