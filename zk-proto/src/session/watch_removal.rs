//! Removing watchers, locally and on the server (removeWatches, 3.5+).
//!
//! A server registration is shared by every local watcher that depends on it
//! (`docs/protocol.md#removing-watches`),
//! so it is removed only when the last of them goes. And it is put off while a reply still due
//! may register a new watcher on the same path: removing the registration then would silence
//! that watcher. A removal put off is sent once those replies are in (and, for a persistent
//! watch before 3.9, once nothing else is left on the path), or forgotten with the connection:
//! the next one re-registers only the watchers still held.

use std::time::Instant;

use super::requests::{InFlight, InFlightKind};
use super::{Output, Phase, ReplyKind, Session, WatchAction};
use crate::ErrorCode;
use crate::error::Error;
use crate::opcode::OpCode;
use crate::records::WatchesRequest;
use crate::request::WatcherType;
use crate::response::Response;
use crate::watch::{WatchEvent, WatchId, WatchKind};
use crate::wire::{Body, write_request};

use super::{Prepared, RequestId};

/// The local watcher kinds that a server registration of `watcher_type` serves.
fn kinds_served_by(watcher_type: WatcherType) -> &'static [WatchKind] {
    match watcher_type {
        WatcherType::Children => &[WatchKind::Child, WatchKind::Persistent],
        WatcherType::Data => &[
            WatchKind::Data,
            WatchKind::Exist,
            WatchKind::Persistent,
            WatchKind::PersistentRecursive,
        ],
        _ => &WatchKind::ALL,
    }
}

impl Session {
    /// Removes one watcher: it receives [`WatchEvent::Removed`] at once, and no further events.
    ///
    /// When no other local watcher depends on the server's registration, a removeWatches
    /// request is sent (on servers before 3.9, persistent watches can only be removed together
    /// with every other watch on the path, so that happens only when none remains). The
    /// returned request completes when that is done, or at once when nothing needs sending
    /// now; a removal put off because a reply still due may register a watcher on the same
    /// path is sent on its own once that reply is in.
    /// Fails with `Error::Server(ErrorCode::NoWatcher)` if the watcher already ended.
    ///
    /// # Errors
    ///
    /// `Error::Server(ErrorCode::NoWatcher)` if the watcher already ended; otherwise as
    /// [`submit`](Session::submit).
    pub fn remove_watch(&mut self, watch: WatchId, now: Instant) -> Result<RequestId, Error> {
        let (kind, path) = self
            .watches
            .remove(watch)
            .ok_or(Error::Server(ErrorCode::NoWatcher))?;
        self.outputs.push_back(Output::Watch {
            watch,
            event: WatchEvent::Removed,
        });
        let id = self.new_request_id();
        match self.server_removal_now(kind, &path) {
            Some(watcher_type) => {
                let prepared = Prepared {
                    op: OpCode::RemoveWatches,
                    body: self.removal_body(watcher_type, &path),
                    reply: ReplyKind::WatchRemoved,
                    watch: WatchAction::None,
                    client_path: None,
                };
                let deadline = now + self.request_timeout.unwrap_or(self.requested_timeout);
                self.enqueue(id, prepared, deadline);
            }
            None => self.outputs.push_back(Output::Complete {
                id,
                result: Ok(Response::Done),
                watch: None,
            }),
        }
        Ok(id)
    }

    /// A reply that registered `watch` arrived for a request whose caller already gave up
    /// (its deadline passed): nobody can receive the watcher's events, so it is removed again,
    /// on the server too (kazoo #175), silently.
    pub(super) fn drop_unwanted_watch(&mut self, watch: WatchId) {
        if let Some((kind, path)) = self.watches.remove(watch) {
            if let Some(watcher_type) = self.server_removal_now(kind, &path) {
                self.send_internal_removal(watcher_type, &path);
            }
        }
    }

    /// Sends the removals that were put off, where no reply due blocks them any more. Called
    /// after every reply and timer; nothing to do in the common case.
    pub(super) fn retry_deferred_removals(&mut self) {
        if self.deferred_removals.is_empty() {
            return;
        }
        for (kind, path) in std::mem::take(&mut self.deferred_removals) {
            if let Some(watcher_type) = self.server_removal_now(kind, &path) {
                self.send_internal_removal(watcher_type, &path);
            }
        }
    }

    /// What the server registration behind a removed watcher of `kind` on `path` should be
    /// removed as, if it should be removed now. Records the removal to retry later when a
    /// reply still due may register a watcher on the path.
    fn server_removal_now(&mut self, kind: WatchKind, path: &str) -> Option<WatcherType> {
        if self.closing.is_some()
            || !matches!(self.phase, Phase::Connected { .. })
            || self.sasl_exchange.is_some()
            || !self.caps.supports(OpCode::RemoveWatches)
        {
            // Not connected, or watches not re-registered yet on this connection: the server
            // holds nothing of this watcher, and re-registration only sends what is left.
            return None;
        }
        let persistent_types = self.caps.persistent_watcher_types();
        let Some(watcher_type) = self.watches.server_removal(kind, path, persistent_types) else {
            // Other local watchers still use the path. Before 3.9 a persistent registration
            // can only go with everything else on the path (type Any), so once those others
            // are gone it must still be removed: look again then. (Watchers of the same kind
            // share the registration and remove it themselves.)
            let persistent = matches!(kind, WatchKind::Persistent | WatchKind::PersistentRecursive);
            if persistent && !persistent_types && !self.watches.has(kind, path) {
                self.defer_removal(kind, path);
            }
            return None;
        };
        if self
            .requests
            .will_register(path, kinds_served_by(watcher_type))
        {
            self.defer_removal(kind, path);
            return None;
        }
        Some(watcher_type)
    }

    fn defer_removal(&mut self, kind: WatchKind, path: &str) {
        let known = self
            .deferred_removals
            .iter()
            .any(|(k, p)| *k == kind && p == path);
        if !known {
            self.deferred_removals.push((kind, path.to_owned()));
        }
    }

    fn removal_body(&self, watcher_type: WatcherType, path: &str) -> Body {
        Body::Watches(WatchesRequest {
            path: self.chroot.to_server(path).into_owned(),
            watcher_type: watcher_type.code(),
        })
    }

    /// A removeWatches of the session's own, ahead of queued requests; its reply is consumed
    /// and otherwise ignored (it may be NoWatcher if the watch fired meanwhile).
    fn send_internal_removal(&mut self, watcher_type: WatcherType, path: &str) {
        let body = self.removal_body(watcher_type, path);
        let xid = self.take_xid();
        write_request(&mut self.tx, xid, OpCode::RemoveWatches, &body);
        self.requests.in_flight.push_back(InFlight {
            xid,
            op: OpCode::RemoveWatches,
            kind: InFlightKind::WatchRemoval,
        });
        tracing::debug!(
            path,
            ?watcher_type,
            "removing a watch nobody wants any more"
        );
    }
}
