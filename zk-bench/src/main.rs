//! The benchmark program of this client for the external peer-benchmark harness (not part of
//! this repository; see BENCHMARKS.md). It follows the contract every program of that harness
//! follows: the options below, one line of JSON on stdout, `ZKBENCH-TIMED-BEGIN`/`-END`
//! markers on stderr around the timed phase, exit 2 for an unsupported workload.
//!
//! ```text
//! zk-bench [--adapter tokio|smol|blocking] --connect HOST:PORT --workload NAME --n N --window W --size BYTES
//! ```
//!
//! The same async workload code runs on each adapter: tokio's multi-threaded runtime, smol's
//! `block_on` (the client's I/O on async-io), or the blocking adapter's `block_on` (the
//! client's I/O on its own mio thread). Pipelined workloads keep W request futures in a
//! `FuturesUnordered`.

mod args;
mod workloads;

use std::io::Write;
use std::time::Instant;

use args::{Adapter, Args};
use zk_client::ClientBuilder;

/// The measured phase: wall time and the process's CPU time.
pub(crate) struct Phase {
    wall: Instant,
    cpu: cpu_time::ProcessTime,
}

impl Phase {
    pub(crate) fn start() -> Phase {
        eprintln!("ZKBENCH-TIMED-BEGIN");
        let _ = std::io::stderr().flush();
        Phase {
            wall: Instant::now(),
            cpu: cpu_time::ProcessTime::now(),
        }
    }

    /// (wall seconds, CPU seconds).
    pub(crate) fn stop(self) -> (f64, f64) {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = self.cpu.elapsed().as_secs_f64();
        eprintln!("ZKBENCH-TIMED-END");
        let _ = std::io::stderr().flush();
        (wall, cpu)
    }
}

/// What a workload measured.
pub(crate) struct Measured {
    pub(crate) secs: f64,
    pub(crate) cpu_s: f64,
    /// Per-operation latencies in nanoseconds.
    pub(crate) latencies: Vec<u64>,
}

/// Nearest-rank percentile, in microseconds.
fn percentile_us(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

/// The executor of the smol adapter's runs.
fn smol_executor() -> std::sync::Arc<async_executor::Executor<'static>> {
    static EXECUTOR: std::sync::OnceLock<std::sync::Arc<async_executor::Executor<'static>>> =
        std::sync::OnceLock::new();
    EXECUTOR.get_or_init(Default::default).clone()
}

fn builder(adapter: Adapter, connect: &str) -> ClientBuilder {
    let builder = match adapter {
        Adapter::Tokio => zk_client_tokio::builder(connect),
        Adapter::Smol => zk_client::ClientBuilder::new(connect)
            .runtime(zk_client_smol::SmolRuntime::with_executor(smol_executor())),
        Adapter::Blocking => zk_client_blocking::builder(connect).into_async(),
    };
    builder
        .session_timeout(std::time::Duration::from_secs(30))
        .max_in_flight(4096)
        .probe_server_version(false)
}

fn main() {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("zk-bench: {message}");
            // The contract's exit 2 means "workload not supported"; other usage errors are
            // plain failures.
            let unsupported = message.starts_with("unknown workload");
            std::process::exit(if unsupported { 2 } else { 1 });
        }
    };
    let run_args = args.clone();
    let work = async move {
        let make = move |connect: &str| builder(run_args.adapter, connect);
        workloads::run(&run_args, &make).await
    };
    let result = match args.adapter {
        Adapter::Tokio => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            if std::env::var_os("ZK_BENCH_TOKIO_BLOCK_ON").is_some() {
                runtime.block_on(work)
            } else {
                // As a tokio service runs: the workload is a task on the runtime's workers,
                // beside the client's driver task, rather than on the thread in `block_on`.
                let task = runtime.spawn(work);
                runtime.block_on(task).expect("the workload task")
            }
        }
        Adapter::Smol => {
            // One executor on this thread runs the workload and the client's driver (see
            // `builder`), and drives async-io's reactor while idle, as a single-threaded smol
            // application does.
            let executor = smol_executor();
            async_io::block_on(executor.run(work))
        }
        Adapter::Blocking => zk_client_blocking::block_on(work),
    };
    match result {
        Ok(measured) => {
            let mut sorted = measured.latencies;
            sorted.sort_unstable();
            let client = args.adapter.client_name();
            println!(
                "{{\"client\": \"{client}\", \"workload\": \"{}\", \"n\": {}, \"window\": {}, \"secs\": {:.6}, \"ops_per_s\": {:.1}, \"p50_us\": {:.1}, \"p99_us\": {:.1}, \"cpu_s\": {:.4}, \"size\": {}, \"warmup\": {}}}",
                args.workload,
                args.n,
                args.window,
                measured.secs,
                args.n as f64 / measured.secs,
                percentile_us(&sorted, 0.50),
                percentile_us(&sorted, 0.99),
                measured.cpu_s,
                args.size,
                args.warmup(),
            );
        }
        Err(err) => {
            eprintln!("zk-bench: {err}");
            std::process::exit(1);
        }
    }
}
