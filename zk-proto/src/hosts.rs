//! Host choice: a seeded shuffle, round-robin rotation, and capped exponential backoff with
//! jitter after every full pass that failed (`docs/protocol.md#reconnect-and-backoff`).

use std::time::Duration;

use crate::connect_string::HostPort;
use crate::rng::Rng;

/// Rotates through the servers and decides how long to wait between attempts.
#[derive(Debug, Clone)]
pub(crate) struct HostRotation {
    hosts: Vec<HostPort>,
    cursor: usize,
    /// Attempts that failed since the last successful handshake.
    failures: u32,
    backoff_initial: Duration,
    backoff_max: Duration,
}

impl HostRotation {
    /// Shuffles `hosts` once with `rng`, like `StaticHostProvider`, so that clients of one
    /// ensemble spread over its servers.
    pub(crate) fn new(
        mut hosts: Vec<HostPort>,
        rng: &mut Rng,
        backoff_initial: Duration,
        backoff_max: Duration,
    ) -> Self {
        rng.shuffle(&mut hosts);
        HostRotation {
            hosts,
            cursor: 0,
            failures: 0,
            backoff_initial,
            backoff_max,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.hosts.len()
    }

    pub(crate) fn hosts(&self) -> &[HostPort] {
        &self.hosts
    }

    /// The host for the next attempt; advances the rotation.
    pub(crate) fn next_host(&mut self) -> HostPort {
        let host = self.hosts[self.cursor].clone();
        self.cursor = (self.cursor + 1) % self.hosts.len();
        host
    }

    /// Records a failed attempt. Returns the delay before the next attempt: zero inside a pass,
    /// and after each full failed pass a backoff that doubles per pass up to the cap, with
    /// jitter in `[delay/2, delay]` so that many clients do not retry in lockstep.
    pub(crate) fn on_failure(&mut self, rng: &mut Rng) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let n = self.hosts.len() as u32;
        if self.failures % n != 0 {
            return Duration::ZERO;
        }
        let passes = self.failures / n;
        let shift = (passes - 1).min(20);
        let delay = self
            .backoff_initial
            .saturating_mul(1 << shift)
            .min(self.backoff_max);
        let half = delay / 2;
        let jitter_nanos = rng.below(half.as_nanos().max(1) as u64);
        half + Duration::from_nanos(jitter_nanos)
    }

    /// Makes `host` the next one tried (a read/write server found while on a read-only one).
    pub(crate) fn prefer(&mut self, host: &HostPort) {
        if let Some(index) = self.hosts.iter().position(|h| h == host) {
            self.cursor = index;
        }
    }

    /// Records a successful handshake: the next failure starts a fresh pass.
    pub(crate) fn on_success(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rotation(n: usize) -> (HostRotation, Rng) {
        let mut rng = Rng::new(7);
        let hosts = (0..n)
            .map(|i| HostPort::new(format!("h{i}"), 2181))
            .collect();
        let r = HostRotation::new(
            hosts,
            &mut rng,
            Duration::from_millis(100),
            Duration::from_secs(2),
        );
        (r, rng)
    }

    #[test]
    fn visits_every_host_once_per_pass() {
        let (mut r, _) = rotation(5);
        let mut seen: Vec<String> = (0..5).map(|_| r.next_host().host).collect();
        seen.sort();
        assert_eq!(seen, ["h0", "h1", "h2", "h3", "h4"]);
    }

    #[test]
    fn backs_off_only_after_full_passes_and_caps() {
        let (mut r, mut rng) = rotation(3);
        assert_eq!(r.on_failure(&mut rng), Duration::ZERO);
        assert_eq!(r.on_failure(&mut rng), Duration::ZERO);
        let first = r.on_failure(&mut rng);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        for _ in 0..60 {
            let d = r.on_failure(&mut rng);
            assert!(d <= Duration::from_secs(2));
        }
        r.on_success();
        assert_eq!(r.on_failure(&mut rng), Duration::ZERO);
    }

    #[test]
    fn the_shuffle_depends_on_the_seed_only() {
        let order = |seed| {
            let mut rng = Rng::new(seed);
            let hosts = (0..8).map(|i| HostPort::new(format!("h{i}"), 1)).collect();
            let r = HostRotation::new(hosts, &mut rng, Duration::ZERO, Duration::ZERO);
            r.hosts().to_vec()
        };
        assert_eq!(order(1), order(1));
        assert_ne!(order(1), order(2));
    }
}
