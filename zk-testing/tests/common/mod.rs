//! A tiny blocking ZooKeeper client on raw records, enough to create and read nodes and to
//! hold a session in these tests.

#![allow(dead_code, unreachable_pub)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use zk_proto::OpCode;
use zk_proto::frame::{DEFAULT_MAX_FRAME, FrameDecoder, write_frame};
use zk_proto::jute::Record;
use zk_proto::records::{
    Acl, ConnectRequest, ConnectResponse, CreateRequest, GetDataResponse, PathWatchRequest,
    ReplyHeader, RequestHeader,
};

/// Flags of CreateRequest.
pub const PERSISTENT: i32 = 0;
pub const EPHEMERAL: i32 = 1;
/// ZooKeeper error codes used here.
pub const NO_NODE: i32 = -101;

pub struct RawClient {
    stream: TcpStream,
    decoder: FrameDecoder,
    buf: Vec<u8>,
    xid: i32,
    pub response: ConnectResponse,
}

impl RawClient {
    /// Opens a connection and sends a ConnectRequest; returns the connection and the
    /// server's answer (which may say the session is expired).
    pub fn connect(
        addr: impl ToSocketAddrs,
        session_id: i64,
        password: &[u8],
        timeout_ms: i32,
    ) -> io::Result<RawClient> {
        let addr: SocketAddr = addr.to_socket_addrs()?.next().unwrap();
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_nodelay(true)?;
        let mut client = RawClient {
            stream,
            decoder: FrameDecoder::new(DEFAULT_MAX_FRAME),
            buf: vec![0; 64 * 1024],
            xid: 0,
            response: ConnectResponse::default(),
        };
        client.send_frame(|out| {
            ConnectRequest {
                protocol_version: 0,
                last_zxid_seen: 0,
                timeout_ms,
                session_id,
                passwd: Bytes::copy_from_slice(password),
                read_only: Some(false),
            }
            .encode(out)
        })?;
        let frame = client
            .read_frame()?
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "closed at connect"))?;
        client.response = ConnectResponse::from_bytes(frame).map_err(io::Error::other)?;
        Ok(client)
    }

    /// A new session, or panic.
    pub fn new_session(addr: impl ToSocketAddrs, timeout_ms: i32) -> RawClient {
        let client = RawClient::connect(addr, 0, &[0; 16], timeout_ms).expect("connect");
        assert!(!client.response.is_expired(), "{:?}", client.response);
        client
    }

    pub fn session_id(&self) -> i64 {
        self.response.session_id
    }

    pub fn password(&self) -> Vec<u8> {
        self.response.passwd[..].to_vec()
    }

    pub fn send_frame(&mut self, body: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let mut out = Vec::new();
        write_frame(&mut out, body);
        self.stream.write_all(&out)
    }

    /// The next frame; `None` when the peer closed the connection.
    pub fn read_frame(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            if let Some(frame) = self.decoder.next_frame().map_err(io::Error::other)? {
                return Ok(Some(frame));
            }
            let n = self.stream.read(&mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.decoder.push(&self.buf[..n]);
        }
    }

    pub fn set_read_timeout(&self, timeout: Duration) {
        self.stream.set_read_timeout(Some(timeout)).unwrap();
    }

    /// Sends one request and returns the reply's error code and body.
    pub fn call(&mut self, op: OpCode, body: &impl Record) -> io::Result<(i32, Bytes)> {
        self.xid += 1;
        let xid = self.xid;
        self.send_frame(|out| {
            RequestHeader { xid, op: op.code() }.encode(out);
            body.encode(out);
        })?;
        loop {
            let frame = self
                .read_frame()?
                .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "closed"))?;
            let header = ReplyHeader::from_bytes(frame.clone()).map_err(io::Error::other)?;
            if header.xid == xid {
                // ReplyHeader is 16 bytes: xid, zxid, err.
                return Ok((header.err, frame.slice(16..)));
            }
        }
    }

    pub fn create(&mut self, path: &str, data: &[u8], flags: i32) -> i32 {
        let request = CreateRequest {
            path: path.into(),
            data: Some(Bytes::copy_from_slice(data)),
            acl: Acl::open_unsafe(),
            flags,
        };
        self.call(OpCode::Create, &request).expect("create").0
    }

    pub fn get_data(&mut self, path: &str) -> Result<Vec<u8>, i32> {
        let request = PathWatchRequest {
            path: path.into(),
            watch: false,
        };
        let (err, body) = self.call(OpCode::GetData, &request).expect("getData");
        if err != 0 {
            return Err(err);
        }
        let reply = GetDataResponse::from_bytes(body).expect("GetDataResponse");
        Ok(reply.data.map(|d| d[..].to_vec()).unwrap_or_default())
    }

    /// Sends a ping (xid -2) and waits for its reply.
    pub fn ping(&mut self) -> io::Result<()> {
        self.send_frame(|out| {
            RequestHeader {
                xid: -2,
                op: OpCode::Ping.code(),
            }
            .encode(out)
        })?;
        loop {
            let frame = self
                .read_frame()?
                .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "closed"))?;
            let header = ReplyHeader::from_bytes(frame).map_err(io::Error::other)?;
            if header.xid == -2 {
                return Ok(());
            }
        }
    }

    /// Whether the peer has closed the connection: a read returns end of file or an error
    /// (not a timeout) within `within`.
    pub fn is_closed_within(&mut self, within: Duration) -> bool {
        self.set_read_timeout(within);
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
        }
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

pub fn process_exists(pid: u32) -> bool {
    // A zombie counts as gone: it no longer runs.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}
