//! What a hostile server saw: connections (with monotonic timestamps), bytes and frames, kept
//! under one lock with a condition variable so that tests can wait for an event.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use zk_proto::records::ConnectRequest;

/// A snapshot of a [`HostileServer`](super::HostileServer)'s counters.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Stats {
    /// When each TCP connection was accepted, in order (`Instant`, a monotonic clock),
    /// four-letter-word connections included.
    pub accepted: Vec<Instant>,
    /// Every ConnectRequest read, in order.
    pub connect_requests: Vec<ConnectRequest>,
    /// Connections that carried a four-letter word (`srvr`, `isro`, ...) instead of a
    /// session.
    pub four_letter_words: usize,
    /// Pings read (xid -2).
    pub pings: usize,
    /// Frames read after the handshake that were not pings.
    pub requests: usize,
    /// Bytes read from clients.
    pub bytes_in: u64,
    /// Bytes written to clients.
    pub bytes_out: u64,
    /// Connections open now.
    pub open: usize,
}

impl Stats {
    /// Connections accepted at or after `from` and at or before `to`.
    pub fn accepted_between(&self, from: Instant, to: Instant) -> usize {
        self.accepted
            .iter()
            .filter(|at| **at >= from && **at <= to)
            .count()
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(super) struct Recorder {
    stats: Mutex<Stats>,
    changed: Condvar,
}

impl Recorder {
    fn lock(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `update` and wakes whoever waits for a change.
    pub(super) fn record(&self, update: impl FnOnce(&mut Stats)) {
        update(&mut self.lock());
        self.changed.notify_all();
    }

    pub(super) fn snapshot(&self) -> Stats {
        self.lock().clone()
    }

    /// Waits until `done` holds for the counters, for at most `timeout`; whether it held.
    pub(super) fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&Stats) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        let mut stats = self.lock();
        loop {
            if done(&stats) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            stats = self
                .changed
                .wait_timeout(stats, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}
