//! The error type of every fallible operation in this crate.

use std::io;
use std::path::PathBuf;

/// Why a cluster could not be started, or why a helper failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No Java runtime was found (set `ZK_TESTING_JAVA` or `JAVA_HOME`, or put `java` on
    /// `PATH`).
    #[error("no Java runtime found: {0}")]
    JavaNotFound(String),
    /// No ZooKeeper jars were found (set `ZK_TESTING_CLASSPATH` or `ZOOKEEPER_HOME`, or
    /// install Debian's `zookeeper` package).
    #[error("no ZooKeeper installation found: {0}")]
    ZooKeeperNotFound(String),
    /// The builder's settings cannot describe a cluster (no participant, say).
    #[error("invalid cluster settings: {0}")]
    InvalidConfig(String),
    /// An operating-system operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A server exited, or did not reach the expected state in time. Carries the end of its
    /// log, which usually says why.
    #[error("ZooKeeper node {index} (myid {server_id}) {what}\n--- last lines of {} ---\n{log_tail}", log.display())]
    Server {
        /// The node's index in the cluster (0-based).
        index: usize,
        /// The node's ZooKeeper server id (`myid`, 1-based).
        server_id: u32,
        /// What went wrong.
        what: String,
        /// The node's log file.
        log: PathBuf,
        /// The last lines of that log.
        log_tail: String,
    },
    /// [`expire_session`](crate::Cluster::expire_session): the server does not know the
    /// session: it has already expired or been closed, or the password is wrong.
    #[error(
        "session 0x{session_id:x} is not live on the server: it already expired or was closed, or the password is wrong"
    )]
    SessionNotFound {
        /// The session id that was refused.
        session_id: i64,
    },
    /// Test certificates could not be generated (see [`TlsMaterial`](crate::TlsMaterial)).
    #[error("TLS material: {0}")]
    Tls(String),
    /// A server answered something this crate did not expect.
    #[error("unexpected reply from the server: {0}")]
    Protocol(String),
    /// This machine cannot make network namespaces (not root, or `ip` or `nft` missing), so
    /// a [`Network`](crate::Network) cannot be built. Tests that need one should fail with
    /// this message rather than skip.
    #[error("network namespaces are not available: {0}")]
    NetnsUnavailable(String),
    /// Building a [`Network`](crate::Network) or changing its partitions failed: the `ip` or
    /// `nft` command and what it said.
    #[error("test network: {0}")]
    Netns(String),
    /// The process-wide shared server could not be started (see [`try_shared`](crate::try_shared)).
    #[error("the shared ZooKeeper server could not be started: {0}")]
    Shared(String),
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
