//! One ZooKeeper server of a [`Cluster`](crate::Cluster).

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::four_letter::{Mode, four_letter};
use crate::netns::NodeHost;
use crate::wrapper::{Stop, Wrapper};

/// How often readiness is polled with `srvr`.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How many log lines an [`Error::Server`] carries.
const ERROR_LOG_LINES: usize = 40;
/// How much of the end of a log file [`Node::log_tail`] reads at most.
const LOG_TAIL_BYTES: u64 = 512 * 1024;

/// Everything fixed about a node when its cluster is built.
#[derive(Debug, Clone)]
pub(crate) struct NodeSpec {
    pub(crate) index: usize,
    pub(crate) server_id: u32,
    pub(crate) observer: bool,
    pub(crate) client_port: u16,
    /// The TLS client port; `None` unless the cluster serves TLS.
    pub(crate) secure_port: Option<u16>,
    /// Quorum and election ports; `None` for a standalone server.
    pub(crate) peer_ports: Option<(u16, u16)>,
    /// The node's namespace and addresses; `None` on loopback.
    pub(crate) host: Option<NodeHost>,
    pub(crate) dir: PathBuf,
    /// `java` and its arguments.
    pub(crate) command: Vec<OsString>,
    pub(crate) start_timeout: Duration,
}

/// One ZooKeeper server process of a [`Cluster`](crate::Cluster), reached with
/// [`Cluster::node`](crate::Cluster::node).
///
/// A node keeps its ports, its directory and its data across [`stop`](Node::stop),
/// [`kill`](Node::kill) and [`start`](Node::start). Every method takes `&self`, so a test can
/// stop and start nodes of a cluster it shares between threads.
///
/// The node's directory ([`dir`](Node::dir)) holds `zoo.cfg` (which ZooKeeper itself
/// rewrites when `reconfig` is enabled: restarts reuse it as is), `data/` (with `myid`) and
/// `zookeeper.log` (the server's stdout and stderr, kept across restarts).
#[derive(Debug)]
pub struct Node {
    spec: NodeSpec,
    log: PathBuf,
    process: Mutex<Option<Wrapper>>,
}

impl Node {
    pub(crate) fn new(spec: NodeSpec) -> Node {
        let log = spec.dir.join("zookeeper.log");
        Node {
            spec,
            log,
            process: Mutex::new(None),
        }
    }

    fn process(&self) -> MutexGuard<'_, Option<Wrapper>> {
        self.process.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The node's index in its cluster, 0-based: `cluster.node(node.index())` is this node.
    pub fn index(&self) -> usize {
        self.spec.index
    }

    /// The ZooKeeper server id (`myid`): `index() + 1`.
    pub fn server_id(&self) -> u32 {
        self.spec.server_id
    }

    /// Whether the node is an observer (a non-voting member).
    pub fn is_observer(&self) -> bool {
        self.spec.observer
    }

    /// The client port (on 127.0.0.1, or on the node's own address with
    /// [network namespaces](crate::ClusterBuilder::network_namespaces)).
    pub fn client_port(&self) -> u16 {
        self.spec.client_port
    }

    /// The secure (TLS) client port on 127.0.0.1, or `None` when the cluster was built
    /// without [`tls`](crate::ClusterBuilder::tls).
    pub fn secure_port(&self) -> Option<u16> {
        self.spec.secure_port
    }

    /// The secure (TLS) client address as `"127.0.0.1:<port>"`, or `None` without TLS.
    pub fn secure_address(&self) -> Option<String> {
        self.spec
            .secure_port
            .map(|port| format!("127.0.0.1:{port}"))
    }

    /// The quorum port (followers connect to the leader's), or `None` for a standalone server.
    pub fn quorum_port(&self) -> Option<u16> {
        self.spec.peer_ports.map(|(quorum, _)| quorum)
    }

    /// The leader-election port, or `None` for a standalone server.
    pub fn election_port(&self) -> Option<u16> {
        self.spec.peer_ports.map(|(_, election)| election)
    }

    /// The client address as `"127.0.0.1:<port>"`, ready for a connect string; with
    /// [network namespaces](crate::ClusterBuilder::network_namespaces), the node's service
    /// address, `"10.213.N.(11+i):<port>"`, which partitions apply to.
    pub fn address(&self) -> String {
        self.socket_addr().to_string()
    }

