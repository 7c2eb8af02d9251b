//! Parent references (SPEC §6): whether a child's parents exist (active in the parent's local index, else found in
//! the target — ScheduleHub, or the parent's PostgreSQL table — cached for the run), and the retries of parked children with backoff until they load or, after
//! five attempts, become failed records of stage `resolve`.

use super::context::RunContext;
use super::{retry_delay_secs, text_at, RunError};
use crate::identity::BkHash;
use crate::ids::{EntityId, RunId};
use crate::model::Stage;
use crate::sink::schedulehub::Outgoing;
use crate::store::failed_records::{self, NewFailed};
use crate::store::{pending_children, record_index, writes_in_flight, StoreError};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};
use std::collections::{HashMap, HashSet};
use tokio_util::sync::CancellationToken;

/// Attempts before a parked child becomes a failed record.
pub const MAX_PENDING_ATTEMPTS: u32 = 5;

/// Parent existence, cached per run: a parent found missing stays missing until the next run or sweep.
#[derive(Debug, Default)]
pub struct ParentCache {
    known: HashMap<(EntityId, BkHash), bool>,
}

impl ParentCache {
    pub fn has(&self, parent: EntityId, bk: BkHash) -> bool {
        self.known.get(&(parent, bk)) == Some(&true)
    }

    /// Looks up every `(plan index, parent BK)` not known yet: local index first, then the target.
    pub async fn ensure(
        &mut self,
        ctx: &RunContext,
        wanted: Vec<(usize, BkHash)>,
        cancel: &CancellationToken,
    ) -> Result<(), RunError> {
        let mut by_plan: HashMap<usize, HashSet<BkHash>> = HashMap::new();
        for (p, b) in wanted {
            if !self
                .known
                .contains_key(&(ctx.transformer.parents[p].parent_id, b))
            {
                by_plan.entry(p).or_default().insert(b);
            }
        }
        for (p, bks) in by_plan {
            let plan = &ctx.transformer.parents[p];
            let bks: Vec<BkHash> = bks.into_iter().collect();
            let local = record_index::lookup(&*ctx.db.conn()?, plan.parent_id, &bks)?;
            let mut ask = Vec::new();
            for b in bks {
                if local.get(&b).is_some_and(|r| r.active) {
                    self.known.insert((plan.parent_id, b), true);
                } else {
                    ask.push(b.to_string());
                }
            }
            if ask.is_empty() {
                continue;
            }
            let found: HashSet<String> = ctx
                .target
                .find(&plan.parent_target, &ask, cancel)
                .await?
                .into_iter()
                .map(|f| f.key_hash)
                .collect();
            for h in ask {
                let b: BkHash = h.parse().map_err(RunError::Internal)?;
                self.known.insert((plan.parent_id, b), found.contains(&h));
            }
        }
        Ok(())
    }
}

/// What one pass over parked children did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingSweep {
    pub loaded: u64,
    pub still_pending: u64,
    pub failed: u64,
}

