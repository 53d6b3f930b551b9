//! kazoo, the Python client, against the embedded server: another implementation of the
//! protocol than ours, with its own handshake, xids and SetWatches habits.

// A test is a client: it starts processes (only the server core may not, clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::process::Command;

use zk_server::EmbeddedServer;

/// Debian's python3, where `python3-kazoo` installs (scripts/install-deps.sh); overridden by
/// `ZK_SERVER_PYTHON`.
fn python() -> String {
    std::env::var("ZK_SERVER_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_owned())
}

#[test]
fn kazoo_client_and_recipes_work_against_zk_server() {
    let python = python();
    let probe = Command::new(&python).args(["-c", "import kazoo"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: {python} cannot import kazoo (apt-get install python3-kazoo)");
        return;
    }
    let server = EmbeddedServer::start().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/kazoo_smoke.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(server.connect_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("kazoo: all checks passed"),
        "kazoo failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    server.stop();
}
