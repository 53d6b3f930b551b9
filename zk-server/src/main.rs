//! `zk-server`: the embedded server as a process, for clients in any language (kazoo, the
//! Java client, zkCli) during development and tests. Not for production: see the crate docs.
//!
//! ```text
//! zk-server [--host 127.0.0.1] [--port 2181] [--tick-time-ms 2000] [--super-digest super:HASH]
//!           [--container-check-ms 60000] [--snapshot FILE]
//! ```
//!
//! With `--snapshot FILE`, the state is loaded from FILE at start (if it exists) and written
//! back to it (atomically, through a temporary file) within a second of every change.

// The binary is a driver: it may sleep, spawn and touch files (only the core may not).
#![allow(clippy::disallowed_methods)]

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use zk_server::{EmbeddedServer, ServerConfig};

const USAGE: &str = "usage: zk-server [--host ADDR] [--port PORT] [--tick-time-ms MS] \
                     [--super-digest super:BASE64] [--container-check-ms MS] [--snapshot FILE]";

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
    let mut snapshot: Option<PathBuf> = None;
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
            "--snapshot" => snapshot = Some(PathBuf::from(value)),
            "--container-check-ms" => {
                let ms: u64 = value.parse().map_err(|e| bad(&e))?;
                config = config.with_container_check_interval(Duration::from_millis(ms));
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    let addr = SocketAddr::new(host, port);
    let loaded = match &snapshot {
        Some(path) if path.exists() => {
            Some(std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        _ => None,
    };
    let server = match &loaded {
        Some(bytes) => EmbeddedServer::start_from_snapshot(addr, config, bytes),
        None => EmbeddedServer::start_on(addr, config),
    }
    .map_err(|e| format!("cannot start on {addr}: {e}"))?;
    println!("zk-server listening on {}", server.addr());
    let Some(path) = snapshot else {
        // Serves until the process is killed; the threads do the work.
        loop {
            std::thread::park();
        }
    };
    // Writes the state back whenever a transaction has happened since the last write.
    let mut saved = None;
    loop {
        let zxid = server.inspect(zk_server::Server::last_zxid);
        if saved != Some(zxid) {
            save(&path, &server.snapshot()).map_err(|e| format!("{}: {e}", path.display()))?;
            saved = Some(zxid);
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Replaces `path` with `bytes` in one step: a crash leaves the old file or the new one.
fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
