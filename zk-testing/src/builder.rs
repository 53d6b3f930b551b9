//! [`ClusterBuilder`]: the settings of a cluster, its `zoo.cfg` and its Java command line.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::install::Installation;
use crate::netns::{Network, NodeHost};
use crate::node::{Node, NodeSpec};
use crate::ports::Ports;
use crate::tls::{ClientAuth, TlsFiles, TlsMaterial};

/// How many times a start is tried with fresh ports when a port was taken in the meantime.
const START_ATTEMPTS: usize = 3;

const MAIN_CLASS: &str = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

/// JVM flags for a small, fast-starting test server; [`ClusterBuilder::jvm_arg`] comes after
/// them, so a later flag of the same kind wins.
const DEFAULT_JVM_ARGS: &[&str] = &[
    "-Xmx512m",
    "-XX:+UseSerialGC",
    // Startup is most of a test server's life: stop at the quick JIT tier.
    "-XX:TieredStopAtLevel=1",
    // No hsperfdata file in /tmp, which a SIGKILL would leave behind.
    "-XX:-UsePerfData",
    "-Djava.net.preferIPv4Stack=true",
    "-Djava.awt.headless=true",
    // slf4j-simple: a wall-clock time on every line, to match logs with test output.
    "-Dorg.slf4j.simpleLogger.showDateTime=true",
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
    // Leader election backs off up to 60 s between notification rounds while peers are down;
    // cap it so a restarted ensemble settles within seconds.
    "-Dzookeeper.fastleader.maxNotificationInterval=2000",
];

/// Settings for a [`Cluster`], from [`Cluster::builder`].
///
/// The defaults make one standalone server with a 500 ms tick (sessions may be as short as
/// 1 s: the minimum session timeout is 2 ticks). Every setting is optional:
///
/// ```no_run
/// use std::time::Duration;
/// use zk_testing::Cluster;
///
/// let cluster = Cluster::builder()
///     .size(3)
///     .tick_time(Duration::from_millis(250))
///     .extended_types(true)
///     .super_digest("super", "test")
///     .config("autopurge.purgeInterval", "1")
///     .start()?;
/// # Ok::<(), zk_testing::Error>(())
/// ```
///
/// Every server gets, besides the settings: `4lw.commands.whitelist=*`,
/// `admin.enableServer=false` (no Jetty on port 8080), `maxClientCnxns=0` (no per-IP limit),
/// `clientPortAddress=127.0.0.1`, `forceSync=no` and `preAllocSize=1024` (fast, small
/// transaction logs; durability across a machine crash is no concern here); ensembles also
/// `initLimit=10`, `syncLimit=5`, `standaloneEnabled=false` and one
/// `server.N=127.0.0.1:<quorum>:<election>[:observer];127.0.0.1:<client>` line per node.
/// With [`tls`](ClusterBuilder::tls), also a secure client port (see there).
/// [`config`](ClusterBuilder::config) overrides any of them. Ports are free loopback ports
/// chosen at start.
#[derive(Debug, Clone)]
pub struct ClusterBuilder {
    size: usize,
    observers: usize,
    tick_time: Duration,
    extended_types: bool,
    reconfig: bool,
    read_only: bool,
    max_buffer: Option<usize>,
    super_digest: Option<(String, String)>,
    config: Vec<(String, String)>,
    system_properties: Vec<(String, String)>,
    jaas_config: Option<String>,
    jvm_args: Vec<String>,
    start_timeout: Duration,
    installation: Option<Installation>,
    tls: bool,
    tls_material: Option<TlsMaterial>,
    tls_client_auth: ClientAuth,
    network_namespaces: bool,
    client_namespaces: usize,
}

impl Default for ClusterBuilder {
    fn default() -> Self {
        ClusterBuilder {
            size: 1,
            observers: 0,
            tick_time: Duration::from_millis(500),
            extended_types: false,
            reconfig: false,
            read_only: false,
            max_buffer: None,
            super_digest: None,
            config: Vec::new(),
            system_properties: Vec::new(),
            jaas_config: None,
            jvm_args: Vec::new(),
            start_timeout: Duration::from_secs(60),
            installation: None,
            tls: false,
            tls_material: None,
            tls_client_auth: ClientAuth::default(),
            network_namespaces: false,
            client_namespaces: 0,
        }
    }
}

