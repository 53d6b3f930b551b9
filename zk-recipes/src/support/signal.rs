//! A signal that any number of tasks wait on: a recipe's cancellation (every acquisition in
//! progress fails), or a cache's stop (its background task ends).

use std::sync::atomic::{AtomicU64, Ordering};

use event_listener::Event;

/// A count of notifications and the waiters of the next one. A waiter remembers the
/// [`epoch`](Signal::epoch) it started from and completes once a notification came after it,
/// so a notification is never missed, even one that came before the wait was first polled.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    epoch: AtomicU64,
    event: Event,
}

impl Signal {
    /// How many notifications there have been.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Whether there has been any notification (for a stop signal).
    pub(crate) fn is_notified(&self) -> bool {
        self.epoch() > 0
    }

    /// Notifies: wakes every waiter.
    pub(crate) fn notify(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.event.notify(usize::MAX);
    }

    /// Completes once the epoch is past `seen`.
    pub(crate) async fn wait(&self, seen: u64) {
        loop {
            if self.epoch() > seen {
                return;
            }
            // Listen, then look again: a notification between the two is not lost.
            let listener = self.event.listen();
            if self.epoch() > seen {
                return;
            }
            listener.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use futures_util::FutureExt;

    use super::*;

    #[test]
    fn waiters_complete_after_a_later_notification_only() {
        let signal = Signal::default();
        let seen = signal.epoch();
        let mut wait = pin!(signal.wait(seen));
        assert!(wait.as_mut().now_or_never().is_none());
        signal.notify();
        assert!(wait.now_or_never().is_some());
        assert!(signal.is_notified());
        // A wait from the new epoch waits for the next notification.
        let mut next = pin!(signal.wait(signal.epoch()));
        assert!(next.as_mut().now_or_never().is_none());
        assert!(signal.wait(seen).now_or_never().is_some());
    }
}
