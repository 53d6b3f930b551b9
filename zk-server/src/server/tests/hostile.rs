use zk_proto::records::RequestHeader;
use zk_proto::{ErrorCode, OpCode};

use crate::testkit::Harness;

/// A small deterministic generator, so the garbage is the same on every run.
fn garbage(seed: &mut u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed as u8
        })
        .collect()
}

#[test]
fn garbage_never_panics_and_costs_only_its_connection() {
    let mut h = Harness::new(Harness::default_config());
    let mut good = h.connect(30_000);
    let mut seed = 0x2181_u64;
    for round in 0..300 {
        let len = round % 97;
        // Fresh connections: garbage instead of a ConnectRequest.
        let conn = h.accept();
        h.send_raw(conn, &garbage(&mut seed, len));
        // Established connections: a valid length prefix, then garbage.
        let bad = h.connect(30_000);
        let mut frame = (len as i32).to_be_bytes().to_vec();
        frame.extend(garbage(&mut seed, len));
        h.send_raw(bad.conn, &frame);
        h.take_raw(bad.conn);
        h.server.handle_closed(conn, h.now);
        h.server.handle_closed(bad.conn, h.now);
    }
    assert!(h.stat(&mut good, "/").is_ok(), "others are unaffected");
}

#[test]
fn a_truncated_read_is_a_marshalling_error_on_an_open_connection() {
    let mut h = Harness::new(Harness::default_config());
    let c = h.connect(30_000);
    let zxid = h.server.last_zxid();
    for (op, expect_zxid) in [(OpCode::GetData, zxid), (OpCode::Create, zxid + 1)] {
        let mut out = Vec::new();
        zk_proto::frame::write_frame(&mut out, |b| {
            zk_proto::jute::Record::encode(
                &RequestHeader {
                    xid: 5,
                    op: op.code(),
                },
                b,
            );
            // A path claiming 100 bytes, with 3.
            b.extend_from_slice(&[0, 0, 0, 100, b'/', b'a', b'b']);
        });
        h.send_raw(c.conn, &out);
        let frames = h.frames(&c);
        assert_eq!(
            (frames[0].xid, frames[0].err, frames[0].zxid),
            (5, ErrorCode::MarshallingError.as_i32(), expect_zxid),
            "{op:?}"
        );
        assert!(!h.is_closed(c.conn));
    }
}

#[test]
fn lengths_that_are_negative_or_over_the_limit_close_without_a_reply() {
    let mut h = Harness::new(Harness::default_config());
    for prefix in [-5i32, 0x7fff_ffff, 0x0010_0000] {
        let c = h.connect(30_000);
        h.send_raw(c.conn, &prefix.to_be_bytes());
        assert!(h.frames(&c).is_empty());
        assert!(h.is_closed(c.conn), "{prefix}");
    }
    // A frame too short for its request header.
    let c = h.connect(30_000);
    h.send_raw(c.conn, &[0, 0, 0, 3, 1, 2, 3]);
    assert!(h.is_closed(c.conn));
}
