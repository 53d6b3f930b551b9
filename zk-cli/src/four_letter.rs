//! Four-letter words, asked of one server on a connection of their own, without a session:
//! they must work on a server that gives no sessions (out of quorum, overloaded), which is
//! when an operator asks them most.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use zk_client_blocking::HostPort;

/// The most of a reply that is kept (`mntr` and `cons` on a busy server stay far below).
const REPLY_MAX: u64 = 4 << 20;

/// Sends `word` to `host` and reads the reply until the server closes; `timeout` bounds the
/// connect and each read and write.
///
/// # Errors
///
/// The I/O error of the last address tried: unresolvable, refused, timed out.
pub(crate) fn ask(host: &HostPort, word: &str, timeout: Duration) -> io::Result<String> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host name resolves to nothing");
    for address in (host.host.as_str(), host.port).to_socket_addrs()? {
        match ask_at(address, word, timeout) {
            Ok(reply) => return Ok(reply),
            Err(error) => last = error,
        }
    }
    Err(last)
}

fn ask_at(address: std::net::SocketAddr, word: &str, timeout: Duration) -> io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(word.as_bytes())?;
    let mut reply = Vec::new();
    stream.take(REPLY_MAX).read_to_end(&mut reply)?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

/// What a `srvr` reply says, field by field; a field the reply lacks is `None`.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Srvr {
    /// `Zookeeper version:`.
    pub(crate) version: Option<String>,
    /// `Mode:` (standalone, leader, follower, observer, read-only).
    pub(crate) mode: Option<String>,
    /// `Zxid:`, parsed from hex.
    pub(crate) zxid: Option<i64>,
    /// `Latency min/avg/max:`, as the server printed it.
    pub(crate) latency: Option<String>,
    /// `Connections:`.
    pub(crate) connections: Option<u64>,
    /// `Outstanding:`.
    pub(crate) outstanding: Option<u64>,
    /// `Node count:`.
    pub(crate) znodes: Option<u64>,
}

/// Reads the fields of a `srvr` reply (a reply that is not one, such as "not in the
/// whitelist", has none of them).
pub(crate) fn parse_srvr(reply: &str) -> Srvr {
    let mut srvr = Srvr::default();
    for line in reply.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "Zookeeper version" => srvr.version = Some(value.to_owned()),
            "Mode" => srvr.mode = Some(value.to_owned()),
            "Zxid" => {
                let hex = value.trim_start_matches("0x");
                srvr.zxid = u64::from_str_radix(hex, 16).ok().map(|z| z as i64);
            }
            "Latency min/avg/max" => srvr.latency = Some(value.to_owned()),
            "Connections" => srvr.connections = value.parse().ok(),
            "Outstanding" => srvr.outstanding = value.parse().ok(),
            "Node count" => srvr.znodes = value.parse().ok(),
            _ => {}
        }
    }
    srvr
}

/// A value of a `mntr` reply (`zk_watch_count\t5`); `None` when the reply lacks the key (a
/// server that does not whitelist `mntr`, or does not have it).
pub(crate) fn mntr_value<'a>(reply: &'a str, key: &str) -> Option<&'a str> {
    reply.lines().find_map(|line| {
        let (name, value) = line.split_once('\t')?;
        (name == key).then(|| value.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_srvr_reply_is_read_field_by_field() {
        let reply = "Zookeeper version: 3.8.4-abc, built on 2024-02-12\n\
                     Latency min/avg/max: 0/0.5/3\nReceived: 10\nSent: 9\nConnections: 2\n\
                     Outstanding: 0\nZxid: 0x10000002a\nMode: leader\nNode count: 7\n";
        let srvr = parse_srvr(reply);
        assert_eq!(
            srvr.version.as_deref(),
            Some("3.8.4-abc, built on 2024-02-12")
        );
        assert_eq!(srvr.mode.as_deref(), Some("leader"));
        assert_eq!(srvr.zxid, Some(0x1_0000_002a));
        assert_eq!(srvr.latency.as_deref(), Some("0/0.5/3"));
        assert_eq!(
            (srvr.connections, srvr.outstanding, srvr.znodes),
            (Some(2), Some(0), Some(7))
        );
    }

    #[test]
    fn mntr_values_are_found_by_key() {
        let reply = "zk_version\t3.8.4\nzk_watch_count\t12\nzk_watch_bytes\t40\n";
        assert_eq!(mntr_value(reply, "zk_watch_count"), Some("12"));
        assert_eq!(mntr_value(reply, "zk_missing"), None);
        assert_eq!(
            mntr_value(
                "mntr is not executed because it is not in the whitelist.",
                "zk_watch_count"
            ),
            None
        );
    }

    #[test]
    fn anything_else_has_no_fields() {
        let srvr = parse_srvr("srvr is not executed because it is not in the whitelist.\n");
        assert_eq!(srvr, Srvr::default());
        assert_eq!(parse_srvr("Zxid: 0xzz\n").zxid, None);
    }
}
