//! TLS for every adapter: a [`TransportLayer`] over rustls (with the `ring` provider), and its
//! configuration. Enabled by the `tls` feature.
//!
//! ZooKeeper serves TLS on its secure client port (`secureClientPort`, with the Netty
//! connection factory); the protocol inside is unchanged, so TLS is only a wrapper around each
//! new connection, four-letter words included.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_rustls::TlsConnector;
use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{self, CryptoProvider};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use zk_proto::HostPort;

use crate::config::ClientBuilder;
use crate::runtime::{BoxFuture, Transport, TransportLayer};

/// How a [`TlsConfig`] checks server certificates.
#[derive(Clone)]
enum Verification {
    /// Against these trust anchors, with the host name (or IP address) of the connect string.
    Roots(Arc<RootCertStore>),
    /// Not at all: [`TlsConfig::danger_accept_invalid_certificates`].
    AcceptAnyCertificate,
}

/// TLS settings for connections to ZooKeeper's secure client port: which certificate
/// authorities to trust, and optionally a client certificate (mutual TLS).
///
/// The server's certificate must chain to one of the trusted CAs and name the host as written
/// in the connect string: a DNS name is checked against the certificate's DNS names (and sent
/// as SNI), an IP address against its IP address names. TLS 1.3 and 1.2 are offered, with
/// rustls' safe defaults and the `ring` crypto provider. Give the configuration to
/// [`ClientBuilder::tls`] (or wrap it in a [`TlsLayer`]):
///
/// ```no_run
/// # async fn demo(runtime: impl zk_client::Runtime) -> Result<(), Box<dyn std::error::Error>> {
/// use zk_client::{ClientBuilder, TlsConfig};
///
/// let tls = TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?
///     .client_cert_files("/etc/zookeeper/client.pem", "/etc/zookeeper/client-key.pem")?;
/// let client = ClientBuilder::new("zk1.example.com:2281,zk2.example.com:2281/app")
///     .runtime(runtime) // or start from an adapter: zk_client_tokio::builder(...)
///     .tls(tls)
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
///
/// A handshake that fails (an unknown CA, a certificate for another host, a server that
/// refuses the client certificate) fails that connection attempt like a refused connection:
/// the client logs it (`tracing`, at warn level) and goes on with the next host of the
/// connect string.
#[derive(Clone)]
pub struct TlsConfig {
    verification: Verification,
    client_cert: Option<Arc<CertifiedKey>>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verification = match &self.verification {
            Verification::Roots(roots) => format!("{} trusted CA certificate(s)", roots.len()),
            Verification::AcceptAnyCertificate => "DANGER: accepts any certificate".to_owned(),
        };
        f.debug_struct("TlsConfig")
            .field("verification", &verification)
            .field("client_cert", &self.client_cert.is_some())
            .finish()
    }
}

impl TlsConfig {
    /// Trusts the CA certificates in `pem` (one or more `-----BEGIN CERTIFICATE-----`
    /// sections; other sections are ignored).
    ///
    /// ```no_run
    /// # let pem: &[u8] = b"";
    /// let tls = zk_client::TlsConfig::with_ca_pem(pem)?;
    /// # Ok::<(), zk_client::TlsError>(())
    /// ```
    ///
    /// Fails when `pem` holds no certificate or a certificate that cannot be parsed.
    pub fn with_ca_pem(pem: impl AsRef<[u8]>) -> Result<TlsConfig, TlsError> {
        TlsConfig::with_roots(RootCertStore::empty()).add_ca_pem(pem)
    }

    /// Trusts the CA certificates in the PEM file at `path`.
    ///
    /// ```no_run
    /// let tls = zk_client::TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?;
    /// # Ok::<(), zk_client::TlsError>(())
    /// ```
    ///
    /// Fails when the file cannot be read or holds no valid certificate.
    pub fn with_ca_file(path: impl AsRef<Path>) -> Result<TlsConfig, TlsError> {
        TlsConfig::with_roots(RootCertStore::empty()).add_ca_file(path)
    }

