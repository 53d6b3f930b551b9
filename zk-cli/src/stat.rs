//! A node's Stat for people (named lines, zxids in hex, times in UTC) and for scripts (numbers).

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zk_client_blocking::Stat;

/// The Stat as a JSON object: every field under its snake-case name, as numbers (times in
/// milliseconds since the epoch, as the server keeps them).
pub(crate) fn to_json(stat: &Stat) -> Value {
    json!({
        "czxid": stat.czxid,
        "mzxid": stat.mzxid,
        "pzxid": stat.pzxid,
        "ctime": stat.ctime,
        "mtime": stat.mtime,
        "version": stat.version,
        "cversion": stat.cversion,
        "aversion": stat.aversion,
        "ephemeral_owner": stat.ephemeral_owner,
        "data_length": stat.data_length,
        "num_children": stat.num_children,
    })
}

/// The Stat as `name value` rows, in zkCli's order.
pub(crate) fn to_rows(stat: &Stat) -> Vec<Vec<String>> {
    let rows: [(&str, String); 11] = [
        ("czxid", zxid(stat.czxid)),
        ("ctime", timestamp(stat.ctime)),
        ("mzxid", zxid(stat.mzxid)),
        ("mtime", timestamp(stat.mtime)),
        ("pzxid", zxid(stat.pzxid)),
        ("cversion", stat.cversion.to_string()),
        ("version", stat.version.to_string()),
        ("aversion", stat.aversion.to_string()),
        ("ephemeral_owner", zxid(stat.ephemeral_owner)),
        ("data_length", stat.data_length.to_string()),
        ("num_children", stat.num_children.to_string()),
    ];
    rows.into_iter()
        .map(|(name, value)| vec![name.to_owned(), value])
        .collect()
}

/// A zxid or session id in hex, as ZooKeeper's own tools print them.
pub(crate) fn zxid(value: i64) -> String {
    format!("0x{value:x}")
}

/// Milliseconds since the epoch as an RFC 3339 time in UTC; the number itself when it is out
/// of range (a server's clock is not ours to trust).
pub(crate) fn timestamp(millis: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| millis.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_and_zxids_hex() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_500), "1970-01-01T00:00:01.5Z");
        assert_eq!(timestamp(i64::MAX), i64::MAX.to_string());
        assert_eq!(zxid(255), "0xff");
    }
}
