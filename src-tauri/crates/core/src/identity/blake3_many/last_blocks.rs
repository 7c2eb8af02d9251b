//! BLAKE3's compression function over 16 inputs at once, each with its own chaining value, block, length and flags:
//! the last blocks of a batch (see `blake3_many`), which the crate can only compress one by one. Written over plain
//! arrays of 16 lanes and compiled for AVX-512, where one instruction covers all lanes; used only on CPUs that have
//! it (`available`). The function is the specification's (§2.2: the state, `g`, seven rounds, the message permutation);
//! the tests compare it with the crate's `compress_in_place`, and every hashing path with `blake3::hash`.

use super::{BLOCK_LEN, IV};

pub(super) const LANES: usize = 16;
type Lanes = [u32; LANES];

/// Whether `LastBlocks::compress` can run here (x86-64 with AVX-512F).
pub(super) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// BLAKE3's message word permutation between rounds.
const PERMUTATION: [usize; 16] = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

/// The last blocks of up to `LANES` inputs, transposed: word `w` of every lane's chaining value or block in one
/// array, so each step of the compression function is one operation over all lanes.
#[derive(Default)]
pub(super) struct LastBlocks {
    cv: [Lanes; 8],
    block: [Lanes; 16],
    len: Lanes,
    flags: Lanes,
}

impl LastBlocks {
    /// Lane `n` gets chaining value `cv`, the last block `last` (at most 64 bytes, zero-padded) and `flags`.
    pub(super) fn set(&mut self, n: usize, cv: &[u32; 8], last: &[u8], flags: u8) {
        let mut bytes = [0u8; BLOCK_LEN];
        bytes[..last.len()].copy_from_slice(last);
        for (w, word) in bytes.chunks_exact(4).enumerate() {
            self.block[w][n] = u32::from_le_bytes(word.try_into().expect("four bytes"));
        }
        for (w, &c) in cv.iter().enumerate() {
            self.cv[w][n] = c;
        }
        self.len[n] = last.len() as u32;
        self.flags[n] = u32::from(flags);
    }

    /// Compresses lanes `0..inputs.len()` (chunk counter 0) and writes lane `n`'s output (the first 32 bytes, the
    /// hash of a root block) to `out[inputs[n]]`. Only where `available`.
    pub(super) fn compress(&self, inputs: &[usize], out: &mut [[u8; 32]]) {
        assert!(available(), "the wide compression needs AVX-512F");
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX-512F (asserted above), the only feature `compress_avx512` is compiled for.
        unsafe {
            self.compress_avx512(inputs, out)
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.compress_lanes(inputs, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn compress_avx512(&self, inputs: &[usize], out: &mut [[u8; 32]]) {
        self.compress_lanes(inputs, out)
    }

    /// The compression itself, inlined into `compress_avx512` so that it is compiled with AVX-512.
    #[inline(always)]
    fn compress_lanes(&self, inputs: &[usize], out: &mut [[u8; 32]]) {
        let mut v = [[0u32; LANES]; 16];
        v[..8].copy_from_slice(&self.cv);
        for w in 0..4 {
            v[8 + w] = [IV[w]; LANES];
        }
        // Words 12 and 13 are the chunk counter's halves: 0.
        v[14] = self.len;
        v[15] = self.flags;
        let mut m = self.block;
        for r in 0..7 {
            round(&mut v, &m);
            if r < 6 {
                m = std::array::from_fn(|w| m[PERMUTATION[w]]);
            }
        }
        for (n, &i) in inputs.iter().enumerate() {
            for (w, o) in out[i].chunks_exact_mut(4).enumerate() {
                o.copy_from_slice(&(v[w][n] ^ v[w + 8][n]).to_le_bytes());
            }
        }
    }
}

/// One round: `g` on the columns of the 4x4 state, then on its diagonals.
#[inline(always)]
fn round(v: &mut [Lanes; 16], m: &[Lanes; 16]) {
    g(v, [0, 4, 8, 12], &m[0], &m[1]);
    g(v, [1, 5, 9, 13], &m[2], &m[3]);
    g(v, [2, 6, 10, 14], &m[4], &m[5]);
    g(v, [3, 7, 11, 15], &m[6], &m[7]);
    g(v, [0, 5, 10, 15], &m[8], &m[9]);
    g(v, [1, 6, 11, 12], &m[10], &m[11]);
    g(v, [2, 7, 8, 13], &m[12], &m[13]);
    g(v, [3, 4, 9, 14], &m[14], &m[15]);
}

/// The quarter-round on state words `a b c d` with message words `x y`, in every lane. The four words are copied
/// out and back so the compiler sees four separate arrays (and vectorises the lane loop).
#[inline(always)]
fn g(v: &mut [Lanes; 16], [a, b, c, d]: [usize; 4], x: &Lanes, y: &Lanes) {
    let (mut va, mut vb, mut vc, mut vd) = (v[a], v[b], v[c], v[d]);
    for l in 0..LANES {
        va[l] = va[l].wrapping_add(vb[l]).wrapping_add(x[l]);
        vd[l] = (vd[l] ^ va[l]).rotate_right(16);
        vc[l] = vc[l].wrapping_add(vd[l]);
        vb[l] = (vb[l] ^ vc[l]).rotate_right(12);
        va[l] = va[l].wrapping_add(vb[l]).wrapping_add(y[l]);
        vd[l] = (vd[l] ^ va[l]).rotate_right(8);
        vc[l] = vc[l].wrapping_add(vd[l]);
        vb[l] = (vb[l] ^ vc[l]).rotate_right(7);
    }
    (v[a], v[b], v[c], v[d]) = (va, vb, vc, vd);
}

#[cfg(test)]
mod tests {
    use super::*;
    use blake3::platform::Platform;
    use proptest::prelude::*;

    proptest! {
        /// Each lane gives what the crate's own compression gives for its chaining value, block, length and flags,
        /// whether or not the other lanes are used (the plain lanes here, on any CPU; with AVX-512 too when the CPU
        /// has it).
        #[test]
        fn each_lane_compresses_as_the_crate_does(
            lanes in proptest::collection::vec(
                (
                    any::<[u32; 8]>(),
                    proptest::collection::vec(any::<u8>(), 0..=BLOCK_LEN),
                    0u8..16,
                ),
                1..=LANES,
            )
        ) {
            let mut blocks = LastBlocks::default();
            let mut want = vec![[0u8; 32]; lanes.len()];
            for (n, (cv, last, flags)) in lanes.iter().enumerate() {
                blocks.set(n, cv, last, *flags);
                let mut block = [0u8; BLOCK_LEN];
                block[..last.len()].copy_from_slice(last);
                let mut cv = *cv;
                Platform::detect().compress_in_place(&mut cv, &block, last.len() as u8, 0, *flags);
                for (o, w) in want[n].chunks_exact_mut(4).zip(cv) {
                    o.copy_from_slice(&w.to_le_bytes());
                }
            }
            let inputs: Vec<usize> = (0..lanes.len()).collect();
            let mut got = vec![[0u8; 32]; lanes.len()];
            blocks.compress_lanes(&inputs, &mut got);
            prop_assert_eq!(&got, &want);
            if available() {
                let mut wide = vec![[0u8; 32]; lanes.len()];
                blocks.compress(&inputs, &mut wide);
                prop_assert_eq!(&wide, &want);
            }
        }
    }
}
