//! A pure implementation of the ZooKeeper client protocol (servers 3.4 to 3.9), with no I/O,
//! deterministic for a given seed.
//!
//! # The contract
//!
//! [`Session`] is a state machine. It never opens a socket, reads a clock, sleeps, spawns or
//! runs a SASL mechanism; a `clippy.toml` in this crate forbids the first four. Its only
//! contact with the environment is one seed drawn from the operating system's randomness
//! when [`SessionConfig::seed`] is `None` (the default); with a seed it is fully
//! deterministic. The caller (an *adapter*: tokio, smol, plain threads, or your own event
//! loop) owns the sockets, the clock and any blocking work, and talks to the session through
//! four families of methods:
//!
//! - **getters**: [`Session::state`], [`Session::session_id`], [`Session::last_zxid`], ...
//! - **inputs** (`handle_*`), each taking `now`: [`Session::handle_connected`],
//!   [`Session::handle_connect_failed`], [`Session::handle_data`] (bytes in any chunking),
//!   [`Session::handle_disconnected`], [`Session::handle_timeout`], and the answers to
//!   actions: [`Session::handle_sasl_answer`] and [`Session::handle_probe_result`].
//! - **commands**: [`Session::submit`], [`Session::add_auth`], [`Session::remove_watch`],
//!   [`Session::close`].
//! - **outputs** (`poll_*`): [`Session::poll_action`] (what the driver must do: the ordered
//!   queue of [`Action::Connect`], [`Action::Disconnect`], [`Action::Sasl`] and
//!   [`Action::ProbeReadWrite`]), [`Session::poll_output`] (what the application must hear:
//!   the ordered queue of completions, watch events and state changes),
//!   [`Session::poll_transmit`] (bytes to write, into a buffer the caller owns) and
//!   [`Session::poll_timeout`] (when to call [`Session::handle_timeout`]).
//!
//! After every input or command, drain `poll_action`, `poll_output` and `poll_transmit`, then
//! wait for the next input or for `poll_timeout`. Every transport attempt has a [`ConnId`];
//! input for an attempt that is no longer current is ignored, so late events from a closed
//! socket (or a late SASL answer) are harmless.
//!
//! [`Action::Sasl`] is the one action that may take long: its [`sasl::SaslTask`] runs the
//! mechanism (GSSAPI asks the KDC for tickets), so a driver that serves anything else runs it
//! on a thread of its own and hands the [`sasl::SaslAnswer`] back later. Meanwhile the session
//! sends nothing but pings on that connection, and the exchange fails the attempt if it is
//! not done within the connect timeout. [`Action::ProbeReadWrite`] may be ignored: the
//! session then stays on a read-only server until that server drops the connection.
//!
//! The output queue keeps ZooKeeper's ordering: replies complete in request order, and a
//! watch event is delivered before the reply to any later read that observes the change.
//! Actions have their own queue because nothing the application sees depends on when the
//! driver carries them out. Every submitted request gets exactly one [`Output::Complete`].
//! Hostile input never panics and never allocates from an untrusted length: a frame over the
//! limit, a truncated record or a reply out of order drops the connection, and the session
//! carries on over the next one.
//!
//! # A complete run loop over a blocking `TcpStream`
//!
//! This loop serves one session on its own thread, so it runs SASL steps in place; a loop
//! that serves more (see `examples/poll_loop.rs`) hands them to a thread.
//!
//! ```no_run
//! use std::io::{ErrorKind, Read, Write};
//! use std::net::{TcpStream, ToSocketAddrs};
//! use std::time::{Duration, Instant};
//!
//! use zk_proto::{Action, ConnId, CreateMode, Output, Request, Session, SessionConfig, SessionState};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let config = SessionConfig::new("127.0.0.1:2181/demo")?;
//!     let mut session = Session::new(config, Instant::now())?;
//!     let mut socket: Option<(ConnId, TcpStream)> = None;
//!     let mut out = Vec::new();
//!     let mut input = vec![0u8; 64 * 1024];
//!     let mut create = None;
//!
//!     loop {
//!         // 1. Do what the session asks of the driver.
//!         while let Some(action) = session.poll_action() {
//!             match action {
//!                 Action::Connect { conn, host, deadline } => {
//!                     let budget = deadline.saturating_duration_since(Instant::now());
//!                     let opened = (host.host.as_str(), host.port)
//!                         .to_socket_addrs()?
//!                         .find_map(|addr| TcpStream::connect_timeout(&addr, budget).ok());
//!                     match opened {
//!                         Some(stream) => {
//!                             stream.set_nodelay(true)?;
//!                             socket = Some((conn, stream));
//!                             session.handle_connected(conn, Instant::now());
//!                         }
//!                         None => session.handle_connect_failed(conn, Instant::now()),
//!                     }
//!                 }
//!                 Action::Disconnect(_) => socket = None,
//!                 // Only with `config.sasl` set. Blocks this thread, which serves nothing else.
//!                 Action::Sasl(task) => session.handle_sasl_answer(task.run(), Instant::now()),
//!                 // Optional: without an answer the session stays on a read-only server.
//!                 Action::ProbeReadWrite { .. } => {}
//!             }
//!         }
//!         // 2. Tell the application, in order.
//!         while let Some(output) = session.poll_output() {
//!             match output {
//!                 Output::State(change) => {
//!                     println!("state: {:?}", change.state);
//!                     if change.state == SessionState::Connected && create.is_none() {
//!                         let request = Request::create("/hello", "world", CreateMode::Ephemeral);
//!                         create = Some(session.submit(request, Instant::now())?);
//!                     }
//!                 }
//!                 Output::Complete { id, result, .. } if Some(id) == create => {
//!                     println!("create: {result:?}");
//!                     session.close(Instant::now());
//!                 }
//!                 other => println!("{other:?}"),
//!             }
//!         }
//!         if session.state().is_terminal() {
//!             return Ok(());
//!         }
//!         // 3. Write what the session wants sent.
//!         if let Some((conn, stream)) = socket.as_mut() {
//!             let conn = *conn;
//!             while let Some(transmit) = session.poll_transmit(Instant::now(), &mut out) {
//!                 debug_assert_eq!(transmit.conn, conn);
//!                 if stream.write_all(&out).is_err() {
//!                     session.handle_disconnected(conn, Instant::now());
//!                     break;
//!                 }
//!                 out.clear();
//!             }
//!         }
//!         // 4. Wait for bytes or for the next timer, whichever comes first.
//!         let wait = session
//!             .poll_timeout()
//!             .map_or(Duration::from_secs(1), |at| at.saturating_duration_since(Instant::now()))
//!             .max(Duration::from_millis(1));
//!         match socket.as_mut() {
//!             Some((conn, stream)) => {
//!                 let conn = *conn;
//!                 stream.set_read_timeout(Some(wait))?;
//!                 match stream.read(&mut input) {
//!                     Ok(0) => session.handle_disconnected(conn, Instant::now()),
//!                     Ok(n) => session.handle_data(conn, &input[..n], Instant::now()),
//!                     Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
//!                     Err(_) => session.handle_disconnected(conn, Instant::now()),
//!                 }
//!             }
//!             None => std::thread::sleep(wait),
//!         }
//!         // 5. Let timers fire (a no-op when nothing is due).
//!         session.handle_timeout(Instant::now());
//!     }
//! }
//! ```
//!
//! # What else is here
//!
//! The codec is public for tools and tests: [`jute`] (primitives and the [`jute::Record`]
//! trait), [`records`] (every record of the protocol), [`frame`] (length-prefixed framing),
//! [`OpCode`], [`Error`] (every server error code, plus `Unknown(code)`), [`path`] (path rules
//! and chroot), [`ConnectString`], and [`auth`] (the digest credential helpers).

#![forbid(unsafe_code)]

pub mod auth;
mod connect_string;
mod error;
mod error_code;
pub mod frame;
mod hosts;
pub mod jute;
mod opcode;
pub mod path;
pub mod records;
mod request;
mod response;
mod rng;
pub mod sasl;
mod session;
mod version;
mod watch;
mod wire;

pub use connect_string::{ConnectString, DEFAULT_PORT, HostPort};
pub use error::{Error, IoCause};
pub use error_code::ErrorCode;
pub use opcode::OpCode;
pub use records::{Acl, ClientInfo, Id, Perms, Stat};
pub use request::{AddWatchMode, CreateMode, MultiOp, ReadOp, Request, WatcherType};
pub use response::{MultiResult, ReadResult, Response, first_error};
pub use session::{
    Action, AttemptFailure, ConnId, ExpiryPolicy, FailedAttempt, Output, ProbeId, RequestId,
    Session, SessionConfig, SessionId, SessionState, StateChange, Transmit,
};
pub use version::ServerVersion;
pub use watch::{EventType, NodeEvent, WatchEvent, WatchId, WatchKind};
