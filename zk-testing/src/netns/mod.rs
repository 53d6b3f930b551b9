//! [`Network`]: hosts in network namespaces of their own, joined by a bridge, with partitions
//! in either direction between any two of them.

mod guard;
mod plan;
mod rules;
mod setup;

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::process::{self, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::{Error, Result};
use guard::{Claim, Guard};
use plan::{MAX_HOSTS, Plan};

/// One side of a link in a [`Network`]: what a partition is between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// The root network namespace: the test process and everything in it (the client under
    /// test, the [`FaultProxy`](crate::FaultProxy)s), reached at the network's `.1` address.
    TestProcess,
    /// Server host `i` (node `i` of a [`Cluster`](crate::Cluster)).
    Node(usize),
    /// Client host `i`: an empty namespace for client processes
    /// ([`ClusterBuilder::client_namespaces`](crate::ClusterBuilder::client_namespaces)).
    Client(usize),
}

/// A private IPv4 network on this machine: every server (and client) host in a network
/// namespace of its own, all plugged into one bridge, and the test process in the root
/// namespace reaching them over a link of its own. Tests partition it in either direction.
///
/// A [`Cluster`](crate::Cluster) built with
/// [`network_namespaces`](crate::ClusterBuilder::network_namespaces) runs each server with
/// `ip netns exec` in its node's namespace and hands out the network as
/// [`Cluster::network`](crate::Cluster::network).
///
/// # Addresses
///
/// Each network takes one subnet `10.213.N.0/24` that no route of the machine covers:
///
/// | endpoint | address |
/// |---|---|
/// | [`TestProcess`](Endpoint::TestProcess) | `10.213.N.1`, on the root namespace's link `zk-testing-N` |
/// | [`Node(i)`](Endpoint::Node) | `10.213.N.(11+i)`, the service address clients use, and the control address `10.213.N.(111+i)` |
/// | [`Client(i)`](Endpoint::Client) | `10.213.N.(201+i)` |
///
/// The control address is only for the test process's own look at a node (four-letter words,
/// session expiry, readiness): a partition between a node and the test process never blocks
/// it, so a test can watch an isolated node's `srvr` mode. Traffic stays inside this
/// machine: the bridge has no other port, and nothing is forwarded or masqueraded.
///
/// # Partitions
///
/// [`block`](Network::block) drops every IPv4 packet one endpoint sends to another, in transit
/// on the bridge, while the other direction still flows: a true one-way partition. Nothing
/// tells either side; TCP connections stall and retransmit, and resume if the block is lifted
/// in time. Over TCP even a one-way block soon stalls a stream both ways: the receiver gets
/// the first segments, but its acknowledgements do not come back, so the sender stops sending
/// new data (what the tests of this crate show ZooKeeper making of it: a follower that cannot
/// send to its leader times out reading from it). [`partition`](Network::partition) blocks both directions between two groups,
/// [`isolate`](Network::isolate) one endpoint from all others, [`heal`](Network::heal) lifts
/// every block. Each change replaces the whole rule set in one nftables transaction.
///
/// ```no_run
/// use zk_testing::{Cluster, Endpoint};
///
/// let cluster = Cluster::builder().size(3).network_namespaces(true).start()?;
/// let net = cluster.network().expect("built with network namespaces");
/// let leader = cluster.leader().unwrap();
/// // The leader can neither reach nor be reached by the other nodes and the test process.
/// net.isolate(Endpoint::Node(leader))?;
/// // ...
/// net.heal()?;
/// // Node 0's packets to node 1 are dropped; node 1's to node 0 arrive.
/// net.block(Endpoint::Node(0), Endpoint::Node(1))?;
/// # Ok::<(), zk_testing::Error>(())
/// ```
///
/// # Cleanup
///
/// Dropping the network deletes its namespaces and its root link. A guard process removes
/// them too when the test process dies, SIGKILL included, as the servers' wrappers do (see
/// the crate documentation). Names embed the subnet number, which is claimed machine-wide, so
/// tests running in parallel (in one process or several) never collide.
///
/// # Requirements
///
/// Linux, root (or CAP_SYS_ADMIN and CAP_NET_ADMIN), `ip` from iproute2 and `nft` from
/// nftables. Without them [`Cluster`](crate::Cluster) start fails with
/// [`Error::NetnsUnavailable`].
#[derive(Debug)]
pub struct Network {
    plan: Plan,
    nodes: Vec<String>,
    clients: Vec<String>,
    blocked: Mutex<BTreeSet<(Endpoint, Endpoint)>>,
    _guard: Guard,
}

/// A node's namespace and addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeHost {
    pub(crate) netns: String,
    /// The service address: what clients and the other nodes use.
    pub(crate) address: Ipv4Addr,
    /// The control address: what the test process's own checks use.
    pub(crate) control: Ipv4Addr,
}

