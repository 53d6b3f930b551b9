//! The hostile server against a hand-written client on a blocking socket.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use zk_proto::frame::{FrameDecoder, write_frame};
use zk_proto::jute::{Reader, Record};
use zk_proto::records::{
    ConnectRequest, ConnectResponse, GetDataResponse, PathWatchRequest, ReplyHeader, RequestHeader,
    WatcherEvent,
};

use super::{Behaviour, CANNED_DATA, Fault, Handshake, HostileServer};

/// Only keeps a broken server from hanging the test.
const HANG_GUARD: Duration = Duration::from_secs(20);

struct Client {
    stream: TcpStream,
    decoder: FrameDecoder,
}

impl Client {
    fn connect(server: &HostileServer) -> Client {
        let stream = TcpStream::connect(server.address()).unwrap();
        stream.set_read_timeout(Some(HANG_GUARD)).unwrap();
        Client {
            stream,
            decoder: FrameDecoder::new(1 << 20),
        }
    }

    fn send(&mut self, body: impl FnOnce(&mut Vec<u8>)) {
        let mut out = Vec::new();
        write_frame(&mut out, body);
        self.stream.write_all(&out).unwrap();
    }

    fn handshake(&mut self, session_id: i64) -> ConnectResponse {
        self.send(|b| {
            ConnectRequest {
                timeout_ms: 4321,
                session_id,
                passwd: Bytes::from_static(&[7; 16]),
                read_only: Some(false),
                ..ConnectRequest::default()
            }
            .encode(b);
        });
        ConnectResponse::from_bytes(self.frame().expect("a ConnectResponse")).unwrap()
    }

    fn request(&mut self, xid: i32, op: i32, body: impl Record) {
        self.send(|b| {
            RequestHeader { xid, op }.encode(b);
            body.encode(b);
        });
    }

    fn ping(&mut self) {
        self.send(|b| RequestHeader { xid: -2, op: 11 }.encode(b));
    }

    /// The next frame, or `None` at end of stream.
    fn frame(&mut self) -> Option<Bytes> {
        let mut buf = [0u8; 4096];
        loop {
            if let Some(frame) = self.decoder.next_frame().unwrap() {
                return Some(frame);
            }
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.decoder.push(&buf[..n]),
            }
        }
    }

    /// Every byte until end of stream.
    fn rest(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.stream.read_to_end(&mut out);
        out
    }
}

fn get_data(path: &str) -> PathWatchRequest {
    PathWatchRequest {
        path: path.to_owned(),
        watch: false,
    }
}

#[test]
fn an_honest_server_grants_pings_and_answers() {
    let server = HostileServer::start(Behaviour::honest()).unwrap();
    let mut client = Client::connect(&server);
    let granted = client.handshake(0);
    assert_ne!(granted.session_id, 0);
    assert_eq!(granted.timeout_ms, 4321);
    assert_eq!(granted.passwd.len(), 16);
    assert_eq!(granted.read_only, Some(false));

    client.ping();
    let pong = ReplyHeader::from_bytes(client.frame().unwrap()).unwrap();
    assert_eq!((pong.xid, pong.err), (-2, 0));

    client.request(1, 4, get_data("/a"));
    let mut reply = Reader::new(client.frame().unwrap());
    let header = ReplyHeader::decode(&mut reply).unwrap();
    assert_eq!((header.xid, header.err), (1, 0));
    let data = GetDataResponse::decode(&mut reply).unwrap();
    assert_eq!(data.data.as_deref(), Some(CANNED_DATA));

    client.request(2, 777, get_data("/a"));
    let header = ReplyHeader::from_bytes(client.frame().unwrap()).unwrap();
    assert_eq!((header.xid, header.err), (2, -6));

    // A re-attach keeps the session.
    let mut again = Client::connect(&server);
    let resumed = again.handshake(granted.session_id);
    assert_eq!(resumed.session_id, granted.session_id);

    drop((client, again));
    assert!(server.wait_for(HANG_GUARD, |s| s.open == 0));
    let stats = server.stats();
    assert_eq!(stats.accepted.len(), 2);
    assert_eq!((stats.pings, stats.requests), (1, 2));
    assert_eq!(stats.connect_requests.len(), 2);
    assert_eq!(stats.connect_requests[1].session_id, granted.session_id);
    assert!(stats.bytes_in > 0 && stats.bytes_out > 0);
}

#[test]
fn queued_behaviours_come_first_then_the_default() {
    let server = HostileServer::start(Behaviour::honest()).unwrap();
    server.push_behaviour(Behaviour::handshake(Handshake::CloseOnAccept));
    server.push_behaviour(Behaviour::honest());
    server.push_behaviour(Behaviour::handshake(Handshake::NewSessionId));

    let mut closed = Client::connect(&server);
    assert!(closed.rest().is_empty(), "closed before anything was sent");

    let mut first = Client::connect(&server);
    let granted = first.handshake(0);
    let mut moved = Client::connect(&server);
    assert_ne!(
        moved.handshake(granted.session_id).session_id,
        granted.session_id
    );
    let mut honest = Client::connect(&server);
    assert_eq!(
        honest.handshake(granted.session_id).session_id,
        granted.session_id
    );
    assert_eq!(server.stats().accepted.len(), 4);
    assert_eq!(server.stats().connect_requests.len(), 3);
}

#[test]
fn four_letter_words_are_answered_and_take_no_behaviour() {
    let server = HostileServer::start(Behaviour::honest()).unwrap();
    server.push_behaviour(Behaviour::handshake(Handshake::SessionIdZero));
    let mut word = Client::connect(&server);
    word.stream.write_all(b"ruok").unwrap();
    assert_eq!(word.rest(), b"imok");
    let mut session = Client::connect(&server);
    assert_eq!(
        session.handshake(0).session_id,
        0,
        "the queued behaviour is still there"
    );
    assert_eq!(server.stats().four_letter_words, 1);
}

