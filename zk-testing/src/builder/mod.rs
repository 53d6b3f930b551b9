//! [`ClusterBuilder`]: the settings of a cluster. Starting the servers is in `launch`;
//! rendering each node's `zoo.cfg`, system properties and Java command line (pure, with its
//! tests) is in `render`.

mod launch;
mod render;

use std::time::Duration;

use crate::install::Installation;
use crate::tls::{ClientAuth, TlsMaterial};
// Named by the documentation only.
#[cfg(doc)]
use crate::{Cluster, Error, Network, Node};

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

    /// More than one server: quorum settings and `server.N` lines are needed.
    fn is_ensemble(&self) -> bool {
        self.size + self.observers > 1
    }
}
