//! dump, load and diff: a generated tree with ACLs, binary data and sequential nodes, dumped,
//! loaded elsewhere and compared.

use serde_json::Value;
use zk_client_blocking::auth::digest_acl;
use zk_client_blocking::{Acl, CreateMode, CreateOptions, Id, Perms};

use crate::support::Zk;

/// A tree with a bit of everything a dump must carry, under `/src`.
fn generate(zk: &Zk) {
    zk.put("/src/config/db", b"host=db1");
    zk.put("/src/binary", b"\x00\xff\xfe\x80");
    zk.put("/src/queue", b"");
    for i in 0..3 {
        let options = CreateOptions::mode(CreateMode::PersistentSequential);
        zk.client
            .create_with("/src/queue/item-", vec![i], &options)
            .unwrap();
    }
    // An ACL that lets nobody create children: loading must still put its children in.
    let locked = vec![
        Acl::new(
            Perms::READ | Perms::ADMIN | Perms::DELETE | Perms::WRITE,
            Id::anyone(),
        ),
        digest_acl("alice", "pw", Perms::ALL),
    ];
    zk.put("/src/locked", b"");
    zk.put("/src/locked/inside", b"child of a locked node");
    zk.client.set_acl("/src/locked", locked, None).unwrap();
    // An ephemeral node belongs to a session: it is left out.
    let ephemeral = CreateOptions::mode(CreateMode::Ephemeral);
    zk.client
        .create_with("/src/session", b"".to_vec(), &ephemeral)
        .unwrap();
}

#[test]
fn dump_load_diff_round_trip() {
    let zk = Zk::new("bulk");
    generate(&zk);

    let dump = zk.run(&["dump", "/src"]).ok();
    assert!(dump.stderr.starts_with("dumped 10 nodes"), "{dump:?}");
    let document = dump.json();
    assert_eq!(document["format"], "zk-dump/1");
    let paths: Vec<&str> = document["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths[0], "", "the root first");
    assert!(!paths.contains(&"session"), "{paths:?}");
    let binary = document["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"] == "binary")
        .unwrap();
    assert_eq!(
        (binary["data"].as_str(), binary["encoding"].as_str()),
        (Some("AP/+gA=="), Some("base64"))
    );

    let loaded = zk
        .run_with_stdin(&["load", "-", "/copy/here"], dump.stdout.as_bytes())
        .ok();
    assert_eq!(loaded.stdout, "loaded 10 nodes under /copy/here\n");
    assert_eq!(
        zk.client.get_data("/copy/here/binary").unwrap().0.as_ref(),
        b"\x00\xff\xfe\x80"
    );
    assert_eq!(
        zk.client.get_children("/copy/here/locked").unwrap(),
        ["inside"],
        "children of a node whose ACL forbids creating them"
    );
    let mut items = zk.client.get_children("/copy/here/queue").unwrap();
    items.sort();
    assert_eq!(
        items,
        ["item-0000000000", "item-0000000001", "item-0000000002"]
    );
    assert_eq!(
        zk.client.get_acl("/copy/here/locked").unwrap().0,
        zk.client.get_acl("/src/locked").unwrap().0
    );

    let same = zk.run(&["diff", "/src", "/copy/here"]);
    assert_eq!((same.code, same.stdout.as_str()), (0, ""), "{same:?}");

    // Loading again stops at the first node that exists; --force overwrites.
    let again = zk.run_with_stdin(&["load", "-", "/copy/here"], dump.stdout.as_bytes());
    assert_eq!(again.code, 8, "{again:?}");
    zk.client
        .set_data("/copy/here/config/db", b"changed".to_vec(), None)
        .unwrap();
    zk.run_with_stdin(
        &["load", "-", "/copy/here", "--force"],
        dump.stdout.as_bytes(),
    )
    .ok();
    assert_eq!(
        zk.client
            .get_data("/copy/here/config/db")
            .unwrap()
            .0
            .as_ref(),
        b"host=db1"
    );
}

