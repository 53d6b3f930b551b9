//! Certificates for TLS tests: a throwaway CA, server and client certificates signed by it,
//! and the PEM files ZooKeeper reads.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::error::{Error, Result};

/// The names the default server certificate is valid for.
pub const DEFAULT_SERVER_NAMES: &[&str] = &["localhost", "127.0.0.1"];

/// The common name of the default client certificate. ZooKeeper's `x509` authentication
/// provider turns it into the identity `CN=zk-testing-client` (see
/// [`TlsMaterial::client_identity`]).
pub const CLIENT_COMMON_NAME: &str = "zk-testing-client";

/// A certificate and its private key, both PEM.
///
/// ```no_run
/// let material = zk_testing::TlsMaterial::generate()?;
/// let client = material.client();
/// println!("{}{}", client.cert_pem(), client.key_pem());
/// # Ok::<(), zk_testing::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TlsIdentity {
    cert_pem: String,
    key_pem: String,
}

impl TlsIdentity {
    /// The certificate (`-----BEGIN CERTIFICATE-----`).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The private key, PKCS#8 (`-----BEGIN PRIVATE KEY-----`), unencrypted.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// The key followed by the certificate in one PEM text: the form of ZooKeeper's
    /// `ssl.keyStore.type=PEM` key stores.
    pub fn key_store_pem(&self) -> String {
        format!("{}{}", self.key_pem, self.cert_pem)
    }
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("cert_pem", &format_args!("{} bytes", self.cert_pem.len()))
            .finish_non_exhaustive()
    }
}

/// The certificate authority that signs a material's certificates.
struct Authority {
    cert: rcgen::Certificate,
    key: KeyPair,
    cert_pem: String,
}

/// A throwaway certificate authority with a server certificate and a client certificate
/// signed by it, all PEM, generated in memory (ECDSA P-256, with `rcgen`).
///
/// [`ClusterBuilder::tls`](crate::ClusterBuilder::tls) makes one per cluster and serves it on
/// a secure client port; [`Cluster::tls`](crate::Cluster::tls) gives it back to the test,
/// which hands the CA (and, for mutual TLS, the client certificate) to the client under test.
///
/// For negative tests: another [`TlsMaterial::generate`] is a CA the servers do not know
/// (its [`ca_pem`](TlsMaterial::ca_pem) fails verification of their certificates, and its
/// client certificate is refused by servers that need one), and
/// [`with_server_names`](TlsMaterial::with_server_names) makes a server certificate for
/// other names (start a cluster with it through
/// [`ClusterBuilder::tls_material`](crate::ClusterBuilder::tls_material): a client that
/// connects to `127.0.0.1` must then refuse it).
///
/// ```no_run
/// use zk_testing::{Cluster, TlsMaterial};
///
/// let cluster = Cluster::builder().tls(true).start()?;
/// let tls = cluster.tls().expect("started with TLS");
/// let ca: &str = tls.ca_pem(); // trust this...
/// let client = tls.client(); // ...and present this (cert_pem, key_pem)
/// let connect = cluster.secure_connect_string(); // "127.0.0.1:<secure port>"
/// # let _ = (ca, client, connect);
///
/// let unrelated = TlsMaterial::generate()?; // a CA the cluster does not know
/// let wrong_host = TlsMaterial::with_server_names(&["zk.invalid"])?;
/// let other = Cluster::builder().tls_material(wrong_host).start()?;
/// # let _ = (unrelated, other);
/// # Ok::<(), zk_testing::Error>(())
/// ```
#[derive(Clone)]
pub struct TlsMaterial {
    authority: Arc<Authority>,
    server: TlsIdentity,
    server_names: Vec<String>,
    client: TlsIdentity,
}

impl fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("server_names", &self.server_names)
            .field("client", &CLIENT_COMMON_NAME)
            .finish_non_exhaustive()
    }
}

impl TlsMaterial {
    /// A new CA, a server certificate for `localhost` and `127.0.0.1`
    /// ([`DEFAULT_SERVER_NAMES`]) and a client certificate for `CN=zk-testing-client`.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] when a key or certificate cannot be generated.
    pub fn generate() -> Result<TlsMaterial> {
        TlsMaterial::with_server_names(DEFAULT_SERVER_NAMES)
    }