    /// Encrypts without checking who the server is: any certificate is accepted, whoever
    /// issued it and whatever host it names (the handshake signatures are still checked, so
    /// the connection is bound to the key of the certificate presented).
    ///
    /// This gives up TLS's protection against anyone who can intercept the connection; it is
    /// meant for tests and for first experiments with self-signed servers. Prefer
    /// [`with_ca_pem`](TlsConfig::with_ca_pem) with the server's own certificate as the CA.
    ///
    /// ```no_run
    /// let tls = zk_client::TlsConfig::danger_accept_invalid_certificates();
    /// ```
    pub fn danger_accept_invalid_certificates() -> TlsConfig {
        TlsConfig {
            verification: Verification::AcceptAnyCertificate,
            client_cert: None,
        }
    }

    fn with_roots(roots: RootCertStore) -> TlsConfig {
        TlsConfig {
            verification: Verification::Roots(Arc::new(roots)),
            client_cert: None,
        }
    }

    /// Also trusts the CA certificates in `pem` (while rotating CAs, say). On a configuration
    /// that does not verify certificates, this starts verifying them against these CAs.
    ///
    /// ```no_run
    /// # let (old_ca, new_ca) = (b"", b"");
    /// let tls = zk_client::TlsConfig::with_ca_pem(old_ca)?.add_ca_pem(new_ca)?;
    /// # Ok::<(), zk_client::TlsError>(())
    /// ```
    pub fn add_ca_pem(mut self, pem: impl AsRef<[u8]>) -> Result<TlsConfig, TlsError> {
        let certs = parse_certs(pem.as_ref(), "CA certificate")?;
        let mut roots = match &self.verification {
            Verification::Roots(roots) => RootCertStore::clone(roots),
            Verification::AcceptAnyCertificate => RootCertStore::empty(),
        };
        for cert in certs {
            roots.add(cert).map_err(TlsError::Rejected)?;
        }
        self.verification = Verification::Roots(Arc::new(roots));
        Ok(self)
    }

    /// Also trusts the CA certificates in the PEM file at `path`.
    ///
    /// ```no_run
    /// let tls = zk_client::TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?
    ///     .add_ca_file("/etc/zookeeper/next-ca.pem")?;
    /// # Ok::<(), zk_client::TlsError>(())
    /// ```
    pub fn add_ca_file(self, path: impl AsRef<Path>) -> Result<TlsConfig, TlsError> {
        let pem = read(path.as_ref())?;
        self.add_ca_pem(pem)
            .map_err(|err| err.in_file(path.as_ref()))
    }

    /// Presents a client certificate (mutual TLS; ZooKeeper's `ssl.clientAuth=want|need`):
    /// `cert_pem` holds the certificate, optionally followed by its intermediate CAs, and
    /// `key_pem` its private key (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY` or SEC1
    /// `EC PRIVATE KEY`; unencrypted). With the server's `x509` authentication provider the
    /// session gets the certificate's subject as identity (`who_am_i` shows `x509`).
    ///
    /// ```no_run
    /// # let (ca, cert, key) = (b"", b"", b"");
    /// let tls = zk_client::TlsConfig::with_ca_pem(ca)?.client_cert_pem(cert, key)?;
    /// # Ok::<(), zk_client::TlsError>(())
    /// ```
    ///
    /// Fails when either holds nothing usable, the key type is not supported (RSA, ECDSA
    /// P-256/P-384 and Ed25519 are), or the key does not belong to the certificate.
    pub fn client_cert_pem(
        self,
        cert_pem: impl AsRef<[u8]>,
        key_pem: impl AsRef<[u8]>,
    ) -> Result<TlsConfig, TlsError> {
        let chain = parse_certs(cert_pem.as_ref(), "client certificate")?;
        let key = parse_key(key_pem.as_ref())?;
        self.with_client_cert(chain, key)
    }

