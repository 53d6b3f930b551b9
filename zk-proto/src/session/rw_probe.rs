//! Looking for a read/write server while connected to a read-only one
//! (`docs/protocol.md#the-readwrite-probe`).
//!
//! A read-only server is a minority member that lost its quorum. The majority may still be
//! serving writes elsewhere, and a client that stays put would never see them. Like the Java
//! client, the session asks the other servers in turn whether they serve read/write (the `isro`
//! four-letter word, on a connection of its own), waiting 100 ms before the first question and
//! twice as long before each next one, up to a minute; when one answers `rw` the read-only
//! connection is dropped and that server is connected to next.

use std::fmt;
use std::time::{Duration, Instant};

use super::{Action, Phase, Session};
use crate::connect_string::HostPort;

/// The wait before the first question (the Java client's initial `pingRwTimeout`).
const FIRST_WAIT: Duration = Duration::from_millis(100);
/// The longest wait between questions (the Java client's cap).
const MAX_WAIT: Duration = Duration::from_secs(60);
/// How long one question may take, connection included (the Java client's socket timeout).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(1);

/// Identifies one read/write probe. An answer to a probe that is no longer current is ignored.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProbeId(pub(crate) u64);

impl ProbeId {
    /// The raw value (for logs).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for ProbeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProbeId({})", self.0)
    }
}

/// The probing schedule of the current read-only connection.
#[derive(Debug, Default)]
pub(crate) struct RwProbe {
    /// When the next question is due; `None` while one is out or when not probing.
    next_at: Option<Instant>,
    wait: Duration,
    /// The question out, and whom it went to.
    pending: Option<(ProbeId, HostPort)>,
    next_id: u64,
    /// Index into the host list of the next server to ask.
    cursor: usize,
}

impl RwProbe {
    /// Starts probing for a new read-only connection. The wait keeps growing from one
    /// read-only connection to the next until a read/write server is connected: a server that
    /// answers `rw` but then refuses the session (one that has not seen the client's last
    /// zxid) is not retried in a tight loop.
    fn start(&mut self, now: Instant) {
        self.wait = self.wait.max(FIRST_WAIT);
        self.next_at = Some(now + self.wait);
        self.pending = None;
    }

    /// Stops probing (the connection is gone).
    fn stop(&mut self) {
        self.next_at = None;
        self.pending = None;
    }
}

impl Session {
    /// Called on every handshake: probing runs only while connected to a read-only server and
    /// when there is another server to ask.
    pub(super) fn reset_rw_probe(&mut self, now: Instant) {
        if !self.read_only {
            // A read/write server: the next read-only spell starts with a short wait again.
            self.rw_probe.stop();
            self.rw_probe.wait = Duration::ZERO;
        } else if self.hosts.len() > 1 {
            self.rw_probe.start(now);
        } else {
            self.rw_probe.stop();
        }
    }

    /// When the next question is due, if the session is probing.
    pub(super) fn rw_probe_due(&self) -> Option<Instant> {
        if self.read_only && matches!(self.phase, Phase::Connected { .. }) && self.closing.is_none()
        {
            self.rw_probe.next_at
        } else {
            None
        }
    }

    /// Sends the next question if it is due.
    pub(super) fn poll_rw_probe(&mut self, now: Instant) {
        if self.rw_probe_due().is_none_or(|at| now < at) {
            return;
        }
        let hosts = self.hosts.hosts();
        let probe = &mut self.rw_probe;
        // The next server that is not the one we are on.
        let mut host = None;
        for _ in 0..hosts.len() {
            let candidate = &hosts[probe.cursor % hosts.len()];
            probe.cursor = (probe.cursor + 1) % hosts.len();
            if Some(candidate) != self.current_host.as_ref() {
                host = Some(candidate.clone());
                break;
            }
        }
        let Some(host) = host else {
            probe.stop();
            return;
        };
        let id = ProbeId(probe.next_id);
        probe.next_id += 1;
        probe.next_at = None;
        probe.pending = Some((id, host.clone()));
        probe.wait = (probe.wait * 2).min(MAX_WAIT);
        tracing::debug!(probe = id.0, %host, "asking whether it serves read/write");
        self.actions.push_back(Action::ProbeReadWrite {
            probe: id,
            host,
            deadline: now + ANSWER_TIMEOUT,
        });
    }

    /// Input: the answer to an [`Action::ProbeReadWrite`]. `read_write` is whether the server
    /// answered `isro` with `rw`; anything else (`ro`, an error, no answer by the deadline) is
    /// `false`.
    ///
    /// On `true`, while still connected to a read-only server, the session drops that
    /// connection (requests in flight fail with `ConnectionLoss`, the state passes through
    /// `Suspended`) and connects to the server that answered. Its read-only session was local
    /// to that server, so the read/write server grants a new one.
    pub fn handle_probe_result(&mut self, probe: ProbeId, read_write: bool, now: Instant) {
        let Some((pending, host)) = self.rw_probe.pending.take() else {
            return;
        };
        if pending != probe {
            self.rw_probe.pending = Some((pending, host));
            return;
        }
        if !(self.read_only && matches!(self.phase, Phase::Connected { .. })) {
            // Answered after the read-only connection ended: a new one starts over.
            return;
        }
        if self.closing.is_some() {
            // Closing: the session ends on the server it is on.
            return;
        }
        if !read_write {
            self.rw_probe.next_at = Some(now + self.rw_probe.wait);
            return;
        }
        tracing::info!(%host, "found a read/write server; leaving the read-only one");
        self.rw_probe.stop();
        self.hosts.prefer(&host);
        self.connection_lost(now, true);
    }
}
