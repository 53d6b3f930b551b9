//! Server errors arrive as typed errors.

use zk_client::{Acl, CreateMode, CreateOptions, Error, Perms, auth};

use crate::{Adapter, Env};

/// NoNode, NodeExists, BadVersion, NotEmpty, NoAuth, InvalidAcl, NoChildrenForEphemerals.
pub async fn errors_are_typed<A: Adapter>() {
    let env = Env::new::<A>("errors").await;
    let client = env.client::<A>().await;
    assert_eq!(client.get_data("/missing").await, Err(Error::NoNode));
    assert_eq!(client.delete("/missing", None).await, Err(Error::NoNode));
    assert_eq!(
        client.create("/missing/child", "").await,
        Err(Error::NoNode)
    );

    client.create("/n", "").await.unwrap();
    assert_eq!(client.create("/n", "").await, Err(Error::NodeExists));
    assert_eq!(
        client.set_data("/n", "", Some(42)).await,
        Err(Error::BadVersion)
    );

    client.create("/n/child", "").await.unwrap();
    assert_eq!(client.delete("/n", None).await, Err(Error::NotEmpty));

    let locked = vec![auth::digest_acl("bob", "pw", Perms::ALL)];
    client
        .create_with("/locked", "", &CreateOptions::default().with_acl(locked))
        .await
        .unwrap();
    assert_eq!(client.get_data("/locked").await, Err(Error::NoAuth));
    assert_eq!(client.create("/locked/x", "").await, Err(Error::NoAuth));

    // The "auth" scheme without any authenticated id is an invalid ACL.
    let creator = CreateOptions::default().with_acl(Acl::creator_all());
    assert_eq!(
        client.create_with("/c", "", &creator).await,
        Err(Error::InvalidAcl)
    );

    let eph = CreateOptions::mode(CreateMode::Ephemeral);
    client.create_with("/eph", "", &eph).await.unwrap();
    assert_eq!(
        client.create("/eph/child", "").await,
        Err(Error::NoChildrenForEphemerals)
    );

    // Errors do not disturb the session.
    assert_eq!(client.state(), zk_client::SessionState::Connected);
    client.close().await;
}
