//! One request through each adapter — tokio, smol, blocking — against an in-process null
//! server: a std-thread TCP server in this file that answers the handshake, getData, setData
//! and create at once (a fixed Stat, 100 bytes of data, the create path echoed), so what is
//! measured is the client: submit, the driver, the socket round trip on loopback and the
//! hand-over of the reply.
//!
//! Two shapes per adapter and operation: `seq` awaits each request before the next (latency of
//! one request), `pipe` keeps `WINDOW` requests in flight (throughput; the null server answers
//! everything one read brought with one write).
//!
//! Run with `cargo bench -p zk-bench --bench adapters` (add a filter such as `tokio/get` to
//! run a part).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use criterion::{Criterion, Throughput};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use zk_client::{Client, ClientBuilder};
use zk_proto::jute::{Reader, Record};
use zk_proto::records::{
    ConnectResponse, CreateRequest, CreateResponse, GetDataResponse, ReplyHeader, RequestHeader,
    StatResponse,
};
use zk_proto::{OpCode, Stat};

/// Requests in flight in the `pipe` benchmarks.
const WINDOW: usize = 100;
/// Bytes of data in getData replies and setData requests.
const SIZE: usize = 100;

// ----- the null server -----

/// Starts the server on an ephemeral loopback port; it lives as long as the process.
fn null_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = serve(stream);
            });
        }
    });
    addr
}

fn stat() -> Stat {
    Stat {
        czxid: 1,
        mzxid: 1,
        version: 1,
        data_length: SIZE as i32,
        ..Stat::default()
    }
}

/// Appends one reply frame: the header, then `body`.
fn reply(out: &mut Vec<u8>, xid: i32, body: impl FnOnce(&mut Vec<u8>)) {
    zk_proto::frame::write_frame(out, |b| {
        ReplyHeader {
            xid,
            zxid: 1,
            err: 0,
        }
        .encode(b);
        body(b);
    });
}

/// One connection: the handshake, then every request answered at once; all requests that one
/// read brought are answered with one write.
fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let data = Bytes::from(vec![b'x'; SIZE]);
    let mut inbox: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut out = Vec::new();
    let mut handshaken = false;
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        inbox.extend_from_slice(&chunk[..n]);
        let mut used = 0;
        let mut close = false;
        while inbox.len() - used >= 4 {
            let len = (&inbox[used..]).get_i32() as usize;
            if inbox.len() - used - 4 < len {
                break;
            }
            let frame = Bytes::copy_from_slice(&inbox[used + 4..used + 4 + len]);
            used += 4 + len;
            if !handshaken {
                handshaken = true;
                let response = ConnectResponse {
                    protocol_version: 0,
                    timeout_ms: 30_000,
                    session_id: 0x4e55_4c4c,
                    passwd: Bytes::from_static(&[0; 16]),
                    read_only: Some(false),
                };
                zk_proto::frame::write_frame(&mut out, |b| response.encode(b));
                continue;
            }
            let mut reader = Reader::new(frame);
            let header = RequestHeader::decode(&mut reader).expect("request header");
            match header.op {
                op if op == OpCode::GetData.code() => reply(&mut out, header.xid, |b| {
                    GetDataResponse {
                        data: Some(data.clone()),
                        stat: stat(),
                    }
                    .encode(b)
                }),
                op if op == OpCode::SetData.code() => reply(&mut out, header.xid, |b| {
                    StatResponse { stat: stat() }.encode(b)
                }),
                op if op == OpCode::Create.code() => {
                    let request = CreateRequest::decode(&mut reader).expect("create");
                    reply(&mut out, header.xid, |b| {
                        CreateResponse { path: request.path }.encode(b)
                    })
                }
                op if op == OpCode::CloseSession.code() => {
                    reply(&mut out, header.xid, |_| {});
                    close = true;
                }
                // Pings and anything else: a bare header.
                _ => reply(&mut out, header.xid, |_| {}),
            }
        }
        inbox.drain(..used);
        if !out.is_empty() {
            stream.write_all(&out)?;
            out.clear();
        }
        if close {
            return Ok(());
        }
    }
}

// ----- the operations -----

