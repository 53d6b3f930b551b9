//! `4lw` and `servers`: the servers themselves, asked without a session.

use std::io;

use clap::Args;
use serde_json::{Value, json};
use zk_client_blocking::HostPort;
use zk_proto::ConnectString;

use crate::connect::ConnectionArgs;
use crate::exit::{Failure, Status};
use crate::four_letter::{ask, mntr_value, parse_srvr};
use crate::output::Out;
use crate::stat::zxid;

/// Arguments of `4lw`.
#[derive(Debug, Args)]
pub(crate) struct FourLetterArgs {
    /// The word: ruok, srvr, stat, mntr, conf, cons, envi, wchs, isro, ... (the server must
    /// whitelist it: `4lw.commands.whitelist`).
    word: String,
}

/// The hosts of the connect string, in its order.
fn hosts(connection: &ConnectionArgs) -> Result<Vec<HostPort>, Failure> {
    connection
        .server
        .parse::<ConnectString>()
        .map(|parsed| parsed.hosts)
        .map_err(|e| Failure::zk(format!("connect string {:?}", connection.server), &e))
}

/// Asks every host at once, one thread each: a host that does not answer costs its timeout
/// once, not once per host after it.
fn ask_all(hosts: &[HostPort], word: &str, connection: &ConnectionArgs) -> Vec<io::Result<String>> {
    std::thread::scope(|scope| {
        let asks: Vec<_> = hosts
            .iter()
            .map(|host| scope.spawn(|| ask(host, word, connection.connect_timeout)))
            .collect();
        asks.into_iter()
            .map(|ask| {
                ask.join()
                    .unwrap_or_else(|_| Err(io::Error::other("the asking thread panicked")))
            })
            .collect()
    })
}

/// Sends the word to each host in turn and prints the first reply.
///
/// # Errors
///
/// A usage error for a word that is not four ASCII letters; [`Status::Connection`] when no
/// host answers.
pub(crate) fn four_letter(
    connection: &ConnectionArgs,
    args: &FourLetterArgs,
    out: &mut Out,
) -> Result<Status, Failure> {
    if args.word.len() != 4 || !args.word.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Failure::new(
            Status::Usage,
            format!("{:?} is not a four-letter word", args.word),
        ));
    }
    let mut failures = Vec::new();
    for host in hosts(connection)? {
        match ask(&host, &args.word, connection.connect_timeout) {
            Ok(reply) => {
                if out.is_json() {
                    out.document(&json!({
                        "server": host.to_string(),
                        "word": args.word,
                        "reply": reply,
                    }))?;
                } else {
                    out.raw(reply.as_bytes())?;
                    if !reply.ends_with('\n') {
                        out.line("")?;
                    }
                }
                return Ok(Status::Ok);
            }
            Err(error) => failures.push(format!("{host}: {error}")),
        }
    }
    Err(Failure::new(
        Status::Connection,
        format!(
            "4lw {}: no server answered ({})",
            args.word,
            failures.join("; ")
        ),
    ))
}

/// Asks every host for `srvr` and prints one row each; unreachable hosts are rows too, and
/// make the exit code [`Status::Connection`].
///
/// # Errors
///
/// A malformed connect string.
pub(crate) fn servers(connection: &ConnectionArgs, out: &mut Out) -> Result<Status, Failure> {
    let hosts = hosts(connection)?;
    let replies = ask_all(&hosts, "srvr", connection);
    // mntr for what srvr lacks (the watch count); a server without it shows "-".
    let mntr = ask_all(&hosts, "mntr", connection);
    let mut status = Status::Ok;
    let mut rows = vec![
        [
            "SERVER",
            "MODE",
            "ZXID",
            "LATENCY",
            "CONNECTIONS",
            "OUTSTANDING",
            "ZNODES",
            "WATCHES",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    let mut documents = Vec::new();
    for ((host, reply), mntr) in hosts.iter().zip(replies).zip(mntr) {
        let watches: Option<u64> = mntr
            .ok()
            .and_then(|reply| mntr_value(&reply, "zk_watch_count").and_then(|v| v.parse().ok()));
        match reply {
            Ok(reply) => {
                let srvr = parse_srvr(&reply);
                let text = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
                rows.push(vec![
                    host.to_string(),
                    srvr.mode.clone().unwrap_or_else(|| "?".to_owned()),
                    srvr.zxid.map_or_else(|| "-".to_owned(), zxid),
                    srvr.latency.clone().unwrap_or_else(|| "-".to_owned()),
                    text(srvr.connections),
                    text(srvr.outstanding),
                    text(srvr.znodes),
                    text(watches),
                ]);
                if srvr.mode.is_none() {
                    // Answered, but not with srvr's fields (not whitelisted): say what it said.
                    eprintln!("zk: {host}: {}", reply.trim());
                }
                documents.push(json!({
                    "server": host.to_string(),
                    "reachable": true,
                    "version": srvr.version,
                    "mode": srvr.mode,
                    "zxid": srvr.zxid,
                    "latency": srvr.latency,
                    "connections": srvr.connections,
                    "outstanding": srvr.outstanding,
                    "znodes": srvr.znodes,
                    "watches": watches,
                }));
            }
            Err(error) => {
                status = Status::Connection;
                eprintln!("zk: {host}: {error}");
                let mut row = vec![host.to_string(), "unreachable".to_owned()];
                row.extend(std::iter::repeat_n("-".to_owned(), 6));
                rows.push(row);
                documents.push(json!({
                    "server": host.to_string(),
                    "reachable": false,
                    "error": error.to_string(),
                }));
            }
        }
    }
    if out.is_json() {
        out.document(&Value::Array(documents))?;
    } else {
        out.table(&rows)?;
    }
    Ok(status)
}

/// Asks every host for `srvr` and says whether it serves: exit code 0 only if every one does
/// (a server out of its quorum answers that it is not serving), [`Status::Connection`]
/// otherwise.
///
/// # Errors
///
/// A malformed connect string.
pub(crate) fn health(connection: &ConnectionArgs, out: &mut Out) -> Result<Status, Failure> {
    let hosts = hosts(connection)?;
    let replies = ask_all(&hosts, "srvr", connection);
    let mut status = Status::Ok;
    let mut rows = vec![vec!["SERVER".to_owned(), "STATUS".to_owned()]];
    let mut documents = Vec::new();
    for (host, reply) in hosts.iter().zip(replies) {
        let (serving, said) = match reply {
            Ok(reply) => match parse_srvr(&reply).mode {
                Some(mode) => (true, mode),
                None => (false, reply.trim().to_owned()),
            },
            Err(error) => (false, format!("unreachable: {error}")),
        };
        if !serving {
            status = Status::Connection;
        }
        rows.push(vec![
            host.to_string(),
            if serving {
                format!("ok ({said})")
            } else {
                said.clone()
            },
        ]);
        documents.push(json!({ "server": host.to_string(), "serving": serving, "status": said }));
    }
    if out.is_json() {
        out.document(&json!({ "healthy": status == Status::Ok, "servers": documents }))?;
    } else {
        out.table(&rows)?;
    }
    Ok(status)
}
