//! The sequential stage of a page: delta against the record index, parent resolution, the writes to ScheduleHub,
//! and the `PageResult` the checkpoint commits. Pages pass here one at a time, in order, so a business key seen on
//! an earlier page is always in the index (or in flight) before a later page is decided.

use super::context::RunContext;
use super::resolve::ParentCache;
use super::transform::{error_type, model_stage, Bad, Key, Prepared};
use super::{retry_delay_secs, text_at, RunError};
use crate::delta::{self, Op, RowKey};
use crate::identity::{BkHash, DataHash};
use crate::ids::RunId;
use crate::sink::schedulehub::Outgoing;
use crate::sink::Refusal;
use crate::store::failed_records::NewFailed;
use crate::store::pending_children::Parked;
use crate::store::record_index::{self, BkMap, IndexedRecord};
use crate::store::runs::Counters;
use crate::store::writes_in_flight;
use crate::value::{RawRow, RowError, Stage};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// How one row of the page ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RowEnd {
    Loaded,
    Skipped,
    Duplicate,
    Parked,
    Failed(Box<NewFailed>),
}

/// Everything a page's checkpoint writes.
#[derive(Debug, Default)]
pub struct PageResult {
    /// (bk, data hash, rowversion, uid) of rows inserted, updated or skipped.
    pub upserts: Vec<(BkHash, DataHash, Option<String>, Option<String>)>,
    /// Keys that exist in the source but did not load (failed, parked): a complete run must not delete them.
    pub seen: Vec<BkHash>,
    /// (bk, record id) of skipped rows equal to their stored record (same data and rowversion): only marked seen.
    pub unchanged: Vec<(BkHash, i64)>,
    pub parked: Vec<Parked>,
    /// The batch of inserts noted in flight (cleared by the checkpoint).
    pub flight_batch: Option<String>,
    pub counters: Counters,
    /// One entry per input row, in order.
    pub ends: Vec<RowEnd>,
    /// Readable keys of rows that lost to another row with the same key.
    pub duplicates: Vec<String>,
    /// What the page's lookup found in the record index, for its checkpoint's upsert (`record_index::LookupNote`).
    pub note: Option<record_index::LookupNote>,
    /// Milliseconds spent on delta (index lookup), noting inserts in flight, and ScheduleHub's writes.
    pub delta_ms: u64,
    pub flight_ms: u64,
    pub send_ms: u64,
}

fn failed_from(raw: &RawRow, bad: &Bad, next_retry: Option<String>) -> NewFailed {
    let (bk, ref_str) = match &bad.key {
        Key::Known(b, r) => (Some(b.to_string()), Some(r.clone())),
        _ => (None, None),
    };
    NewFailed {
        stage: model_stage(bad.error.stage),
        error_type: error_type(&bad.error),
        message: bad.error.message.clone(),
        field: bad.error.field.clone(),
        value: bad.error.value.clone(),
        bk_hash: bk,
        erp_ref_str: ref_str,
        raw: serde_json::to_string(raw).unwrap_or_default(),
        normalized: bad.normalized.clone(),
        mapped: bad.mapped.clone(),
        next_retry_at: next_retry,
    }
}

/// The record-index rows of a page whose checkpoint is still being committed: `Some` for rows it upserts, `None`
/// for keys it only marks seen (failed or parked rows). The next page's delta reads through it, so overlapping a
/// checkpoint with the next page's load decides exactly as if the checkpoint had landed first.
#[derive(Clone, Default)]
pub struct Uncommitted(Arc<BkMap<Option<IndexedRecord>>>);

