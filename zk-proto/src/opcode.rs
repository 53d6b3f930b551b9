//! Operation codes (`docs/protocol.md#opcodes`).

use crate::version::ServerVersion;

/// A request type, as carried in [`RequestHeader::op`](crate::records::RequestHeader).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OpCode {
    /// 0: the type of server notifications; never sent.
    Notification,
    /// 1: create a node, reply with its path.
    Create,
    /// 2: delete a node.
    Delete,
    /// 3: Stat of a node, optionally watching it.
    Exists,
    /// 4: data and Stat of a node.
    GetData,
    /// 5: set a node's data.
    SetData,
    /// 6: a node's ACL.
    GetAcl,
    /// 7: set a node's ACL.
    SetAcl,
    /// 8: a node's children.
    GetChildren,
    /// 9: sync the server with the leader.
    Sync,
    /// 11: keep-alive.
    Ping,
    /// 12: a node's children and Stat.
    GetChildren2,
    /// 13: version check, only inside multi.
    Check,
    /// 14: atomic transaction.
    Multi,
    /// 15: create a node, reply with its path and Stat.
    Create2,
    /// 16: change the ensemble membership.
    Reconfig,
    /// 17: check that a watch exists.
    CheckWatches,
    /// 18: remove watches.
    RemoveWatches,
    /// 19: create a container node.
    CreateContainer,
    /// 20: server-internal container deletion; never sent.
    DeleteContainer,
    /// 21: create a node with a TTL.
    CreateTtl,
    /// 22: several reads in one request.
    MultiRead,
    /// 100: add an authentication credential.
    Auth,
    /// 101: re-register one-shot watches after a reconnect.
    SetWatches,
    /// 102: a SASL token.
    Sasl,
    /// 103: the session's ephemeral nodes.
    GetEphemerals,
    /// 104: count all descendants of a node.
    GetAllChildrenNumber,
    /// 105: re-register one-shot and persistent watches after a reconnect.
    SetWatches2,
    /// 106: add a persistent (recursive) watch.
    AddWatch,
    /// 107: the connection's authenticated identities.
    WhoAmI,
    /// -10: server-internal; the ConnectRequest plays this role.
    CreateSession,
    /// -11: close the session.
    CloseSession,
    /// -1: the type of an error result inside a multi reply.
    Error,
}

impl OpCode {
    /// Every opcode, for tables and tests.
    pub const ALL: [OpCode; 33] = [
        OpCode::Notification,
        OpCode::Create,
        OpCode::Delete,
        OpCode::Exists,
        OpCode::GetData,
        OpCode::SetData,
        OpCode::GetAcl,
        OpCode::SetAcl,
        OpCode::GetChildren,
        OpCode::Sync,
        OpCode::Ping,
        OpCode::GetChildren2,
        OpCode::Check,
        OpCode::Multi,
        OpCode::Create2,
        OpCode::Reconfig,
        OpCode::CheckWatches,
        OpCode::RemoveWatches,
        OpCode::CreateContainer,
        OpCode::DeleteContainer,
        OpCode::CreateTtl,
        OpCode::MultiRead,
        OpCode::Auth,
        OpCode::SetWatches,
        OpCode::Sasl,
        OpCode::GetEphemerals,
        OpCode::GetAllChildrenNumber,
        OpCode::SetWatches2,
        OpCode::AddWatch,
        OpCode::WhoAmI,
        OpCode::CreateSession,
        OpCode::CloseSession,
        OpCode::Error,
    ];

    /// The wire value.
    pub const fn code(self) -> i32 {
        match self {
            OpCode::Notification => 0,
            OpCode::Create => 1,
            OpCode::Delete => 2,
            OpCode::Exists => 3,
            OpCode::GetData => 4,
            OpCode::SetData => 5,
            OpCode::GetAcl => 6,
            OpCode::SetAcl => 7,
            OpCode::GetChildren => 8,
            OpCode::Sync => 9,
            OpCode::Ping => 11,
            OpCode::GetChildren2 => 12,
            OpCode::Check => 13,
            OpCode::Multi => 14,
            OpCode::Create2 => 15,
            OpCode::Reconfig => 16,
            OpCode::CheckWatches => 17,
            OpCode::RemoveWatches => 18,
            OpCode::CreateContainer => 19,
            OpCode::DeleteContainer => 20,
            OpCode::CreateTtl => 21,
            OpCode::MultiRead => 22,
            OpCode::Auth => 100,
            OpCode::SetWatches => 101,
            OpCode::Sasl => 102,
            OpCode::GetEphemerals => 103,
            OpCode::GetAllChildrenNumber => 104,
            OpCode::SetWatches2 => 105,
            OpCode::AddWatch => 106,
            OpCode::WhoAmI => 107,
            OpCode::CreateSession => -10,
            OpCode::CloseSession => -11,
            OpCode::Error => -1,
        }
    }

    /// The opcode for a wire value, if it is one.
    pub fn from_code(code: i32) -> Option<OpCode> {
        OpCode::ALL.into_iter().find(|op| op.code() == code)
    }

    /// The first server release that accepts this opcode from a client. Sending an opcode to
    /// an older server gets Unimplemented and a closed connection (`docs/protocol.md#opcodes`).
    pub const fn since(self) -> ServerVersion {
        match self {
            OpCode::Check | OpCode::Multi | OpCode::Sasl => ServerVersion::V3_4_0,
            OpCode::Create2 | OpCode::Reconfig | OpCode::CheckWatches | OpCode::RemoveWatches => {
                ServerVersion::V3_5_0
            }
            OpCode::CreateContainer | OpCode::DeleteContainer => ServerVersion::V3_5_1,
            OpCode::CreateTtl => ServerVersion::V3_5_3,
            OpCode::MultiRead
            | OpCode::GetEphemerals
            | OpCode::GetAllChildrenNumber
            | OpCode::SetWatches2
            | OpCode::AddWatch => ServerVersion::V3_6_0,
            OpCode::WhoAmI => ServerVersion::V3_7_0,
            _ => ServerVersion::new(3, 0, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OpCode;

    #[test]
    fn codes_are_unique_and_round_trip() {
        for op in OpCode::ALL {
            assert_eq!(OpCode::from_code(op.code()), Some(op));
        }
        assert_eq!(OpCode::from_code(10), None);
        assert_eq!(OpCode::from_code(200), None);
    }
}
