//! `txn`: an atomic transaction (multi) read as JSON from a file or stdin.
//!
//! ```json
//! [
//!   { "op": "check", "path": "/config", "version": 3 },
//!   { "op": "create", "path": "/config/v4", "data": "new", "mode": "persistent" },
//!   { "op": "set", "path": "/config", "data_base64": "djQ=", "version": 3 },
//!   { "op": "delete", "path": "/config/v3" }
//! ]
//! ```
//!
//! Every operation applies or none does; a failure names the operation and exits with the
//! code of its error (7 for a version mismatch, ...).

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, ValueEnum};
use serde_json::{Map, Value, json};
use zk_client_blocking::{Client, MultiResult, Transaction};

use crate::commands::write::{Mode, create_mode};
use crate::duration::parse_duration;
use crate::exit::{Failure, Status};
use crate::input;
use crate::output::Out;
use crate::stat;

/// Arguments of `txn`.
#[derive(Debug, Args)]
pub(crate) struct TxnArgs {
    /// The JSON file of operations (an array of objects with "op": create, set, delete or
    /// check, "path", and "data" or "data_base64", "mode", "ttl", "version" as they apply);
    /// stdin without one.
    file: Option<PathBuf>,
}

/// One operation, as read from the JSON (kept to name it in messages and output).
struct Op {
    kind: &'static str,
    path: String,
}

/// Commits the transaction and prints each operation's outcome.
///
/// # Errors
///
/// A usage error for JSON that is not a list of operations; the failing operation's error
/// (by index, kind and path) when the server refuses the transaction.
pub(crate) fn run(client: &Client, args: &TxnArgs, out: &mut Out) -> Result<Status, Failure> {
    let text = match &args.file {
        Some(file) => input::data(None, Some(file))?,
        None => input::data(Some("-"), None)?,
    };
    let document: Value = serde_json::from_slice(&text)
        .map_err(|e| Failure::new(Status::Usage, format!("txn: not JSON: {e}")))?;
    let entries = document
        .as_array()
        .ok_or_else(|| Failure::new(Status::Usage, "txn: expected a JSON array of operations"))?;
    let mut transaction = client.transaction();
    let mut ops = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let (next, op) = add(transaction, entry)
            .map_err(|why| Failure::new(Status::Usage, format!("txn: operation {index}: {why}")))?;
        transaction = next;
        ops.push(op);
    }
    let results = client.commit(transaction).map_err(|e| {
        let what = match e.failed_op.and_then(|i| ops.get(i).map(|op| (i, op))) {
            Some((i, op)) => format!("txn: operation {i} ({} {})", op.kind, op.path),
            None => "txn".to_owned(),
        };
        Failure::zk(what, &e.error)
    })?;
    if out.is_json() {
        let list: Vec<Value> = ops
            .iter()
            .zip(&results)
            .map(|(op, r)| result_json(op, r))
            .collect();
        out.document(&json!({ "results": list }))?;
    } else {
        for (op, result) in ops.iter().zip(&results) {
            out.line(&result_text(op, result))?;
        }
    }
    Ok(Status::Ok)
}

/// Adds one JSON operation to the transaction.
fn add(transaction: Transaction, entry: &Value) -> Result<(Transaction, Op), String> {
    let fields = entry.as_object().ok_or("not an object")?;
    let path = string(fields, "path")?.ok_or("no \"path\"")?.to_owned();
    let version = match fields.get("version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .and_then(|v| i32::try_from(v).ok())
                .ok_or("\"version\" is not a 32-bit integer")?,
        ),
    };
    let kind = string(fields, "op")?.ok_or("no \"op\"")?;
    let (transaction, kind) = match kind {
        "create" => {
            let mode = match string(fields, "mode")? {
                None => Mode::Persistent,
                Some(name) => {
                    Mode::from_str(name, true).map_err(|_| format!("unknown mode {name:?}"))?
                }
            };
            let ttl = string(fields, "ttl")?.map(parse_duration).transpose()?;
            let mode = create_mode(mode, ttl).map_err(|f| f.message)?;
            (transaction.create(&path, data(fields)?, mode), "create")
        }
        "set" => (transaction.set_data(&path, data(fields)?, version), "set"),
        "delete" => (transaction.delete(&path, version), "delete"),
        "check" => {
            let version = version.ok_or("a check needs a \"version\"")?;
            (transaction.check(&path, version), "check")
        }
        other => return Err(format!("unknown op {other:?} (create, set, delete, check)")),
    };
    Ok((transaction, Op { kind, path }))
}

/// A string field, if present.
fn string<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("\"{name}\" is not a string")),
    }
}

/// The data of a create or set: `data` (text) or `data_base64`; none is empty.
fn data(fields: &Map<String, Value>) -> Result<Vec<u8>, String> {
    match (string(fields, "data")?, string(fields, "data_base64")?) {
        (Some(_), Some(_)) => Err("both \"data\" and \"data_base64\"".to_owned()),
        (Some(text), None) => Ok(text.as_bytes().to_vec()),
        (None, Some(b64)) => STANDARD
            .decode(b64)
            .map_err(|e| format!("\"data_base64\": {e}")),
        (None, None) => Ok(Vec::new()),
    }
}

fn result_json(op: &Op, result: &MultiResult) -> Value {
    let mut value = json!({ "op": op.kind, "path": op.path });
    match result {
        MultiResult::Created { path, .. } => value["created"] = json!(path),
        MultiResult::SetData(node_stat) => value["stat"] = stat::to_json(node_stat),
        _ => {}
    }
    value
}

fn result_text(op: &Op, result: &MultiResult) -> String {
    match result {
        MultiResult::Created { path, .. } => format!("created {path}"),
        MultiResult::SetData(node_stat) => {
            format!("set {} (version {})", op.path, node_stat.version)
        }
        MultiResult::Deleted => format!("deleted {}", op.path),
        MultiResult::Checked => format!("checked {}", op.path),
        _ => format!("{} {}", op.kind, op.path),
    }
}
