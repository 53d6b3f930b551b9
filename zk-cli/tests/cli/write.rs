//! create, set, rm.

use crate::support::Zk;

#[test]
fn create_prints_the_path_in_every_mode() {
    let zk = Zk::new("create");
    assert_eq!(
        zk.run(&["create", "/plain", "data"]).ok().stdout,
        "/plain\n"
    );
    assert_eq!(zk.client.get_data("/plain").unwrap().0.as_ref(), b"data");

    let sequential = zk
        .run(&["create", "/q/item-", "--mode", "sequential", "-p"])
        .ok();
    let path = sequential.stdout.trim_end();
    assert!(
        path.starts_with("/q/item-") && path.len() == "/q/item-".len() + 10,
        "{path}"
    );
    assert!(zk.client.exists(path).unwrap().is_some());

    let container = zk
        .run(&["create", "/box", "--mode", "container", "--json"])
        .ok()
        .json();
    assert_eq!(container["path"], "/box");

    let ttl = zk
        .run(&["create", "/ttl", "--mode", "ttl", "--ttl", "1h"])
        .ok();
    assert_eq!(ttl.stdout, "/ttl\n");
    assert!(zk.client.exists("/ttl").unwrap().is_some());

    // The ephemeral node belongs to the command's session, closed when the command ends.
    let ephemeral = zk
        .run(&["create", "/short-lived", "--mode", "ephemeral", "--json"])
        .ok();
    assert_ne!(ephemeral.json()["stat"]["ephemeral_owner"], 0);
    assert_eq!(zk.client.exists("/short-lived").unwrap(), None);
}

#[test]
fn create_checks_ttl_and_makes_parents_only_when_asked() {
    let zk = Zk::new("create-opts");
    let no_ttl = zk.run(&["create", "/t", "--mode", "ttl"]);
    assert_eq!(no_ttl.code, 2, "{no_ttl:?}");
    assert!(no_ttl.stderr.contains("--ttl"), "{no_ttl:?}");
    assert_eq!(zk.run(&["create", "/p", "--ttl", "1s"]).code, 2);

    assert_eq!(zk.run(&["create", "/a/b/c"]).code, 6);
    zk.run(&["create", "-p", "/a/b/c", "x"]).ok();
    assert_eq!(zk.client.get_data("/a/b/c").unwrap().0.as_ref(), b"x");
}

#[test]
fn data_comes_from_stdin_with_a_dash() {
    let zk = Zk::new("stdin");
    zk.run_with_stdin(&["create", "/n", "-"], b"\x00from stdin\xff")
        .ok();
    assert_eq!(
        zk.client.get_data("/n").unwrap().0.as_ref(),
        b"\x00from stdin\xff"
    );
    zk.run_with_stdin(&["set", "/n", "-"], b"again").ok();
    assert_eq!(zk.client.get_data("/n").unwrap().0.as_ref(), b"again");
}

#[test]
fn set_honours_the_version() {
    let zk = Zk::new("set");
    zk.put("/n", b"v0");
    assert_eq!(zk.run(&["set", "/n", "v1"]).ok().stdout, "");
    let stat = zk
        .run(&["set", "/n", "v2", "--version", "1", "--json"])
        .ok()
        .json();
    assert_eq!(stat["stat"]["version"], 2);
    assert_eq!(zk.client.get_data("/n").unwrap().0.as_ref(), b"v2");
}

#[test]
fn rm_deletes_a_node_or_a_subtree() {
    let zk = Zk::new("rm");
    zk.put("/one", b"");
    zk.put("/tree/a/b", b"");
    zk.put("/tree/c", b"");

    zk.run(&["rm", "/one", "--version", "0"]).ok();
    assert_eq!(zk.client.exists("/one").unwrap(), None);

    let json = zk.run(&["rm", "-r", "/tree", "--json"]).ok().json();
    assert_eq!(json["deleted"], true);
    assert_eq!(json["nodes"], 4, "/tree, /tree/a, /tree/a/b, /tree/c");
    assert_eq!(zk.run(&["rm", "-r", "/tree"]).code, 6, "gone");
    assert_eq!(zk.client.exists("/tree").unwrap(), None);

    let both = zk.run(&["rm", "-r", "/x", "--version", "1"]);
    assert_eq!(both.code, 2, "-r and --version do not combine: {both:?}");
}

#[test]
fn data_comes_from_a_file_with_file() {
    let zk = Zk::new("file");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data.bin");
    std::fs::write(&file, b"\x01from a file\xfe").unwrap();
    let file = file.to_str().unwrap();

    zk.run(&["create", "/n", "--file", file]).ok();
    assert_eq!(
        zk.client.get_data("/n").unwrap().0.as_ref(),
        b"\x01from a file\xfe"
    );
    zk.client.set_data("/n", b"".to_vec(), None).unwrap();
    zk.run(&["set", "/n", "--file", file]).ok();
    assert_eq!(
        zk.client.get_data("/n").unwrap().0.as_ref(),
        b"\x01from a file\xfe"
    );

    assert_eq!(zk.run(&["set", "/n"]).code, 2, "data or --file is required");
    assert_eq!(
        zk.run(&["set", "/n", "x", "--file", file]).code,
        2,
        "not both"
    );
    let missing = zk.run(&["set", "/n", "--file", "/nonexistent/file"]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing.stderr.contains("reading /nonexistent/file"),
        "{missing:?}"
    );
}
