//! Failures the client must report cleanly: bad credentials, a closed client, bad input, and
//! load beyond the in-flight limit.

use std::time::Duration;

use zk_client::{CreateMode, CreateOptions, Error, ErrorCode, SessionState};

use super::JoinAll;
use crate::{Adapter, Env, within};

/// A rejected credential ends the session with AuthFailed; nothing hangs.
pub async fn auth_failure_stops_the_client<A: Adapter>() {
    let env = Env::new::<A>("authfail").await;
    let client = env.client::<A>().await;
    let mut states = client.state_changes();
    assert_eq!(
        client.add_auth("nosuchscheme", "zzz").await,
        Err(Error::Server(ErrorCode::AuthFailed))
    );
    let change = within(
        &client,
        Duration::from_secs(15),
        "the AuthFailed state",
        states.next(),
    )
    .await;
    assert_eq!(change.map(|c| c.state), Some(SessionState::AuthFailed));
    assert_eq!(client.state(), SessionState::AuthFailed);
    assert_eq!(
        client.get_data("/").await,
        Err(Error::Server(ErrorCode::AuthFailed))
    );

    // A client configured with a bad credential never connects.
    let refused = env
        .builder::<A>()
        .auth("nosuchscheme", "zzz")
        .connect()
        .await;
    assert_eq!(refused.err(), Some(Error::Server(ErrorCode::AuthFailed)));
}

/// After close, every operation fails with Closed; the session's ephemerals are gone at once.
pub async fn closed_client_refuses_work<A: Adapter>() {
    let env = Env::new::<A>("closed").await;
    let client = env.client::<A>().await;
    let observer = env.client::<A>().await;
    client
        .create_with("/eph", "", &CreateOptions::mode(CreateMode::Ephemeral))
        .await
        .unwrap();
    let (_, gone) = observer.exists_watched("/eph").await.unwrap();
    client.close().await;
    assert_eq!(client.state(), SessionState::Closed);
    assert_eq!(client.get_data("/").await, Err(Error::Closed));
    assert_eq!(client.create("/x", "").await, Err(Error::Closed));
    assert_eq!(client.add_auth("digest", "a:b").await, Err(Error::Closed));
    assert!(
        client
            .add_watch("/", zk_client::AddWatchMode::Persistent)
            .await
            .is_err()
    );
    client.close().await;
    // Closing deleted the ephemeral node without waiting for the session timeout.
    within(
        &observer,
        Duration::from_secs(5),
        "the ephemeral to go",
        gone,
    )
    .await;
    assert_eq!(observer.exists("/eph").await.unwrap(), None);
    observer.close().await;
}

/// Invalid paths and oversized data fail locally with typed errors and nothing is sent.
pub async fn bad_input_is_rejected_before_sending<A: Adapter>() {
    let env = Env::new::<A>("badinput").await;
    let client = env.client::<A>().await;
    let zxid = client.last_zxid();
    for path in [
        "",
        "relative",
        "/trailing/",
        "/double//slash",
        "/dot/./x",
        "/dots/..",
        "/nul\0",
    ] {
        assert!(
            matches!(
                client.create(path, "").await,
                Err(Error::InvalidPath { .. })
            ),
            "{path:?}"
        );
        assert!(
            matches!(client.get_data(path).await, Err(Error::InvalidPath { .. })),
            "{path:?}"
        );
    }
    let oversized = vec![0u8; 2 << 20];
    assert!(matches!(
        client.create("/big", oversized.clone()).await,
        Err(Error::RequestTooLarge { .. })
    ));
    assert!(matches!(
        client.set_data("/", oversized, None).await,
        Err(Error::RequestTooLarge { .. })
    ));
    assert_eq!(
        client
            .create_with("/a", "", &CreateOptions::default().with_acl(vec![]))
            .await,
        Err(Error::Server(ErrorCode::InvalidAcl))
    );
    // Nothing reached the server: no write happened, and the session is untouched.
    assert_eq!(client.last_zxid(), zxid);
    assert_eq!(client.state(), SessionState::Connected);
    assert_eq!(client.exists("/big").await.unwrap(), None);
    client.close().await;
}

/// 10,000 concurrent requests pass through a small in-flight limit and all complete.
pub async fn many_concurrent_requests_through_the_in_flight_limit<A: Adapter>() {
    let env = Env::new::<A>("load").await;
    let client = env
        .builder::<A>()
        .max_in_flight(64)
        .connect()
        .await
        .unwrap();
    client.create("/n", "payload").await.unwrap();
    let requests = JoinAll::new((0..10_000).map(|_| client.get_data("/n")).collect());
    let results = within(
        &client,
        Duration::from_secs(120),
        "10,000 replies",
        requests,
    )
    .await;
    assert_eq!(results.len(), 10_000);
    for result in results {
        assert_eq!(result.unwrap().0.as_ref(), b"payload");
    }
    client.close().await;
}
