//! A bounded queue from the driver to one consumer (a watch, a state stream) that never makes
//! the driver wait.
//!
//! The driver must not block on a slow consumer (pings would stall), and an unbounded queue
//! lets an unread stream grow without limit under a notification flood. So each queue holds at
//! most `capacity` items: when it is full, one queued item is dropped to make room (which one
//! is the caller's policy) and counted, and the consumer is told how many it missed before it
//! sees what came after. Memory stays at `capacity` items plus a counter.
//!
//! The driver sends under the shared state lock; the consumer only ever takes this queue's own
//! lock, briefly. A waiting consumer's waker is handed back to the sender, to be woken once the
//! shared lock is released.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// The capacity of each watch and state queue unless the builder sets another.
pub(crate) const DEFAULT_CAPACITY: usize = 1024;

/// The smallest capacity: the state queue's policy needs room for a critical change and the
/// newest one (see `StateStream`).
pub(crate) const MIN_CAPACITY: usize = 2;

/// What the consumer takes next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next<T> {
    /// The next queued item.
    Item(T),
    /// This many items were dropped since the consumer was last told.
    Missed(u64),
}

/// The sender has gone and nothing is left to take.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Disconnected;

struct Queue<T> {
    items: VecDeque<T>,
    capacity: usize,
    /// Items dropped since the consumer last took a [`Next::Missed`].
    missed: u64,
    waker: Option<Waker>,
    sender_alive: bool,
    receiver_alive: bool,
}

type SharedQueue<T> = Arc<Mutex<Queue<T>>>;

/// Locks a queue. Nothing under this lock can leave it inconsistent, so poisoning is ignored.
fn lock<T>(queue: &SharedQueue<T>) -> MutexGuard<'_, Queue<T>> {
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

/// The driver's end.
pub(crate) struct Sender<T> {
    queue: SharedQueue<T>,
}

/// The consumer's end.
pub(crate) struct Receiver<T> {
    queue: SharedQueue<T>,
}

/// A queue of at most `capacity` items (at least one).
pub(crate) fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let queue = Arc::new(Mutex::new(Queue {
        items: VecDeque::new(),
        capacity: capacity.max(1),
        missed: 0,
        waker: None,
        sender_alive: true,
        receiver_alive: true,
    }));
    (
        Sender {
            queue: queue.clone(),
        },
        Receiver { queue },
    )
}

impl<T> Sender<T> {
    /// Queues `item` without waiting. When the queue is full, `evict` picks the index of the
    /// queued item to drop (out-of-range picks drop the oldest), which is counted as missed.
    /// The consumer's waker, if it waits, is pushed to `wake`.
    ///
    /// Returns false, dropping `item`, if the consumer has gone.
    pub(crate) fn send(
        &self,
        item: T,
        evict: impl FnOnce(&VecDeque<T>) -> usize,
        wake: &mut Vec<Waker>,
    ) -> bool {
        let mut queue = lock(&self.queue);
        if !queue.receiver_alive {
            return false;
        }
        if queue.items.len() >= queue.capacity {
            let victim = evict(&queue.items);
            if queue.items.remove(victim).is_none() {
                queue.items.pop_front();
            }
            queue.missed += 1;
        }
        queue.items.push_back(item);
        if let Some(waker) = queue.waker.take() {
            wake.push(waker);
        }
        true
    }

