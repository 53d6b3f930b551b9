//! Our own client (the blocking adapter) against the embedded server over real loopback
//! sockets: the core, the runner and the client's codec must all agree.

// A test is a client: it may open sockets (only the core may not, clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use zk_proto::frame::write_frame;
use zk_proto::jute::Record;
use zk_proto::records::{ConnectRequest, CreateRequest, RequestHeader};

use zk_client_blocking::{AddWatchMode, Client, CreateMode, CreateOptions, EventType, WatchEvent};
use zk_server::{EmbeddedServer, ServerConfig};

/// How long any wait for an event may take before the test fails (a bound on a hang, not a
/// performance claim).
const WAIT: Duration = Duration::from_secs(20);

fn connect(server: &EmbeddedServer) -> Client {
    zk_client_blocking::builder(&server.connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .expect("connect")
}

fn node_event(event: WatchEvent) -> (EventType, String) {
    match event {
        WatchEvent::Node(node) => (node.event_type, node.path),
        other => panic!("not a node event: {other:?}"),
    }
}

#[test]
fn create_get_set_children_and_stat() {
    let server = EmbeddedServer::start().unwrap();
    let client = connect(&server);
    assert_eq!(client.create("/a", "1").unwrap(), "/a");
    let (data, stat) = client.get_data("/a").unwrap();
    assert_eq!(data.as_ref(), b"1");
    assert_eq!(
        (stat.version, stat.czxid, stat.mzxid),
        (0, stat.pzxid, stat.czxid)
    );
    let stat = client.set_data("/a", "22", Some(0)).unwrap();
    assert_eq!((stat.version, stat.data_length), (1, 2));
    assert!(client.set_data("/a", "x", Some(0)).is_err(), "bad version");
    let seq = client
        .create_with(
            "/a/s-",
            "",
            &CreateOptions::mode(CreateMode::PersistentSequential),
        )
        .unwrap();
    assert_eq!(seq, "/a/s-0000000000");
    client.create("/a/b", "").unwrap();
    let mut children = client.get_children("/a").unwrap();
    children.sort();
    assert_eq!(children, ["b", "s-0000000000"]);
    let (_, stat) = client.get_children_with_stat("/a").unwrap();
    assert_eq!((stat.num_children, stat.cversion), (2, 2));
    assert_eq!(
        client.count_descendants("/").unwrap(),
        6,
        "with /zookeeper's three"
    );
    assert!(client.exists("/missing").unwrap().is_none());
    assert!(client.delete("/a", None).is_err(), "not empty");
    client.delete_recursive("/a").unwrap();
    assert!(client.exists("/a").unwrap().is_none());
    // The version a probing client reads from `srvr`.
    assert_eq!(
        client.server_version().unwrap(),
        zk_client_blocking::ServerVersion::new(3, 9, 3)
    );
    assert_eq!(client.four_letter_word("ruok").unwrap(), "imok");
    let who = client.who_am_i().unwrap();
    assert_eq!(who.len(), 1);
    assert_eq!(
        (who[0].auth_scheme.as_str(), who[0].user.as_str()),
        ("ip", "127.0.0.1")
    );
    client.close();
    server.stop();
}

#[test]
fn watches_fire_across_clients_one_shot_and_persistent() {
    let server = EmbeddedServer::start().unwrap();
    let watcher = connect(&server);
    let writer = connect(&server);
    writer.create("/w", "").unwrap();
    let (_, _, watch) = watcher.get_data_watched("/w").unwrap();
    let mut recursive = watcher
        .add_watch("/w", AddWatchMode::PersistentRecursive)
        .unwrap();
    writer.set_data("/w", "x", None).unwrap();
    assert_eq!(
        node_event(watch.wait()),
        (EventType::NodeDataChanged, "/w".into())
    );
    writer.create("/w/kid", "").unwrap();
    writer.delete("/w/kid", None).unwrap();
    let seen: Vec<(EventType, String)> = (0..3)
        .map(|_| node_event(recursive.recv_timeout(WAIT).expect("an event")))
        .collect();
    assert_eq!(
        seen,
        [
            (EventType::NodeDataChanged, "/w".into()),
            (EventType::NodeCreated, "/w/kid".into()),
            (EventType::NodeDeleted, "/w/kid".into()),
        ]
    );
    let (stat, exists) = watcher.exists_watched("/later").unwrap();
    assert!(stat.is_none());
    writer.create("/later", "").unwrap();
    assert_eq!(
        node_event(exists.wait()),
        (EventType::NodeCreated, "/later".into())
    );
    watcher.close();
    writer.close();
}

#[test]
fn transactions_are_atomic() {
    let server = EmbeddedServer::start().unwrap();
    let client = connect(&server);
    client.create("/t", "").unwrap();
    let results = client
        .commit(
            client
                .transaction()
                .create("/t/a", "1", CreateMode::Persistent)
                .set_data("/t/a", "2", Some(0))
                .check("/t/a", 1)
                .delete("/t", None),
        )
        .unwrap_err();
    assert_eq!(results.failed_op, Some(3), "/t is not empty");
    assert!(client.exists("/t/a").unwrap().is_none(), "rolled back");
    let results = client
        .commit(
            client
                .transaction()
                .create("/t/a", "1", CreateMode::Persistent)
                .set_data("/t/a", "2", Some(0))
                .check("/t/a", 1),
        )
        .unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(client.get_data("/t/a").unwrap().0.as_ref(), b"2");
    client.close();
}

#[test]
fn ephemerals_go_when_their_session_closes_or_expires() {
    let server = EmbeddedServer::start().unwrap();
    let watcher = connect(&server);
    let owner = connect(&server);
    let ephemeral = CreateOptions::mode(CreateMode::Ephemeral);
    owner.create_with("/closed", "", &ephemeral).unwrap();
    owner.create_with("/expired", "", &ephemeral).unwrap();
    assert_eq!(owner.get_ephemerals("/").unwrap().len(), 2);

    let (_, gone) = watcher.exists_watched("/expired").unwrap();
    let session = owner.session_id().expect("a session").get();
    assert!(server.expire_session(session));
    assert_eq!(
        node_event(gone.wait()),
        (EventType::NodeDeleted, "/expired".into())
    );
    assert!(watcher.exists("/closed").unwrap().is_none(), "both went");
    assert!(!server.session_ids().contains(&session));

    let other = connect(&server);
    other.create_with("/mine", "", &ephemeral).unwrap();
    let (_, gone) = watcher.exists_watched("/mine").unwrap();
    other.close();
    assert_eq!(
        node_event(gone.wait()),
        (EventType::NodeDeleted, "/mine".into())
    );
    watcher.close();
    owner.close();
}

/// A client that handshakes, creates an ephemeral node, then says nothing more, over a raw
/// socket (our client would keep the session alive with pings).
fn silent_client(server: &EmbeddedServer, timeout_ms: i32, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let connect = ConnectRequest {
        timeout_ms,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(false),
        ..ConnectRequest::default()
    };
    let create = CreateRequest {
        path: path.into(),
        data: None,
        acl: zk_client_blocking::Acl::open_unsafe(),
        flags: 1,
    };
    let mut out = Vec::new();
    write_frame(&mut out, |b| connect.encode(b));
    write_frame(&mut out, |b| {
        RequestHeader { xid: 1, op: 1 }.encode(b);
        create.encode(b);
    });
    stream.write_all(&out).unwrap();
    stream
}

#[test]
fn a_silent_session_expires_on_the_servers_clock() {
    // Ticks of 100 ms: a 200 ms session expires after at most 300 ms without traffic.
    let config = ServerConfig::default().with_tick_time(Duration::from_millis(100));
    let server = EmbeddedServer::start_with(config).unwrap();
    let watcher = connect(&server);
    let mut events = watcher
        .add_watch("/", AddWatchMode::PersistentRecursive)
        .unwrap();
    let mut quiet = silent_client(&server, 200, "/quiet");
    assert_eq!(
        node_event(events.recv_timeout(WAIT).unwrap()),
        (EventType::NodeCreated, "/quiet".into())
    );
    assert_eq!(
        node_event(events.recv_timeout(WAIT).unwrap()),
        (EventType::NodeDeleted, "/quiet".into())
    );
    // The server closed the expired session's connection after its two replies.
    let mut rest = Vec::new();
    quiet.read_to_end(&mut rest).unwrap();
    assert!(
        server.session_ids().len() == 1,
        "only the watcher's is left"
    );
    watcher.close();
}

#[test]
fn a_chrooted_client_sees_its_subtree() {
    let server = EmbeddedServer::start().unwrap();
    let root = connect(&server);
    root.create("/app", "").unwrap();
    let app = zk_client_blocking::builder(&format!("{}/app", server.connect_string()))
        .connect()
        .unwrap();
    assert_eq!(app.create("/x", "").unwrap(), "/x");
    assert!(root.exists("/app/x").unwrap().is_some());
    assert_eq!(app.get_children("/").unwrap(), ["x"]);
    app.close();
    root.close();
}

#[test]
fn a_client_that_stops_reading_loses_its_connection_not_the_server() {
    let server = EmbeddedServer::start().unwrap();
    let client = connect(&server);
    client.create("/big", vec![7u8; 1_000_000]).unwrap();
    // Pipelines 200 reads of a 1 MB node (200 MB of replies) and reads nothing.
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    let connect = ConnectRequest {
        timeout_ms: 30_000,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(false),
        ..ConnectRequest::default()
    };
    let mut out = Vec::new();
    write_frame(&mut out, |b| connect.encode(b));
    for xid in 1..=200 {
        write_frame(&mut out, |b| {
            RequestHeader { xid, op: 4 }.encode(b);
            zk_proto::records::PathWatchRequest {
                path: "/big".into(),
                watch: false,
            }
            .encode(b);
        });
    }
    stalled.write_all(&out).unwrap();
    // Reading nothing, the connection is cut once 64 MiB wait for it: the server then has
    // only the other client's. (Polled: the server offers no event for it.)
    let hang_guard = std::time::Instant::now() + Duration::from_secs(60);
    while server.inspect(zk_server::Server::connection_count) > 1 {
        assert!(std::time::Instant::now() < hang_guard, "never cut off");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut total = 0usize;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match stalled.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    assert!(total < 100 * 1_000_000, "{total} bytes arrived");
    // Everyone else is still served.
    assert_eq!(client.get_data("/big").unwrap().0.len(), 1_000_000);
    client.close();
}

#[test]
fn a_restart_keeps_the_tree_and_the_sessions() {
    let server = EmbeddedServer::start().unwrap();
    let client = connect(&server);
    client.create("/kept", "data").unwrap();
    client
        .create_with("/mine", "", &CreateOptions::mode(CreateMode::Ephemeral))
        .unwrap();
    let session = client.session_id().unwrap();
    let addr = server.addr();
    let server = server.restart().unwrap();
    assert_eq!(server.addr(), addr);
    // The client reconnects by itself to the same address and re-attaches its session.
    assert_eq!(client.get_data("/kept").unwrap().0.as_ref(), b"data");
    assert!(
        client.exists("/mine").unwrap().is_some(),
        "the ephemeral survived"
    );
    assert_eq!(client.session_id(), Some(session));
    client.close();
    server.stop();
}

#[test]
fn a_read_only_server_serves_reads_to_clients_that_accept_one() {
    let server = EmbeddedServer::start_with(ServerConfig::default().with_read_only(true)).unwrap();
    let client = zk_client_blocking::builder(&server.connect_string())
        .read_only(true)
        .connect()
        .unwrap();
    assert_eq!(
        client.state(),
        zk_client_blocking::SessionState::ConnectedReadOnly
    );
    assert!(client.exists("/zookeeper").unwrap().is_some());
    assert!(client.create("/nope", "").is_err(), "writes are refused");
    assert!(client.exists("/nope").unwrap().is_none());
    client.close();
}
