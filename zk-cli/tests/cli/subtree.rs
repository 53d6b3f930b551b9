//! find, grep, ephemerals, du, count: questions about a whole subtree.

use serde_json::json;
use zk_client_blocking::{CreateMode, CreateOptions};

use crate::support::Zk;

fn sample(zk: &Zk) {
    zk.put("/app/config/db.json", br#"{"host": "db1"}"#);
    zk.put("/app/config/cache.json", b"host=cache1\nport=11211");
    zk.put("/app/config/raw", b"\x00\xffhost\x01");
    zk.put("/app/locks/lock-0000000001", b"");
    zk.put("/other/db.json", b"elsewhere");
}

#[test]
fn find_matches_names_against_a_glob() {
    let zk = Zk::new("find");
    sample(&zk);
    let run = zk.run(&["find", "/app", "*.json"]).ok();
    assert_eq!(
        run.lines(),
        ["/app/config/cache.json", "/app/config/db.json"]
    );
    let json = zk.run(&["find", "/app", "lock-?*", "--json"]).ok().json();
    assert_eq!(json, json!(["/app/locks/lock-0000000001"]));
    let all = zk.run(&["find", "/app/locks"]).ok();
    assert_eq!(all.lines(), ["/app/locks", "/app/locks/lock-0000000001"]);
}

#[test]
fn grep_finds_text_in_data_and_fails_when_nothing_matches() {
    let zk = Zk::new("grep");
    sample(&zk);
    let run = zk.run(&["grep", "host", "/app"]).ok();
    assert_eq!(
        run.lines(),
        [
            "/app/config/cache.json: host=cache1",
            r#"/app/config/db.json: {"host": "db1"}"#,
            r"/app/config/raw: \x00\xffhost\x01",
        ]
    );
    let paths = zk.run(&["grep", "-l", "host", "/app"]).ok();
    assert_eq!(paths.lines().len(), 3);
    let json = zk.run(&["grep", "port", "/app", "--json"]).ok().json();
    assert_eq!(
        json,
        json!([{ "path": "/app/config/cache.json", "lines": ["port=11211"] }])
    );
    let none = zk.run(&["grep", "no such text", "/app"]);
    assert_eq!(
        (none.code, none.stdout.as_str(), none.stderr.as_str()),
        (1, "", "")
    );
}

#[test]
fn ephemerals_lists_nodes_with_their_owners() {
    let zk = Zk::new("ephemerals");
    zk.put("/svc", b"");
    let ephemeral = CreateOptions::mode(CreateMode::Ephemeral);
    zk.client
        .create_with("/svc/worker-1", b"".to_vec(), &ephemeral)
        .unwrap();
    zk.put("/svc/persistent", b"");
    let session = zk.client.session_id().unwrap().get();

    let run = zk.run(&["ephemerals", "/svc"]).ok();
    let owner = format!("0x{session:x}");
    assert_eq!(
        run.lines()[1].split_whitespace().collect::<Vec<_>>(),
        [owner.as_str(), "/svc/worker-1"]
    );
    let json = zk.run(&["ephemerals", "/svc", "--json"]).ok().json();
    assert_eq!(json, json!([{ "path": "/svc/worker-1", "owner": session }]));
    let other = zk
        .run(&["ephemerals", "/svc", "--owner", "0x1", "--json"])
        .ok()
        .json();
    assert_eq!(other, json!([]));
}

#[test]
fn du_adds_up_bytes_and_nodes_and_count_asks_the_server() {
    let zk = Zk::new("du");
    sample(&zk);
    let json = zk.run(&["du", "/app", "--json"]).ok().json();
    assert_eq!(
        json,
        json!([
            { "path": "/app/config", "bytes": 15 + 22 + 7, "nodes": 4 },
            { "path": "/app/locks", "bytes": 0, "nodes": 2 },
            { "path": "/app", "bytes": 44, "nodes": 7 },
        ])
    );
    let text = zk.run(&["du", "/app"]).ok();
    assert_eq!(
        text.lines()
            .last()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["44", "7", "/app"]
    );

    assert_eq!(zk.run(&["count", "/app"]).ok().stdout, "6\n");
    assert_eq!(
        zk.run(&["count", "/app", "--json"]).ok().json()["descendants"],
        6
    );
}
