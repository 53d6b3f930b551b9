//! [`Cluster`]: a set of real ZooKeeper servers on loopback.

use std::io;
use std::thread;
use std::time::{Duration, Instant};

use crate::builder::ClusterBuilder;
use crate::error::{Error, Result};
use crate::expire::expire_session_at;
use crate::four_letter::Mode;
use crate::netns::Network;
use crate::node::Node;
use crate::ports::Ports;
use crate::proxy::FaultProxy;
use crate::tls::{TlsFiles, TlsMaterial};

/// How many log lines [`Cluster::dump_logs`] prints per node.
const DUMP_LINES: usize = 60;

/// Real ZooKeeper servers on 127.0.0.1: one standalone server, or an ensemble of
/// participants and observers, each with a [`FaultProxy`] in front of it.
///
/// With [`network_namespaces`](ClusterBuilder::network_namespaces), each server runs in a
/// network namespace of its own instead, on a private subnet that [`network`](Cluster::network)
/// partitions.
///
/// Built with [`Cluster::builder`]; [`start`](ClusterBuilder::start) returns once every
/// server serves. Nodes are numbered from 0 ([`node`](Cluster::node)); node `i` has server
/// id (`myid`) `i + 1`.
///
/// Dropping the cluster stops its proxies, kills its servers (SIGKILL, so drop is quick),
/// waits until they have exited and removes their directories. If the thread is panicking (a
/// failed assertion), it first prints the last 60 lines of every server's log to stderr.
/// Servers never outlive the test process, even when it is killed: see the crate
/// documentation.
///
/// All methods take `&self`, and a `Cluster` is `Send + Sync`: share one between threads with
/// `Arc` or a `static`.
///
/// ```no_run
/// use zk_testing::Cluster;
///
/// let cluster = Cluster::builder().size(3).start()?;
/// let leader = cluster.leader().expect("an ensemble that serves has a leader");
/// cluster.node(leader).kill()?;
/// cluster.wait_serving(std::time::Duration::from_secs(30))?; // the other two, re-elected
/// cluster.node(leader).start()?;
/// # Ok::<(), zk_testing::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "dropping a Cluster kills its servers"]
pub struct Cluster {
    // Dropped in this order: proxies first, so no connection reaches a dying server.
    proxies: Vec<FaultProxy>,
    nodes: Vec<Node>,
    /// The certificates served on the secure ports, and node 0's copy of their files.
    tls: Option<(TlsMaterial, TlsFiles)>,
    _ports: Ports,
    /// Last: the namespaces go only once their servers are dead.
    network: Option<Network>,
}

