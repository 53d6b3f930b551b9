//! One client connection: its frame decoder, its session once the handshake is done, the
//! ids it has authenticated as, and the counters the four-letter words report.

use std::net::SocketAddr;
use std::time::Instant;

use zk_proto::Id;
use zk_proto::frame::FrameDecoder;

/// A connection's state.
#[derive(Debug)]
pub(super) struct Connection {
    /// Splits the byte stream; its limit (`jute.maxbuffer`) is checked before anything is
    /// buffered for a frame.
    pub(super) decoder: FrameDecoder,
    /// The session, once the ConnectRequest has been answered.
    pub(super) session: Option<i64>,
    /// The peer's address, if known.
    pub(super) peer: Option<SocketAddr>,
    /// Authenticated ids: `ip` from the start (as ZooKeeper adds it to every connection),
    /// then whatever addAuth adds. They belong to the connection, not the session.
    pub(super) auth: Vec<Id>,
    /// When it was accepted (a connection without a session is closed after a while).
    pub(super) opened: Instant,
    /// The first bytes of a fresh connection, held until four have arrived: they may be a
    /// four-letter word rather than a frame length. `None` once decided.
    pub(super) head: Option<Vec<u8>>,
    /// Frames received and sent.
    pub(super) received: u64,
    pub(super) sent: u64,
    /// The last request's four-letter operation name, xid and reply zxid (for `cons`).
    pub(super) last_op: &'static str,
    pub(super) last_cxid: i32,
    pub(super) last_zxid: i64,
    /// Wall-clock milliseconds when the session was attached (for `cons`).
    pub(super) established_ms: i64,
}

impl Connection {
    pub(super) fn new(peer: Option<SocketAddr>, max_frame: usize, now: Instant) -> Connection {
        Connection {
            decoder: FrameDecoder::new(max_frame),
            session: None,
            peer,
            auth: peer
                .map(|addr| vec![Id::new("ip", addr.ip().to_string())])
                .unwrap_or_default(),
            opened: now,
            head: Some(Vec::new()),
            received: 0,
            sent: 0,
            last_op: "NA",
            last_cxid: -1,
            last_zxid: -1,
            established_ms: 0,
        }
    }
}
