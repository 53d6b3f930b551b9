//! Watches as values: a one-shot watch is a future, a persistent watch is a stream. Dropping
//! either removes the watch (on the server too, once no other watcher needs it).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use zk_proto::{Error, WatchEvent, WatchId};

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
    recv: flume::r#async::RecvFut<'static, WatchEvent>,
    done: bool,
}

impl OneshotWatch {
    pub(crate) fn new(shared: Arc<Shared>, id: WatchId, rx: flume::Receiver<WatchEvent>) -> Self {
        OneshotWatch {
            shared,
            id,
            recv: rx.into_recv_async(),
            done: false,
        }
    }

    /// The watcher's id.
    pub fn id(&self) -> WatchId {
        self.id
    }

    /// Removes the watch now and waits until the server registration is gone too (when no other
    /// watcher shares it).
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
        match Pin::new(&mut self.recv).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(event) => {
                self.done = true;
                Poll::Ready(event.unwrap_or(WatchEvent::Closed))
            }
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
#[must_use = "streams do nothing unless polled; dropping it removes the watch"]
pub struct WatchStream {
    shared: Arc<Shared>,
    id: WatchId,
    events: flume::r#async::RecvStream<'static, WatchEvent>,
    done: bool,
}

impl WatchStream {
    pub(crate) fn new(shared: Arc<Shared>, id: WatchId, rx: flume::Receiver<WatchEvent>) -> Self {
        WatchStream {
            shared,
            id,
            events: rx.into_stream(),
            done: false,
        }
    }

    /// The watcher's id.
    pub fn id(&self) -> WatchId {
        self.id
    }

    /// The next event; `None` once the watch has ended.
    pub async fn next(&mut self) -> Option<WatchEvent> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Removes the watch and waits until the server registration is gone too (when no other
    /// watcher shares it).
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
        match Pin::new(&mut self.events).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(event)) => {
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
