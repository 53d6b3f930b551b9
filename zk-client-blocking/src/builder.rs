//! The blocking builder: every option of the async [`ClientBuilder`], and a `connect` that
//! waits for the session.

use std::time::Duration;

use zk_client::sasl::SaslConfig;
use zk_client::{
    Acl, Bytes, ClientBuilder, Error, ExpiryPolicy, ServerVersion, SessionId, TransportLayer,
};

use crate::block_on::block_on;
use crate::client::Client;
use crate::runtime::BlockingRuntime;

/// A builder for a blocking [`Client`]: set options, then [`connect`](Builder::connect).
///
/// ```no_run
/// use std::time::Duration;
/// # fn main() -> Result<(), zk_client_blocking::Error> {
/// let client = zk_client_blocking::builder("zk1:2181,zk2:2181/app")
///     .session_timeout(Duration::from_secs(10))
///     .connect()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `connect` or `start`"]
pub struct Builder {
    inner: ClientBuilder,
}

/// Declares options that set the option of the same name on the async builder.
macro_rules! options {
    ($( $(#[$attr:meta])* fn $name:ident($($arg:ident: $ty:ty),*); )*) => {
        $(
            $(#[$attr])*
            #[doc = ""]
            #[doc = concat!("As [`ClientBuilder::", stringify!($name), "`].")]
            pub fn $name(self $(, $arg: $ty)*) -> Builder {
                Builder { inner: self.inner.$name($($arg),*) }
            }
        )*
    };
}

impl Builder {
    /// A builder for `connect_string` (`host1:port1,host2,[::1]:2183/chroot`), driven by
    /// [`BlockingRuntime`]. A malformed string is reported by `connect`/`start`.
    pub fn new(connect_string: &str) -> Builder {
        Builder::from_async(ClientBuilder::new(connect_string))
    }

    /// Takes over an async builder's options, setting its runtime to [`BlockingRuntime`].
    pub fn from_async(builder: ClientBuilder) -> Builder {
        Builder {
            inner: builder.runtime(BlockingRuntime),
        }
    }

    /// The async builder underneath, driven by [`BlockingRuntime`]: for code written against
    /// `zk_client::ClientBuilder` (its `connect` is a future; run it with
    /// [`block_on`](crate::block_on)).
    pub fn into_async(self) -> ClientBuilder {
        self.inner
    }

    options! {
        /// Wraps every new connection before the handshake (TLS).
        fn transport_layer(layer: impl TransportLayer);
        /// Connects with TLS (the `tls` feature), to the servers' secure client ports.
        #[cfg(feature = "tls")]
        fn tls(config: zk_client::TlsConfig);
        /// The requested session timeout (default 30 s; servers clamp it).
        fn session_timeout(timeout: Duration);
        /// Whether a read-only server is acceptable while no read/write one is reachable.
        fn read_only(allowed: bool);
        /// A credential sent after every handshake, e.g. `("digest", "user:password")`.
        fn auth(scheme: &str, credential: impl Into<Bytes>);
        /// SASL authentication, run after every handshake before anything else.
        fn sasl(sasl: SaslConfig);
        /// SASL DIGEST-MD5 as `username`.
        fn sasl_digest_md5(username: &str, password: &str);
        /// A `digest` credential for `user` and `password`.
        fn digest_auth(user: &str, password: &str);
        /// How long a request may wait for its reply (default: the session timeout).
        fn request_timeout(timeout: Duration);
        /// How many requests may await replies at once (default 1024).
        fn max_in_flight(limit: usize);
        /// The frame limit in both directions (default 0xfffff, ZooKeeper's `jute.maxbuffer`).
        fn max_frame(bytes: usize);
        /// What happens after the session is lost (default: open a new session).
        fn expiry_policy(policy: ExpiryPolicy);
        /// Re-attaches to an existing session instead of creating one.
        fn resume(session_id: SessionId, password: impl Into<Bytes>);
        /// Declares the server version, so that operations it lacks fail without being sent.
        fn server_version(version: ServerVersion);
        /// Seeds the host shuffle and backoff jitter.
        fn seed(seed: u64);
        /// The backoff after a full failed pass over the hosts, and its cap.
        fn backoff(initial: Duration, max: Duration);
        /// The floor for the negotiated session timeout.
        fn min_session_timeout(timeout: Duration);
        /// How long `close` waits for the server to confirm (default 5 s).
        fn close_timeout(timeout: Duration);
        /// How long [`connect`](Builder::connect) waits for the first session (default: the
        /// session timeout).
        fn connect_timeout(timeout: Duration);
        /// The ACL of nodes created without one (default: open to everybody).
        fn default_acl(acl: Vec<Acl>);
        /// Whether `connect` asks the server for its version with `srvr`, on a second
        /// connection (default false: opt-in; see the async builder's method).
        fn probe_server_version(probe: bool);
        /// How many unread events each watch and state receiver keeps.
        fn event_queue_capacity(events: usize);
    }

    /// Starts the client and waits until a session is established (connected or read-only).
    ///
    /// # Errors
    ///
    /// Those of [`ClientBuilder::connect`]: above all [`Error::ConnectFailed`] when no session
    /// is established within the connect timeout, saying why the last attempt failed.
    pub fn connect(self) -> Result<Client, Error> {
        block_on(self.inner.connect()).map(Client::from_async)
    }

    /// Starts the client without waiting: requests queue until the session is established.
    ///
    /// # Errors
    ///
    /// Those of [`ClientBuilder::start`]: a malformed connect string or option.
    pub fn start(self) -> Result<Client, Error> {
        self.inner.start().map(Client::from_async)
    }
}

impl From<ClientBuilder> for Builder {
    fn from(builder: ClientBuilder) -> Builder {
        Builder::from_async(builder)
    }
}