    fn with_client_cert(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<TlsConfig, TlsError> {
        let provider = ring_provider();
        let signing_key = provider
            .key_provider
            .load_private_key(key)
            .map_err(TlsError::Rejected)?;
        let certified = CertifiedKey::new(chain, signing_key);
        certified.keys_match().map_err(TlsError::Rejected)?;
        self.client_cert = Some(Arc::new(certified));
        Ok(self)
    }

    /// [`client_cert_pem`](TlsConfig::client_cert_pem) from PEM files.
    ///
    /// ```no_run
    /// let tls = zk_client::TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?
    ///     .client_cert_files("/etc/zookeeper/client.pem", "/etc/zookeeper/client-key.pem")?;
    /// # Ok::<(), zk_client::TlsError>(())
    /// ```
    pub fn client_cert_files(
        self,
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
    ) -> Result<TlsConfig, TlsError> {
        let (cert_path, key_path) = (cert_path.as_ref(), key_path.as_ref());
        let chain = parse_certs(&read(cert_path)?, "client certificate")
            .map_err(|err| err.in_file(cert_path))?;
        let key = parse_key(&read(key_path)?).map_err(|err| err.in_file(key_path))?;
        self.with_client_cert(chain, key)
    }

    /// Whether this configuration checks the server's certificate (false after
    /// [`danger_accept_invalid_certificates`](TlsConfig::danger_accept_invalid_certificates)
    /// until a CA is added).
    ///
    /// ```no_run
    /// assert!(!zk_client::TlsConfig::danger_accept_invalid_certificates().verifies_server());
    /// ```
    pub fn verifies_server(&self) -> bool {
        !matches!(self.verification, Verification::AcceptAnyCertificate)
    }

    /// Whether a client certificate is presented.
    ///
    /// ```no_run
    /// # let ca = b"";
    /// assert!(!zk_client::TlsConfig::with_ca_pem(ca)?.has_client_cert());
    /// # Ok::<(), zk_client::TlsError>(())
    /// ```
    pub fn has_client_cert(&self) -> bool {
        self.client_cert.is_some()
    }

    /// The rustls configuration every connection uses.
    fn client_config(&self) -> Arc<ClientConfig> {
        let provider = ring_provider();
        let builder = match &self.verification {
            Verification::Roots(roots) => ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .expect("the ring provider supports TLS 1.3 and 1.2")
                .with_root_certificates(roots.clone()),
            Verification::AcceptAnyCertificate => {
                ClientConfig::builder_with_provider(provider.clone())
                    .with_safe_default_protocol_versions()
                    .expect("the ring provider supports TLS 1.3 and 1.2")
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            }
        };
        Arc::new(match &self.client_cert {
            Some(certified) => {
                builder.with_client_cert_resolver(Arc::new(ClientCert(certified.clone())))
            }
            None => builder.with_no_client_auth(),
        })
    }
}

/// The `ring` crypto provider, chosen explicitly so that no process-wide default (and no
/// `aws-lc-rs` build) is needed.
fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(crypto::ring::default_provider())
}

/// The [`TransportLayer`] that speaks TLS to every server, made from a [`TlsConfig`].
///
/// [`ClientBuilder::tls`] installs one; build one by hand to combine it with a layer of your
/// own (a layer that delegates to it after counting or logging, say):
///
/// ```no_run
/// use zk_client::{ClientBuilder, TlsConfig, TlsLayer};
///
/// let layer = TlsLayer::new(TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?);
/// let builder = ClientBuilder::new("zk1.example.com:2281").transport_layer(layer);
/// # Ok::<(), zk_client::TlsError>(())
/// ```
///
/// The server name checked (and sent as SNI, when it is a DNS name) is the host of the
/// connect-string entry being connected to, so connect strings must name the servers as
/// their certificates do.
#[derive(Clone)]
pub struct TlsLayer {
    connector: TlsConnector,
    verifies_server: bool,
}

