//! The connection: its options ([`options`]) and the session a command runs in.

mod embedded;
mod options;
#[cfg(feature = "tls")]
mod tls;

pub(crate) use embedded::with_embedded;
pub(crate) use options::ConnectionArgs;

use std::time::Duration;

use zk_client_blocking::{Client, Error, ErrorCode};

use crate::exit::{Failure, Status};

/// How long closing waits for the server's confirmation: a one-shot command should not
/// linger on a server that went away after the reply it needed.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Connects and waits for a session (read/write, or read-only with `--read-only`); the
/// credentials of `--auth` are sent before any command runs.
///
/// # Errors
///
/// A [`Failure`] naming the connect string: [`Status::Connection`] when no server gave a
/// session in time, [`Status::Auth`] when a credential was refused, [`Status::Usage`] or
/// [`Status::BadPath`] for a malformed connect string or chroot.
pub(crate) fn connect(args: &ConnectionArgs) -> Result<Client, Failure> {
    let mut builder = zk_client_blocking::builder(&args.server)
        .session_timeout(args.session_timeout)
        .connect_timeout(args.connect_timeout)
        .close_timeout(CLOSE_TIMEOUT)
        .read_only(args.read_only);
    for auth in &args.auth {
        builder = builder.auth(&auth.scheme, auth.credential.clone().into_bytes());
    }
    if let Some(sasl) = &args.sasl_digest_md5 {
        builder = builder.sasl_digest_md5(&sasl.user, &sasl.password);
    }
    #[cfg(feature = "tls")]
    if let Some(config) = tls::config(args)? {
        builder = builder.tls(config);
    }
    builder.connect().map_err(|error| match error {
        Error::Server(ErrorCode::AuthFailed) => {
            let mut offered: Vec<String> = args
                .auth
                .iter()
                .map(|a| format!("scheme {}", a.scheme))
                .collect();
            if let Some(sasl) = &args.sasl_digest_md5 {
                offered.push(format!("SASL DIGEST-MD5 as {}", sasl.user));
            }
            Failure::new(
                Status::Auth,
                format!(
                    "{}: the server refused the credential ({})",
                    args.server,
                    offered.join(", ")
                ),
            )
        }
        Error::ConnectFailed { .. } => Failure::zk(format!("cannot reach {}", args.server), &error),
        other => Failure::zk(format!("connecting to {}", args.server), &other),
    })
}
