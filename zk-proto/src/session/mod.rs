//! The session state machine: one ZooKeeper session over a sequence of transports.
//!
//! See the [crate documentation](crate) for the contract and a complete run loop.

mod action;
mod auth;
mod config;
mod failure;
mod input;
mod lifecycle;
mod output;
mod prepare;
mod reply;
mod requests;
mod rw_probe;
mod sasl_exchange;
mod timers;
mod transmit;
mod watch_removal;

pub use action::Action;
pub use config::{ExpiryPolicy, SessionConfig};
pub use failure::{AttemptFailure, FailedAttempt};
pub use output::{ConnId, Output, RequestId, SessionId, SessionState, StateChange, Transmit};
pub use rw_probe::ProbeId;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::ErrorCode;
use crate::connect_string::HostPort;
use crate::error::Error;
use crate::frame::FrameDecoder;
use crate::hosts::HostRotation;
use crate::opcode::OpCode;
use crate::path::Chroot;
use crate::request::Request;
use crate::response::Response;
use crate::rng::Rng;
use crate::sasl::SaslConfig;
use crate::version::ServerVersion;
use crate::watch::{WatchId, WatchKind, WatchRegistry};
use crate::wire::Body;

use auth::AuthState;
use prepare::{Capabilities, Prepared, Preparer, ReplyKind, WatchAction};
use requests::{Queued, Requests};
use sasl_exchange::SaslExchange;

/// Where the session is with its transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting until `until` before the next connection attempt (backoff).
    Waiting { until: Instant },
    /// The driver was asked to open `conn`.
    Connecting { conn: ConnId, deadline: Instant },
    /// `conn` is open and the ConnectRequest is out; waiting for the ConnectResponse.
    Handshaking { conn: ConnId, deadline: Instant },
    /// The session is established on `conn`.
    Connected {
        conn: ConnId,
        last_recv: Instant,
        last_send: Instant,
        /// When the connection counts as healthy: one that ends before this instant counts
        /// as a failed attempt for the backoff, so a server that grants sessions and drops
        /// them at once cannot make the client reconnect in a tight loop.
        healthy_at: Instant,
    },
    /// No further connections: closed, authentication failed, or lost with a terminal policy.
    Done,
}

