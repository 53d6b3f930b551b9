//! The embedded `zk-server` beside the real ZooKeeper: a ZooKeeper-compatible server in Rust
//! that runs inside the test process, starts in a millisecond and needs no Java.
//!
//! Use it for tests of your own code's logic against ZooKeeper's semantics (its conformance
//! with ZooKeeper is tested: the client's conformance suite, a differential test and kazoo run
//! against both). Use a real [`Cluster`](crate::Cluster) for what only a real server does:
//! ensembles, leader failover, a killed process, TLS, SASL.

use std::sync::OnceLock;

use crate::SHARED_SUPER_USER;

pub use zk_server::{EmbeddedServer, ServerConfig};

/// The process-wide embedded server, started on first use and shared by every test of the
/// test binary, as [`shared`](crate::shared) is for the real one: isolate a test with a
/// [`unique_chroot`](crate::unique_chroot). TTL and container nodes are on and the super user
/// is [`SHARED_SUPER_USER`], as on the real shared server; otherwise the defaults of
/// [`ServerConfig`]. Its threads stop when the process exits. `ZK_TESTING_SERVER=embedded`
/// makes [`shared_connect_string`](crate::shared_connect_string) return its address.
///
/// ```
/// let connect = zk_testing::shared_embedded().connect_string();
/// assert!(connect.starts_with("127.0.0.1:"));
/// ```
///
/// # Panics
///
/// When no loopback port can be bound.
pub fn shared_embedded() -> &'static EmbeddedServer {
    static SHARED: OnceLock<EmbeddedServer> = OnceLock::new();
    SHARED.get_or_init(|| {
        let super_user = zk_proto::auth::digest_id(SHARED_SUPER_USER.0, SHARED_SUPER_USER.1);
        let config = ServerConfig::default()
            .with_extended_types_enabled(true)
            .with_super_digest(Some(super_user.id));
        EmbeddedServer::start_with(config)
            .unwrap_or_else(|e| panic!("zk-testing: the embedded server cannot start: {e}"))
    })
}
