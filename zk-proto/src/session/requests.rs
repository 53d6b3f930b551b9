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
    /// `Error::Timeout`, but its reply is still due and must be consumed in order.
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
    /// A removeWatches the session sent on its own (a watcher nobody receives).
    WatchRemoval,
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
    pub(crate) deadlines: Deadlines,
}

/// One slot of [`Deadlines::ordered`].
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// Completed, expired, or never given a deadline here.
    Done,
    /// Waiting, with this deadline.
    Live(Instant),
}

/// The deadlines of the requests that have not completed yet.
///
/// Request ids are handed out in order and deadlines nearly always grow with them (one
/// timeout per session), and requests mostly complete in order. So the common case is a
/// queue indexed by id: inserting is a push at the back, completing marks a slot and pops
/// finished slots off the front, and the earliest deadline is the front's. A deadline earlier
/// than one already queued (a shorter per-request timeout) goes to an ordered set instead.
/// No allocation per request in the steady state, unlike a set node per request.
#[derive(Debug, Default)]
pub(crate) struct Deadlines {
    /// Slot `i` belongs to request id `base + i`. Live deadlines never decrease from front to
    /// back, and the front slot is never `Done`.
    ordered: VecDeque<Slot>,
    base: u64,
    /// The latest deadline ever queued in `ordered`.
    last: Option<Instant>,
    /// Deadlines that arrived out of order.
    out_of_order: BTreeSet<(Instant, RequestId)>,
}

impl Deadlines {
    /// Records the deadline of a new request.
    pub(crate) fn insert(&mut self, deadline: Instant, id: RequestId) {
        let end = self.base + self.ordered.len() as u64;
        let in_order = self.ordered.is_empty() || self.last.is_none_or(|last| deadline >= last);
        if in_order && (self.ordered.is_empty() || id.0 >= end) {
            if self.ordered.is_empty() {
                self.base = id.0;
            } else {
                for _ in end..id.0 {
                    self.ordered.push_back(Slot::Done);
                }
            }
            self.ordered.push_back(Slot::Live(deadline));
            self.last = Some(deadline);
        } else {
            self.out_of_order.insert((deadline, id));
        }
    }

    /// Forgets the deadline of a request that completed (a no-op if it has none).
    pub(crate) fn remove(&mut self, deadline: Instant, id: RequestId) {
        if let Some(index) = id.0.checked_sub(self.base) {
            if let Some(slot) = self.ordered.get_mut(index as usize) {
                if matches!(*slot, Slot::Live(at) if at == deadline) {
                    *slot = Slot::Done;
                    self.prune();
                    return;
                }
            }
        }
        if !self.out_of_order.is_empty() {
            self.out_of_order.remove(&(deadline, id));
        }
    }

    /// Pops finished slots off the front.
    fn prune(&mut self) {
        while let Some(Slot::Done) = self.ordered.front() {
            self.ordered.pop_front();
            self.base += 1;
        }
    }

    /// The earliest deadline.
    pub(crate) fn first(&self) -> Option<Instant> {
        let ordered = match self.ordered.front() {
            Some(Slot::Live(at)) => Some(*at),
            _ => None,
        };
        let other = self.out_of_order.first().map(|(at, _)| *at);
        match (ordered, other) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Ids whose deadline is at or before `now`, removed.
    pub(crate) fn take_expired(&mut self, now: Instant) -> BTreeSet<RequestId> {
        let mut expired = BTreeSet::new();
        while let Some(&slot) = self.ordered.front() {
            match slot {
                Slot::Live(at) if at > now => break,
                Slot::Live(_) => {
                    expired.insert(RequestId(self.base));
                }
                Slot::Done => {}
            }
            self.ordered.pop_front();
            self.base += 1;
        }
        self.prune();
        while let Some(&(at, id)) = self.out_of_order.first() {
            if at > now {
                break;
            }
            self.out_of_order.pop_first();
            expired.insert(id);
        }
        expired
    }

    /// Whether no deadline is recorded.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.ordered.is_empty() && self.out_of_order.is_empty()
    }
}

impl Requests {
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first()
    }

    /// Ids whose deadline is at or before `now`, removed from the deadline set.
    pub(crate) fn take_expired(&mut self, now: Instant) -> BTreeSet<RequestId> {
        self.deadlines.take_expired(now)
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    #[allow(
        clippy::disallowed_methods,
        reason = "a test needs one real Instant to offset from"
    )]
    fn deadlines_in_and_out_of_order() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut d = Deadlines::default();
        d.insert(at(10), RequestId(1));
        d.insert(at(20), RequestId(2));
        d.insert(at(5), RequestId(3)); // out of order
        d.insert(at(30), RequestId(7)); // a gap of ids without deadlines
        assert_eq!(d.first(), Some(at(5)));
        d.remove(at(5), RequestId(3));
        assert_eq!(d.first(), Some(at(10)));
        d.remove(at(20), RequestId(2));
        assert_eq!(d.first(), Some(at(10)));
        d.remove(at(10), RequestId(1));
        assert_eq!(d.first(), Some(at(30)));
        // Removing twice, or what was never there, is a no-op.
        d.remove(at(10), RequestId(1));
        d.remove(at(99), RequestId(42));
        assert_eq!(d.first(), Some(at(30)));
        d.insert(at(40), RequestId(8));
        d.insert(at(35), RequestId(9));
        let expired: Vec<_> = d.take_expired(at(36)).into_iter().collect();
        assert_eq!(expired, vec![RequestId(7), RequestId(9)]);
        assert_eq!(d.first(), Some(at(40)));
        d.remove(at(40), RequestId(8));
        assert!(d.is_empty());
        assert_eq!(d.first(), None);
    }
}
