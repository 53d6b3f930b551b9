//! The client's version gating against every release the README claims (3.4 to 3.9), through
//! zk-server's release personalities: an operation the server's release lacks fails with
//! `Error::Server(ErrorCode::Unimplemented)`, and the session lives on, whether the client
//! knew the version (it refuses before sending) or not (the server refuses and closes the
//! connection, as ZooKeeper does, and the client reconnects to the same session and never
//! sends that operation again). Operations the release has work.

use std::time::Duration;

use zk_client_blocking::{
    AddWatchMode, Client, CreateMode, CreateOptions, Error, ErrorCode, ReadOp, ServerVersion,
    WatcherType,
};
use zk_server::{EmbeddedServer, ServerConfig};

const RELEASES: [(u16, u16, u16); 6] = [
    (3, 4, 14),
    (3, 5, 10),
    (3, 6, 4),
    (3, 7, 2),
    (3, 8, 4),
    (3, 9, 3),
];

/// One operation the client gates, with the release that introduced it.
struct Case {
    name: &'static str,
    since: ServerVersion,
    call: fn(&Client, &str) -> Result<(), Error>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "create2 (create with Stat)",
            since: ServerVersion::new(3, 5, 0),
            call: |c, tag| {
                let options = CreateOptions::mode(CreateMode::Persistent);
                c.create_with_stat(&format!("/s-{tag}"), "", &options)
                    .map(|_| ())
            },
        },
        Case {
            name: "checkWatches",
            since: ServerVersion::new(3, 5, 0),
            // No watch is held: a server that has the operation answers NoWatcher.
            call: |c, _| match c.check_watches("/", WatcherType::Data) {
                Err(Error::Server(ErrorCode::NoWatcher)) => Ok(()),
                other => other,
            },
        },
        Case {
            name: "createContainer",
            since: ServerVersion::new(3, 5, 1),
            call: |c, tag| {
                let options = CreateOptions::mode(CreateMode::Container);
                c.create_with(&format!("/c-{tag}"), "", &options)
                    .map(|_| ())
            },
        },
        Case {
            name: "createTTL",
            since: ServerVersion::new(3, 5, 3),
            call: |c, tag| {
                let mode = CreateMode::PersistentWithTtl {
                    ttl: Duration::from_secs(60),
                };
                c.create_with(&format!("/t-{tag}"), "", &CreateOptions::mode(mode))
                    .map(|_| ())
            },
        },
        Case {
            name: "getAllChildrenNumber",
            since: ServerVersion::new(3, 6, 0),
            call: |c, _| c.count_descendants("/").map(|_| ()),
        },
        Case {
            name: "getEphemerals",
            since: ServerVersion::new(3, 6, 0),
            call: |c, _| c.get_ephemerals("/").map(|_| ()),
        },
        Case {
            name: "multiRead",
            since: ServerVersion::new(3, 6, 0),
            call: |c, _| {
                c.multi_read(vec![ReadOp::GetData { path: "/".into() }])
                    .map(|_| ())
            },
        },
        Case {
            name: "addWatch",
            since: ServerVersion::new(3, 6, 0),
            call: |c, _| c.add_watch("/", AddWatchMode::Persistent).map(|_| ()),
        },
        Case {
            name: "whoAmI",
            since: ServerVersion::new(3, 7, 0),
            call: |c, _| c.who_am_i().map(|_| ()),
        },
    ]
}

fn client(server: &EmbeddedServer, probe: bool) -> Client {
    zk_client_blocking::builder(&server.connect_string())
        .session_timeout(Duration::from_secs(10))
        .probe_server_version(probe)
        .connect()
        .expect("connect")
}

/// Runs every case on a client, checking each outcome and that the session survived.
fn check(server: &EmbeddedServer, release: ServerVersion, probe: bool) {
    let client = client(server, probe);
    if probe {
        assert_eq!(client.async_client().known_server_version(), Some(release));
    }
    let session = client.session_id();
    for (i, case) in cases().iter().enumerate() {
        let tag = format!("{probe}-{i}");
        let outcome = (case.call)(&client, &tag);
        if release >= case.since {
            assert_eq!(
                outcome,
                Ok(()),
                "{} on {release} (probed: {probe})",
                case.name
            );
        } else {
            assert_eq!(
                outcome,
                Err(Error::Server(ErrorCode::Unimplemented)),
                "{} on {release} (probed: {probe})",
                case.name
            );
            // Refused once, never sent again: the second call fails without a round trip
            // that would close the connection again.
            let again = (case.call)(&client, &format!("{tag}-again"));
            assert_eq!(
                again,
                Err(Error::Server(ErrorCode::Unimplemented)),
                "{}",
                case.name
            );
        }
        // Whatever happened, the session is the same one and still answers.
        client
            .wait_connected(Duration::from_secs(10))
            .expect("connected again");
        assert_eq!(client.session_id(), session, "{} on {release}", case.name);
        client.exists("/").expect("the session still answers");
    }
    client.close();
}

#[test]
fn gated_operations_fail_as_unimplemented_on_older_releases_and_work_on_newer() {
    for (major, minor, patch) in RELEASES {
        let release = ServerVersion::new(major, minor, patch);
        let server = EmbeddedServer::start_with(ServerConfig::default().with_version(release))
            .expect("the embedded server starts");
        check(&server, release, true);
        check(&server, release, false);
    }
}
