//! TLS on the blocking adapter against a real ZooKeeper server: the same `TlsLayer` as every
//! adapter, over the adapter's own async-io sockets (the thorough cases are in zk-client-tokio's
//! tests).
#![cfg(feature = "tls")]

use std::io;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use zk_client::{BoxFuture, HostPort, Transport, TransportLayer};
use zk_client_blocking::{Error, TlsConfig, TlsLayer};
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

fn mutual_tls(cluster: &Cluster) -> TlsConfig {
    let tls = cluster.tls().unwrap();
    TlsConfig::with_ca_pem(tls.ca_pem())
        .unwrap()
        .client_cert_pem(tls.client().cert_pem(), tls.client().key_pem())
        .unwrap()
}

#[test]
fn mutual_tls_with_in_memory_pem() {
    let cluster = server();
    let client = zk_client_blocking::builder(&cluster.secure_connect_string())
        .tls(mutual_tls(cluster))
        .connect()
        .expect("connect over TLS");
    let me = client.who_am_i().unwrap();
    assert!(
        me.iter()
            .any(|i| i.auth_scheme == "x509" && i.user == "CN=zk-testing-client"),
        "{me:?}"
    );
    client.create("/blocking-tls", "ok").unwrap();
    assert_eq!(client.get_data("/blocking-tls").unwrap().0.as_ref(), b"ok");
    client.close();
}

#[test]
fn an_unknown_ca_fails_cleanly() {
    let cluster = server();
    let stranger = TlsMaterial::generate().unwrap();
    let result = zk_client_blocking::builder(&cluster.secure_connect_string())
        .tls(TlsConfig::with_ca_pem(stranger.ca_pem()).unwrap())
        .connect_timeout(Duration::from_secs(2))
        .connect();
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
}

/// Records the hosts each connection attempt goes to, then does TLS.
#[derive(Clone)]
struct Recording {
    tls: TlsLayer,
    hosts: Arc<Mutex<Vec<HostPort>>>,
}

impl TransportLayer for Recording {
    fn wrap(
        &self,
        host: &HostPort,
        stream: Box<dyn Transport>,
    ) -> BoxFuture<'static, io::Result<Box<dyn Transport>>> {
        self.hosts.lock().unwrap().push(host.clone());
        self.tls.wrap(host, stream)
    }
}

#[test]
fn a_plaintext_port_first_moves_on_to_the_tls_port() {
    let cluster = server();
    let (plain, good) = (cluster.node(0).address(), cluster.secure_connect_string());
    let layer = TlsLayer::new(mutual_tls(cluster));
    for seed in 0..32 {
        let recording = Recording {
            tls: layer.clone(),
            hosts: Arc::default(),
        };
        let client = zk_client_blocking::builder(&format!("{plain},{good}"))
            .seed(seed)
            .transport_layer(recording.clone())
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .expect("the TLS port remains");
        let hosts = recording.hosts.lock().unwrap().clone();
        assert_eq!(
            client.async_client().connected_host().unwrap().to_string(),
            good
        );
        client.close();
        if hosts[0].to_string() == plain {
            assert_eq!(hosts[1].to_string(), good, "{hosts:?}");
            return;
        }
    }
    panic!("no seed puts the plaintext port first");
}
