//! Connect strings: `host1:port1,host2,[::1]:2183/chroot` (`docs/protocol.md#connect-string`).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::path::Chroot;

/// The port ZooKeeper listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 2181;

/// One server address, unresolved: the adapter resolves it on every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// A host name, an IPv4 address, or an IPv6 address without brackets.
    pub host: String,
    /// The client port.
    pub port: u16,
}

impl HostPort {
    /// Builds an address.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        HostPort {
            host: host.into(),
            port,
        }
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A parsed connect string: the servers and the optional chroot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectString {
    /// The servers, in the order given.
    pub hosts: Vec<HostPort>,
    /// The chroot (everything from the first `/`).
    pub chroot: Chroot,
}

impl FromStr for ConnectString {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (host_part, chroot) = match s.find('/') {
            Some(i) => (&s[..i], Chroot::new(&s[i..])?),
            None => (s, Chroot::none()),
        };
        let hosts = host_part
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(parse_host)
            .collect::<Result<Vec<_>, _>>()?;
        if hosts.is_empty() {
            return Err(Error::InvalidArgument {
                argument: "connect string",
                reason: "it names no host",
            });
        }
        Ok(ConnectString { hosts, chroot })
    }
}

fn parse_host(entry: &str) -> Result<HostPort, Error> {
    if let Some(rest) = entry.strip_prefix('[') {
        let close = rest.find(']').ok_or(Error::InvalidArgument {
            argument: "connect string",
            reason: "an IPv6 address without a closing ']'",
        })?;
        let host = &rest[..close];
        let after = &rest[close + 1..];
        let port = match after {
            "" => DEFAULT_PORT,
            _ => {
                let port = after.strip_prefix(':').ok_or(Error::InvalidArgument {
                    argument: "connect string",
                    reason: "expected ':' after ']'",
                })?;
                if port.is_empty() {
                    return Err(Error::InvalidArgument {
                        argument: "connect string",
                        reason: "an empty port after ']:'",
                    });
                }
                parse_port(port)?
            }
        };
        if host.is_empty() {
            return Err(Error::InvalidArgument {
                argument: "connect string",
                reason: "an empty IPv6 address",
            });
        }
        return Ok(HostPort::new(host, port));
    }
    match entry.rfind(':') {
        // A trailing ':' with nothing after it means the default port (as in Java).
        Some(i) if i + 1 == entry.len() => Ok(HostPort::new(&entry[..i], DEFAULT_PORT)),
        Some(i) => Ok(HostPort::new(&entry[..i], parse_port(&entry[i + 1..])?)),
        None => Ok(HostPort::new(entry, DEFAULT_PORT)),
    }
}

fn parse_port(text: &str) -> Result<u16, Error> {
    text.parse().map_err(|_| Error::InvalidArgument {
        argument: "connect string",
        reason: "a port that is not a number from 0 to 65535",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ConnectString {
        s.parse().unwrap()
    }

    #[test]
    fn parses_hosts_ports_ipv6_and_chroot() {
        let cs = parse("h1:2182, h2 ,[::1]:2183,[fe80::1],h3:/app/x");
        assert_eq!(
            cs.hosts,
            vec![
                HostPort::new("h1", 2182),
                HostPort::new("h2", 2181),
                HostPort::new("::1", 2183),
                HostPort::new("fe80::1", 2181),
                HostPort::new("h3", 2181),
            ]
        );
        assert_eq!(cs.chroot.root(), Some("/app/x"));
        assert_eq!(parse("h/").chroot.root(), None);
        assert_eq!(HostPort::new("::1", 2183).to_string(), "[::1]:2183");
    }

    #[test]
    fn rejects_malformed_entries() {
        for bad in [
            "",
            " , ",
            "[::1",
            "[::1]x",
            "[::1]:",
            "h:notaport",
            "h:70000",
            "h/bad/",
        ] {
            assert!(bad.parse::<ConnectString>().is_err(), "{bad:?}");
        }
    }
}
