//! Watches and state changes as receivers: wait, wait with a timeout, or iterate.

use std::time::Duration;

use zk_client::{OneshotWatch, StateChange, StateStream, WatchEvent, WatchId, WatchStream};

use crate::block_on::{block_on, block_on_timeout};

/// A one-shot watch: its single event, waited for. Dropping it removes the watch.
#[derive(Debug)]
pub struct Watch {
    inner: Option<OneshotWatch>,
}

impl Watch {
    pub(crate) fn new(inner: OneshotWatch) -> Watch {
        Watch { inner: Some(inner) }
    }

    /// The watcher's id.
    pub fn id(&self) -> Option<WatchId> {
        self.inner.as_ref().map(OneshotWatch::id)
    }

    /// Waits for the event (a node change, or a terminal event if the session ends first).
    pub fn wait(mut self) -> WatchEvent {
        match self.inner.take() {
            Some(watch) => block_on(watch),
            None => WatchEvent::Closed,
        }
    }

    /// Waits at most `timeout`; `None` if nothing happened (the watch stays armed).
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<WatchEvent> {
        let watch = self.inner.as_mut()?;
        let event = block_on_timeout(watch, timeout)?;
        self.inner = None;
        Some(event)
    }

    /// Removes the watch, here and on the server.
    pub fn remove(mut self) -> Result<(), zk_client::Error> {
        match self.inner.take() {
            Some(watch) => block_on(watch.remove()),
            None => Ok(()),
        }
    }
}

/// A persistent watch's events: an iterator that ends after a terminal event. Dropping it
/// removes the watch.
///
/// Unread events are bounded as on the async stream ([`WatchStream`]): at most the client's
/// event queue capacity are kept, the oldest dropped first, and the next event after a gap is
/// [`WatchEvent::Lagged`] with the number missed, after which the watched nodes must be read
/// again.
#[derive(Debug)]
pub struct WatchEvents {
    inner: WatchStream,
}

impl WatchEvents {
    pub(crate) fn new(inner: WatchStream) -> WatchEvents {
        WatchEvents { inner }
    }

    /// The watcher's id.
    pub fn id(&self) -> WatchId {
        self.inner.id()
    }

    /// How many events are queued, unread (at most the event queue capacity).
    pub fn queued(&self) -> usize {
        self.inner.queued()
    }

    /// The next event, waiting at most `timeout`. `Ok(None)` means the watch has ended;
    /// `Err(())` that nothing arrived in time.
    #[allow(clippy::result_unit_err)]
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Option<WatchEvent>, ()> {
        block_on_timeout(self.inner.next(), timeout).ok_or(())
    }

    /// Removes the watch, here and on the server.
    pub fn remove(self) -> Result<(), zk_client::Error> {
        block_on(self.inner.remove())
    }
}

impl Iterator for WatchEvents {
    type Item = WatchEvent;

    /// Waits for the next event; `None` once the watch has ended.
    fn next(&mut self) -> Option<WatchEvent> {
        block_on(self.inner.next())
    }
}

/// Session state changes: an iterator that ends when the client has stopped.
///
/// Unread changes are bounded and coalesced as on the async stream ([`StateStream`]): the
/// newest change is always kept, a `Lost`, `AuthFailed` or `Closed` is dropped only in favour
/// of a later one, and [`missed`](StateChanges::missed) counts what was dropped.
#[derive(Debug)]
pub struct StateChanges {
    inner: StateStream,
}

impl StateChanges {
    pub(crate) fn new(inner: StateStream) -> StateChanges {
        StateChanges { inner }
    }

    /// How many changes were dropped, over the iterator's life, because it was full.
    pub fn missed(&self) -> u64 {
        self.inner.missed()
    }

    /// How many changes are queued, unread (at most the event queue capacity).
    pub fn queued(&self) -> usize {
        self.inner.queued()
    }

    /// The next change, waiting at most `timeout`. `Ok(None)` means the client has stopped;
    /// `Err(())` that nothing changed in time.
    #[allow(clippy::result_unit_err)]
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Option<StateChange>, ()> {
        block_on_timeout(self.inner.next(), timeout).ok_or(())
    }
}

impl Iterator for StateChanges {
    type Item = StateChange;

    fn next(&mut self) -> Option<StateChange> {
        block_on(self.inner.next())
    }
}
