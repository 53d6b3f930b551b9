//! TLS on the smol adapter against a real ZooKeeper server: the same `TlsLayer` as every
//! adapter, over `async-net` sockets (the thorough cases are in zk-client-tokio's tests).
#![cfg(feature = "tls")]

use std::sync::OnceLock;
use std::time::Duration;

use futures_lite::future::block_on;
use zk_client_smol::{Error, TlsConfig};
use zk_testing::{Cluster, TlsMaterial};

fn server() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        Cluster::builder()
            .tls(true)
            .start()
            .expect("a TLS server starts")
    })
}

#[test]
fn mutual_tls_from_pem_files() {
    let cluster = server();
    let files = cluster.tls_files().unwrap();
    let tls = TlsConfig::with_ca_file(files.ca_path())
        .unwrap()
        .client_cert_files(files.client_cert_path(), files.client_key_path())
        .unwrap();
    block_on(async {
        let client = zk_client_smol::builder(&cluster.secure_connect_string())
            .tls(tls)
            .connect()
            .await
            .expect("connect over TLS");
        let me = client.who_am_i().await.unwrap();
        assert!(
            me.iter()
                .any(|i| i.auth_scheme == "x509" && i.user == "CN=zk-testing-client"),
            "{me:?}"
        );
        client.create("/smol-tls", "ok").await.unwrap();
        assert_eq!(
            client.get_data("/smol-tls").await.unwrap().0.as_ref(),
            b"ok"
        );
        assert_eq!(client.four_letter_word("ruok").await.unwrap(), "imok");
        client.close().await;
    });
}

#[test]
fn an_unknown_ca_fails_cleanly_and_the_danger_mode_connects() {
    let cluster = server();
    let stranger = TlsMaterial::generate().unwrap();
    block_on(async {
        let result = zk_client_smol::builder(&cluster.secure_connect_string())
            .tls(TlsConfig::with_ca_pem(stranger.ca_pem()).unwrap())
            .connect_timeout(Duration::from_secs(2))
            .connect()
            .await;
        match result.err() {
            Some(Error::ConnectFailed {
                last_attempt,
                cause,
            }) => {
                assert!(last_attempt.contains("UnknownIssuer"), "{last_attempt}");
                // The TLS error itself is the error's source, not only words in the message.
                let cause = cause.expect("the TLS failure is the cause");
                assert!(cause.to_string().contains("UnknownIssuer"), "{cause}");
            }
            other => panic!("expected ConnectFailed, got {other:?}"),
        }

        // The certificate this client could not verify is accepted when asked for by name.
        let client = zk_client_smol::builder(&cluster.secure_connect_string())
            .tls(TlsConfig::danger_accept_invalid_certificates())
            .connect()
            .await
            .expect("the insecure mode connects");
        client.exists("/").await.unwrap();
        client.close().await;
    });
}
