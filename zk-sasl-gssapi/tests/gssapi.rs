//! SASL GSSAPI against a real MIT KDC and a real ZooKeeper (Debian's 3.8.0 on Java 17) with
//! a Kerberos JAAS `Server` section. Each test runs in a child process that carries the
//! realm's `KRB5_*` environment (see `support`).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::{
    ALICE, ALICE_PASSWORD, BOB, BOB_PASSWORD, CLIENT, GHOST, NOBODY, OTHER_SERVICE, Realm, SERVER,
    STALE, kerberized,
};
use zk_client_tokio::auth::AclBuilder;
use zk_client_tokio::sasl::{SaslConfig, SaslError, SaslMechanism, SaslMechanismFactory};
use zk_client_tokio::{Client, CreateOptions, Error, ErrorCode, HostPort, Perms, SessionState};
use zk_sasl_gssapi::GssapiConfig;

const WAIT: Duration = Duration::from_secs(30);

async fn connect(connect_string: &str, sasl: SaslConfig) -> Result<Client, Error> {
    tokio::time::timeout(
        WAIT,
        zk_client_tokio::builder(connect_string)
            .sasl(sasl)
            .connect(),
    )
    .await
    .expect("connect() ends")
}

async fn sasl_ids(client: &Client) -> Vec<String> {
    client
        .who_am_i()
        .await
        .unwrap()
        .into_iter()
        .filter(|info| info.auth_scheme == "sasl")
        .map(|info| info.user)
        .collect()
}

/// Counts the exchanges a configuration starts (one per connection).
struct Counting {
    inner: GssapiConfig,
    started: Arc<AtomicUsize>,
}

impl SaslMechanismFactory for Counting {
    fn start(&self, host: &HostPort, random: u64) -> Result<Box<dyn SaslMechanism>, SaslError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.inner.start(host, random)
    }
}

/// `config` as a SASL configuration that counts its exchanges.
fn counted(config: GssapiConfig) -> (SaslConfig, Arc<AtomicUsize>) {
    let started = Arc::new(AtomicUsize::new(0));
    let factory = Counting {
        inner: config,
        started: started.clone(),
    };
    (SaslConfig::custom("counted", Arc::new(factory)), started)
}

#[test]
fn a_keytab_client_authenticates_owns_sasl_acls_and_reauthenticates_after_a_reconnect() {
    kerberized(
        "a_keytab_client_authenticates_owns_sasl_acls_and_reauthenticates_after_a_reconnect",
        keytab_client,
    );
}

async fn keytab_client(realm: Realm) {
    let cluster = realm.zookeeper();
    let started = Arc::new(AtomicUsize::new(0));
    let sasl = SaslConfig::custom(
        "counting GSSAPI",
        Arc::new(Counting {
            // Default settings: service `zookeeper`, the host (127.0.0.1) canonicalized by
            // Kerberos to `localhost`; the key comes from KRB5_CLIENT_KTNAME.
            inner: GssapiConfig::new().principal(CLIENT),
            started: started.clone(),
        }),
    );
    let client = connect(&cluster.proxied_connect_string(), sasl)
        .await
        .expect("the keytab client authenticates");
    assert_eq!(started.load(Ordering::SeqCst), 1);
    assert_eq!(sasl_ids(&client).await, [CLIENT]);

    let acl = AclBuilder::new().sasl(CLIENT, Perms::ALL).build();
    client
        .create_with("/kerberos", "k", &CreateOptions::default().with_acl(acl))
        .await
        .unwrap();
    assert_eq!(client.get_data("/kerberos").await.unwrap().0.as_ref(), b"k");
    let anonymous = zk_client_tokio::connect(&cluster.connect_string())
        .await
        .unwrap();
    assert_eq!(
        anonymous.get_data("/kerberos").await,
        Err(Error::Server(ErrorCode::NoAuth))
    );

    // A new connection of the same session runs the whole exchange again: without it the
    // new connection would be anonymous and NoAuth.
    let session = client.session_id();
    let mut states = client.state_changes();
    cluster.cut_all();
    cluster.restore_all();
    loop {
        let change = client
            .runtime()
            .timeout(WAIT, states.next())
            .await
            .flatten()
            .expect("a state change");
        if change.state == SessionState::Connected {
            break;
        }
    }
    assert_eq!(client.session_id(), session);
    let exchanges = started.load(Ordering::SeqCst);
    assert!(
        exchanges >= 2,
        "{exchanges} exchange(s) for two connections"
    );
    assert_eq!(sasl_ids(&client).await, [CLIENT]);
    client.set_data("/kerberos", "again", None).await.unwrap();
    assert_eq!(
        client.get_data("/kerberos").await.unwrap().0.as_ref(),
        b"again"
    );

    client.close().await;
    anonymous.close().await;
}

#[test]
fn credentials_the_kdc_or_the_server_refuse_end_connect_with_auth_failed_at_once() {
    kerberized(
        "credentials_the_kdc_or_the_server_refuse_end_connect_with_auth_failed_at_once",
        refused_credentials,
    );
}

