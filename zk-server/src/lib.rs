//! A ZooKeeper-compatible server for tests, development and simulation.
//!
//! It speaks ZooKeeper's client protocol (the records of `zk-proto`), so any ZooKeeper
//! client can connect to it, and it follows ZooKeeper 3.9's semantics for what a client can
//! observe: every Stat field as ZooKeeper sets it, one zxid per transaction (failed writes
//! and multis included), sequential names from the parent's cversion, `/zookeeper`,
//! `/zookeeper/quota` and `/zookeeper/config` as a fresh standalone server has them,
//! containers and TTL nodes and their reaper, sessions with negotiated timeouts, expiry and
//! re-attachment, one-shot, persistent and recursive watches with ZooKeeper's event order
//! (an event before the reply of the request that caused it), multi with its exact error
//! results, and the `world`, `auth`, `digest` and `ip` ACL schemes with a super user.
//!
//! # What it is not
//!
//! **Not a production server.** It is one process holding its tree in memory: no
//! replication, no quorum, no durability, no TLS, no SASL, no reconfig. Production
//! ensembles stay real ZooKeeper. Use this where starting Java is the obstacle: unit and
//! integration tests, demos, simulations in virtual time.
//!
//! # Layers
//!
//! - [`Server`] is the core, sans-IO in the style of `zk-proto`: it never opens a socket,
//!   reads a clock, sleeps or spawns (a `clippy.toml` forbids it). Connections, bytes and
//!   `Instant`s go in; [`Output`]s (bytes to write, connections to close) and the next
//!   deadline come out. Given the same inputs it produces the same outputs, so a test can
//!   run it in virtual time and replay a run exactly.
//! - [`EmbeddedServer`] runs the core on plain threads and `std::net` on a free loopback
//!   port, for any client and any runtime; the `zk-server` binary runs it as a process
//!   (`zk-server --port 2181`) for clients in other languages.
//!
//! # Bad input
//!
//! Network input never panics the server and costs only its connection: frames are limited
//! to [`ServerConfig::max_buffer`] before anything is buffered for them, every record is
//! decoded with bounds checks, and a request the server cannot read gets the error
//! ZooKeeper gives (MarshallingError, or Unimplemented and a close for an unknown opcode).
//! The embedded runner closes a connection whose unread replies pass 64 MiB.
//!
//! # More
//!
//! - Releases: [`ServerConfig::version`] makes the server answer as another release (3.4
//!   to 3.9) in what a client sees of the protocol; 3.9.3 by default.
//! - A read-only server: [`ServerConfig::read_only`].
//! - Snapshots: [`Server::snapshot`] and [`Server::restore`] keep the tree, the zxid and
//!   the sessions across a restart ([`EmbeddedServer::restart`], the binary's `--snapshot`).
//! - Four-letter words: `ruok`, `isro`, `srvr`, `stat`, `conf`, `cons`, `wchs`, `wchc`,
//!   `wchp`, `dump`, `envi` and `mntr`, in ZooKeeper's output shape.
//!
//! # How it is checked
//!
//! Unit tests of every module in virtual time; our blocking client and kazoo against the
//! embedded server; a property test of arbitrary input; and a differential test that runs
//! generated sequences of operations, watches, ACL changes, reconnects, session closes and
//! expiries against ZooKeeper 3.8 and against this server, comparing every reply, Stat and
//! event.

#![forbid(unsafe_code)]

mod acl;
mod config;
mod embedded;
mod ids;
mod output;
mod password;
mod personality;
mod server;
mod sessions;
mod snapshot;
mod tree;
mod watches;

#[cfg(test)]
mod testkit;

pub use config::ServerConfig;
pub use embedded::EmbeddedServer;
pub use ids::ConnectionId;
pub use output::Output;
pub use server::Server;
pub use snapshot::SnapshotError;