/// Spreads the starting subnet of the networks of one process, so that parallel tests do not
/// all contend for the same first one.
static NEXT: AtomicUsize = AtomicUsize::new(0);

impl Network {
    /// Creates a network with `nodes` server hosts and `clients` client hosts (each at most
    /// 50), on the first free subnet.
    ///
    /// # Errors
    ///
    /// [`Error::NetnsUnavailable`] when this machine cannot make network namespaces (not root,
    /// `ip` or `nft` missing), [`Error::InvalidConfig`] for too many hosts, [`Error::Netns`]
    /// when no subnet is free or a step of the setup fails (whatever was made is removed).
    pub fn create(nodes: usize, clients: usize) -> Result<Network> {
        if nodes > MAX_HOSTS || clients > MAX_HOSTS {
            return Err(Error::InvalidConfig(format!(
                "a network has at most {MAX_HOSTS} nodes and {MAX_HOSTS} client hosts"
            )));
        }
        if !cfg!(target_os = "linux") {
            return Err(Error::NetnsUnavailable(format!(
                "network namespaces are Linux only; {}",
                setup::NEEDS
            )));
        }
        setup::check_tools()?;
        let routes = setup::root_routes()?;
        let start = process::id() as usize * 37 + NEXT.fetch_add(1, Ordering::Relaxed) * 11;
        for offset in 0..256 {
            let subnet = u8::try_from((start + offset) % 256).expect("reduced modulo 256");
            if !setup::subnet_is_unrouted(&routes, subnet) {
                continue;
            }
            let plan = Plan::new(subnet, nodes, clients);
            let guard = match Guard::claim(&plan)
                .map_err(|e| Error::io("starting the network's guard shell", e))?
            {
                Claim::Claimed(guard) => guard,
                Claim::Taken => continue,
                Claim::Failed(why) => {
                    return Err(Error::NetnsUnavailable(format!(
                        "`ip netns add` failed: {why}; {}",
                        setup::NEEDS
                    )));
                }
            };
            // On failure, dropping the guard removes whatever was made.
            setup::build(&plan)?;
            let names = |f: fn(usize) -> Endpoint, n| {
                (0..n)
                    .map(|i| plan.netns(f(i)).expect("hosts have namespaces"))
                    .collect()
            };
            return Ok(Network {
                nodes: names(Endpoint::Node, nodes),
                clients: names(Endpoint::Client, clients),
                plan,
                blocked: Mutex::new(BTreeSet::new()),
                _guard: guard,
            });
        }
        Err(Error::Netns(format!(
            "no free subnet in {}.{}.0.0/16: every one is routed or held by another network",
            plan::BASE[0],
            plan::BASE[1]
        )))
    }

    /// Where node `i` lives, for its server's config and command line.
    pub(crate) fn node_host(&self, i: usize) -> NodeHost {
        NodeHost {
            netns: self.nodes[i].clone(),
            address: self.plan.address(Endpoint::Node(i)),
            control: self.plan.control_address(i),
        }
    }

