//! Cache events broadcast to any number of subscriptions, each bounded.
//!
//! # A subscription that falls behind
//!
//! A cache never waits for its subscribers (its background task would stall, and with it the
//! cache), and does not let an unread subscription grow without bound either, the policy
//! zk-client follows for watch streams. Each subscription holds at most the cache's event
//! capacity of unread events (1024 unless set with the cache's `with_event_capacity`). When
//! an event is published while a subscription is full, its oldest unread event is dropped,
//! and its next item is a `Lagged { missed }` event (`TreeEvent::Lagged`,
//! `CacheEvent::Lagged`) with the number dropped, followed by the events that came after the
//! gap. The cache itself has lost nothing: a subscriber that lagged reads the cache again
//! (`get_data`, `get_children`, `snapshot`) for the current state.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_broadcast::{InactiveReceiver, Receiver, RecvError, Sender, TryRecvError};
use futures_core::Stream;

/// How many unread events a subscription holds unless the cache is built with another
/// capacity (the same as a zk-client watch stream's).
pub(crate) const DEFAULT_CAPACITY: usize = 1024;

/// A subscription to a cache's events: every event published after it was made, in order,
/// as a [`Stream`] (or with [`next`](Events::next)).
///
/// It holds at most the cache's event capacity of unread events; when more arrive, the
/// oldest unread ones are dropped and reported as one `Lagged { missed }` event, after which
/// the subscriber should read the cache again. It ends (`None`) once the cache is closed and
/// every queued event was taken.
#[must_use = "streams do nothing unless polled"]
pub struct Events<E> {
    receiver: Receiver<E>,
    lagged: fn(u64) -> E,
}

impl<E> fmt::Debug for Events<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("capacity", &self.receiver.capacity())
            .field("closed", &self.receiver.is_closed())
            .finish_non_exhaustive()
    }
}

impl<E: Clone> Events<E> {
    /// The next event; `None` once the cache is closed and every event was taken.
    pub async fn next(&mut self) -> Option<E> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The next event if one is queued, without waiting.
    pub fn try_next(&mut self) -> Option<E> {
        match self.receiver.try_recv() {
            Ok(event) => Some(event),
            Err(TryRecvError::Overflowed(missed)) => Some((self.lagged)(missed)),
            Err(_) => None,
        }
    }
}

impl<E: Clone> Stream for Events<E> {
    type Item = E;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        let lagged = self.lagged;
        Pin::new(&mut self.receiver)
            .poll_recv(cx)
            .map(|next| match next? {
                Ok(event) => Some(event),
                Err(RecvError::Overflowed(missed)) => Some(lagged(missed)),
                Err(RecvError::Closed) => None,
            })
    }
}

/// Publishes events to every live subscription, never waiting.
pub(crate) struct Hub<E> {
    sender: Sender<E>,
    /// Keeps the channel open while nobody is subscribed.
    _open: InactiveReceiver<E>,
    lagged: fn(u64) -> E,
}

impl<E> fmt::Debug for Hub<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("subscribers", &self.sender.receiver_count())
            .finish_non_exhaustive()
    }
}

impl<E: Clone> Hub<E> {
    /// A hub whose subscriptions hold at most `capacity` unread events (at least one); a
    /// subscription that lost events reports them with `lagged(missed)`.
    pub(crate) fn new(capacity: usize, lagged: fn(u64) -> E) -> Hub<E> {
        let (mut sender, receiver) = async_broadcast::broadcast(capacity.max(1));
        // Full: drop the oldest instead of waiting. No subscriber: publish into the void.
        sender.set_overflow(true);
        sender.set_await_active(false);
        Hub {
            sender,
            _open: receiver.deactivate(),
            lagged,
        }
    }

    /// Subscribes: every event published from now on.
    pub(crate) fn subscribe(&self) -> Events<E> {
        Events {
            receiver: self.sender.new_receiver(),
            lagged: self.lagged,
        }
    }

    /// Publishes `event` to every subscription (none is fine).
    pub(crate) fn publish(&self, event: E) {
        // Full never happens (overflow mode); Inactive means nobody listens, Closed that the
        // cache was closed: either way there is nobody to tell.
        let _ = self.sender.try_broadcast(event);
    }

    /// Ends every subscription (after its queued events), and every later one at once.
    pub(crate) fn close(&self) {
        self.sender.close();
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    enum Ev {
        N(u32),
        Lagged(u64),
    }

    #[test]
    fn delivers_in_order_and_ends_after_close() {
        let hub = Hub::new(8, Ev::Lagged);
        hub.publish(Ev::N(0)); // nobody listens: gone
        let mut early = hub.subscribe();
        hub.publish(Ev::N(1));
        let mut late = hub.subscribe();
        hub.publish(Ev::N(2));
        hub.close();
        assert_eq!(early.try_next(), Some(Ev::N(1)));
        assert_eq!(early.try_next(), Some(Ev::N(2)));
        assert_eq!(late.try_next(), Some(Ev::N(2)));
        assert_eq!(late.next().now_or_never(), Some(None));
        assert_eq!(hub.subscribe().next().now_or_never(), Some(None));
    }

    #[test]
    fn a_full_subscription_drops_the_oldest_and_reports_the_gap() {
        let hub = Hub::new(4, Ev::Lagged);
        let mut slow = hub.subscribe();
        let mut fast = hub.subscribe();
        for n in 0..10 {
            hub.publish(Ev::N(n));
            if n < 2 {
                assert_eq!(fast.try_next(), Some(Ev::N(n)));
            }
        }
        // Six dropped, the four newest kept: for each subscription alike.
        assert_eq!(slow.try_next(), Some(Ev::Lagged(6)));
        let rest: Vec<Ev> = std::iter::from_fn(|| slow.try_next()).collect();
        assert_eq!(rest, [Ev::N(6), Ev::N(7), Ev::N(8), Ev::N(9)]);
        assert_eq!(fast.try_next(), Some(Ev::Lagged(4)));
        assert_eq!(fast.try_next(), Some(Ev::N(6)));
    }
}