impl Uncommitted {
    pub fn of(run: RunId, page: &PageResult) -> Uncommitted {
        let mut m: BkMap<Option<IndexedRecord>> = BkMap::with_capacity_and_hasher(
            page.upserts.len() + page.seen.len() + page.unchanged.len(),
            Default::default(),
        );
        for (b, d, rv, uid) in &page.upserts {
            m.insert(
                *b,
                Some(IndexedRecord {
                    id: None,
                    bk_hash: *b,
                    data_hash: *d,
                    rowversion: rv.clone(),
                    target_uid: uid.clone(),
                    active: true,
                    seen_by: Some(run),
                }),
            );
        }
        for b in page
            .seen
            .iter()
            .chain(page.unchanged.iter().map(|(b, _)| b))
        {
            m.entry(*b).or_insert(None);
        }
        Uncommitted(Arc::new(m))
    }

    /// `stored` (read from the index) as it will be once the checkpoint commits.
    fn apply(&self, run: RunId, stored: &mut BkMap<IndexedRecord>, keys: &[BkHash]) {
        if self.0.is_empty() {
            return;
        }
        for k in keys {
            match (self.0.get(k), stored.get_mut(k)) {
                (None, _) => {}
                // `touch_seen` only marks records the index already has.
                (Some(None), Some(s)) => s.seen_by = Some(run),
                (Some(None), None) => {}
                (Some(Some(u)), Some(s)) => {
                    // An upsert without a uid (a skipped row) keeps the stored uid.
                    let uid = u.target_uid.clone().or_else(|| s.target_uid.take());
                    *s = IndexedRecord {
                        target_uid: uid,
                        ..u.clone()
                    };
                }
                (Some(Some(u)), None) => {
                    stored.insert(*k, u.clone());
                }
            }
        }
    }
}

/// Delta, resolve and load for one page. `now` is the clock the retry backoffs of failed and parked rows start from.
pub async fn load_page(
    ctx: &RunContext,
    run: RunId,
    prepared: &[Prepared],
    parents: &mut ParentCache,
    uncommitted: &Uncommitted,
    now: chrono::DateTime<chrono::Utc>,
    cancel: &CancellationToken,
) -> Result<PageResult, RunError> {
    let decided = decide_page(ctx, run, prepared, parents, uncommitted, None, now, cancel).await?;
    send_page(ctx, prepared, decided, now, cancel).await
}

/// A page decided and its writes noted in flight, not yet sent.
pub struct Decided {
    res: PageResult,
    inserts: Vec<(usize, Outgoing)>,
    updates: Vec<(usize, String, Outgoing)>,
}

