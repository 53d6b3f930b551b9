//! The client handle: cheap to clone, `Send + Sync`, shared by every adapter.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use zk_proto::{
    Acl, Error, ErrorCode, Request, RequestId, Response, ServerVersion, Session, SessionId,
    SessionState, WatchEvent, WatchId,
};

use crate::completion::Reply;
use crate::driver::Driver;
use crate::event_queue::Receiver;
use crate::pending::{Pending, Sent};
use crate::runtime::{Runtime, TransportLayer};
use crate::runtime_handle::RuntimeHandle;
use crate::shared::{Shared, WatchWanted};
use crate::state::StateStream;
use crate::watch::{OneshotWatch, WatchStream};

/// A handle to one ZooKeeper session.
///
/// Clone it freely: clones share the session. When the last clone is dropped, the session is
/// closed (its ephemeral nodes go at once). Every operation is an `async fn`; none runs user
/// code on the I/O task, so a slow consumer never delays pings.
///
/// # Errors
///
/// Besides the errors each operation names, any operation that waits for a reply may fail with
/// [`Error::Protocol`] when the reply is inconsistent with its request (another kind of reply,
/// or without a part the operation always returns): a bug in the server or in this client,
/// logged, never a server code; as after `ConnectionLoss`, a write's outcome is unknown.
#[derive(Clone)]
pub struct Client {
    pub(crate) shared: Arc<Shared>,
    /// Closes the session when the last handle goes.
    _guard: Arc<CloseOnDrop>,
    /// A per-handle deadline for requests (see [`Client::with_request_timeout`]).
    request_timeout: Option<Duration>,
    /// The session this handle's requests are bound to (see [`Client::bound_to_session`]).
    bound_session: Option<SessionId>,
}

