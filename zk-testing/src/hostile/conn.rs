//! One connection of a hostile server, on a thread of its own: the handshake, then honest
//! service or the fault its behaviour asks for.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use zk_proto::frame::{FrameDecoder, write_frame};
use zk_proto::jute::Record;
use zk_proto::records::{ConnectRequest, ConnectResponse, RequestHeader};

use super::behaviour::{Behaviour, Fault, Handshake};
use super::replies::{bare_header, honest_reply, op};
use super::{Shared, Stats};

/// Generous: the server must read whatever a client sends, up to ZooKeeper's own limit and
/// beyond, so that only the client's limits are under test.
const MAX_FRAME_IN: usize = 16 << 20;
/// The length prefix of a truncated frame, and how many of its bytes are sent.
const TRUNCATED_LEN: i32 = 64;
const TRUNCATED_SENT: usize = 10;
/// Set in a request's xid to make one the client never used (clients count up from 1 and
/// would need a billion requests to reach it).
const UNKNOWN_XID_BIT: i32 = 0x4000_0000;
/// What an undecodable ConnectResponse holds: far shorter than the 20 bytes of the shortest
/// valid one, and not the 16 of the bare reply header a read-only server may answer with.
const UNDECODABLE: [u8; 5] = [0xab; 5];
const PING_XID: i32 = -2;
const NOTIFICATION_XID: i32 = -1;

/// Serves one accepted connection until either side closes it.
pub(super) fn serve(stream: TcpStream, shared: &Shared) {
    let mut conn = Conn {
        stream,
        decoder: FrameDecoder::new(MAX_FRAME_IN),
        buf: vec![0; 16 * 1024],
        drip: None,
        shared,
    };
    if shared.closes_on_accept() {
        // Dropping the stream closes it; nothing was read.
        return;
    }
    // Errors mean the client went away: there is nobody left to misbehave towards.
    let _ = conn.run();
}

struct Conn<'a> {
    stream: TcpStream,
    decoder: FrameDecoder,
    buf: Vec<u8>,
    drip: Option<Duration>,
    shared: &'a Shared,
}

