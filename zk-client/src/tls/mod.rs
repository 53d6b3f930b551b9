//! TLS for every adapter: a [`TransportLayer`](crate::TransportLayer) over rustls (with the
//! `ring` provider), and its configuration. Enabled by the `tls` feature.
//!
//! ZooKeeper serves TLS on its secure client port (`secureClientPort`, with the Netty
//! connection factory); the protocol inside is unchanged, so TLS is only a wrapper around each
//! new connection, four-letter words included.
//!
//! By concern: `config` (what to trust and which client certificate to present), `layer` (the
//! transport layer that runs the handshake), `error`, `pem` (reading certificates and keys),
//! `danger` (the verifier that accepts anything, for tests only).

mod config;
mod danger;
mod error;
mod layer;
mod pem;
#[cfg(test)]
mod tests;

pub use config::TlsConfig;
pub use error::TlsError;
pub use layer::TlsLayer;
