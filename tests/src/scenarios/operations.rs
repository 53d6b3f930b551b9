//! Every operation, on the happy path.

use std::time::Duration;

use bytes::Bytes;
use zk_client::{
    Acl, CreateMode, CreateOptions, Error, ErrorCode, EventType, MultiResult, Perms, ReadOp,
    ReadResult, WatchEvent, auth,
};

use crate::{Adapter, Env, within};

const WAIT: Duration = Duration::from_secs(15);

/// create in every mode, with and without Stat, with parents.
pub async fn operations_create_modes<A: Adapter>() {
    let env = Env::new::<A>("create-modes").await;
    let client = env.client::<A>().await;

    assert_eq!(client.create("/p", "persistent").await.unwrap(), "/p");
    let (path, stat) = client
        .create_with_stat(
            "/e",
            "ephemeral",
            &CreateOptions::mode(CreateMode::Ephemeral),
        )
        .await
        .unwrap();
    assert_eq!(path, "/e");
    assert_eq!(
        Some(zk_client::SessionId::new(stat.ephemeral_owner)),
        client.session_id()
    );
    assert_eq!(stat.data_length, 9);

    let seq = CreateOptions::mode(CreateMode::PersistentSequential);
    let first = client.create_with("/p/s-", "", &seq).await.unwrap();
    let second = client.create_with("/p/s-", "", &seq).await.unwrap();
    assert_eq!(first, "/p/s-0000000000");
    assert_eq!(second, "/p/s-0000000001");
    let eseq = CreateOptions::mode(CreateMode::EphemeralSequential);
    let e = client.create_with("/p/", "", &eseq).await.unwrap();
    assert_eq!(e, "/p/0000000002", "a sequential prefix may end with '/'");

    // Parents on demand.
    let deep = CreateOptions::default().with_parents();
    assert_eq!(
        client.create_with("/a/b/c", "x", &deep).await.unwrap(),
        "/a/b/c"
    );
    assert!(client.exists("/a/b").await.unwrap().is_some());

    // A container goes once its last child does (the shared server reaps every 500 ms).
    client
        .create_with("/box", "", &CreateOptions::mode(CreateMode::Container))
        .await
        .unwrap();
    client.create("/box/item", "").await.unwrap();
    let (_, gone) = client.exists_watched("/box").await.unwrap();
    client.delete("/box/item", None).await.unwrap();
    match within(&client, WAIT, "the container to be reaped", gone).await {
        WatchEvent::Node(event) => assert_eq!(event.event_type, EventType::NodeDeleted),
        other => panic!("{other:?}"),
    }

    // A TTL node (the shared server enables extended types) goes once unmodified for its TTL.
    let ttl = CreateOptions::mode(CreateMode::PersistentWithTtl {
        ttl: Duration::from_millis(200),
    });
    let (path, stat) = client.create_with_stat("/ttl", "", &ttl).await.unwrap();
    assert_eq!(
        (path.as_str(), stat.ephemeral_owner),
        ("/ttl", 0),
        "the server masks TTL owners"
    );
    let (_, expired) = client.exists_watched("/ttl").await.unwrap();
    match within(&client, WAIT, "the TTL node to expire", expired).await {
        WatchEvent::Node(event) => assert_eq!(event.event_type, EventType::NodeDeleted),
        other => panic!("{other:?}"),
    }
    let seq_ttl = CreateOptions::mode(CreateMode::PersistentSequentialWithTtl {
        ttl: Duration::from_secs(60),
    });
    assert_eq!(
        client.create_with("/q-", "", &seq_ttl).await.unwrap(),
        "/q-0000000005"
    );
    client.close().await;
}

/// ensure_path, exists, get/set data with versions, delete with version, recursive delete.
pub async fn operations_read_write_delete<A: Adapter>() {
    let env = Env::new::<A>("rwd").await;
    let client = env.client::<A>().await;

    client.ensure_path("/x/y/z").await.unwrap();
    client.ensure_path("/x/y/z").await.unwrap();
    assert!(client.exists("/x/y/z").await.unwrap().is_some());
    assert!(client.exists("/nope").await.unwrap().is_none());

    let stat = client.set_data("/x", "one", None).await.unwrap();
    assert_eq!(stat.version, 1);
    let (data, stat) = client.get_data("/x").await.unwrap();
    assert_eq!((data.as_ref(), stat.version), (&b"one"[..], 1));
    let stat = client.set_data("/x", "two", Some(1)).await.unwrap();
    assert_eq!(stat.version, 2);
    assert_eq!(
        client.set_data("/x", "three", Some(1)).await,
        Err(Error::Server(ErrorCode::BadVersion))
    );

    // Large values up to the default frame limit round-trip intact.
    let big = Bytes::from(vec![7u8; 900 * 1024]);
    client.set_data("/x/y", big.clone(), None).await.unwrap();
    assert_eq!(client.get_data("/x/y").await.unwrap().0, big);

    client.create("/d", "").await.unwrap();
    assert_eq!(
        client.delete("/d", Some(5)).await,
        Err(Error::Server(ErrorCode::BadVersion))
    );
    client.delete("/d", Some(0)).await.unwrap();
    assert_eq!(client.exists("/d").await.unwrap(), None);

    client.delete_recursive("/x").await.unwrap();
    assert_eq!(client.exists("/x").await.unwrap(), None);
    client.delete_recursive("/x").await.unwrap();
    client.close().await;
}

