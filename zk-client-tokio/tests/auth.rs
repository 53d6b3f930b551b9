//! Security against real servers: digest credentials and ACLs (replayed after reconnects,
//! creator-only ACLs, the super user), SASL DIGEST-MD5, and no secret in logs, errors or
//! `Debug` output.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use zk_client_tokio::auth::AclBuilder;
use zk_client_tokio::{CreateOptions, Error, ErrorCode, Perms, SessionState};
use zk_testing::Cluster;

const SECRET: &str = "s3cr3t-Pa55word";
const WAIT: Duration = Duration::from_secs(20);

async fn chroot(name: &str) -> String {
    let server = zk_testing::shared();
    let chroot = zk_testing::unique_chroot(name);
    let root = zk_client_tokio::connect(&server.connect_string())
        .await
        .unwrap();
    root.ensure_path(&chroot).await.unwrap();
    root.close().await;
    server.connect_string_with_chroot(&chroot)
}

/// A server with SASL DIGEST-MD5 users (JAAS `DigestLoginModule`).
fn sasl_cluster() -> Cluster {
    Cluster::builder()
        .config(
            "authProvider.1",
            "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
        )
        .jaas_config(format!(
            "Server {{\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_bob=\"{SECRET}\";\n}};\n"
        ))
        .start()
        .expect("a SASL-enabled server starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_acls_deny_without_the_credential_and_allow_with_it() {
    let connect = chroot("digest").await;
    let alice = zk_client_tokio::builder(&connect)
        .digest_auth("alice", SECRET)
        .connect()
        .await
        .unwrap();
    let acl = AclBuilder::new()
        .digest("alice", SECRET, Perms::ALL)
        .build();
    alice
        .create_with("/private", "x", &CreateOptions::default().with_acl(acl))
        .await
        .unwrap();

    let stranger = zk_client_tokio::connect(&connect).await.unwrap();
    assert_eq!(
        stranger.get_data("/private").await,
        Err(Error::Server(ErrorCode::NoAuth))
    );
    // The wrong password is a valid credential for another identity: still denied.
    stranger.add_auth("digest", "alice:wrong").await.unwrap();
    assert_eq!(
        stranger.get_data("/private").await,
        Err(Error::Server(ErrorCode::NoAuth))
    );
    stranger
        .add_auth("digest", format!("alice:{SECRET}"))
        .await
        .unwrap();
    assert_eq!(
        stranger.get_data("/private").await.unwrap().0.as_ref(),
        b"x"
    );

    // Creator-only ACLs: the node belongs to whoever created it.
    alice
        .create_with(
            "/mine",
            "",
            &CreateOptions::default().with_acl(AclBuilder::new().creator(Perms::ALL).build()),
        )
        .await
        .unwrap();
    let (acl, _) = alice.get_acl("/mine").await.unwrap();
    assert_eq!(
        acl,
        AclBuilder::new()
            .digest("alice", SECRET, Perms::ALL)
            .build()
    );
    let anonymous = zk_client_tokio::connect(&connect).await.unwrap();
    let refused = anonymous
        .create_with(
            "/theirs",
            "",
            &CreateOptions::default().with_acl(AclBuilder::new().creator(Perms::ALL).build()),
        )
        .await;
    assert_eq!(
        refused,
        Err(Error::Server(ErrorCode::InvalidAcl)),
        "creator ACLs need an authenticated session"
    );

    for c in [alice, stranger, anonymous] {
        c.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_super_user_reads_everything() {
    let connect = chroot("super").await;
    let owner = zk_client_tokio::builder(&connect)
        .digest_auth("owner", SECRET)
        .connect()
        .await
        .unwrap();
    owner
        .create_with(
            "/locked",
            "v",
            &CreateOptions::default().with_acl(
                AclBuilder::new()
                    .digest("owner", SECRET, Perms::ALL)
                    .build(),
            ),
        )
        .await
        .unwrap();
    let (user, password) = zk_testing::SHARED_SUPER_USER;
    let admin = zk_client_tokio::builder(&connect)
        .digest_auth(user, password)
        .connect()
        .await
        .unwrap();
    assert_eq!(admin.get_data("/locked").await.unwrap().0.as_ref(), b"v");
    admin
        .set_acl("/locked", zk_client_tokio::Acl::open_unsafe(), None)
        .await
        .unwrap();
    owner.close().await;
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_replayed_after_a_reconnect() {
    let cluster = Cluster::builder().start().unwrap();
    let client = zk_client_tokio::builder(&cluster.proxied_connect_string())
        .connect()
        .await
        .unwrap();
    client
        .add_auth("digest", format!("carol:{SECRET}"))
        .await
        .unwrap();
    let acl = AclBuilder::new()
        .digest("carol", SECRET, Perms::ALL)
        .build();
    client
        .create_with("/c", "", &CreateOptions::default().with_acl(acl))
        .await
        .unwrap();
    let mut states = client.state_changes();
    let session = client.session_id();
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
    // Auth belongs to the connection: only the replay makes this work on the new one.
    client.set_data("/c", "after", None).await.unwrap();
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_scheme_is_auth_failed_with_a_clear_error() {
    let connect = chroot("badauth").await;
    let refused = zk_client_tokio::builder(&connect)
        .auth("nosuchscheme", SECRET)
        .connect()
        .await;
    let err = refused.expect_err("the server rejects the credential");
    assert_eq!(err, Error::Server(ErrorCode::AuthFailed));
    assert_eq!(err.to_string(), "authentication failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_digest_md5_authenticates_and_survives_reconnects() {
    let cluster = sasl_cluster();
    let client = zk_client_tokio::builder(&cluster.proxied_connect_string())
        .sasl_digest_md5("bob", SECRET)
        .connect()
        .await
        .unwrap();
    let ids = client.who_am_i().await.unwrap();
    assert!(
        ids.iter()
            .any(|id| id.auth_scheme == "sasl" && id.user == "bob"),
        "{ids:?}"
    );
    let acl = AclBuilder::new().sasl("bob", Perms::ALL).build();
    client
        .create_with("/bobs", "b", &CreateOptions::default().with_acl(acl))
        .await
        .unwrap();

    // A new connection runs the exchange again.
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
    assert_eq!(client.get_data("/bobs").await.unwrap().0.as_ref(), b"b");

    let anonymous = zk_client_tokio::connect(&cluster.connect_string())
        .await
        .unwrap();
    assert_eq!(
        anonymous.get_data("/bobs").await,
        Err(Error::Server(ErrorCode::NoAuth))
    );
    let wrong = zk_client_tokio::builder(&cluster.connect_string())
        .sasl_digest_md5("bob", "not-the-password")
        .connect()
        .await;
    assert_eq!(wrong.err(), Some(Error::Server(ErrorCode::AuthFailed)));
    client.close().await;
    anonymous.close().await;
}

/// Captures every log line of this test binary.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Capture(sink.clone()))
            .init();
        logs
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_errors_or_debug_output() {
    let logs = captured_logs();
    let cluster = sasl_cluster();
    let builder = zk_client_tokio::builder(&cluster.connect_string())
        .sasl_digest_md5("bob", SECRET)
        .digest_auth("dave", SECRET);
    let builder_debug = format!("{builder:?}");
    let client = builder.connect().await.unwrap();
    let password = client.session_password().unwrap();
    client
        .add_auth("digest", format!("erin:{SECRET}"))
        .await
        .unwrap();
    let failed = zk_client_tokio::builder(&cluster.connect_string())
        .sasl_digest_md5("bob", &format!("{SECRET}-wrong"))
        .connect()
        .await
        .unwrap_err();
    let rendered = [
        builder_debug,
        format!("{client:?}"),
        format!("{failed:?} {failed}"),
        String::from_utf8_lossy(&logs.lock().unwrap()).into_owned(),
    ];
    let session_password_hex: String = password.iter().map(|b| format!("{b:02x}")).collect();
    for text in &rendered {
        assert!(!text.contains(SECRET), "a password leaked: {text}");
        assert!(
            !text.contains(&session_password_hex),
            "the session password leaked"
        );
        assert!(
            !text.contains(&format!("{:?}", password.as_ref())),
            "the session password leaked"
        );
    }
    assert!(rendered[3].contains("SASL"), "the logs were captured");
    client.close().await;
}
