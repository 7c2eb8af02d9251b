//! BLAKE3 of many short inputs at once, as `blake3::hash` gives each: a page's data canonical forms are hashed
//! side by side in SIMD lanes (16 with AVX-512, 8 with AVX2, 4 with SSE4.1) instead of one block after another.
//! Owns the only use of `blake3::platform` (the crate's hidden, unstable SIMD entry points: hence the exact pin).
//!
//! An input of at most one chunk (1,024 bytes) is a single-chunk tree: its hash is its chunk's blocks compressed
//! in turn from the IV, the first flagged CHUNK_START and the last CHUNK_END | ROOT. All blocks but the last are
//! full, so inputs with the same number of them go through `hash_many` together (which gives each one's chaining
//! value). The last block, zero-padded, has a chaining value, length and flags of its own, which `hash_many` cannot
//! take: with AVX-512 the last blocks of 16 inputs are compressed side by side (`last_blocks`, the compression
//! function written over 16 lanes), otherwise one `compress_in_place` each. Longer inputs take `blake3::hash`.

use blake3::platform::Platform;
use blake3::IncrementCounter;

const BLOCK_LEN: usize = blake3::BLOCK_LEN;
/// Full blocks before the last one in a chunk: at most 15.
const MAX_LEADING: usize = blake3::CHUNK_LEN / BLOCK_LEN - 1;

// From the BLAKE3 specification (§2.1, §2.2); the crate keeps its copies private.
const IV: [u32; 8] = [
    0x6A09_E667,
    0xBB67_AE85,
    0x3C6E_F372,
    0xA54F_F53A,
    0x510E_527F,
    0x9B05_688C,
    0x1F83_D9AB,
    0x5BE0_CD19,
];
const CHUNK_START: u8 = 1 << 0;
const CHUNK_END: u8 = 1 << 1;
const ROOT: u8 = 1 << 3;

/// Hashes batches of inputs; keeps its working memory between batches.
pub(crate) struct ManyHasher {
    platform: Platform,
    /// Whether the last blocks are compressed 16 at a time (`last_blocks`), or one by one by the crate.
    wide_last_blocks: bool,
    /// Indices of the inputs by how many full blocks precede their last one.
    by_leading: [Vec<usize>; MAX_LEADING + 1],
    /// Each input's chaining value before its last block.
    cvs: Vec<[u32; 8]>,
    /// `hash_many`'s output (chaining values as bytes).
    scratch: Vec<u8>,
}

