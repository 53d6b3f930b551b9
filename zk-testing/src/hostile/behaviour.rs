//! What a [`HostileServer`](super::HostileServer) does on one connection: how it answers the
//! handshake, how it misbehaves afterwards, and how fast it writes.

use std::time::Duration;

use zk_proto::records::WatcherEvent;

/// How the server answers a connection's handshake (the client's ConnectRequest).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handshake {
    /// Grants the session as a server would: a new session for a ConnectRequest with session
    /// id 0, the same session (id and password) for a re-attach, with the timeout the client
    /// asked for.
    Grant,
    /// Closes the connection as soon as it is accepted, before reading anything.
    CloseOnAccept,
    /// Reads the ConnectRequest and never answers; the connection stays open until the
    /// client closes it.
    Stall,
    /// Grants the session with this negotiated timeout in milliseconds instead: a few ms, 0,
    /// or negative (servers answer `<= 0` for a session they do not know).
    Timeout(i32),
    /// Grants a session whose id is 0.
    SessionIdZero,
    /// Grants the session and says the server is read-only, whether or not the client said
    /// it accepts read-only servers.
    ReadOnly,
    /// Grants a brand-new session (a new id and password) even when the client asked to
    /// re-attach to its session.
    NewSessionId,
    /// Answers with nothing but this length prefix (one larger than the client's frame
    /// limit, or negative); the connection stays open until the client closes it.
    ResponseLength(i32),
    /// Answers with a well-framed ConnectResponse too short to decode.
    Undecodable,
}

/// What the server does on a connection once the handshake is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Nothing: answers pings and requests (see the [module docs](super) for the replies).
    None,
    /// Answers the first frame the client sends (a request, or else its first ping) with
    /// nothing but this length prefix (over the client's frame limit, or negative), then
    /// reads and ignores everything.
    FrameLength(i32),
    /// Answers the first frame with a length prefix announcing more bytes than follow, then
    /// closes the connection.
    TruncatedFrame,
    /// Answers the first frame with a reply whose xid the client never used, then behaves.
    UnknownXid,
    /// Answers the first frame with a frame of this many pseudo-random bytes (seeded, so runs
    /// repeat), then behaves.
    GarbageBody(usize),
    /// Answers every request with this error code in the reply header and no body (say -999,
    /// a code no server sends); pings, credentials and closeSession are answered normally.
    ErrorCode(i32),
    /// Answers the first request normally, then sends these notifications (xid -1) as they
    /// are, however bogus, then behaves.
    WatchEvents(Vec<WatcherEvent>),
    /// Answers nothing after the handshake, not even pings; reads and ignores everything.
    Stall,
    /// The reconnect storm: right after the handshake, one frame (a ping reply), then closes
    /// the connection without reading anything.
    Storm,
}

/// Everything the server does on one connection: see
/// [`HostileServer`](super::HostileServer) for how behaviours are assigned to connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behaviour {
    /// How the handshake is answered.
    pub handshake: Handshake,
    /// What happens after the handshake (only when the handshake was answered with a
    /// ConnectResponse that decodes).
    pub fault: Fault,
    /// Writes every byte of the connection, handshake included, one at a time with this pause
    /// after each (the slow drip); `None` writes each frame at once.
    pub drip: Option<Duration>,
}

impl Behaviour {
    /// A server that plays by the rules.
    pub fn honest() -> Behaviour {
        Behaviour {
            handshake: Handshake::Grant,
            fault: Fault::None,
            drip: None,
        }
    }

    /// This handshake, and honest service after it.
    pub fn handshake(handshake: Handshake) -> Behaviour {
        Behaviour {
            handshake,
            ..Behaviour::honest()
        }
    }

    /// An honest handshake, then this fault.
    pub fn fault(fault: Fault) -> Behaviour {
        Behaviour {
            fault,
            ..Behaviour::honest()
        }
    }

    /// The same behaviour, writing one byte per `pause`.
    #[must_use]
    pub fn with_drip(mut self, pause: Duration) -> Behaviour {
        self.drip = Some(pause);
        self
    }
}

impl Default for Behaviour {
    fn default() -> Behaviour {
        Behaviour::honest()
    }
}
