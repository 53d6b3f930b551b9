//! Standalone servers: the shared one, stop/kill/start, real expiry and the fault proxy.

mod common;

use std::time::{Duration, Instant};

use common::{EPHEMERAL, NO_NODE, PERSISTENT, RawClient, wait_until};
use zk_testing::{Cluster, Error, Mode, shared, unique_chroot};

#[test]
fn shared_server_answers_four_letter_words() {
    let cluster = shared();
    assert_eq!(cluster.len(), 1);
    assert_eq!(cluster.four_letter(0, "ruok").unwrap(), "imok");
    let srvr = cluster.four_letter(0, "srvr").unwrap();
    assert!(srvr.starts_with("Zookeeper version: "), "{srvr}");
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    assert_eq!(cluster.node(0).mode(), Some(Mode::Standalone));
    assert_eq!(cluster.leader(), Some(0));
    assert!(std::ptr::eq(cluster, shared()), "started once");

    let node = cluster.node(0);
    assert_eq!(node.address(), format!("127.0.0.1:{}", node.client_port()));
    assert_eq!(cluster.connect_string(), node.address());
    assert!(node.is_running());
    assert!(node.dir().starts_with(std::env::temp_dir()));
    assert!(node.log_tail(5).lines().count() <= 5);

    // A chroot is a fresh one-level path; it works once created.
    let a = unique_chroot("std");
    let b = unique_chroot("std");
    assert_ne!(a, b);
    assert!(
        a.starts_with("/t-std-") && a[1..].find('/').is_none(),
        "{a}"
    );
    assert_eq!(
        cluster.connect_string_with_chroot(&a),
        format!("{}{a}", node.address())
    );
    let mut client = RawClient::new_session(node.address(), 4000);
    assert_eq!(client.create(&a, b"", PERSISTENT), 0);
    assert_eq!(client.get_data(&a), Ok(Vec::new()));
    if std::env::var_os(zk_testing::CONNECT_ENV).is_none() {
        assert_eq!(
            zk_testing::shared_connect_string(),
            cluster.connect_string()
        );
    }
}

#[test]
fn stop_and_start_keep_ports_and_data() {
    let cluster = Cluster::builder().start().unwrap();
    let node = cluster.node(0);
    let port = node.client_port();
    let mut client = RawClient::new_session(node.address(), 4000);
    assert_eq!(client.create("/kept", b"data", PERSISTENT), 0);
    drop(client);

    let pid = node.pid().unwrap();
    node.stop().unwrap();
    assert!(!node.is_running());
    assert_eq!(node.pid(), None);
    assert!(!common::process_exists(pid));
    assert!(
        node.four_letter("ruok").is_err(),
        "nothing listens any more"
    );
    assert_eq!(node.mode(), None);
    assert!(node.dir().exists(), "a stopped node keeps its directory");
    node.stop().unwrap(); // stopping a stopped node is fine

    node.start().unwrap();
    assert_eq!(node.client_port(), port);
    assert_ne!(node.pid(), Some(pid));
    let mut client = RawClient::new_session(node.address(), 4000);
    assert_eq!(client.get_data("/kept"), Ok(b"data".to_vec()));
    assert!(
        node.log_tail(10_000)
            .contains("zk-testing: stopping node 0")
    );

    node.restart().unwrap();
    assert_eq!(node.mode(), Some(Mode::Standalone));
}

#[test]
fn kill_then_start() {
    let cluster = Cluster::builder().start().unwrap();
    let node = cluster.node(0);
    let mut client = RawClient::new_session(node.address(), 4000);
    assert_eq!(client.create("/before-kill", b"x", PERSISTENT), 0);

    let pid = node.pid().unwrap();
    node.kill().unwrap();
    assert!(!node.is_running());
    assert!(!common::process_exists(pid));
    // The server's side of the connection died with it.
    assert!(client.is_closed_within(Duration::from_secs(5)));

    node.start().unwrap();
    assert!(node.is_running());
    let mut client = RawClient::new_session(node.address(), 4000);
    assert_eq!(client.get_data("/before-kill"), Ok(b"x".to_vec()));
    assert_eq!(client.get_data("/missing"), Err(NO_NODE));
}

