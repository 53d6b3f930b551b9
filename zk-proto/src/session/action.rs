//! What the session asks its driver to do, apart from moving bytes: open and close
//! transports, ask another server whether it serves read/write, and compute SASL steps.

use std::time::Instant;

use crate::connect_string::HostPort;
use crate::sasl::SaslTask;

use super::{ConnId, ProbeId};

/// Something the driver must do, from [`Session::poll_action`](crate::Session::poll_action).
///
/// Actions have a queue of their own, apart from the application's
/// [`Output`](crate::Output)s: nothing the application sees depends on when an action is
/// carried out, so a driver may act on them as it likes (quinn-proto keeps its endpoint
/// events apart from the connection's events in the same way).
///
/// Not `#[non_exhaustive]`: every driver must carry out every action (one that ignores a SASL
/// step stalls each connection until its deadline), so a new kind of action is a breaking
/// change that the compiler shows every driver.
#[derive(Debug)]
pub enum Action {
    /// Open a transport to `host` (resolve it, try each address) before `deadline`, then call
    /// [`handle_connected`](crate::Session::handle_connected) or
    /// [`handle_connect_failed`](crate::Session::handle_connect_failed) with `conn`.
    Connect {
        /// The attempt.
        conn: ConnId,
        /// The server to connect to.
        host: HostPort,
        /// When the session gives up on this attempt (connect plus handshake).
        deadline: Instant,
    },
    /// Close the transport of `conn`. Do not report its closing back.
    Disconnect(ConnId),
    /// Connected to a read-only server: ask `host` whether it serves read/write. Open a
    /// connection of its own to it (with the same TLS settings as the session's), send the
    /// four-letter word `isro`, read the reply to its end, and call
    /// [`handle_probe_result`](crate::Session::handle_probe_result) with `probe` and whether
    /// the reply was `rw`, or with `false` if there is no answer by `deadline`. A driver that
    /// ignores this only stays on the read-only server until that server drops the connection.
    ProbeReadWrite {
        /// The question.
        probe: ProbeId,
        /// The server to ask.
        host: HostPort,
        /// When to give up and answer `false`.
        deadline: Instant,
    },
    /// Compute one step of the SASL exchange on the task's connection:
    /// [`SaslTask::run`] it and hand the answer to
    /// [`handle_sasl_answer`](crate::Session::handle_sasl_answer). The step may block (GSSAPI
    /// asks the KDC for tickets), so a driver that serves anything else runs it on a thread of
    /// its own. Until the answer comes back the session sends nothing on that connection but
    /// pings, and its timers keep running: the whole exchange must finish within the connect
    /// timeout, or the attempt fails and the next server is tried.
    Sasl(SaslTask),
}
