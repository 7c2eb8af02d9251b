//! The `entities` table: what is synced from where to where, with its keys and strategy.

use super::{Db, StoreError};
use crate::model::EntitySummary;

pub fn list(db: &Db) -> Result<Vec<EntitySummary>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT e.id, e.name, e.slug, s.name, t.name, e.target_name, e.strategy, e.enabled, e.business_keys,
                e.rowversion_field,
                (SELECT status FROM runs r WHERE r.entity_id = e.id ORDER BY r.started_at DESC LIMIT 1),
                (SELECT started_at FROM runs r WHERE r.entity_id = e.id ORDER BY r.started_at DESC LIMIT 1)
         FROM entities e
         JOIN connections s ON s.id = e.source_connection_id
         JOIN connections t ON t.id = e.target_connection_id
         ORDER BY e.name",
    )?;
    let rows = st.query_map([], |r| {
        let keys: String = r.get(8)?;
        Ok((
            EntitySummary {
                id: r.get(0)?,
                name: r.get(1)?,
                slug: r.get(2)?,
                source_connection: r.get(3)?,
                target_connection: r.get(4)?,
                target_name: r.get(5)?,
                strategy: r.get(6)?,
                enabled: r.get(7)?,
                business_keys: Vec::new(),
                rowversion_field: r.get(9)?,
                last_run_status: r.get(10)?,
                last_run_at: r.get(11)?,
            },
            keys,
        ))
    })?;
    rows.map(|row| {
        let (mut summary, keys) = row?;
        summary.business_keys = serde_json::from_str(&keys)?;
        Ok(summary)
    })
    .collect()
}

pub fn count(db: &Db) -> Result<u32, StoreError> {
    Ok(db
        .conn()?
        .query_row("SELECT COUNT(*) FROM entities", [], |r| r.get(0))?)
}

use crate::config::{Entity, EntityDef, ParentRefDef};
use crate::ids::{ConnectionId, EntityId};
use crate::model::ConnectionKind;
use crate::normalize::{
    check_parent_cycles, check_parent_fields, validate_entity_config, EntityConfig, ParentCheck,
};
use crate::sink::postgres::TableSpec;
use rusqlite::{params, OptionalExtension, Transaction};

/// Why an entity definition cannot be saved: every problem, one per line.
fn refuse(name: &str, problems: Vec<String>) -> StoreError {
    StoreError::Invalid(format!(
        "entity '{name}' cannot be saved:\n- {}",
        problems.join("\n- ")
    ))
}