    /// The client address as a [`SocketAddr`] (see [`address`](Node::address)).
    pub fn socket_addr(&self) -> SocketAddr {
        let ip = self
            .spec
            .host
            .as_ref()
            .map_or(Ipv4Addr::LOCALHOST, |host| host.address);
        SocketAddr::from((ip, self.spec.client_port))
    }

    /// Where this crate's own checks reach the server: four-letter words ([`mode`](Node::mode),
    /// readiness) and session expiry. The client address on loopback; with network namespaces
    /// the node's control address, which no partition blocks (see
    /// [`Network`](crate::Network)).
    pub fn control_addr(&self) -> SocketAddr {
        let ip = self
            .spec
            .host
            .as_ref()
            .map_or(Ipv4Addr::LOCALHOST, |host| host.control);
        SocketAddr::from((ip, self.spec.client_port))
    }

    /// The node's network namespace (for `ip netns exec`), with
    /// [network namespaces](crate::ClusterBuilder::network_namespaces); `None` on loopback.
    pub fn netns(&self) -> Option<&str> {
        self.spec.host.as_ref().map(|host| host.netns.as_str())
    }

    /// The node's own temporary directory (removed when the cluster is dropped).
    pub fn dir(&self) -> &Path {
        &self.spec.dir
    }

    /// The node's `zoo.cfg`.
    pub fn config_path(&self) -> PathBuf {
        self.spec.dir.join("zoo.cfg")
    }

    /// The node's data directory (`dataDir`, holding `myid`, snapshots and transaction logs).
    pub fn data_dir(&self) -> PathBuf {
        self.spec.dir.join("data")
    }

    /// The node's log file: everything the server printed, across restarts.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The Java process id, while the server is started (it may have exited on its own: see
    /// [`is_running`](Node::is_running)).
    pub fn pid(&self) -> Option<u32> {
        self.process()
            .as_ref()
            .filter(|w| w.java_started())
            .map(Wrapper::java_pid)
    }

    /// Whether the Java process is alive (it may not serve yet: see [`mode`](Node::mode)).
    pub fn is_running(&self) -> bool {
        self.process().as_ref().is_some_and(Wrapper::java_alive)
    }

    /// Sends a four-letter word to this node and returns the reply (see
    /// [`four_letter`](crate::four_letter())), through its [`control_addr`](Node::control_addr).
    ///
    /// # Errors
    ///
    /// As [`four_letter`](crate::four_letter()).
    pub fn four_letter(&self, word: &str) -> io::Result<String> {
        four_letter(self.control_addr(), word)
    }

    /// What the server does now, from `srvr`; `None` when it is down or not serving.
    pub fn mode(&self) -> Option<Mode> {
        self.four_letter("srvr")
            .ok()
            .and_then(|reply| Mode::from_srvr(&reply))
    }

    /// Starts the server if it is not running, and waits until it serves reads and writes.
    ///
    /// The node keeps its ports and its data. A member of an ensemble serves only once it
    /// has joined a quorum, so starting one node while a majority is down waits until the
    /// timeout set by [`ClusterBuilder::start_timeout`](crate::ClusterBuilder::start_timeout)
    /// and fails: start the others first, or use [`launch`](Node::launch) and
    /// [`Cluster::start_all`](crate::Cluster::start_all).
    ///
    /// Fails with [`Error::Server`], carrying the end of the log, when the server exits or
    /// does not serve in time (a port taken by another process in the meantime, say).
    ///
    /// # Errors
    ///
    /// [`Error::Server`] as above; [`Error::Io`] when the process cannot be spawned.
    pub fn start(&self) -> Result<()> {
        self.launch()?;
        self.wait_serving(self.spec.start_timeout)
    }

    /// Starts the Java process if it is not running, without waiting for it to serve.
    ///
    /// A new wrapper takes over the directory before the old one (kept while the server was
    /// stopped, so the directory was cleaned up even if the test process died) is dismissed.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the process cannot be spawned or its files written.
    pub fn launch(&self) -> Result<()> {
        let mut process = self.process();
        if let Some(wrapper) = process.as_mut() {
            if wrapper.java_alive() {
                return Ok(());
            }
            // Exited on its own: reap it before starting again.
            wrapper
                .stop(Stop::Kill)
                .map_err(|e| self.io_error("reaping the exited server", e))?;
        }
        let _ = self.log_marker("starting");
        let new = Wrapper::spawn(&self.spec.dir, &self.log, &self.spec.command)
            .map_err(|e| self.io_error("starting the server", e))?;
        if let Some(old) = process.replace(new) {
            old.detach()
                .map_err(|e| self.io_error("dismissing the previous wrapper", e))?;
        }
        Ok(())
    }

