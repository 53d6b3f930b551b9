//! Real ZooKeeper servers on loopback, for tests.
//!
//! Add this crate as a dev-dependency; it starts the ZooKeeper installed on the machine (Java
//! plus the ZooKeeper jars, found by [`Installation::detect`]) as standalone servers or
//! ensembles on free ports of 127.0.0.1, and gives tests what they need to break them:
//!
//! - [`Cluster`]: 1..N participants plus observers ([`Cluster::builder`] for the settings:
//!   tick time, TTL nodes, reconfig, read-only mode, super user, SASL, any `zoo.cfg` entry or
//!   system property). Every node can be [stopped](Node::stop), [killed](Node::kill),
//!   [started](Node::start) again with its ports and data, and asked
//!   [four-letter words](Node::four_letter); [`Cluster::leader`] finds the leader.
//! - Real session expiry ([`Cluster::expire_session`], [`expire_session_at`]): the server
//!   closes the session, deletes its ephemerals and fires its watches, as after a timeout.
//! - A [`FaultProxy`] in front of each node: [cut](FaultProxy::cut) every connection,
//!   [blackhole](FaultProxy::blackhole) them (a partition where packets vanish),
//!   [restore](FaultProxy::restore).
//! - Real network partitions ([`ClusterBuilder::network_namespaces`]): every server in a
//!   network namespace of its own with its own address, all joined by a bridge, and a
//!   [`Network`] that drops packets between any two [`Endpoint`]s (servers, the test process,
//!   client hosts) in one direction or both, and heals. See [Network partitions](#network-partitions).
//! - TLS ([`ClusterBuilder::tls`]): a secure client port on every server beside the plain
//!   one, with certificates made for the test ([`TlsMaterial`]: a throwaway CA, server and
//!   client certificates, and deliberately wrong ones for negative tests).
//! - A [`hostile`] peer: a fake server on loopback that misbehaves on command (bad frames,
//!   unusable handshakes, stalls, slow drips, reconnect storms) and counts connections and
//!   bytes, to test a client against a broken or malicious server without Java.
//! - The embedded `zk-server` ([`EmbeddedServer`], [`shared_embedded`]): a
//!   ZooKeeper-compatible server in Rust inside the test process, no Java, for tests that need
//!   ZooKeeper's semantics but no real process to break. See [`shared_embedded`].
//! - A process-wide [`shared`] server for tests that only need a [`unique_chroot`], and
//!   [`shared_connect_string`], which honours `ZK_TESTING_CONNECT` to run a suite against an
//!   existing ensemble.
//!
//! ```no_run
//! use std::time::Duration;
//! use zk_testing::Cluster;
//!
//! # fn main() -> Result<(), zk_testing::Error> {
//! // Tests that only need a namespace share one server per test binary.
//! let connect = zk_testing::shared().connect_string_with_chroot(&zk_testing::unique_chroot("demo"));
//! # let _ = connect;
//!
//! // Tests that break things start their own.
//! let cluster = Cluster::builder().size(3).extended_types(true).start()?;
//! let connect = cluster.proxied_connect_string(); // hand this to the client under test
//! # let _ = connect;
//!
//! cluster.cut_all(); // every client connection drops...
//! cluster.restore_all(); // ...and may come back
//!
//! let leader = cluster.leader().unwrap();
//! cluster.node(leader).kill()?; // the other two elect a new leader
//! cluster.wait_serving(Duration::from_secs(30))?;
//! cluster.node(leader).start()?; // same ports, same data
//!
//! // Given a session the client under test holds:
//! # let (session_id, password) = (0i64, [0u8; 16]);
//! cluster.expire_session(session_id, &password)?;
//! # Ok(())
//! # }
//! ```
//!
//! # Finding Java and ZooKeeper
//!
//! `ZK_TESTING_JAVA` (else `$JAVA_HOME/bin/java`, else `java` on `PATH`) runs
//! `org.apache.zookeeper.server.quorum.QuorumPeerMain` with the classpath
//! `ZK_TESTING_CLASSPATH` (else Debian's `/usr/share/java/zookeeper.jar` with
//! `slf4j-simple.jar` and `netty-codec.jar`, which TLS needs and the package's manifest
//! omits, else the jars of a release tarball at `ZOOKEEPER_HOME`). On Debian,
//! `apt-get install zookeeper` is all it takes. Servers from 3.5 on are supported.
//!
//! # No server outlives the test process
//!
//! Each server runs under a small `/bin/sh` wrapper in its own process group, whose stdin is
//! a pipe from the test process. The wrapper kills the server and removes the node's
//! directory when that pipe reaches end of file: when the [`Cluster`] is dropped, when a test
//! panics and unwinds, when the test process exits (the [`shared`] server is never dropped),
//! and when the test process is killed, even by SIGKILL, since the kernel then closes the
//! pipe. Every node has its own directory under [`std::env::temp_dir`], named
//! `zk-testing-*`, holding its `zoo.cfg`, its data and its log.
//!
//! # Network partitions
//!
//! With [`ClusterBuilder::network_namespaces`], each server runs under `ip netns exec` in a
//! namespace of its own, on a private subnet `10.213.N.0/24` that the cluster claims for
//! itself (so parallel tests never collide): node `i` serves on `10.213.N.(11+i)`, and the
//! test process, in the root namespace, reaches the nodes over a link of its own with address
//! `10.213.N.1`. [`Cluster::connect_string`] lists the nodes' addresses.
//! [`Cluster::network`] then blocks traffic in transit on the bridge (nftables rules inside
//! the network's own switch namespace; nothing changes in the root namespace but that link
//! and its route):
//!
//! ```no_run
//! use zk_testing::{Cluster, Endpoint};
//!
//! let cluster = Cluster::builder().size(3).network_namespaces(true).start()?;
//! let net = cluster.network().unwrap();
//! // A leader cut off from the other nodes and from the client (the test process).
//! let leader = cluster.leader().unwrap();
//! net.isolate(Endpoint::Node(leader))?;
//! // One-way: the client's packets reach node 1, node 1's replies are dropped.
//! net.heal()?;
//! net.block(Endpoint::Node(1), Endpoint::TestProcess)?;
//! net.heal()?;
//! # Ok::<(), zk_testing::Error>(())
//! ```
//!
//! The cluster's own checks ([`Node::mode`], [`Node::four_letter`], [`Cluster::leader`],
//! [`Cluster::expire_session`]) go to each node's control address, which no partition
//! touches, so a test can watch an isolated node. The namespaces and the link are removed
//! when the cluster is dropped, and by a guard process when the test process dies, as for the
//! servers. It needs Linux, root, iproute2 and nftables (`scripts/install-deps.sh`); without
//! them the start fails with [`Error::NetnsUnavailable`].
//!
//! # Logs
//!
//! Each server logs to `zookeeper.log` in its directory ([`Node::log_path`],
//! [`Node::log_tail`]). When a test fails, the cluster prints the last 60 lines of every
//! node's log as it is dropped during the panic (libtest shows them with the failure);
//! [`Cluster::dump_logs`] prints them on demand.
//!
//! # Platform
//!
//! Unix only (`/bin/sh`, process groups, `/proc` where present).

#![forbid(unsafe_code)]

mod builder;
mod cluster;
mod embedded;
mod error;
mod expire;
mod four_letter;
pub mod hostile;
mod install;
mod netns;
mod node;
mod ports;
mod proxy;
mod shared;
mod tls;
mod wrapper;

pub use builder::ClusterBuilder;
pub use cluster::Cluster;
pub use embedded::{EmbeddedServer, ServerConfig, shared_embedded};
pub use error::{Error, Result};
pub use expire::expire_session_at;
pub use four_letter::{Mode, four_letter};
pub use install::Installation;
pub use netns::{Endpoint, Network};
pub use node::Node;
pub use proxy::FaultProxy;
pub use shared::{
    CONNECT_ENV, SERVER_ENV, SHARED_SUPER_USER, shared, shared_connect_string, try_shared,
    unique_chroot, uses_embedded_server,
};
pub use tls::{
    CLIENT_COMMON_NAME, ClientAuth, DEFAULT_SERVER_NAMES, TlsFiles, TlsIdentity, TlsMaterial,
};