/// Delta and parent resolution for one page, and the durable note of the writes about to be sent: once this returns,
/// a crash leaves a trail of them whatever happens next. `resumed_at` is the rowversion a resumed read picked up at
/// (see `run::resume_filter`): keys this run saw at or below it were read in an earlier part of the run.
#[allow(clippy::too_many_arguments)]
pub async fn decide_page(
    ctx: &RunContext,
    run: RunId,
    prepared: &[Prepared],
    parents: &mut ParentCache,
    uncommitted: &Uncommitted,
    resumed_at: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
    cancel: &CancellationToken,
) -> Result<Decided, RunError> {
    let entity = ctx.entity.id;
    let plans = &ctx.transformer.parents;
    let mut res = PageResult {
        ends: vec![RowEnd::Skipped; prepared.len()],
        ..PageResult::default()
    };
    res.counters.fetched = prepared.len() as u64;
    let goods: Vec<usize> = (0..prepared.len())
        .filter(|&i| prepared[i].outcome.is_ok())
        .collect();
    let owned: Vec<(BkHash, DataHash, Option<compact_str::CompactString>)> = goods
        .iter()
        .map(|&i| {
            let g = prepared[i].outcome.as_ref().expect("good");
            (g.id.bk_hash, g.id.data_hash, g.id.rowversion.clone())
        })
        .collect();
    let t = std::time::Instant::now();
    let db = ctx.db.clone();
    let uncommitted = uncommitted.clone();
    let resumed_at = resumed_at.map(str::to_owned);
    let (decisions, read_before_resume, unchanged, note) = tokio::task::spawn_blocking(move || {
        let keys: Vec<RowKey<'_>> = owned
            .iter()
            .map(|(b, d, r)| RowKey {
                bk_hash: *b,
                data_hash: *d,
                rowversion: r.as_deref(),
            })
            .collect();
        let bks: Vec<BkHash> = keys.iter().map(|k| k.bk_hash).collect();
        let (mut stored, note) =
            record_index::lookup_for_run_noted(&*db.conn()?, entity, run, &bks)?;
        uncommitted.apply(run, &mut stored, &bks);
        let read_before_resume: Vec<bool> = bks
            .iter()
            .map(|b| {
                let seen_at = stored.get(b).and_then(|p| p.rowversion.as_deref());
                matches!((resumed_at.as_deref(), seen_at),
                    (Some(at), Some(rv)) if crate::rowversion::compare(rv, at).is_le())
            })
            .collect();
        let unchanged: Vec<Option<i64>> = keys
            .iter()
            .map(|k| record_index::unchanged_id(stored.get(&k.bk_hash), k.data_hash, k.rowversion))
            .collect();
        Ok::<_, RunError>((
            delta::decide(&keys, &stored, run),
            read_before_resume,
            unchanged,
            note,
        ))
    })
    .await
    .map_err(|e| RunError::Internal(e.to_string()))??;
    res.note = Some(note);
    res.delta_ms = t.elapsed().as_millis() as u64;

    // Parent resolution for rows that would be sent.
    let to_send: Vec<usize> = goods
        .iter()
        .zip(&decisions.decisions)
        .filter(|(_, d)| matches!(d.op, Op::Insert | Op::Update))
        .map(|(&i, _)| i)
        .collect();
    if !plans.is_empty() {
        let wanted = to_send.iter().flat_map(|&i| {
            let g = prepared[i].outcome.as_ref().expect("good");
            g.parents
                .iter()
                .enumerate()
                .filter_map(|(p, l)| l.map(|b| (p, b)))
        });
        parents.ensure(ctx, wanted.collect(), cancel).await?;
    }

    let mut inserts: Vec<(usize, Outgoing)> = Vec::new();
    let mut updates: Vec<(usize, String, Outgoing)> = Vec::new();
    for (((&i, d), &reread), &same) in goods
        .iter()
        .zip(&decisions.decisions)
        .zip(&read_before_resume)
        .zip(&unchanged)
    {
        let g = prepared[i].outcome.as_ref().expect("good");
        // The same key twice in one run is listed in the summary (SPEC §5). Rows are counted once each: a key that
        // beats one already loaded on an earlier page counts as its update. A key this run read before it was
        // resumed is read again at the resume point (a tie) or because it changed since: not a duplicate.
        if d.op == Op::Duplicate || (d.repeat_in_run && !reread) {
            res.duplicates.push(ctx.transformer.ref_str(g));
        }
        match d.op {
            Op::Duplicate => {
                res.ends[i] = RowEnd::Duplicate;
                res.counters.duplicates += 1;
            }
            Op::Skip => {
                res.ends[i] = RowEnd::Skipped;
                res.counters.skipped += 1;
                match same {
                    Some(id) => res.unchanged.push((g.id.bk_hash, id)),
                    None => res.upserts.push((
                        g.id.bk_hash,
                        g.id.data_hash,
                        g.id.rowversion.as_deref().map(str::to_owned),
                        None,
                    )),
                }
            }
            Op::Insert | Op::Update => {
                let missing = plans.iter().zip(&g.parents).find_map(|(p, l)| {
                    l.filter(|b| !parents.has(p.parent_id, *b))
                        .map(|b| (p, b, p.ref_str(&g.row).unwrap_or_default()))
                });
                let record = ctx.transformer.record(g);
                if let Some((p, pbk, pref)) = missing {
                    res.ends[i] = RowEnd::Parked;
                    res.counters.pending += 1;
                    res.seen.push(g.id.bk_hash);
                    res.parked.push(Parked {
                        entity_id: entity,
                        bk_hash: g.id.bk_hash.to_string(),
                        ref_name: p.ref_name.clone(),
                        parent_entity_id: p.parent_id,
                        parent_bk_hash: pbk.to_string(),
                        parent_ref_str: pref,
                        raw: serde_json::to_string(&prepared[i].raw).unwrap_or_default(),
                        record: record.json.get().to_owned(),
                        attempts: 0,
                        next_retry_at: text_at(
                            now + chrono::Duration::seconds(retry_delay_secs(1)),
                        ),
                    });
                } else if d.op == Op::Insert {
                    inserts.push((i, record));
                } else {
                    updates.push((i, d.target_uid.clone().unwrap_or_default(), record));
                }
            }
        }
    }
    for (i, p) in prepared.iter().enumerate() {
        if let Err(bad) = &p.outcome {
            res.counters.failed += 1;
            if let Key::Known(b, _) = &bad.key {
                res.seen.push(*b);
            }
            res.ends[i] = RowEnd::Failed(Box::new(failed_from(&p.raw, bad, None)));
        }
    }

    // Durably note the inserts about to be sent, so a crash leaves a trail to reconcile.
    let noted: Vec<BkHash> = inserts
        .iter()
        .map(|(i, _)| prepared[*i].outcome.as_ref().expect("good").id.bk_hash)
        .collect();
    let t = std::time::Instant::now();
    if !noted.is_empty() {
        let db = ctx.db.clone();
        res.flight_batch = tokio::task::spawn_blocking(move || {
            db.write(|tx| writes_in_flight::record(tx, entity, run, &noted))
        })
        .await
        .map_err(|e| RunError::Internal(e.to_string()))??;
    }
    res.flight_ms = t.elapsed().as_millis() as u64;
    Ok(Decided {
        res,
        inserts,
        updates,
    })
}

