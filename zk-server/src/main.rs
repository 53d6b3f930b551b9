//! `zk-server`: the embedded server as a process, for clients in any language (kazoo, the
//! Java client, zkCli) during development and tests. Not for production: see the crate docs.
//!
//! ```text
//! zk-server [--host 127.0.0.1] [--port 2181] [--tick-time-ms 2000] [--super-digest super:HASH]
//!           [--container-check-ms 60000]
//! ```

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use zk_server::{EmbeddedServer, ServerConfig};

const USAGE: &str = "usage: zk-server [--host ADDR] [--port PORT] [--tick-time-ms MS] \
                     [--super-digest super:BASE64] [--container-check-ms MS]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("zk-server: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut host: IpAddr = IpAddr::from([127, 0, 0, 1]);
    let mut port: u16 = 2181;
    let mut config = ServerConfig::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            return Ok(());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--host" => host = value.parse().map_err(|e| bad(&e))?,
            "--port" => port = value.parse().map_err(|e| bad(&e))?,
            "--tick-time-ms" => {
                let ms: u64 = value.parse().map_err(|e| bad(&e))?;
                config = config.with_tick_time(Duration::from_millis(ms));
            }
            "--super-digest" => config = config.with_super_digest(Some(value)),
            "--container-check-ms" => {
                let ms: u64 = value.parse().map_err(|e| bad(&e))?;
                config = config.with_container_check_interval(Duration::from_millis(ms));
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    let server = EmbeddedServer::start_on(SocketAddr::new(host, port), config)
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    println!("zk-server listening on {}", server.addr());
    // Serves until the process is killed; the threads do the work.
    loop {
        std::thread::park();
    }
}