#[derive(Clone, Copy)]
enum Op {
    Get,
    Set,
    Create,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Get => "get",
            Op::Set => "set",
            Op::Create => "create",
        }
    }

    async fn run(self, client: &Client, payload: &Bytes) {
        let done = match self {
            Op::Get => client.get_data("/node").await.map(|_| ()),
            Op::Set => client
                .set_data("/node", payload.clone(), None)
                .await
                .map(|_| ()),
            Op::Create => client.create("/node", payload.clone()).await.map(|_| ()),
        };
        done.expect("request");
    }
}

/// `iters` requests one at a time, or with `WINDOW` in flight.
async fn requests(client: &Client, op: Op, iters: u64, pipelined: bool) -> Duration {
    let payload = Bytes::from(vec![b'x'; SIZE]);
    let start = Instant::now();
    if pipelined {
        let mut in_flight = FuturesUnordered::new();
        let mut issued = 0;
        loop {
            while issued < iters && in_flight.len() < WINDOW {
                in_flight.push(op.run(client, &payload));
                issued += 1;
            }
            if in_flight.next().await.is_none() {
                break;
            }
        }
    } else {
        for _ in 0..iters {
            op.run(client, &payload).await;
        }
    }
    start.elapsed()
}

fn builder(builder: ClientBuilder) -> ClientBuilder {
    builder
        .session_timeout(Duration::from_secs(30))
        .probe_server_version(false)
}

// ----- one group per adapter -----

fn tokio_adapter(c: &mut Criterion, addr: SocketAddr) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let client = runtime.block_on(async {
        builder(zk_client_tokio::builder(&addr.to_string()))
            .connect()
            .await
            .expect("connect")
    });
    let mut group = c.benchmark_group("tokio");
    for op in [Op::Get, Op::Set, Op::Create] {
        for pipelined in [false, true] {
            group.throughput(Throughput::Elements(1));
            group.bench_function(id(op, pipelined), |b| {
                b.iter_custom(|iters| {
                    let client = client.clone();
                    // The workload runs as a task, beside the driver, as in a tokio service.
                    let task =
                        runtime.spawn(async move { requests(&client, op, iters, pipelined).await });
                    runtime.block_on(task).expect("bench task")
                })
            });
        }
    }
    group.finish();
    runtime.block_on(client.close());
}

fn smol_adapter(c: &mut Criterion, addr: SocketAddr) {
    // One executor on the bench thread runs the driver and the requests.
    let executor = std::sync::Arc::new(async_executor::Executor::new());
    let client = async_io::block_on(executor.run(async {
        builder(
            ClientBuilder::new(&addr.to_string())
                .runtime(zk_client_smol::SmolRuntime::with_executor(executor.clone())),
        )
        .connect()
        .await
        .expect("connect")
    }));
    let mut group = c.benchmark_group("smol");
    for op in [Op::Get, Op::Set, Op::Create] {
        for pipelined in [false, true] {
            group.throughput(Throughput::Elements(1));
            group.bench_function(id(op, pipelined), |b| {
                b.iter_custom(|iters| {
                    async_io::block_on(executor.run(requests(&client, op, iters, pipelined)))
                })
            });
        }
    }
    group.finish();
    async_io::block_on(executor.run(client.close()));
}

fn blocking_adapter(c: &mut Criterion, addr: SocketAddr) {
    let client = zk_client_blocking::block_on(
        builder(zk_client_blocking::builder(&addr.to_string()).into_async()).connect(),
    )
    .expect("connect");
    let mut group = c.benchmark_group("blocking");
    for op in [Op::Get, Op::Set, Op::Create] {
        for pipelined in [false, true] {
            group.throughput(Throughput::Elements(1));
            group.bench_function(id(op, pipelined), |b| {
                b.iter_custom(|iters| {
                    zk_client_blocking::block_on(requests(&client, op, iters, pipelined))
                })
            });
        }
    }
    group.finish();
    zk_client_blocking::block_on(client.close());
}

fn id(op: Op, pipelined: bool) -> String {
    let shape = if pipelined { "pipe" } else { "seq" };
    format!("{}/{shape}", op.name())
}

fn main() {
    let addr = null_server();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    tokio_adapter(&mut c, addr);
    smol_adapter(&mut c, addr);
    blocking_adapter(&mut c, addr);
    c.final_summary();
}
