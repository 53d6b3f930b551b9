//! Identifiers the server hands out.

use std::fmt;

/// One accepted connection, as [`Server::accept`](crate::Server::accept) numbers it.
/// Numbers are never reused within a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(u64);

impl ConnectionId {
    /// The id with number `n` (for tests and drivers that keep their own tables).
    pub fn new(n: u64) -> ConnectionId {
        ConnectionId(n)
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}
