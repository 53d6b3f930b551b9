//! Watches and state changes as receivers: wait, wait with a timeout, or iterate.

use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use zk_client::{OneshotWatch, StateChange, StateStream, WatchEvent, WatchId, WatchStream};

use crate::block_on::{block_on, block_on_timeout};

/// A one-shot watch: its single event, waited for. Dropping it removes the watch.
#[derive(Debug)]
pub struct Watch {
    id: WatchId,
    /// `None` once the event has been received.
    inner: Option<OneshotWatch>,
}

impl Watch {
    pub(crate) fn new(inner: OneshotWatch) -> Watch {
        Watch {
            id: inner.id(),
            inner: Some(inner),
        }
    }

    /// The watcher's id (the same before and after its event).
    pub fn id(&self) -> WatchId {
        self.id
    }

    /// Waits for the event (a node change, or a terminal event if the session ends first).
    /// [`WatchEvent::Closed`] if [`wait_timeout`](Watch::wait_timeout) received it already.
    pub fn wait(mut self) -> WatchEvent {
        match self.inner.take() {
            Some(watch) => block_on(watch),
            None => WatchEvent::Closed,
        }
    }

    /// Waits at most `timeout` for the event.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if nothing happened in time (the watch stays armed: wait
    /// again), [`RecvTimeoutError::Disconnected`] if the event was received already.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<WatchEvent, RecvTimeoutError> {
        let watch = self.inner.as_mut().ok_or(RecvTimeoutError::Disconnected)?;
        let event = block_on_timeout(watch, timeout).ok_or(RecvTimeoutError::Timeout)?;
        self.inner = None;
        Ok(event)
    }

    /// Removes the watch, here and on the server.
    ///
    /// # Errors
    ///
    /// Those of [`OneshotWatch::remove`].
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

    /// The next event, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if nothing arrived in time, and
    /// [`RecvTimeoutError::Disconnected`] once the watch has ended (after its terminal event),
    /// as `std::sync::mpsc::Receiver::recv_timeout` reports them.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<WatchEvent, RecvTimeoutError> {
        block_on_timeout(self.inner.next(), timeout)
            .ok_or(RecvTimeoutError::Timeout)?
            .ok_or(RecvTimeoutError::Disconnected)
    }

    /// Removes the watch, here and on the server.
    ///
    /// # Errors
    ///
    /// Those of [`WatchStream::remove`].
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

    /// The next change, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if nothing changed in time, and
    /// [`RecvTimeoutError::Disconnected`] once the client has stopped (after its last change).
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<StateChange, RecvTimeoutError> {
        block_on_timeout(self.inner.next(), timeout)
            .ok_or(RecvTimeoutError::Timeout)?
            .ok_or(RecvTimeoutError::Disconnected)
    }
}

impl Iterator for StateChanges {
    type Item = StateChange;

    fn next(&mut self) -> Option<StateChange> {
        block_on(self.inner.next())
    }
}
