//! ls, tree, get, stat, exists.

use serde_json::json;

use crate::support::Zk;

#[test]
fn ls_lists_children_in_name_order() {
    let zk = Zk::new("ls");
    zk.put("/app/b", b"");
    zk.put("/app/a", b"12345");
    zk.put("/app/a/deep", b"");

    let run = zk.run(&["ls", "/app"]).ok();
    assert_eq!(run.lines(), ["a", "b"]);

    let listed = zk.run(&["ls", "/app", "--json"]).ok().json();
    assert_eq!(
        listed,
        json!([{ "name": "a", "path": "/app/a" }, { "name": "b", "path": "/app/b" }])
    );
}

#[test]
fn ls_long_shows_version_size_and_children() {
    let zk = Zk::new("ls-l");
    zk.put("/app/a", b"12345");
    zk.put("/app/a/deep", b"");
    zk.client
        .set_data("/app/a", b"123456".to_vec(), None)
        .unwrap();

    let run = zk.run(&["ls", "-l", "/app"]).ok();
    let lines = run.lines();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["EPH", "VERSION", "SIZE", "CHILDREN", "MODIFIED", "NAME"]
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        (row[0], row[1], row[2], row[3], row[5]),
        ("-", "1", "6", "1", "a")
    );
    assert!(row[4].ends_with('Z'), "an RFC 3339 time in UTC: {row:?}");

    let listed = zk.run(&["ls", "-l", "/app", "--json"]).ok().json();
    assert_eq!(listed[0]["stat"]["version"], 1);
    assert_eq!(listed[0]["stat"]["data_length"], 6);
    assert_eq!(listed[0]["stat"]["num_children"], 1);
}

#[test]
fn ls_recursive_lists_every_descendant_depth_first() {
    let zk = Zk::new("ls-r");
    for path in ["/t/b", "/t/a/y", "/t/a/x", "/t/a-b"] {
        zk.put(path, b"");
    }
    let run = zk.run(&["ls", "-R", "/t"]).ok();
    assert_eq!(run.lines(), ["/t/a", "/t/a/x", "/t/a/y", "/t/a-b", "/t/b"]);

    let listed = zk.run(&["ls", "-R", "/t", "--json"]).ok().json();
    assert_eq!(listed[1], json!({ "name": "a/x", "path": "/t/a/x" }));
}

#[test]
fn tree_draws_sizes_and_child_counts() {
    let zk = Zk::new("tree");
    zk.put("/t/config/db", b"host=db1");
    zk.put("/t/config/cache", b"");
    zk.put("/t/locks", b"");

    let run = zk.run(&["tree", "/t"]).ok();
    assert_eq!(
        run.stdout,
        "/t (0 B, 2 children)\n\
         ├── config (0 B, 2 children)\n\
         │   ├── cache (0 B)\n\
         │   └── db (8 B)\n\
         └── locks (0 B)\n"
    );

    let shallow = zk.run(&["tree", "/t", "--depth", "1"]).ok();
    assert_eq!(shallow.lines().len(), 3, "{shallow:?}");

    let tree = zk.run(&["tree", "/t", "--json"]).ok().json();
    assert_eq!(tree["num_children"], 2);
    assert_eq!(tree["children"][0]["name"], "config");
    assert_eq!(tree["children"][0]["children"][1]["path"], "/t/config/db");
    assert_eq!(tree["children"][0]["children"][1]["data_length"], 8);
}

#[test]
fn get_prints_text_as_it_is_and_binary_safely() {
    let zk = Zk::new("get");
    zk.put("/text", "héllo\nworld".as_bytes());
    zk.put("/binary", b"\x00\xff\x1bab");

    assert_eq!(zk.run(&["get", "/text"]).ok().stdout, "héllo\nworld\n");
    assert_eq!(
        zk.run(&["get", "/binary"]).ok().stdout,
        "\\x00\\xff\\x1bab\n"
    );
    assert_eq!(
        zk.run(&["get", "/binary", "--format", "hex"]).ok().stdout,
        "00ff1b6162\n"
    );
    assert_eq!(
        zk.run(&["get", "/binary", "--format", "base64"])
            .ok()
            .stdout,
        "AP8bYWI=\n"
    );
    assert_eq!(
        zk.run(&["get", "/binary", "--format", "raw"])
            .ok()
            .stdout_bytes,
        b"\x00\xff\x1bab"
    );

    let text = zk.run(&["get", "/text", "--json"]).ok().json();
    assert_eq!(
        text,
        json!({ "path": "/text", "data": "héllo\nworld", "encoding": "utf8" })
    );
    let binary = zk.run(&["get", "/binary", "--json"]).ok().json();
    assert_eq!(binary["encoding"], "base64");
    assert_eq!(binary["data"], "AP8bYWI=");
}

#[test]
fn get_with_stat_and_stat_show_the_node_metadata() {
    let zk = Zk::new("stat");
    zk.put("/n", b"v0");
    zk.client.set_data("/n", b"v1".to_vec(), None).unwrap();
    let (_, expected) = zk.client.get_data("/n").unwrap();

    let with_stat = zk.run(&["get", "/n", "--stat", "--json"]).ok().json();
    assert_eq!(with_stat["data"], "v1");
    assert_eq!(with_stat["stat"]["version"], 1);
    assert_eq!(with_stat["stat"]["mzxid"], expected.mzxid);

    let text = zk.run(&["stat", "/n"]).ok();
    assert!(text.lines().contains(&"version          1"), "{text:?}");
    let mzxid = format!("mzxid            0x{:x}", expected.mzxid);
    assert!(text.lines().contains(&mzxid.as_str()), "{text:?}");

    let stat = zk.run(&["stat", "/n", "--json"]).ok().json();
    assert_eq!(stat["stat"]["ctime"], expected.ctime);
    assert_eq!(stat["stat"]["data_length"], 2);
}

#[test]
fn exists_answers_with_its_exit_code() {
    let zk = Zk::new("exists");
    zk.put("/here", b"");

    let here = zk.run(&["exists", "/here"]).ok();
    assert_eq!(here.stdout, "true\n");
    let gone = zk.run(&["exists", "/gone"]);
    assert_eq!(
        (gone.code, gone.stdout.as_str(), gone.stderr.as_str()),
        (6, "false\n", "")
    );

    let json = zk.run(&["exists", "/gone", "--json"]);
    assert_eq!(json.code, 6);
    assert_eq!(json.json(), json!({ "path": "/gone", "exists": false }));
    let json = zk.run(&["exists", "/here", "--json"]).ok().json();
    assert_eq!(json["exists"], true);
    assert_eq!(json["stat"]["version"], 0);
}