impl Default for ManyHasher {
    fn default() -> Self {
        ManyHasher {
            platform: Platform::detect(),
            wide_last_blocks: last_blocks::available(),
            by_leading: Default::default(),
            cvs: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl ManyHasher {
    /// Writes `blake3::hash(inputs[i])` into `out[i]` for every input.
    pub(crate) fn hash_each(&mut self, inputs: &[&[u8]], out: &mut [[u8; 32]]) {
        assert_eq!(inputs.len(), out.len(), "one output per input");
        for group in &mut self.by_leading {
            group.clear();
        }
        self.cvs.clear();
        self.cvs.resize(inputs.len(), IV);
        for (i, input) in inputs.iter().enumerate() {
            if input.len() > blake3::CHUNK_LEN {
                out[i] = *blake3::hash(input).as_bytes();
            } else {
                self.by_leading[input.len().saturating_sub(1) / BLOCK_LEN].push(i);
            }
        }
        for k in 1..=MAX_LEADING {
            if self.by_leading[k].is_empty() {
                continue;
            }
            // `hash_many` takes the input length as a constant: one instance per block count.
            macro_rules! leading {
                ($($k:literal)*) => {
                    match k {
                        $($k => self.leading_blocks::<{ $k * BLOCK_LEN }>(k, inputs),)*
                        _ => unreachable!("a chunk has at most {MAX_LEADING} blocks before its last"),
                    }
                };
            }
            leading!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
        }
        if self.wide_last_blocks {
            self.last_blocks_wide(inputs, out);
        } else {
            self.last_blocks_one_by_one(inputs, out);
        }
    }

    /// The last block of each input, compressed with its chaining value from `cvs`: the hash.
    fn last_blocks_one_by_one(&mut self, inputs: &[&[u8]], out: &mut [[u8; 32]]) {
        for (k, group) in self.by_leading.iter().enumerate() {
            for &i in group {
                let last = &inputs[i][k * BLOCK_LEN..];
                let mut block = [0u8; BLOCK_LEN];
                block[..last.len()].copy_from_slice(last);
                let cv = &mut self.cvs[i];
                self.platform
                    .compress_in_place(cv, &block, last.len() as u8, 0, last_flags(k));
                for (o, w) in out[i].chunks_exact_mut(4).zip(cv.iter()) {
                    o.copy_from_slice(&w.to_le_bytes());
                }
            }
        }
    }

    /// `last_blocks_one_by_one`, `last_blocks::LANES` inputs at a time.
    fn last_blocks_wide(&mut self, inputs: &[&[u8]], out: &mut [[u8; 32]]) {
        let mut lanes = last_blocks::LastBlocks::default();
        let mut waiting = [0usize; last_blocks::LANES];
        let mut n = 0;
        for (k, group) in self.by_leading.iter().enumerate() {
            for &i in group {
                lanes.set(n, &self.cvs[i], &inputs[i][k * BLOCK_LEN..], last_flags(k));
                waiting[n] = i;
                n += 1;
                if n == last_blocks::LANES {
                    lanes.compress(&waiting, out);
                    n = 0;
                }
            }
        }
        if n > 0 {
            lanes.compress(&waiting[..n], out);
        }
    }

    /// Chaining values after the first `N / BLOCK_LEN` (= `k`) blocks of the inputs in `by_leading[k]`.
    fn leading_blocks<const N: usize>(&mut self, k: usize, inputs: &[&[u8]]) {
        let group = &self.by_leading[k];
        let blocks: Vec<&[u8; N]> = group
            .iter()
            .map(|&i| {
                inputs[i]
                    .first_chunk::<N>()
                    .expect("the input has more than k blocks")
            })
            .collect();
        self.scratch.clear();
        self.scratch.resize(32 * group.len(), 0);
        self.platform.hash_many(
            &blocks,
            &IV,
            0,
            IncrementCounter::No,
            0,
            CHUNK_START,
            0,
            &mut self.scratch,
        );
        for (&i, cv) in group.iter().zip(self.scratch.chunks_exact(32)) {
            for (w, b) in self.cvs[i].iter_mut().zip(cv.chunks_exact(4)) {
                *w = u32::from_le_bytes(b.try_into().expect("four bytes"));
            }
        }
    }
}

/// The flags of the last block of an input with `k` blocks before it.
fn last_flags(k: usize) -> u8 {
    CHUNK_END | ROOT | if k == 0 { CHUNK_START } else { 0 }
}

mod last_blocks;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A hasher for each way of compressing the last blocks this CPU has: one by one, and 16 at a time (AVX-512).
    fn hashers() -> Vec<ManyHasher> {
        let one_by_one = ManyHasher {
            wide_last_blocks: false,
            ..ManyHasher::default()
        };
        let mut all = vec![one_by_one];
        if last_blocks::available() {
            all.push(ManyHasher {
                wide_last_blocks: true,
                ..ManyHasher::default()
            });
        }
        all
    }

    /// Deterministic bytes of length `n` (every byte value occurs).
    fn input(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn every_length_up_to_two_chunks_hashes_as_blake3_hash() {
        // All lengths at once (one batch, many block-count groups), then each alone.
        let inputs: Vec<Vec<u8>> = (0..=2100).map(|n| input(n, n as u8)).collect();
        let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
        let mut out = vec![[0u8; 32]; refs.len()];
        let mut hasher = ManyHasher::default();
        hasher.hash_each(&refs, &mut out);
        for (i, o) in refs.iter().zip(&out) {
            assert_eq!(o, blake3::hash(i).as_bytes(), "length {}", i.len());
            let mut one = [[0u8; 32]];
            hasher.hash_each(&[i], &mut one);
            assert_eq!(
                &one[0],
                blake3::hash(i).as_bytes(),
                "length {} alone",
                i.len()
            );
        }
    }

    proptest! {
        /// Random batches of random lengths (many sharing a block count, so `hash_many` fills its lanes).
        #[test]
        fn a_batch_hashes_each_input_as_blake3_hash(
            inputs in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..1100),
                    proptest::collection::vec(any::<u8>(), 250..330),
                ],
                0..80,
            )
        ) {
            let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
            for mut hasher in hashers() {
                let mut out = vec![[0u8; 32]; refs.len()];
                hasher.hash_each(&refs, &mut out);
                for (i, o) in refs.iter().zip(&out) {
                    let want: [u8; 32] = blake3::hash(i).into();
                    prop_assert_eq!(o, &want, "length {}", i.len());
                }
            }
        }
    }
}
