//! The differential test: the same generated sequences of operations, watches, reconnects
//! and session closes against real ZooKeeper (Debian's 3.8.0, from zk-testing) and against
//! zk-server answering as that release, comparing every reply (error code, body, Stat) and
//! every watch event, in order.
//!
//! `ZK_SERVER_DIFF_SEQUENCES` (default 300), `ZK_SERVER_DIFF_LEN` (default 30) and
//! `ZK_SERVER_DIFF_SEED` (default 2181) run more, longer or other sequences by hand, and
//! `ZK_SERVER_DIFF_PRINT` prints every transcript; a failure names the seed that reproduces
//! it.

// A test is a client: it opens sockets (only the server core may not, clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod norm;
mod ops;
mod wire;

use bytes::Bytes;
use zk_proto::OpCode;
use zk_proto::ServerVersion;
use zk_proto::records::server::RequestBody;
use zk_proto::records::{CreateRequest, SetWatches};
use zk_server::{EmbeddedServer, ServerConfig};

use norm::Norm;
use ops::{CLIENTS, Step, describe, generate, rooted};
use wire::WireClient;

const TIMEOUT_MS: i32 = 30_000;

/// Runs `steps` against the server at `addr` under a fresh chroot; the transcript.
fn run(addr: &str, steps: &[Step]) -> Vec<String> {
    let chroot = zk_testing::unique_chroot("diff");
    let mut norm = Norm::new(chroot.clone());
    let mut root = WireClient::connect(addr, TIMEOUT_MS);
    let created = root.call(
        OpCode::Create,
        &RequestBody::Create(CreateRequest {
            path: chroot.clone(),
            data: Some(Bytes::new()),
            acl: zk_proto::Acl::open_unsafe(),
            flags: 0,
        }),
    );
    assert_eq!(created.err, 0, "the chroot");
    norm.sessions.push(root.session);
    let mut clients: Vec<WireClient> = (0..CLIENTS)
        .map(|_| WireClient::connect(addr, TIMEOUT_MS))
        .collect();
    norm.sessions.extend(clients.iter().map(|c| c.session));
    let mut lines = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let mut sort_events = false;
        match step {
            Step::Request { client, op, body } => {
                let reply = clients[*client].call(*op, &rooted(body, &chroot));
                lines.push(format!(
                    "{i} c{client} {op:?} {} -> {}",
                    describe(body),
                    norm.reply(*op, &reply)
                ));
            }
            Step::Reconnect { client } => {
                clients[*client].reconnect();
                lines.push(format!("{i} c{client} reconnect"));
            }
            Step::Resume {
                client,
                data,
                exist,
                child,
            } => {
                let relative_zxid = clients[*client].last_zxid;
                clients[*client].reconnect();
                let under = |paths: &[String]| -> Vec<String> {
                    paths.iter().map(|p| format!("{chroot}{p}")).collect()
                };
                let body = RequestBody::SetWatches(SetWatches {
                    relative_zxid,
                    data_watches: under(data),
                    exist_watches: under(exist),
                    child_watches: under(child),
                });
                let reply = clients[*client].call(OpCode::SetWatches, &body);
                // The catch-up events came before the reply; their order is the lists'.
                let events = std::mem::take(&mut clients[*client].events);
                lines.push(format!(
                    "{i} c{client} resume {data:?} {exist:?} {child:?} -> {} / catch-up {}",
                    norm.reply(OpCode::SetWatches, &reply),
                    norm.events(&events),
                ));
            }
            Step::Expire { client } => {
                let (session, passwd) = (clients[*client].session, clients[*client].passwd.clone());
                zk_testing::expire_session_at(addr, session, &passwd).expect("expire");
                lines.push(format!("{i} c{client} expired"));
                clients[*client] = WireClient::connect(addr, TIMEOUT_MS);
                norm.sessions.push(clients[*client].session);
                sort_events = true;
            }
            Step::CloseSession { client } => {
                let reply = clients[*client].close_session();
                let events = std::mem::take(&mut clients[*client].events);
                lines.push(format!(
                    "{i} c{client} closeSession -> {} / own events {}",
                    norm.reply(OpCode::CloseSession, &reply),
                    norm.events(&sorted(events)),
                ));
                clients[*client] = WireClient::connect(addr, TIMEOUT_MS);
                norm.sessions.push(clients[*client].session);
                // Which ephemeral goes first is a hash set's order in ZooKeeper.
                sort_events = true;
            }
        }
        for (k, client) in clients.iter_mut().enumerate() {
            client.barrier();
            let mut events = std::mem::take(&mut client.events);
            if sort_events {
                events = sorted(events);
            }
            if !events.is_empty() {
                lines.push(format!("  c{k} events {}", norm.events(&events)));
            }
        }
    }
    for client in &mut clients {
        client.close_session();
    }
    root.close_session();
    norm.finish(&lines)
}

fn sorted(mut events: Vec<(i32, String)>) -> Vec<(i32, String)> {
    events.sort();
    events
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn generated_sequences_agree_with_zookeeper() {
    let real = zk_testing::shared().connect_string();
    let real = real.split(',').next().unwrap().to_owned();
    // As the release it is compared with: Debian's 3.8.0, which carries the fix for
    // CVE-2024-23944 (no events without READ) and nothing else of 3.8.4.
    let config = ServerConfig::default()
        .with_version(ServerVersion::new(3, 8, 0))
        .with_filter_events_by_acl(Some(true));
    let ours = EmbeddedServer::start_with(config).unwrap();
    let ours_addr = ours.connect_string();
    let sequences = env_or("ZK_SERVER_DIFF_SEQUENCES", 300);
    let len = env_or("ZK_SERVER_DIFF_LEN", 30) as usize;
    let base = env_or("ZK_SERVER_DIFF_SEED", 2181);
    let mut steps_run = 0;
    for n in 0..sequences {
        let seed = base + n;
        let steps = generate(seed, len);
        let expected = run(&real, &steps);
        let actual = run(&ours_addr, &steps);
        if std::env::var_os("ZK_SERVER_DIFF_PRINT").is_some() {
            eprintln!("seed {seed}:\n{}", actual.join("\n"));
        }
        if let Some(at) =
            (0..expected.len().max(actual.len())).find(|&i| expected.get(i) != actual.get(i))
        {
            let from = at.saturating_sub(8);
            panic!(
                "seed {seed} (ZK_SERVER_DIFF_SEED={seed} ZK_SERVER_DIFF_SEQUENCES=1 reproduces it) \
                 differs at line {at}\n--- ZooKeeper\n{}\n--- zk-server\n{}",
                expected[from..(at + 3).min(expected.len())].join("\n"),
                actual[from..(at + 3).min(actual.len())].join("\n"),
            );
        }
        steps_run += steps.len();
    }
    // The comparison must have compared something.
    assert_eq!(steps_run, sequences as usize * (len + 7));
    ours.stop();
}
