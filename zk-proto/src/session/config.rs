//! Session configuration.

use std::time::Duration;

use bytes::Bytes;

use crate::connect_string::{ConnectString, HostPort};
use crate::error::Error;
use crate::frame::DEFAULT_MAX_FRAME;
use crate::path::Chroot;
use crate::sasl::SaslConfig;
use crate::session::output::SessionId;
use crate::version::ServerVersion;

/// What to do once a session is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpiryPolicy {
    /// Open a new session and carry on (kazoo's and Curator's behaviour). Watches and
    /// ephemeral nodes of the old session are gone; the application is told through
    /// [`SessionState::Lost`](crate::SessionState::Lost).
    #[default]
    NewSession,
    /// Stay in [`SessionState::Lost`](crate::SessionState::Lost): every later request fails with
    /// [`Error::SessionExpired`] (the Java client's behaviour).
    Terminal,
}

/// Everything the session needs to know up front.
///
/// Build it with [`SessionConfig::new`] from a connect string, then adjust the public fields.
/// Its `Debug` output never shows credentials or the session password.
#[derive(Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The servers, tried in a shuffled order (see [`seed`](SessionConfig::seed)).
    pub hosts: Vec<HostPort>,
    /// The chroot every client path is relative to.
    pub chroot: Chroot,
    /// The requested session timeout; the server clamps it (by default to 2 to 20 ticks).
    pub session_timeout: Duration,
    /// Accept read-only servers (servers cut off from their quorum that run with
    /// `readonlymode.enabled=true`).
    pub read_only: bool,
    /// The largest frame accepted from a server (the Java client's `jute.maxbuffer`). A larger
    /// frame is a protocol error. Raise it to read nodes holding close to 1 MiB.
    pub max_frame_in: usize,
    /// The largest request frame sent; larger requests fail with
    /// [`Error::RequestTooLarge`] before anything is sent. Servers close the connection on
    /// frames above their `jute.maxbuffer` (0xfffff by default).
    pub max_frame_out: usize,
    /// How many application requests may await replies at once; further requests wait in the
    /// queue.
    pub max_in_flight: usize,
    /// How long a request may wait (queued while disconnected, or in flight) before it fails
    /// with [`Error::Timeout`]; `None` means the requested session timeout.
    pub request_timeout: Option<Duration>,
    /// What happens after the session is lost.
    pub expiry_policy: ExpiryPolicy,
    /// Re-attach to an existing session (its id and password) instead of creating one.
    pub resume: Option<(SessionId, Bytes)>,
    /// The server version, if known. Operations the server lacks then fail with
    /// `Error::Server(ErrorCode::Unimplemented)` without being sent; unknown means "assume recent".
    pub server_version: Option<ServerVersion>,
    /// Credentials (scheme, bytes) sent after every handshake, before any request.
    pub auth: Vec<(String, Bytes)>,
    /// SASL authentication, run after every handshake before anything else is sent.
    pub sasl: Option<SaslConfig>,
    /// Seed for the host shuffle, the backoff jitter and the 64 random bits each SASL
    /// mechanism gets. `None` (the default) takes a fresh seed from the operating system's
    /// randomness for each session, so that the clients of an ensemble spread over its
    /// servers; a given seed makes the session fully deterministic (tests, simulations).
    pub seed: Option<u64>,
    /// The first backoff after a full pass over the hosts failed.
    pub backoff_initial: Duration,
    /// The cap of the exponential backoff.
    pub backoff_max: Duration,
    /// How long [`close`](crate::Session::close) waits for the server to confirm the end of the
    /// session (including reconnecting to send it) before giving up locally.
    pub close_timeout: Duration,
    /// The shortest negotiated session timeout the client accepts. A server that grants less
    /// (ZooKeeper's own floor is two ticks, so only a misconfigured or hostile server does)
    /// is treated as a failed attempt with [`AttemptFailure::TimeoutTooShort`]: the client
    /// could not keep such a session alive, and accepting it would loop between creating and
    /// losing sessions. Default 100 ms.
    ///
    /// [`AttemptFailure::TimeoutTooShort`]: crate::AttemptFailure::TimeoutTooShort
    pub min_session_timeout: Duration,
}

impl SessionConfig {
    /// A configuration for `connect_string` (`host1:port1,host2,[::1]:2183/chroot`) with
    /// defaults: 30 s session timeout, 1 MiB frames, 1024 requests in flight.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a connect string without hosts or with a malformed host or
    /// port; [`Error::InvalidPath`] for an invalid chroot.
    pub fn new(connect_string: &str) -> Result<Self, Error> {
        let parsed: ConnectString = connect_string.parse()?;
        Ok(SessionConfig {
            hosts: parsed.hosts,
            chroot: parsed.chroot,
            session_timeout: Duration::from_secs(30),
            read_only: false,
            max_frame_in: DEFAULT_MAX_FRAME,
            max_frame_out: DEFAULT_MAX_FRAME,
            max_in_flight: 1024,
            request_timeout: None,
            expiry_policy: ExpiryPolicy::default(),
            resume: None,
            server_version: None,
            auth: Vec::new(),
            sasl: None,
            seed: None,
            backoff_initial: Duration::from_millis(50),
            backoff_max: Duration::from_secs(2),
            close_timeout: Duration::from_secs(5),
            min_session_timeout: Duration::from_millis(100),
        })
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.hosts.is_empty() {
            return Err(Error::InvalidArgument {
                argument: "hosts",
                reason: "no hosts",
            });
        }
        if self.session_timeout.is_zero() || self.session_timeout.as_millis() > i32::MAX as u128 {
            return Err(Error::InvalidArgument {
                argument: "session_timeout",
                reason: "must be between 1 ms and i32::MAX ms",
            });
        }
        if self.max_in_flight == 0 {
            return Err(Error::InvalidArgument {
                argument: "max_in_flight",
                reason: "must be at least 1",
            });
        }
        if self.max_frame_in < 64 || self.max_frame_out < 64 {
            return Err(Error::InvalidArgument {
                argument: "max_frame_in/max_frame_out",
                reason: "frame limits must be at least 64 bytes",
            });
        }
        Ok(())
    }
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth_schemes: Vec<&str> = self
            .auth
            .iter()
            .map(|(scheme, _)| scheme.as_str())
            .collect();
        f.debug_struct("SessionConfig")
            .field("hosts", &self.hosts)
            .field("chroot", &self.chroot)
            .field("session_timeout", &self.session_timeout)
            .field("read_only", &self.read_only)
            .field("max_frame_in", &self.max_frame_in)
            .field("max_frame_out", &self.max_frame_out)
            .field("max_in_flight", &self.max_in_flight)
            .field("request_timeout", &self.request_timeout)
            .field("expiry_policy", &self.expiry_policy)
            .field(
                "resume",
                &self
                    .resume
                    .as_ref()
                    .map(|(id, passwd)| (id, crate::jute::Redacted(passwd))),
            )
            .field("server_version", &self.server_version)
            .field("auth_schemes", &auth_schemes)
            .field("sasl", &self.sasl)
            .field("seed", &self.seed)
            .field("backoff_initial", &self.backoff_initial)
            .field("backoff_max", &self.backoff_max)
            .field("close_timeout", &self.close_timeout)
            .field("min_session_timeout", &self.min_session_timeout)
            .finish()
    }
}
