//! How fast each adapter reconnects to a server in trouble: one that grants every session,
//! sends one frame and closes the connection at once (a server shutting down or overloaded, a
//! proxy dropping connections). Prints the connections the server accepted per second and
//! the CPU the process used meanwhile, per adapter, over one window each.
//!
//! ```text
//! cargo run --release -p zk-bench --example reconnect_storm [-- --secs 10]
//! ```
//!
//! The server is `zk_testing::hostile`'s scripted peer with `Fault::Storm`, in this process
//! (its threads are counted in the CPU figure; they only accept and write a few bytes). The
//! clients use the default backoff (50 ms first, doubling to 2 s, with jitter) and a 30 s
//! session timeout, so a connection counts as healthy after 2 s.

use std::time::{Duration, Instant};

use zk_client::ClientBuilder;
use zk_testing::hostile::{Behaviour, Fault, HostileServer, process_cpu_time};

/// Makes a client builder for a connect string, on one adapter.
type MakeBuilder<'a> = Box<dyn Fn(&str) -> ClientBuilder + 'a>;

fn secs_from_args() -> u64 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => 10,
        [flag, secs] if flag == "--secs" => secs.parse().expect("--secs takes whole seconds"),
        _ => panic!("usage: reconnect_storm [--secs N]"),
    }
}

/// Runs one client built by `builder` against a storming server for `window`; returns the
/// connections accepted and the CPU seconds the process used.
fn measure(builder: ClientBuilder, server: &HostileServer, window: Duration) -> (usize, f64) {
    let cpu_before = process_cpu_time().unwrap_or_default();
    let from = Instant::now();
    let client = builder.start().expect("the client starts");
    std::thread::sleep(window);
    let to = Instant::now();
    let cpu = process_cpu_time().unwrap_or_default() - cpu_before;
    let accepted = server.stats().accepted_between(from, to);
    drop(client);
    (accepted, cpu.as_secs_f64())
}

fn main() {
    let window = Duration::from_secs(secs_from_args());
    println!("adapter   connections  per second  cpu (% of one core)");
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let adapters: [(&str, MakeBuilder); 3] = [
        (
            "tokio",
            Box::new(|connect| {
                let _guard = tokio.enter();
                zk_client_tokio::builder(connect)
            }),
        ),
        ("smol", Box::new(zk_client_smol::builder)),
        (
            "blocking",
            Box::new(|connect| zk_client_blocking::builder(connect).into_async()),
        ),
    ];
    for (name, make) in &adapters {
        let server = HostileServer::start(Behaviour::fault(Fault::Storm)).expect("bind");
        let builder = make(&server.connect_string()).session_timeout(Duration::from_secs(30));
        let (accepted, cpu) = measure(builder, &server, window);
        let secs = window.as_secs_f64();
        println!(
            "{name:<9} {accepted:>11}  {:>10.1}  {:>6.1}",
            accepted as f64 / secs,
            100.0 * cpu / secs
        );
    }
}
