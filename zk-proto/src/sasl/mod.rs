//! SASL authentication (opcode 102, PROTOCOL.md §11.2): the exchange runs right after every
//! handshake, before anything else is sent, and a failure ends the session in `AuthFailed`.
//!
//! DIGEST-MD5 is built in ([`SaslConfig::digest_md5`]); other mechanisms (GSSAPI/Kerberos)
//! plug in through [`SaslMechanismFactory`], since they need system libraries the core does
//! not link.

mod digest_md5;

use std::fmt;
use std::sync::Arc;

pub use digest_md5::DigestMd5;

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
pub trait SaslMechanism: Send {
    /// The mechanism's name, for logs.
    fn name(&self) -> &str;

    /// The first token (empty for mechanisms without an initial response).
    fn initial_response(&mut self) -> Result<Vec<u8>, SaslError>;

    /// The next step after the server's token (`None` when the server sent a null token).
    fn step(&mut self, challenge: Option<&[u8]>) -> Result<SaslStep, SaslError>;
}

/// Starts a mechanism for each new connection.
pub trait SaslMechanismFactory: Send + Sync {
    /// A fresh exchange with `host`. `random` is 64 bits from the session's seeded generator,
    /// for nonces.
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

    pub(crate) fn start(
        &self,
        host: &HostPort,
        random: u64,
    ) -> Result<Box<dyn SaslMechanism>, SaslError> {
        self.factory.start(host, random)
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