impl Phase {
    fn conn(self) -> Option<ConnId> {
        match self {
            Phase::Connecting { conn, .. }
            | Phase::Handshaking { conn, .. }
            | Phase::Connected { conn, .. } => Some(conn),
            Phase::Waiting { .. } | Phase::Done => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Closing {
    deadline: Instant,
    /// The CloseSession request is on the wire.
    sent: bool,
}

/// One ZooKeeper session, as a pure state machine.
///
/// Inputs are the `handle_*` methods, commands are [`submit`](Session::submit),
/// [`add_auth`](Session::add_auth), [`remove_watch`](Session::remove_watch) and
/// [`close`](Session::close); what the driver must do comes from
/// [`poll_action`](Session::poll_action), what the application must hear from
/// [`poll_output`](Session::poll_output), and bytes and timers from
/// [`poll_transmit`](Session::poll_transmit) and [`poll_timeout`](Session::poll_timeout).
/// After any input or command, drain the actions, the outputs and transmit, then sleep until
/// the timeout or the next input.
pub struct Session {
    chroot: Chroot,
    requested_timeout: Duration,
    read_only_allowed: bool,
    max_frame_out: usize,
    max_in_flight: usize,
    request_timeout: Option<Duration>,
    expiry_policy: ExpiryPolicy,
    close_timeout: Duration,
    min_session_timeout: Duration,

    rng: Rng,
    hosts: HostRotation,
    caps: Capabilities,

    state: SessionState,
    phase: Phase,
    next_conn: u64,
    closing: Option<Closing>,

    session_id: i64,
    passwd: Bytes,
    /// Whether `session_id` may be re-attached: it came from a read/write server (or was given
    /// to resume). Sessions from read-only servers are local and cannot move
    /// (`docs/protocol.md#read-only-mode`).
    session_is_global: bool,
    negotiated_timeout: Option<Duration>,
    read_only: bool,
    /// The connected state to announce once the credentials sent after the handshake are
    /// accepted, so that "connected" also means "authenticated".
    announce_after_auth: Option<SessionState>,
    last_zxid: i64,
    /// When a server was last heard from on behalf of the current session; the session is
    /// declared lost after a whole session timeout without contact.
    last_heard: Option<Instant>,

    /// SASL authentication to run after every handshake.
    sasl: Option<SaslConfig>,
    /// The SASL exchange under way on the current connection; while it runs nothing else is
    /// sent and every reply other than a ping or a notification is a SASL token.
    sasl_exchange: Option<SaslExchange>,
    /// The server of the current connection attempt.
    current_host: Option<HostPort>,
    /// The latest failed connection attempt and why it failed.
    last_failure: Option<FailedAttempt>,
    /// The search for a read/write server while connected to a read-only one.
    rw_probe: rw_probe::RwProbe,
    /// Server-side watch removals put off because a reply still due may register a watcher
    /// on the same path: (the kind of the watcher removed, its client path).
    deferred_removals: Vec<(WatchKind, String)>,

    decoder: FrameDecoder,
    /// Encoded frames generated by the session itself (handshake, auth, SetWatches, ping),
    /// handed out first by `poll_transmit`.
    tx: Vec<u8>,
    next_id: u64,
    next_xid: i32,
    requests: Requests,
    auth: AuthState,
    watches: WatchRegistry,
    /// What the driver must do, in order.
    actions: VecDeque<Action>,
    /// What the application must hear, in order.
    outputs: VecDeque<Output>,
}

impl Session {
    /// Creates a session and asks for its first connection: the first
    /// [`poll_action`](Session::poll_action) is an [`Action::Connect`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the configuration cannot work (no hosts, a session
    /// timeout of zero, a zero in-flight limit, frame limits under 64 bytes).
    pub fn new(config: SessionConfig, now: Instant) -> Result<Session, Error> {
        config.validate()?;
        let mut rng = Rng::new(config.seed.unwrap_or_else(crate::rng::entropy));
        let hosts = HostRotation::new(
            config.hosts,
            &mut rng,
            config.backoff_initial,
            config.backoff_max,
        );
        let mut auth = AuthState::default();
        for (scheme, bytes) in &config.auth {
            auth.slot(scheme, bytes);
        }
        let (session_id, passwd, global) = match config.resume {
            Some((id, passwd)) => (id.get(), passwd, true),
            None => (0, Bytes::new(), false),
        };
        let mut session = Session {
            chroot: config.chroot,
            requested_timeout: config.session_timeout,
            read_only_allowed: config.read_only,
            max_frame_out: config.max_frame_out,
            max_in_flight: config.max_in_flight,
            request_timeout: config.request_timeout,
            expiry_policy: config.expiry_policy,
            close_timeout: config.close_timeout,
            min_session_timeout: config.min_session_timeout,
            rng,
            hosts,
            caps: Capabilities {
                version: config.server_version,
                unsupported: Vec::new(),
            },
            state: SessionState::Connecting,
            phase: Phase::Done,
            next_conn: 0,
            closing: None,
            session_id,
            passwd,
            session_is_global: global,
            negotiated_timeout: None,
            read_only: false,
            announce_after_auth: None,
            last_zxid: 0,
            last_heard: None,
            sasl: config.sasl,
            sasl_exchange: None,
            current_host: None,
            last_failure: None,
            rw_probe: rw_probe::RwProbe::default(),
            deferred_removals: Vec::new(),
            decoder: FrameDecoder::new(config.max_frame_in),
            tx: Vec::new(),
            next_id: 1,
            next_xid: 1,
            requests: Requests::default(),
            auth,
            watches: WatchRegistry::default(),
            actions: VecDeque::new(),
            outputs: VecDeque::new(),
        };
        if session.session_id != 0 {
            // A resumed session is on the clock from the start.
            session.last_heard = Some(now);
        }
        session.start_attempt(now);
        Ok(session)
    }

    // ----- getters -----

    /// The current state.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// The session id, once a server has granted one.
    pub fn session_id(&self) -> Option<SessionId> {
        (self.session_id != 0).then_some(SessionId::new(self.session_id))
    }

    /// The session password, to resume the session from another client
    /// ([`SessionConfig::resume`]).
    pub fn session_password(&self) -> Option<&Bytes> {
        (self.session_id != 0).then_some(&self.passwd)
    }

    /// The timeout the server granted, once connected.
    pub fn negotiated_timeout(&self) -> Option<Duration> {
        self.negotiated_timeout
    }

    /// The highest zxid seen in a reply.
    pub fn last_zxid(&self) -> i64 {
        self.last_zxid
    }

    /// The server version, if configured or learned.
    pub fn server_version(&self) -> Option<ServerVersion> {
        self.caps.version
    }

    /// Whether the server reported by this version would accept `op` (learned refusals
    /// included).
    pub fn supports(&self, op: OpCode) -> bool {
        self.caps.supports(op)
    }

    /// The servers, in the order they are tried (after the shuffle).
    pub fn hosts(&self) -> &[HostPort] {
        self.hosts.hosts()
    }

    /// The chroot.
    pub fn chroot(&self) -> &Chroot {
        &self.chroot
    }

    /// Whether the session has stopped for good (closed, authentication failed, or lost with
    /// the terminal expiry policy): no connection will be opened again and, once the outputs
    /// are drained, nothing more will happen.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The most recent failed connection attempt: which one, to which server, and why.
    ///
    /// Kept until the next failure; a driver whose caller waits for a first connection uses it
    /// to say why none came (compare its [`ConnId`] with the driver's own record of transport
    /// errors to pick the newer).
    pub fn last_failed_attempt(&self) -> Option<&FailedAttempt> {
        self.last_failure.as_ref()
    }

    /// The connection currently in use or being opened, if any.
    pub fn current_conn(&self) -> Option<ConnId> {
        self.phase.conn()
    }

    /// Requests waiting to be sent.
    pub fn queued_requests(&self) -> usize {
        self.requests.queued.len()
    }

    /// Application requests sent and awaiting replies.
    pub fn in_flight_requests(&self) -> usize {
        self.requests.user_in_flight
    }

    /// Local watchers registered.
    pub fn watch_count(&self) -> usize {
        self.watches.len()
    }

    /// The kind of a registered watcher, or `None` once it has ended.
    pub fn watch_kind(&self, watch: WatchId) -> Option<WatchKind> {
        self.watches.kind_of(watch)
    }

    // ----- commands -----

    /// Records the server version (for example from the `srvr` four-letter word), so that
    /// operations it lacks fail with `Error::Server(ErrorCode::Unimplemented)` before being sent.
    pub fn set_server_version(&mut self, version: ServerVersion) {
        self.caps.version = Some(version);
    }

    /// Submits a request with the default deadline (the configured request timeout, or the
    /// session timeout).
    ///
    /// Returns at once with an error, and sends nothing, if the request is invalid (path, size,
    /// ACL, TTL), unsupported by the known server version, or the session no longer accepts
    /// requests. Otherwise the request completes later through exactly one
    /// [`Output::Complete`]. It is queued while disconnected and sent, in submission order,
    /// once connected and under the in-flight limit: call
    /// [`poll_transmit`](Session::poll_transmit) afterwards. A new deadline may change
    /// [`poll_timeout`](Session::poll_timeout).
    ///
    /// # Errors
    ///
    /// Nothing is sent when it fails: [`Error::InvalidPath`], [`Error::InvalidArgument`] (a TTL
    /// out of range, ...) or [`Error::RequestTooLarge`] for a request that cannot be sent;
    /// `Error::Server(ErrorCode::Unimplemented)` for an operation the known server version lacks;
    /// `Error::Server(ErrorCode::InvalidAcl)` for an empty ACL; [`Error::Closed`] once closed;
    /// [`Error::SessionExpired`] once the session is lost for good;
    /// `Error::Server(ErrorCode::AuthFailed)` after a rejected credential.
    pub fn submit(&mut self, request: Request, now: Instant) -> Result<RequestId, Error> {
        let deadline = now + self.request_timeout.unwrap_or(self.requested_timeout);
        self.submit_with_deadline(request, deadline)
    }

    /// Submits a request that fails with [`Error::Timeout`] if it has not completed by
    /// `deadline` (whether still queued or already sent; a sent write may still be applied).
    ///
    /// # Errors
    ///
    /// As [`submit`](Session::submit).
    pub fn submit_with_deadline(
        &mut self,
        request: Request,
        deadline: Instant,
    ) -> Result<RequestId, Error> {
        self.check_accepting()?;
        let empty = match &request {
            Request::Multi(ops) => ops.is_empty().then(|| Response::Multi(Vec::new())),
            Request::MultiRead(ops) => ops.is_empty().then(|| Response::MultiRead(Vec::new())),
            _ => None,
        };
        let mut prepared = Preparer {
            chroot: &self.chroot,
            caps: &self.caps,
            max_frame: self.max_frame_out,
        }
        .prepare(request)?;
        self.share_server_watches(&mut prepared)?;
        let id = self.new_request_id();
        if let Some(response) = empty {
            // Like the Java client, an empty transaction never goes on the wire.
            self.outputs.push_back(Output::Complete {
                id,
                result: Ok(response),
                watch: None,
            });
            return Ok(id);
        }
        self.enqueue(id, prepared, deadline);
        Ok(id)
    }

    /// Adds a credential (`digest` with `user:password`, for instance) to the connection and to
    /// every future connection of this session.
    ///
    /// The returned request completes when the server answers the credential: at once if
    /// connected, otherwise after the next handshake. A rejected credential puts the session in
    /// [`SessionState::AuthFailed`] (the server closes the connection).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty scheme; otherwise as
    /// [`submit`](Session::submit).
    pub fn add_auth(
        &mut self,
        scheme: &str,
        auth: impl Into<Bytes>,
        now: Instant,
    ) -> Result<RequestId, Error> {
        self.check_accepting()?;
        if scheme.is_empty() {
            return Err(Error::InvalidArgument {
                argument: "scheme",
                reason: "an auth scheme must not be empty",
            });
        }
        let auth = auth.into();
        let id = self.new_request_id();
        let deadline = now + self.request_timeout.unwrap_or(self.requested_timeout);
        let slot = self.auth.slot(scheme, &auth);
        if let Some(cred) = self.auth.credentials[slot].as_mut() {
            cred.waiters.push((id, deadline));
        }
        self.requests.deadlines.insert(deadline, id);
        if matches!(self.phase, Phase::Connected { .. }) {
            self.queue_auth_packet(slot, now);
        }
        Ok(id)
    }

    /// Ends the session: requests already queued are still sent, then CloseSession; the server
    /// deletes the session's ephemeral nodes and the session becomes
    /// [`SessionState::Closed`] when it confirms (or after the close timeout).
    ///
    /// If the session is disconnected, it keeps reconnecting until the close timeout to tell
    /// the server, so that ephemeral nodes (locks!) go at once rather than at expiry. Without a
    /// session, it closes at once. Later submissions fail with [`Error::Closed`].
    pub fn close(&mut self, now: Instant) {
        if self.state.is_terminal() || self.closing.is_some() {
            return;
        }
        if self.session_id == 0 || self.phase == Phase::Done {
            self.finish_close();
            return;
        }
        self.closing = Some(Closing {
            deadline: now + self.close_timeout,
            sent: false,
        });
    }

    // ----- outputs -----

    /// The next thing the driver must do, in order; `None` when there is nothing more until
    /// the next input.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next completion, watch event or state change for the application, in order;
    /// `None` when there is nothing more until the next input.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    // ----- helpers shared by the submodules -----

    fn new_request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    /// The next xid: strictly increasing in wire order, wrapping from `i32::MAX` back to 1
    /// (negative xids are special, and the server throttles only positive ones).
    fn take_xid(&mut self) -> i32 {
        let xid = self.next_xid;
        self.next_xid = if xid == i32::MAX { 1 } else { xid + 1 };
        xid
    }

    fn enqueue(&mut self, id: RequestId, prepared: Prepared, deadline: Instant) {
        self.requests.deadlines.insert(deadline, id);
        self.requests.queued.push_back(Queued {
            id,
            prepared,
            deadline,
        });
    }

    /// Servers before 3.9 keep a single watch mode per connection, path and watch manager, the
    /// last one set (ZOOKEEPER-4466): a one-shot watch set on a path that has a persistent
    /// watch replaces it on the server, and once the one-shot fires the persistent watch is
    /// silently gone. So on those servers (and when the version is unknown):
    ///
    /// - a one-shot watch on a path whose persistent (or, for data and exist watches,
    ///   persistent recursive) watch already delivers its events is kept on the client only:
    ///   the read goes out without its watch flag and the local registry routes the persistent
    ///   registration's events to it;
    /// - a persistent and a persistent recursive watch on the same path cannot both live on
    ///   the server, and asking for the second fails with [`Error::InvalidArgument`].
    fn share_server_watches(&self, prepared: &mut Prepared) -> Result<(), Error> {
        if self
            .caps
            .version
            .is_some_and(|v| v >= crate::version::ServerVersion::V3_9_0)
        {
            return Ok(());
        }
        let present = |kind: WatchKind, path: &str| {
            self.watches.has(kind, path) || self.requests.will_register(path, &[kind])
        };
        let served_locally = match &prepared.watch {
            WatchAction::Register(WatchKind::Data, path) | WatchAction::RegisterExists(path) => {
                present(WatchKind::Persistent, path)
                    || present(WatchKind::PersistentRecursive, path)
            }
            WatchAction::Register(WatchKind::Child, path) => present(WatchKind::Persistent, path),
            WatchAction::Register(WatchKind::Persistent, path)
                if present(WatchKind::PersistentRecursive, path) =>
            {
                return Err(Error::InvalidArgument {
                    argument: "mode",
                    reason: "servers before 3.9 cannot hold a persistent and a persistent \
                             recursive watch on the same path (ZOOKEEPER-4466)",
                });
            }
            WatchAction::Register(WatchKind::PersistentRecursive, path)
                if present(WatchKind::Persistent, path) =>
            {
                return Err(Error::InvalidArgument {
                    argument: "mode",
                    reason: "servers before 3.9 cannot hold a persistent and a persistent \
                             recursive watch on the same path (ZOOKEEPER-4466)",
                });
            }
            _ => false,
        };
        if served_locally {
            if let Body::PathWatch(read) = &mut prepared.body {
                read.watch = false;
            }
        }
        Ok(())
    }

    fn check_accepting(&self) -> Result<(), Error> {
        match self.state {
            SessionState::Closed => return Err(Error::Closed),
            SessionState::AuthFailed => return Err(Error::Server(ErrorCode::AuthFailed)),
            SessionState::Lost if self.phase == Phase::Done => return Err(Error::SessionExpired),
            _ => {}
        }
        if self.closing.is_some() {
            return Err(Error::Closed);
        }
        Ok(())
    }
}

impl std::fmt::Debug for Session {
    /// The state, never the credentials or the session password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state)
            .field("session_id", &self.session_id())
            .field("phase", &self.phase)
            .field("last_zxid", &self.last_zxid)
            .field("queued", &self.requests.queued.len())
            .field("in_flight", &self.requests.user_in_flight)
            .field("watches", &self.watches.len())
            .field("sasl", &self.sasl)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jute::Record;
    use crate::records::{ConnectResponse, RequestHeader};

    #[test]
    #[allow(clippy::disallowed_methods)]
    fn xids_wrap_from_max_back_to_one_on_the_wire() {
        let now = Instant::now();
        let mut s = Session::new(SessionConfig::new("h:1").unwrap(), now).unwrap();
        let Some(Action::Connect { conn, .. }) = s.poll_action() else {
            panic!("expected a Connect")
        };
        s.handle_connected(conn, now);
        let mut out = Vec::new();
        let _ = s.poll_transmit(now, &mut out);
        let resp = ConnectResponse {
            timeout_ms: 30_000,
            session_id: 1,
            passwd: Bytes::from_static(&[0; 16]),
            ..ConnectResponse::default()
        };
        let mut frame = Vec::new();
        crate::frame::write_frame(&mut frame, |b| resp.encode(b));
        s.handle_data(conn, &frame, now);
        s.next_xid = i32::MAX - 1;
        for _ in 0..3 {
            s.submit(Request::exists("/a"), now).unwrap();
        }
        out.clear();
        let _ = s.poll_transmit(now, &mut out);
        let mut decoder = crate::frame::FrameDecoder::new(1 << 20);
        decoder.push(&out);
        let mut xids = Vec::new();
        while let Some(f) = decoder.next_frame().unwrap() {
            xids.push(RequestHeader::from_bytes(f).unwrap().xid);
        }
        assert_eq!(xids, [i32::MAX - 1, i32::MAX, 1]);
    }
}