async fn refused_credentials(realm: Realm) {
    let cluster = realm.zookeeper();
    let connect_string = cluster.connect_string();
    // What each case is, its configuration, and a piece of the reason logged for it.
    let cases = [
        (
            "a principal deleted from the KDC (in the keytab)",
            GssapiConfig::new().principal(GHOST),
            "Client 'ghost@TEST.ZK' not found in Kerberos database",
        ),
        (
            "a keytab with an outdated key",
            GssapiConfig::new().principal(STALE),
            "credentials of stale@TEST.ZK",
        ),
        (
            "a principal in no keytab and unknown to the KDC",
            GssapiConfig::new().principal(NOBODY),
            "credentials of nobody@TEST.ZK",
        ),
        (
            "a wrong password",
            GssapiConfig::new().password(BOB, "not-bobs-password"),
            "credentials of bob@TEST.ZK",
        ),
        // The KDC issues this ticket, but ZooKeeper has no key for the service: the server
        // refuses the exchange (err -115) and closes.
        (
            "a ticket for another service",
            GssapiConfig::new()
                .principal(CLIENT)
                .server_principal(OTHER_SERVICE),
            "the server rejected the SASL exchange",
        ),
        // Without canonicalization the server is zookeeper/127.0.0.1, unknown to the KDC.
        (
            "an uncanonicalized IP address",
            GssapiConfig::new()
                .principal(CLIENT)
                .canonicalize_host(false),
            "zookeeper/127.0.0.1@TEST.ZK not found",
        ),
    ];
    for (what, config, reason) in cases {
        let started = Instant::now();
        let (sasl, exchanges) = counted(config);
        let refused = connect(&connect_string, sasl).await;
        let took = started.elapsed();
        assert_eq!(
            refused.err(),
            Some(Error::Server(ErrorCode::AuthFailed)),
            "{what}"
        );
        // At once: the first refusal ends the session, with no retry on other connections.
        assert_eq!(exchanges.load(Ordering::SeqCst), 1, "{what}: one exchange");
        let logs = realm.take_logs();
        assert!(
            logs.contains(reason),
            "{what}: expected {reason:?} in {logs}"
        );
        assert!(
            !logs.contains("not-bobs-password"),
            "a password leaked: {logs}"
        );
        println!("{what}: AuthFailed after {took:?}");
    }

    // A server without SASL answers the first token with a null one (docs/protocol.md#sasl).
    let plain = zk_testing::Cluster::builder()
        .start()
        .expect("a plain server");
    let (sasl, exchanges) = counted(GssapiConfig::new().principal(CLIENT));
    let refused = connect(&plain.connect_string(), sasl).await;
    assert_eq!(
        refused.err(),
        Some(Error::Server(ErrorCode::AuthFailed)),
        "a server without SASL"
    );
    assert_eq!(exchanges.load(Ordering::SeqCst), 1, "no retry");
    let logs = realm.take_logs();
    assert!(logs.contains("the server sent no token"), "{logs}");

    // The server is unharmed: a good client still gets in.
    let client = connect(
        &connect_string,
        GssapiConfig::new().principal(CLIENT).into_sasl_config(),
    )
    .await
    .expect("a good client still connects");
    assert_eq!(sasl_ids(&client).await, [CLIENT]);
    client.close().await;
}

#[test]
fn the_server_principal_follows_the_service_host_and_override_settings() {
    kerberized(
        "the_server_principal_follows_the_service_host_and_override_settings",
        server_principal,
    );
}

async fn server_principal(realm: Realm) {
    let cluster = realm.zookeeper();
    let by_ip = cluster.connect_string();
    // The same server by name: zookeeper/localhost without any canonicalization.
    let by_name = by_ip.replace("127.0.0.1", "localhost");
    let accepted = [
        (
            "an explicit principal",
            &by_ip,
            GssapiConfig::new().server_principal(SERVER),
        ),
        (
            "an explicit principal without realm",
            &by_ip,
            GssapiConfig::new().server_principal("zookeeper/localhost"),
        ),
        (
            "the host as written",
            &by_name,
            GssapiConfig::new().canonicalize_host(false),
        ),
        (
            "the service named explicitly",
            &by_name,
            GssapiConfig::new().service("zookeeper"),
        ),
    ];
    for (what, connect_string, config) in accepted {
        let client = connect(connect_string, config.principal(CLIENT).into_sasl_config())
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(sasl_ids(&client).await, [CLIENT], "{what}");
        client.close().await;
    }
    // Another service name: no such principal in the KDC.
    let refused = connect(
        &by_ip,
        GssapiConfig::new()
            .service("zk")
            .principal(CLIENT)
            .into_sasl_config(),
    )
    .await;
    assert_eq!(refused.err(), Some(Error::Server(ErrorCode::AuthFailed)));
}

#[test]
fn default_credentials_come_from_the_credential_cache_and_passwords_work_too() {
    kerberized(
        "default_credentials_come_from_the_credential_cache_and_passwords_work_too",
        cache_and_password,
    );
}

async fn cache_and_password(realm: Realm) {
    let cluster = realm.zookeeper();
    let connect_string = cluster.connect_string();
    // `kinit alice` into this process's KRB5CCNAME: no principal configured at all.
    realm.kinit(ALICE, ALICE_PASSWORD);
    let alice = connect(&connect_string, GssapiConfig::new().into_sasl_config())
        .await
        .expect("the default credential cache authenticates");
    assert_eq!(sasl_ids(&alice).await, [ALICE]);

    // Bob is in no cache and no keytab: the password gets his tickets.
    let bob = connect(
        &connect_string,
        GssapiConfig::new()
            .password(BOB, BOB_PASSWORD)
            .into_sasl_config(),
    )
    .await
    .expect("a password authenticates");
    assert_eq!(sasl_ids(&bob).await, [BOB]);

    // Each sees the other's sasl ACL as NoAuth.
    let acl = AclBuilder::new().sasl(ALICE, Perms::ALL).build();
    alice
        .create_with("/alice", "a", &CreateOptions::default().with_acl(acl))
        .await
        .unwrap();
    assert_eq!(
        bob.get_data("/alice").await,
        Err(Error::Server(ErrorCode::NoAuth))
    );
    alice.close().await;
    bob.close().await;
}
