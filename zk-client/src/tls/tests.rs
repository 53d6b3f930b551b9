//! Handshakes against an in-process rustls server over an in-memory pipe, with
//! certificates from `zk-testing`. The real-server tests live in the adapter crates.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use futures_rustls::TlsAcceptor;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use zk_testing::{TlsIdentity, TlsMaterial};

use super::config::ring_provider;
use super::layer::server_name;
use super::pem::{parse_certs, parse_key};
use super::*;
use crate::runtime::TransportLayer;
use zk_proto::HostPort;

/// One direction of the pipe.
#[derive(Default)]
struct Half {
    bytes: VecDeque<u8>,
    closed: bool,
    reader: Option<Waker>,
}

/// One end of an in-memory duplex pipe.
struct End {
    incoming: Arc<Mutex<Half>>,
    outgoing: Arc<Mutex<Half>>,
}

fn pipe() -> (End, End) {
    let (a, b) = (Arc::default(), Arc::default());
    (
        End {
            incoming: Arc::clone(&a),
            outgoing: Arc::clone(&b),
        },
        End {
            incoming: b,
            outgoing: a,
        },
    )
}

impl End {
    fn shut(&self) {
        let mut half = self.outgoing.lock().unwrap();
        half.closed = true;
        if let Some(waker) = half.reader.take() {
            waker.wake();
        }
    }
}

impl Drop for End {
    fn drop(&mut self) {
        self.shut();
    }
}

