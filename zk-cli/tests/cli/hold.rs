//! lock and elect: a command run under a kazoo lock or leadership.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};

use zk_testing::Cluster;

use crate::support::{Zk, command};

/// Starts `zk ARGS` whose command waits for a line on its stdin, and returns once it runs
/// (the lock is held): its first line of output is "running".
pub(crate) fn start_holder(
    connect: &str,
    args: &[&str],
) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = command()
        .args(["--server", connect])
        .args(args)
        .args(["--", "sh", "-c", "echo running; read line; exit 42"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "running\n");
    (child, stdout)
}

#[test]
fn a_lock_runs_the_command_and_exits_with_its_code() {
    let zk = Zk::new("lock");
    let run = zk.run(&[
        "lock",
        "/locks/job",
        "--",
        "sh",
        "-c",
        "echo inside; exit 42",
    ]);
    assert_eq!(run.code, 42, "{run:?}");
    assert_eq!(run.stdout, "inside\n");
    assert!(run.stderr.starts_with("holding lock /locks/job"), "{run:?}");
    // Released: no contender is left.
    assert_eq!(
        zk.client.get_children("/locks/job").unwrap(),
        Vec::<String>::new()
    );
    let missing = zk.run(&["lock", "/locks/job", "--", "/nonexistent/program"]);
    assert_eq!(missing.code, 1, "{missing:?}");
}

#[test]
fn two_holders_exclude_each_other() {
    let zk = Zk::new("lock-exclusion");
    let (mut holder, _) = start_holder(&zk.connect, &["lock", "/l"]);
    let second = zk.run(&["lock", "/l", "--timeout", "300ms", "--", "true"]);
    assert_eq!(second.code, 10, "the lock is taken: {second:?}");
    holder.stdin.take().unwrap().write_all(b"done\n").unwrap();
    assert_eq!(
        holder.wait().unwrap().code(),
        Some(42),
        "the command's own code"
    );
    assert_eq!(
        zk.run(&["lock", "/l", "--timeout", "30s", "--", "true"])
            .code,
        0
    );

    // The same with an election: one leader at a time.
    let (mut leader, _) = start_holder(&zk.connect, &["elect", "/e", "--identifier", "first"]);
    assert_eq!(
        zk.run(&["elect", "/e", "--timeout", "300ms", "--", "true"])
            .code,
        10
    );
    leader.stdin.take().unwrap().write_all(b"done\n").unwrap();
    assert_eq!(leader.wait().unwrap().code(), Some(42));
}

#[test]
fn a_lost_session_stops_the_command() {
    // A server of its own, reached through its fault proxy, so the connection can vanish.
    let cluster = Cluster::builder().start().expect("start a server");
    let connect = cluster.proxied_connect_string();
    let (mut holder, mut stdout) =
        start_holder(&connect, &["--session-timeout", "4s", "lock", "/l"]);
    // Kept open: the command must not end by itself (waiting closes a child's stdin).
    let _stdin = holder.stdin.take().unwrap();
    cluster.blackhole_all();
    // The client gives the session up once its timeout has passed without the server.
    let status = holder.wait().unwrap();
    assert_eq!(status.code(), Some(3), "{status:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "", "the command was stopped before it read its line");
    let mut stderr = String::new();
    std::io::Read::read_to_string(holder.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("the session was lost"), "{stderr}");
}