    /// Whether the consumer has gone.
    pub(crate) fn is_disconnected(&self) -> bool {
        !lock(&self.queue).receiver_alive
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut queue = lock(&self.queue);
            queue.sender_alive = false;
            queue.waker.take()
        };
        // The end of the stream is news too. (Runtime wakers only schedule the consumer.)
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// The next item, or the count of items missed before it; `None` once the sender has gone
    /// and everything queued was taken.
    pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Next<T>>> {
        let mut queue = lock(&self.queue);
        if queue.missed > 0 {
            // Items are dropped from the front (or, for states, from among the older ones), so
            // the gap lies before everything still queued: report it first.
            let missed = std::mem::take(&mut queue.missed);
            return Poll::Ready(Some(Next::Missed(missed)));
        }
        if let Some(item) = queue.items.pop_front() {
            return Poll::Ready(Some(Next::Item(item)));
        }
        if !queue.sender_alive {
            return Poll::Ready(None);
        }
        match &queue.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => queue.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Waits for what [`poll_next`](Receiver::poll_next) yields; `Err` at the end.
    pub(crate) async fn recv_async(&self) -> Result<Next<T>, Disconnected> {
        std::future::poll_fn(|cx| self.poll_next(cx))
            .await
            .ok_or(Disconnected)
    }

    /// How many items wait to be taken (at most the capacity).
    pub(crate) fn len(&self) -> usize {
        lock(&self.queue).items.len()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut queue = lock(&self.queue);
        queue.receiver_alive = false;
        // Free what nobody will read now, not when the watch is finally removed.
        queue.items = VecDeque::new();
        queue.waker = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll<T>(rx: &Receiver<T>) -> Poll<Option<Next<T>>> {
        rx.poll_next(&mut Context::from_waker(Waker::noop()))
    }

    fn oldest<T>(_: &VecDeque<T>) -> usize {
        0
    }

    #[test]
    fn a_flood_keeps_the_newest_items_and_reports_the_rest_first() {
        let (tx, rx) = channel(16);
        let mut wake = Vec::new();
        for i in 0..10_000u32 {
            assert!(tx.send(i, oldest, &mut wake));
            assert!(rx.len() <= 16);
        }
        assert_eq!(rx.len(), 16);
        assert_eq!(poll(&rx), Poll::Ready(Some(Next::Missed(10_000 - 16))));
        for i in 10_000 - 16..10_000 {
            assert_eq!(poll(&rx), Poll::Ready(Some(Next::Item(i))));
        }
        assert_eq!(poll(&rx), Poll::Pending);
        drop(tx);
        assert_eq!(poll(&rx), Poll::Ready(None));
    }

    #[test]
    fn drops_after_a_partial_read_are_reported_where_the_gap_is() {
        let (tx, rx) = channel(2);
        let mut wake = Vec::new();
        for i in 0..3 {
            tx.send(i, oldest, &mut wake);
        }
        assert_eq!(poll(&rx), Poll::Ready(Some(Next::Missed(1))));
        assert_eq!(poll(&rx), Poll::Ready(Some(Next::Item(1))));
        for i in 3..6 {
            tx.send(i, oldest, &mut wake);
        }
        // 2 and 3 were dropped: the gap lies between 1 (read) and 4.
        assert_eq!(poll(&rx), Poll::Ready(Some(Next::Missed(2))));
        assert_eq!(poll(&rx), Poll::Ready(Some(Next::Item(4))));
        assert_eq!(poll(&rx), Poll::Ready(Some(Next::Item(5))));
        assert_eq!(poll(&rx), Poll::Pending);
    }

    #[test]
    fn the_eviction_policy_picks_the_victim() {
        let (tx, rx) = channel(3);
        let mut wake = Vec::new();
        for i in 0..3 {
            tx.send(i, oldest, &mut wake);
        }
        // Keep the oldest: drop the one after it.
        tx.send(3, |_| 1, &mut wake);
        // An out-of-range pick drops the oldest.
        tx.send(4, |_| 99, &mut wake);
        assert_eq!(poll(&rx), Poll::Ready(Some(Next::Missed(2))));
        for i in [2, 3, 4] {
            assert_eq!(poll(&rx), Poll::Ready(Some(Next::Item(i))));
        }
    }

    #[test]
    fn a_waiting_consumer_is_handed_back_to_wake() {
        let (tx, rx) = channel(4);
        let mut wake = Vec::new();
        assert_eq!(poll(&rx), Poll::Pending);
        tx.send(1, oldest, &mut wake);
        assert_eq!(
            wake.len(),
            1,
            "the waker is returned, not woken under the lock"
        );
        tx.send(2, oldest, &mut wake);
        assert_eq!(wake.len(), 1, "one wake-up per wait");
    }

    #[test]
    fn a_gone_consumer_refuses_items_and_frees_the_queue() {
        let (tx, rx) = channel(4);
        let mut wake = Vec::new();
        tx.send(1, oldest, &mut wake);
        drop(rx);
        assert!(tx.is_disconnected());
        assert!(!tx.send(2, oldest, &mut wake));
        assert!(lock(&tx.queue).items.is_empty());
    }
}
