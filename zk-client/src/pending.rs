//! The future every operation returns: the request is already submitted when the operation is
//! called, and the future only waits for the reply.
//!
//! ZooKeeper runs a session's requests in the order they arrive. With `async fn` operations
//! the request would be submitted at the first poll, so two futures created in one order and
//! polled in the other would reach the server in the other order. Submitting at the call keeps
//! call order, as the Java client and zookeeper-client do.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use zk_proto::{Error, Response};

use crate::completion::ReplyFuture;
use crate::runtime::BoxFuture;

/// An operation that has been submitted: awaiting it waits for the server's reply.
///
/// It holds no borrow of the client (it is `Send + 'static`: spawn it, store it, join many).
/// Dropping it abandons the reply, not the request: a write may still be applied.
///
/// Operations made of several requests (creating missing parents, `ensure_path`,
/// `delete_recursive`) submit their first request at the call and the next ones as replies
/// arrive.
#[must_use = "the request is already submitted; dropping this ignores its outcome"]
pub struct Pending<T, E = Error> {
    inner: Inner<T, E>,
}

enum Inner<T, E> {
    /// One request: its reply, decoded by a plain function (no allocation).
    Reply {
        sent: Sent,
        decode: fn(Result<Response, Error>) -> Result<T, E>,
    },
    /// Several steps, or a reply that needs more than a function to decode.
    Steps(BoxFuture<'static, Result<T, E>>),
}

impl<T, E> Pending<T, E> {
    /// The reply to `sent`, decoded with `decode`.
    pub(crate) fn reply(sent: Sent, decode: fn(Result<Response, Error>) -> Result<T, E>) -> Self {
        Pending {
            inner: Inner::Reply { sent, decode },
        }
    }

    /// A composed operation whose first request has been submitted already.
    pub(crate) fn steps(steps: impl Future<Output = Result<T, E>> + Send + 'static) -> Self {
        Pending {
            inner: Inner::Steps(Box::pin(steps)),
        }
    }
}

impl<T, E> Future for Pending<T, E> {
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Neither variant is structurally pinned: `Sent` is Unpin and the steps are boxed.
        match &mut self.get_mut().inner {
            Inner::Reply { sent, decode } => Pin::new(sent).poll(cx).map(*decode),
            Inner::Steps(steps) => steps.as_mut().poll(cx),
        }
    }
}

impl<T, E> fmt::Debug for Pending<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner {
            Inner::Reply { .. } => "reply",
            Inner::Steps(_) => "steps",
        };
        f.debug_struct("Pending")
            .field("waiting_for", &kind)
            .finish()
    }
}

/// The outcome of a request submitted by `Client::send`: its reply slot, or the error that
/// kept it from being submitted.
pub(crate) struct Sent(pub(crate) Result<ReplyFuture, Option<Error>>);

impl std::future::Future for Sent {
    type Output = Result<Response, Error>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match &mut self.0 {
            Ok(reply) => std::pin::Pin::new(reply)
                .poll(cx)
                .map(|reply| reply.map(|(response, _)| response)),
            Err(err) => std::task::Poll::Ready(Err(err.take().unwrap_or(Error::Closed))),
        }
    }
}

/// A reply that does not match its request: the session routes replies by xid and decodes them
/// by the request's opcode, so this is an internal inconsistency, logged and reported as
/// [`Error::Protocol`] (never as a server code).
pub(crate) fn unexpected(response: Response) -> Error {
    tracing::error!(?response, "reply does not match its request");
    Error::Protocol {
        reason: "a reply of another kind than its request",
    }
}

/// A reply without a part its operation always returns (`what`): reported as
/// [`Error::Protocol`], like [`unexpected`].
pub(crate) fn incomplete(what: &'static str) -> Error {
    tracing::error!(what, "reply lacks a part its request always gets");
    Error::Protocol { reason: what }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_that_does_not_fit_its_request_is_a_protocol_error_not_a_server_code() {
        for err in [unexpected(Response::Done), incomplete("a part")] {
            assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
            assert_eq!(err.code(), None);
        }
    }
}
