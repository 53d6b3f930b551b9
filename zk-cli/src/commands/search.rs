//! `find`, `grep` and `ephemerals`: nodes of a subtree picked by name, by data or by owner.
//!
//! Each reads the subtree a level at a time ([`walk`]), and `grep` then reads every node's
//! data, pipelined.

use clap::Args;
use serde_json::{Value, json};
use zk_client_blocking::{Client, Error, ErrorCode};

use crate::data::safe_text;
use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths::znode;
use crate::pipeline;
use crate::stat::zxid;
use crate::walk::{name_of, walk};

/// Arguments of `find`.
#[derive(Debug, Args)]
pub(crate) struct FindArgs {
    /// Where to look.
    #[arg(value_parser = znode)]
    path: String,
    /// The names to find: `*` matches any run of characters, `?` any one (quote it from the
    /// shell); all nodes without one.
    glob: Option<String>,
}

/// Arguments of `grep`.
#[derive(Debug, Args)]
pub(crate) struct GrepArgs {
    /// The text to look for in the nodes' data (as bytes: it may match binary data too).
    pattern: String,
    /// Where to look.
    #[arg(default_value = ".", value_parser = znode)]
    path: String,
    /// Print only the paths of the nodes that match.
    #[arg(short = 'l', long)]
    files_with_matches: bool,
}

/// Arguments of `ephemerals`.
#[derive(Debug, Args)]
pub(crate) struct EphemeralsArgs {
    /// Where to look.
    #[arg(default_value = ".", value_parser = znode)]
    path: String,
    /// Only the nodes of this session (hex, as `stat` prints it: 0x1000a2b3c0004).
    #[arg(long, value_parser = parse_session, value_name = "SESSION_ID")]
    owner: Option<i64>,
}

/// Prints the paths below `path` (itself included) whose name matches the glob.
///
/// # Errors
///
/// The client's error reading the subtree (`NoNode` if `path` does not exist).
pub(crate) fn find(client: &Client, args: &FindArgs, out: &mut Out) -> Result<Status, Failure> {
    let tree = walk(client, &args.path, None)
        .map_err(|e| Failure::zk(format!("find {}", args.path), &e))?;
    let found: Vec<&str> = tree
        .depth_first()
        .into_iter()
        .map(|(_, path)| path)
        .filter(|path| {
            args.glob
                .as_deref()
                .is_none_or(|glob| glob_match(glob, name_of(path)))
        })
        .collect();
    if out.is_json() {
        out.document(&json!(found))?;
    } else {
        for path in found {
            out.line(path)?;
        }
    }
    Ok(Status::Ok)
}

/// Prints the lines of the nodes' data that contain the pattern, each after its path (or
/// only the paths, `-l`).
///
/// # Errors
///
/// The client's error reading the subtree or a node's data; a node deleted meanwhile is
/// skipped.
pub(crate) fn grep(client: &Client, args: &GrepArgs, out: &mut Out) -> Result<Status, Failure> {
    let what = format!("grep {}", args.path);
    let tree = walk(client, &args.path, None).map_err(|e| Failure::zk(&what, &e))?;
    let paths: Vec<&str> = tree.depth_first().into_iter().map(|(_, p)| p).collect();
    let pattern = args.pattern.as_bytes();
    let mut matches = Vec::new();
    for (path, reply) in pipeline::map(paths, |path| client.async_client().get_data(path)) {
        let data = match reply {
            Ok((data, _)) => data,
            Err(Error::Server(ErrorCode::NoNode)) => continue,
            Err(error) => return Err(Failure::zk(&what, &error)),
        };
        if pattern.is_empty() || data.windows(pattern.len()).any(|w| w == pattern) {
            let text = safe_text(&data);
            let lines: Vec<String> = text
                .lines()
                .filter(|line| line.contains(&args.pattern))
                .map(str::to_owned)
                .collect();
            matches.push((path, lines));
        }
    }
    if out.is_json() {
        let list: Vec<Value> = matches
            .iter()
            .map(|(path, lines)| json!({ "path": path, "lines": lines }))
            .collect();
        out.document(&Value::Array(list))?;
    } else {
        for (path, lines) in &matches {
            if args.files_with_matches || lines.is_empty() {
                // A match inside escaped binary data has no line of text to show.
                out.line(path)?;
            } else {
                for line in lines {
                    out.line(&format!("{path}: {line}"))?;
                }
            }
        }
    }
    Ok(if matches.is_empty() {
        // As grep(1): nothing found is a failure a script can test, without a message.
        Status::Other
    } else {
        Status::Ok
    })
}

/// Prints the ephemeral nodes below `path` with the sessions that own them.
///
/// # Errors
///
/// The client's error reading the subtree.
pub(crate) fn ephemerals(
    client: &Client,
    args: &EphemeralsArgs,
    out: &mut Out,
) -> Result<Status, Failure> {
    let tree = walk(client, &args.path, None)
        .map_err(|e| Failure::zk(format!("ephemerals {}", args.path), &e))?;
    let found: Vec<(&str, i64)> = tree
        .depth_first()
        .into_iter()
        .map(|(_, path)| (path, tree.nodes[path].stat.ephemeral_owner))
        .filter(|&(_, owner)| owner != 0 && args.owner.is_none_or(|wanted| wanted == owner))
        .collect();
    if out.is_json() {
        let list: Vec<Value> = found
            .iter()
            .map(|(path, owner)| json!({ "path": path, "owner": owner }))
            .collect();
        out.document(&Value::Array(list))?;
    } else {
        let mut rows = vec![vec!["OWNER".to_owned(), "PATH".to_owned()]];
        rows.extend(
            found
                .iter()
                .map(|(path, owner)| vec![zxid(*owner), (*path).to_owned()]),
        );
        out.table(&rows)?;
    }
    Ok(Status::Ok)
}

/// A session id in hex (`0x` optional), as ZooKeeper's tools print them.
fn parse_session(text: &str) -> Result<i64, String> {
    let hex = text.strip_prefix("0x").unwrap_or(text);
    u64::from_str_radix(hex, 16)
        .map(|id| id as i64)
        .map_err(|_| format!("{text:?} is not a session id in hex (0x1000a2b3c0004)"))
}

/// Whether `name` matches `glob`: `*` any run of characters (none included), `?` exactly one,
/// anything else itself.
fn glob_match(glob: &str, name: &str) -> bool {
    let glob: Vec<char> = glob.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut g, mut n) = (0, 0);
    // Where the last `*` was, and where in `name` its run ends so far: on a mismatch the run
    // grows by one and matching resumes after the star. Linear in practice, never exponential.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match glob.get(g) {
            Some('*') => {
                star = Some((g, n));
                g += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                g += 1;
                n += 1;
            }
            _ => match star {
                Some((star_g, star_n)) => {
                    star = Some((star_g, star_n + 1));
                    g = star_g + 1;
                    n = star_n + 1;
                }
                None => return false,
            },
        }
    }
    glob[g..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_match("lock-*", "lock-0000000001"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("*b*", "abc"));
        assert!(glob_match("*.json", "a.b.json"));
        assert!(!glob_match("*.json", "a.json.bak"));
        assert!(!glob_match("a?c", "ac"));
        assert!(!glob_match("lock", "lock-1"));
        assert!(glob_match("**x", "abx"));
    }

    #[test]
    fn session_ids_are_hex() {
        assert_eq!(parse_session("0x1f"), Ok(31));
        assert_eq!(parse_session("ff"), Ok(255));
        assert!(parse_session("0xzz").is_err());
    }
}