    /// Like [`generate`](TlsMaterial::generate), with a server certificate for `names`: DNS
    /// names, or IP addresses (which become IP address subject alternative names).
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] for a name that is neither a DNS name nor an IP address, or when a
    /// certificate cannot be generated.
    pub fn with_server_names(names: &[&str]) -> Result<TlsMaterial> {
        let key = KeyPair::generate().map_err(tls_error("generating the CA key"))?;
        let mut params = CertificateParams::default();
        // A name of its own, so that a client trusting another material's CA reports an
        // unknown issuer rather than a bad signature.
        static CAS: AtomicUsize = AtomicUsize::new(0);
        let serial = CAS.fetch_add(1, Ordering::Relaxed);
        params.distinguished_name =
            subject(&format!("zk-testing CA {}-{serial}", std::process::id()));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params
            .self_signed(&key)
            .map_err(tls_error("signing the CA certificate"))?;
        let authority = Arc::new(Authority {
            cert_pem: cert.pem(),
            cert,
            key,
        });
        let mut material = TlsMaterial {
            authority,
            server: empty_identity(),
            server_names: names.iter().map(|n| (*n).to_owned()).collect(),
            client: empty_identity(),
        };
        material.server = material.issue_server(names)?;
        material.client = material.issue_client(CLIENT_COMMON_NAME)?;
        Ok(material)
    }

    /// The CA certificate, PEM: what a client trusts.
    pub fn ca_pem(&self) -> &str {
        &self.authority.cert_pem
    }

    /// The server certificate and key.
    pub fn server(&self) -> &TlsIdentity {
        &self.server
    }

    /// The names the server certificate is valid for.
    pub fn server_names(&self) -> &[String] {
        &self.server_names
    }

    /// The client certificate (`CN=zk-testing-client`) and key.
    pub fn client(&self) -> &TlsIdentity {
        &self.client
    }

    /// The identity ZooKeeper's `x509` provider gives a client that presents
    /// [`client`](TlsMaterial::client): `CN=zk-testing-client` (what `whoAmI` reports with the
    /// scheme `x509`).
    pub fn client_identity(&self) -> String {
        format!("CN={CLIENT_COMMON_NAME}")
    }

    /// Another server certificate signed by this CA, for `names` (DNS names or IP addresses).
    ///
    /// ```no_run
    /// let material = zk_testing::TlsMaterial::generate()?;
    /// // Trusted (same CA), but for the wrong host.
    /// let wrong_host = material.issue_server(&["zk.invalid"])?;
    /// # let _ = wrong_host;
    /// # Ok::<(), zk_testing::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`with_server_names`](TlsMaterial::with_server_names).
    pub fn issue_server(&self, names: &[&str]) -> Result<TlsIdentity> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params =
            CertificateParams::new(names).map_err(tls_error("a server certificate's names"))?;
        params.distinguished_name = subject("zk-testing server");
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        // ZooKeeper's quorum TLS uses the same key store as a client and a server.
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        self.sign(params)
    }

    /// Another client certificate signed by this CA, with the subject `CN=<common_name>`.
    ///
    /// ```no_run
    /// let material = zk_testing::TlsMaterial::generate()?;
    /// let alice = material.issue_client("alice")?; // x509 identity `CN=alice`
    /// # let _ = alice;
    /// # Ok::<(), zk_testing::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] when the certificate cannot be generated.
    pub fn issue_client(&self, common_name: &str) -> Result<TlsIdentity> {
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(common_name);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params)
    }

    fn sign(&self, mut params: CertificateParams) -> Result<TlsIdentity> {
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().map_err(tls_error("generating a key"))?;
        let cert = params
            .signed_by(&key, &self.authority.cert, &self.authority.key)
            .map_err(tls_error("signing a certificate"))?;
        Ok(TlsIdentity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// Writes the PEM files into `dir` (created if missing): `ca.pem`, `server.pem` (the
    /// server key store: key then certificate), `client-cert.pem` and `client-key.pem`.
    ///
    /// ```no_run
    /// let material = zk_testing::TlsMaterial::generate()?;
    /// let dir = std::env::temp_dir().join("my-tls-test");
    /// let files = material.write_to(&dir)?;
    /// println!("trust {}", files.ca_path().display());
    /// # Ok::<(), zk_testing::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when a file cannot be written.
    pub fn write_to(&self, dir: &Path) -> Result<TlsFiles> {
        fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let files = TlsFiles {
            dir: dir.to_path_buf(),
            ca: dir.join("ca.pem"),
            server_key_store: dir.join("server.pem"),
            client_cert: dir.join("client-cert.pem"),
            client_key: dir.join("client-key.pem"),
        };
        let write = |path: &Path, text: &str| {
            fs::write(path, text).map_err(|e| Error::io(format!("writing {}", path.display()), e))
        };
        write(&files.ca, self.ca_pem())?;
        write(&files.server_key_store, &self.server.key_store_pem())?;
        write(&files.client_cert, self.client.cert_pem())?;
        write(&files.client_key, self.client.key_pem())?;
        Ok(files)
    }
}

/// Where [`TlsMaterial::write_to`] put the PEM files; a TLS cluster's are at
/// [`Cluster::tls_files`](crate::Cluster::tls_files).
///
/// ```no_run
/// let cluster = zk_testing::Cluster::builder().tls(true).start()?;
/// let files = cluster.tls_files().unwrap();
/// println!(
///     "{} {} {}",
///     files.ca_path().display(),
///     files.client_cert_path().display(),
///     files.client_key_path().display()
/// );
/// # Ok::<(), zk_testing::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    dir: PathBuf,
    ca: PathBuf,
    server_key_store: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

impl TlsFiles {
    /// The directory holding the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate (`ca.pem`).
    pub fn ca_path(&self) -> &Path {
        &self.ca
    }

    /// The server's key and certificate (`server.pem`), ZooKeeper's PEM key store.
    pub fn server_key_store_path(&self) -> &Path {
        &self.server_key_store
    }

    /// The client certificate (`client-cert.pem`).
    pub fn client_cert_path(&self) -> &Path {
        &self.client_cert
    }

    /// The client's private key (`client-key.pem`).
    pub fn client_key_path(&self) -> &Path {
        &self.client_key
    }
}

/// Whether servers ask TLS clients for a certificate (ZooKeeper's `ssl.clientAuth`).
///
/// ```no_run
/// use zk_testing::{ClientAuth, Cluster};
///
/// let cluster = Cluster::builder()
///     .tls(true)
///     .tls_client_auth(ClientAuth::Need)
///     .start()?;
/// # let _ = cluster;
/// # Ok::<(), zk_testing::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// No certificate is asked for (`none`).
    None,
    /// A certificate is asked for but optional (`want`, the default here); one that is
    /// presented must be valid, and gives the connection an `x509` identity.
    #[default]
    Want,
    /// A valid certificate is required (`need`): connections without one fail their
    /// handshake.
    Need,
}

