//! One participant and one observer, with read-only mode: the observer serves reads once the
//! only voter is gone.

mod common;

use std::time::Duration;

use common::{PERSISTENT, RawClient};
use zk_testing::{Cluster, Error, Mode};

#[test]
fn observer_serves_read_only_without_its_voter() {
    let cluster = Cluster::builder()
        .size(1)
        .observers(1)
        .read_only(true)
        .reconfig(true)
        .start()
        .unwrap();
    assert_eq!(cluster.len(), 2);
    assert!(!cluster.node(0).is_observer());
    assert!(cluster.node(1).is_observer());
    assert_eq!(cluster.node(0).mode(), Some(Mode::Leader));
    assert_eq!(cluster.node(1).mode(), Some(Mode::Observer));
    assert_eq!(cluster.leader(), Some(0));

    let mut client = RawClient::new_session(cluster.node(1).address(), 4000);
    assert_eq!(client.create("/seen-by-observer", b"o", PERSISTENT), 0);
    drop(client);

    cluster.node(0).stop().unwrap();
    cluster
        .node(1)
        .wait_read_only(Duration::from_secs(20))
        .unwrap();
    assert_eq!(cluster.node(1).mode(), Some(Mode::ReadOnly));
    assert_eq!(cluster.leader(), None);
    assert_eq!(cluster.node(1).four_letter("isro").unwrap(), "ro");
    // A read-only node does not count as serving.
    match cluster.node(1).wait_serving(Duration::from_millis(200)) {
        Err(Error::Server { index: 1, .. }) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }

    cluster.node(0).start().unwrap();
    cluster.wait_serving(Duration::from_secs(20)).unwrap();
    assert_eq!(cluster.node(1).mode(), Some(Mode::Observer));
}

#[test]
fn a_port_that_stays_taken_fails_with_the_server_log() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = Cluster::builder()
        .config("clientPort", port.to_string())
        .start_timeout(Duration::from_secs(20))
        .start()
        .unwrap_err();
    match &err {
        Error::Server { log_tail, .. } => {
            assert!(log_tail.contains("Address already in use"), "{err}")
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    // The message carries the log too.
    assert!(err.to_string().contains("BindException"), "{err}");
}
