//! SASL authentication (opcode 102, `docs/protocol.md#sasl`): the exchange runs right after every
//! handshake, before anything else is sent, and a failure ends the session in `AuthFailed`.
//!
//! DIGEST-MD5 is built in ([`SaslConfig::digest_md5`]); other mechanisms (GSSAPI/Kerberos)
//! plug in through [`SaslMechanismFactory`], since they need system libraries the core does
//! not link.
//!
//! The session never runs a mechanism itself: each step (starting the mechanism with its
//! initial response, then every answer to a server token) leaves as an
//! [`Action::Sasl`](crate::Action::Sasl) carrying a [`SaslTask`], and comes back as the
//! [`SaslAnswer`] the driver hands to
//! [`Session::handle_sasl_answer`](crate::Session::handle_sasl_answer). So a mechanism may
//! block (GSSAPI's KDC round trips) without holding up anything the driver serves, if the
//! driver runs the task on a thread of its own. DIGEST-MD5 takes the same path: one way for
//! every mechanism, and no driver needs to know which ones are cheap.

mod digest_md5;
mod task;

use std::fmt;
use std::sync::Arc;

pub use digest_md5::DigestMd5;
pub use task::{SaslAnswer, SaslTask};

use crate::connect_string::HostPort;

/// Why a SASL exchange failed on the client side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SASL: {0}")]
pub struct SaslError(pub String);

/// What a mechanism does after a server token.
#[derive(Clone, PartialEq, Eq)]
pub enum SaslStep {
    /// Send this token and wait for the server's answer.
    Continue(Vec<u8>),
    /// Send this last token; the exchange is then complete.
    Finish(Vec<u8>),
    /// The exchange is complete; nothing more is sent.
    Complete,
}

impl fmt::Debug for SaslStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens can carry credential-derived material: show their size only.
        match self {
            SaslStep::Continue(t) => write!(f, "Continue({} bytes)", t.len()),
            SaslStep::Finish(t) => write!(f, "Finish({} bytes)", t.len()),
            SaslStep::Complete => write!(f, "Complete"),
        }
    }
}

/// One SASL exchange, on one connection.
///
/// Its methods run inside [`SaslTask::run`], wherever the driver runs that (never inside the
/// session), so they may block; the session's deadline for the exchange still applies.
pub trait SaslMechanism: Send {
    /// The mechanism's name, for logs.
    fn name(&self) -> &str;

    /// The first token (empty for mechanisms without an initial response).
    ///
    /// # Errors
    ///
    /// A [`SaslError`] ends the session in `AuthFailed`.
    fn initial_response(&mut self) -> Result<Vec<u8>, SaslError>;

    /// The next step after the server's token (`None` when the server sent a null token).
    ///
    /// # Errors
    ///
    /// A [`SaslError`] (a token that does not verify, a server without SASL) ends the session
    /// in `AuthFailed`.
    fn step(&mut self, challenge: Option<&[u8]>) -> Result<SaslStep, SaslError>;
}

/// Starts a mechanism for each new connection.
pub trait SaslMechanismFactory: Send + Sync {
    /// A fresh exchange with `host`. `random` is 64 bits from the session's generator, for
    /// nonces. Runs inside [`SaslTask::run`], so it may block (to acquire credentials, for
    /// instance).
    ///
    /// # Errors
    ///
    /// A [`SaslError`] if the mechanism cannot start (no credentials, say); the session then
    /// ends in `AuthFailed`.
    fn start(&self, host: &HostPort, random: u64) -> Result<Box<dyn SaslMechanism>, SaslError>;
}

/// How a session authenticates with SASL.
#[derive(Clone)]
pub struct SaslConfig {
    factory: Arc<dyn SaslMechanismFactory>,
    description: String,
}

impl SaslConfig {
    /// DIGEST-MD5 as ZooKeeper's `SASLAuthenticationProvider` with a JAAS
    /// `DigestLoginModule` expects it (service `zookeeper`, server name `zk-sasl-md5`).
    pub fn digest_md5(username: impl Into<String>, password: impl Into<String>) -> SaslConfig {
        let username = username.into();
        SaslConfig {
            description: format!("DIGEST-MD5 as {username:?}"),
            factory: Arc::new(DigestMd5Factory {
                username,
                password: password.into(),
            }),
        }
    }

    /// Any other mechanism (GSSAPI through a system library, for example).
    pub fn custom(description: impl Into<String>, factory: Arc<dyn SaslMechanismFactory>) -> Self {
        SaslConfig {
            factory,
            description: description.into(),
        }
    }

    pub(crate) fn factory(&self) -> Arc<dyn SaslMechanismFactory> {
        self.factory.clone()
    }
}

impl fmt::Debug for SaslConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the password: only what the configuration is.
        f.debug_tuple("SaslConfig")
            .field(&self.description)
            .finish()
    }
}

struct DigestMd5Factory {
    username: String,
    password: String,
}

impl SaslMechanismFactory for DigestMd5Factory {
    fn start(&self, _host: &HostPort, random: u64) -> Result<Box<dyn SaslMechanism>, SaslError> {
        let cnonce = format!("{random:016x}{:04x}", random.rotate_left(17) as u16);
        Ok(Box::new(DigestMd5::new(
            &self.username,
            &self.password,
            cnonce,
        )))
    }
}
