//! The `/bin/sh` guard that claims a subnet and tears its network down, so no namespace,
//! link or route outlives the test process.
//!
//! It works as the server wrapper does (see `wrapper.rs`): the guard runs in its own process
//! group with a pipe from this process as its stdin, and tears everything down when that pipe
//! reaches end of file: when the [`Network`](super::Network) is dropped, and when this process
//! dies in any way, SIGKILL included, since the kernel then closes the pipe.
//!
//! The guard also makes the claim: it creates the switch namespace, whose name embeds the
//! subnet number, with `ip netns add`, which fails when the name exists. So the claim and the
//! duty to undo it begin in the same process, and nothing is made before someone owns its
//! removal. Teardown removes the switch namespace last: while it exists, its subnet is taken.

use std::io::{self, BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};

use super::plan::Plan;

/// `$1` = the switch namespace, `$2` = the root link, the rest = the host namespaces.
///
/// Deleting a namespace frees it once no process runs in it (the servers are killed by their
/// own wrappers); its veth ends go with it, and with them their peers. The root link is
/// deleted explicitly anyway, so the root namespace is clean even while a stray process keeps
/// a host namespace alive.
const SCRIPT: &str = r#"sw=$1
link=$2
shift 2
teardown() {
    ip link del "$link" 2>/dev/null
    for ns in "$@"; do ip netns del "$ns" 2>/dev/null; done
    ip netns del "$sw" 2>/dev/null
}
if ! err=$(ip netns add "$sw" 2>&1); then
    case $err in
        *"File exists"*) echo taken ;;
        *) printf 'failed %s\n' "$(printf '%s' "$err" | tr '\n' ' ')" ;;
    esac
    exit 0
fi
trap 'teardown "$@"; exit 143' TERM HUP
trap '' PIPE
echo claimed
while IFS= read -r line; do :; done
teardown "$@"
"#;

/// What claiming a subnet gave.
#[derive(Debug)]
pub(crate) enum Claim {
    /// The subnet is ours; dropping the guard tears it down.
    Claimed(Guard),
    /// Another network (of this process or another) holds it.
    Taken,
    /// Creating a namespace failed: what `ip` said (not root, say).
    Failed(String),
}

/// A running guard; dropping it tears the network down and waits until that is done.
#[derive(Debug)]
pub(crate) struct Guard {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Guard {
    /// Starts a guard for `plan` and lets it claim the subnet.
    pub(crate) fn claim(plan: &Plan) -> io::Result<Claim> {
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg("zk-testing-netns-guard")
            .arg(plan.switch_netns())
            .arg(plan.root_link())
            .args(plan.host_netns())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout is piped")).read_line(&mut line)?;
        let line = line.trim();
        if line == "claimed" {
            return Ok(Claim::Claimed(Guard { child, stdin }));
        }
        drop(stdin);
        let _ = child.wait();
        Ok(match line.strip_prefix("failed ") {
            Some(why) => Claim::Failed(why.trim().to_owned()),
            None if line == "taken" => Claim::Taken,
            None => Claim::Failed(format!("the guard shell said {line:?}")),
        })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.wait();
    }
}
