//! Starting a cluster: ports, data directories, the servers, and waiting until they serve.

use std::fs;
use std::path::Path;
use std::time::Instant;

use super::render::Plan;
use super::{ClusterBuilder, START_ATTEMPTS};
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::install::Installation;
use crate::netns::Network;
use crate::node::{Node, NodeSpec};
use crate::ports::Ports;
use crate::tls::{TlsFiles, TlsMaterial};

impl ClusterBuilder {
    /// Starts every server and waits until all of them serve; same as
    /// [`start`](ClusterBuilder::start).
    ///
    /// # Errors
    ///
    /// As [`start`](ClusterBuilder::start).
    pub fn build(self) -> Result<Cluster> {
        self.start()
    }

    /// Starts every server and waits until all of them serve.
    ///
    /// Each node gets its own temporary directory and free loopback ports; when a server
    /// fails because a port was taken in the meantime, the whole start is retried with new
    /// ports (up to 3 times).
    ///
    /// # Errors
    ///
    /// [`Error::JavaNotFound`] or [`Error::ZooKeeperNotFound`] when there is nothing to run;
    /// [`Error::InvalidConfig`] for settings that describe no cluster; [`Error::Server`] (with
    /// the end of the server's log) when a server exits or does not serve within the
    /// [`start_timeout`](ClusterBuilder::start_timeout).
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
}
