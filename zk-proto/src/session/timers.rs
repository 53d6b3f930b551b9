//! Timers: when [`Session::handle_timeout`] is next due, and the durations the session
//! derives from its session timeout (connect, read, ping, probation, loss).

use std::time::{Duration, Instant};

use super::{Phase, Session};

impl Session {
    /// When [`handle_timeout`](Session::handle_timeout) must next be called, if ever.
    ///
    /// It changes after every input and command: after a connect attempt starts (its
    /// deadline), when a SASL exchange starts (its deadline), on every send (the ping timer),
    /// on every receive (the read timeout), when a request is submitted or completes (its
    /// deadline), and on close.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let phase = match self.phase {
            Phase::Waiting { until } => Some(until),
            Phase::Connecting { deadline, .. } | Phase::Handshaking { deadline, .. } => {
                Some(deadline)
            }
            Phase::Connected {
                last_recv,
                last_send,
                ..
            } => {
                let (_, read, ping) = self.timeouts();
                Some((last_recv + read).min(last_send + ping))
            }
            Phase::Done => None,
        };
        let loss = self.loss_deadline();
        let close = self.closing.map(|c| c.deadline);
        let probe = self.rw_probe_due();
        let sasl = self.sasl_deadline();
        [
            phase,
            loss,
            close,
            probe,
            sasl,
            self.requests.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The session timeout in force: the negotiated one once known, else the requested one.
    pub(super) fn session_timeout(&self) -> Duration {
        self.negotiated_timeout.unwrap_or(self.requested_timeout)
    }

    /// (connect, read, ping) timeouts, derived from the session timeout T as the Java client
    /// does (`ClientCnxn`): connect T/n per host, read 2T/3 without hearing anything, and a
    /// ping after T/3 without sending (at most every 10 s, MAX_SEND_PING_INTERVAL).
    pub(super) fn timeouts(&self) -> (Duration, Duration, Duration) {
        let t = self.session_timeout();
        let hosts = self.hosts.len().max(1) as u32;
        let connect = (t / hosts).max(Duration::from_millis(1));
        let read = t * 2 / 3;
        let ping = (t / 3).min(Duration::from_secs(10));
        (connect, read, ping)
    }

    /// How long a connection must stay up before its loss no longer counts as a failed
    /// attempt: a third of the session timeout (the ping interval), at most two seconds.
    pub(super) fn probation(&self) -> Duration {
        (self.session_timeout() / 3).min(Duration::from_secs(2))
    }

    /// When the session counts as lost without contact: a whole session timeout after a
    /// server was last heard from, while no connection is established.
    pub(super) fn loss_deadline(&self) -> Option<Instant> {
        if self.session_id == 0 || matches!(self.phase, Phase::Connected { .. } | Phase::Done) {
            return None;
        }
        self.last_heard.map(|at| at + self.session_timeout())
    }
}
