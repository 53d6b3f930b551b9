//! The ZooKeeper client handle shared by every runtime adapter.
//!
//! [`Client`] offers every ZooKeeper operation as an `async fn`, one-shot watches as futures
//! returned with the read that set them, persistent watches as streams, the session state (now
//! and as a stream of changes), transactions, retries and four-letter words. It is `Clone +
//! Send + Sync`; clones share one session.
//!
//! Underneath, one background task (the driver, written once here over the small [`Runtime`]
//! trait) moves bytes between the transport and the sans-IO [`zk_proto::Session`]. The adapter
//! crates only implement [`Runtime`]: `zk-client-tokio`, `zk-client-smol`, and
//! `zk-client-blocking` (a synchronous API on a thread of its own).
//!
//! ```no_run
//! # async fn demo(client: zk_client::Client) -> Result<(), zk_client::Error> {
//! use zk_client::{AddWatchMode, CreateMode, CreateOptions, WatchEvent};
//!
//! client.ensure_path("/app/workers").await?;
//! let me = client
//!     .create_with("/app/workers/w-", "host-1", &CreateOptions::mode(CreateMode::EphemeralSequential))
//!     .await?;
//! let (data, stat, changed) = client.get_data_watched(&me).await?;
//! client.set_data(&me, "host-1 busy", Some(stat.version)).await?;
//! if let WatchEvent::Node(event) = changed.await {
//!     println!("{} changed: {:?}", event.path, event.event_type);
//! }
//! let mut everything = client.add_watch("/app", AddWatchMode::PersistentRecursive).await?;
//! while let Some(event) = everything.next().await {
//!     println!("{event:?}");
//! #   break;
//! }
//! # let _ = data; Ok(()) }
//! ```
//!
//! # TLS
//!
//! The `tls` feature (off by default; each adapter crate forwards a feature of the same name)
//! adds `TlsConfig`, `TlsLayer` and `ClientBuilder::tls`: TLS to ZooKeeper's secure client
//! port over rustls with the `ring` provider, for every adapter. The server's certificate is
//! checked against the CAs given (PEM) and the host of the connect string; a client
//! certificate is optional.

#![forbid(unsafe_code)]
// docs.rs builds with `--cfg docsrs` (see Cargo.toml) and marks feature-gated items.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod admin;
mod client;
mod completion;
mod config;
mod driver;
mod event_queue;
mod four_letter;
mod multi;
mod ops;
mod pending;
mod retry;
mod runtime;
mod runtime_handle;
mod shared;
mod state;
#[cfg(test)]
mod test_runtime;
#[cfg(feature = "tls")]
mod tls;
mod watch;

pub use client::Client;
pub use config::ClientBuilder;
pub use multi::{Transaction, TransactionError};
pub use ops::CreateOptions;
pub use pending::Pending;
pub use retry::RetryPolicy;
pub use runtime::{BoxFuture, Runtime, Transport, TransportLayer};
pub use runtime_handle::RuntimeHandle;
pub use state::StateStream;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use tls::{TlsConfig, TlsError, TlsLayer};
pub use watch::{OneshotWatch, WatchStream};

pub use bytes::Bytes;
/// The rustls crate this client's TLS is built on (the `tls` feature), for
/// [`TlsLayer::from_rustls_config`] and [`TlsError::Rejected`].
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use rustls;
/// Credential and ACL helpers for the `digest` scheme, and the ACL builder.
pub use zk_proto::auth;
/// SASL configuration (DIGEST-MD5 built in; other mechanisms through a factory).
pub use zk_proto::sasl;
pub use zk_proto::{
    Acl, AddWatchMode, ClientInfo, CreateMode, Error, ErrorCode, EventType, ExpiryPolicy, HostPort,
    Id, IoCause, MultiResult, NodeEvent, Perms, ReadOp, ReadResult, Request, Response,
    ServerVersion, SessionId, SessionState, Stat, StateChange, WatchEvent, WatchId, WatchKind,
    WatcherType,
};