impl ClusterBuilder {
    /// The default settings: one standalone server (same as [`Cluster::builder`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of voting servers (participants); 1 (the default) makes a standalone
    /// server unless observers are added.
    pub fn size(mut self, participants: usize) -> Self {
        self.size = participants;
        self
    }

    /// The number of observers (non-voting servers) added after the participants; they
    /// make the cluster an ensemble. Default 0.
    pub fn observers(mut self, observers: usize) -> Self {
        self.observers = observers;
        self
    }

    /// ZooKeeper's `tickTime`. Session timeouts are clamped to 2..20 ticks, so the default
    /// 500 ms allows sessions from 1 s to 10 s.
    pub fn tick_time(mut self, tick: Duration) -> Self {
        self.tick_time = tick;
        self
    }

    /// Enables TTL nodes (`-Dzookeeper.extendedTypesEnabled=true`). Default off.
    pub fn extended_types(mut self, enabled: bool) -> Self {
        self.extended_types = enabled;
        self
    }

    /// Enables dynamic reconfiguration (`reconfigEnabled=true`). ZooKeeper then moves the
    /// `server.N` lines of an ensemble into a dynamic config file and rewrites `zoo.cfg`;
    /// restarts of a node reuse those files as ZooKeeper left them, so a membership change
    /// survives them. Reconfig requests need a super user or ACLs on `/zookeeper/config`
    /// (see [`super_digest`](ClusterBuilder::super_digest)). A single participant without
    /// observers stays a standalone server, which cannot be reconfigured. Default off.
    pub fn reconfig(mut self, enabled: bool) -> Self {
        self.reconfig = enabled;
        self
    }

    /// Lets servers cut off from their quorum serve reads (`-Dreadonlymode.enabled=true`),
    /// with `localSessionsEnabled=true` and `localSessionsUpgradingEnabled=true` so a
    /// read-only server can grant sessions. Default off.
    pub fn read_only(mut self, enabled: bool) -> Self {
        self.read_only = enabled;
        self
    }

    /// The largest frame the servers accept or send, in bytes (`-Djute.maxbuffer=`; the
    /// server's default is 0xfffff).
    pub fn max_buffer(mut self, bytes: usize) -> Self {
        self.max_buffer = Some(bytes);
        self
    }

    /// A super user who passes every ACL check, authenticated with the `digest` scheme and
    /// `user:password` (`-Dzookeeper.DigestAuthenticationProvider.superDigest=`).
    pub fn super_digest(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.super_digest = Some((user.into(), password.into()));
        self
    }

