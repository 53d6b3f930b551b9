//! What differs between ZooKeeper releases in what a client can observe, so that the server
//! can answer as the release named by [`ServerConfig::version`](crate::ServerConfig::version)
//! does, and a client's version gating can be tested against each.
//!
//! Covered: which opcodes exist (others get Unimplemented and a close), the zxid in
//! notification headers (3.9), create results inside multi, the persistent watcher types of
//! checkWatches/removeWatches (3.9), the READ check of exists and the READ filter on
//! notifications (3.8.4, 3.9.2), the read-only byte of 3.9.0 to 3.9.2, and before 3.9 one
//! watch mode per path and connection, recursive watches in the child manager too, a
//! checkWatches that answers for any connection, and a removeWatches that ignores modes.

use zk_proto::{OpCode, ServerVersion};

const fn v(major: u16, minor: u16, patch: u16) -> ServerVersion {
    ServerVersion::new(major, minor, patch)
}

/// The behaviour of one release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Personality(pub(crate) ServerVersion);

impl Personality {
    /// Whether the release knows the opcode.
    pub(crate) fn accepts(self, op: OpCode) -> bool {
        op.since() <= self.0
    }

    /// The zxid a notification caused by transaction `zxid` carries: the zxid from 3.9,
    /// -1 before.
    pub(crate) fn event_zxid(self, zxid: i64) -> i64 {
        if self.0 >= ServerVersion::V3_9_0 {
            zxid
        } else {
            -1
        }
    }

    /// Whether a create of opcode `op` inside multi answers with its Stat (type 15): from
    /// 3.9 for all three; from 3.6 for createContainer and createTTL only (3.8 answers a
    /// create2 as a create).
    pub(crate) fn multi_create_has_stat(self, op: OpCode) -> bool {
        match op {
            OpCode::Create2 => self.0 >= ServerVersion::V3_9_0,
            OpCode::CreateContainer | OpCode::CreateTtl => self.0 >= ServerVersion::V3_6_0,
            _ => false,
        }
    }

    /// Whether checkWatches and removeWatches know the types Persistent (4) and
    /// PersistentRecursive (5); before 3.9 they are a MarshallingError.
    pub(crate) fn persistent_watcher_types(self) -> bool {
        self.0 >= ServerVersion::V3_9_0
    }

    /// Whether a connection's registration on a path holds one mode only, checkWatches
    /// answers whether anyone watches the path, and removeWatches removes every mode
    /// (before 3.9: ZOOKEEPER-4466 and ZOOKEEPER-4471 changed all three).
    pub(crate) fn single_watch_mode(self) -> bool {
        self.0 < ServerVersion::V3_9_0
    }

    /// Whether exists needs READ on an existing node, and notifications need READ on theirs
    /// (CVE-2024-23944, ZOOKEEPER-2590: 3.8.4 and 3.9.2).
    pub(crate) fn read_acl_on_exists_and_events(self) -> bool {
        self.0 >= v(3, 9, 2) || (self.0 >= v(3, 8, 4) && self.0 < ServerVersion::V3_9_0)
    }

    /// Whether the ConnectResponse carries the read-only byte even to clients that sent
    /// none (3.9.0 to 3.9.2, ZOOKEEPER-4492, undone in 3.9.3).
    pub(crate) fn always_sends_read_only_byte(self) -> bool {
        self.0 >= ServerVersion::V3_9_0 && self.0 < v(3, 9, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_differ_where_zookeeper_changed() {
        let p = |major, minor, patch| Personality(v(major, minor, patch));
        assert!(!p(3, 4, 14).accepts(OpCode::Create2));
        assert!(p(3, 5, 0).accepts(OpCode::Create2));
        assert!(!p(3, 5, 2).accepts(OpCode::CreateTtl));
        assert!(!p(3, 6, 4).accepts(OpCode::WhoAmI));
        assert!(p(3, 7, 0).accepts(OpCode::WhoAmI));
        assert_eq!(
            (p(3, 8, 0).event_zxid(7), p(3, 9, 0).event_zxid(7)),
            (-1, 7)
        );
        assert!(!p(3, 8, 4).multi_create_has_stat(OpCode::Create2));
        assert!(p(3, 8, 4).multi_create_has_stat(OpCode::CreateTtl));
        assert!(p(3, 9, 0).multi_create_has_stat(OpCode::Create2));
        assert!(!p(3, 8, 0).read_acl_on_exists_and_events());
        assert!(p(3, 8, 4).read_acl_on_exists_and_events());
        assert!(!p(3, 9, 1).read_acl_on_exists_and_events());
        assert!(p(3, 9, 3).read_acl_on_exists_and_events());
        assert!(p(3, 9, 1).always_sends_read_only_byte());
        assert!(!p(3, 9, 3).always_sends_read_only_byte());
    }
}
