//! What a node is started with: its `zoo.cfg`, its system properties and its Java command
//! line. Pure functions of the settings and the plan, tested without starting anything.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::{ClusterBuilder, DEFAULT_JVM_ARGS, MAIN_CLASS};
use crate::install::Installation;
use crate::netns::NodeHost;
use crate::tls::TlsFiles;

impl ClusterBuilder {
    /// The `zoo.cfg` of one node.
    pub(super) fn zoo_cfg(
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
    pub(super) fn system_properties(&self, dir: &Path) -> Entries {
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
    pub(super) fn command(
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
pub(super) struct Plan {
    pub(super) index: usize,
    pub(super) server_id: u32,
    pub(super) observer: bool,
    pub(super) client_port: u16,
    pub(super) secure_port: Option<u16>,
    pub(super) peer_ports: Option<(u16, u16)>,
    /// The node's namespace and addresses, with network namespaces.
    pub(super) host: Option<NodeHost>,
}

/// Ordered key/value entries where setting a key again replaces its value in place.
#[derive(Debug, Default)]
pub(super) struct Entries(Vec<(String, String)>);

impl Entries {
    pub(super) fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
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
    use crate::error::Error;
    use crate::tls::{ClientAuth, TlsMaterial};

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
