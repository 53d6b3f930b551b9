//! A misbehaving server ([`zk_testing::hostile`]): every scenario checks that the client does
//! not panic, that pending calls end with a typed error, that it reconnects no faster than its
//! backoff allows, and that nothing it holds grows; the stalled and storm cases also check that
//! it stays idle (process CPU time). No ZooKeeper runs: the peer is a fake on loopback.
//!
//! Rates are asserted as counts of accepted connections over a measured window, against the
//! most the client's settings allow in that window, never as a time something must finish in.

mod frames;
mod handshake;
mod session;

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use zk_client::{ClientBuilder, Error};
use zk_testing::hostile::{HostileServer, process_cpu_time};

use crate::Adapter;

pub use frames::{
    hostile_bogus_watch_events, hostile_garbage_body, hostile_negative_frame_length,
    hostile_oversized_frame, hostile_truncated_frame_then_close, hostile_unknown_error_code,
    hostile_unknown_xid, hostile_watch_event_outside_the_chroot,
};
pub use handshake::{
    hostile_close_on_accept, hostile_negative_negotiated_timeout,
    hostile_oversized_connect_response, hostile_session_id_zero, hostile_stalled_handshake,
    hostile_tiny_negotiated_timeout, hostile_undecodable_connect_response,
    hostile_unrequested_read_only, hostile_zero_negotiated_timeout,
};
pub use session::{
    hostile_changed_session_id_on_reattach, hostile_reconnect_storm, hostile_slow_drip,
    hostile_stalled_pings,
};

/// How long rates and CPU are measured for.
const WINDOW: Duration = Duration::from_secs(2);
/// The client's backoff: the first delay after a failed attempt, and its cap.
const BACKOFF_INITIAL: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_millis(400);
/// The session timeout asked for where the handshake is honest: pings every T/3, and a
/// connection that hears nothing for 2T/3 is dropped.
const SESSION_TIMEOUT: Duration = Duration::from_secs(2);
/// Only keeps a broken client from hanging a scenario.
const WAIT: Duration = Duration::from_secs(20);
/// The most of one core the process may use while a client faces a storm or a stall: an idle
/// client uses next to nothing, a spinning one a whole core; the margin absorbs other tests of
/// the same process.
const MAX_CPU: f64 = 0.5;
/// A ConnectRequest frame: length, protocol version, last zxid, timeout, session id, a
/// 16-byte password and the read-only flag.
const CONNECT_REQUEST_FRAME: u64 = 4 + 4 + 8 + 4 + 8 + (4 + 16) + 1;

/// One hostile scenario at a time in a test process, so that a CPU window measures one
/// client (and its server) only. A token rather than a held mutex guard: the scenarios await
/// while they hold it.
struct Serial;

static BUSY: Mutex<bool> = Mutex::new(false);
static FREED: Condvar = Condvar::new();

impl Serial {
    fn take() -> Serial {
        let mut busy = BUSY.lock().unwrap_or_else(PoisonError::into_inner);
        while *busy {
            busy = FREED.wait(busy).unwrap_or_else(PoisonError::into_inner);
        }
        *busy = true;
        Serial
    }
}

impl Drop for Serial {
    fn drop(&mut self) {
        *BUSY.lock().unwrap_or_else(PoisonError::into_inner) = false;
        FREED.notify_one();
    }
}

fn server(behaviour: zk_testing::hostile::Behaviour) -> HostileServer {
    HostileServer::start(behaviour).expect("the hostile server starts")
}

/// A builder for `server` with this suite's backoff, a short close, and no `srvr` probe (so
/// that every connection the server sees is a session attempt).
fn builder<A: Adapter>(server: &HostileServer, session_timeout: Duration) -> ClientBuilder {
    A::builder(&server.connect_string())
        .session_timeout(session_timeout)
        .backoff(BACKOFF_INITIAL, BACKOFF_MAX)
        .close_timeout(Duration::from_millis(500))
        .probe_server_version(false)
}