/// Sends a decided page's writes to the target and records how each row ended.
pub async fn send_page(
    ctx: &RunContext,
    prepared: &[Prepared],
    decided: Decided,
    now: chrono::DateTime<chrono::Utc>,
    cancel: &CancellationToken,
) -> Result<PageResult, RunError> {
    let target = ctx.entity.def.target_name.as_str();
    let Decided {
        mut res,
        inserts,
        updates,
    } = decided;
    let t = std::time::Instant::now();
    let load_failure = |i: usize, why: Refusal, res: &mut PageResult| {
        let g = prepared[i].outcome.as_ref().expect("good");
        let bad = Bad {
            error: RowError::new(Stage::Load, why.field.as_deref(), why.value, why.message),
            normalized: None,
            mapped: Some(g.row.to_json_string()),
            key: Key::Known(g.id.bk_hash, ctx.transformer.ref_str(g)),
        };
        res.counters.failed += 1;
        res.seen.push(g.id.bk_hash);
        let next = text_at(now + chrono::Duration::seconds(retry_delay_secs(1)));
        res.ends[i] = RowEnd::Failed(Box::new(failed_from(&prepared[i].raw, &bad, Some(next))));
    };

    let ins_idx: Vec<usize> = inserts.iter().map(|(i, _)| *i).collect();
    let upd_idx: Vec<(usize, String)> = updates.iter().map(|(i, u, _)| (*i, u.clone())).collect();
    let mut answers = ctx
        .target
        .load(
            target,
            inserts.into_iter().map(|(_, r)| r).collect(),
            updates.into_iter().map(|(_, u, r)| (u, r)).collect(),
            &ctx.errors,
            cancel,
        )
        .await?;
    for i in ins_idx {
        let g = prepared[i].outcome.as_ref().expect("good");
        let h = g.id.bk_hash.to_string();
        if let Some(uid) = answers.uids.get(&h) {
            res.ends[i] = RowEnd::Loaded;
            res.counters.inserted += 1;
            res.upserts.push((
                g.id.bk_hash,
                g.id.data_hash,
                g.id.rowversion.as_deref().map(str::to_owned),
                Some(uid.clone()),
            ));
        } else {
            let why = answers
                .refused
                .remove(&h)
                .unwrap_or_else(|| Refusal::message("the target did not acknowledge the record"));
            load_failure(i, why, &mut res);
        }
    }
    for (i, uid) in upd_idx {
        let g = prepared[i].outcome.as_ref().expect("good");
        match answers.refused_updates.remove(&uid) {
            None => {
                res.ends[i] = RowEnd::Loaded;
                res.counters.updated += 1;
                res.upserts.push((
                    g.id.bk_hash,
                    g.id.data_hash,
                    g.id.rowversion.as_deref().map(str::to_owned),
                    Some(uid),
                ));
            }
            Some(why) => load_failure(i, why, &mut res),
        }
    }
    res.send_ms = t.elapsed().as_millis() as u64;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the lookup for the page's run returns it: stored earlier, not seen by this run yet.
    fn stored(bk: u128, data: u8, uid: &str) -> IndexedRecord {
        IndexedRecord {
            id: Some(bk as i64),
            bk_hash: BkHash(bk),
            data_hash: DataHash([data; 32]),
            rowversion: None,
            target_uid: Some(uid.into()),
            active: true,
            seen_by: None,
        }
    }

    #[test]
    fn the_next_page_sees_an_uncommitted_page_as_if_its_checkpoint_had_landed() {
        let run = RunId::new();
        let page = PageResult {
            upserts: vec![
                // New on the uncommitted page (inserted, uid known).
                (BkHash(1), DataHash([1; 32]), None, Some("uid-1".into())),
                // Skipped there: no new uid, the stored one stays.
                (BkHash(2), DataHash([2; 32]), None, None),
            ],
            // Failed there, but stored from an earlier run: only marked seen.
            seen: vec![BkHash(3), BkHash(4)],
            ..PageResult::default()
        };
        let overlay = Uncommitted::of(run, &page);
        let mut index = BkMap::default();
        index.insert(BkHash(2), stored(2, 9, "uid-2"));
        index.insert(BkHash(3), stored(3, 3, "uid-3"));
        let keys = [BkHash(1), BkHash(2), BkHash(3), BkHash(4), BkHash(5)];
        overlay.apply(run, &mut index, &keys);

        let one = &index[&BkHash(1)];
        assert_eq!(
            (one.target_uid.as_deref(), one.seen_by),
            (Some("uid-1"), Some(run)),
            "a key inserted on the uncommitted page is known, seen by this run"
        );
        let two = &index[&BkHash(2)];
        assert_eq!(two.data_hash, DataHash([2; 32]), "the newer data hash wins");
        assert_eq!(
            two.target_uid.as_deref(),
            Some("uid-2"),
            "a skip keeps the stored uid"
        );
        assert_eq!(
            index[&BkHash(3)].seen_by,
            Some(run),
            "a seen mark moves to this run"
        );
        assert_eq!(
            index[&BkHash(3)].data_hash,
            DataHash([3; 32]),
            "and changes nothing else"
        );
        assert!(
            !index.contains_key(&BkHash(4)) && !index.contains_key(&BkHash(5)),
            "a seen mark of a key the index lacks adds nothing, as touch_seen does"
        );
        let keys: Vec<delta::RowKey<'_>> = [1u128, 2]
            .iter()
            .map(|&b| delta::RowKey {
                bk_hash: BkHash(b),
                data_hash: DataHash([b as u8; 32]),
                rowversion: None,
            })
            .collect();
        let d = delta::decide(&keys, &index, run);
        assert!(
            d.decisions
                .iter()
                .all(|d| d.repeat_in_run && d.op == Op::Skip),
            "the same rows again on the next page are repeats in the run, unchanged: {d:?}"
        );
    }
}
