//! TLS against real ZooKeeper servers (3.8 with the Netty connection factory and PEM key
//! stores, from `zk-testing`): verified handshakes with and without a client certificate, the
//! failures that must end an attempt cleanly (unknown CA, wrong host name, a plaintext port),
//! moving on to the next host, the insecure mode, and TLS with a chroot, digest auth and
//! failover on a 3-node ensemble.
#![cfg(feature = "tls")]

use std::io;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use zk_client_tokio::{
    Acl, BoxFuture, Client, ClientBuilder, CreateMode, CreateOptions, Error, ErrorCode, HostPort,
    TlsConfig, TlsLayer, Transport, TransportLayer,
};
use zk_testing::{ClientAuth, Cluster, TlsMaterial};

/// How long a connect that must fail may try.
const FAIL_WITHIN: Duration = Duration::from_secs(2);
/// Generous bound on a connect that must fail (the attempt itself, plus closing).
const FAIL_BOUND: Duration = Duration::from_secs(6);

/// A standalone server with TLS; client certificates wanted, not needed.
fn server() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        Cluster::builder()
            .tls(true)
            .start()
            .expect("a TLS server starts")
    })
}

/// A standalone server whose certificate names `zk.invalid` only (right CA, wrong host), and
/// that needs a client certificate.
fn wrong_host_server() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let material = TlsMaterial::with_server_names(&["zk.invalid"]).expect("certificates");
        Cluster::builder()
            .tls_material(material)
            .tls_client_auth(ClientAuth::Need)
            .start()
            .expect("a TLS server starts")
    })
}

/// Trusts the cluster's CA and presents its client certificate.
fn mutual_tls(cluster: &Cluster) -> TlsConfig {
    let tls = cluster.tls().expect("a TLS cluster");
    TlsConfig::with_ca_pem(tls.ca_pem())
        .unwrap()
        .client_cert_pem(tls.client().cert_pem(), tls.client().key_pem())
        .unwrap()
}

fn builder(connect: &str) -> ClientBuilder {
    zk_client_tokio::builder(connect).session_timeout(Duration::from_secs(10))
}

/// Connects with a configuration that must fail: returns the error, checking that it came in
/// bounded time.
async fn connect_fails(builder: ClientBuilder) -> Error {
    let started = Instant::now();
    let result = builder.connect_timeout(FAIL_WITHIN).connect().await;
    let took = started.elapsed();
    assert!(took < FAIL_BOUND, "a failing connect took {took:?}");
    match result {
        Ok(client) => panic!(
            "connected to {:?}, which should have failed",
            client.connected_host()
        ),
        Err(err) => err,
    }
}

