//! Fuzzes zk-server's sans-IO core: the input (after a 1-byte header choosing the chunking and
//! the clock's steps) is what a client sends, fed to two connections, one in chunks with time
//! passing between them and one all at once. Besides never panicking, the server must:
//! - write only to connections it has open, and nothing after it closed one (input for a
//!   closed connection is ignored);
//! - write whole frames (a length prefix and that many bytes), unless the connection opened
//!   with a four-letter word, which is answered in plain text;
//! - forget every connection once its peer closes it, and every session once its timeout has
//!   passed with nobody attached: nothing leaks, whatever was sent.
//!
//! Shared with `#[path]`: the cargo-fuzz target `fuzz_targets/server_handle_data.rs` calls
//! [`run`], and so does zk-server's `tests/fuzz_regressions.rs` on every file of
//! `fuzz/regressions/server_handle_data/` and of the seed corpus.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use zk_server::{ConnectionId, Output, Server, ServerConfig};

/// Longer than any session timeout the server grants (20 ticks of 2 s), so that every session
/// has expired once this much time has passed without a connection.
const LONGER_THAN_ANY_SESSION: Duration = Duration::from_secs(60);

struct Run {
    server: Server,
    now: Instant,
    open: HashSet<ConnectionId>,
    /// Whether replies must be framed (not a four-letter-word connection).
    framed: bool,
}

impl Run {
    /// Carries out every output, checking each.
    fn drain(&mut self) {
        while let Some(output) = self.server.poll_output() {
            match output {
                Output::Transmit { conn, data } => {
                    assert!(self.open.contains(&conn), "bytes for {conn:?}, not open");
                    if self.framed {
                        assert_whole_frames(&data);
                    }
                }
                Output::Close(conn) => {
                    assert!(
                        self.open.remove(&conn),
                        "closed {conn:?} twice or never opened"
                    );
                }
                _ => {}
            }
        }
    }

    /// Advances the clock by `step` and runs what became due.
    fn advance(&mut self, step: Duration) {
        self.now += step;
        self.server.handle_timeout(self.now);
        self.drain();
    }
}

fn assert_whole_frames(mut data: &[u8]) {
    while !data.is_empty() {
        assert!(data.len() >= 4, "a truncated length prefix: {data:?}");
        let len = i32::from_be_bytes([data[0], data[1], data[2], data[3]]);
        let len = usize::try_from(len).expect("a negative frame length");
        assert!(data.len() >= 4 + len, "a frame cut short");
        data = &data[4 + len..];
    }
}

/// One fuzz input: panics on a bug (the fuzz target and the replay test both call this).
pub(crate) fn run(data: &[u8]) {
    let [header, stream @ ..] = data else {
        return;
    };
    let max_chunk = match header & 3 {
        0 => 1,
        1 => 7,
        2 => 64,
        _ => 4096,
    };
    // Milliseconds the clock moves between chunks: none, a little, or past a read timeout.
    let step = Duration::from_millis(match (header >> 2) & 3 {
        0 => 0,
        1 => 3,
        2 => 700,
        _ => 9_000,
    });
    let mut seed = u32::from(*header) | 0x9e37_0000;
    let framed = !(stream.len() >= 4 && stream[..4].iter().all(u8::is_ascii_lowercase));

    // The only clock reading: the origin of the run's virtual time.
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let mut run = Run {
        server: Server::new(ServerConfig::default(), now),
        now,
        open: HashSet::new(),
        framed,
    };
    let chunked = run
        .server
        .accept(Some(IpAddr::V4(Ipv4Addr::LOCALHOST)), run.now);
    let whole = run.server.accept(None, run.now);
    run.open.extend([chunked, whole]);

    run.server.handle_data(whole, stream, run.now);
    run.drain();
    let mut rest = stream;
    while !rest.is_empty() {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed as usize % (max_chunk + 1)).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        run.server.handle_data(chunked, chunk, run.now);
        run.drain();
        if seed & 7 == 0 {
            run.advance(step);
        }
    }

    // The peers go: every connection is forgotten, then every session expires.
    for conn in [chunked, whole] {
        run.server.handle_closed(conn, run.now);
        run.open.remove(&conn);
        run.drain();
    }
    assert_eq!(
        run.server.connection_count(),
        0,
        "a closed connection is kept"
    );
    // From deadline to deadline (each at least a millisecond on, so a deadline that does not
    // move cannot stall the run), then to the end.
    let end = run.now + LONGER_THAN_ANY_SESSION;
    while let Some(due) = run.server.poll_timeout().filter(|due| *due < end) {
        let step = due
            .saturating_duration_since(run.now)
            .max(Duration::from_millis(1));
        run.advance(step);
    }
    let rest = end.saturating_duration_since(run.now);
    run.advance(rest);
    assert_eq!(
        run.server.session_count(),
        0,
        "a session outlived its timeout"
    );
}
