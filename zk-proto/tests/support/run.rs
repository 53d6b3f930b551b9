//! [`Run`]: a [`Script`] driven by generated steps (a fuzz input, a proptest strategy), with
//! the server's view of the connection kept for the steps to answer and every output checked by
//! a [`Ledger`].

use std::collections::VecDeque;
use std::time::Duration;

use zk_proto::records::ConnectRequest;
use zk_proto::{Action, Request, SessionConfig};

use super::{Frame, Ledger, Script};

pub struct Run {
    pub script: Script,
    pub ledger: Ledger,
    /// (xid, opcode) of the frames sent on the current connection and not answered yet, oldest
    /// first: requests, pings, auth and SetWatches alike, as a server reads them.
    pub in_flight: VecDeque<(i32, i32)>,
    /// The ConnectRequest sent on the current connection, until a step answers it (or not).
    pub handshake: Option<ConnectRequest>,
    /// How long `close` may take, from the configuration.
    close_timeout: Duration,
}

impl Run {
    /// A session on `config`; its first Connect is left for the steps to answer.
    pub fn new(config: SessionConfig) -> Run {
        let close_timeout = config.close_timeout;
        let mut run = Run {
            close_timeout,
            script: Script::new(config),
            ledger: Ledger::default(),
            in_flight: VecDeque::new(),
            handshake: None,
        };
        run.drain();
        run
    }

    /// Submits `request`; if the session takes it, it must complete exactly once.
    pub fn submit(&mut self, request: Request) {
        let now = self.script.now;
        if let Ok(id) = self.script.session.submit(request, now) {
            self.ledger.issue(id);
        }
    }

    pub fn add_auth(&mut self, scheme: &str) {
        let now = self.script.now;
        if let Ok(id) = self.script.session.add_auth(scheme, b"u:p".to_vec(), now) {
            self.ledger.issue(id);
        }
    }

    /// Removes one of the watchers handed out so far (`pick` chooses which), ended or not.
    pub fn remove_watch(&mut self, pick: u8) {
        let watches = self.ledger.watches();
        if watches.is_empty() {
            return;
        }
        let watch = watches[usize::from(pick) % watches.len()];
        let now = self.script.now;
        // The session reports Removed itself: the ledger sees it as any other event.
        if let Ok(id) = self.script.session.remove_watch(watch, now) {
            self.ledger.issue(id);
        }
    }

    /// Takes everything the session has to say, until it has nothing more: actions (a new
    /// connection starts with nothing in flight), outputs (into the ledger) and frames (into
    /// `handshake` and `in_flight`). Connects and handshakes are left for the steps to answer.
    pub fn drain(&mut self) {
        loop {
            self.script.pump();
            let mut progressed = false;
            for action in std::mem::take(&mut self.script.transport) {
                progressed = true;
                if let Action::Connect { .. } = action {
                    self.in_flight.clear();
                    self.handshake = None;
                }
            }
            // No configuration of these runs asks for SASL, and a probe may go unanswered.
            self.script.probes.clear();
            self.script.sasl.clear();
            for output in std::mem::take(&mut self.script.events) {
                progressed = true;
                self.ledger.observe(&output);
            }
            for frame in self.script.frames() {
                progressed = true;
                match frame {
                    Frame::Connect(request) => self.handshake = Some(request),
                    Frame::Request(sent) => self.in_flight.push_back((sent.xid, sent.op)),
                }
            }
            if !progressed {
                return;
            }
        }
    }

    /// Closes the session and lets every timer run out (nobody answers any more), then panics
    /// unless the session closed within the close timeout, every request has completed and no
    /// watcher is left.
    pub fn finish(&mut self) {
        let start = self.script.now;
        self.script.session.close(self.script.now);
        self.drain();
        let mut closed_at = None;
        for _ in 0..1000 {
            let next = self.script.session.poll_timeout();
            if self.script.session.state().is_terminal() {
                closed_at = closed_at.or(Some(self.script.now));
                if next.is_none() {
                    break;
                }
            }
            let by = next.map_or(Duration::from_secs(1), |at| {
                at.saturating_duration_since(self.script.now)
            });
            self.script.advance(by);
            self.drain();
        }
        let state = self.script.session.state();
        let took = closed_at.map(|at| at.saturating_duration_since(start));
        assert!(
            took.is_some_and(|took| took <= self.close_timeout),
            "not closed within the close timeout ({:?}): {state:?}, closed after {took:?}",
            self.close_timeout
        );
        self.ledger.assert_settled();
        assert_eq!(
            self.script.session.watch_count(),
            0,
            "watchers left after close"
        );
    }
}
