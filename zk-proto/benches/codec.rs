//! Codec benchmarks: encoding a getData request frame, decoding getData and getChildren
//! replies (zero-copy for the data), and splitting a stream of reply frames.
//!
//! Run with `cargo bench -p zk-proto --bench codec`.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput};
use zk_proto::Stat;
use zk_proto::frame::{DEFAULT_MAX_FRAME, FrameDecoder, write_frame};
use zk_proto::jute::{Reader, Record};
use zk_proto::records::{
    GetChildrenResponse, GetDataResponse, PathWatchRequest, ReplyHeader, RequestHeader,
};

/// The getData opcode.
const OP_GET_DATA: i32 = 4;

/// A plausible Stat, so the decoded record has the size a real one has (68 bytes).
fn stat(data_length: usize) -> Stat {
    Stat {
        czxid: 0xec,
        mzxid: 0xf0,
        ctime: 1_795_374_809_780,
        mtime: 1_795_374_809_999,
        version: 3,
        cversion: 0,
        aversion: 0,
        ephemeral_owner: 0,
        data_length: i32::try_from(data_length).unwrap_or(i32::MAX),
        num_children: 0,
        pzxid: 0xec,
    }
}

/// A getData reply frame payload (ReplyHeader + GetDataResponse), without the length prefix.
fn get_data_reply_payload(xid: i32, data_len: usize) -> Bytes {
    let header = ReplyHeader {
        xid,
        zxid: 0xf2,
        err: 0,
    };
    let body = GetDataResponse {
        data: Some(Bytes::from(vec![0xa5; data_len])),
        stat: stat(data_len),
    };
    let mut out = Vec::with_capacity(header.encoded_len() + body.encoded_len());
    header.encode(&mut out);
    body.encode(&mut out);
    Bytes::from(out)
}

/// A whole getData reply frame, length prefix included.
fn get_data_reply_frame(xid: i32, data_len: usize) -> Vec<u8> {
    let payload = get_data_reply_payload(xid, data_len);
    let mut out = Vec::new();
    write_frame(&mut out, |b| b.extend_from_slice(&payload));
    out
}

fn decode_get_data(payload: &Bytes) -> (ReplyHeader, GetDataResponse) {
    let mut r = Reader::new(payload.clone());
    let header = ReplyHeader::decode(&mut r).expect("reply header");
    let body = GetDataResponse::decode(&mut r).expect("getData response");
    (header, body)
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    let header = RequestHeader {
        xid: 42,
        op: OP_GET_DATA,
    };
    let body = PathWatchRequest {
        path: "/bench/some/node".to_owned(),
        watch: true,
    };
    let mut buf = Vec::with_capacity(256);
    let frame_len = {
        write_frame(&mut buf, |b| {
            header.encode(b);
            body.encode(b);
        }) + 4
    };
    group.throughput(Throughput::Bytes(frame_len as u64));
    group.bench_function("get_data_request", |b| {
        b.iter(|| {
            buf.clear();
            write_frame(&mut buf, |out| {
                black_box(&header).encode(out);
                black_box(&body).encode(out);
            });
            black_box(&buf);
        });
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_get_data");
    for data_len in [100usize, 1024] {
        let payload = get_data_reply_payload(7, data_len);

        // Zero copy: the decoded data must be a slice of the received buffer.
        let (_, decoded) = decode_get_data(&payload);
        let data = decoded.data.expect("data present");
        assert_eq!(data.len(), data_len);
        let range = payload.as_ptr_range();
        assert!(
            range.contains(&data.as_ptr()),
            "decoded data was copied out of the frame buffer"
        );
        assert!(data.as_ptr_range().end <= range.end);

        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{data_len}B")),
            &payload,
            |b, payload| b.iter(|| black_box(decode_get_data(black_box(payload)))),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("decode_get_children");
    let children: Vec<String> = (0..10_000).map(|i| format!("node-{i:010}")).collect();
    let mut out = Vec::new();
    ReplyHeader {
        xid: 9,
        zxid: 0xf2,
        err: 0,
    }
    .encode(&mut out);
    GetChildrenResponse { children }.encode(&mut out);
    let payload = Bytes::from(out);
    {
        let mut r = Reader::new(payload.clone());
        ReplyHeader::decode(&mut r).expect("reply header");
        let decoded = GetChildrenResponse::decode(&mut r).expect("getChildren response");
        assert_eq!(decoded.children.len(), 10_000);
        assert_eq!(decoded.children[12_345 % 10_000], "node-0000002345");
    }
    group.throughput(Throughput::Bytes(payload.len() as u64));
    group.bench_with_input(
        BenchmarkId::from_parameter("10000_names"),
        &payload,
        |b, payload| {
            b.iter(|| {
                let mut r = Reader::new(black_box(payload).clone());
                let header = ReplyHeader::decode(&mut r).expect("reply header");
                let body = GetChildrenResponse::decode(&mut r).expect("getChildren response");
                black_box((header, body))
            });
        },
    );
    group.finish();
}

fn frame_decoder(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame_decoder");
    // Back-to-back 100-byte-data getData reply frames, as many whole frames as fit in 64 KiB.
    let frame = get_data_reply_frame(11, 100);
    let frames = (64 * 1024) / frame.len();
    let chunk: Vec<u8> = frame.repeat(frames);
    let mut decoder = FrameDecoder::new(DEFAULT_MAX_FRAME);
    let split = |decoder: &mut FrameDecoder, chunk: &[u8]| {
        decoder.push(chunk);
        let mut n = 0usize;
        while let Some(frame) = decoder.next_frame().expect("valid stream") {
            black_box(&frame);
            n += 1;
        }
        n
    };
    assert_eq!(split(&mut decoder, &chunk), frames);
    assert_eq!(decoder.buffered(), 0);

    group.throughput(Throughput::Bytes(chunk.len() as u64));
    group.bench_function(
        BenchmarkId::new("split_64KiB", format!("{frames}x{}B", frame.len())),
        |b| b.iter(|| black_box(split(&mut decoder, black_box(&chunk)))),
    );
    group.finish();
}

// What `criterion_group!` + `criterion_main!` expand to, written out so the generated
// `pub fn` does not trip the workspace's `missing_docs` lint.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    encode(&mut criterion);
    decode(&mut criterion);
    frame_decoder(&mut criterion);
    criterion.final_summary();
}
