//! The transport layer that runs a TLS handshake on every new connection.

use std::fmt;
use std::io;
use std::sync::Arc;

use futures_rustls::TlsConnector;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use zk_proto::HostPort;

use super::config::TlsConfig;
use crate::runtime::{BoxFuture, Transport, TransportLayer};

/// The [`TransportLayer`] that speaks TLS to every server, made from a [`TlsConfig`].
///
/// [`ClientBuilder::tls`](crate::ClientBuilder::tls) installs one; build one by hand to combine it with a layer of your
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
pub(super) fn server_name(host: &HostPort) -> io::Result<ServerName<'static>> {
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
