//! `whoami`, `config` and `sync`: the session's identities, the ensemble's configuration, and
//! catching a server up with the leader.

use clap::Args;
use serde_json::{Value, json};
use zk_client_blocking::Client;

use crate::data::safe_text;
use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths::znode;

/// Arguments of `sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// The path to sync (the whole server catches up; the path routes the request).
    #[arg(default_value = ".", value_parser = znode)]
    path: String,
}

/// Prints the identities the server gave this session (3.7+): `ip` always, plus one per
/// credential of `--auth`.
///
/// # Errors
///
/// The client's error (`Unimplemented` before 3.7).
pub(crate) fn whoami(client: &Client, out: &mut Out) -> Result<Status, Failure> {
    let identities = client.who_am_i().map_err(|e| Failure::zk("whoami", &e))?;
    if out.is_json() {
        let list: Vec<Value> = identities
            .iter()
            .map(|i| json!({ "scheme": i.auth_scheme, "user": i.user }))
            .collect();
        out.document(&Value::Array(list))?;
    } else {
        for identity in &identities {
            out.line(&format!("{}:{}", identity.auth_scheme, identity.user))?;
        }
    }
    Ok(Status::Ok)
}

/// Prints the ensemble's dynamic configuration (`/zookeeper/config`).
///
/// # Errors
///
/// The client's error reading it.
pub(crate) fn config(client: &Client, out: &mut Out) -> Result<Status, Failure> {
    let (data, node_stat) = client.get_config().map_err(|e| Failure::zk("config", &e))?;
    let text = safe_text(&data);
    if out.is_json() {
        let members: Vec<&str> = text.lines().collect();
        out.document(&json!({
            "config": members,
            "version": node_stat.version,
            "mzxid": node_stat.mzxid,
        }))?;
    } else {
        // A standalone server has no dynamic configuration: say so rather than print nothing.
        if text.is_empty() {
            eprintln!("zk: no dynamic configuration (a standalone server, or reconfig disabled)");
        }
        for line in text.lines() {
            out.line(line)?;
        }
    }
    Ok(Status::Ok)
}

/// Waits until the connected server has caught up with the leader.
///
/// # Errors
///
/// The client's error.
pub(crate) fn sync(client: &Client, args: &SyncArgs, out: &mut Out) -> Result<Status, Failure> {
    client
        .sync(&args.path)
        .map_err(|e| Failure::zk(format!("sync {}", args.path), &e))?;
    if out.is_json() {
        out.document(&json!({ "path": args.path, "synced": true }))?;
    }
    Ok(Status::Ok)
}