/// A measurement under way: when it began, and the process's CPU time then.
struct Window {
    start: Instant,
    cpu: Option<Duration>,
}

/// What a window saw.
#[derive(Debug)]
struct Measured {
    elapsed: Duration,
    /// Connections the server accepted during the window.
    accepted: usize,
    /// The share of one core the process used, where the platform tells.
    cpu: Option<f64>,
}

impl Window {
    fn open() -> Window {
        Window {
            cpu: process_cpu_time(),
            start: Instant::now(),
        }
    }

    fn close(self, server: &HostileServer) -> Measured {
        let end = Instant::now();
        let elapsed = end - self.start;
        let cpu = match (self.cpu, process_cpu_time()) {
            (Some(before), Some(after)) => {
                Some((after - before).as_secs_f64() / elapsed.as_secs_f64().max(1e-3))
            }
            _ => None,
        };
        Measured {
            elapsed,
            accepted: server.stats().accepted_between(self.start, end),
            cpu,
        }
    }
}

impl Measured {
    fn assert_at_most(&self, bound: usize, why: &str) {
        assert!(
            self.accepted <= bound,
            "{} connections in {:?}, more than the {bound} {why} allows",
            self.accepted,
            self.elapsed
        );
    }

    fn assert_idle(&self) {
        if let Some(cpu) = self.cpu {
            assert!(
                cpu < MAX_CPU,
                "the process used {:.0}% of a core over {:?}",
                cpu * 100.0,
                self.elapsed
            );
        }
    }
}

/// The most attempts that fit in `elapsed` when none establishes a session: the first at
/// once, each lasting at least `attempt_floor`, and after each the backoff, which doubles from
/// [`BACKOFF_INITIAL`] up to [`BACKOFF_MAX`] (one server: every attempt is a full pass) and is
/// never shorter than half its nominal value (the jitter's floor). One more for an attempt
/// that starts as the window closes.
fn max_attempts_backing_off(elapsed: Duration, attempt_floor: Duration) -> usize {
    let mut at = Duration::ZERO;
    let mut attempts = 1;
    let mut delay = BACKOFF_INITIAL;
    loop {
        at += attempt_floor + delay / 2;
        if at > elapsed {
            return attempts + 1;
        }
        attempts += 1;
        delay = (delay * 2).min(BACKOFF_MAX);
    }
}

/// The most connections that fit in `elapsed` when each is at least `gap` after the previous
/// one, plus the first and one starting as the window closes.
fn max_attempts_spaced(elapsed: Duration, gap: Duration) -> usize {
    (elapsed.as_nanos() / gap.as_nanos().max(1)) as usize + 2
}

/// `connect()` failed saying which server the last attempt went to and why.
fn assert_connect_failed(result: Result<zk_client::Client, Error>, server: &HostileServer) {
    let prefix = format!("{}: ", server.connect_string());
    match result {
        Err(Error::ConnectFailed { last_attempt, .. }) => assert!(
            last_attempt.starts_with(&prefix) && last_attempt.len() > prefix.len(),
            "the reason should read \"{prefix}<why>\": {last_attempt:?}"
        ),
        Err(other) => panic!("expected ConnectFailed naming {prefix:?}, got {other:?}"),
        Ok(client) => panic!(
            "connected to a server that gave no usable session ({:?}, negotiated {:?})",
            client.session_id(),
            client.negotiated_timeout()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_bound_follows_the_doubling_and_the_jitter_floor() {
        // Floors 50, 100, 200, 200, ... ms: attempts at 0, 50, 150, 350, 550, 750, 950.
        assert_eq!(
            max_attempts_backing_off(Duration::from_millis(1000), Duration::ZERO),
            7 + 1
        );
        // Attempts of 1 s each: at 0, 1.05 s, 2.15 s.
        assert_eq!(
            max_attempts_backing_off(Duration::from_millis(2500), Duration::from_secs(1)),
            3 + 1
        );
        assert_eq!(
            max_attempts_spaced(Duration::from_millis(2100), Duration::from_millis(500)),
            6
        );
    }
}
