//! Real server-side session expiry: attach to the session from a second connection and close
//! it (kazoo's and Curator's trick).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use bytes::Bytes;
use zk_proto::frame::{DEFAULT_MAX_FRAME, FrameDecoder, write_frame};
use zk_proto::jute::Record;
use zk_proto::records::{ConnectRequest, ConnectResponse, ReplyHeader, RequestHeader};

use crate::error::{Error, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The timeout asked for when attaching; the server renegotiates the session's timeout, which
/// no longer matters since the session is closed right away.
const ATTACH_TIMEOUT_MS: i32 = 10_000;
/// closeSession.
const CLOSE_SESSION: i32 = -11;
const CLOSE_XID: i32 = 1;

/// Expires a session for real, on the server at `addr`: the session's ephemeral nodes are
/// deleted and its watchers fire, exactly as after a timeout.
///
/// It opens a second connection, attaches to the session with its id and password (the
/// server then closes the connection the original client holds), and sends closeSession.
/// The original client sees its connection closed; when it reconnects the server answers
/// that the session is expired, so it goes to its Lost/expired state.
///
/// Works against any server, including one this crate did not start (see
/// [`Cluster::expire_session`](crate::Cluster::expire_session) for a cluster's). Fails with
/// [`Error::SessionNotFound`] when the server does not know the session (already expired or
/// closed, or a wrong password), and with [`Error::Io`] when the server cannot be reached.
///
/// With `localSessionsEnabled` (the [`read_only`](crate::ClusterBuilder::read_only) setting)
/// a session that never created an ephemeral node is local to the server it connected to:
/// expire it through that server.
///
/// # Errors
///
/// [`Error::SessionNotFound`] when the server does not know the session (or the password is
/// wrong); [`Error::Io`] when it cannot be reached; [`Error::Protocol`] when it answers
/// something unexpected.
pub fn expire_session_at(addr: impl ToSocketAddrs, session_id: i64, password: &[u8]) -> Result<()> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| Error::io("resolving the server address", e))?
        .collect();
    let mut last_err = io::Error::new(
        io::ErrorKind::InvalidInput,
        "the address resolved to nothing",
    );
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(stream) => return close_session(stream, session_id, password),
            Err(e) => last_err = e,
        }
    }
    Err(Error::io("connecting to expire a session", last_err))
}

fn close_session(stream: TcpStream, session_id: i64, password: &[u8]) -> Result<()> {
    let io = |e| Error::io(format!("expiring session 0x{session_id:x}"), e);
    let mut conn = Conn::new(stream).map_err(io)?;

    conn.send(&ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        timeout_ms: ATTACH_TIMEOUT_MS,
        session_id,
        passwd: Bytes::copy_from_slice(password),
        read_only: Some(false),
    })
    .map_err(io)?;
    let response = match conn.receive().map_err(io)? {
        Some(frame) => ConnectResponse::from_bytes(frame)
            .map_err(|e| Error::Protocol(format!("bad ConnectResponse: {e}")))?,
        None => {
            return Err(Error::Protocol(
                "the server closed the connection instead of answering the ConnectRequest \
                 (is it serving?)"
                    .into(),
            ));
        }
    };
    if response.is_expired() {
        return Err(Error::SessionNotFound { session_id });
    }

    conn.send(&RequestHeader {
        xid: CLOSE_XID,
        op: CLOSE_SESSION,
    })
    .map_err(io)?;
    // Skip anything else (a ping reply cannot come, but be lenient) until the reply.
    loop {
        let Some(frame) = conn.receive().map_err(io)? else {
            return Err(Error::Protocol(
                "the server closed the connection before answering closeSession".into(),
            ));
        };
        let header = ReplyHeader::from_bytes(frame)
            .map_err(|e| Error::Protocol(format!("bad reply header: {e}")))?;
        if header.xid != CLOSE_XID {
            continue;
        }
        if header.err != 0 {
            return Err(Error::Protocol(format!(
                "closeSession failed with error code {}",
                header.err
            )));
        }
        return Ok(());
    }
}

/// A blocking, framed connection.
struct Conn {
    stream: TcpStream,
    decoder: FrameDecoder,
    buf: Vec<u8>,
}

impl Conn {
    fn new(stream: TcpStream) -> io::Result<Conn> {
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            decoder: FrameDecoder::new(DEFAULT_MAX_FRAME),
            buf: vec![0; 4096],
        })
    }

    fn send(&mut self, record: &impl Record) -> io::Result<()> {
        let mut out = Vec::new();
        write_frame(&mut out, |b| record.encode(b));
        self.stream.write_all(&out)
    }

    /// The next frame, or `None` when the server closed the connection.
    fn receive(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            match self.decoder.next_frame() {
                Ok(Some(frame)) => return Ok(Some(frame)),
                Ok(None) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
            let n = self.stream.read(&mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.decoder.push(&self.buf[..n]);
        }
    }
}
