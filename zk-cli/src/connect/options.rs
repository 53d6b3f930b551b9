//! The connection options every command accepts, before or after its name.

#[cfg(feature = "tls")]
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::duration::parse_duration;

/// The connection options, accepted before or after the command.
#[derive(Debug, Clone, Args)]
pub(crate) struct ConnectionArgs {
    /// The connect string: host:port pairs separated by commas, then an optional chroot
    /// (`zk1:2181,zk2:2181/app`).
    #[arg(
        long,
        short = 's',
        env = "ZK_CONNECT",
        default_value = "127.0.0.1:2181",
        value_name = "CONNECT_STRING",
        global = true
    )]
    pub(crate) server: String,
    /// The session timeout to ask for (servers clamp it to their own bounds).
    #[arg(long, value_parser = parse_duration, default_value = "10s", value_name = "DURATION", global = true)]
    pub(crate) session_timeout: Duration,
    /// How long to try the servers before giving up (exit code 3).
    #[arg(long, value_parser = parse_duration, default_value = "5s", value_name = "DURATION", global = true)]
    pub(crate) connect_timeout: Duration,
    /// A credential sent after connecting, e.g. `digest:user:password` (repeatable).
    /// ZK_AUTH gives one without showing it in the process list.
    #[arg(
        long = "auth",
        env = "ZK_AUTH",
        hide_env_values = true,
        value_parser = parse_auth,
        value_name = "SCHEME:CREDENTIAL",
        global = true
    )]
    pub(crate) auth: Vec<Auth>,
    /// SASL DIGEST-MD5 as this user (servers with SASLAuthenticationProvider).
    /// ZK_SASL_DIGEST_MD5 gives it without showing it in the process list.
    #[arg(
        long,
        env = "ZK_SASL_DIGEST_MD5",
        hide_env_values = true,
        value_parser = parse_user_password,
        value_name = "USER:PASSWORD",
        global = true
    )]
    pub(crate) sasl_digest_md5: Option<UserPassword>,
    /// TLS (to the servers' secure client ports): the CA certificates, PEM, that the
    /// servers' certificates must be signed by.
    #[cfg(feature = "tls")]
    #[arg(long, value_name = "PEM_FILE", global = true)]
    pub(crate) tls_ca: Option<PathBuf>,
    /// TLS: this client's certificate chain, PEM (with --tls-key and --tls-ca).
    #[cfg(feature = "tls")]
    #[arg(long, value_name = "PEM_FILE", requires_all = ["tls_key", "tls_ca"], global = true)]
    pub(crate) tls_cert: Option<PathBuf>,
    /// TLS: the private key of --tls-cert, PEM.
    #[cfg(feature = "tls")]
    #[arg(long, value_name = "PEM_FILE", requires = "tls_cert", global = true)]
    pub(crate) tls_key: Option<PathBuf>,
    /// Start an in-process server (zk-server, in memory, gone when zk exits) and use it
    /// instead of --server: to try things with nothing installed, best in the shell.
    #[arg(long, global = true)]
    pub(crate) embedded: bool,
    /// Accept a read-only server when no read/write one is reachable.
    #[arg(long, global = true)]
    pub(crate) read_only: bool,
}

/// A credential from `--auth`: the scheme, and everything after its colon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Auth {
    /// The scheme (`digest`).
    pub(crate) scheme: String,
    /// The credential (`user:password` for digest).
    pub(crate) credential: String,
}

/// Splits `scheme:credential` at its first colon.
fn parse_auth(text: &str) -> Result<Auth, String> {
    match text.split_once(':') {
        Some((scheme, credential)) if !scheme.is_empty() => Ok(Auth {
            scheme: scheme.to_owned(),
            credential: credential.to_owned(),
        }),
        _ => Err("expected SCHEME:CREDENTIAL, e.g. digest:user:password".to_owned()),
    }
}

/// A user and a password, from `USER:PASSWORD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserPassword {
    /// The user.
    pub(crate) user: String,
    /// The password: everything after the first colon.
    pub(crate) password: String,
}

/// Splits `user:password` at its first colon.
fn parse_user_password(text: &str) -> Result<UserPassword, String> {
    match text.split_once(':') {
        Some((user, password)) if !user.is_empty() => Ok(UserPassword {
            user: user.to_owned(),
            password: password.to_owned(),
        }),
        _ => Err("expected USER:PASSWORD".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_splits_at_the_first_colon() {
        assert_eq!(
            parse_auth("digest:user:pw"),
            Ok(Auth {
                scheme: "digest".into(),
                credential: "user:pw".into()
            })
        );
        assert!(parse_auth("digest").is_err());
        assert!(parse_auth(":x").is_err());
    }

    #[test]
    fn sasl_users_split_at_the_first_colon() {
        let parsed = parse_user_password("bob:pa:ss").unwrap();
        assert_eq!(
            (parsed.user.as_str(), parsed.password.as_str()),
            ("bob", "pa:ss")
        );
        assert!(parse_user_password("bob").is_err());
    }
}