fn identities(infos: &[zk_client_tokio::ClientInfo]) -> Vec<(String, String)> {
    infos
        .iter()
        .map(|info| (info.auth_scheme.clone(), info.user.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_handshake_with_a_client_certificate_gives_an_x509_identity() {
    let cluster = server();
    let client = builder(&cluster.secure_connect_string())
        .tls(mutual_tls(cluster))
        .connect()
        .await
        .expect("connect over TLS");
    let me = identities(&client.who_am_i().await.unwrap());
    assert!(
        me.contains(&("x509".to_owned(), "CN=zk-testing-client".to_owned())),
        "{me:?}"
    );
    client.create("/tls-hello", "over TLS").await.unwrap();
    let (data, _) = client.get_data("/tls-hello").await.unwrap();
    assert_eq!(data.as_ref(), b"over TLS");
    // The version probe (on demand: `connect` does not probe by default) and four-letter
    // words use TLS as well.
    assert_eq!(client.known_server_version(), None, "connect did not probe");
    let version = client.server_version().await.expect("srvr over TLS");
    assert_eq!(client.known_server_version(), Some(version));
    let ruok = client.four_letter_word("ruok").await.unwrap();
    assert_eq!(ruok, "imok");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_handshake_from_pem_files_without_a_client_certificate() {
    let cluster = server();
    let files = cluster.tls_files().unwrap();
    // The host name `localhost` is checked against the certificate's DNS name.
    let port = cluster.node(0).secure_port().unwrap();
    let client = builder(&format!("localhost:{port}"))
        .tls(TlsConfig::with_ca_file(files.ca_path()).unwrap())
        .connect()
        .await
        .expect("connect over TLS to localhost");
    let me = identities(&client.who_am_i().await.unwrap());
    assert!(me.iter().all(|(scheme, _)| scheme != "x509"), "{me:?}");
    assert!(me.iter().any(|(scheme, _)| scheme == "ip"), "{me:?}");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_ca_fails_cleanly() {
    let cluster = server();
    let stranger = TlsMaterial::generate().unwrap();
    let err = connect_fails(
        builder(&cluster.secure_connect_string())
            .tls(TlsConfig::with_ca_pem(stranger.ca_pem()).unwrap()),
    )
    .await;
    assert_connect_failed(&err, &["UnknownIssuer"]);
    // The server is fine: the right CA connects.
    let client = builder(&cluster.secure_connect_string())
        .tls(mutual_tls(cluster))
        .connect()
        .await
        .unwrap();
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_host_name_fails_cleanly_and_the_danger_mode_connects() {
    let cluster = wrong_host_server();
    let err =
        connect_fails(builder(&cluster.secure_connect_string()).tls(mutual_tls(cluster))).await;
    assert_connect_failed(&err, &["not valid for name"]);

    // The same certificate is accepted when verification is off by name. The server needs a
    // client certificate, so one is presented.
    let tls = cluster.tls().unwrap();
    let insecure = TlsConfig::danger_accept_invalid_certificates()
        .client_cert_pem(tls.client().cert_pem(), tls.client().key_pem())
        .unwrap();
    let client = builder(&cluster.secure_connect_string())
        .tls(insecure)
        .connect()
        .await
        .expect("the insecure mode connects");
    client.create("/insecure", "").await.unwrap();
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_needs_a_client_certificate_refuses_a_client_without_one() {
    let cluster = wrong_host_server();
    let err = connect_fails(
        builder(&cluster.secure_connect_string())
            .tls(TlsConfig::danger_accept_invalid_certificates()),
    )
    .await;
    assert_connect_failed(&err, REFUSED_BY_THE_SERVER);
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

/// Connects to `bad,good` with seeds until the host shuffle tries `bad` first; returns the
/// client and the hosts tried.
async fn connect_bad_first(bad: &str, good: &str, tls: TlsConfig) -> (Client, Vec<HostPort>) {
    let layer = TlsLayer::new(tls);
    for seed in 0..32 {
        let recording = Recording {
            tls: layer.clone(),
            hosts: Arc::default(),
        };
        let client = builder(&format!("{bad},{good}"))
            .seed(seed)
            .transport_layer(recording.clone())
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
            .expect("a good host remains");
        let hosts = recording.hosts.lock().unwrap().clone();
        if hosts.first().map(ToString::to_string).as_deref() == Some(bad) {
            return (client, hosts);
        }
        client.close().await;
    }
    panic!("no seed puts {bad} first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_host_first_moves_on_to_a_good_one() {
    let cluster = server();
    let good = cluster.secure_connect_string();
    // A plaintext port: the server takes the ClientHello for a frame length and hangs up.
    let plain = cluster.node(0).address();
    // A server whose certificate names another host.
    let wrong_host = wrong_host_server().secure_connect_string();
    for bad in [plain, wrong_host] {
        let (client, hosts) = connect_bad_first(&bad, &good, mutual_tls(cluster)).await;
        assert_eq!(hosts[0].to_string(), bad);
        assert_eq!(hosts[1].to_string(), good, "{hosts:?}");
        assert_eq!(client.connected_host().unwrap().to_string(), good);
        client.exists("/").await.unwrap();
        client.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_times_the_handshake_out_and_the_next_host_connects() {
    // Accepts connections and never says a word: the ClientHello goes unanswered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().take(64) {
            held.push(stream);
        }
    });
    let cluster = server();
    let good = cluster.secure_connect_string();
    let layer = TlsLayer::new(mutual_tls(cluster));
    for seed in 0..32 {
        let recording = Recording {
            tls: layer.clone(),
            hosts: Arc::default(),
        };
        let started = Instant::now();
        // Two hosts and a 4 s session: each attempt may take 2 s.
        let client = builder(&format!("{silent_addr},{good}"))
            .session_timeout(Duration::from_secs(4))
            .seed(seed)
            .transport_layer(recording.clone())
            .connect_timeout(Duration::from_secs(8))
            .connect()
            .await
            .expect("the TLS server remains");
        let took = started.elapsed();
        let hosts = recording.hosts.lock().unwrap().clone();
        assert_eq!(client.connected_host().unwrap().to_string(), good);
        client.close().await;
        if hosts[0].to_string() == silent_addr {
            assert_eq!(hosts[1].to_string(), good, "{hosts:?}");
            assert!(
                took >= Duration::from_millis(1500) && took < Duration::from_secs(6),
                "the silent host had its connect deadline (2 s): {took:?}"
            );
            return;
        }
    }
    panic!("no seed puts the silent host first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_chroot_and_digest_auth_survives_failover_on_an_ensemble() {
    let cluster = Cluster::builder()
        .size(3)
        .tls(true)
        .start()
        .expect("a 3-node TLS ensemble starts");
    let secure = cluster.secure_connect_string();
    let root = builder(&secure)
        .tls(mutual_tls(&cluster))
        .connect()
        .await
        .unwrap();
    root.ensure_path("/tls-app").await.unwrap();
    root.close().await;

    let client = builder(&cluster.secure_connect_string_with_chroot("/tls-app"))
        .tls(mutual_tls(&cluster))
        .digest_auth("alice", "secret")
        .connect()
        .await
        .expect("connect over TLS with a chroot and digest auth");
    let session = client.session_id().unwrap();
    // Readable by alice only (the x509 identity is not in the ACL).
    let only_alice = vec![Acl::new(
        zk_client_tokio::Perms::ALL,
        zk_client_tokio::auth::digest_id("alice", "secret"),
    )];
    let ephemeral = CreateOptions::mode(CreateMode::Ephemeral).with_acl(only_alice.clone());
    client.create_with("/mine", "v1", &ephemeral).await.unwrap();
    let me = identities(&client.who_am_i().await.unwrap());
    assert!(
        me.contains(&("digest".to_owned(), "alice".to_owned())),
        "{me:?}"
    );
    assert!(me.iter().any(|(scheme, _)| scheme == "x509"), "{me:?}");

    // Kill the server the session is connected to.
    let port = client.connected_host().unwrap().port;
    let connected = cluster
        .nodes()
        .iter()
        .position(|node| node.secure_port() == Some(port))
        .expect("connected to one of the nodes");
    cluster.node(connected).kill().unwrap();

    // The same session goes on over TLS on another node, credentials replayed.
    let (data, _) = client
        .get_data("/mine")
        .await
        .expect("the session survives the failover");
    assert_eq!(data.as_ref(), b"v1");
    assert_eq!(client.session_id(), Some(session));
    let now = client.connected_host().unwrap().port;
    assert_ne!(now, port, "moved to another node");
    let (acl, _) = client.get_acl("/mine").await.unwrap();
    assert_eq!(acl, only_alice);
    // Another session over TLS without alice's credential may not read it.
    let other = builder(&cluster.secure_connect_string_with_chroot("/tls-app"))
        .tls(mutual_tls(&cluster))
        .connect()
        .await
        .unwrap();
    assert_eq!(
        other.get_data("/mine").await,
        Err(Error::Server(ErrorCode::NoAuth))
    );
    other.close().await;
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_1_3_with_a_required_client_certificate() {
    // ZooKeeper 3.8 negotiates TLS 1.2 unless told otherwise (and then needs TLS 1.3 cipher
    // suites, its default list having only TLS 1.2 ones). With TLS 1.3 a missing client
    // certificate is refused after the client's side of the handshake is done, at the first
    // read: the attempt must fail just as cleanly.
    let cluster = Cluster::builder()
        .tls(true)
        .tls_client_auth(ClientAuth::Need)
        .config("ssl.protocol", "TLSv1.3")
        .config("ssl.enabledProtocols", "TLSv1.3")
        .config(
            "ssl.ciphersuites",
            "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256",
        )
        .start()
        .expect("a TLS 1.3 server starts");
    let ca = cluster.tls().unwrap().ca_pem();
    let err = connect_fails(
        builder(&cluster.secure_connect_string()).tls(TlsConfig::with_ca_pem(ca).unwrap()),
    )
    .await;
    assert_connect_failed(&err, REFUSED_BY_THE_SERVER);

    let client = builder(&cluster.secure_connect_string())
        .tls(mutual_tls(&cluster))
        .connect()
        .await
        .expect("connect over TLS 1.3");
    let me = identities(&client.who_am_i().await.unwrap());
    assert!(
        me.contains(&("x509".to_owned(), "CN=zk-testing-client".to_owned())),
        "{me:?}"
    );
    client.close().await;
}

/// How a client without the certificate the server requires sees its refusal: the server's
/// alert, or, when the server has already closed, the failed write or read that follows.
const REFUSED_BY_THE_SERVER: &[&str] = &[
    "BadCertificate",
    "CertificateRequired",
    "Broken pipe",
    "reset by peer",
    "closed the connection",
];

/// The connect error names the server and the TLS reason (one of `reasons`), instead of a
/// bare timeout.
fn assert_connect_failed(err: &Error, reasons: &[&str]) {
    match err {
        Error::ConnectFailed {
            last_attempt,
            cause,
        } => {
            assert!(last_attempt.starts_with("127.0.0.1:"), "{last_attempt}");
            assert!(
                reasons.iter().any(|reason| last_attempt.contains(reason)),
                "{last_attempt}"
            );
            // An I/O or TLS failure is also the error's source, the same error the words tell.
            if let Some(cause) = cause {
                assert!(
                    last_attempt.contains(&cause.to_string()),
                    "{cause} / {last_attempt}"
                );
            }
        }
        other => panic!("expected ConnectFailed with one of {reasons:?}, got {other:?}"),
    }
}