/// get_children (with Stat), count_descendants, get_ephemerals, sync.
pub async fn operations_children_and_counts<A: Adapter>() {
    let env = Env::new::<A>("children").await;
    let client = env.client::<A>().await;
    for name in ["a", "b", "c"] {
        client.create(&format!("/{name}"), "").await.unwrap();
    }
    client.create("/a/1", "").await.unwrap();
    let eph = CreateOptions::mode(CreateMode::Ephemeral);
    client.create_with("/b/e1", "", &eph).await.unwrap();
    client.create_with("/c/e2", "", &eph).await.unwrap();

    let mut children = client.get_children("/").await.unwrap();
    children.sort();
    assert_eq!(children, ["a", "b", "c"]);
    let (children, stat) = client.get_children_with_stat("/a").await.unwrap();
    assert_eq!((children, stat.num_children), (vec!["1".to_owned()], 1));
    assert_eq!(client.count_descendants("/").await.unwrap(), 6);
    assert_eq!(client.count_descendants("/a/1").await.unwrap(), 0);

    let mut ephemerals = client.get_ephemerals("/").await.unwrap();
    ephemerals.sort();
    assert_eq!(ephemerals, ["/b/e1", "/c/e2"]);
    assert_eq!(client.get_ephemerals("/c").await.unwrap(), ["/c/e2"]);

    client.sync("/a").await.unwrap();
    client.close().await;
}

/// get/set ACL, digest auth, who_am_i.
pub async fn operations_acl_and_auth<A: Adapter>() {
    let env = Env::new::<A>("acl").await;
    let owner = env
        .builder::<A>()
        .digest_auth("alice", "secret")
        .connect()
        .await
        .unwrap();
    let acl = vec![
        auth::digest_acl("alice", "secret", Perms::ALL),
        Acl::new(Perms::READ, zk_client::Id::anyone()),
    ];
    owner
        .create_with(
            "/guarded",
            "v",
            &CreateOptions::default().with_acl(acl.clone()),
        )
        .await
        .unwrap();
    let (got, stat) = owner.get_acl("/guarded").await.unwrap();
    assert_eq!(got, acl);
    assert_eq!(stat.aversion, 0);

    let ids = owner.who_am_i().await.unwrap();
    assert!(
        ids.iter()
            .any(|id| id.auth_scheme == "digest" && id.user == "alice"),
        "{ids:?}"
    );

    // Someone else may read but not write.
    let other = env.client::<A>().await;
    assert_eq!(other.get_data("/guarded").await.unwrap().0.as_ref(), b"v");
    assert_eq!(
        other.set_data("/guarded", "x", None).await,
        Err(Error::Server(ErrorCode::NoAuth))
    );
    // Until it authenticates as alice, on the live connection.
    other
        .add_auth("digest", auth::digest_credential("alice", "secret"))
        .await
        .unwrap();
    other.set_data("/guarded", "x", None).await.unwrap();

    let open = Acl::open_unsafe();
    assert_eq!(
        owner.set_acl("/guarded", open.clone(), Some(7)).await,
        Err(Error::Server(ErrorCode::BadVersion))
    );
    let stat = owner
        .set_acl("/guarded", open.clone(), Some(0))
        .await
        .unwrap();
    assert_eq!(stat.aversion, 1);
    assert_eq!(owner.get_acl("/guarded").await.unwrap().0, open);
    owner.close().await;
    other.close().await;
}

