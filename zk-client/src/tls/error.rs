//! Why a TLS configuration could not be built.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem;

/// Why a [`TlsConfig`](crate::TlsConfig) could not be built.
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
    pub(super) fn pem(what: &'static str, err: pem::Error) -> TlsError {
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

    pub(super) fn in_file(self, file: &Path) -> TlsError {
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
