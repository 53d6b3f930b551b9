//! A small seeded pseudo-random generator (SplitMix64) for host shuffling and backoff jitter,
//! and where its seed comes from when the caller gives none.
//!
//! A given seed makes every run reproducible; without one, [`entropy`] draws a seed from the
//! operating system's randomness, so that processes do not all shuffle their hosts alike.

/// SplitMix64: tiny, fast and good enough for shuffling and jitter (not for secrets).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (`bound > 0`).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        // Multiply-shift keeps the bias negligible for the small bounds used here.
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// Fisher-Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// A seed from the operating system's randomness, different for every call.
///
/// The standard library's `RandomState` holds SipHash keys drawn from the OS once per thread
/// and moved on for each new instance: hashing nothing with a fresh one yields 64
/// unpredictable bits. No crate needed: `getrandom` would bring `libc`, which the dependency
/// check keeps out of the core, and `fastrand`'s own seed is a hash of the clock and the
/// thread id, a clock the core must not read. This is the only place the core takes anything
/// from its environment.
pub(crate) fn entropy() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(())
}
