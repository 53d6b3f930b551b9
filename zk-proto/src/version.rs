//! Server versions, and which opcodes a server of a given version understands
//! (`docs/protocol.md#server-versions`).

use std::fmt;
use std::str::FromStr;

/// A ZooKeeper server version, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerVersion {
    /// Major version (3).
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Patch version.
    pub patch: u16,
}

impl ServerVersion {
    /// Builds a version.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        ServerVersion {
            major,
            minor,
            patch,
        }
    }

    /// 3.4.0: multi, check, sasl, read-only mode.
    pub const V3_4_0: ServerVersion = ServerVersion::new(3, 4, 0);
    /// 3.5.0: create2, reconfig, checkWatches, removeWatches.
    pub const V3_5_0: ServerVersion = ServerVersion::new(3, 5, 0);
    /// 3.5.1: createContainer.
    pub const V3_5_1: ServerVersion = ServerVersion::new(3, 5, 1);
    /// 3.5.3: createTTL.
    pub const V3_5_3: ServerVersion = ServerVersion::new(3, 5, 3);
    /// 3.6.0: multiRead, getEphemerals, getAllChildrenNumber, setWatches2, addWatch.
    pub const V3_6_0: ServerVersion = ServerVersion::new(3, 6, 0);
    /// 3.7.0: whoAmI.
    pub const V3_7_0: ServerVersion = ServerVersion::new(3, 7, 0);
    /// 3.9.0: persistent watcher types in removeWatches/checkWatches.
    pub const V3_9_0: ServerVersion = ServerVersion::new(3, 9, 0);

    /// Finds a version in text such as the `srvr` four-letter word's reply
    /// (`Zookeeper version: 3.8.0-5a02a05e..., built on ...`) or a bare `3.8.0`.
    pub fn find_in(text: &str) -> Option<ServerVersion> {
        let start = match text.find("version:") {
            Some(i) => i + "version:".len(),
            None => 0,
        };
        let rest = text[start..].trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    }
}

impl FromStr for ServerVersion {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.trim().splitn(3, '.');
        let mut next = || -> Result<u16, &'static str> {
            let part = parts.next().ok_or("expected major.minor.patch")?;
            let digits = part
                .find(|c: char| !c.is_ascii_digit())
                .map_or(part, |i| &part[..i]);
            digits.parse().map_err(|_| "version parts must be numbers")
        };
        Ok(ServerVersion::new(next()?, next()?, next()?))
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_srvr_output() {
        let text = "Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC\nLatency min/avg/max: 0/0.0/0\n";
        assert_eq!(
            ServerVersion::find_in(text),
            Some(ServerVersion::new(3, 8, 0))
        );
        assert_eq!("3.9.3".parse(), Ok(ServerVersion::new(3, 9, 3)));
        assert_eq!(
            ServerVersion::find_in("3.10.0-SNAPSHOT"),
            Some(ServerVersion::new(3, 10, 0))
        );
        assert!("3.x".parse::<ServerVersion>().is_err());
        assert!(ServerVersion::new(3, 10, 0) > ServerVersion::V3_9_0);
    }
}
