//! Session state changes as a stream, bounded: a stream nobody reads keeps the newest changes
//! and never loses sight of a session loss.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use zk_proto::{SessionState, StateChange};

use crate::event_queue::{Next, Receiver};

/// Every session state change after the stream was created, in order. Ends when the client's
/// driver has stopped.
///
/// # A stream that is not read
///
/// The stream holds at most the client's event queue capacity
/// ([`ClientBuilder::event_queue_capacity`](crate::ClientBuilder::event_queue_capacity), 1024
/// by default) of unread changes, and the client never waits for it to be read. When a change
/// arrives at a full stream, an older one is dropped, so the stream coalesces: what it yields
/// is always in order, always ends with the newest change, and only loses changes that later
/// ones supersede. The oldest change that is not `Lost`, `AuthFailed` or `Closed` is dropped
/// first; one of those three is dropped only when nothing else is queued, and then a later one
/// of them is still queued. So a consumer waiting for a session loss never misses that one
/// happened (it may see only the latest of several). [`missed`](StateStream::missed) counts
/// the dropped changes.
#[must_use = "streams do nothing unless polled"]
pub struct StateStream {
    changes: Receiver<StateChange>,
    missed: u64,
}

/// Whether a change must survive coalescing: the session was lost, or the client stopped.
fn is_critical(change: &StateChange) -> bool {
    matches!(
        change.state,
        SessionState::Lost | SessionState::AuthFailed | SessionState::Closed
    )
}

/// Which queued change a full state stream drops for a new one: the oldest that is not
/// critical, else the oldest (a newer critical change stays, as the capacity is at least two).
pub(crate) fn evict(queued: &VecDeque<StateChange>) -> usize {
    queued
        .iter()
        .position(|change| !is_critical(change))
        .unwrap_or(0)
}

impl StateStream {
    pub(crate) fn new(changes: Receiver<StateChange>) -> Self {
        StateStream { changes, missed: 0 }
    }

    /// The next change; `None` once the client has stopped.
    pub async fn next(&mut self) -> Option<StateChange> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// How many changes were dropped, over the stream's life, because it was full when they
    /// would have been queued (counted as the stream is read past them). Zero for a stream
    /// that keeps up.
    pub fn missed(&self) -> u64 {
        self.missed
    }

    /// How many changes are queued, unread (at most the event queue capacity).
    pub fn queued(&self) -> usize {
        self.changes.len()
    }
}

impl fmt::Debug for StateStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateStream")
            .field("missed", &self.missed)
            .finish_non_exhaustive()
    }
}

impl Stream for StateStream {
    type Item = StateChange;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StateChange>> {
        loop {
            match self.changes.poll_next(cx) {
                Poll::Ready(Some(Next::Missed(n))) => self.missed += n,
                Poll::Ready(Some(Next::Item(change))) => return Poll::Ready(Some(change)),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;
    use std::time::Instant;

    use zk_proto::{Output, SessionId};

    use super::*;
    use crate::event_queue::channel;
    use crate::test_runtime;

    fn change(state: SessionState, session: i64) -> StateChange {
        StateChange::new(state, Some(SessionId::new(session)))
    }

    fn drain(stream: &mut StateStream) -> Vec<StateChange> {
        let mut cx = Context::from_waker(Waker::noop());
        let mut out = Vec::new();
        while let Poll::Ready(Some(change)) = Pin::new(&mut *stream).poll_next(&mut cx) {
            out.push(change);
        }
        out
    }

    /// A flapping connection nobody watches, with a session loss early on: the loss and the
    /// newest state survive, everything stays within capacity, and the drops are counted.
    #[test]
    fn an_unread_stream_keeps_the_loss_and_the_newest_state() {
        let (tx, rx) = channel(4);
        let mut stream = StateStream::new(rx);
        let mut wake = Vec::new();
        let mut sent = 0u64;
        let mut send = |c: StateChange| {
            assert!(tx.send(c, evict, &mut wake));
            sent += 1;
        };
        send(change(SessionState::Connected, 1));
        send(change(SessionState::Suspended, 1));
        send(change(SessionState::Lost, 1));
        send(change(SessionState::Connecting, 1));
        for _ in 0..1000 {
            send(change(SessionState::Connected, 2));
            send(change(SessionState::Suspended, 2));
        }
        send(change(SessionState::Connected, 2));
        assert_eq!(stream.queued(), 4);
        assert_eq!(
            drain(&mut stream),
            [
                change(SessionState::Lost, 1),
                change(SessionState::Connected, 2),
                change(SessionState::Suspended, 2),
                change(SessionState::Connected, 2),
            ]
        );
        assert_eq!(stream.missed(), sent - 4);
    }

    /// When only critical changes are queued, the oldest goes: a later loss is still reported,
    /// and the newest change (here a stop) is always kept.
    #[test]
    fn a_loss_is_dropped_only_for_a_later_one() {
        let (tx, rx) = channel(2);
        let mut stream = StateStream::new(rx);
        let mut wake = Vec::new();
        for session in 1..=3 {
            tx.send(change(SessionState::Lost, session), evict, &mut wake);
        }
        tx.send(change(SessionState::Connecting, 3), evict, &mut wake);
        tx.send(change(SessionState::Closed, 3), evict, &mut wake);
        drop(tx);
        assert_eq!(
            drain(&mut stream),
            [
                change(SessionState::Lost, 3),
                change(SessionState::Closed, 3)
            ]
        );
        assert_eq!(stream.missed(), 3);
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(Pin::new(&mut stream).poll_next(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn a_stream_that_keeps_up_misses_nothing() {
        let (tx, rx) = channel(2);
        let mut stream = StateStream::new(rx);
        let mut wake = Vec::new();
        for _ in 0..10 {
            tx.send(change(SessionState::Suspended, 1), evict, &mut wake);
            tx.send(change(SessionState::Connected, 1), evict, &mut wake);
            assert_eq!(drain(&mut stream).len(), 2);
        }
        assert_eq!(stream.missed(), 0);
    }

    /// Through the driver's delivery path: a subscriber nobody reads stays within the
    /// capacity, and still sees the session loss and the newest state.
    #[test]
    fn an_unread_subscription_is_bounded_and_keeps_the_loss() {
        let shared = test_runtime::shared();
        shared.set_event_capacity(8);
        let mut stream = StateStream::new(shared.subscribe_states());
        let mut wake = Vec::new();
        let mut send = |state, session| {
            let change = StateChange::new(state, Some(SessionId::new(session)));
            shared
                .lock()
                .dispatch(Output::State(change), Instant::now(), &mut wake);
        };
        send(SessionState::Lost, 1);
        for _ in 0..5000 {
            send(SessionState::Suspended, 2);
            send(SessionState::Connected, 2);
        }
        assert_eq!(stream.queued(), 8);
        let mut cx = Context::from_waker(Waker::noop());
        let mut seen = Vec::new();
        while let Poll::Ready(Some(change)) = Pin::new(&mut stream).poll_next(&mut cx) {
            seen.push(change.state);
        }
        assert_eq!(seen.len(), 8);
        assert_eq!(seen.first(), Some(&SessionState::Lost));
        assert_eq!(seen.last(), Some(&SessionState::Connected));
        assert_eq!(stream.missed(), 10_001 - 8);
    }
}
