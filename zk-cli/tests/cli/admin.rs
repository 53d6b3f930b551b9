//! acl get, whoami, config, sync.

use serde_json::json;
use zk_client_blocking::auth::digest_acl;
use zk_client_blocking::{Acl, CreateOptions, Id, Perms};

use crate::support::Zk;

#[test]
fn acl_get_shows_each_entry_and_its_permissions() {
    let zk = Zk::new("acl");
    let acl = vec![
        digest_acl("alice", "pw", Perms::ALL),
        Acl::new(Perms::READ, Id::anyone()),
    ];
    let digest = format!("digest:{}", acl[0].id.id);
    zk.client
        .create_with(
            "/guarded",
            b"".to_vec(),
            &CreateOptions::default().with_acl(acl),
        )
        .unwrap();
    let words = |line: &str| {
        line.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };

    // Without ADMIN on the node, the server hides the digest (3.6+).
    let run = zk.run(&["acl", "get", "/guarded"]).ok();
    let rows: Vec<Vec<String>> = run.lines().into_iter().map(words).collect();
    assert_eq!(rows, [["digest:alice:x", "cdrwa"], ["world:anyone", "r"]]);
    let admin = zk
        .run(&["--auth", "digest:alice:pw", "acl", "get", "/guarded"])
        .ok();
    assert_eq!(words(admin.lines()[0]), [digest.as_str(), "cdrwa"]);

    let json = zk.run(&["acl", "get", "/guarded", "--json"]).ok().json();
    assert_eq!(
        json["acl"][1],
        json!({ "scheme": "world", "id": "anyone", "perms": "r" })
    );
    assert_eq!(json["aversion"], 0);
    assert_eq!(zk.run(&["acl", "get", "/missing"]).code, 6);
}

#[test]
fn whoami_lists_the_sessions_identities() {
    let zk = Zk::new("whoami");
    let run = zk
        .run(&["--auth", "digest:bob:secret", "whoami", "--json"])
        .ok()
        .json();
    let identities = run.as_array().unwrap();
    assert!(
        identities.contains(&json!({ "scheme": "digest", "user": "bob" })),
        "{run}"
    );
    assert!(identities.iter().any(|i| i["scheme"] == "ip"), "{run}");
    let text = zk.run(&["whoami"]).ok();
    assert!(
        text.lines().iter().all(|l| l.starts_with("ip:")),
        "{text:?}"
    );
}

#[test]
fn config_and_sync_succeed() {
    let zk = Zk::new("config");
    let config = zk.run(&["config", "--json"]).ok().json();
    assert!(config["config"].is_array(), "{config}");
    let sync = zk.run(&["sync", "/", "--json"]).ok().json();
    assert_eq!(sync, json!({ "path": "/", "synced": true }));
    assert_eq!(zk.run(&["sync", "relative"]).code, 5);
}

#[test]
fn acl_set_replaces_the_acl_and_checks_its_version() {
    let zk = Zk::new("acl-set");
    zk.put("/n", b"");
    zk.run(&["acl", "set", "/n", "world:anyone:r", "ip:127.0.0.1:cdrwa"])
        .ok();
    let (acl, stat) = zk.client.get_acl("/n").unwrap();
    assert_eq!(
        acl,
        [
            Acl::new(Perms::READ, Id::anyone()),
            Acl::new(Perms::ALL, Id::new("ip", "127.0.0.1")),
        ]
    );
    assert_eq!(stat.aversion, 1);

    let stale = zk.run(&["acl", "set", "/n", "world:anyone:cdrwa", "--version", "0"]);
    assert_eq!(stale.code, 7, "{stale:?}");
    let json = zk
        .run(&[
            "acl",
            "set",
            "/n",
            "world:anyone:cdrwa",
            "--version",
            "1",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(json["stat"]["aversion"], 2);
    assert_eq!(zk.run(&["acl", "set", "/n", "world:anyone:rx"]).code, 2);

    // Without ADMIN, the ACL cannot be changed: not authorized.
    zk.run(&["acl", "set", "/n", "world:anyone:r"]).ok();
    assert_eq!(zk.run(&["acl", "set", "/n", "world:anyone:cdrwa"]).code, 4);
}
