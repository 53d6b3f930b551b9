//! The blocking receivers under a flood, against a real server: a persistent watch that is not
//! iterated stays bounded and reports what it dropped, exactly as the async stream does.

use std::time::Duration;

use zk_client_blocking::{AddWatchMode, Client, EventType, SessionState, WatchEvent};

const CAPACITY: usize = 8;
const WAIT: Duration = Duration::from_secs(10);

fn client(name: &str) -> Client {
    // The shared server: Java's ZooKeeper, or zk-server under ZK_TESTING_SERVER=embedded.
    let server = zk_testing::shared_connect_string();
    let chroot = zk_testing::unique_chroot(name);
    let root = zk_client_blocking::connect(&server).expect("connect");
    root.ensure_path(&chroot).expect("chroot");
    root.close();
    zk_client_blocking::builder(&format!("{server}{chroot}"))
        .session_timeout(Duration::from_secs(10))
        .event_queue_capacity(CAPACITY)
        .connect()
        .expect("connect in the chroot")
}

#[test]
fn an_unread_watch_receiver_is_bounded_and_reports_the_lag() {
    let client = client("lag");
    let mut states = client.state_changes();
    let mut events = client.add_watch("/f", AddWatchMode::Persistent).unwrap();
    client.create("/f", "").unwrap();
    for i in 0..100 {
        // Each notification reaches the client before the reply to the write that caused it.
        client.set_data("/f", i.to_string(), None).unwrap();
    }
    assert_eq!(events.queued(), CAPACITY);

    assert_eq!(
        events.recv_timeout(WAIT),
        Ok(WatchEvent::Lagged {
            missed: (101 - CAPACITY) as u64
        })
    );
    for _ in 0..CAPACITY {
        let event = events.next().expect("open");
        assert!(
            matches!(&event, WatchEvent::Node(e) if e.event_type == EventType::NodeDataChanged),
            "{event:?}"
        );
    }
    assert_eq!(events.queued(), 0);

    client.close();
    assert_eq!(events.next(), Some(WatchEvent::Closed));
    assert_eq!(events.next(), None);
    // The state receiver was not read either, but held far fewer changes than its capacity:
    // it missed nothing and reports the close.
    assert!(states.queued() <= CAPACITY);
    let closed = states
        .find(|change| change.state == SessionState::Closed)
        .expect("the close");
    assert_eq!(closed.state, SessionState::Closed);
    assert_eq!(states.missed(), 0);
}