    /// Stops the server with SIGTERM (a clean shutdown) and waits until it has exited. Does
    /// nothing when it is not running.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the signal cannot be sent or the wait fails.
    pub fn stop(&self) -> Result<()> {
        self.halt(Stop::Term)
    }

    /// Kills the server with SIGKILL (a crash: nothing is flushed or closed cleanly) and
    /// waits until it has exited. Does nothing when it is not running.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the signal cannot be sent or the wait fails.
    pub fn kill(&self) -> Result<()> {
        self.halt(Stop::Kill)
    }

    fn halt(&self, how: Stop) -> Result<()> {
        let mut process = self.process();
        let Some(wrapper) = process.as_mut() else {
            return Ok(());
        };
        if wrapper.java_started() {
            let what = match how {
                Stop::Term => "stopping",
                Stop::Kill => "killing",
            };
            let _ = self.log_marker(what);
            wrapper
                .stop(how)
                .map_err(|e| self.io_error(&format!("{what} the server"), e))?;
        }
        Ok(())
    }

    /// [`stop`](Node::stop) then [`start`](Node::start).
    ///
    /// # Errors
    ///
    /// As [`stop`](Node::stop) and [`start`](Node::start).
    pub fn restart(&self) -> Result<()> {
        self.stop()?;
        self.start()
    }

    /// Waits until the server serves reads and writes (mode standalone, leader, follower or
    /// observer).
    ///
    /// Fails with [`Error::Server`] when the server is not running or exits, or when
    /// `timeout` passes.
    ///
    /// # Errors
    ///
    /// [`Error::Server`] as above.
    pub fn wait_serving(&self, timeout: Duration) -> Result<()> {
        self.wait_mode(timeout, "serve", Mode::is_read_write)
    }

    /// Waits until the server serves read-only (`readonlymode.enabled`, cut off from its
    /// quorum).
    ///
    /// # Errors
    ///
    /// [`Error::Server`] when the server is not running or exits, or when `timeout` passes
    /// before it serves read-only.
    pub fn wait_read_only(&self, timeout: Duration) -> Result<()> {
        self.wait_mode(timeout, "serve read-only", |mode| *mode == Mode::ReadOnly)
    }

