//! One API's rows as a generated base plus a sparse overlay of mutations (updated, bumped, deleted, inserted rows),
//! ordered by rowversion. Base rows have rowversion `BASE_RV + index`, so a rowversion range is an index range and a
//! page is found without touching the other rows; only mutated rows cost memory.

use super::catalog::Kind;
use super::generate::{BASE_RV, BUMP_RV};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

#[derive(Debug, Clone, Copy)]
struct RowState {
    version: u32,
    rv: u64,
    deleted: bool,
}

/// A row to generate: which index, at which version, with which rowversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRef {
    pub idx: u64,
    pub version: u32,
    pub rv: u64,
}

#[derive(Debug)]
pub struct Dataset {
    pub kind: Kind,
    base: u64,
    inserted: u64,
    /// Base indices that left their base position (updated, bumped or deleted).
    moved: BTreeSet<u64>,
    state: HashMap<u64, RowState>,
    /// Live rows with a bumped rowversion, by rowversion (this is their place in the sort order).
    bumped: BTreeMap<u64, u64>,
}

impl Dataset {
    pub fn new(kind: Kind, base: u64) -> Self {
        Self {
            kind,
            base,
            inserted: 0,
            moved: BTreeSet::new(),
            state: HashMap::new(),
            bumped: BTreeMap::new(),
        }
    }

    pub fn live_rows(&self) -> u64 {
        self.base - self.moved.len() as u64 + self.bumped.len() as u64
    }

    /// Every index ever used (base and inserted); deleted ones included.
    pub fn index_space(&self) -> u64 {
        self.base + self.inserted
    }

    pub fn max_rv(&self) -> u64 {
        self.bumped
            .keys()
            .next_back()
            .copied()
            .unwrap_or(BASE_RV + self.base.saturating_sub(1))
    }

    pub fn is_live(&self, idx: u64) -> bool {
        idx < self.index_space() && !self.state.get(&idx).is_some_and(|s| s.deleted)
    }

    fn current(&self, idx: u64) -> RowState {
        self.state.get(&idx).copied().unwrap_or(RowState {
            version: 0,
            rv: BASE_RV + idx,
            deleted: false,
        })
    }

    fn rebump(&mut self, idx: u64, version_step: u32, rv: u64) {
        let cur = self.current(idx);
        if cur.deleted {
            return;
        }
        if cur.rv >= BUMP_RV {
            self.bumped.remove(&cur.rv);
        }
        if idx < self.base {
            self.moved.insert(idx);
        }
        self.state.insert(
            idx,
            RowState {
                version: cur.version + version_step,
                rv,
                deleted: false,
            },
        );
        self.bumped.insert(rv, idx);
    }

    /// A data change: the row's values change and it gets rowversion `rv`.
    pub fn update(&mut self, idx: u64, rv: u64) {
        self.rebump(idx, 1, rv);
    }

    /// A touch: same values, new rowversion.
    pub fn bump(&mut self, idx: u64, rv: u64) {
        self.rebump(idx, 0, rv);
    }

    pub fn delete(&mut self, idx: u64) {
        let cur = self.current(idx);
        if cur.deleted || idx >= self.index_space() {
            return;
        }
        if cur.rv >= BUMP_RV {
            self.bumped.remove(&cur.rv);
        }
        if idx < self.base {
            self.moved.insert(idx);
        }
        self.state.insert(
            idx,
            RowState {
                deleted: true,
                ..cur
            },
        );
    }

    /// Appends a new row (the generator continues past the base) and returns its index.
    pub fn insert(&mut self, rv: u64) -> u64 {
        let idx = self.index_space();
        self.inserted += 1;
        self.state.insert(
            idx,
            RowState {
                version: 0,
                rv,
                deleted: false,
            },
        );
        self.bumped.insert(rv, idx);
        idx
    }

    /// Rows with rowversion in `rvs`, in rowversion order: how many there are, and `limit` of them after `offset`.
    pub fn page(&self, rvs: Range<u64>, offset: u64, limit: u64) -> (u64, Vec<RowRef>) {
        let a = rvs.start.saturating_sub(BASE_RV).min(self.base);
        let b = rvs.end.saturating_sub(BASE_RV).min(self.base).max(a);
        let base_live = (b - a) - self.moved.range(a..b).count() as u64;
        let bumped = self
            .bumped
            .range(rvs.start.max(BUMP_RV)..rvs.end.max(BUMP_RV));
        let total = base_live + bumped.clone().count() as u64;
        let mut out = Vec::with_capacity(limit.min(total.saturating_sub(offset)) as usize);
        if offset < base_live {
            // Smallest x with `offset` live base rows in [a, x): a fixed point of x = a + offset + moved(a..x).
            let mut x = a + offset;
            loop {
                let next = a + offset + self.moved.range(a..x).count() as u64;
                if next == x {
                    break;
                }
                x = next;
            }
            let mut moved = self.moved.range(x..b).peekable();
            while x < b && (out.len() as u64) < limit {
                if moved.peek() == Some(&&x) {
                    moved.next();
                } else {
                    out.push(RowRef {
                        idx: x,
                        version: 0,
                        rv: BASE_RV + x,
                    });
                }
                x += 1;
            }
        }
        let skip = offset.saturating_sub(base_live) as usize;
        for (&rv, &idx) in bumped.skip(skip) {
            if out.len() as u64 >= limit {
                break;
            }
            out.push(RowRef {
                idx,
                version: self.current(idx).version,
                rv,
            });
        }
        (total, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idxs(p: &[RowRef]) -> Vec<u64> {
        p.iter().map(|r| r.idx).collect()
    }

    #[test]
    fn pages_skip_moved_rows_and_list_bumped_rows_last() {
        let mut d = Dataset::new(Kind::Items, 10);
        d.update(2, BUMP_RV + 5);
        d.delete(4);
        let new = d.insert(BUMP_RV + 6);
        d.bump(0, BUMP_RV + 7);
        assert_eq!(d.live_rows(), 10, "10 base - 1 deleted + 1 inserted");
        let (total, all) = d.page(0..u64::MAX, 0, 100);
        assert_eq!(total, 10);
        assert_eq!(
            idxs(&all),
            vec![1, 3, 5, 6, 7, 8, 9, 2, new, 0],
            "rowversion order"
        );
        assert_eq!(
            all[7].version, 1,
            "an update raises the version so values change"
        );
        assert_eq!(all[9].version, 0, "a bump keeps the values");
        // Every page boundary must agree with the full listing.
        for off in 0..10 {
            assert_eq!(
                idxs(&d.page(0..u64::MAX, off, 3).1),
                idxs(&all)[off as usize..(off as usize + 3).min(10)]
            );
        }
    }

    #[test]
    fn a_rowversion_range_is_an_index_range() {
        let mut d = Dataset::new(Kind::Items, 1_000);
        d.update(500, BUMP_RV + 1);
        let (total, p) = d.page(BASE_RV + 498..u64::MAX, 0, 4);
        assert_eq!(
            total,
            1_000 - 498 - 1 + 1,
            "rows 498..999 minus the moved one, plus its bumped copy"
        );
        assert_eq!(idxs(&p), vec![498, 499, 501, 502]);
        let (total, p) = d.page(BUMP_RV..u64::MAX, 0, 10);
        assert_eq!(
            (total, idxs(&p)),
            (1, vec![500]),
            "the incremental filter sees only the change"
        );
    }
}
