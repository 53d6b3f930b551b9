//! Watches as values: a one-shot watch is a future, a persistent watch is a stream. Dropping
//! either removes the watch (on the server too, once no other watcher needs it).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use zk_proto::{Error, WatchEvent, WatchId};

use crate::event_queue::{Next, Receiver};
use crate::shared::Shared;

/// The one-shot watch left by a read (`get_data_watched`, `exists_watched`,
/// `get_children_watched`): a future of its single event.
///
/// The event is a [`WatchEvent::Node`] change, or a terminal event if the session was lost or
/// the client closed first. Dropping the watch before it fires removes it.
#[must_use = "a watch does nothing unless awaited; dropping it removes it"]
pub struct OneshotWatch {
    shared: Arc<Shared>,
    id: WatchId,
    event: Receiver<WatchEvent>,
    done: bool,
}

impl OneshotWatch {
    pub(crate) fn new(shared: Arc<Shared>, id: WatchId, event: Receiver<WatchEvent>) -> Self {
        OneshotWatch {
            shared,
            id,
            event,
            done: false,
        }
    }

    /// The watcher's id.
    pub fn id(&self) -> WatchId {
        self.id
    }

    /// Removes the watch now and waits until the server registration is gone too (when no other
    /// watcher shares it).
    ///
    /// # Errors
    ///
    /// As any request: [`Error::Closed`], [`Error::SessionExpired`], a connection error
    /// ([`Error::ConnectionLoss`], [`Error::Timeout`]: the server may still hold the watch,
    /// which then fires once into nothing); `Error::Server(ErrorCode::NoWatcher)` if the watch
    /// had already ended.
    pub async fn remove(mut self) -> Result<(), Error> {
        self.done = true;
        let client_shared = self.shared.clone();
        let rx = client_shared.command(|session, now| session.remove_watch(self.id, now))?;
        crate::client::wait(rx).await.map(|_| ())
    }
}

impl fmt::Debug for OneshotWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneshotWatch")
            .field("id", &self.id)
            .field("done", &self.done)
            .finish()
    }
}

impl Future for OneshotWatch {
    type Output = WatchEvent;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WatchEvent> {
        if self.done {
            return Poll::Ready(WatchEvent::Closed);
        }
        loop {
            let event = match self.event.poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                // Its queue holds the one event it can get: nothing is ever dropped.
                Poll::Ready(Some(Next::Missed(_))) => continue,
                Poll::Ready(Some(Next::Item(event))) => event,
                Poll::Ready(None) => WatchEvent::Closed,
            };
            self.done = true;
            return Poll::Ready(event);
        }
    }
}

impl Drop for OneshotWatch {
    fn drop(&mut self) {
        if !self.done {
            self.shared.drop_watch(self.id);
        }
    }
}

/// A persistent or persistent-recursive watch (`add_watch`): a stream of events that ends
/// after a terminal one (removed, session lost, client closed). Dropping it removes the watch.
///
/// After a reconnect the stream yields [`WatchEvent::Resumed`]: changes made while the client
/// was disconnected are not replayed by the server, so caches should re-read.
///
/// # A stream that falls behind
///
/// The client never waits for a stream to be read (that would stall its pings), and does not
/// let one grow without bound either: each stream holds at most the client's event queue
/// capacity of unread events
/// ([`ClientBuilder::event_queue_capacity`](crate::ClientBuilder::event_queue_capacity), 1024
/// by default). When an event arrives at a full stream, the oldest queued event is dropped, and
/// the stream's next item is [`WatchEvent::Lagged`] with the number dropped, followed by the
/// events that came after the gap. The application must then read the watched node or subtree
/// again, as after `Resumed`. A terminal event is always the newest, so it is never dropped.
#[must_use = "streams do nothing unless polled; dropping it removes the watch"]
pub struct WatchStream {
    shared: Arc<Shared>,
    id: WatchId,
    events: Receiver<WatchEvent>,
    done: bool,
}

impl WatchStream {
    pub(crate) fn new(shared: Arc<Shared>, id: WatchId, events: Receiver<WatchEvent>) -> Self {
        WatchStream {
            shared,
            id,
            events,
            done: false,
        }
    }

    /// The watcher's id.
    pub fn id(&self) -> WatchId {
        self.id
    }

    /// How many events are queued, unread (at most the event queue capacity).
    pub fn queued(&self) -> usize {
        self.events.len()
    }