    fn wait_mode(&self, timeout: Duration, what: &str, ok: impl Fn(&Mode) -> bool) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if !self.is_running() {
                return Err(self.server_error(format!(
                    "is not running: it exited before it could {what}, or was stopped"
                )));
            }
            if self.mode().is_some_and(|mode| ok(&mode))
                && self.answers_as_itself()
                && self.secure_port_listens()
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.server_error(format!("did not {what} within {timeout:?}")));
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Whether the server answering on the client port is this node's, not another process's
    /// that took the port between its reservation and Java's bind (this node's Java then
    /// fails to bind and exits, and the start is retried with new ports). Judged by the
    /// `dataDir` of `conf`; a server that does not answer `conf` is given the benefit of
    /// the doubt.
    fn answers_as_itself(&self) -> bool {
        let Ok(conf) = self.four_letter("conf") else {
            return true;
        };
        let data_dir = self.data_dir();
        let data_dir = data_dir.to_string_lossy();
        conf.lines()
            .filter_map(|line| line.strip_prefix("dataDir="))
            .all(|dir| dir.starts_with(&*data_dir))
    }

    /// Whether the secure client port (if any) accepts connections yet. A standalone server
    /// opens it only after it serves on the plain port.
    fn secure_port_listens(&self) -> bool {
        self.spec.secure_port.is_none_or(port_listens)
    }

    /// The last `lines` lines of the server's log.
    pub fn log_tail(&self, lines: usize) -> String {
        log_tail(&self.log, lines).unwrap_or_else(|e| format!("(cannot read the log: {e})\n"))
    }

    pub(crate) fn start_timeout(&self) -> Duration {
        self.spec.start_timeout
    }

    /// Whether the log says a port was taken: the start is then retried with new ports.
    pub(crate) fn log_reports_port_conflict(&self) -> bool {
        let tail = self.log_tail(400);
        tail.contains("Address already in use") || tail.contains("BindException")
    }

    /// Writes a line into the log, so restarts are easy to find in it.
    fn log_marker(&self, what: &str) -> io::Result<()> {
        let mut log = File::options().create(true).append(true).open(&self.log)?;
        writeln!(log, "===== zk-testing: {what} node {} =====", self.index())
    }

    pub(crate) fn server_error(&self, what: String) -> Error {
        Error::Server {
            index: self.spec.index,
            server_id: self.spec.server_id,
            what,
            log: self.log.clone(),
            log_tail: self.log_tail(ERROR_LOG_LINES),
        }
    }

    fn io_error(&self, what: &str, e: io::Error) -> Error {
        Error::io(format!("node {}: {what}", self.spec.index), e)
    }

    /// Closes the wrapper's pipe: the wrapper SIGKILLs the server and removes the directory.
    /// Does not wait (see [`Node::shutdown_finish`]), so a cluster closes all pipes first.
    pub(crate) fn shutdown_begin(&self) {
        if let Some(wrapper) = self.process().as_mut() {
            wrapper.close();
        }
    }

    /// Waits for the wrapper to exit, then removes the directory (again: it also does).
    pub(crate) fn shutdown_finish(&self) {
        drop(self.process().take());
        match fs::remove_dir_all(&self.spec.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => eprintln!(
                "zk-testing: could not remove {}: {e}",
                self.spec.dir.display()
            ),
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.shutdown_begin();
        self.shutdown_finish();
    }
}

/// Whether a socket listens on `port` of 127.0.0.1: from `/proc/net/tcp` where there is one
/// (which leaves no trace in the server's log), else by connecting.
fn port_listens(port: u16) -> bool {
    match fs::read_to_string("/proc/net/tcp") {
        Ok(table) => proc_net_tcp_listens(&table, port),
        Err(_) => std::net::TcpStream::connect_timeout(
            &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            Duration::from_secs(1),
        )
        .is_ok(),
    }
}

/// Whether `/proc/net/tcp` text has a listening socket (state `0A`) on 127.0.0.1 or 0.0.0.0
/// and `port`.
fn proc_net_tcp_listens(table: &str, port: u16) -> bool {
    let wanted = [
        format!("0100007F:{port:04X}"),
        format!("00000000:{port:04X}"),
    ];
    table.lines().skip(1).any(|line| {
        let mut fields = line.split_whitespace();
        let (Some(_slot), Some(local), Some(_remote), Some(state)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return false;
        };
        state == "0A" && wanted.iter().any(|w| w == local)
    })
}

/// The last `lines` lines of a file, reading at most its last [`LOG_TAIL_BYTES`].
fn log_tail(path: &Path, lines: usize) -> io::Result<String> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(LOG_TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    // A partial first line (when the read started mid-file) is dropped.
    let skip_partial = usize::from(start > 0);
    let first = all
        .len()
        .saturating_sub(lines)
        .max(skip_partial.min(all.len()));
    let mut out = all[first..].join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_sockets_are_found_in_proc_net_tcp() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9D95 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
";
        assert!(proc_net_tcp_listens(table, 0x9D95));
        assert!(proc_net_tcp_listens(table, 22));
        assert!(
            !proc_net_tcp_listens(table, 0x1F90),
            "established, not listening"
        );
        assert!(!proc_net_tcp_listens(table, 2181));
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        assert!(port_listens(listener.local_addr().unwrap().port()));
    }

    #[test]
    fn log_tail_takes_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        fs::write(&path, "a\nb\nc\nd\n").unwrap();
        assert_eq!(log_tail(&path, 2).unwrap(), "c\nd\n");
        assert_eq!(log_tail(&path, 10).unwrap(), "a\nb\nc\nd\n");
        assert_eq!(log_tail(&path, 0).unwrap(), "");
        fs::write(&path, "").unwrap();
        assert_eq!(log_tail(&path, 3).unwrap(), "");
        assert!(log_tail(&dir.path().join("missing"), 3).is_err());
    }
}