    /// Adds or overrides one `zoo.cfg` entry on every server (a later call for the same key
    /// wins). Unknown keys become `zookeeper.`-prefixed system properties, as ZooKeeper does
    /// for any key it does not know.
    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.push((key.into(), value.into()));
        self
    }

    /// Adds or overrides one Java system property (`-Dkey=value`) on every server.
    pub fn system_property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.system_properties.push((key.into(), value.into()));
        self
    }

    /// A JAAS configuration for SASL: written to `jaas.conf` in each node's directory and
    /// passed as `-Djava.security.auth.login.config=`. SASL authentication also needs
    /// `.config("authProvider.1", "org.apache.zookeeper.server.auth.SASLAuthenticationProvider")`.
    ///
    /// ```no_run
    /// let cluster = zk_testing::Cluster::builder()
    ///     .config("authProvider.1", "org.apache.zookeeper.server.auth.SASLAuthenticationProvider")
    ///     .jaas_config(
    ///         r#"Server {
    ///             org.apache.zookeeper.server.auth.DigestLoginModule required
    ///             user_super="test"
    ///             user_jaasuser="jaas_password";
    ///         };"#,
    ///     )
    ///     .start()?;
    /// # Ok::<(), zk_testing::Error>(())
    /// ```
    pub fn jaas_config(mut self, text: impl Into<String>) -> Self {
        self.jaas_config = Some(text.into());
        self
    }

    /// Adds one JVM flag (`-Xmx1g`, say), after this crate's defaults (`-Xmx512m`, the serial
    /// collector, quick JIT tier), so it overrides them.
    pub fn jvm_arg(mut self, arg: impl Into<String>) -> Self {
        self.jvm_args.push(arg.into());
        self
    }

    /// How long a start (of the cluster or of one node) may take until every server serves.
    /// Default 60 s.
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// Serves TLS on a secure client port of every server, beside the plain client port
    /// (which keeps working). Default off.
    ///
    /// The cluster generates a [`TlsMaterial`] (a new CA, a server certificate for
    /// `localhost` and `127.0.0.1`, a client certificate), unless one is given with
    /// [`tls_material`](ClusterBuilder::tls_material), writes it as PEM into each node's
    /// directory (`tls/`), and adds to every `zoo.cfg`:
    ///
    /// ```text
    /// secureClientPort=<free port>
    /// secureClientPortAddress=127.0.0.1
    /// serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory
    /// ssl.keyStore.location=<node dir>/tls/server.pem
    /// ssl.keyStore.type=PEM
    /// ssl.trustStore.location=<node dir>/tls/ca.pem
    /// ssl.trustStore.type=PEM
    /// ssl.clientAuth=want
    /// authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider
    /// ```
    ///
    /// The `x509` provider is needed as soon as a client presents a certificate (ZooKeeper
    /// closes such a connection when the provider is missing); it gives the client the
    /// identity of its certificate's subject (`x509:CN=zk-testing-client`).
    /// [`tls_client_auth`](ClusterBuilder::tls_client_auth) changes `ssl.clientAuth`, and
    /// [`config`](ClusterBuilder::config) overrides any entry. Connect with
    /// [`Cluster::secure_connect_string`] and the certificates of [`Cluster::tls`] (PEM text)
    /// or [`Cluster::tls_files`] (paths).
    ///
    /// ```no_run
    /// let cluster = zk_testing::Cluster::builder().tls(true).start()?;
    /// let tls = cluster.tls().unwrap();
    /// println!("trust {} at {}", tls.ca_pem(), cluster.secure_connect_string());
    /// # Ok::<(), zk_testing::Error>(())
    /// ```
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Serves TLS (as [`tls(true)`](ClusterBuilder::tls)) with these certificates: for
    /// instance [`TlsMaterial::with_server_names`] to serve a certificate that does not
    /// name `127.0.0.1`, for a client's host-name check to fail.
    ///
    /// ```no_run
    /// use zk_testing::{Cluster, TlsMaterial};
    ///
    /// let wrong_host = TlsMaterial::with_server_names(&["zk.invalid"])?;
    /// let cluster = Cluster::builder().tls_material(wrong_host).start()?;
    /// # let _ = cluster;
    /// # Ok::<(), zk_testing::Error>(())
    /// ```
    pub fn tls_material(mut self, material: TlsMaterial) -> Self {
        self.tls = true;
        self.tls_material = Some(material);
        self
    }

    /// Whether TLS clients must present a certificate (`ssl.clientAuth`; default
    /// [`ClientAuth::Want`]: asked for, optional).
    ///
    /// ```no_run
    /// let cluster = zk_testing::Cluster::builder()
    ///     .tls(true)
    ///     .tls_client_auth(zk_testing::ClientAuth::Need)
    ///     .start()?;
    /// # let _ = cluster;
    /// # Ok::<(), zk_testing::Error>(())
    /// ```
    pub fn tls_client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.tls_client_auth = client_auth;
        self
    }

    /// Runs every server in a network namespace of its own, on a private subnet, so that
    /// tests can partition servers from each other and from the test process for real
    /// ([`Cluster::network`]). Default off.
    ///
    /// Node `i` then serves on its own address (`10.213.N.(11+i)`, see [`Network`]), which
    /// [`Node::address`] and [`Cluster::connect_string`] give; clients in the test process
    /// reach it over the network's link in the root namespace. Each server listens on every
    /// address of its namespace (`clientPortAddress=0.0.0.0`, and the `server.N` lines end in
    /// `;0.0.0.0:<client port>`, which `getConfig` shows) and talks to its peers on their
    /// service addresses. Cannot be combined with [`tls`](ClusterBuilder::tls): the test
    /// certificates name `127.0.0.1`.
    ///
    /// The start fails with [`Error::NetnsUnavailable`] when the machine cannot make network
    /// namespaces (see [`Network`] for what it takes).
    pub fn network_namespaces(mut self, enabled: bool) -> Self {
        self.network_namespaces = enabled;
        self
    }

    /// Adds `count` empty client hosts to the network ([`Endpoint::Client`](crate::Endpoint)),
    /// for client processes started with [`Network::command`] that partitions should treat
    /// apart from the test process. Turns [`network_namespaces`](ClusterBuilder::network_namespaces)
    /// on. Default 0.
    pub fn client_namespaces(mut self, count: usize) -> Self {
        self.client_namespaces = count;
        self.network_namespaces |= count > 0;
        self
    }

    /// Uses this Java and classpath instead of [`Installation::detect`].
    pub fn installation(mut self, installation: Installation) -> Self {
        self.installation = Some(installation);
        self
    }

    /// Starts every server and waits until all of them serve; same as
    /// [`start`](ClusterBuilder::start).
    pub fn build(self) -> Result<Cluster> {
        self.start()
    }

    /// Starts every server and waits until all of them serve.
    ///
    /// Each node gets its own temporary directory and free loopback ports; when a server
    /// fails because a port was taken in the meantime, the whole start is retried with new
    /// ports (up to 3 times). Fails with [`Error::JavaNotFound`] or
    /// [`Error::ZooKeeperNotFound`] when there is nothing to run, and with
    /// [`Error::Server`] (with the end of the server's log) when a server exits or does not
    /// serve within the [`start_timeout`](ClusterBuilder::start_timeout).
    pub fn start(self) -> Result<Cluster> {
        if self.size == 0 {
            return Err(Error::InvalidConfig(
                "a cluster needs at least one participant".into(),
            ));
        }
        if self.tick_time.is_zero() {
            return Err(Error::InvalidConfig("tick_time must not be zero".into()));
        }
        if self.network_namespaces && self.tls {
            return Err(Error::InvalidConfig(
                "network_namespaces cannot be combined with tls: the test certificates name 127.0.0.1"
                    .into(),
            ));
        }
        let installation = match &self.installation {
            Some(installation) => installation.clone(),
            None => Installation::detect()?,
        };
        let tls = match (&self.tls_material, self.tls) {
            (_, false) => None,
            (Some(material), true) => Some(material.clone()),
            (None, true) => Some(TlsMaterial::generate()?),
        };
        let mut attempt = 1;
        loop {
            match self.try_start(&installation, tls.as_ref()) {
                Ok(cluster) => return Ok(cluster),
                Err((err, port_conflict)) if port_conflict && attempt < START_ATTEMPTS => {
                    let _ = err;
                    attempt += 1;
                }
                Err((err, _)) => return Err(err),
            }
        }
    }

    fn is_ensemble(&self) -> bool {
        self.size + self.observers > 1
    }

    /// One start attempt; on failure, whether a port conflict caused it.
    fn try_start(
        &self,
        installation: &Installation,
        tls: Option<&TlsMaterial>,
    ) -> Result<Cluster, (Error, bool)> {
        let count = self.size + self.observers;
        // Client port, then the secure client port (TLS), then quorum and election ports.
        let secure = usize::from(tls.is_some());
        let ports_per_node = 1 + secure + if self.is_ensemble() { 2 } else { 0 };
        // Ports stay loopback-reserved with namespaces too: the same numbering either way,
        // and inside a namespace of its own every port is free.
        let ports = Ports::reserve(count * ports_per_node)
            .map_err(|e| (Error::io("picking free loopback ports", e), false))?;
        // Made before the nodes and dropped after them (the cluster owns it last), so servers
        // always die before their namespaces go.
        let network = if self.network_namespaces {
            Some(Network::create(count, self.client_namespaces).map_err(|e| (e, false))?)
        } else {
            None
        };
        let plans: Vec<Plan> = (0..count)
            .map(|index| Plan {
                index,
                server_id: u32::try_from(index + 1).unwrap_or(u32::MAX),
                observer: index >= self.size,
                client_port: ports.get(index * ports_per_node),
                secure_port: tls.map(|_| ports.get(index * ports_per_node + 1)),
                peer_ports: self.is_ensemble().then(|| {
                    (
                        ports.get(index * ports_per_node + 1 + secure),
                        ports.get(index * ports_per_node + 2 + secure),
                    )
                }),
                host: network.as_ref().map(|net| net.node_host(index)),
            })
            .collect();

        let mut nodes = Vec::with_capacity(count);
        let mut client_files = None;
        for plan in &plans {
            let (node, files) = self
                .create_node(plan, &plans, installation, tls)
                .map_err(|e| (e, false))?;
            nodes.push(node);
            client_files = client_files.or(files);
        }
        // Start every server before waiting: an ensemble serves only once a quorum is up.
        for node in &nodes {
            node.launch().map_err(|e| (e, false))?;
        }
        let deadline = Instant::now() + self.start_timeout;
        for node in &nodes {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Err(err) = node.wait_serving(left) {
                let conflict = nodes.iter().any(Node::log_reports_port_conflict);
                // Dropping the nodes kills the servers and removes their directories.
                return Err((err, conflict));
            }
        }
        // The first node's copy of the PEM files is the one handed to tests.
        let tls = tls.cloned().zip(client_files);
        Cluster::from_parts(nodes, ports, tls, network).map_err(|e| (e, false))
    }

    /// Creates the node's directory with `zoo.cfg`, `data/myid`, `jaas.conf` and `tls/`.
    fn create_node(
        &self,
        plan: &Plan,
        all: &[Plan],
        installation: &Installation,
        tls: Option<&TlsMaterial>,
    ) -> Result<(Node, Option<TlsFiles>)> {
        let dir = tempfile::Builder::new()
            .prefix("zk-testing-")
            .tempdir()
            .map_err(|e| Error::io("creating a temporary directory", e))?
            // The wrapper owns deletion from now on (and so does the Node).
            .keep();
        // From here on, dropping the node removes the directory.
        let spec = NodeSpec {
            index: plan.index,
            server_id: plan.server_id,
            observer: plan.observer,
            client_port: plan.client_port,
            secure_port: plan.secure_port,
            peer_ports: plan.peer_ports,
            host: plan.host.clone(),
            dir: dir.clone(),
            command: self.command(&dir, installation, plan.host.as_ref()),
            start_timeout: self.start_timeout,
        };
        let node = Node::new(spec);
        let write = |name: &str, path: &Path, text: &str| {
            fs::write(path, text).map_err(|e| Error::io(format!("writing {name}"), e))
        };
        let data = dir.join("data");
        fs::create_dir_all(&data).map_err(|e| Error::io("creating the data directory", e))?;
        let tls_files = match tls {
            Some(material) => Some(material.write_to(&dir.join("tls"))?),
            None => None,
        };
        write(
            "zoo.cfg",
            &dir.join("zoo.cfg"),
            &self.zoo_cfg(plan, all, &data, tls_files.as_ref()),
        )?;
        if self.is_ensemble() {
            write("myid", &data.join("myid"), &format!("{}\n", plan.server_id))?;
        }
        if let Some(jaas) = &self.jaas_config {
            write("jaas.conf", &dir.join("jaas.conf"), jaas)?;
        }
        Ok((node, tls_files))
    }

    /// The `zoo.cfg` of one node.
    fn zoo_cfg(
        &self,
        plan: &Plan,
        all: &[Plan],
        data_dir: &Path,
        tls: Option<&TlsFiles>,
    ) -> String {
        let mut entries = Entries::default();
        entries.set("tickTime", self.tick_time.as_millis().max(1).to_string());
        entries.set("dataDir", data_dir.display().to_string());
        entries.set("clientPort", plan.client_port.to_string());
        // In a namespace of its own, a server listens on both its addresses: the service one
        // for clients, the control one for the test process's checks.
        let client_bind = if plan.host.is_some() {
            "0.0.0.0"
        } else {
            "127.0.0.1"
        };
        entries.set("clientPortAddress", client_bind);
        entries.set("maxClientCnxns", "0");
        entries.set("4lw.commands.whitelist", "*");
        entries.set("admin.enableServer", "false");
        entries.set("forceSync", "no");
        entries.set("preAllocSize", "1024");
        if let (Some(files), Some(port)) = (tls, plan.secure_port) {
            entries.set("secureClientPort", port.to_string());
            entries.set("secureClientPortAddress", "127.0.0.1");
            entries.set(
                "serverCnxnFactory",
                "org.apache.zookeeper.server.NettyServerCnxnFactory",
            );
            let path = |p: &Path| p.display().to_string();
            entries.set("ssl.keyStore.location", path(files.server_key_store_path()));
            entries.set("ssl.keyStore.type", "PEM");
            entries.set("ssl.trustStore.location", path(files.ca_path()));
            entries.set("ssl.trustStore.type", "PEM");
            entries.set("ssl.clientAuth", self.tls_client_auth.as_config_value());
            entries.set(
                "authProvider.x509",
                "org.apache.zookeeper.server.auth.X509AuthenticationProvider",
            );
        }
        if self.reconfig {
            entries.set("reconfigEnabled", "true");
        }
        if self.read_only {
            entries.set("localSessionsEnabled", "true");
            entries.set("localSessionsUpgradingEnabled", "true");
        }
        if self.is_ensemble() {
            entries.set("initLimit", "10");
            entries.set("syncLimit", "5");
            // Without it, one participant plus observers would run standalone, and reconfig
            // could not grow a cluster from one voter.
            entries.set("standaloneEnabled", "false");
            if plan.observer {
                entries.set("peerType", "observer");
            }
            for peer in all {
                let (quorum, election) = peer.peer_ports.unwrap_or_default();
                let role = if peer.observer { ":observer" } else { "" };
                let address = peer
                    .host
                    .as_ref()
                    .map_or_else(|| "127.0.0.1".to_owned(), |host| host.address.to_string());
                entries.set(
                    format!("server.{}", peer.server_id),
                    format!(
                        "{address}:{quorum}:{election}{role};{client_bind}:{}",
                        peer.client_port
                    ),
                );
            }
        }
        for (key, value) in &self.config {
            entries.set(key.clone(), value.clone());
        }
        let mut out = String::from("# Written by zk-testing.\n");
        for (key, value) in &entries.0 {
            out.push_str(key);
            out.push('=');
            out.push_str(value);
            out.push('\n');
        }
        out
    }

    /// The system properties of every server, later entries overriding earlier ones.
    fn system_properties(&self, dir: &Path) -> Entries {
        let mut props = Entries::default();
        if self.extended_types {
            props.set("zookeeper.extendedTypesEnabled", "true");
        }
        if self.read_only {
            props.set("readonlymode.enabled", "true");
        }
        if let Some(max) = self.max_buffer {
            props.set("jute.maxbuffer", max.to_string());
        }
        if let Some((user, password)) = &self.super_digest {
            props.set(
                "zookeeper.DigestAuthenticationProvider.superDigest",
                zk_proto::auth::digest_id(user, password).id,
            );
        }
        if self.jaas_config.is_some() {
            props.set(
                "java.security.auth.login.config",
                dir.join("jaas.conf").display().to_string(),
            );
        }
        for (key, value) in &self.system_properties {
            props.set(key.clone(), value.clone());
        }
        props
    }

    /// `java` and its arguments for the node in `dir`, behind `ip netns exec <ns>` for a node
    /// with a host of its own (`ip` execs Java, so the pid the wrapper reports stays Java's).
    fn command(
        &self,
        dir: &Path,
        installation: &Installation,
        host: Option<&NodeHost>,
    ) -> Vec<OsString> {
        let mut command: Vec<OsString> = Vec::new();
        if let Some(host) = host {
            command.extend(["ip", "netns", "exec", &host.netns].map(OsString::from));
        }
        command.push(installation.java().into());
        command.extend(DEFAULT_JVM_ARGS.iter().map(OsString::from));
        command.extend(self.jvm_args.iter().map(OsString::from));
        command.push("-cp".into());
        command.push(installation.classpath().to_owned());
        for (key, value) in &self.system_properties(dir).0 {
            command.push(format!("-D{key}={value}").into());
        }
        command.push(MAIN_CLASS.into());
        command.push(PathBuf::from(dir).join("zoo.cfg").into());
        command
    }
}

