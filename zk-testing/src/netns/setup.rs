//! Building a claimed network with `ip` and `nft`: the switch, the root link, the hosts.
//!
//! ```text
//!  root namespace            switch namespace             host namespaces
//!  zk-testing-N  ---veth---  uplink ┐
//!  10.213.N.1/24                    ├ br0 ┬ node0 ---veth--- eth0  10.213.N.11, .111
//!                                   │     ├ node1 ---veth--- eth0  10.213.N.12, .112
//!                                   │     └ client0 -veth--- eth0  10.213.N.201
//! ```
//!
//! The root link's address gives the root namespace a connected route to the /24, so the
//! test process reaches every host directly; nothing else in the root namespace changes (no
//! forwarding, no firewall rule, no IPv6 address on the link).

use std::io::{ErrorKind, Write};
use std::process::{Command, Stdio};

use super::Endpoint;
use super::plan::{Plan, overlaps, route_destinations};
use super::rules;
use crate::error::{Error, Result};

/// What to say when the machine cannot make namespaces.
pub(crate) const NEEDS: &str = "network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN), \
     iproute2's `ip` and nftables' `nft`; scripts/install-deps.sh installs the tools";

/// Fails with [`Error::NetnsUnavailable`] unless `ip` and `nft` can be run.
pub(crate) fn check_tools() -> Result<()> {
    for (tool, flag, package) in [("ip", "-V", "iproute2"), ("nft", "--version", "nftables")] {
        match Command::new(tool)
            .arg(flag)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(Error::NetnsUnavailable(format!(
                    "`{tool}` is not installed (Debian package {package}); {NEEDS}"
                )));
            }
            Err(e) => {
                return Err(Error::NetnsUnavailable(format!(
                    "cannot run `{tool}`: {e}; {NEEDS}"
                )));
            }
        }
    }
    Ok(())
}

/// The destinations routed in the root namespace, to keep clear of.
pub(crate) fn root_routes() -> Result<String> {
    let output = Command::new("ip")
        .args(["-4", "route", "show", "table", "all"])
        .stderr(Stdio::null())
        .output()
        .map_err(|e| Error::io("listing routes with `ip route`", e))?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Whether subnet `subnet` is free of the routes listed in `routes`.
pub(crate) fn subnet_is_unrouted(routes: &str, subnet: u8) -> bool {
    !route_destinations(routes)
        .iter()
        .any(|dest| overlaps(dest, subnet))
}

/// Runs one command; fails with [`Error::Netns`] carrying its stderr.
fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Result<()> {
    let what = || format!("`{program} {}`", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Netns(format!("{}: {e}", what())))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| Error::Netns(format!("{}: writing its input: {e}", what())))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| Error::Netns(format!("{}: {e}", what())))?;
    if output.status.success() {
        return Ok(());
    }
    Err(Error::Netns(format!(
        "{} failed ({}): {}",
        what(),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    )))
}

fn ip(args: &[&str]) -> Result<()> {
    run("ip", args, None)
}

/// Runs an `nft -f` script inside namespace `netns`.
pub(crate) fn nft(netns: &str, script: &str) -> Result<()> {
    run(
        "ip",
        &["netns", "exec", netns, "nft", "-f", "-"],
        Some(script),
    )
}

/// Removes what an owner of this subnet that died without its guard may have left (a
/// guard removes the switch namespace last, so the claim we hold means they are orphans).
fn remove_orphans(plan: &Plan) {
    let quiet = |args: &[&str]| {
        let _ = Command::new("ip")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    };
    quiet(&["link", "del", &plan.root_link()]);
    for netns in plan.host_netns() {
        quiet(&["netns", "del", &netns]);
    }
}

/// Builds the claimed network: the bridge and its rule table in the switch namespace, the
/// root link, and every host with its addresses.
pub(crate) fn build(plan: &Plan) -> Result<()> {
    remove_orphans(plan);
    let sw = plan.switch_netns();
    let root = plan.root_link();
    ip(&["-n", &sw, "link", "add", "br0", "type", "bridge"])?;
    ip(&["-n", &sw, "link", "set", "br0", "up"])?;
    nft(&sw, &rules::create_table())?;

    ip(&[
        "link", "add", &root, "type", "veth", "peer", "name", "uplink", "netns", &sw,
    ])?;
    ip(&["-n", &sw, "link", "set", "uplink", "master", "br0", "up"])?;
    // No IPv6 link-local address: the root namespace gets nothing it does not need.
    ip(&["link", "set", &root, "addrgenmode", "none"])?;
    let root_cidr = format!("{}/24", plan.address(Endpoint::TestProcess));
    ip(&["addr", "add", &root_cidr, "dev", &root])?;
    ip(&["link", "set", &root, "up"])?;

    for endpoint in plan.endpoints() {
        let Some(netns) = plan.netns(endpoint) else {
            continue;
        };
        let port = match endpoint {
            Endpoint::Node(i) => format!("node{i}"),
            Endpoint::Client(i) => format!("client{i}"),
            Endpoint::TestProcess => unreachable!("the test process has no namespace"),
        };
        ip(&["netns", "add", &netns])?;
        ip(&[
            "-n", &sw, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns",
            &netns,
        ])?;
        ip(&["-n", &sw, "link", "set", &port, "master", "br0", "up"])?;
        ip(&["-n", &netns, "link", "set", "lo", "up"])?;
        // The service address first: it is the primary one, the source of every connection
        // the host opens.
        let mut addresses = vec![plan.address(endpoint)];
        if let Endpoint::Node(i) = endpoint {
            addresses.push(plan.control_address(i));
        }
        for address in addresses {
            let cidr = format!("{address}/24");
            ip(&["-n", &netns, "addr", "add", &cidr, "dev", "eth0"])?;
        }
        ip(&["-n", &netns, "link", "set", "eth0", "up"])?;
    }
    Ok(())
}

/// Applies the rules for `blocked` in the switch namespace.
pub(crate) fn apply(
    plan: &Plan,
    blocked: &std::collections::BTreeSet<(Endpoint, Endpoint)>,
) -> Result<()> {
    nft(&plan.switch_netns(), &rules::replace_rules(plan, blocked))
}