#[test]
fn handshake_variants() {
    type Check = fn(&ConnectResponse) -> bool;
    let cases: [(Handshake, Check); 3] = [
        (Handshake::Timeout(-5), |r: &ConnectResponse| {
            r.timeout_ms == -5
        }),
        (Handshake::ReadOnly, |r: &ConnectResponse| {
            r.read_only == Some(true)
        }),
        (Handshake::SessionIdZero, |r: &ConnectResponse| {
            r.session_id == 0
        }),
    ];
    for (handshake, check) in cases {
        let server = HostileServer::start(Behaviour::handshake(handshake.clone())).unwrap();
        let response = Client::connect(&server).handshake(0);
        assert!(check(&response), "{handshake:?}: {response:?}");
    }

    let server = HostileServer::start(Behaviour::handshake(Handshake::Undecodable)).unwrap();
    let mut client = Client::connect(&server);
    client.send(|b| ConnectRequest::default().encode(b));
    assert!(ConnectResponse::from_bytes(client.frame().unwrap()).is_err());

    let server = HostileServer::start(Behaviour::handshake(Handshake::ResponseLength(-7))).unwrap();
    let mut client = Client::connect(&server);
    client.send(|b| ConnectRequest::default().encode(b));
    assert!(server.wait_for(HANG_GUARD, |s| s.bytes_out == 4));
    client.stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(client.rest(), (-7i32).to_be_bytes());
}

#[test]
fn frame_faults_answer_the_first_frame() {
    let server = HostileServer::start(Behaviour::fault(Fault::FrameLength(1 << 30))).unwrap();
    let mut client = Client::connect(&server);
    client.handshake(0);
    client.ping();
    assert!(server.wait_for(HANG_GUARD, |s| s.bytes_out >= 4 + 37 + 4));
    client.stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(client.rest(), (1i32 << 30).to_be_bytes());

    let server = HostileServer::start(Behaviour::fault(Fault::TruncatedFrame)).unwrap();
    let mut client = Client::connect(&server);
    client.handshake(0);
    client.request(1, 4, get_data("/"));
    let rest = client.rest();
    assert_eq!(rest.len(), 4 + 10);
    assert_eq!(rest[..4], 64i32.to_be_bytes());

    let server = HostileServer::start(Behaviour::fault(Fault::UnknownXid)).unwrap();
    let mut client = Client::connect(&server);
    client.handshake(0);
    client.request(5, 4, get_data("/"));
    let header = ReplyHeader::from_bytes(client.frame().unwrap()).unwrap();
    assert_ne!(header.xid, 5);

    let server = HostileServer::start(Behaviour::fault(Fault::GarbageBody(33))).unwrap();
    let mut client = Client::connect(&server);
    client.handshake(0);
    client.ping();
    assert_eq!(client.frame().unwrap().len(), 33);

    let server = HostileServer::start(Behaviour::fault(Fault::ErrorCode(-999))).unwrap();
    let mut client = Client::connect(&server);
    client.handshake(0);
    client.ping();
    client.request(1, 4, get_data("/"));
    let pong = ReplyHeader::from_bytes(client.frame().unwrap()).unwrap();
    let reply = ReplyHeader::from_bytes(client.frame().unwrap()).unwrap();
    assert_eq!((pong.xid, pong.err, reply.xid, reply.err), (-2, 0, 1, -999));
}

#[test]
fn watch_events_follow_the_first_reply() {
    let event = WatcherEvent {
        event_type: 999,
        state: 3,
        path: "bogus".into(),
    };
    let server =
        HostileServer::start(Behaviour::fault(Fault::WatchEvents(vec![event.clone()]))).unwrap();
    let mut client = Client::connect(&server);
    client.handshake(0);
    client.request(1, 4, get_data("/"));
    let reply = ReplyHeader::from_bytes(client.frame().unwrap()).unwrap();
    assert_eq!(reply.xid, 1);
    let mut notification = Reader::new(client.frame().unwrap());
    assert_eq!(ReplyHeader::decode(&mut notification).unwrap().xid, -1);
    assert_eq!(WatcherEvent::decode(&mut notification).unwrap(), event);
}

#[test]
fn the_storm_grants_one_frame_then_closes() {
    let server = HostileServer::start(Behaviour::fault(Fault::Storm)).unwrap();
    let mut client = Client::connect(&server);
    client.handshake(0);
    let pong = ReplyHeader::from_bytes(client.frame().unwrap()).unwrap();
    assert_eq!(pong.xid, -2);
    assert!(client.frame().is_none(), "closed after one frame");
}

#[test]
fn stalls_answer_nothing_until_closed_from_outside() {
    let server = HostileServer::start(Behaviour::fault(Fault::Stall)).unwrap();
    let mut client = Client::connect(&server);
    client.handshake(0);
    client.ping();
    assert!(server.wait_for(HANG_GUARD, |s| s.pings == 1));
    server.close_all();
    assert!(
        client.frame().is_none(),
        "no pong, then the end of the stream"
    );
}

#[test]
fn the_drip_delivers_the_same_bytes_one_at_a_time() {
    let server =
        HostileServer::start(Behaviour::honest().with_drip(Duration::from_millis(1))).unwrap();
    let mut client = Client::connect(&server);
    let granted = client.handshake(0);
    assert_ne!(granted.session_id, 0);
    let sent = 4 + granted.encoded_len() as u64;
    assert!(server.wait_for(HANG_GUARD, |s| s.bytes_out == sent));
}
