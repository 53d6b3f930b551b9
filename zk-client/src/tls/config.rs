//! What a TLS connection trusts, and the client certificate it presents.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::crypto::{self, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{ClientConfig, RootCertStore};

use super::danger::AcceptAnyCertificate;
use super::error::TlsError;
use super::layer::TlsLayer;
use super::pem::{parse_certs, parse_key, read};
use crate::config::ClientBuilder;

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
    ///
    /// # Errors
    ///
    /// [`TlsError::Pem`] if `pem` holds no certificate or a malformed one;
    /// [`TlsError::Rejected`] if rustls cannot use a certificate.
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
    ///
    /// # Errors
    ///
    /// [`TlsError::Read`] if the file cannot be read; otherwise as
    /// [`with_ca_pem`](TlsConfig::with_ca_pem).
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
    ///
    /// # Errors
    ///
    /// As [`with_ca_pem`](TlsConfig::with_ca_pem).
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
    ///
    /// # Errors
    ///
    /// As [`with_ca_file`](TlsConfig::with_ca_file).
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
    ///
    /// # Errors
    ///
    /// [`TlsError::Pem`] if there is no certificate or no private key, or either is
    /// malformed; [`TlsError::Rejected`] if rustls cannot use the key or it does not belong to the
    /// certificate.
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
    ///
    /// # Errors
    ///
    /// [`TlsError::Read`] if a file cannot be read; otherwise as
    /// [`client_cert_pem`](TlsConfig::client_cert_pem).
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
    pub(super) fn client_config(&self) -> Arc<ClientConfig> {
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
            Some(certified) => builder
                .with_client_cert_resolver(Arc::new(SingleCertAndKey::from(certified.clone()))),
            None => builder.with_no_client_auth(),
        })
    }
}

/// The `ring` crypto provider, chosen explicitly so that no process-wide default (and no
/// `aws-lc-rs` build) is needed.
pub(super) fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(crypto::ring::default_provider())
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
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls(self, config: TlsConfig) -> Self {
        self.transport_layer(TlsLayer::new(config))
    }
}