impl fmt::Debug for TlsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsLayer")
            .field("verifies_server", &self.verifies_server)
            .finish_non_exhaustive()
    }
}

impl TlsLayer {
    /// A layer that connects with `config`.
    ///
    /// ```no_run
    /// let layer = zk_client::TlsLayer::new(zk_client::TlsConfig::with_ca_file("ca.pem")?);
    /// # Ok::<(), zk_client::TlsError>(())
    /// ```
    pub fn new(config: TlsConfig) -> TlsLayer {
        TlsLayer {
            connector: TlsConnector::from(config.client_config()),
            verifies_server: config.verifies_server(),
        }
    }

    /// A layer that connects with a rustls client configuration of the application's own,
    /// for what [`TlsConfig`] does not offer (the operating system's trust store, revocation
    /// lists, another crypto provider, ...). Its verifier, client certificate and every other
    /// setting are used as they are; the server name is still the host of the connect string.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use zk_client::{ClientBuilder, TlsLayer, rustls};
    /// use rustls::pki_types::{CertificateDer, pem::PemObject};
    ///
    /// // The trust anchors, from a PEM bundle the application chose.
    /// let mut roots = rustls::RootCertStore::empty();
    /// for cert in CertificateDer::pem_file_iter("/etc/zookeeper/ca.pem").expect("readable") {
    ///     roots.add(cert.expect("a certificate"))?;
    /// }
    /// let provider = Arc::new(rustls::crypto::ring::default_provider());
    /// let config = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_protocol_versions(&[&rustls::version::TLS13])?
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth();
    /// let builder = ClientBuilder::new("zk1.example.com:2281")
    ///     .transport_layer(TlsLayer::from_rustls_config(Arc::new(config)));
    /// # Ok::<(), rustls::Error>(())
    /// ```
    pub fn from_rustls_config(config: Arc<ClientConfig>) -> TlsLayer {
        TlsLayer {
            connector: TlsConnector::from(config),
            // Whatever the application's verifier does; it is not ours to judge.
            verifies_server: true,
        }
    }
}

impl From<TlsConfig> for TlsLayer {
    fn from(config: TlsConfig) -> TlsLayer {
        TlsLayer::new(config)
    }
}

impl TransportLayer for TlsLayer {
    fn wrap(
        &self,
        host: &HostPort,
        stream: Box<dyn Transport>,
    ) -> BoxFuture<'static, io::Result<Box<dyn Transport>>> {
        let connector = self.connector.clone();
        let server_name = server_name(host);
        let host = host.to_string();
        Box::pin(async move {
            let server_name = server_name?;
            match connector.connect(server_name, stream).await {
                Ok(tls) => {
                    tracing::debug!(%host, "TLS handshake done");
                    Ok(Box::new(tls) as Box<dyn Transport>)
                }
                Err(err) => {
                    tracing::warn!(%host, %err, "TLS handshake failed");
                    Err(err)
                }
            }
        })
    }
}

/// The name a server's certificate must carry: the connect string's host, a DNS name or an
/// IP address.
fn server_name(host: &HostPort) -> io::Result<ServerName<'static>> {
    ServerName::try_from(host.host.as_str())
        .map(|name| name.to_owned())
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{host}: the host is neither a valid DNS name nor an IP address, so no TLS \
                     certificate can name it"
                ),
            )
        })
}

impl ClientBuilder {
    /// Connects with TLS, configured by `config` (the `tls` feature): every connection,
    /// four-letter words included, is wrapped in a [`TlsLayer`]. Point the connect string at
    /// the servers' secure client ports (`secureClientPort`).
    ///
    /// ```no_run
    /// # async fn demo(runtime: impl zk_client::Runtime) -> Result<(), Box<dyn std::error::Error>> {
    /// use zk_client::{ClientBuilder, TlsConfig};
    ///
    /// let client = ClientBuilder::new("zk1.example.com:2281,zk2.example.com:2281/app")
    ///     .runtime(runtime) // or start from an adapter: zk_client_tokio::builder(...)
    ///     .tls(TlsConfig::with_ca_file("/etc/zookeeper/ca.pem")?)
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// This replaces any [`transport_layer`](ClientBuilder::transport_layer) set before, and
    /// a later one replaces it.
    pub fn tls(self, config: TlsConfig) -> Self {
        self.transport_layer(TlsLayer::new(config))
    }
}

