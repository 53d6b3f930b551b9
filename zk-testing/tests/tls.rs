//! TLS clusters: a secure client port beside the plain one, PEM key stores ZooKeeper reads,
//! client certificates, restarts, and cleanup of the certificate files.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use common::{PERSISTENT, RawClient, process_exists};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use zk_testing::{ClientAuth, Cluster, TlsMaterial};

/// Sends `ruok` over TLS to `port`, trusting `ca` and presenting `client` if given.
fn ruok_over_tls(port: u16, ca: &str, client: Option<(&str, &str)>) -> std::io::Result<String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => builder
            .with_client_auth_cert(
                CertificateDer::pem_slice_iter(cert.as_bytes())
                    .collect::<Result<_, _>>()
                    .unwrap(),
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
    };
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"ruok")?;
    tls.flush()?;
    let mut reply = String::new();
    tls.read_to_string(&mut reply)?;
    Ok(reply)
}

#[test]
fn a_tls_cluster_serves_both_ports_and_cleans_up() {
    let cluster = Cluster::builder()
        .tls(true)
        .tls_client_auth(ClientAuth::Need)
        .start()
        .unwrap();
    let node = cluster.node(0);
    let secure = node.secure_port().expect("a secure port");
    assert_ne!(secure, node.client_port());
    assert_eq!(
        cluster.secure_connect_string(),
        format!("127.0.0.1:{secure}")
    );
    assert_eq!(
        cluster.secure_connect_string_with_chroot("/x"),
        format!("127.0.0.1:{secure}/x")
    );
    let tls = cluster.tls().unwrap();
    let files = cluster.tls_files().unwrap();
    assert!(files.dir().starts_with(node.dir()));
    assert_eq!(
        std::fs::read_to_string(files.ca_path()).unwrap(),
        tls.ca_pem()
    );
    let config = std::fs::read_to_string(node.config_path()).unwrap();
    assert!(config.contains("ssl.clientAuth=need\n"), "{config}");

    // TLS with a client certificate on the secure port...
    let client = Some((tls.client().cert_pem(), tls.client().key_pem()));
    assert_eq!(ruok_over_tls(secure, tls.ca_pem(), client).unwrap(), "imok");
    // ...refused without one (`need`)...
    assert!(ruok_over_tls(secure, tls.ca_pem(), None).is_err());
    // ...and a client that does not know the CA refuses the server.
    let stranger = TlsMaterial::generate().unwrap();
    assert!(ruok_over_tls(secure, stranger.ca_pem(), client).is_err());
    // The plain port works as before, and says whose server it is (start checks that, in
    // case another process took the port).
    assert_eq!(cluster.four_letter(0, "ruok").unwrap(), "imok");
    let conf = cluster.four_letter(0, "conf").unwrap();
    let data_dir = format!("dataDir={}", node.data_dir().display());
    assert!(conf.lines().any(|l| l.starts_with(&data_dir)), "{conf}");
    assert!(
        conf.contains(&format!("secureClientPort={secure}")),
        "{conf}"
    );
    let mut raw = RawClient::new_session(node.address(), 4000);
    assert_eq!(raw.create("/plain", b"", PERSISTENT), 0);
    drop(raw);

    // A restarted node serves TLS again, with the same files.
    node.kill().unwrap();
    node.start().unwrap();
    assert_eq!(ruok_over_tls(secure, tls.ca_pem(), client).unwrap(), "imok");

    let pid = node.pid().unwrap();
    let dir = node.dir().to_path_buf();
    let tls_dir = files.dir().to_path_buf();
    drop(cluster);
    assert!(!process_exists(pid));
    assert!(
        !tls_dir.exists(),
        "the certificate files go with the cluster"
    );
    assert!(!dir.exists());
}
