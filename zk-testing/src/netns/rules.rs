//! The nftables rules that drop the blocked directions, as `nft -f` scripts.
//!
//! They live in the switch namespace, in a `bridge` table whose `forward` chain sees every
//! frame the bridge passes from one host's port to another's. Dropping there, in transit, is a
//! true silent loss in one direction: the sender's stack sends, nothing arrives, and no error
//! comes back to either side. (Dropping in a host's own `output` hook would fail the sender's
//! `send` with `EPERM`, which no real network does; link down would cut both directions of
//! every peer at once.) Only IPv4 is matched, so ARP still resolves neighbours, as behind a
//! real firewall.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use super::Endpoint;
use super::plan::Plan;

const TABLE: &str = "bridge zk_testing";

/// Creates the table and its empty chain (everything passes).
pub(crate) fn create_table() -> String {
    format!(
        "add table {TABLE}\n\
         add chain {TABLE} forward {{ type filter hook forward priority 0; policy accept; }}\n"
    )
}

/// Replaces every rule with one drop per blocked `(from, to)` pair. `nft -f` applies a script
/// as one transaction, so no packet sees a half-updated set.
pub(crate) fn replace_rules(plan: &Plan, blocked: &BTreeSet<(Endpoint, Endpoint)>) -> String {
    let mut script = format!("flush chain {TABLE} forward\n");
    for &(from, to) in blocked {
        let _ = writeln!(
            script,
            "add rule {TABLE} forward ip saddr {} ip daddr {} drop",
            set(&addresses(plan, from, to)),
            set(&addresses(plan, to, from)),
        );
    }
    script
}

/// The addresses `endpoint` sends from or is reached at, for traffic with `peer`.
///
/// A node is known by both its addresses to other hosts (should its stack ever pick the
/// control address as a source), but only by its service address to the test process: the
/// control address is how the test process watches nodes through any partition.
fn addresses(plan: &Plan, endpoint: Endpoint, peer: Endpoint) -> Vec<Ipv4Addr> {
    match (endpoint, peer) {
        (Endpoint::Node(i), peer) if peer != Endpoint::TestProcess => {
            vec![plan.address(endpoint), plan.control_address(i)]
        }
        _ => vec![plan.address(endpoint)],
    }
}

fn set(addresses: &[Ipv4Addr]) -> String {
    let list: Vec<String> = addresses.iter().map(Ipv4Addr::to_string).collect();
    format!("{{ {} }}", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_per_blocked_direction() {
        let plan = Plan::new(9, 3, 1);
        let blocked: BTreeSet<_> = [
            (Endpoint::Node(0), Endpoint::Node(1)),
            (Endpoint::TestProcess, Endpoint::Node(2)),
            (Endpoint::Node(2), Endpoint::TestProcess),
            (Endpoint::Client(0), Endpoint::Node(0)),
        ]
        .into_iter()
        .collect();
        let script = replace_rules(&plan, &blocked);
        let lines: Vec<&str> = script.lines().collect();
        assert_eq!(
            lines,
            [
                "flush chain bridge zk_testing forward",
                "add rule bridge zk_testing forward ip saddr { 10.213.9.1 } ip daddr { 10.213.9.13 } drop",
                "add rule bridge zk_testing forward ip saddr { 10.213.9.11, 10.213.9.111 } ip daddr { 10.213.9.12, 10.213.9.112 } drop",
                "add rule bridge zk_testing forward ip saddr { 10.213.9.13 } ip daddr { 10.213.9.1 } drop",
                "add rule bridge zk_testing forward ip saddr { 10.213.9.201 } ip daddr { 10.213.9.11, 10.213.9.111 } drop",
            ]
        );
        // Healing is an empty rule set.
        assert_eq!(
            replace_rules(&plan, &BTreeSet::new()),
            "flush chain bridge zk_testing forward\n"
        );
        assert!(create_table().contains("hook forward"));
    }
}
