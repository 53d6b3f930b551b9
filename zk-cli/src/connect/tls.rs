//! The TLS configuration from `--tls-ca`, `--tls-cert` and `--tls-key` (feature `tls`).

use zk_client_blocking::TlsConfig;

use super::ConnectionArgs;
use crate::exit::{Failure, Status};

/// The TLS configuration the options ask for; `None` without `--tls-ca` (plain TCP).
///
/// # Errors
///
/// A [`Failure`] naming the file when a certificate or key cannot be read or parsed.
pub(super) fn config(args: &ConnectionArgs) -> Result<Option<TlsConfig>, Failure> {
    let Some(ca) = &args.tls_ca else {
        return Ok(None);
    };
    let bad = |e: zk_client_blocking::TlsError| Failure::new(Status::Other, format!("TLS: {e}"));
    let mut config = TlsConfig::with_ca_file(ca).map_err(bad)?;
    // clap makes --tls-cert and --tls-key come together.
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config = config.client_cert_files(cert, key).map_err(bad)?;
    }
    Ok(Some(config))
}
