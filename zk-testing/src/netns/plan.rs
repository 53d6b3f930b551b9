//! The names and addresses of one test network, all derived from its subnet number.
//!
//! Network `N` is `10.213.N.0/24`. The subnet number is claimed machine-wide (see
//! [`guard`](super::guard)), so it also makes every name unique: parallel tests, in this
//! process or another, never share a namespace, a link or an address.

use std::net::Ipv4Addr;

use super::Endpoint;

/// The first two octets of every test network: private (RFC 1918) and, being this specific,
/// unlikely to be routed on a test machine. Subnets that are routed are skipped.
pub(crate) const BASE: [u8; 2] = [10, 213];

/// The most nodes, and separately the most client hosts, one network has: their host
/// numbers must fit in their block of the /24.
pub(crate) const MAX_HOSTS: usize = 50;

/// Host numbers inside the /24.
const ROOT_HOST: u8 = 1;
const NODE_HOST: u8 = 11;
const CONTROL_HOST: u8 = 111;
const CLIENT_HOST: u8 = 201;

/// One network's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) subnet: u8,
    pub(crate) nodes: usize,
    pub(crate) clients: usize,
}

impl Plan {
    /// A layout for `nodes` server hosts and `clients` client hosts on subnet `subnet`.
    /// Both counts must be at most [`MAX_HOSTS`].
    pub(crate) fn new(subnet: u8, nodes: usize, clients: usize) -> Plan {
        assert!(nodes <= MAX_HOSTS && clients <= MAX_HOSTS);
        Plan {
            subnet,
            nodes,
            clients,
        }
    }

    fn prefix(&self) -> String {
        format!("zk-testing-{}", self.subnet)
    }

    /// The namespace holding the bridge every host is plugged into. Its name is the claim on
    /// the subnet: `ip netns add` fails when the name exists.
    pub(crate) fn switch_netns(&self) -> String {
        format!("{}-switch", self.prefix())
    }

    /// The root namespace's end of the link to the bridge. Interface names have at most 15
    /// bytes: `zk-testing-255` has 14.
    pub(crate) fn root_link(&self) -> String {
        self.prefix()
    }

    /// The namespace of an endpoint; `None` for the test process (the root namespace).
    pub(crate) fn netns(&self, endpoint: Endpoint) -> Option<String> {
        match endpoint {
            Endpoint::TestProcess => None,
            Endpoint::Node(i) => Some(format!("{}-node{i}", self.prefix())),
            Endpoint::Client(i) => Some(format!("{}-client{i}", self.prefix())),
        }
    }

    /// Every endpoint: the test process, the nodes, then the client hosts.
    pub(crate) fn endpoints(&self) -> Vec<Endpoint> {
        std::iter::once(Endpoint::TestProcess)
            .chain((0..self.nodes).map(Endpoint::Node))
            .chain((0..self.clients).map(Endpoint::Client))
            .collect()
    }

    /// Whether the endpoint belongs to this network.
    pub(crate) fn contains(&self, endpoint: Endpoint) -> bool {
        match endpoint {
            Endpoint::TestProcess => true,
            Endpoint::Node(i) => i < self.nodes,
            Endpoint::Client(i) => i < self.clients,
        }
    }

    /// The namespaces of the hosts (not the switch), nodes first.
    pub(crate) fn host_netns(&self) -> Vec<String> {
        self.endpoints()
            .into_iter()
            .filter_map(|e| self.netns(e))
            .collect()
    }

    fn host(&self, n: usize) -> Ipv4Addr {
        let n = u8::try_from(n).expect("host numbers fit the /24");
        Ipv4Addr::new(BASE[0], BASE[1], self.subnet, n)
    }

    /// An endpoint's address: the root link's for the test process, a node's service
    /// address, a client host's address.
    pub(crate) fn address(&self, endpoint: Endpoint) -> Ipv4Addr {
        match endpoint {
            Endpoint::TestProcess => self.host(ROOT_HOST.into()),
            Endpoint::Node(i) => self.host(usize::from(NODE_HOST) + i),
            Endpoint::Client(i) => self.host(usize::from(CLIENT_HOST) + i),
        }
    }

    /// Node `i`'s second address, which only the test process uses (four-letter words,
    /// session expiry) and which no partition between the node and the test process touches.
    pub(crate) fn control_address(&self, i: usize) -> Ipv4Addr {
        self.host(usize::from(CONTROL_HOST) + i)
    }

    /// The subnet in CIDR notation.
    pub(crate) fn cidr(&self) -> String {
        format!("{}.{}.{}.0/24", BASE[0], BASE[1], self.subnet)
    }
}