/// multi with per-op results, and multiRead.
pub async fn operations_transactions_and_multi_read<A: Adapter>() {
    let env = Env::new::<A>("multi").await;
    let client = env.client::<A>().await;
    client.create("/t", "0").await.unwrap();

    let results = client
        .transaction()
        .create("/t/a", "a", CreateMode::Persistent)
        .create("/t/s-", "", CreateMode::PersistentSequential)
        .set_data("/t", "1", Some(0))
        .check("/t", 1)
        .delete("/t/a", None)
        .commit()
        .await
        .unwrap();
    assert_eq!(results.len(), 5);
    assert!(matches!(&results[0], MultiResult::Created { path, .. } if path == "/t/a"));
    assert!(matches!(&results[1], MultiResult::Created { path, .. } if path == "/t/s-0000000001"));
    assert!(matches!(&results[2], MultiResult::SetData(stat) if stat.version == 1));
    assert_eq!(results[3], MultiResult::Checked);
    assert_eq!(results[4], MultiResult::Deleted);

    // A failed transaction applies nothing and says which op failed.
    let err = client
        .transaction()
        .create("/t/b", "", CreateMode::Persistent)
        .check("/t", 99)
        .delete("/t", None)
        .commit()
        .await
        .unwrap_err();
    assert_eq!(
        (err.error.clone(), err.failed_op),
        (Error::Server(ErrorCode::BadVersion), Some(1))
    );
    assert_eq!(
        err.results,
        [
            MultiResult::RolledBack,
            MultiResult::Error(Error::Server(ErrorCode::BadVersion)),
            MultiResult::Error(Error::Server(ErrorCode::RuntimeInconsistency))
        ]
    );
    assert_eq!(client.exists("/t/b").await.unwrap(), None);
    assert!(client.transaction().commit().await.unwrap().is_empty());

    // A create in a transaction with an ACL of its own.
    let read_only = vec![Acl::new(Perms::READ, zk_client::Id::anyone())];
    client
        .transaction()
        .create_with_acl("/t/ro", "r", CreateMode::Persistent, read_only.clone())
        .commit()
        .await
        .unwrap();
    assert_eq!(client.get_acl("/t/ro").await.unwrap().0, read_only);
    assert_eq!(
        client.set_data("/t/ro", "w", None).await,
        Err(Error::Server(ErrorCode::NoAuth))
    );
    client.delete("/t/ro", None).await.unwrap();

    let read = client
        .multi_read(vec![
            ReadOp::GetData { path: "/t".into() },
            ReadOp::GetChildren {
                path: "/missing".into(),
            },
            ReadOp::GetChildren { path: "/t".into() },
        ])
        .await
        .unwrap();
    assert!(matches!(&read[0], ReadResult::Data { data, .. } if data.as_ref() == b"1"));
    assert_eq!(read[1], ReadResult::Error(Error::Server(ErrorCode::NoNode)));
    assert_eq!(
        read[2],
        ReadResult::Children(vec!["s-0000000001".to_owned()])
    );
    client.close().await;
}

/// Configuration, four-letter words, server version, session identity.
pub async fn operations_admin<A: Adapter>() {
    let env = Env::new::<A>("admin").await;
    let client = env.client::<A>().await;
    // `connect` opens no second connection for `srvr` unless asked to: the version is
    // unknown until asked for, then remembered.
    assert_eq!(client.known_server_version(), None);
    let version = client.server_version().await.unwrap();
    assert!(
        version >= zk_client::ServerVersion::new(3, 5, 0),
        "{version}"
    );
    assert_eq!(client.known_server_version(), Some(version));
    // Opted in, `connect` has asked before it returns.
    let probed = env
        .builder::<A>()
        .probe_server_version(true)
        .connect()
        .await
        .unwrap();
    assert_eq!(probed.known_server_version(), Some(version));
    probed.close().await;
    assert_eq!(client.four_letter_word("ruok").await.unwrap(), "imok");
    assert!(
        client
            .four_letter_word("srvr")
            .await
            .unwrap()
            .contains("Mode: standalone")
    );
    assert!(client.four_letter_word("toolong").await.is_err());

    // A standalone server has an empty dynamic configuration and refuses reconfig.
    let (config, _) = client.get_config().await.unwrap();
    assert!(config.is_empty(), "{config:?}");
    let refused = client
        .reconfig(Some("server.9=127.0.0.1:1:2;3"), None, None, None)
        .await;
    assert!(
        matches!(
            refused,
            Err(Error::Server(ErrorCode::Unimplemented)
                | Error::Server(ErrorCode::ReconfigDisabled))
        ),
        "{refused:?}"
    );

    assert!(client.session_id().is_some());
    assert_eq!(client.session_password().unwrap().len(), 16);
    assert_eq!(client.negotiated_timeout(), Some(Duration::from_secs(10)));
    assert!(client.last_zxid() > 0);
    assert_eq!(client.state(), zk_client::SessionState::Connected);
    client.close().await;
}

/// Requests run in call order, whatever order their futures are awaited in: each is submitted
/// when the operation is called (ZooKeeper's FIFO order per session is the caller's order).
pub async fn operations_run_in_call_order<A: Adapter>() {
    let env = Env::new::<A>("call-order").await;
    let client = env.client::<A>().await;
    client.create("/n", "0").await.unwrap();

    let first = client.set_data("/n", "first", None);
    let second = client.set_data("/n", "second", None);
    // Awaited in the opposite order of the calls.
    let second = second.await.unwrap();
    let first = first.await.unwrap();
    assert_eq!((first.version, second.version), (1, 2));
    assert!(first.mzxid < second.mzxid);
    assert_eq!(client.get_data("/n").await.unwrap().0, "second");

    // Versioned writes that only succeed in call order, one of them never polled before
    // the other completes.
    let third = client.set_data("/n", "third", Some(2));
    let fourth = client.set_data("/n", "fourth", Some(3));
    assert_eq!(fourth.await.unwrap().version, 4);
    assert_eq!(third.await.unwrap().version, 3);

    // A transaction and a read created in that order: the read sees the transaction.
    let txn = client
        .transaction()
        .set_data("/n", "txn", None)
        .create("/n/child", "", CreateMode::Persistent)
        .commit();
    let read = client.get_children("/n");
    assert_eq!(read.await.unwrap(), ["child"]);
    assert_eq!(txn.await.unwrap().len(), 2);
}
