//! txn: a JSON transaction from stdin or a file; all or nothing.

use serde_json::json;

use crate::support::Zk;

#[test]
fn a_transaction_applies_every_operation() {
    let zk = Zk::new("txn");
    zk.put("/config", b"v3");
    zk.put("/config/old", b"");
    zk.client
        .set_data("/config", b"v3".to_vec(), Some(0))
        .unwrap();
    let ops = json!([
        { "op": "check", "path": "/config", "version": 1 },
        { "op": "create", "path": "/config/new-", "data": "n", "mode": "sequential" },
        { "op": "set", "path": "/config", "data_base64": "djQ=", "version": 1 },
        { "op": "delete", "path": "/config/old" },
    ]);
    let run = zk.run_with_stdin(&["txn"], ops.to_string().as_bytes()).ok();
    let lines = run.lines();
    assert_eq!(lines[0], "checked /config");
    assert!(
        lines[1].starts_with("created /config/new-00000000"),
        "{run:?}"
    );
    assert_eq!(
        lines[2..],
        ["set /config (version 2)", "deleted /config/old"]
    );
    assert_eq!(zk.client.get_data("/config").unwrap().0.as_ref(), b"v4");
    assert_eq!(zk.client.exists("/config/old").unwrap(), None);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("txn.json");
    std::fs::write(
        &file,
        json!([{ "op": "set", "path": "/config", "data": "v5" }]).to_string(),
    )
    .unwrap();
    let json = zk
        .run(&["txn", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(json["results"][0]["op"], "set");
    assert_eq!(json["results"][0]["stat"]["version"], 3);
}

#[test]
fn a_failed_transaction_applies_nothing_and_names_the_operation() {
    let zk = Zk::new("txn-fail");
    zk.put("/a", b"");
    let ops = json!([
        { "op": "create", "path": "/b" },
        { "op": "set", "path": "/a", "data": "x", "version": 9 },
    ]);
    let run = zk.run_with_stdin(&["txn"], ops.to_string().as_bytes());
    assert_eq!(run.code, 7, "{run:?}");
    assert_eq!(
        run.stderr,
        "zk: txn: operation 1 (set /a): version mismatch\n"
    );
    assert_eq!(zk.client.exists("/b").unwrap(), None, "nothing applied");

    for (bad, why) in [
        ("not json", "not JSON"),
        ("{}", "expected a JSON array"),
        (
            r#"[{"op": "rename", "path": "/a"}]"#,
            "operation 0: unknown op",
        ),
        (r#"[{"op": "check", "path": "/a"}]"#, "needs a \"version\""),
        (
            r#"[{"op": "create", "path": "/t", "mode": "ttl"}]"#,
            "need --ttl",
        ),
    ] {
        let run = zk.run_with_stdin(&["txn"], bad.as_bytes());
        assert_eq!(run.code, 2, "{bad}: {run:?}");
        assert!(run.stderr.contains(why), "{bad}: {run:?}");
    }
}
