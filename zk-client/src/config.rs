//! Building a client: every session option, the runtime, and the transport layer.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use zk_proto::{Acl, Error, ExpiryPolicy, ServerVersion, Session, SessionConfig, SessionId};

use crate::client::Client;
use crate::runtime::{Runtime, TransportLayer};

/// Configures and connects a [`Client`].
///
/// Adapter crates hand out a builder with their runtime already set
/// (`zk_client_tokio::builder("127.0.0.1:2181/app")`); [`ClientBuilder::runtime`] sets one by
/// hand.
#[must_use = "a builder does nothing until `connect` or `start` is called"]
pub struct ClientBuilder {
    config: Result<SessionConfig, Error>,
    runtime: Option<Arc<dyn Runtime>>,
    transport_layer: Option<Arc<dyn TransportLayer>>,
    default_acl: Vec<Acl>,
    connect_timeout: Option<Duration>,
    probe_server_version: bool,
    event_queue_capacity: usize,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("has_runtime", &self.runtime.is_some())
            .field("has_transport_layer", &self.transport_layer.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The default of [`event_queue_capacity`](ClientBuilder::event_queue_capacity).
    pub const DEFAULT_EVENT_QUEUE_CAPACITY: usize = crate::event_queue::DEFAULT_CAPACITY;

    /// A builder for `connect_string` (`host1:port1,host2,[::1]:2183/chroot`). A malformed
    /// string is reported by `connect`/`start`.
    pub fn new(connect_string: &str) -> ClientBuilder {
        // The session seeds itself from the OS unless told otherwise: each client its own
        // host order, jitter and SASL nonces.
        let config = SessionConfig::new(connect_string);
        ClientBuilder {
            config,
            runtime: None,
            transport_layer: None,
            default_acl: Acl::open_unsafe(),
            connect_timeout: None,
            probe_server_version: false,
            event_queue_capacity: Self::DEFAULT_EVENT_QUEUE_CAPACITY,
        }
    }

    fn with_config(mut self, f: impl FnOnce(&mut SessionConfig)) -> Self {
        if let Ok(config) = self.config.as_mut() {
            f(config);
        }
        self
    }

    /// The runtime that drives the client.
    pub fn runtime(mut self, runtime: impl Runtime) -> Self {
        self.runtime = Some(Arc::new(runtime));
        self
    }

    /// The runtime that drives the client, already shared.
    pub fn runtime_arc(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// Wraps every new connection before the handshake (TLS).
    pub fn transport_layer(mut self, layer: impl TransportLayer) -> Self {
        self.transport_layer = Some(Arc::new(layer));
        self
    }

    /// The requested session timeout (default 30 s; servers clamp it, by default to 2 to 20
    /// ticks).
    pub fn session_timeout(self, timeout: Duration) -> Self {
        self.with_config(|c| c.session_timeout = timeout)
    }

    /// Accept read-only servers (default false): a server cut off from its quorum (started
    /// with `readonlymode.enabled=true`) then serves this client's reads, and writes fail with
    /// `NotReadOnly`. While on such a server the client asks the others in turn whether they
    /// serve read/write (`isro`, 100 ms after connecting, then twice as long each time up to a
    /// minute) and moves to the first that does, for a new session: the read-only session was
    /// local to its server. State changes go `ConnectedReadOnly`, `Suspended`, `Connected`.
    pub fn read_only(self, allowed: bool) -> Self {
        self.with_config(|c| c.read_only = allowed)
    }

    /// A credential sent after every handshake, e.g. `("digest", "user:password")`.
    pub fn auth(self, scheme: &str, credential: impl Into<Bytes>) -> Self {
        let credential = credential.into();
        self.with_config(|c| c.auth.push((scheme.to_owned(), credential)))
    }

    /// SASL authentication, run after every handshake before anything else.
    pub fn sasl(self, sasl: zk_proto::sasl::SaslConfig) -> Self {
        self.with_config(|c| c.sasl = Some(sasl))
    }

    /// SASL DIGEST-MD5 as `username` (servers with `SASLAuthenticationProvider` and a JAAS
    /// `DigestLoginModule`).
    pub fn sasl_digest_md5(self, username: &str, password: &str) -> Self {
        self.sasl(zk_proto::sasl::SaslConfig::digest_md5(username, password))
    }

    /// A `digest` credential for `user` and `password`.
    pub fn digest_auth(self, user: &str, password: &str) -> Self {
        self.auth("digest", zk_proto::auth::digest_credential(user, password))
    }

    /// How long a request may wait for its reply (queued while disconnected, or in flight)
    /// before failing with `Timeout`; default: the session timeout.
    pub fn request_timeout(self, timeout: Duration) -> Self {
        self.with_config(|c| c.request_timeout = Some(timeout))
    }

    /// How many requests may await replies at once (default 1024); more wait in a queue.
    pub fn max_in_flight(self, limit: usize) -> Self {
        self.with_config(|c| c.max_in_flight = limit)
    }

    /// The frame limit in both directions (default 0xfffff, ZooKeeper's `jute.maxbuffer`).
    pub fn max_frame(self, bytes: usize) -> Self {
        self.with_config(|c| {
            c.max_frame_in = bytes;
            c.max_frame_out = bytes;
        })
    }

    /// What happens after the session is lost (default: open a new session).
    pub fn expiry_policy(self, policy: ExpiryPolicy) -> Self {
        self.with_config(|c| c.expiry_policy = policy)
    }

    /// Re-attaches to an existing session instead of creating one.
    pub fn resume(self, session_id: SessionId, password: impl Into<Bytes>) -> Self {
        let password = password.into();
        self.with_config(|c| c.resume = Some((session_id, password)))
    }

    /// Declares the server version, so that operations it lacks fail without being sent.
    /// Without it (and without [`probe_server_version`](ClientBuilder::probe_server_version))
    /// the client assumes a recent server, and the first `Unimplemented` reply to an opcode
    /// marks that opcode unsupported for the rest of the client's life.
    pub fn server_version(self, version: ServerVersion) -> Self {
        self.with_config(|c| c.server_version = Some(version))
    }

    /// Seeds the host shuffle, the backoff jitter and SASL nonces, making them the same on
    /// every run (for tests). Without it each client draws its own seed from the operating
    /// system, so clients spread over the servers of an ensemble.
    pub fn seed(self, seed: u64) -> Self {
        self.with_config(|c| c.seed = Some(seed))
    }

    /// The backoff after a full failed pass over the hosts, and its cap.
    pub fn backoff(self, initial: Duration, max: Duration) -> Self {
        self.with_config(|c| {
            c.backoff_initial = initial;
            c.backoff_max = max;
        })
    }

    /// The shortest session timeout accepted from a server (default 100 ms). A server that
    /// negotiates less is treated as a failed attempt
    /// ([`AttemptFailure::TimeoutTooShort`](zk_proto::AttemptFailure::TimeoutTooShort)), since
    /// no client could keep such a session alive.
    pub fn min_session_timeout(self, timeout: Duration) -> Self {
        self.with_config(|c| c.min_session_timeout = timeout)
    }

    /// How long `close` waits for the server to confirm (default 5 s).
    pub fn close_timeout(self, timeout: Duration) -> Self {
        self.with_config(|c| c.close_timeout = timeout)
    }

    /// How long [`connect`](ClientBuilder::connect) waits for the first session (default: the
    /// session timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The ACL of nodes created without one (default: open to everybody).
    pub fn default_acl(mut self, acl: Vec<Acl>) -> Self {
        self.default_acl = acl;
        self
    }

    /// Whether `connect` asks the server for its version (`srvr` four-letter word) so that
    /// operations it lacks fail locally (default false: opt-in).
    ///
    /// The probe opens a second TCP (or TLS) connection to the server beside the session's,
    /// which a user does not expect from `connect`: it shows in connection limits
    /// (`maxClientCnxns`), firewalls and server logs, fails where the server does not
    /// whitelist `srvr` or sits behind a proxy that only passes the client protocol, and a
    /// version read once can go stale in a rolling upgrade. It is opt-in rather than lazy
    /// because the version gate is applied when a request is submitted, synchronously, so
    /// requests keep call order: waiting on a probe there would reorder them. What the probe
    /// saves is little: with no version known the client assumes a recent server, and an
    /// opcode the server lacks costs one connection, once. To gate without the probe, declare
    /// the version ([`server_version`](ClientBuilder::server_version)), or call
    /// [`Client::server_version`] when it is needed: it asks (and remembers) on demand.
    pub fn probe_server_version(mut self, probe: bool) -> Self {
        self.probe_server_version = probe;
        self
    }

    /// How many unread events each persistent watch stream and each state stream may hold
    /// (default 1024; at least 2). The client never waits for a slow reader (its pings would
    /// stall) and does not let an unread stream grow without bound: memory stays at this many
    /// events per stream. A full watch stream drops its oldest event and then yields
    /// [`WatchEvent::Lagged`](zk_proto::WatchEvent::Lagged) with the count, after which the
    /// application must read the watched nodes again (see [`WatchStream`](crate::WatchStream));
    /// a full state stream coalesces, keeping the newest change and never losing sight of a
    /// session loss (see [`StateStream`](crate::StateStream)). One-shot watches hold their
    /// single event and are not affected.
    pub fn event_queue_capacity(mut self, events: usize) -> Self {
        self.event_queue_capacity = events;
        self
    }

    /// Starts the client without waiting: requests queue until the session is established.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if no runtime was set (use an adapter crate's builder) or the
    /// configuration cannot work (a connect string without hosts, a zero session timeout, frame
    /// limits below 64 bytes, ...), naming the argument.
    pub fn start(self) -> Result<Client, Error> {
        let runtime = self.runtime.ok_or(Error::InvalidArgument {
            argument: "runtime",
            reason: "none set: use an adapter crate's builder",
        })?;
        let config = self.config?;
        let session = Session::new(config, runtime.now())?;
        let client = Client::start(session, runtime, self.transport_layer, self.default_acl);
        // Before the handle is out, so every stream created through it gets the capacity.
        client.shared.set_event_capacity(self.event_queue_capacity);
        Ok(client)
    }

    /// Starts the client and waits until a session is established (connected or read-only).
    ///
    /// # Errors
    ///
    /// - [`Error::ConnectFailed`] if no session is established within the connect timeout,
    ///   saying why the last attempt failed (refused, an untrusted certificate, a handshake
    ///   the server never answered or answered with something unusable, ...) or, if none had
    ///   failed yet, that the attempt under way did not finish in time; the client is closed
    ///   then. When the attempt failed on I/O or TLS, that error is its `source()`.
    /// - `Error::Server(ErrorCode::AuthFailed)` if a credential is rejected.
    /// - [`Error::SessionExpired`] if a resumed session is gone and the policy is terminal.
    /// - [`Error::InvalidArgument`] if the configuration cannot work (no hosts, no runtime).
    pub async fn connect(self) -> Result<Client, Error> {
        let timeout = self.connect_timeout;
        let probe = self.probe_server_version;
        let session_timeout = self
            .config
            .as_ref()
            .map(|c| c.session_timeout)
            .unwrap_or_default();
        let client = self.start()?;
        let timeout = timeout.unwrap_or(session_timeout);
        if let Err(err) = client.wait_connected(timeout).await {
            let err = match err {
                Error::Timeout => match client.shared.lock().last_connect_error() {
                    Some(failed) => Error::ConnectFailed {
                        last_attempt: failed.description,
                        cause: failed.cause,
                    },
                    None => {
                        // Nothing failed yet: the first attempt is still under way.
                        let host = client
                            .connected_host()
                            .map_or_else(|| "?".to_owned(), |h| h.to_string());
                        Error::ConnectFailed {
                            last_attempt: format!(
                                "{host}: no session within the connect timeout of {timeout:?}"
                            ),
                            cause: None,
                        }
                    }
                },
                other => other,
            };
            client.close().await;
            return Err(err);
        }
        if probe && client.known_server_version().is_none() {
            // Best effort: `srvr` is whitelisted by default since 3.5.3; without it the version
            // is simply unknown and every operation is attempted.
            if let Ok(version) = client.probe_server_version().await {
                tracing::debug!(%version, "server version");
            }
        }
        Ok(client)
    }
}