/// A node's place in the cluster, before it exists.
#[derive(Debug, Clone)]
struct Plan {
    index: usize,
    server_id: u32,
    observer: bool,
    client_port: u16,
    secure_port: Option<u16>,
    peer_ports: Option<(u16, u16)>,
    /// The node's namespace and addresses, with network namespaces.
    host: Option<NodeHost>,
}

/// Ordered key/value entries where setting a key again replaces its value in place.
#[derive(Debug, Default)]
struct Entries(Vec<(String, String)>);

impl Entries {
    fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let (key, value) = (key.into(), value.into());
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plans(participants: usize, observers: usize) -> Vec<Plan> {
        (0..participants + observers)
            .map(|i| Plan {
                index: i,
                server_id: i as u32 + 1,
                observer: i >= participants,
                client_port: 10_000 + i as u16 * 10,
                secure_port: None,
                peer_ports: (participants + observers > 1)
                    .then(|| (10_001 + i as u16 * 10, 10_002 + i as u16 * 10)),
                host: None,
            })
            .collect()
    }

    #[test]
    fn standalone_config() {
        let builder = ClusterBuilder::new().config("maxClientCnxns", "10");
        let all = plans(1, 0);
        let cfg = builder.zoo_cfg(&all[0], &all, Path::new("/tmp/x/data"), None);
        assert!(cfg.contains("tickTime=500\n"), "{cfg}");
        assert!(cfg.contains("dataDir=/tmp/x/data\n"));
        assert!(cfg.contains("clientPort=10000\n"));
        assert!(cfg.contains("clientPortAddress=127.0.0.1\n"));
        assert!(cfg.contains("4lw.commands.whitelist=*\n"));
        assert!(cfg.contains("admin.enableServer=false\n"));
        // Overridden in place, not repeated.
        assert!(cfg.contains("maxClientCnxns=10\n"));
        assert_eq!(cfg.matches("maxClientCnxns").count(), 1);
        assert!(!cfg.contains("server.1"));
        assert!(!cfg.contains("standaloneEnabled"));
        assert!(!cfg.contains("initLimit"));
    }