struct CloseOnDrop(Arc<Shared>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        let now = self.0.runtime.now();
        self.0.lock().session.close(now);
        self.0.notify.notify();
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        f.debug_struct("Client")
            .field("state", &st.session.state())
            .field("session_id", &st.session.session_id())
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn start(
        session: Session,
        runtime: Arc<dyn Runtime>,
        transport_layer: Option<Arc<dyn TransportLayer>>,
        default_acl: Vec<Acl>,
    ) -> Client {
        let shared = Arc::new(Shared::new(
            session,
            runtime.clone(),
            transport_layer,
            default_acl,
        ));
        runtime.spawn(Box::pin(Driver::new(shared.clone())));
        Client {
            _guard: Arc::new(CloseOnDrop(shared.clone())),
            shared,
            request_timeout: None,
            bound_session: None,
        }
    }

    /// A handle to the same session whose requests fail with `Timeout` after `timeout`
    /// (instead of the client's default).
    pub fn with_request_timeout(&self, timeout: Duration) -> Client {
        Client {
            request_timeout: Some(timeout),
            ..self.clone()
        }
    }

    /// A handle to the same client whose requests are bound to `session`: each fails with
    /// [`Error::SessionExpired`], and is not sent, unless the client's session is still
    /// `session` when it is submitted, and one waiting to be sent when that session is lost
    /// fails the same way.
    ///
    /// Without it, a request made after a loss simply runs on the client's next session (the
    /// default expiry policy opens one), which is what most code wants, but not code that
    /// checked something under the old session: a lock holder whose session expired would
    /// overwrite the data of the holder that came after it. Bind the writes you make under a
    /// lock, a lease or leadership to the session that holds it (the recipes' guards do), and
    /// make them conditional on the holder's node as well where a pause could outlast the
    /// session unnoticed (a transaction that checks the node; see `zk-recipes`).
    ///
    /// ```no_run
    /// # async fn demo(client: zk_client::Client) -> Result<(), zk_client::Error> {
    /// let session = client.session_id().expect("connected");
    /// // ... decide something under this session ...
    /// let bound = client.bound_to_session(session);
    /// bound.set_data("/config", "decided", None).await?; // SessionExpired once it is gone
    /// # Ok(()) }
    /// ```
    pub fn bound_to_session(&self, session: SessionId) -> Client {
        Client {
            bound_session: Some(session),
            ..self.clone()
        }
    }

    /// The session this handle's requests are bound to, if any
    /// ([`bound_to_session`](Client::bound_to_session)).
    pub fn bound_session(&self) -> Option<SessionId> {
        self.bound_session
    }

    fn deadline(&self) -> Option<Instant> {
        self.request_timeout
            .map(|timeout| self.shared.runtime.now() + timeout)
    }

    /// Submits any request: the low-level door to every operation. The request is submitted
    /// now, in call order; the returned future waits for its outcome.
    ///
    /// # Errors
    ///
    /// The server's error for the request, or the client's: `ConnectionLoss` (a write's
    /// outcome is then unknown), `Timeout`, `SessionExpired`, `Closed`, or an invalid
    /// argument found before sending.
    pub fn execute(&self, request: Request) -> Pending<Response> {
        Pending::reply(self.send(request), |reply| reply)
    }

    /// Submits `request` now and returns a future of its outcome that holds nothing but the
    /// reply slot. Every operation goes through it, so that their futures stay small and
    /// requests go out in call order.
    pub(crate) fn send(&self, request: Request) -> Sent {
        Sent(
            self.shared
                .submit(
                    request,
                    self.deadline(),
                    WatchWanted::No,
                    self.bound_session,
                )
                .map(|submitted| submitted.reply)
                .map_err(Some),
        )
    }

    /// Submits a request that asks for a watcher of `wanted`'s kind. The future yields the
    /// reply and, if the server set the watch, its id and event queue. Until the caller holds
    /// them, a claim removes the watcher if the future is dropped.
    fn send_watching(
        &self,
        request: Request,
        wanted: WatchWanted,
    ) -> impl Future<Output = Result<(Response, Option<SetWatch>), Error>> + Send + use<> {
        let submitted = self
            .shared
            .submit(request, self.deadline(), wanted, self.bound_session);
        let claim = submitted
            .as_ref()
            .ok()
            .map(|submitted| WatchClaim::new(&self.shared, submitted.id));
        async move {
            let submitted = submitted?;
            let rx = submitted.watch;
            let (response, watch) = wait(submitted.reply).await?;
            if let Some(claim) = claim {
                claim.disarm();
            }
            Ok((response, watch.zip(rx)))
        }
    }

    /// Submits a request that leaves a one-shot watch; the future yields the reply and the
    /// watch, if the server set one.
    pub(crate) fn send_watched(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<(Response, Option<OneshotWatch>), Error>> + Send + use<> {
        let reply = self.send_watching(request, WatchWanted::OneShot);
        let shared = self.shared.clone();
        async move {
            let (response, watch) = reply.await?;
            let watch = watch.map(|(id, rx)| OneshotWatch::new(shared, id, rx));
            Ok((response, watch))
        }
    }

    /// Submits a request that leaves a persistent watch.
    pub(crate) fn send_persistent(&self, request: Request) -> Pending<WatchStream> {
        let reply = self.send_watching(request, WatchWanted::Persistent);
        let shared = self.shared.clone();
        Pending::steps(async move {
            match reply.await? {
                (_, Some((id, rx))) => Ok(WatchStream::new(shared, id, rx)),
                (_, None) => Err(crate::pending::incomplete(
                    "a persistent watch reply without its watch",
                )),
            }
        })
    }

    /// Adds a credential to this session, now and after every reconnect; completes when the
    /// server has accepted it. A rejected credential ends the session with
    /// [`SessionState::AuthFailed`].
    ///
    /// # Errors
    ///
    /// `AuthFailed` if the server rejects it; `InvalidArgument` for an empty scheme; `Closed`,
    /// `SessionExpired` or `Timeout` if it could not be delivered.
    pub fn add_auth(&self, scheme: &str, credential: impl Into<Bytes>) -> Pending<()> {
        let credential = credential.into();
        let rx = self
            .shared
            .command(|session, now| session.add_auth(scheme, credential, now));
        Pending::reply(Sent(rx.map_err(Some)), |reply| reply.map(|_| ()))
    }

    /// How many watchers this client holds that have not ended: one-shot watches that have
    /// not fired and persistent watches not removed. A count that only grows points at watch
    /// handles that are kept but never awaited.
    pub fn watch_count(&self) -> usize {
        self.shared.lock().session.watch_count()
    }

    /// Why the last connection attempt that failed before a session was established failed
    /// (`"127.0.0.1:2281: invalid peer certificate: UnknownIssuer"`), if one did.
    pub fn last_connect_error(&self) -> Option<String> {
        self.shared
            .lock()
            .last_connect_error()
            .map(|error| error.description)
    }

    /// The current session state.
    pub fn state(&self) -> SessionState {
        self.shared.lock().session.state()
    }

    /// Every state change from now on, as a stream.
    pub fn state_changes(&self) -> StateStream {
        StateStream::new(self.shared.subscribe_states())
    }

    /// Waits until the session is connected (to a read/write or a read-only server).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] when `timeout` passes first (the client keeps trying; nothing is
    /// closed); at once [`Error::Closed`] if the client is closed, [`Error::SessionExpired`]
    /// if the session was lost for good, `Error::Server(ErrorCode::AuthFailed)` if a credential
    /// was rejected.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), Error> {
        let deadline = self.shared.runtime.now() + timeout;
        let changes = self.shared.subscribe_states();
        loop {
            match self.state() {
                SessionState::Connected | SessionState::ConnectedReadOnly => return Ok(()),
                SessionState::AuthFailed => return Err(Error::Server(ErrorCode::AuthFailed)),
                SessionState::Closed => return Err(Error::Closed),
                SessionState::Lost if self.shared.lock().session.is_done() => {
                    return Err(Error::SessionExpired);
                }
                _ => {}
            }
            let next = crate::runtime::until_deadline(
                &self.shared.runtime,
                deadline,
                changes.recv_async(),
            )
            .await;
            match next {
                None => return Err(Error::Timeout),
                Some(Err(_)) => return Err(Error::Closed),
                Some(Ok(_)) => {}
            }
        }
    }

    /// The server of the current connection (or of the attempt under way).
    pub fn connected_host(&self) -> Option<zk_proto::HostPort> {
        self.shared.lock().current_host.clone()
    }

    /// The session id, once a server granted one.
    pub fn session_id(&self) -> Option<SessionId> {
        self.shared.lock().session.session_id()
    }

    /// The session password (to resume the session from another client).
    pub fn session_password(&self) -> Option<Bytes> {
        self.shared.lock().session.session_password().cloned()
    }

    /// The timeout the server granted.
    pub fn negotiated_timeout(&self) -> Option<Duration> {
        self.shared.lock().session.negotiated_timeout()
    }

    /// The highest zxid seen in a reply.
    pub fn last_zxid(&self) -> i64 {
        self.shared.lock().session.last_zxid()
    }

    /// The server version, if configured or already learned.
    pub fn known_server_version(&self) -> Option<ServerVersion> {
        self.shared.lock().session.server_version()
    }

    /// The ACL used for nodes created without one.
    pub fn default_acl(&self) -> &[Acl] {
        &self.shared.default_acl
    }

    /// The client's runtime: sleep, time out, spawn and read the clock the way the driver
    /// does, on tokio, smol or the blocking adapter alike. Recipes build on it.
    pub fn runtime(&self) -> RuntimeHandle {
        RuntimeHandle::new(self.shared.runtime.clone())
    }

    /// Ends the session: requests already submitted are still sent, then the session is closed
    /// on the server (its ephemeral nodes go at once). Waits until that is confirmed or the
    /// close timeout passes. Later operations fail with [`Error::Closed`].
    pub async fn close(&self) {
        let changes = self.shared.subscribe_states();
        {
            let now = self.shared.runtime.now();
            self.shared.lock().session.close(now);
        }
        self.shared.notify.notify();
        while !self.state().is_terminal() {
            if changes.recv_async().await.is_err() {
                break;
            }
        }
    }
}

/// A watch the server set: its id and the queue its events arrive on.
type SetWatch = (WatchId, Receiver<WatchEvent>);

/// The watcher a watched read asked for, until the caller holds its handle: if the read's
/// future is dropped after the reply arrived but before the caller saw it, nothing else would
/// remove the watcher. (Dropped before the reply, the driver removes it when the reply comes.)
struct WatchClaim {
    shared: Arc<Shared>,
    watch: WatchId,
    armed: bool,
}

impl WatchClaim {
    fn new(shared: &Arc<Shared>, request: RequestId) -> Self {
        WatchClaim {
            shared: shared.clone(),
            watch: WatchId::from(request),
            armed: true,
        }
    }

    /// The caller took the reply: the watch handle owns the watcher from here.
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for WatchClaim {
    fn drop(&mut self) {
        if self.armed {
            self.shared.drop_watch(self.watch);
        }
    }
}

/// Awaits a reply; a vanished driver means the client is gone.
pub(crate) async fn wait(rx: crate::completion::ReplyFuture) -> Reply {
    rx.await
}