#[test]
fn diff_reports_each_difference_and_exits_1() {
    let zk = Zk::new("diff");
    zk.put("/a/same", b"x");
    zk.put("/a/data", b"1");
    zk.put("/a/gone", b"");
    zk.put("/a/acl", b"");
    zk.put("/b/same", b"x");
    zk.put("/b/data", b"2");
    zk.put("/b/new", b"");
    zk.put("/b/acl", b"");
    zk.client
        .set_acl("/b/acl", Acl::read_unsafe(), None)
        .unwrap();

    let run = zk.run(&["diff", "/a", "/b"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.lines(),
        ["~ acl (acl)", "~ data (data)", "- gone", "+ new"]
    );

    let json = zk.run(&["diff", "/a", "/b", "--json"]).json();
    assert_eq!(json["same"], false);
    assert_eq!(json["only_in_b"], serde_json::json!(["new"]));

    // The second subtree through a connection of its own (here to the same server and
    // chroot, as another ensemble would be reached).
    let across = zk.run(&["diff", "/a", "/a", "--other-server", &zk.connect]);
    assert_eq!((across.code, across.stdout.as_str()), (0, ""), "{across:?}");
    let across = zk.run(&["diff", "/a", "/b", "--other-server", &zk.connect]);
    assert_eq!(across.lines().len(), 4, "{across:?}");
    let unreachable = zk.run(&[
        "diff",
        "/a",
        "/b",
        "--other-server",
        &crate::support::dead_address(),
        "--connect-timeout",
        "500ms",
    ]);
    assert_eq!(unreachable.code, 3, "{unreachable:?}");
}

#[test]
fn dump_writes_a_file_that_load_reads() {
    let zk = Zk::new("dump-file");
    zk.put("/t/x", b"1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.json");
    let file = file.to_str().unwrap();
    let summary = zk.run(&["dump", "/t", "-o", file, "--json"]).ok().json();
    assert_eq!(summary["nodes"], 2);
    let written: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    assert_eq!(written["root"], "/t");
    zk.run(&["load", file, "/u"]).ok();
    assert_eq!(zk.client.get_data("/u/x").unwrap().0.as_ref(), b"1");
    assert_eq!(zk.run(&["load", "/nonexistent.json", "/v"]).code, 1);
    let not_a_dump = zk.run_with_stdin(&["load", "-", "/v"], b"{}");
    assert_eq!(not_a_dump.code, 2, "{not_a_dump:?}");
}

#[test]
fn cp_copies_a_subtree_here_or_to_another_ensemble() {
    let zk = Zk::new("cp");
    generate(&zk);
    let copied = zk.run(&["cp", "/src", "/dst"]).ok();
    assert_eq!(copied.stdout, "copied 10 nodes from /src to /dst\n");
    assert_eq!(zk.run(&["diff", "/src", "/dst"]).code, 0);

    // "Another ensemble": the same server through a connection of its own.
    let json = zk
        .run(&[
            "cp",
            "/src/config",
            "/elsewhere/config",
            "--to-server",
            &zk.connect,
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(json["nodes"], 2);
    assert_eq!(
        zk.client
            .get_data("/elsewhere/config/db")
            .unwrap()
            .0
            .as_ref(),
        b"host=db1"
    );

    assert_eq!(zk.run(&["cp", "/src", "/src/inner"]).code, 2, "into itself");
    assert_eq!(zk.run(&["cp", "/src", "/dst"]).code, 8, "exists already");
    assert_eq!(zk.run(&["cp", "/missing", "/x"]).code, 6);
}

#[test]
fn mirror_keeps_a_copy_in_step() {
    use std::io::{BufRead, BufReader};
    let zk = Zk::new("mirror");
    zk.put("/src/config/db", b"host=db1");
    zk.put("/src/old", b"");
    let mut mirror = crate::support::command()
        .args([
            "--server",
            &zk.connect,
            "mirror",
            "/src",
            "/dst",
            "--count",
            "4",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(mirror.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(line, "mirroring /src to /dst (4 nodes copied)\n");
    assert_eq!(
        zk.client.get_data("/dst/config/db").unwrap().0.as_ref(),
        b"host=db1"
    );

    zk.put("/src/new/deep", b"n");
    zk.client
        .set_data("/src/config/db", b"host=db2".to_vec(), None)
        .unwrap();
    zk.client.delete("/src/old", None).unwrap();
    let output = mirror.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "NodeCreated /dst/new",
            "NodeCreated /dst/new/deep",
            "NodeDataChanged /dst/config/db",
            "NodeDeleted /dst/old",
        ]
    );
    assert_eq!(
        zk.client.get_data("/dst/new/deep").unwrap().0.as_ref(),
        b"n"
    );
    assert_eq!(
        zk.client.get_data("/dst/config/db").unwrap().0.as_ref(),
        b"host=db2"
    );
    assert_eq!(zk.client.exists("/dst/old").unwrap(), None);
    assert_eq!(zk.run(&["diff", "/src", "/dst"]).code, 0);
    assert_eq!(
        zk.run(&["mirror", "/src", "/src/copy"]).code,
        2,
        "into itself"
    );
}
