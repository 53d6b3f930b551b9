//! The connection options, and an exit code of its own for each failure a script acts on.

use zk_client_blocking::auth::digest_acl;
use zk_client_blocking::{CreateOptions, Perms};

use crate::support::{Zk, command, dead_address, run};

#[test]
fn the_connect_string_may_come_from_zk_connect() {
    let zk = Zk::new("env");
    zk.put("/from-env", b"");
    let output = command()
        .env("ZK_CONNECT", &zk.connect)
        .args(["ls", "/"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "from-env\n");
}

#[test]
fn the_session_options_are_taken() {
    let zk = Zk::new("options");
    zk.put("/n", b"");
    let run = zk.run(&[
        "--read-only",
        "--session-timeout",
        "4s",
        "--connect-timeout",
        "2s",
        "ls",
        "/",
    ]);
    assert_eq!(run.ok().stdout, "n\n");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let zk = Zk::new("pipe");
    for i in 0..50 {
        zk.put(&format!("/n{i}"), b"");
    }
    let mut child = command()
        .args(["--server", &zk.connect, "ls", "-R", "/"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the listing is written (as `| head -0` would).
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn an_unreachable_server_exits_3() {
    let dead = dead_address();
    let run = run(&["--server", &dead, "--connect-timeout", "500ms", "ls", "/"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.starts_with(&format!("zk: cannot reach {dead}")),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "one line: {run:?}");
    assert_eq!(run.stdout, "");
}

#[test]
fn a_refused_credential_exits_4() {
    let zk = Zk::new("auth");
    // No such scheme: the server refuses the credential and closes the session.
    let refused = zk.run(&["--auth", "nosuch:thing", "ls", "/"]);
    assert_eq!(refused.code, 4, "{refused:?}");
    assert!(
        refused.stderr.contains("refused the credential"),
        "{refused:?}"
    );

    // A digest credential the node's ACL does not name.
    let options = CreateOptions::default().with_acl(vec![digest_acl("alice", "right", Perms::ALL)]);
    zk.client
        .create_with("/secret", b"s".to_vec(), &options)
        .unwrap();
    let wrong = zk.run(&["--auth", "digest:alice:wrong", "get", "/secret"]);
    assert_eq!(wrong.code, 4, "{wrong:?}");
    assert!(
        wrong.stderr.contains("get /secret: not authorized"),
        "{wrong:?}"
    );
    let right = zk
        .run(&["--auth", "digest:alice:right", "get", "/secret"])
        .ok();
    assert_eq!(right.stdout, "s\n");

    // The same credential from the environment, out of the process list.
    let from_env = command()
        .env("ZK_AUTH", "digest:alice:right")
        .args(["--server", &zk.connect, "get", "/secret"])
        .output()
        .unwrap();
    assert!(from_env.status.success(), "{from_env:?}");
    assert_eq!(from_env.stdout, b"s\n");
}

#[test]
fn a_bad_path_exits_5() {
    let zk = Zk::new("path");
    for path in ["relative", "/a//b", "/trailing/"] {
        let run = zk.run(&["get", path]);
        assert_eq!(run.code, 5, "{run:?}");
        assert!(run.stderr.contains("invalid path"), "{run:?}");
    }
}

#[test]
fn a_missing_node_exits_6() {
    let zk = Zk::new("nonode");
    for args in [
        &["get", "/missing"][..],
        &["stat", "/missing"],
        &["ls", "/missing"],
        &["tree", "/missing"],
    ] {
        let run = zk.run(args);
        assert_eq!(run.code, 6, "{run:?}");
        assert!(run.stderr.contains("/missing"), "{run:?}");
        assert!(run.stderr.contains("does not exist"), "{run:?}");
    }
}

#[test]
fn a_version_mismatch_exits_7() {
    let zk = Zk::new("version");
    zk.put("/n", b"");
    assert_eq!(zk.run(&["set", "/n", "x", "--version", "3"]).code, 7);
    assert_eq!(zk.run(&["rm", "/n", "--version", "3"]).code, 7);
    assert!(zk.client.exists("/n").unwrap().is_some());
}

#[test]
fn an_existing_node_exits_8() {
    let zk = Zk::new("exists");
    zk.put("/n", b"");
    let run = zk.run(&["create", "/n"]);
    assert_eq!(run.code, 8, "{run:?}");
    assert_eq!(run.stderr, "zk: create /n: node already exists\n");
}

#[test]
fn a_node_with_children_exits_9() {
    let zk = Zk::new("notempty");
    zk.put("/parent/child", b"");
    assert_eq!(zk.run(&["rm", "/parent"]).code, 9);
    assert!(zk.client.exists("/parent").unwrap().is_some());
}

#[test]
fn a_wrong_command_line_exits_2_and_help_lists_the_exit_codes() {
    assert_eq!(run(&["ls", "--no-such-flag"]).code, 2);
    assert_eq!(run(&["no-such-command"]).code, 2);
    assert_eq!(run(&["--session-timeout", "soon", "ls"]).code, 2);
    let help = run(&["--help"]).ok();
    for line in [
        "Exit codes:",
        "3  server unreachable",
        "6  no such node",
        "9  node has children",
    ] {
        assert!(help.stdout.contains(line), "{line:?} in {}", help.stdout);
    }
}