impl Cluster {
    /// Settings for a new cluster; the defaults make one standalone server.
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder::new()
    }

    pub(crate) fn from_parts(
        nodes: Vec<Node>,
        ports: Ports,
        tls: Option<(TlsMaterial, TlsFiles)>,
        network: Option<Network>,
    ) -> Result<Cluster> {
        let proxies = nodes
            .iter()
            .map(|node| {
                FaultProxy::start(node.socket_addr())
                    .map_err(|e| Error::io("starting a fault proxy", e))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Cluster {
            proxies,
            nodes,
            tls,
            _ports: ports,
            network,
        })
    }

    /// Node `index` (0-based).
    ///
    /// # Panics
    ///
    /// When `index >= self.len()`.
    pub fn node(&self, index: usize) -> &Node {
        &self.nodes[index]
    }

    /// Every node, participants first, then observers.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The number of nodes (participants and observers).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always `false`: a cluster has at least one node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The fault proxy in front of node `index`.
    ///
    /// # Panics
    ///
    /// When `index >= self.len()`.
    pub fn proxy(&self, index: usize) -> &FaultProxy {
        &self.proxies[index]
    }

    /// The network the nodes live in, when built with
    /// [`network_namespaces`](ClusterBuilder::network_namespaces): partition them with it.
    /// `None` on loopback.
    pub fn network(&self) -> Option<&Network> {
        self.network.as_ref()
    }

    /// Every node's fault proxy, in node order.
    pub fn proxies(&self) -> &[FaultProxy] {
        &self.proxies
    }

    /// Every node's client address, direct: `127.0.0.1:p1,127.0.0.1:p2,...` (with
    /// [`network_namespaces`](ClusterBuilder::network_namespaces), the nodes' own addresses).
    pub fn connect_string(&self) -> String {
        join(self.nodes.iter().map(Node::address))
    }

    /// [`connect_string`](Cluster::connect_string) with a chroot suffix: `path` must start
    /// with `/` (see [`unique_chroot`](crate::unique_chroot)).
    pub fn connect_string_with_chroot(&self, path: &str) -> String {
        format!("{}{path}", self.connect_string())
    }

    /// Every node's secure (TLS) client address: `127.0.0.1:s1,127.0.0.1:s2,...`.
    ///
    /// ```no_run
    /// let cluster = zk_testing::Cluster::builder().size(3).tls(true).start()?;
    /// let connect = cluster.secure_connect_string(); // hand it to a client with TLS
    /// # let _ = connect;
    /// # Ok::<(), zk_testing::Error>(())
    /// ```
    ///
    /// # Panics
    ///
    /// When the cluster was built without [`tls`](ClusterBuilder::tls).
    pub fn secure_connect_string(&self) -> String {
        assert!(
            self.tls.is_some(),
            "secure_connect_string: the cluster was built without tls(true)"
        );
        join(self.nodes.iter().filter_map(Node::secure_address))
    }

    /// [`secure_connect_string`](Cluster::secure_connect_string) with a chroot suffix.
    ///
    /// # Panics
    ///
    /// When the cluster was built without [`tls`](ClusterBuilder::tls).
    pub fn secure_connect_string_with_chroot(&self, path: &str) -> String {
        format!("{}{path}", self.secure_connect_string())
    }

    /// The certificates the secure ports serve (PEM text): the CA to trust, the client
    /// certificate to present; `None` without [`tls`](ClusterBuilder::tls).
    pub fn tls(&self) -> Option<&TlsMaterial> {
        self.tls.as_ref().map(|(material, _)| material)
    }

    /// The same certificates as files (in node 0's directory, removed with the cluster):
    /// [`ca_path`](TlsFiles::ca_path), [`client_cert_path`](TlsFiles::client_cert_path),
    /// [`client_key_path`](TlsFiles::client_key_path); `None` without
    /// [`tls`](ClusterBuilder::tls).
    pub fn tls_files(&self) -> Option<&TlsFiles> {
        self.tls.as_ref().map(|(_, files)| files)
    }

    /// Every node's address through its fault proxy, for clients that should suffer
    /// [`cut_all`](Cluster::cut_all) and friends.
    pub fn proxied_connect_string(&self) -> String {
        join(self.proxies.iter().map(FaultProxy::address))
    }

    /// Sends a four-letter word to node `index` (see [`four_letter`](crate::four_letter())).
    ///
    /// # Panics
    ///
    /// When `index >= self.len()`.
    ///
    /// # Errors
    ///
    /// The I/O error when the connection is refused or breaks, or `TimedOut` when the server
    /// does not answer.
    pub fn four_letter(&self, index: usize, word: &str) -> io::Result<String> {
        self.node(index).four_letter(word)
    }

    /// The node that takes writes: the one whose `srvr` says `Mode: leader`, or the
    /// standalone server. `None` while no node serves as such (during an election, say).
    pub fn leader(&self) -> Option<usize> {
        self.nodes
            .iter()
            .position(|node| matches!(node.mode(), Some(Mode::Leader | Mode::Standalone)))
    }

    /// Stops every running node with SIGTERM, in parallel, and waits until they have exited.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when a signal cannot be sent or a wait fails.
    pub fn stop_all(&self) -> Result<()> {
        self.each_parallel(Node::stop)
    }

    /// Starts every node that is not running, then waits until every node serves.
    ///
    /// # Errors
    ///
    /// [`Error::Server`] (with the end of its log) when a node exits or does not serve within
    /// the start timeout.
    pub fn start_all(&self) -> Result<()> {
        for node in &self.nodes {
            node.launch()?;
        }
        self.wait_serving(self.start_timeout())
    }

    /// Waits until every running node serves reads and writes. Stopped nodes are skipped;
    /// fails with [`Error::Server`] when no node is running, or when one exits or does not
    /// serve within `timeout`.
    ///
    /// # Errors
    ///
    /// [`Error::Server`] as above.
    pub fn wait_serving(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let running: Vec<&Node> = self.nodes.iter().filter(|n| n.is_running()).collect();
        if running.is_empty() {
            return Err(self.nodes[0].server_error("is not running, nor is any other node".into()));
        }
        for node in running {
            node.wait_serving(deadline.saturating_duration_since(Instant::now()))?;
        }
        Ok(())
    }

    /// Expires a session for real (server side), through the first running node that
    /// answers: see [`expire_session_at`](crate::expire_session_at) for how.
    ///
    /// The session's ephemeral nodes are deleted and its watches fire as after a timeout. The
    /// client that holds the session sees its connection closed by the server; when it
    /// reconnects it learns that the session has expired (its Lost state), and a client that
    /// opens new sessions after Lost does so. Fails with [`Error::SessionNotFound`] when the
    /// session is already gone (or the password is wrong).
    ///
    /// # Errors
    ///
    /// [`Error::SessionNotFound`] as above; [`Error::Io`] or [`Error::Protocol`] when no node
    /// can be reached or one answers unexpectedly.
    pub fn expire_session(&self, session_id: i64, password: &[u8]) -> Result<()> {
        let mut last = None;
        for node in self.nodes.iter().filter(|n| n.is_running()) {
            match expire_session_at(node.control_addr(), session_id, password) {
                Err(err @ (Error::Io { .. } | Error::Protocol(_))) => last = Some(err),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| {
            self.nodes[0].server_error("is not running, nor is any other node".into())
        }))
    }

    /// [`FaultProxy::cut`] on every proxy.
    pub fn cut_all(&self) {
        self.proxies.iter().for_each(FaultProxy::cut);
    }

    /// [`FaultProxy::blackhole`] on every proxy.
    pub fn blackhole_all(&self) {
        self.proxies.iter().for_each(FaultProxy::blackhole);
    }

    /// [`FaultProxy::restore`] on every proxy.
    pub fn restore_all(&self) {
        self.proxies.iter().for_each(FaultProxy::restore);
    }

    /// Prints the last 60 lines of every node's log to stderr, each line prefixed with the
    /// node. Drop does this by itself when the thread is panicking.
    pub fn dump_logs(&self) {
        for node in &self.nodes {
            let mut out = format!(
                "----- zk-testing: last log lines of node {} (myid {}, {}, {}) -----\n",
                node.index(),
                node.server_id(),
                node.address(),
                node.log_path().display()
            );
            for line in node.log_tail(DUMP_LINES).lines() {
                out.push_str(&format!("[zk node {}] {line}\n", node.index()));
            }
            eprint!("{out}");
        }
    }

    fn start_timeout(&self) -> Duration {
        self.nodes[0].start_timeout()
    }

    fn each_parallel(&self, f: fn(&Node) -> Result<()>) -> Result<()> {
        thread::scope(|s| {
            let handles: Vec<_> = self.nodes.iter().map(|n| s.spawn(move || f(n))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect::<Vec<_>>()
                .into_iter()
                .collect()
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if thread::panicking() {
            self.dump_logs();
        }
        self.proxies.clear();
        // Close every wrapper's pipe first, so the servers die in parallel, then wait.
        for node in &self.nodes {
            node.shutdown_begin();
        }
        for node in &self.nodes {
            node.shutdown_finish();
        }
    }
}

fn join(addresses: impl Iterator<Item = String>) -> String {
    addresses.collect::<Vec<_>>().join(",")
}
