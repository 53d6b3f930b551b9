//! Bookkeeping of application requests: queued (not yet sent), in flight (sent, awaiting a
//! reply, in xid order), and their deadlines. A request lives in exactly one of these places
//! until it completes, which is what makes "exactly one outcome per request" hold.

use std::collections::{BTreeSet, VecDeque};
use std::time::Instant;

use crate::session::output::RequestId;
use crate::session::prepare::{Prepared, ReplyKind, WatchAction};
use crate::watch::WatchKind;

/// A request waiting to be sent.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) id: RequestId,
    pub(crate) prepared: Prepared,
    pub(crate) deadline: Instant,
}

/// What an in-flight xid belongs to.
#[derive(Debug)]
pub(crate) enum InFlightKind {
    /// An application request. `abandoned` once its deadline passed: it has completed with
    /// RequestTimeout, but its reply is still due and must be consumed in order.
    User {
        id: RequestId,
        deadline: Instant,
        reply: ReplyKind,
        watch: WatchAction,
        client_path: Option<String>,
        abandoned: bool,
    },
    /// A watch re-registration batch.
    SetWatches,
    /// The CloseSession request.
    CloseSession,
}

#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) xid: i32,
    pub(crate) op: crate::opcode::OpCode,
    pub(crate) kind: InFlightKind,
}

#[derive(Debug, Default)]
pub(crate) struct Requests {
    pub(crate) queued: VecDeque<Queued>,
    pub(crate) in_flight: VecDeque<InFlight>,
    /// Application requests in `in_flight` (abandoned ones included: they still occupy the
    /// server's pipeline).
    pub(crate) user_in_flight: usize,
    /// Deadlines of every request that has not completed yet.
    pub(crate) deadlines: BTreeSet<(Instant, RequestId)>,
}

impl Requests {
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// Ids whose deadline is at or before `now`, removed from the deadline set.
    pub(crate) fn take_expired(&mut self, now: Instant) -> BTreeSet<RequestId> {
        let mut expired = BTreeSet::new();
        while let Some(&(at, id)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            expired.insert(id);
        }
        expired
    }

    /// Whether a queued or in-flight request will register a watcher of one of `kinds` on
    /// `path` when its reply arrives.
    pub(crate) fn will_register(&self, path: &str, kinds: &[WatchKind]) -> bool {
        let registers = |action: &WatchAction| match action {
            WatchAction::Register(kind, p) => p == path && kinds.contains(kind),
            WatchAction::RegisterExists(p) => {
                p == path && (kinds.contains(&WatchKind::Data) || kinds.contains(&WatchKind::Exist))
            }
            _ => false,
        };
        self.queued.iter().any(|q| registers(&q.prepared.watch))
            || self.in_flight.iter().any(|f| match &f.kind {
                InFlightKind::User {
                    watch, abandoned, ..
                } => !abandoned && registers(watch),
                _ => false,
            })
    }
}
