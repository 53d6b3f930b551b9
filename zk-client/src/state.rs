//! Session state changes as a stream.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use zk_proto::StateChange;

/// Every session state change after the stream was created, in order. Ends when the client's
/// driver has stopped.
#[must_use = "streams do nothing unless polled"]
pub struct StateStream {
    changes: flume::r#async::RecvStream<'static, StateChange>,
}

impl StateStream {
    pub(crate) fn new(rx: flume::Receiver<StateChange>) -> Self {
        StateStream {
            changes: rx.into_stream(),
        }
    }

    /// The next change; `None` once the client has stopped.
    pub async fn next(&mut self) -> Option<StateChange> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl fmt::Debug for StateStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateStream").finish_non_exhaustive()
    }
}

impl Stream for StateStream {
    type Item = StateChange;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StateChange>> {
        Pin::new(&mut self.changes).poll_next(cx)
    }
}