/// Retries the entity's parked children that are due at `now` (all of them when `force`, e.g. right after the
/// parent's run finished). Rows whose parents now exist are loaded; the others wait longer or, after five
/// attempts, become failed records.
pub async fn retry_pending(
    ctx: &RunContext,
    now: DateTime<Utc>,
    force: bool,
    cancel: &CancellationToken,
) -> Result<PendingSweep, RunError> {
    let entity = ctx.entity.id;
    let now_s = text_at(now);
    let due = pending_children::due(&ctx.db, entity, (!force).then_some(now_s.as_str()))?;
    let mut sweep = PendingSweep::default();
    if due.is_empty() {
        return Ok(sweep);
    }
    let plans = &ctx.transformer.parents;
    let mut cache = ParentCache::default();
    let mut links: Vec<Vec<(usize, BkHash)>> = Vec::new();
    let mut records: Vec<Map<String, Json>> = Vec::new();
    for (p, _) in &due {
        let rec: Map<String, Json> = serde_json::from_str(&p.record)?;
        let refs = rec.get("parent_refs").and_then(Json::as_object);
        let l: Vec<(usize, BkHash)> = plans
            .iter()
            .enumerate()
            .filter_map(|(i, plan)| {
                let h = refs?.get(&plan.ref_name)?.as_str()?;
                Some((i, h.parse().ok()?))
            })
            .collect();
        links.push(l);
        records.push(rec);
    }
    cache
        .ensure(ctx, links.iter().flatten().copied().collect(), cancel)
        .await?;
    let bks: Vec<BkHash> = due
        .iter()
        .filter_map(|(p, _)| p.bk_hash.parse().ok())
        .collect();
    let stored = record_index::lookup(&*ctx.db.conn()?, entity, &bks)?;
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    let mut waiting = Vec::new();
    for (k, ((p, run), rec)) in due.into_iter().zip(records).enumerate() {
        let ready = links[k]
            .iter()
            .all(|(i, b)| cache.has(plans[*i].parent_id, *b));
        if !ready {
            waiting.push((p, run));
            continue;
        }
        let bk: BkHash = p.bk_hash.parse().map_err(RunError::Internal)?;
        match stored
            .get(&bk)
            .filter(|r| r.active)
            .and_then(|r| r.target_uid.clone())
        {
            Some(uid) => updates.push((p, uid, rec)),
            None => inserts.push((p, rec)),
        }
    }
    let target = ctx.entity.def.target_name.as_str();
    let field =
        |rec: &Map<String, Json>, f: &str| rec.get(f).and_then(Json::as_str).map(str::to_owned);
    let noted: Vec<BkHash> = inserts
        .iter()
        .map(|(p, _)| p.bk_hash.parse().map_err(StoreError::Invalid))
        .collect::<Result<_, _>>()?;
    let batch = ctx
        .db
        .write(|tx| writes_in_flight::record(tx, entity, RunId(uuid::Uuid::nil()), &noted))?;
    let answers = ctx
        .target
        .load(
            target,
            inserts
                .iter()
                .map(|(_, r)| Outgoing::from_record(r))
                .collect(),
            updates
                .iter()
                .map(|(_, u, r)| (u.clone(), Outgoing::from_record(r)))
                .collect(),
            &ctx.errors,
            cancel,
        )
        .await?;
    let refused = &answers.refused_updates;
    ctx.db.write(|tx| {
        let mut loaded = Vec::new();
        for (p, rec) in &inserts {
            match answers.uids.get(&p.bk_hash) {
                Some(uid) => loaded.push((p, rec, uid.clone())),
                None => waiting.push((p.clone(), RunId(uuid::Uuid::nil()))),
            }
        }
        for (p, uid, rec) in &updates {
            if refused.contains_key(uid) {
                waiting.push((p.clone(), RunId(uuid::Uuid::nil())));
            } else {
                loaded.push((p, rec, uid.clone()));
            }
        }
        for (p, rec, uid) in &loaded {
            let bk: BkHash = p
                .bk_hash
                .parse()
                .map_err(crate::store::StoreError::Invalid)?;
            let data = field(rec, "erp_data_hash").unwrap_or_default();
            let rv = field(rec, "erp_rowversion");
            record_index::upsert(
                tx,
                entity,
                RunId(uuid::Uuid::nil()),
                &[record_index::IndexUpsert {
                    bk_hash: bk,
                    data_hash: data.parse().map_err(crate::store::StoreError::Invalid)?,
                    rowversion: rv.as_deref(),
                    target_uid: Some(uid),
                }],
                None,
            )?;
            pending_children::remove(tx, entity, &p.bk_hash)?;
            sweep.loaded += 1;
        }
        for (p, run) in &waiting {
            let attempts = p.attempts + 1;
            if attempts >= MAX_PENDING_ATTEMPTS {
                failed_records::record(
                    tx,
                    entity,
                    *run,
                    &[NewFailed {
                        stage: Stage::Resolve,
                        error_type: "missing_parent".into(),
                        message: format!(
                            "parent {} not found after {attempts} attempts",
                            p.parent_ref_str
                        ),
                        field: Some(p.ref_name.clone()),
                        value: Some(p.parent_bk_hash.clone()),
                        bk_hash: Some(p.bk_hash.clone()),
                        erp_ref_str: field(
                            &serde_json::from_str(&p.record).unwrap_or_default(),
                            "erp_ref_str",
                        ),
                        raw: p.raw.clone(),
                        normalized: None,
                        mapped: Some(p.record.clone()),
                        next_retry_at: None,
                    }],
                )?;
                pending_children::remove(tx, entity, &p.bk_hash)?;
                sweep.failed += 1;
            } else {
                let next = now + chrono::Duration::seconds(retry_delay_secs(attempts + 1));
                pending_children::reschedule(tx, entity, &p.bk_hash, attempts, &text_at(next))?;
                sweep.still_pending += 1;
            }
        }
        writes_in_flight::clear(tx, entity, batch.as_deref())?;
        Ok(())
    })?;
    Ok(sweep)
}
