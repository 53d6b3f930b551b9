//! Server errors arrive as typed errors.

use zk_client::{Acl, CreateMode, CreateOptions, Error, ErrorCode, Perms, auth};

use crate::{Adapter, Env};

/// NoNode, NodeExists, BadVersion, NotEmpty, NoAuth, InvalidAcl, NoChildrenForEphemerals.
pub async fn errors_are_typed<A: Adapter>() {
    let env = Env::new::<A>("errors").await;
    let client = env.client::<A>().await;
    assert_eq!(
        client.get_data("/missing").await,
        Err(Error::Server(ErrorCode::NoNode))
    );
    assert_eq!(
        client.delete("/missing", None).await,
        Err(Error::Server(ErrorCode::NoNode))
    );
    assert_eq!(
        client.create("/missing/child", "").await,
        Err(Error::Server(ErrorCode::NoNode))
    );

    client.create("/n", "").await.unwrap();
    assert_eq!(
        client.create("/n", "").await,
        Err(Error::Server(ErrorCode::NodeExists))
    );
    assert_eq!(
        client.set_data("/n", "", Some(42)).await,
        Err(Error::Server(ErrorCode::BadVersion))
    );

    client.create("/n/child", "").await.unwrap();
    assert_eq!(
        client.delete("/n", None).await,
        Err(Error::Server(ErrorCode::NotEmpty))
    );

    let locked = vec![auth::digest_acl("bob", "pw", Perms::ALL)];
    client
        .create_with("/locked", "", &CreateOptions::default().with_acl(locked))
        .await
        .unwrap();
    assert_eq!(
        client.get_data("/locked").await,
        Err(Error::Server(ErrorCode::NoAuth))
    );
    assert_eq!(
        client.create("/locked/x", "").await,
        Err(Error::Server(ErrorCode::NoAuth))
    );

    // The "auth" scheme without any authenticated id is an invalid ACL.
    let creator = CreateOptions::default().with_acl(Acl::creator_all());
    assert_eq!(
        client.create_with("/c", "", &creator).await,
        Err(Error::Server(ErrorCode::InvalidAcl))
    );

    let eph = CreateOptions::mode(CreateMode::Ephemeral);
    client.create_with("/eph", "", &eph).await.unwrap();
    assert_eq!(
        client.create("/eph/child", "").await,
        Err(Error::Server(ErrorCode::NoChildrenForEphemerals))
    );

    // Errors do not disturb the session.
    assert_eq!(client.state(), zk_client::SessionState::Connected);
    client.close().await;
}
