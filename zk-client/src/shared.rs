//! The state every client handle and the driver share: the session itself, and where its
//! completions, watch events and state changes go.
//!
//! Handles lock it briefly to submit; the driver locks it to feed input and drain output. No
//! user code ever runs under the lock: results leave through channels.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::Instant;

use zk_proto::{
    Acl, AttemptFailure, ConnId, Error, HostPort, IoCause, Output, Request, RequestId,
    ServerVersion, Session, SessionId, StateChange, WatchEvent, WatchId,
};

use crate::completion::{Completions, ReplyFuture};
use crate::event_queue::{self, DEFAULT_CAPACITY, MIN_CAPACITY};
use crate::runtime::{Runtime, TransportLayer};

/// Wakes the driver when a handle queued work for it.
///
/// Only the first notification after the driver last looked wakes it: a burst of submissions
/// while it is already due to run costs one wake-up, not one each.
#[derive(Default)]
pub(crate) struct Notify {
    waker: Mutex<Option<Waker>>,
    /// A wake-up was sent since the driver last called [`register`](Notify::register).
    notified: AtomicBool,
}

impl Notify {
    /// Called by the driver at the start of every poll, before it looks at the session, so a
    /// notification sent after that look wakes it again.
    pub(crate) fn register(&self, waker: &Waker) {
        {
            let mut slot = self.waker.lock().unwrap_or_else(|e| e.into_inner());
            match slot.as_ref() {
                Some(current) if current.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        }
        // Sequentially consistent with the swap in `notify`: a handle that finds the flag set
        // queued its work under the state lock before this poll looks at the state.
        self.notified.store(false, Ordering::SeqCst);
    }

    pub(crate) fn notify(&self) {
        if self.notified.swap(true, Ordering::SeqCst) {
            return;
        }
        let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Where one watcher's events go.
struct WatchSink {
    tx: event_queue::Sender<WatchEvent>,
    one_shot: bool,
}

/// Where outputs go.
pub(crate) struct Routes {
    pending: Completions,
    watches: HashMap<WatchId, WatchSink>,
    state_subscribers: Vec<event_queue::Sender<StateChange>>,
    /// How many unread events each persistent watch and state stream may hold.
    event_capacity: usize,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            pending: Completions::default(),
            watches: HashMap::new(),
            state_subscribers: Vec::new(),
            event_capacity: DEFAULT_CAPACITY,
        }
    }
}

pub(crate) struct State {
    pub(crate) session: Session,
    pub(crate) routes: Routes,
    /// The server of the current (or last) connection attempt.
    pub(crate) current_host: Option<HostPort>,
    /// The last transport error of a connection attempt (the session knows only that the
    /// transport failed; the driver knows why), with its attempt and server.
    pub(crate) last_transport_error: Option<(ConnId, ConnectError)>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) notify: Notify,
    pub(crate) runtime: Arc<dyn Runtime>,
    pub(crate) transport_layer: Option<Arc<dyn TransportLayer>>,
    pub(crate) default_acl: Vec<Acl>,
}

/// A submitted request: its reply, and the receiver of the watch it asked for.
pub(crate) struct Submitted {
    pub(crate) id: RequestId,
    pub(crate) reply: ReplyFuture,
    pub(crate) watch: Option<event_queue::Receiver<WatchEvent>>,
}

/// Whether a request asks for a watcher, and of which lifetime.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum WatchWanted {
    No,
    OneShot,
    Persistent,
}

impl Shared {
    pub(crate) fn new(
        session: Session,
        runtime: Arc<dyn Runtime>,
        transport_layer: Option<Arc<dyn TransportLayer>>,
        default_acl: Vec<Acl>,
    ) -> Shared {
        Shared {
            state: Mutex::new(State {
                session,
                routes: Routes::default(),
                current_host: None,
                last_transport_error: None,
            }),
            notify: Notify::default(),
            runtime,
            transport_layer,
            default_acl,
        }
    }

    /// Locks the state. A panic while it was held cannot leave it half-updated in a way that
    /// matters more than stopping the client, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Submits a request and wakes the driver to send it. With `bound`, the request is
    /// refused with `SessionExpired` unless the session is still that one: checked under the
    /// same lock as the submission, and a request queued when its session is lost fails too.
    pub(crate) fn submit(
        &self,
        request: Request,
        deadline: Option<Instant>,
        watch: WatchWanted,
        bound: Option<SessionId>,
    ) -> Result<Submitted, Error> {
        let now = self.runtime.now();
        let submitted = {
            let mut st = self.lock();
            if bound.is_some_and(|expected| st.session.session_id() != Some(expected)) {
                return Err(Error::SessionExpired);
            }
            let id = match deadline {
                Some(deadline) => st.session.submit_with_deadline(request, deadline)?,
                None => st.session.submit(request, now)?,
            };
            let reply = st.routes.pending.insert(id, watch != WatchWanted::No);
            let watch = (watch != WatchWanted::No).then(|| {
                let one_shot = watch == WatchWanted::OneShot;
                // A one-shot watcher gets one event; a persistent one is bounded by policy.
                let capacity = if one_shot {
                    1
                } else {
                    st.routes.event_capacity
                };
                let (tx, rx) = event_queue::channel(capacity);
                st.routes
                    .watches
                    .insert(WatchId::from(id), WatchSink { tx, one_shot });
                rx
            });
            Submitted { id, reply, watch }
        };
        self.notify.notify();
        Ok(submitted)
    }