    #[test]
    fn ensemble_config_with_observer_and_reconfig() {
        let builder = ClusterBuilder::new()
            .size(2)
            .observers(1)
            .reconfig(true)
            .read_only(true);
        let all = plans(2, 1);
        let cfg = builder.zoo_cfg(&all[2], &all, Path::new("/d"), None);
        for line in [
            "initLimit=10",
            "syncLimit=5",
            "standaloneEnabled=false",
            "reconfigEnabled=true",
            "localSessionsEnabled=true",
            "localSessionsUpgradingEnabled=true",
            "peerType=observer",
            "server.1=127.0.0.1:10001:10002;127.0.0.1:10000",
            "server.2=127.0.0.1:10011:10012;127.0.0.1:10010",
            "server.3=127.0.0.1:10021:10022:observer;127.0.0.1:10020",
            "clientPort=10020",
        ] {
            assert!(cfg.lines().any(|l| l == line), "missing {line} in\n{cfg}");
        }
        let participant = builder.zoo_cfg(&all[0], &all, Path::new("/d"), None);
        assert!(!participant.contains("peerType"));
    }

    #[test]
    fn command_line_has_the_system_properties() {
        let builder = ClusterBuilder::new()
            .extended_types(true)
            .read_only(true)
            .max_buffer(4 << 20)
            .super_digest("super", "test")
            .jaas_config("Server {};")
            .system_property("jute.maxbuffer", "123")
            .jvm_arg("-Xmx1g");
        let install = Installation::new("/usr/bin/java", "/a.jar:/b.jar");
        let command: Vec<String> = builder
            .command(Path::new("/n"), &install, None)
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect();
        assert_eq!(command[0], "/usr/bin/java");
        let has = |arg: &str| command.iter().any(|a| a == arg);
        assert!(has("-Dzookeeper.extendedTypesEnabled=true"));
        assert!(has("-Dreadonlymode.enabled=true"));
        assert!(has("-Djute.maxbuffer=123"), "{command:?}");
        assert!(!has("-Djute.maxbuffer=4194304"));
        assert!(has(
            "-Dzookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        ));
        assert!(has("-Djava.security.auth.login.config=/n/jaas.conf"));
        let xmx = command.iter().position(|a| a == "-Xmx1g").unwrap();
        assert!(xmx > command.iter().position(|a| a == "-Xmx512m").unwrap());
        let cp = command.iter().position(|a| a == "-cp").unwrap();
        assert_eq!(command[cp + 1], "/a.jar:/b.jar");
        assert_eq!(command[command.len() - 2], MAIN_CLASS);
        assert_eq!(command[command.len() - 1], "/n/zoo.cfg");
    }

    #[test]
    fn tls_config_adds_a_secure_port_and_pem_stores() {
        let builder = ClusterBuilder::new()
            .tls(true)
            .tls_client_auth(ClientAuth::Need)
            .config("ssl.clientAuth", "none");
        let mut all = plans(1, 0);
        all[0].secure_port = Some(10_005);
        let dir = tempfile::tempdir().unwrap();
        let files = TlsMaterial::generate()
            .unwrap()
            .write_to(&dir.path().join("tls"))
            .unwrap();
        let cfg = builder.zoo_cfg(&all[0], &all, Path::new("/d"), Some(&files));
        let tls_dir = dir.path().join("tls");
        for line in [
            "clientPort=10000".to_owned(),
            "secureClientPort=10005".to_owned(),
            "secureClientPortAddress=127.0.0.1".to_owned(),
            "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory".to_owned(),
            format!(
                "ssl.keyStore.location={}",
                tls_dir.join("server.pem").display()
            ),
            "ssl.keyStore.type=PEM".to_owned(),
            format!(
                "ssl.trustStore.location={}",
                tls_dir.join("ca.pem").display()
            ),
            "ssl.trustStore.type=PEM".to_owned(),
            // `config` overrides the builder's own choice.
            "ssl.clientAuth=none".to_owned(),
            "authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider"
                .to_owned(),
        ] {
            assert!(cfg.lines().any(|l| l == line), "missing {line} in\n{cfg}");
        }
        let plain = ClusterBuilder::new().zoo_cfg(&plans(1, 0)[0], &all, Path::new("/d"), None);
        assert!(!plain.contains("secureClientPort"), "{plain}");
        assert!(!plain.contains("ssl."), "{plain}");
    }

    #[test]
    fn namespaced_nodes_listen_everywhere_and_peer_on_their_own_addresses() {
        let builder = ClusterBuilder::new().size(2).network_namespaces(true);
        let mut all = plans(2, 0);
        for (i, plan) in all.iter_mut().enumerate() {
            plan.host = Some(NodeHost {
                netns: format!("zk-testing-5-node{i}"),
                address: std::net::Ipv4Addr::new(10, 213, 5, 11 + i as u8),
                control: std::net::Ipv4Addr::new(10, 213, 5, 111 + i as u8),
            });
        }
        let cfg = builder.zoo_cfg(&all[1], &all, Path::new("/d"), None);
        for line in [
            "clientPortAddress=0.0.0.0",
            "server.1=10.213.5.11:10001:10002;0.0.0.0:10000",
            "server.2=10.213.5.12:10011:10012;0.0.0.0:10010",
        ] {
            assert!(cfg.lines().any(|l| l == line), "missing {line} in\n{cfg}");
        }
        let install = Installation::new("/usr/bin/java", "/a.jar");
        let command: Vec<String> = builder
            .command(Path::new("/n"), &install, all[1].host.as_ref())
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect();
        assert_eq!(
            command[..5],
            ["ip", "netns", "exec", "zk-testing-5-node1", "/usr/bin/java"]
        );
        let err = ClusterBuilder::new()
            .network_namespaces(true)
            .tls(true)
            .start()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidConfig(_)), "{err}");
        assert!(
            ClusterBuilder::new()
                .client_namespaces(1)
                .network_namespaces
        );
    }

    #[test]
    fn zero_participants_is_refused() {
        let err = ClusterBuilder::new().size(0).start().unwrap_err();
        assert!(matches!(err, Error::InvalidConfig(_)), "{err}");
    }
}
