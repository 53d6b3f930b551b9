//! The one-shot hand-over of a request's reply from the driver to the caller, and the table
//! that finds it by request id.
//!
//! A slot is an `Arc` holding the reply and the caller's waker behind a mutex that each side
//! takes once: lighter than a general channel (one allocation instead of three, no queue). And
//! slots are recycled: the table keeps the ones it completed and reuses each once its caller
//! has let go of it, so a steady stream of requests allocates none.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use zk_proto::{Error, RequestId, Response, WatchId};

/// A request's outcome, with the watcher it registered.
pub(crate) type Reply = Result<(Response, Option<WatchId>), Error>;

#[derive(Default)]
struct Inner {
    reply: Option<Reply>,
    waker: Option<Waker>,
    /// The driver dropped the slot without a reply (the client is gone).
    closed: bool,
}

#[derive(Default)]
pub(crate) struct Slot {
    inner: Mutex<Inner>,
}

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores the reply (or marks the slot closed); returns the waker to wake.
    #[must_use]
    fn finish(&self, reply: Option<Reply>) -> Option<Waker> {
        let mut inner = self.lock();
        match reply {
            Some(reply) => inner.reply = Some(reply),
            None => inner.closed = true,
        }
        inner.waker.take()
    }
}

/// The caller's side: resolves to the reply, or `Closed` if the client went away first.
pub(crate) struct ReplyFuture {
    slot: Arc<Slot>,
}

impl Future for ReplyFuture {
    type Output = Reply;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Reply> {
        let mut inner = self.slot.lock();
        if let Some(reply) = inner.reply.take() {
            return Poll::Ready(reply);
        }
        if inner.closed {
            return Poll::Ready(Err(Error::Closed));
        }
        match &inner.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => inner.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// An entry of the table: the slot, and whether the request asked for a watcher.
struct Pending {
    slot: Arc<Slot>,
    watch: bool,
}

/// Slots of the requests awaiting a reply, indexed by request id. Ids grow by one per request
/// and replies mostly come back in order, so this is a queue with holes rather than a map:
/// no hashing, no allocation per request.
#[derive(Default)]
pub(crate) struct Completions {
    /// Entry `i` is request `base + i`; the front entry is never `None`.
    pending: VecDeque<Option<Pending>>,
    base: u64,
    /// Completed slots, oldest first, for reuse once their callers dropped them.
    spare: VecDeque<Arc<Slot>>,
}

/// How many completed slots are kept for reuse.
const SPARE_LIMIT: usize = 4096;

impl Completions {
    /// A slot for request `id` (ids must grow from call to call), and the caller's future.
    pub(crate) fn insert(&mut self, id: RequestId, watch: bool) -> ReplyFuture {
        self.insert_raw(id.get(), watch)
    }

    fn insert_raw(&mut self, id: u64, watch: bool) -> ReplyFuture {
        let slot = self.reusable().unwrap_or_default();
        let entry = Pending {
            slot: slot.clone(),
            watch,
        };
        let end = self.base + self.pending.len() as u64;
        if self.pending.is_empty() {
            self.base = id;
            self.pending.push_back(Some(entry));
        } else if id >= end {
            for _ in end..id {
                self.pending.push_back(None);
            }
            self.pending.push_back(Some(entry));
        } else {
            // Ids only grow; if one ever did not, it must still be delivered.
            debug_assert!(false, "request ids out of order");
            let index = id.saturating_sub(self.base) as usize;
            if let Some(hole) = self.pending.get_mut(index) {
                *hole = Some(entry);
            }
        }
        ReplyFuture { slot }
    }

    /// The oldest spare slot, if its caller is done with it.
    fn reusable(&mut self) -> Option<Arc<Slot>> {
        let front = self.spare.front_mut()?;
        let inner = Arc::get_mut(front)?;
        *inner.inner.get_mut().unwrap_or_else(|e| e.into_inner()) = Inner::default();
        self.spare.pop_front()
    }

    /// Delivers the reply of request `id`, adding the caller's waker to `wake` (woken by the
    /// driver once it has let go of the lock); returns whether the request had asked for a
    /// watcher (false when nobody waits for it).
    pub(crate) fn complete(&mut self, id: RequestId, reply: Reply, wake: &mut Vec<Waker>) -> bool {
        self.complete_raw(id.get(), reply, wake)
    }

    fn complete_raw(&mut self, id: u64, reply: Reply, wake: &mut Vec<Waker>) -> bool {
        let Some(index) = id.checked_sub(self.base) else {
            return false;
        };
        let Some(mut entry) = self.pending.get_mut(index as usize).and_then(Option::take) else {
            return false;
        };
        while let Some(None) = self.pending.front() {
            self.pending.pop_front();
            self.base += 1;
        }
        if Arc::get_mut(&mut entry.slot).is_some() {
            // The caller gave up (its future was dropped): the reply is dropped now rather
            // than kept in a spare slot until that slot is reused.
            drop(reply);
        } else {
            wake.extend(entry.slot.finish(Some(reply)));
        }
        if self.spare.len() >= SPARE_LIMIT {
            // The oldest is still held by its caller; let it go.
            self.spare.pop_front();
        }
        self.spare.push_back(entry.slot);
        entry.watch
    }
}

impl Drop for Completions {
    fn drop(&mut self) {
        for entry in self.pending.drain(..).flatten() {
            if let Some(waker) = entry.slot.finish(None) {
                waker.wake();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk_proto::ErrorCode;

    fn poll(fut: &mut ReplyFuture) -> Poll<Reply> {
        let waker = Waker::noop();
        Pin::new(fut).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn replies_reach_their_callers_in_any_order_and_slots_are_reused() {
        let mut table = Completions::default();
        let mut a = table.insert_raw(1, false);
        let mut b = table.insert_raw(2, true);
        let mut c = table.insert_raw(5, false);
        assert!(poll(&mut a).is_pending());
        assert!(table.complete_raw(2, Err(Error::Server(ErrorCode::NoNode)), &mut Vec::new()));
        assert!(matches!(
            poll(&mut b),
            Poll::Ready(Err(Error::Server(ErrorCode::NoNode)))
        ));
        assert!(
            !table.complete_raw(3, Err(Error::Server(ErrorCode::NoNode)), &mut Vec::new()),
            "a hole"
        );
        assert!(!table.complete_raw(
            1,
            Err(Error::Server(ErrorCode::BadVersion)),
            &mut Vec::new()
        ));
        assert!(matches!(
            poll(&mut a),
            Poll::Ready(Err(Error::Server(ErrorCode::BadVersion)))
        ));
        let b_slot = Arc::as_ptr(&b.slot);
        drop(a);
        drop(b);
        // The oldest spare (b's, completed first) is free again and comes back first.
        let d = table.insert_raw(6, false);
        let e = table.insert_raw(7, false);
        assert_eq!(Arc::as_ptr(&d.slot), b_slot);
        assert_eq!(table.spare.len(), 0);
        drop(table);
        assert!(matches!(poll(&mut c), Poll::Ready(Err(Error::Closed))));
        drop((d, e));
    }

    #[test]
    fn a_reply_nobody_waits_for_is_not_kept() {
        let mut table = Completions::default();
        drop(table.insert_raw(1, false));
        let mut wake = Vec::new();
        table.complete_raw(1, Err(Error::Server(ErrorCode::NoNode)), &mut wake);
        assert!(wake.is_empty());
        let spare = table.spare.back().expect("the slot is kept for reuse");
        assert!(spare.lock().reply.is_none(), "the reply was dropped");
    }
}