impl AsyncRead for End {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut half = self.incoming.lock().unwrap();
        if half.bytes.is_empty() {
            if half.closed {
                return Poll::Ready(Ok(0));
            }
            half.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = buf.len().min(half.bytes.len());
        for (slot, byte) in buf.iter_mut().zip(half.bytes.drain(..n)) {
            *slot = byte;
        }
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for End {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut half = self.outgoing.lock().unwrap();
        if half.closed {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        half.bytes.extend(buf);
        if let Some(waker) = half.reader.take() {
            waker.wake();
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shut();
        Poll::Ready(Ok(()))
    }
}

/// What the server saw of a handshake.
#[derive(Debug, Default)]
struct Seen {
    sni: Option<String>,
    client_cert: Option<CertificateDer<'static>>,
}

fn server_config(identity: &TlsIdentity, client_ca: Option<(&str, bool)>) -> ServerConfig {
    let provider = ring_provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some((ca, required)) => {
            let mut roots = RootCertStore::empty();
            for cert in parse_certs(ca.as_bytes(), "CA").unwrap() {
                roots.add(cert).unwrap();
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider);
            let verifier = if required {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            builder.with_client_cert_verifier(verifier.build().unwrap())
        }
    };
    builder
        .with_single_cert(
            parse_certs(identity.cert_pem().as_bytes(), "cert").unwrap(),
            parse_key(identity.key_pem().as_bytes()).unwrap(),
        )
        .unwrap()
}

/// Connects `layer` to a server with `config` as `host`, sends `ruok` and expects `imok`.
fn exchange(layer: &TlsLayer, host: &str, config: ServerConfig) -> (io::Result<()>, Seen) {
    let (client_end, server_end) = pipe();
    let host = HostPort::new(host, 2281);
    let client = async {
        let mut stream = layer.wrap(&host, Box::new(client_end)).await?;
        stream.write_all(b"ruok").await?;
        stream.flush().await?;
        let mut reply = [0u8; 4];
        stream.read_exact(&mut reply).await?;
        assert_eq!(&reply, b"imok");
        Ok(())
    };
    let server = async {
        let mut seen = Seen::default();
        let Ok(mut stream) = TlsAcceptor::from(Arc::new(config)).accept(server_end).await else {
            return seen;
        };
        let (_, conn) = stream.get_ref();
        seen.sni = conn.server_name().map(str::to_owned);
        seen.client_cert = conn
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|cert| cert.clone().into_owned());
        let mut word = [0u8; 4];
        if stream.read_exact(&mut word).await.is_ok() {
            let _ = stream.write_all(b"imok").await;
            let _ = stream.flush().await;
        }
        seen
    };
    futures_lite::future::block_on(futures_lite::future::zip(client, server))
}

fn material() -> TlsMaterial {
    TlsMaterial::generate().unwrap()
}

fn pem_der(pem: &str) -> CertificateDer<'static> {
    parse_certs(pem.as_bytes(), "cert").unwrap().remove(0)
}

#[test]
fn verifies_the_ca_and_the_host_name_and_sends_sni() {
    let m = material();
    let layer = TlsLayer::new(TlsConfig::with_ca_pem(m.ca_pem()).unwrap());
    let (result, seen) = exchange(&layer, "localhost", server_config(m.server(), None));
    result.unwrap();
    assert_eq!(seen.sni.as_deref(), Some("localhost"));
    assert_eq!(seen.client_cert, None);

    // An IP address is checked against the certificate's IP names, and not sent as SNI.
    let (result, seen) = exchange(&layer, "127.0.0.1", server_config(m.server(), None));
    result.unwrap();
    assert_eq!(seen.sni, None);
}

#[test]
fn an_unknown_ca_fails_the_handshake() {
    let m = material();
    let stranger = material();
    let layer = TlsLayer::new(TlsConfig::with_ca_pem(stranger.ca_pem()).unwrap());
    let (result, _) = exchange(&layer, "localhost", server_config(m.server(), None));
    let err = result.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
}

#[test]
fn a_certificate_for_another_host_fails_the_handshake() {
    let m = material();
    let layer = TlsLayer::new(TlsConfig::with_ca_pem(m.ca_pem()).unwrap());
    let wrong = m.issue_server(&["zk.invalid", "10.9.8.7"]).unwrap();
    for host in ["localhost", "127.0.0.1", "::1"] {
        let (result, _) = exchange(&layer, host, server_config(&wrong, None));
        let err = result.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        assert!(
            err.to_string().contains("not valid for name"),
            "{host}: {err}"
        );
    }
    let (result, _) = exchange(&layer, "zk.invalid", server_config(&wrong, None));
    result.unwrap();
}

#[test]
fn the_danger_mode_accepts_any_certificate() {
    let m = material();
    let wrong = m.issue_server(&["zk.invalid"]).unwrap();
    let config = TlsConfig::danger_accept_invalid_certificates();
    assert!(!config.verifies_server());
    let layer = TlsLayer::new(config);
    let (result, _) = exchange(&layer, "127.0.0.1", server_config(&wrong, None));
    result.unwrap();
    let (result, _) = exchange(
        &layer,
        "localhost",
        server_config(material().server(), None),
    );
    result.unwrap();
    assert!(format!("{layer:?}").contains("verifies_server: false"));
}

#[test]
fn a_rustls_configuration_of_ones_own_is_used_as_is() {
    let m = material();
    let mut roots = RootCertStore::empty();
    roots
        .add(pem_der(m.ca_pem()))
        .expect("the CA is a valid trust anchor");
    let config = ClientConfig::builder_with_provider(ring_provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let layer = TlsLayer::from_rustls_config(Arc::new(config));
    let (result, seen) = exchange(&layer, "localhost", server_config(m.server(), None));
    result.unwrap();
    assert_eq!(seen.sni.as_deref(), Some("localhost"));
    let stranger = material();
    let (result, _) = exchange(&layer, "localhost", server_config(stranger.server(), None));
    assert!(result.is_err());
}

#[test]
fn adding_a_ca_trusts_both() {
    let (a, b) = (material(), material());
    let config = TlsConfig::with_ca_pem(a.ca_pem())
        .unwrap()
        .add_ca_pem(b.ca_pem())
        .unwrap();
    let layer = TlsLayer::new(config);
    for m in [&a, &b] {
        let (result, _) = exchange(&layer, "localhost", server_config(m.server(), None));
        result.unwrap();
    }
    // Adding a CA to the danger mode turns verification on.
    let config = TlsConfig::danger_accept_invalid_certificates()
        .add_ca_pem(a.ca_pem())
        .unwrap();
    assert!(config.verifies_server());
    let (result, _) = exchange(
        &TlsLayer::new(config),
        "localhost",
        server_config(b.server(), None),
    );
    assert!(result.is_err());
}

#[test]
fn a_client_certificate_is_presented() {
    let m = material();
    let config = TlsConfig::with_ca_pem(m.ca_pem())
        .unwrap()
        .client_cert_pem(m.client().cert_pem(), m.client().key_pem())
        .unwrap();
    assert!(config.has_client_cert());
    let layer = TlsLayer::new(config);
    let server = server_config(m.server(), Some((m.ca_pem(), true)));
    let (result, seen) = exchange(&layer, "localhost", server);
    result.unwrap();
    assert_eq!(seen.client_cert, Some(pem_der(m.client().cert_pem())));

    // Without one, a server that needs one refuses the connection: with TLS 1.3 the
    // client hears it at its first read, and the attempt still fails cleanly.
    let layer = TlsLayer::new(TlsConfig::with_ca_pem(m.ca_pem()).unwrap());
    let server = server_config(m.server(), Some((m.ca_pem(), true)));
    let (result, seen) = exchange(&layer, "localhost", server);
    assert!(result.is_err());
    assert_eq!(seen.client_cert, None);

    // A certificate from a CA the server does not know is refused too.
    let stranger = material();
    let layer = TlsLayer::new(
        TlsConfig::with_ca_pem(m.ca_pem())
            .unwrap()
            .client_cert_pem(stranger.client().cert_pem(), stranger.client().key_pem())
            .unwrap(),
    );
    let server = server_config(m.server(), Some((m.ca_pem(), false)));
    assert!(exchange(&layer, "localhost", server).0.is_err());
}

#[test]
fn files_are_read_and_their_errors_name_them() {
    let m = material();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tls");
    let files = m.write_to(&dir).unwrap();
    let config = TlsConfig::with_ca_file(files.ca_path())
        .unwrap()
        .add_ca_file(files.ca_path())
        .unwrap()
        .client_cert_files(files.client_cert_path(), files.client_key_path())
        .unwrap();
    let layer = TlsLayer::new(config);
    let server = server_config(m.server(), Some((m.ca_pem(), true)));
    exchange(&layer, "localhost", server).0.unwrap();

    let missing = dir.join("missing.pem");
    match TlsConfig::with_ca_file(&missing) {
        Err(TlsError::Read { path, source }) => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
    // A key where the CA should be: no certificate in it.
    let err = TlsConfig::with_ca_file(files.client_key_path()).unwrap_err();
    assert!(
        matches!(&err, TlsError::Pem { what: "CA certificate", path: Some(p), .. } if p == files.client_key_path()),
        "{err:?}"
    );
    assert!(err.to_string().contains("client-key.pem"), "{err}");
    // Certificate and key swapped: the key file holds no certificate.
    let err = TlsConfig::danger_accept_invalid_certificates()
        .client_cert_files(files.client_key_path(), files.client_cert_path())
        .unwrap_err();
    assert!(
        matches!(&err, TlsError::Pem { what: "client certificate", path: Some(p), .. } if p == files.client_key_path()),
        "{err:?}"
    );
    let err = TlsConfig::danger_accept_invalid_certificates()
        .client_cert_files(files.client_cert_path(), files.ca_path())
        .unwrap_err();
    assert!(
        matches!(&err, TlsError::Pem { what: "client private key", path: Some(p), .. } if p == files.ca_path()),
        "{err:?}"
    );
}

#[test]
fn bad_pem_and_mismatched_keys_are_refused() {
    let m = material();
    for bad in [&b""[..], b"not pem at all", m.client().key_pem().as_bytes()] {
        let err = TlsConfig::with_ca_pem(bad).unwrap_err();
        assert!(
            matches!(
                err,
                TlsError::Pem {
                    what: "CA certificate",
                    path: None,
                    ..
                }
            ),
            "{err:?}"
        );
    }
    let err =
        TlsConfig::with_ca_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .unwrap_err();
    assert!(matches!(err, TlsError::Rejected(_)), "{err:?}");
    // The server's key does not belong to the client certificate.
    let err = TlsConfig::with_ca_pem(m.ca_pem())
        .unwrap()
        .client_cert_pem(m.client().cert_pem(), m.server().key_pem())
        .unwrap_err();
    assert!(matches!(err, TlsError::Rejected(_)), "{err:?}");
    assert!(std::error::Error::source(&err).is_some());
    let err = TlsConfig::with_ca_pem(m.ca_pem())
        .unwrap()
        .client_cert_pem(m.client().cert_pem(), "no key")
        .unwrap_err();
    assert!(
        matches!(
            err,
            TlsError::Pem {
                what: "client private key",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn server_names_come_from_the_connect_string() {
    let name = |host: &str| server_name(&HostPort::new(host, 2281));
    assert!(matches!(
        name("zk1.example.com"),
        Ok(ServerName::DnsName(_))
    ));
    assert!(matches!(name("127.0.0.1"), Ok(ServerName::IpAddress(_))));
    assert!(matches!(name("::1"), Ok(ServerName::IpAddress(_))));
    let err = name("not a host!").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("not a host!:2281"), "{err}");
}

#[test]
fn debug_output_shows_no_key_material() {
    let m = material();
    let config = TlsConfig::with_ca_pem(m.ca_pem())
        .unwrap()
        .client_cert_pem(m.client().cert_pem(), m.client().key_pem())
        .unwrap();
    let text = format!("{config:?} {:?}", TlsLayer::new(config.clone()));
    assert!(text.contains("1 trusted CA certificate(s)"), "{text}");
    assert!(text.contains("client_cert: true"), "{text}");
    assert!(!text.contains("PRIVATE"), "{text}");
    let danger = format!("{:?}", TlsConfig::danger_accept_invalid_certificates());
    assert!(danger.contains("DANGER"), "{danger}");
}
