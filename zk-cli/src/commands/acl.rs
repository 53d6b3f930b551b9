//! `acl get` and `acl set`: a node's ACL, in zkCli's notation (`scheme:id:perms`, the
//! permissions as letters of `cdrwa`).

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use zk_client_blocking::{Acl, Client, Id, Perms};

use crate::commands::read::PathArgs;
use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths::znode;
use crate::stat;

/// The permissions and their letters, in zkCli's order.
const LETTERS: [(Perms, char); 5] = [
    (Perms::CREATE, 'c'),
    (Perms::DELETE, 'd'),
    (Perms::READ, 'r'),
    (Perms::WRITE, 'w'),
    (Perms::ADMIN, 'a'),
];

/// Arguments of `acl`.
#[derive(Debug, Args)]
pub(crate) struct AclArgs {
    /// What to do with the ACL.
    #[command(subcommand)]
    pub(crate) command: AclCommand,
}

/// The `acl` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum AclCommand {
    /// Print a node's ACL: one `scheme:id  permissions` line per entry (c create, d delete,
    /// r read, w write, a admin).
    Get(PathArgs),
    /// Replace a node's ACL.
    Set(SetAclArgs),
}

/// Arguments of `acl set`.
#[derive(Debug, Args)]
pub(crate) struct SetAclArgs {
    /// The node.
    #[arg(value_parser = znode)]
    path: String,
    /// The entries, each `scheme:id:perms`: `world:anyone:r`, `ip:10.0.0.0/8:cdrwa`,
    /// `digest:alice:<base64 SHA-1>:cdrwa`, `auth::cdrwa` (the session's own identities).
    #[arg(required = true, value_parser = parse_entry, value_name = "SCHEME:ID:PERMS")]
    acl: Vec<Acl>,
    /// Only if the node's ACL version (aversion) is this (exit code 7 otherwise).
    #[arg(short = 'v', long)]
    version: Option<i32>,
}

/// Prints a node's ACL.
///
/// # Errors
///
/// The client's error (`NoNode`).
pub(crate) fn get(client: &Client, args: &PathArgs, out: &mut Out) -> Result<Status, Failure> {
    let (acl, node_stat) = client
        .get_acl(&args.path)
        .map_err(|e| Failure::zk(format!("acl get {}", args.path), &e))?;
    if out.is_json() {
        let entries: Vec<Value> = acl.iter().map(entry_json).collect();
        out.document(
            &json!({ "path": args.path, "acl": entries, "aversion": node_stat.aversion }),
        )?;
    } else {
        let rows: Vec<Vec<String>> = acl
            .iter()
            .map(|entry| vec![entry.id.to_string(), letters(entry.perms)])
            .collect();
        out.table(&rows)?;
    }
    Ok(Status::Ok)
}

/// Replaces a node's ACL; prints nothing (the new Stat with --json).
///
/// # Errors
///
/// The client's error (`NoNode`, `BadVersion`, `InvalidAcl`, `NoAuth` without ADMIN).
pub(crate) fn set(client: &Client, args: &SetAclArgs, out: &mut Out) -> Result<Status, Failure> {
    let node_stat = client
        .set_acl(&args.path, args.acl.clone(), args.version)
        .map_err(|e| Failure::zk(format!("acl set {}", args.path), &e))?;
    if out.is_json() {
        out.document(&json!({ "path": args.path, "stat": stat::to_json(&node_stat) }))?;
    }
    Ok(Status::Ok)
}

/// An ACL entry as JSON: `{"scheme", "id", "perms"}`, the permissions as letters.
pub(crate) fn entry_json(entry: &Acl) -> Value {
    json!({ "scheme": entry.id.scheme, "id": entry.id.id, "perms": letters(entry.perms) })
}

/// An ACL entry from its JSON ([`entry_json`]).
///
/// # Errors
///
/// What is missing or wrong, for the caller to place.
pub(crate) fn entry_from_json(value: &Value) -> Result<Acl, String> {
    let field = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("an ACL entry without a string \"{name}\""))
    };
    let perms = parse_perms(field("perms")?)?;
    Ok(Acl::new(perms, Id::new(field("scheme")?, field("id")?)))
}

/// Permissions as letters of `cdrwa`, each present or left out.
fn letters(perms: Perms) -> String {
    LETTERS
        .iter()
        .filter(|(p, _)| perms.contains(*p))
        .map(|(_, c)| *c)
        .collect()
}

/// Letters of `cdrwa` as permissions.
fn parse_perms(text: &str) -> Result<Perms, String> {
    let mut perms = Perms::NONE;
    for c in text.chars() {
        let (perm, _) = LETTERS
            .iter()
            .find(|(_, letter)| *letter == c)
            .ok_or_else(|| format!("{text:?}: permissions are letters of cdrwa"))?;
        perms |= *perm;
    }
    Ok(perms)
}

/// `scheme:id:perms`: the scheme up to the first colon, the permissions after the last (ids
/// have colons of their own: a digest's `user:hash`, an IPv6 address).
fn parse_entry(text: &str) -> Result<Acl, String> {
    let bad =
        |why: &str| format!("{text:?}: {why} (expected SCHEME:ID:PERMS, e.g. world:anyone:r)");
    let (scheme, rest) = text.split_once(':').ok_or_else(|| bad("no id"))?;
    let (id, perm_text) = rest.rsplit_once(':').ok_or_else(|| bad("no permissions"))?;
    if scheme.is_empty() {
        return Err(bad("an empty scheme"));
    }
    let perms = parse_perms(perm_text).map_err(|_| bad("permissions are letters of cdrwa"))?;
    Ok(Acl::new(perms, Id::new(scheme, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_split_at_the_first_and_last_colon() {
        let digest = parse_entry("digest:alice:abc=:rw").unwrap();
        assert_eq!(
            digest,
            Acl::new(Perms::READ | Perms::WRITE, Id::new("digest", "alice:abc="))
        );
        assert_eq!(
            parse_entry("auth::cdrwa").unwrap(),
            Acl::new(Perms::ALL, Id::new("auth", ""))
        );
        assert_eq!(letters(parse_entry("world:anyone:ar").unwrap().perms), "ra");
        for bad in ["world", "world:anyone", ":x:r", "world:anyone:rx"] {
            assert!(parse_entry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn entries_round_trip_through_json() {
        let entry = Acl::new(Perms::READ | Perms::ADMIN, Id::new("digest", "bob:h="));
        assert_eq!(entry_from_json(&entry_json(&entry)), Ok(entry));
        assert!(entry_from_json(&json!({ "scheme": "world", "id": "anyone" })).is_err());
        assert!(
            entry_from_json(&json!({ "scheme": "world", "id": "anyone", "perms": "z" })).is_err()
        );
    }
}