/// Whether `prefix` (`a.b.c.d` or `a.b.c.d/len`, as `ip route` prints destinations) overlaps
/// subnet `subnet` of [`BASE`].
pub(crate) fn overlaps(prefix: &str, subnet: u8) -> bool {
    let (addr, len) = match prefix.split_once('/') {
        Some((addr, len)) => (addr, len.parse::<u32>().ok()),
        None => (prefix, Some(32)),
    };
    let (Ok(addr), Some(len)) = (addr.parse::<Ipv4Addr>(), len) else {
        return false;
    };
    let len = len.min(32);
    let ours = u32::from(Ipv4Addr::new(BASE[0], BASE[1], subnet, 0));
    // Two prefixes overlap when they agree on the shorter one's bits.
    let shorter = len.min(24);
    let mask = if shorter == 0 {
        0
    } else {
        u32::MAX << (32 - shorter)
    };
    (u32::from(addr) & mask) == (ours & mask)
}

/// The destinations of `ip -4 route show table all` output: the first field, or the second
/// after a route type (`local 10.0.0.1 dev lo ...`). `default` is left out: it is a fallback,
/// and our own /24 is more specific.
pub(crate) fn route_destinations(output: &str) -> Vec<&str> {
    const TYPES: &[&str] = &[
        "unicast",
        "local",
        "broadcast",
        "multicast",
        "throw",
        "unreachable",
        "prohibit",
        "blackhole",
        "nat",
        "anycast",
    ];
    output
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let first = fields.next()?;
            let dest = if TYPES.contains(&first) {
                fields.next()?
            } else {
                first
            };
            (dest != "default").then_some(dest)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses() {
        let plan = Plan::new(7, 3, 1);
        assert_eq!(plan.switch_netns(), "zk-testing-7-switch");
        assert_eq!(plan.root_link(), "zk-testing-7");
        assert!(Plan::new(255, 0, 0).root_link().len() <= 15);
        assert_eq!(plan.netns(Endpoint::TestProcess), None);
        assert_eq!(
            plan.netns(Endpoint::Node(2)).as_deref(),
            Some("zk-testing-7-node2")
        );
        assert_eq!(
            plan.host_netns(),
            [
                "zk-testing-7-node0",
                "zk-testing-7-node1",
                "zk-testing-7-node2",
                "zk-testing-7-client0"
            ]
        );
        assert_eq!(
            plan.address(Endpoint::TestProcess),
            Ipv4Addr::new(10, 213, 7, 1)
        );
        assert_eq!(
            plan.address(Endpoint::Node(0)),
            Ipv4Addr::new(10, 213, 7, 11)
        );
        assert_eq!(plan.control_address(2), Ipv4Addr::new(10, 213, 7, 113));
        assert_eq!(
            plan.address(Endpoint::Client(0)),
            Ipv4Addr::new(10, 213, 7, 201)
        );
        // The blocks do not run into each other at the limits.
        let full = Plan::new(1, MAX_HOSTS, MAX_HOSTS);
        assert!(full.address(Endpoint::Node(MAX_HOSTS - 1)).octets()[3] < CONTROL_HOST);
        assert!(full.control_address(MAX_HOSTS - 1).octets()[3] < CLIENT_HOST);
        assert_eq!(
            full.address(Endpoint::Client(MAX_HOSTS - 1)).octets()[3],
            250
        );
        assert!(plan.contains(Endpoint::Node(2)) && !plan.contains(Endpoint::Node(3)));
        assert!(!plan.contains(Endpoint::Client(1)));
        assert_eq!(plan.cidr(), "10.213.7.0/24");
    }

    #[test]
    fn route_overlap() {
        assert!(overlaps("10.213.7.0/24", 7));
        assert!(overlaps("10.213.7.1", 7));
        assert!(overlaps("10.0.0.0/8", 7));
        assert!(overlaps("0.0.0.0/0", 7));
        assert!(overlaps("10.213.7.128/25", 7));
        assert!(!overlaps("10.213.8.0/24", 7));
        assert!(!overlaps("192.0.2.0/24", 7));
        assert!(!overlaps("10.213.6.0/24", 7));
        assert!(!overlaps("garbage", 7));
        assert!(!overlaps("10.1.2.3/xx", 7));
        let routes = "default via 192.0.2.1 dev eth0\n\
                      192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2\n\
                      local 10.213.3.1 dev zk-testing-3 table local proto kernel\n\
                      broadcast 127.255.255.255 dev lo table local\n";
        assert_eq!(
            route_destinations(routes),
            ["192.0.2.0/24", "10.213.3.1", "127.255.255.255"]
        );
    }
}