fn conn_id(tx: &Transaction<'_>, name: &str) -> Result<Option<ConnectionId>, StoreError> {
    Ok(tx
        .query_row("SELECT id FROM connections WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

fn entity_id(tx: &Transaction<'_>, name: &str) -> Result<Option<EntityId>, StoreError> {
    Ok(tx
        .query_row("SELECT id FROM entities WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

/// What saving a child needs of a stored parent: its id, its business key and the connection it loads into.
struct StoredParent {
    id: EntityId,
    business_keys: Vec<String>,
    target_connection: String,
}

fn stored_parent(tx: &Transaction<'_>, name: &str) -> Result<Option<StoredParent>, StoreError> {
    let row: Option<(EntityId, String, String)> = tx
        .query_row(
            "SELECT e.id, e.business_keys, c.name FROM entities e
             JOIN connections c ON c.id = e.target_connection_id WHERE e.name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(id, keys, target_connection)| {
        Ok(StoredParent {
            id,
            business_keys: serde_json::from_str(&keys)?,
            target_connection,
        })
    })
    .transpose()
}

/// The `(child, parent)` entity-name edges of every stored parent reference.
fn parent_edges(tx: &Transaction<'_>) -> Result<Vec<(String, String)>, StoreError> {
    let mut st = tx.prepare(
        "SELECT c.name, p.name FROM parent_refs r JOIN entities c ON c.id = r.entity_id
         JOIN entities p ON p.id = r.parent_entity_id",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn conn_kind(tx: &Transaction<'_>, name: &str) -> Result<Option<ConnectionKind>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT kind FROM connections WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?)
}

/// What the connections' kinds demand: the source is APISmith; an entity loading into PostgreSQL has a table name,
/// business keys and column names PostgreSQL keeps. Parents and children load through one connection (both targets
/// check a child's parent in themselves: ScheduleHub refuses a record whose parent it does not hold, PostgreSQL
/// looks in the parent's table), so a child whose parent loads elsewhere would wait for it forever.
fn target_problems(tx: &Transaction<'_>, def: &EntityDef) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    if let Some(kind) = conn_kind(tx, &def.source_connection)? {
        if kind != ConnectionKind::Apismith {
            out.push(format!(
                "source connection '{}' is a {} connection; entities read from APISmith",
                def.source_connection,
                kind.as_str()
            ));
        }
    }
    let target = conn_kind(tx, &def.target_connection)?;
    if target == Some(ConnectionKind::Apismith) {
        out.push(format!(
            "target connection '{}' is an APISmith connection; entities load into ScheduleHub or PostgreSQL",
            def.target_connection
        ));
    }
    if target == Some(ConnectionKind::Postgres) {
        out.extend(TableSpec::problems(def));
    }
    Ok(out)
}

/// Creates or replaces the entity named `def.name` with its mappings and parent refs, refusing configurations
/// the engine would fail on at run time (SPEC §3 layer 5, §6): duplicate targets, unknown transformations, keys
/// naming no field, unknown connections or parents, parent field lists of different lengths, parent fields that
/// are not the parent's business key, child fields this entity does not have, cycles.
/// Returns the id and whether the saved change alters data hashes (mappings, columns or keys changed): the caller
/// should then offer a full refresh instead of silently re-sending everything at the next run.
pub fn save(db: &Db, def: &EntityDef) -> Result<(EntityId, bool), StoreError> {
    let entity_cfg = EntityConfig {
        columns: &def.columns,
        mappings: &def.mappings,
        business_keys: &def.business_keys,
        rowversion_field: def.rowversion_field.as_deref(),
    };
    let mut problems: Vec<String> = validate_entity_config(entity_cfg)
        .into_iter()
        .map(|e| e.to_string())
        .collect();
    if def.name.trim().is_empty() {
        problems.push("the entity needs a name".into());
    }
    if !(0.0..=1.0).contains(&def.max_delete_ratio) {
        problems.push(format!(
            "max_delete_ratio must be between 0 and 1, not {}",
            def.max_delete_ratio
        ));
    }
    let previous = get_by_name(db, &def.name).ok();
    db.write(|tx| {
        let source = conn_id(tx, &def.source_connection)?;
        let target = conn_id(tx, &def.target_connection)?;
        if source.is_none() {
            problems.push(format!(
                "source connection '{}' does not exist",
                def.source_connection
            ));
        }
        if target.is_none() {
            problems.push(format!(
                "target connection '{}' does not exist",
                def.target_connection
            ));
        }
        problems.extend(target_problems(tx, def)?);
        let mut parent_ids = Vec::new();
        for p in &def.parents {
            let parent = stored_parent(tx, &p.parent_entity)?;
            if p.parent_fields.is_empty() || p.parent_fields.len() != p.child_fields.len() {
                problems.push(format!(
                    "parent reference '{}' needs as many parent fields as child fields (at least one)",
                    p.ref_name
                ));
            } else {
                let check = ParentCheck {
                    reference: &p.ref_name,
                    parent: &p.parent_entity,
                    parent_keys: parent.as_ref().map_or(&[], |s| &s.business_keys),
                    child_fields: &p.child_fields,
                    parent_fields: &p.parent_fields,
                };
                problems.extend(
                    check_parent_fields(entity_cfg, check)
                        .into_iter()
                        .map(|e| e.to_string()),
                );
            }
            match parent {
                Some(stored) => {
                    if stored.target_connection != def.target_connection {
                        problems.push(format!(
                            "parent reference '{}': parent entity '{}' loads into connection '{}', not '{}'; an \
                             entity's parents must load into the same connection, where its rows are checked for \
                             them",
                            p.ref_name, p.parent_entity, stored.target_connection, def.target_connection
                        ));
                    }
                    parent_ids.push(stored.id);
                }
                None if p.parent_entity == def.name => {
                    problems.push(format!(
                        "Parent references form a cycle: {0} -> {0}",
                        def.name
                    ));
                }
                None => problems.push(format!(
                    "parent reference '{}' names entity '{}', which does not exist (save parents first)",
                    p.ref_name, p.parent_entity
                )),
            }
        }
        let mut edges: Vec<(String, String)> = parent_edges(tx)?
            .into_iter()
            .filter(|(c, _)| c != &def.name)
            .collect();
        edges.extend(
            def.parents
                .iter()
                .map(|p| (def.name.clone(), p.parent_entity.clone())),
        );
        if let Err(e) = check_parent_cycles(&edges) {
            problems.push(e.to_string());
        }
        if !problems.is_empty() {
            return Err(refuse(&def.name, std::mem::take(&mut problems)));
        }
        let id = entity_id(tx, &def.name)?.unwrap_or_default();
        let now = super::now_text();
        tx.execute(
            "INSERT INTO entities (id, name, source_connection_id, slug, target_connection_id, target_name,
                                   business_keys, rowversion_field, strategy, columns, enabled, max_delete_ratio,
                                   page_size, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)
             ON CONFLICT (id) DO UPDATE SET source_connection_id = excluded.source_connection_id,
               slug = excluded.slug, target_connection_id = excluded.target_connection_id,
               target_name = excluded.target_name, business_keys = excluded.business_keys,
               rowversion_field = excluded.rowversion_field, strategy = excluded.strategy,
               columns = excluded.columns, enabled = excluded.enabled,
               max_delete_ratio = excluded.max_delete_ratio, page_size = excluded.page_size,
               updated_at = excluded.updated_at",
            params![
                id,
                def.name,
                source,
                def.slug,
                target,
                def.target_name,
                serde_json::to_string(&def.business_keys)?,
                def.rowversion_field,
                def.strategy,
                serde_json::to_string(&def.columns)?,
                def.enabled,
                def.max_delete_ratio,
                def.page_size.clamp(1, 10_000),
                now
            ],
        )?;
        tx.execute("DELETE FROM field_mappings WHERE entity_id = ?1", [id])?;
        for (i, m) in def.mappings.iter().enumerate() {
            tx.execute(
                "INSERT INTO field_mappings (entity_id, position, source_field, target_field, transformation,
                                             default_value, is_required)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    i as i64,
                    m.source_field,
                    m.target_field,
                    m.transformation.as_deref().unwrap_or("none"),
                    m.default_value
                        .as_ref()
                        .filter(|v| !v.is_null())
                        .map(|v| v.to_string()),
                    m.is_required
                ],
            )?;
        }
        tx.execute("DELETE FROM parent_refs WHERE entity_id = ?1", [id])?;
        for (p, pid) in def.parents.iter().zip(parent_ids) {
            tx.execute(
                "INSERT INTO parent_refs (entity_id, ref_name, parent_entity_id, parent_fields, child_fields)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    id,
                    p.ref_name,
                    pid,
                    serde_json::to_string(&p.parent_fields)?,
                    serde_json::to_string(&p.child_fields)?
                ],
            )?;
        }
        Ok(id)
    })
    .map(|id| {
        let hashes_change = previous.is_some_and(|p| {
            p.def.mappings != def.mappings
                || p.def.business_keys != def.business_keys
                || p.def.columns != def.columns
                || p.def.rowversion_field != def.rowversion_field
        });
        (id, hashes_change)
    })
}

pub fn get_by_name(db: &Db, name: &str) -> Result<Entity, StoreError> {
    get_where(db, "e.name = ?1", name)?
        .ok_or_else(|| StoreError::NotFound(format!("no entity named '{name}'")))
}

pub fn get(db: &Db, id: EntityId) -> Result<Entity, StoreError> {
    get_where(db, "e.id = ?1", &id.to_string())?
        .ok_or_else(|| StoreError::NotFound(format!("no entity with id {id}")))
}

/// An entity by name or by id (what a CLI argument or a UI id may be).
pub fn find(db: &Db, name_or_id: &str) -> Result<Entity, StoreError> {
    match name_or_id.parse::<EntityId>() {
        Ok(id) => get(db, id),
        Err(_) => get_by_name(db, name_or_id),
    }
}

fn get_where(db: &Db, cond: &str, arg: &str) -> Result<Option<Entity>, StoreError> {
    let conn = db.conn()?;
    let row = conn
        .query_row(
            &format!(
                "SELECT e.id, e.name, s.name, e.slug, t.name, e.target_name, e.business_keys, e.rowversion_field,
                        e.strategy, e.columns, e.enabled, e.max_delete_ratio, e.page_size, e.watermark,
                        e.canonical_version, e.schema_drift
                 FROM entities e JOIN connections s ON s.id = e.source_connection_id
                 JOIN connections t ON t.id = e.target_connection_id WHERE {cond}"
            ),
            [arg],
            |r| {
                Ok((
                    r.get::<_, EntityId>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, crate::model::Strategy>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, bool>(10)?,
                    r.get::<_, f64>(11)?,
                    r.get::<_, u32>(12)?,
                    (
                        r.get::<_, Option<String>>(13)?,
                        r.get::<_, u32>(14)?,
                        r.get::<_, Option<String>>(15)?,
                    ),
                ))
            },
        )
        .optional()?;
    let Some((
        id,
        name,
        src,
        slug,
        tgt,
        target_name,
        bks,
        rv,
        strategy,
        cols,
        enabled,
        ratio,
        page,
        rest,
    )) = row
    else {
        return Ok(None);
    };
    let mut st = conn.prepare(
        "SELECT source_field, target_field, transformation, default_value, is_required FROM field_mappings
         WHERE entity_id = ?1 ORDER BY position",
    )?;
    let mappings = st
        .query_map([id], |r| {
            let default: Option<String> = r.get(3)?;
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                default,
                r.get::<_, bool>(4)?,
            ))
        })?
        .map(|row| {
            let (source_field, target_field, t, default, is_required) = row?;
            Ok(crate::normalize::FieldMapping {
                source_field,
                target_field,
                transformation: Some(t),
                default_value: default.map(|d| serde_json::from_str(&d)).transpose()?,
                is_required,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut st = conn.prepare(
        "SELECT r.ref_name, p.name, r.parent_fields, r.child_fields FROM parent_refs r
         JOIN entities p ON p.id = r.parent_entity_id WHERE r.entity_id = ?1 ORDER BY r.ref_name",
    )?;
    let parents = st
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .map(|row| {
            let (ref_name, parent_entity, pf, cf) = row?;
            Ok(ParentRefDef {
                ref_name,
                parent_entity,
                parent_fields: serde_json::from_str(&pf)?,
                child_fields: serde_json::from_str(&cf)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let (watermark, canonical_version, drift) = rest;
    Ok(Some(Entity {
        id,
        def: EntityDef {
            name,
            source_connection: src,
            slug,
            target_connection: tgt,
            target_name,
            business_keys: serde_json::from_str(&bks)?,
            rowversion_field: rv,
            strategy,
            columns: serde_json::from_str(&cols)?,
            mappings,
            parents,
            enabled,
            max_delete_ratio: ratio,
            page_size: page,
        },
        watermark,
        canonical_version,
        schema_drift: drift.map(|d| serde_json::from_str(&d)).transpose()?,
    }))
}

/// Every entity, parents before children (topological order of parent refs; ties by name).
pub fn all_parent_first(db: &Db) -> Result<Vec<Entity>, StoreError> {
    let names: Vec<String> = list(db)?.into_iter().map(|e| e.name).collect();
    let mut entities: Vec<Entity> = names
        .iter()
        .map(|n| get_by_name(db, n))
        .collect::<Result<_, _>>()?;
    let mut ordered: Vec<Entity> = Vec::with_capacity(entities.len());
    while !entities.is_empty() {
        let ready = entities
            .iter()
            .position(|e| {
                e.def.parents.iter().all(|p| {
                    p.parent_entity == e.def.name
                        || ordered.iter().any(|o| o.def.name == p.parent_entity)
                        || !entities.iter().any(|x| x.def.name == p.parent_entity)
                })
            })
            // Cycles are refused at save time; should one exist anyway, take the next rather than loop forever.
            .unwrap_or(0);
        ordered.push(entities.remove(ready));
    }
    Ok(ordered)
}

/// Stores the columns after a drift check added new ones, and the drift report (`None` clears it).
pub fn save_drift(
    db: &Db,
    id: EntityId,
    columns: &[crate::normalize::ColumnDef],
    drift: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    db.write(|tx| {
        tx.execute(
            "UPDATE entities SET columns = ?2, schema_drift = ?3, updated_at = ?4 WHERE id = ?1",
            params![
                id,
                serde_json::to_string(columns)?,
                drift.map(|d| d.to_string()),
                super::now_text()
            ],
        )?;
        Ok(())
    })
}