    /// Runs a session command that yields a request id (add_auth, remove_watch) and routes its
    /// completion.
    pub(crate) fn command(
        &self,
        f: impl FnOnce(&mut Session, Instant) -> Result<RequestId, Error>,
    ) -> Result<ReplyFuture, Error> {
        let now = self.runtime.now();
        let rx = {
            let mut st = self.lock();
            let id = f(&mut st.session, now)?;
            st.routes.pending.insert(id, false)
        };
        self.notify.notify();
        Ok(rx)
    }

    /// How many unread events each persistent watch and state stream created from now on may
    /// hold (at least [`MIN_CAPACITY`]).
    pub(crate) fn set_event_capacity(&self, capacity: usize) {
        self.lock().routes.event_capacity = capacity.max(MIN_CAPACITY);
    }

    /// Subscribes to state changes.
    pub(crate) fn subscribe_states(&self) -> event_queue::Receiver<StateChange> {
        let mut st = self.lock();
        let (tx, rx) = event_queue::channel(st.routes.event_capacity);
        // Subscribers that went away are otherwise only noticed at the next state change; a
        // process that subscribes often while connected would accumulate them.
        st.routes
            .state_subscribers
            .retain(|subscriber| !subscriber.is_disconnected());
        st.routes.state_subscribers.push(tx);
        rx
    }

    /// Stops delivering a watcher's events: removes it from the session (and the server, if no
    /// other watcher needs the registration).
    pub(crate) fn drop_watch(&self, watch: WatchId) {
        let now = self.runtime.now();
        {
            let mut st = self.lock();
            if st.routes.watches.remove(&watch).is_none() {
                return;
            }
            let _ = st.session.remove_watch(watch, now);
        }
        self.notify.notify();
    }

    pub(crate) fn learn_server_version(&self, version: ServerVersion) {
        self.lock().session.set_server_version(version);
    }
}

/// Why a connection attempt failed, as `connect` reports it: which server and what happened,
/// and the I/O (or TLS) error when the transport was what failed.
#[derive(Debug, Clone)]
pub(crate) struct ConnectError {
    pub(crate) description: String,
    pub(crate) cause: Option<IoCause>,
}

impl State {
    /// Remembers why the transport of attempt `conn` (to the current host) failed, and the
    /// I/O (or TLS) error behind it, if there was one.
    pub(crate) fn record_connect_error(
        &mut self,
        conn: ConnId,
        reason: String,
        cause: Option<std::io::Error>,
    ) {
        let host = self
            .current_host
            .as_ref()
            .map_or_else(|| "?".to_owned(), ToString::to_string);
        let error = ConnectError {
            description: format!("{host}: {reason}"),
            cause: cause.map(IoCause::new),
        };
        self.last_transport_error = Some((conn, error));
    }

    /// Why the most recent failed connection attempt failed, with its server: the driver's
    /// transport error or the session's own reason (a refused, stalled or unusable
    /// handshake), whichever is newer. On the same attempt the session's reason wins unless it
    /// only says "the transport failed", which the driver's error explains better.
    pub(crate) fn last_connect_error(&self) -> Option<ConnectError> {
        let session = self.session.last_failed_attempt();
        match (&self.last_transport_error, session) {
            (Some((conn, transport)), Some(failed))
                if *conn > failed.conn
                    || (*conn == failed.conn && failed.reason == AttemptFailure::Transport) =>
            {
                Some(transport.clone())
            }
            (_, Some(failed)) => Some(ConnectError {
                description: failed.to_string(),
                cause: None,
            }),
            (Some((_, transport)), None) => Some(transport.clone()),
            (None, None) => None,
        }
    }

    /// Delivers one output to the application. Callers to wake are added to `wake`, for the
    /// driver to wake once it has released the lock.
    pub(crate) fn dispatch(&mut self, output: Output, now: Instant, wake: &mut Vec<Waker>) {
        match output {
            Output::Complete { id, result, watch } => {
                let unset = watch.is_none();
                let asked = self.routes.pending.complete(
                    id,
                    result.map(|response| (response, watch)),
                    wake,
                );
                if asked && unset {
                    // The request asked for a watcher the server did not set (a failed read):
                    // end the receiver handed out with it.
                    self.routes.watches.remove(&WatchId::from(id));
                }
                if let Some(watch) = watch {
                    // The caller gave up on a watched read before its reply (a timeout around
                    // it, a cancelled task): nobody can receive the event, so the watcher the
                    // reply just registered is removed again, locally and on the server,
                    // instead of staying until the node changes (kazoo #175).
                    let abandoned = self
                        .routes
                        .watches
                        .get(&watch)
                        .is_none_or(|sink| sink.tx.is_disconnected());
                    if abandoned {
                        self.routes.watches.remove(&watch);
                        let _ = self.session.remove_watch(watch, now);
                    }
                }
            }
            Output::Watch { watch, event } => {
                let Some(sink) = self.routes.watches.get(&watch) else {
                    return;
                };
                let ends = event.is_terminal() || sink.one_shot;
                // A full queue drops its oldest event; the stream reports the gap.
                let delivered = sink.tx.send(event, |_| 0, wake);
                if ends {
                    self.routes.watches.remove(&watch);
                } else if !delivered {
                    // Nobody listens any more: stop the watch rather than leak it.
                    self.routes.watches.remove(&watch);
                    let _ = self.session.remove_watch(watch, now);
                }
            }
            Output::State(change) => {
                self.routes
                    .state_subscribers
                    .retain(|tx| tx.send(change, crate::state::evict, wake));
            }
        }
    }
}
