//! Runs kazoo (Debian's python3-kazoo, under /usr/bin/python3) beside the Rust code.
//!
//! A script gets a started `KazooClient` named `zk` on the test's connect string (chroot
//! included), `say(*args)` to print a line the test reads, and `hear()` to read a line the
//! test sends, so the two sides can take turns.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const PRELUDE: &str = r#"
import os, sys, time
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_CONNECT"], timeout=10)
zk.start(timeout=15)
def say(*args):
    print(*args, flush=True)
def hear():
    line = sys.stdin.readline()
    if not line:
        sys.exit(0)
    return line.strip()
"#;

const EPILOGUE: &str = "\nzk.stop()\nzk.close()\n";

/// A running kazoo script.
pub struct Kazoo {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Kazoo {
    /// Starts `script` against `connect`.
    pub fn start(connect: &str, script: &str) -> Kazoo {
        let program = format!("{PRELUDE}\n{}\n{EPILOGUE}", dedent(script));
        let mut child = Command::new("/usr/bin/python3")
            .arg("-u")
            .arg("-c")
            .arg(program)
            .env("ZK_CONNECT", connect)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("/usr/bin/python3 with python3-kazoo (scripts/install-deps.sh installs it)");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Kazoo {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    /// The next line the script says.
    pub fn hear(&mut self, limit: Duration) -> String {
        self.lines
            .recv_timeout(limit)
            .unwrap_or_else(|e| panic!("kazoo said nothing within {limit:?}: {e}"))
    }

    /// Sends a line to the script's `hear()`.
    pub fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write to kazoo");
        stdin.flush().expect("flush to kazoo");
    }

    /// Waits for the script to finish and checks it succeeded; returns what it said.
    pub fn finish(mut self) -> Vec<String> {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for kazoo");
        assert!(status.success(), "the kazoo script failed: {status}");
        self.lines.try_iter().collect()
    }
}

impl Drop for Kazoo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a script to completion; returns what it said.
pub fn run(connect: &str, script: &str) -> Vec<String> {
    Kazoo::start(connect, script).finish()
}

/// Removes the common indentation, so scripts can be written indented in Rust source.
fn dedent(script: &str) -> String {
    let indent = script
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    script
        .lines()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
