//! Running the built `zk` against the shared test server, each test in a chroot of its own.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use zk_client_blocking::Client;

/// The binary under test.
pub(crate) const ZK: &str = env!("CARGO_BIN_EXE_zk");

/// A chroot of its own on the shared server, a client on it for setting up and checking, and
/// the connect string the binary is given.
pub(crate) struct Zk {
    /// `host:port,.../chroot`.
    pub(crate) connect: String,
    /// A client on the same chroot.
    pub(crate) client: Client,
}

impl Zk {
    /// A fresh chroot (created here: ZooKeeper does not create one by itself).
    pub(crate) fn new(prefix: &str) -> Zk {
        let hosts = zk_testing::shared_connect_string();
        let chroot = zk_testing::unique_chroot(prefix);
        let root = zk_client_blocking::connect(&hosts).expect("connect to the test server");
        root.create(&chroot, Vec::new()).expect("create the chroot");
        root.close();
        let connect = format!("{hosts}{chroot}");
        let client = zk_client_blocking::connect(&connect).expect("connect in the chroot");
        Zk { connect, client }
    }

    /// `zk --server CONNECT args...`, waited for.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, b"")
    }

    /// The same, with `stdin` as its standard input.
    pub(crate) fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut all = vec!["--server", &self.connect];
        all.extend_from_slice(args);
        run_with_stdin(&all, stdin)
    }

    /// Creates a node with data (parents included) through the test's own client.
    pub(crate) fn put(&self, path: &str, data: &[u8]) {
        let options = zk_client_blocking::CreateOptions::default().with_parents();
        self.client
            .create_with(path, data.to_vec(), &options)
            .unwrap_or_else(|e| panic!("create {path}: {e}"));
    }
}

/// What a run of the binary left: exit code and output.
#[derive(Debug)]
pub(crate) struct Run {
    /// The exit code (`-1` if killed by a signal).
    pub(crate) code: i32,
    /// Stdout, bytes.
    pub(crate) stdout_bytes: Vec<u8>,
    /// Stdout as text (lossy).
    pub(crate) stdout: String,
    /// Stderr as text (lossy).
    pub(crate) stderr: String,
}

impl Run {
    fn from_output(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stdout_bytes: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts exit code 0 and returns itself.
    #[track_caller]
    pub(crate) fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        self
    }

    /// Stdout parsed as one JSON document.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }

    /// Stdout's lines.
    pub(crate) fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

/// `zk args...` with no `--server` and no `ZK_CONNECT` from the environment.
pub(crate) fn run(args: &[&str]) -> Run {
    run_with_stdin(args, b"")
}

/// `zk args...` with `stdin` as its standard input, no `--server` and no `ZK_CONNECT`.
pub(crate) fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start zk");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    Run::from_output(child.wait_with_output().expect("wait for zk"))
}

/// The binary, with a clean environment for its connection.
pub(crate) fn command() -> Command {
    let mut command = Command::new(ZK);
    command.env_remove("ZK_CONNECT").env_remove("ZK_AUTH");
    command
}

/// A loopback address where nothing listens: a port the kernel handed out, then let go.
pub(crate) fn dead_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    address.to_string()
}

/// A `zk watch` running in the background.
pub(crate) struct Watcher {
    child: std::process::Child,
    stderr: std::io::BufReader<std::process::ChildStderr>,
    /// What stderr said up to and including the readiness line.
    said: String,
}

impl Watcher {
    /// Starts `zk --server CONNECT watch args...` and returns once it says the watch is set
    /// (`watching PATH` on stderr): from then on no change is missed.
    pub(crate) fn start(zk: &Zk, args: &[&str]) -> Watcher {
        use std::io::BufRead;
        let mut child = command()
            .args(["--server", &zk.connect, "watch"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zk watch");
        let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
        let mut said = String::new();
        loop {
            let mut line = String::new();
            let n = stderr.read_line(&mut line).expect("read stderr");
            said.push_str(&line);
            if line.starts_with("watching ") {
                break;
            }
            assert!(n > 0, "zk watch ended before the watch was set: {said}");
        }
        Watcher {
            child,
            stderr,
            said,
        }
    }

    /// Waits for the command to end by itself.
    pub(crate) fn finish(mut self) -> Run {
        use std::io::Read;
        let mut rest = String::new();
        self.stderr.read_to_string(&mut rest).expect("read stderr");
        let output = self.child.wait_with_output().expect("wait for zk watch");
        let mut run = Run::from_output(output);
        run.stderr = self.said + &rest;
        run
    }
}
