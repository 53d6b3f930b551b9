//! Four-letter words (`docs/protocol.md#four-letter-words`) and the server mode `srvr` reports.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends a four-letter word (`ruok`, `srvr`, `stat`, `mntr`, `conf`, `isro`, ...) to a server
/// and returns its whole reply.
///
/// Opens a TCP connection, writes the 4 ASCII bytes, and reads until the server closes the
/// connection (it always does after a four-letter reply). Works against any reachable server,
/// not only the ones this crate starts; servers since 3.5.3 answer only whitelisted words
/// (`4lw.commands.whitelist`, which this crate sets to `*`).
///
/// Fails with [`io::ErrorKind::InvalidInput`] when `word` is not 4 bytes long, and with the
/// connection's error when the server is down or does not answer within a few seconds.
///
/// ```no_run
/// let reply = zk_testing::four_letter("127.0.0.1:2181", "ruok")?;
/// assert_eq!(reply, "imok");
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// The I/O error when the connection is refused or breaks, or `TimedOut` when the server
/// does not answer.
pub fn four_letter(addr: impl ToSocketAddrs, word: &str) -> io::Result<String> {
    if word.len() != 4 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a four-letter word has 4 bytes, not {:?}", word),
        ));
    }
    let mut last_err = None;
    for addr in addr.to_socket_addrs()? {
        match four_letter_at(addr, word) {
            Ok(reply) => return Ok(reply),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to nothing",
        )
    }))
}

fn four_letter_at(addr: SocketAddr, word: &str) -> io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(word.as_bytes())?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

/// What a server does, from the `Mode:` line of its `srvr` reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// A single server that is not part of an ensemble.
    Standalone,
    /// The ensemble's leader.
    Leader,
    /// A voting member that follows the leader.
    Follower,
    /// A non-voting member that follows the leader.
    Observer,
    /// A server cut off from its quorum, serving reads only (`readonlymode.enabled`).
    ReadOnly,
    /// A mode this crate does not know, as the server printed it.
    Other(String),
}

impl Mode {
    /// Parses a `srvr` (or `stat`) reply. `None` when the server is not serving (the reply
    /// then says "This ZooKeeper instance is not currently serving requests") or the reply
    /// has no `Mode:` line.
    pub fn from_srvr(reply: &str) -> Option<Mode> {
        let mode = reply
            .lines()
            .find_map(|line| line.strip_prefix("Mode:"))?
            .trim();
        Some(match mode {
            "standalone" => Mode::Standalone,
            "leader" => Mode::Leader,
            "follower" => Mode::Follower,
            "observer" => Mode::Observer,
            "read-only" => Mode::ReadOnly,
            other => Mode::Other(other.to_owned()),
        })
    }

    /// Whether a server in this mode serves writes: standalone, leader, follower or observer.
    pub fn is_read_write(&self) -> bool {
        matches!(
            self,
            Mode::Standalone | Mode::Leader | Mode::Follower | Mode::Observer
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_srvr_modes() {
        let serving = "Zookeeper version: 3.8.0-abc, built on 2024-12-29\nLatency min/avg/max: 0/0.0/0\nMode: follower\nNode count: 5\n";
        assert_eq!(Mode::from_srvr(serving), Some(Mode::Follower));
        assert_eq!(Mode::from_srvr("Mode: read-only\n"), Some(Mode::ReadOnly));
        assert_eq!(
            Mode::from_srvr("This ZooKeeper instance is not currently serving requests\n"),
            None
        );
        assert!(Mode::Leader.is_read_write());
        assert!(!Mode::ReadOnly.is_read_write());
        assert_eq!(
            Mode::from_srvr("Mode: weird\n"),
            Some(Mode::Other("weird".into()))
        );
    }

    #[test]
    fn rejects_words_of_the_wrong_length() {
        let err = four_letter("127.0.0.1:1", "stats").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