    /// The next event; `None` once the watch has ended.
    pub async fn next(&mut self) -> Option<WatchEvent> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Removes the watch and waits until the server registration is gone too (when no other
    /// watcher shares it).
    ///
    /// # Errors
    ///
    /// As [`OneshotWatch::remove`].
    pub async fn remove(mut self) -> Result<(), Error> {
        self.done = true;
        let shared = self.shared.clone();
        let id = self.id;
        let rx = shared.command(|session, now| session.remove_watch(id, now))?;
        crate::client::wait(rx).await.map(|_| ())
    }
}

impl fmt::Debug for WatchStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchStream")
            .field("id", &self.id)
            .field("done", &self.done)
            .finish()
    }
}

impl Stream for WatchStream {
    type Item = WatchEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WatchEvent>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.events.poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Next::Missed(missed))) => {
                Poll::Ready(Some(WatchEvent::Lagged { missed }))
            }
            Poll::Ready(Some(Next::Item(event))) => {
                if event.is_terminal() {
                    self.done = true;
                }
                Poll::Ready(Some(event))
            }
        }
    }
}

impl Drop for WatchStream {
    fn drop(&mut self) {
        if !self.done {
            self.shared.drop_watch(self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;
    use std::time::Instant;

    use zk_proto::{AddWatchMode, EventType, NodeEvent, Output, Request};

    use super::*;
    use crate::shared::WatchWanted;
    use crate::test_runtime;

    fn changed(i: usize) -> WatchEvent {
        WatchEvent::Node(NodeEvent::new(
            EventType::NodeDataChanged,
            format!("/n{i}"),
            Some(i as i64),
        ))
    }

    fn poll(stream: &mut WatchStream) -> Poll<Option<WatchEvent>> {
        Pin::new(stream).poll_next(&mut Context::from_waker(Waker::noop()))
    }

    /// The driver's delivery path, fed by hand: 5,000 notifications into a stream nobody
    /// reads leave 100 queued, and the reader then learns of the 4,900 it missed before the
    /// newest 100, in order, and still gets the terminal event.
    #[test]
    fn a_flood_into_an_unread_stream_is_bounded_and_reported() {
        let shared = test_runtime::shared();
        shared.set_event_capacity(100);
        let request = Request::AddWatch {
            path: "/".into(),
            mode: AddWatchMode::PersistentRecursive,
        };
        let submitted = shared
            .submit(request, None, WatchWanted::Persistent, None)
            .expect("queued until connected");
        let id = WatchId::from(submitted.id);
        let mut stream = WatchStream::new(shared.clone(), id, submitted.watch.expect("a queue"));
        let mut wake = Vec::new();
        for i in 0..5000 {
            let event = Output::Watch {
                watch: id,
                event: changed(i),
            };
            shared.lock().dispatch(event, Instant::now(), &mut wake);
            assert!(stream.queued() <= 100, "at most the capacity is kept");
        }
        assert_eq!(stream.queued(), 100);
        assert_eq!(
            poll(&mut stream),
            Poll::Ready(Some(WatchEvent::Lagged { missed: 4900 }))
        );
        for i in 4900..5000 {
            assert_eq!(poll(&mut stream), Poll::Ready(Some(changed(i))));
        }
        assert_eq!(poll(&mut stream), Poll::Pending);
        let closed = Output::Watch {
            watch: id,
            event: WatchEvent::Closed,
        };
        shared.lock().dispatch(closed, Instant::now(), &mut wake);
        assert_eq!(poll(&mut stream), Poll::Ready(Some(WatchEvent::Closed)));
        assert_eq!(poll(&mut stream), Poll::Ready(None));
    }

    /// The capacity is not below two, whatever the builder was given.
    #[test]
    fn a_tiny_capacity_is_raised_to_the_minimum() {
        let shared = test_runtime::shared();
        shared.set_event_capacity(0);
        let request = Request::AddWatch {
            path: "/".into(),
            mode: AddWatchMode::Persistent,
        };
        let submitted = shared
            .submit(request, None, WatchWanted::Persistent, None)
            .expect("queued until connected");
        let id = WatchId::from(submitted.id);
        let mut stream = WatchStream::new(shared.clone(), id, submitted.watch.expect("a queue"));
        let mut wake = Vec::new();
        for i in 0..3 {
            let event = Output::Watch {
                watch: id,
                event: changed(i),
            };
            shared.lock().dispatch(event, Instant::now(), &mut wake);
        }
        assert_eq!(stream.queued(), crate::event_queue::MIN_CAPACITY);
        assert_eq!(
            poll(&mut stream),
            Poll::Ready(Some(WatchEvent::Lagged { missed: 1 }))
        );
    }
}