impl Conn<'_> {
    fn run(&mut self) -> io::Result<()> {
        let mut prefix = [0u8; 4];
        if !self.read_exact_or_eof(&mut prefix)? {
            return Ok(());
        }
        if prefix.iter().all(u8::is_ascii_lowercase) {
            // No ConnectRequest is that long: it is a four-letter word such as srvr or isro.
            self.shared.recorder.record(|s| s.four_letter_words += 1);
            return self.four_letter_word(prefix);
        }
        let behaviour = self.shared.take_behaviour();
        self.drip = behaviour.drip;
        self.decoder.push(&prefix);
        let Some(frame) = self.read_frame()? else {
            return Ok(());
        };
        let Ok(request) = ConnectRequest::from_bytes(frame) else {
            return Ok(());
        };
        self.shared
            .recorder
            .record(|s| s.connect_requests.push(request.clone()));
        if !self.answer_handshake(&behaviour.handshake, &request)? {
            return self.drain();
        }
        self.after_handshake(&behaviour)
    }

    /// Answers the ConnectRequest; whether a decodable ConnectResponse went out.
    fn answer_handshake(
        &mut self,
        handshake: &Handshake,
        request: &ConnectRequest,
    ) -> io::Result<bool> {
        let mut response = ConnectResponse {
            protocol_version: 0,
            timeout_ms: request.timeout_ms,
            session_id: request.session_id,
            passwd: request.passwd.clone(),
            // Servers up to 3.8 send the flag back only to clients that sent theirs.
            read_only: request.read_only.map(|_| false),
        };
        let reattach = request.session_id != 0;
        match handshake {
            Handshake::CloseOnAccept | Handshake::Stall => return Ok(false),
            Handshake::ResponseLength(len) => {
                self.send(&len.to_be_bytes())?;
                return Ok(false);
            }
            Handshake::Undecodable => {
                let mut out = Vec::new();
                write_frame(&mut out, |b| b.extend_from_slice(&UNDECODABLE));
                self.send(&out)?;
                return Ok(false);
            }
            Handshake::Grant if reattach => {}
            Handshake::Grant | Handshake::NewSessionId => self.new_session(&mut response),
            Handshake::Timeout(ms) => {
                if !reattach {
                    self.new_session(&mut response);
                }
                response.timeout_ms = *ms;
            }
            Handshake::SessionIdZero => response.session_id = 0,
            Handshake::ReadOnly => {
                if !reattach {
                    self.new_session(&mut response);
                }
                response.read_only = Some(true);
            }
        }
        let mut out = Vec::new();
        write_frame(&mut out, |b| response.encode(b));
        self.send(&out)?;
        Ok(true)
    }

    fn new_session(&self, response: &mut ConnectResponse) {
        let (id, passwd) = self.shared.new_session();
        response.session_id = id;
        response.passwd = passwd;
    }

    fn after_handshake(&mut self, behaviour: &Behaviour) -> io::Result<()> {
        if behaviour.fault == Fault::Storm {
            let mut out = Vec::new();
            bare_header(&mut out, PING_XID, self.shared.zxid(), 0);
            self.send(&out)?;
            return self.close();
        }
        let mut first_frame = true;
        let mut events_sent = false;
        while let Some(frame) = self.read_frame()? {
            let Ok(header) = RequestHeader::from_bytes(frame.clone()) else {
                return Ok(());
            };
            let body = frame.slice(8.min(frame.len())..);
            let is_ping = header.xid == PING_XID;
            self.shared.recorder.record(|s: &mut Stats| {
                if is_ping {
                    s.pings += 1;
                } else {
                    s.requests += 1;
                }
            });
            let zxid = self.shared.zxid();
            let mut out = Vec::new();
            match &behaviour.fault {
                Fault::FrameLength(len) if first_frame => {
                    self.send(&len.to_be_bytes())?;
                    return self.drain();
                }
                Fault::TruncatedFrame if first_frame => {
                    out.extend_from_slice(&TRUNCATED_LEN.to_be_bytes());
                    out.extend_from_slice(&[0; TRUNCATED_SENT]);
                    self.send(&out)?;
                    return self.close();
                }
                Fault::UnknownXid if first_frame => {
                    let xid = if header.xid > 0 {
                        header.xid | UNKNOWN_XID_BIT
                    } else {
                        UNKNOWN_XID_BIT
                    };
                    bare_header(&mut out, xid, zxid, 0);
                }
                Fault::GarbageBody(len) if first_frame => {
                    let garbage = self.shared.garbage(*len);
                    write_frame(&mut out, |b| b.extend_from_slice(&garbage));
                }
                Fault::ErrorCode(code) if header.xid > 0 && header.op != op::CLOSE_SESSION => {
                    bare_header(&mut out, header.xid, zxid, *code);
                }
                Fault::Stall => continue,
                Fault::WatchEvents(events) if !is_ping && !events_sent => {
                    honest_reply(&mut out, header.xid, header.op, body, zxid);
                    for event in events {
                        write_frame(&mut out, |b| {
                            zk_proto::records::ReplyHeader {
                                xid: NOTIFICATION_XID,
                                zxid,
                                err: 0,
                            }
                            .encode(b);
                            event.encode(b);
                        });
                    }
                    events_sent = true;
                }
                _ => honest_reply(&mut out, header.xid, header.op, body, zxid),
            }
            first_frame = false;
            self.send(&out)?;
            if header.op == op::CLOSE_SESSION {
                return self.close();
            }
        }
        Ok(())
    }

    /// Answers a four-letter word as a healthy standalone server would, then closes.
    fn four_letter_word(&mut self, word: [u8; 4]) -> io::Result<()> {
        let reply: &[u8] = match &word {
            b"ruok" => b"imok",
            b"isro" => b"rw",
            b"srvr" => {
                b"Zookeeper version: 3.8.4-hostile, built on 01/01/1970 00:00 GMT\n\
                  Latency min/avg/max: 0/0.0/0\nReceived: 0\nSent: 0\nConnections: 1\n\
                  Outstanding: 0\nZxid: 0x0\nMode: standalone\nNode count: 1\n"
            }
            _ => b"",
        };
        self.send(reply)?;
        self.close()
    }

    /// Writes `bytes`, all at once or one at a time with the drip's pause after each.
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.drip {
            None => {
                self.stream.write_all(bytes)?;
                self.shared
                    .recorder
                    .record(|s| s.bytes_out += bytes.len() as u64);
            }
            Some(pause) => {
                for byte in bytes {
                    self.stream.write_all(std::slice::from_ref(byte))?;
                    self.shared.recorder.record(|s| s.bytes_out += 1);
                    // The pause is the behaviour under test, not a wait for anything.
                    thread::sleep(pause);
                }
            }
        }
        Ok(())
    }

    /// Reads once; `Ok(0)` at end of stream.
    fn read_some(&mut self) -> io::Result<usize> {
        loop {
            match self.stream.read(&mut self.buf) {
                Ok(n) => {
                    self.shared.recorder.record(|s| s.bytes_in += n as u64);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Fills `out`; `false` if the stream ended first.
    fn read_exact_or_eof(&mut self, out: &mut [u8]) -> io::Result<bool> {
        let mut filled = 0;
        while filled < out.len() {
            match self.stream.read(&mut out[filled..]) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.shared.recorder.record(|s| s.bytes_in += n as u64);
                    filled += n;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// The next frame the client sent; `None` at end of stream or on a frame no client sends.
    fn read_frame(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            match self.decoder.next_frame() {
                Ok(Some(frame)) => return Ok(Some(frame)),
                Ok(None) => {}
                Err(_) => return Ok(None),
            }
            let n = self.read_some()?;
            if n == 0 {
                return Ok(None);
            }
            let (decoder, buf) = (&mut self.decoder, &self.buf);
            decoder.push(&buf[..n]);
        }
    }

    /// Reads and ignores everything until the client closes.
    fn drain(&mut self) -> io::Result<()> {
        while self.read_some()? > 0 {}
        Ok(())
    }

    /// Ends our side at once (the client sees end of stream right after what was sent), then
    /// waits for the client to close its side, so that unread bytes cannot turn the close
    /// into a reset that could discard what was sent.
    fn close(&mut self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)?;
        self.drain()
    }
}
