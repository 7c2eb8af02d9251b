//! Deterministic randomness: every generated value is a pure function of (seed, stream, index), so a data set of
//! ten million rows needs no memory and two runs with the same seed see the same rows and the same faults.

/// SplitMix64 finaliser: a cheap, well-mixed hash of one 64-bit word.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of (seed, stream, index, salt): independent streams per column keep values uncorrelated.
pub fn h(seed: u64, stream: u64, idx: u64, salt: u64) -> u64 {
    mix(seed ^ mix(stream.wrapping_mul(0x1000_0000_01B3) ^ mix(idx ^ mix(salt))))
}

/// A uniform float in [0, 1) from a hash.
pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A small sequential generator for the fault injector and the mutation picker (seeded, so tests repeat).
#[derive(Debug, Clone)]
pub struct SeqRng(u64);

impl SeqRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(1);
        mix(self.0)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && unit(self.next_u64()) < p
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_inputs_give_same_hash_and_streams_differ() {
        assert_eq!(
            h(1, 2, 3, 4),
            h(1, 2, 3, 4),
            "generation must be reproducible"
        );
        assert_ne!(
            h(1, 2, 3, 4),
            h(1, 3, 3, 4),
            "columns must not share a stream"
        );
        let u = unit(h(9, 9, 9, 9));
        assert!((0.0..1.0).contains(&u), "unit() must stay in [0,1)");
    }
}