/// Why a [`TlsConfig`] could not be built.
///
/// ```no_run
/// use zk_client::{TlsConfig, TlsError};
///
/// match TlsConfig::with_ca_file("/etc/zookeeper/ca.pem") {
///     Ok(tls) => println!("{tls:?}"),
///     Err(TlsError::Read { path, source }) => eprintln!("{}: {source}", path.display()),
///     Err(err) => eprintln!("bad TLS settings: {err}"),
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// PEM text holds nothing of the kind expected, or is malformed.
    Pem {
        /// What was looked for: `"CA certificate"`, `"client certificate"` or
        /// `"client private key"`.
        what: &'static str,
        /// The file it was read from, if any.
        path: Option<PathBuf>,
        /// What is wrong with it.
        detail: String,
    },
    /// rustls refused a certificate or key: a certificate it cannot parse, a key type it does
    /// not support, or a key that does not belong to the client certificate.
    Rejected(rustls::Error),
}

impl TlsError {
    fn pem(what: &'static str, err: pem::Error) -> TlsError {
        let detail = match err {
            pem::Error::NoItemsFound => "no PEM section of that kind found".to_owned(),
            other => other.to_string(),
        };
        TlsError::Pem {
            what,
            path: None,
            detail,
        }
    }

    fn in_file(self, file: &Path) -> TlsError {
        match self {
            TlsError::Pem {
                what,
                path: None,
                detail,
            } => TlsError::Pem {
                what,
                path: Some(file.to_path_buf()),
                detail,
            },
            other => other,
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            TlsError::Pem {
                what,
                path: Some(path),
                detail,
            } => write!(f, "no usable {what} in {}: {detail}", path.display()),
            TlsError::Pem {
                what,
                path: None,
                detail,
            } => write!(f, "no usable {what} in the PEM text: {detail}"),
            TlsError::Rejected(err) => write!(f, "TLS configuration rejected: {err}"),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TlsError::Read { source, .. } => Some(source),
            TlsError::Rejected(err) => Some(err),
            TlsError::Pem { .. } => None,
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Every certificate in `pem`; at least one.
fn parse_certs(pem: &[u8], what: &'static str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| TlsError::pem(what, err))?;
    if certs.is_empty() {
        return Err(TlsError::pem(what, pem::Error::NoItemsFound));
    }
    Ok(certs)
}

/// The first private key in `pem`.
fn parse_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|err| TlsError::pem("client private key", err))
}

/// Presents the one client certificate, whatever CAs the server hints at.
#[derive(Debug)]
struct ClientCert(Arc<CertifiedKey>);

impl ResolvesClientCert for ClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// [`TlsConfig::danger_accept_invalid_certificates`]: any certificate chain and name pass;
/// the handshake signatures are still verified with the provider's algorithms.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    //! Handshakes against an in-process rustls server over an in-memory pipe, with
    //! certificates from `zk-testing`. The real-server tests live in the adapter crates.

    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::sync::Mutex;
    use std::task::{Context, Poll, Waker};

    use futures_io::{AsyncRead, AsyncWrite};
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    use futures_rustls::TlsAcceptor;
    use rustls::ServerConfig;
    use rustls::server::WebPkiClientVerifier;
    use zk_testing::{TlsIdentity, TlsMaterial};

    use super::*;

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
            let Ok(mut stream) = TlsAcceptor::from(Arc::new(config)).accept(server_end).await
            else {
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
        let err = TlsConfig::with_ca_pem(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
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
}