#[test]
fn expire_session_for_real() {
    let cluster = shared();
    let address = cluster.node(0).address();
    let root = unique_chroot("expire");
    let mut owner = RawClient::new_session(&address, 10_000);
    assert_eq!(owner.create(&root, b"", PERSISTENT), 0);
    let ephemeral = format!("{root}/eph");
    assert_eq!(owner.create(&ephemeral, b"mine", EPHEMERAL), 0);
    let (id, password) = (owner.session_id(), owner.password());

    cluster.expire_session(id, &password).unwrap();

    // The owner's connection is closed by the server...
    assert!(owner.is_closed_within(Duration::from_secs(5)));
    // ...and re-attaching says the session is gone.
    let again = RawClient::connect(&address, id, &password, 10_000).unwrap();
    assert!(again.response.is_expired(), "{:?}", again.response);
    assert_eq!(again.response.timeout_ms, 0);
    // Its ephemeral node is gone, as after a timeout.
    let mut other = RawClient::new_session(&address, 4000);
    assert_eq!(other.get_data(&ephemeral), Err(NO_NODE));

    // Expiring it again says so.
    match cluster.expire_session(id, &password) {
        Err(Error::SessionNotFound { session_id }) => assert_eq!(session_id, id),
        other => panic!("expected SessionNotFound, got {other:?}"),
    }
}

#[test]
fn fault_proxy_cut_blackhole_restore() {
    let cluster = shared();
    let proxy = cluster.proxy(0);
    assert_eq!(proxy.address(), format!("127.0.0.1:{}", proxy.port()));
    assert_eq!(proxy.upstream(), cluster.node(0).socket_addr());
    assert_eq!(cluster.proxied_connect_string(), proxy.address());
    assert!(proxy.is_forwarding());

    // Through the proxy, a session works like a direct one.
    let mut through = RawClient::new_session(proxy.address(), 10_000);
    through.ping().unwrap();
    assert_eq!(
        zk_testing::four_letter(proxy.socket_addr(), "ruok").unwrap(),
        "imok"
    );

    // Cut: the connection ends at once, and new ones are closed as soon as they open.
    proxy.cut();
    assert!(through.is_closed_within(Duration::from_secs(2)));
    assert!(RawClient::connect(proxy.address(), 0, &[0; 16], 10_000).is_err());
    assert!(wait_until(Duration::from_secs(2), || proxy
        .connection_count()
        == 0));

    // Restore: new connections work again (the cut one stays closed).
    proxy.restore();
    let mut silent = RawClient::new_session(proxy.address(), 10_000);
    let mut chatty = RawClient::new_session(proxy.address(), 10_000);
    chatty.ping().unwrap();

    // Blackhole: connections stay open but nothing comes back, and nothing new gets through.
    proxy.blackhole();
    chatty.set_read_timeout(Duration::from_secs(1));
    let started = Instant::now();
    let err = chatty.ping().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    let mut during = std::net::TcpStream::connect(proxy.socket_addr()).unwrap();
    {
        use std::io::{Read, Write};
        during.write_all(b"ruok").unwrap();
        during
            .set_read_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        let mut buf = [0u8; 8];
        let res = during.read(&mut buf);
        assert!(
            matches!(&res, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
            "no answer during a blackhole, got {res:?}"
        );
    }

    // Restore: connections that lost bytes are closed, a silent one goes on, new ones work.
    cluster.restore_all();
    assert!(chatty.is_closed_within(Duration::from_secs(2)));
    let mut buf = [0u8; 1];
    {
        use std::io::Read;
        let res = during.read(&mut buf);
        assert!(matches!(res, Ok(0) | Err(_)), "{res:?}");
    }
    silent.set_read_timeout(Duration::from_secs(5));
    silent.ping().unwrap();
    let mut after = RawClient::new_session(proxy.address(), 10_000);
    after.ping().unwrap();

    // Cluster-wide switches reach every proxy.
    cluster.blackhole_all();
    assert!(!proxy.is_forwarding());
    cluster.cut_all();
    assert!(after.is_closed_within(Duration::from_secs(2)));
    cluster.restore_all();
    assert!(proxy.is_forwarding());
}
