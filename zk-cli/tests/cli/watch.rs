//! watch: one-shot, persistent and recursive, in text and JSON lines.

use serde_json::{Value, json};

use crate::support::{Watcher, Zk};

#[test]
fn a_one_shot_watch_prints_the_change_and_ends() {
    let zk = Zk::new("watch");
    zk.put("/n", b"v0");
    let watcher = Watcher::start(&zk, &["/n", "--count", "1"]);
    zk.client.set_data("/n", b"v1".to_vec(), None).unwrap();
    let run = watcher.finish().ok();
    assert_eq!(run.stdout, "NodeDataChanged /n\n");
    assert!(run.stderr.starts_with("watching /n"), "{run:?}");
}

#[test]
fn a_data_watch_on_a_missing_node_sees_its_creation() {
    let zk = Zk::new("watch-create");
    let watcher = Watcher::start(&zk, &["/later", "--json"]);
    zk.put("/later", b"");
    let run = watcher.finish().ok();
    let event: Value = serde_json::from_str(run.stdout.trim_end()).unwrap();
    assert_eq!(event["event"], "NodeCreated");
    assert_eq!(event["path"], "/later");
}

#[test]
fn a_children_watch_sees_a_new_child() {
    let zk = Zk::new("watch-children");
    zk.put("/dir", b"");
    let watcher = Watcher::start(&zk, &["/dir", "--children"]);
    zk.put("/dir/new", b"");
    assert_eq!(watcher.finish().ok().stdout, "NodeChildrenChanged /dir\n");
}

#[test]
fn a_recursive_watch_streams_json_lines_until_the_count() {
    let zk = Zk::new("watch-recursive");
    zk.put("/tree", b"");
    let watcher = Watcher::start(&zk, &["/tree", "--recursive", "--count", "3", "--json"]);
    zk.put("/tree/a", b"");
    zk.client.set_data("/tree/a", b"x".to_vec(), None).unwrap();
    zk.client.delete("/tree/a", None).unwrap();
    let run = watcher.finish().ok();
    let events: Vec<Value> = run
        .lines()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .map(|mut event: Value| {
            event.as_object_mut().unwrap().remove("zxid");
            event
        })
        .collect();
    assert_eq!(
        events,
        [
            json!({ "event": "NodeCreated", "path": "/tree/a" }),
            json!({ "event": "NodeDataChanged", "path": "/tree/a" }),
            json!({ "event": "NodeDeleted", "path": "/tree/a" }),
        ]
    );
}

#[test]
fn a_persistent_watch_keeps_reporting_the_node() {
    let zk = Zk::new("watch-persistent");
    zk.put("/n", b"");
    let watcher = Watcher::start(&zk, &["/n", "--persistent", "--count", "2"]);
    zk.client.set_data("/n", b"1".to_vec(), None).unwrap();
    zk.client.set_data("/n", b"2".to_vec(), None).unwrap();
    assert_eq!(
        watcher.finish().ok().lines(),
        ["NodeDataChanged /n", "NodeDataChanged /n"]
    );
}