    fn blocked_set(&self) -> MutexGuard<'_, BTreeSet<(Endpoint, Endpoint)>> {
        self.blocked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&self, endpoint: Endpoint) {
        assert!(
            self.plan.contains(endpoint),
            "{endpoint:?} is not part of this network ({} nodes, {} client hosts)",
            self.plan.nodes,
            self.plan.clients
        );
    }

    /// The subnet, as `10.213.N.0/24`.
    pub fn subnet(&self) -> String {
        self.plan.cidr()
    }

    /// The root namespace's link to the network (`zk-testing-N`), for inspection
    /// (`tcpdump -i`).
    pub fn root_link(&self) -> String {
        self.plan.root_link()
    }

    /// The namespace holding the bridge and the nftables rules (`zk-testing-N-switch`), for
    /// inspection: `ip netns exec <it> nft list ruleset`.
    pub fn switch_netns(&self) -> String {
        self.plan.switch_netns()
    }

    /// Every endpoint: the test process, the nodes, then the client hosts.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.plan.endpoints()
    }

    /// The address an endpoint is reached at: the test process's link address, a node's
    /// service address (the one in the connect string), a client host's address.
    ///
    /// # Panics
    ///
    /// When the endpoint is not part of this network.
    pub fn address(&self, endpoint: Endpoint) -> Ipv4Addr {
        self.check(endpoint);
        self.plan.address(endpoint)
    }

    /// Node `i`'s control address, which no partition between it and the test process blocks
    /// (see the type's documentation).
    ///
    /// # Panics
    ///
    /// When there is no node `i`.
    pub fn control_address(&self, i: usize) -> Ipv4Addr {
        self.check(Endpoint::Node(i));
        self.plan.control_address(i)
    }

    /// The name of an endpoint's namespace (for `ip netns exec`); `None` for the test
    /// process, which lives in the root namespace.
    ///
    /// # Panics
    ///
    /// When the endpoint is not part of this network.
    pub fn netns(&self, endpoint: Endpoint) -> Option<&str> {
        self.check(endpoint);
        match endpoint {
            Endpoint::TestProcess => None,
            Endpoint::Node(i) => Some(&self.nodes[i]),
            Endpoint::Client(i) => Some(&self.clients[i]),
        }
    }

    /// A command that runs `program` inside an endpoint's namespace (`ip netns exec <ns>
    /// program`); for the test process, plain `program`. `ip` execs the program, so the
    /// child's pid is the program's. The caller owns the process: kill it before the network
    /// is dropped (a process left in a namespace keeps it, without its link, alive).
    ///
    /// # Panics
    ///
    /// When the endpoint is not part of this network.
    pub fn command(&self, endpoint: Endpoint, program: impl AsRef<std::ffi::OsStr>) -> Command {
        match self.netns(endpoint) {
            None => Command::new(program),
            Some(netns) => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", netns]).arg(program);
                command
            }
        }
    }

    /// The blocked directions, as `(from, to)` pairs: `from`'s packets to `to` are dropped.
    pub fn blocked(&self) -> Vec<(Endpoint, Endpoint)> {
        self.blocked_set().iter().copied().collect()
    }

    /// Whether `from`'s packets to `to` are dropped.
    pub fn is_blocked(&self, from: Endpoint, to: Endpoint) -> bool {
        self.blocked_set().contains(&(from, to))
    }

    /// Changes the blocked set with `change` and applies it; the set is only kept when the
    /// rules were applied.
    fn update(&self, change: impl FnOnce(&mut BTreeSet<(Endpoint, Endpoint)>)) -> Result<()> {
        let mut blocked = self.blocked_set();
        let mut next = blocked.clone();
        change(&mut next);
        // Traffic inside one namespace never crosses the bridge.
        next.retain(|(from, to)| from != to);
        if next != *blocked {
            setup::apply(&self.plan, &next)?;
            *blocked = next;
        }
        Ok(())
    }

    /// Drops every packet `from` sends to `to`; `to`'s packets to `from` still arrive (unless
    /// blocked too). A pair of the same endpoint is ignored.
    ///
    /// # Errors
    ///
    /// [`Error::Netns`] when `nft` fails; the previous rules then stay in force.
    ///
    /// # Panics
    ///
    /// When an endpoint is not part of this network.
    pub fn block(&self, from: Endpoint, to: Endpoint) -> Result<()> {
        self.check(from);
        self.check(to);
        self.update(|set| {
            set.insert((from, to));
        })
    }

    /// Lets `from`'s packets to `to` through again.
    ///
    /// # Errors
    ///
    /// [`Error::Netns`] when `nft` fails; the previous rules then stay in force.
    ///
    /// # Panics
    ///
    /// When an endpoint is not part of this network.
    pub fn unblock(&self, from: Endpoint, to: Endpoint) -> Result<()> {
        self.check(from);
        self.check(to);
        self.update(|set| {
            set.remove(&(from, to));
        })
    }

    /// Blocks both directions between every endpoint of `side_a` and every endpoint of
    /// `side_b`, in one change. Blocks already in force stay.
    ///
    /// # Errors
    ///
    /// [`Error::Netns`] when `nft` fails; the previous rules then stay in force.
    ///
    /// # Panics
    ///
    /// When an endpoint is not part of this network.
    pub fn partition(&self, side_a: &[Endpoint], side_b: &[Endpoint]) -> Result<()> {
        side_a.iter().chain(side_b).for_each(|&e| self.check(e));
        self.update(|set| {
            for &a in side_a {
                for &b in side_b {
                    set.insert((a, b));
                    set.insert((b, a));
                }
            }
        })
    }

    /// Blocks both directions between `endpoint` and every other endpoint, the test process
    /// included (whose look at nodes through their control addresses goes on).
    ///
    /// # Errors
    ///
    /// [`Error::Netns`] when `nft` fails; the previous rules then stay in force.
    ///
    /// # Panics
    ///
    /// When the endpoint is not part of this network.
    pub fn isolate(&self, endpoint: Endpoint) -> Result<()> {
        let others: Vec<Endpoint> = self
            .endpoints()
            .into_iter()
            .filter(|&e| e != endpoint)
            .collect();
        self.partition(&[endpoint], &others)
    }

    /// Lifts every block.
    ///
    /// # Errors
    ///
    /// [`Error::Netns`] when `nft` fails; the previous rules then stay in force.
    pub fn heal(&self) -> Result<()> {
        self.update(BTreeSet::clear)
    }
}