impl ClientAuth {
    /// The `ssl.clientAuth` value.
    pub fn as_config_value(self) -> &'static str {
        match self {
            ClientAuth::None => "none",
            ClientAuth::Want => "want",
            ClientAuth::Need => "need",
        }
    }
}

fn subject(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

fn empty_identity() -> TlsIdentity {
    TlsIdentity {
        cert_pem: String::new(),
        key_pem: String::new(),
    }
}

fn tls_error(what: &'static str) -> impl Fn(rcgen::Error) -> Error {
    move |e| Error::Tls(format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_is_pem_and_written_to_files() {
        let material = TlsMaterial::generate().unwrap();
        assert!(material.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(
            material
                .server()
                .cert_pem()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        assert!(
            material
                .client()
                .key_pem()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        let store = material.server().key_store_pem();
        assert!(store.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(store.contains("-----BEGIN CERTIFICATE-----"));
        assert_eq!(material.server_names(), ["localhost", "127.0.0.1"]);
        assert_eq!(material.client_identity(), "CN=zk-testing-client");

        let other = TlsMaterial::generate().unwrap();
        assert_ne!(material.ca_pem(), other.ca_pem(), "every CA is new");

        let dir = tempfile::tempdir().unwrap();
        let files = material.write_to(&dir.path().join("tls")).unwrap();
        assert_eq!(
            fs::read_to_string(files.ca_path()).unwrap(),
            material.ca_pem()
        );
        assert_eq!(
            fs::read_to_string(files.server_key_store_path()).unwrap(),
            store
        );
        assert_eq!(
            fs::read_to_string(files.client_cert_path()).unwrap(),
            material.client().cert_pem()
        );
        assert_eq!(
            fs::read_to_string(files.client_key_path()).unwrap(),
            material.client().key_pem()
        );
    }

    #[test]
    fn bad_names_are_reported() {
        let err = TlsMaterial::with_server_names(&["b\u{fc}cher.invalid"]).unwrap_err();
        assert!(matches!(err, Error::Tls(_)), "{err}");
    }
}
