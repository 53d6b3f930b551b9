//! Data records: [`Id`], [`Acl`], [`Perms`], [`Stat`] and [`ClientInfo`]
//! (`docs/protocol.md#data-records`).

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign};

use bytes::BufMut;

use crate::jute::{DecodeError, Reader, Record, jute_record};

jute_record! {
    /// An identity: an auth scheme and an id within it, e.g. `world:anyone` or
    /// `digest:user:BASE64(SHA1(user:password))`.
    pub struct Id {
        /// The scheme: `world`, `auth`, `digest`, `ip`, `x509`, `sasl`, `super`, ...
        pub scheme: String,
        /// The id within the scheme.
        pub id: String,
    }
}

impl Id {
    /// Builds an id from its scheme and value.
    pub fn new(scheme: impl Into<String>, id: impl Into<String>) -> Self {
        Id {
            scheme: scheme.into(),
            id: id.into(),
        }
    }

    /// `world:anyone`: everybody.
    pub fn anyone() -> Self {
        Id::new("world", "anyone")
    }

    /// `auth:`: expands, on the server, to every id the session has authenticated as.
    pub fn authenticated() -> Self {
        Id::new("auth", "")
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme, self.id)
    }
}

/// Permission bits of an ACL entry (`ZooDefs.Perms`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Perms(i32);

impl Perms {
    /// No permission.
    pub const NONE: Perms = Perms(0);
    /// Read the data and list the children.
    pub const READ: Perms = Perms(1);
    /// Set the data.
    pub const WRITE: Perms = Perms(2);
    /// Create children.
    pub const CREATE: Perms = Perms(4);
    /// Delete children.
    pub const DELETE: Perms = Perms(8);
    /// Set the ACL.
    pub const ADMIN: Perms = Perms(16);
    /// Every permission.
    pub const ALL: Perms = Perms(31);

    /// The raw bit set as sent on the wire.
    pub const fn bits(self) -> i32 {
        self.0
    }

    /// Permissions from raw bits; unknown bits are kept so nothing received is lost.
    pub const fn from_bits(bits: i32) -> Self {
        Perms(bits)
    }

    /// Whether every bit of `other` is set in `self`.
    pub const fn contains(self, other: Perms) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Perms {
    type Output = Perms;
    fn bitor(self, rhs: Perms) -> Perms {
        Perms(self.0 | rhs.0)
    }
}

impl BitOrAssign for Perms {
    fn bitor_assign(&mut self, rhs: Perms) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for Perms {
    type Output = Perms;
    fn bitand(self, rhs: Perms) -> Perms {
        Perms(self.0 & rhs.0)
    }
}

impl fmt::Debug for Perms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(Perms, char); 5] = [
            (Perms::READ, 'r'),
            (Perms::WRITE, 'w'),
            (Perms::CREATE, 'c'),
            (Perms::DELETE, 'd'),
            (Perms::ADMIN, 'a'),
        ];
        let letters: String = NAMES
            .iter()
            .filter(|(p, _)| self.contains(*p))
            .map(|(_, c)| *c)
            .collect();
        write!(f, "Perms({letters:?}")?;
        if self.0 & !Perms::ALL.0 != 0 {
            write!(f, ", extra bits {:#x}", self.0 & !Perms::ALL.0)?;
        }
        write!(f, ")")
    }
}

impl Record for Perms {
    const MIN_LEN: usize = 4;
    fn encode<B: BufMut>(&self, buf: &mut B) {
        self.0.encode(buf);
    }
    fn encoded_len(&self) -> usize {
        4
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Perms(r.read_i32()?))
    }
}

jute_record! {
    /// One access-control entry: permissions granted to an id.
    pub struct Acl {
        /// What the id may do.
        pub perms: Perms,
        /// Who.
        pub id: Id,
    }
}

impl Acl {
    /// An entry granting `perms` to `id`.
    pub fn new(perms: Perms, id: Id) -> Self {
        Acl { perms, id }
    }

    /// `OPEN_ACL_UNSAFE`: every permission to everybody.
    pub fn open_unsafe() -> Vec<Acl> {
        vec![Acl::new(Perms::ALL, Id::anyone())]
    }

    /// `CREATOR_ALL_ACL`: every permission to the ids the creating session authenticated as.
    /// The server answers InvalidACL if the session has authenticated as nobody.
    pub fn creator_all() -> Vec<Acl> {
        vec![Acl::new(Perms::ALL, Id::authenticated())]
    }

    /// `READ_ACL_UNSAFE`: read permission to everybody.
    pub fn read_unsafe() -> Vec<Acl> {
        vec![Acl::new(Perms::READ, Id::anyone())]
    }
}

jute_record! {
    /// The metadata of a znode, as every read and write reply carries it (68 bytes).
    pub struct Stat {
        /// The zxid of the transaction that created the node.
        pub czxid: i64,
        /// The zxid of the last data change.
        pub mzxid: i64,
        /// Creation time, milliseconds since the epoch (the leader's wall clock).
        pub ctime: i64,
        /// Last modification time, milliseconds since the epoch.
        pub mtime: i64,
        /// Data version: the number of data changes.
        pub version: i32,
        /// Child version: creations plus deletions of children.
        pub cversion: i32,
        /// ACL version.
        pub aversion: i32,
        /// The owning session of an ephemeral node, else 0 (also 0 for containers and TTL
        /// nodes: the server masks those).
        pub ephemeral_owner: i64,
        /// Length of the data (0 for null data).
        pub data_length: i32,
        /// Number of children.
        pub num_children: i32,
        /// The zxid of the last child creation or deletion.
        pub pzxid: i64,
    }
}

impl Stat {
    /// Whether the node is ephemeral (owned by a session).
    pub fn is_ephemeral(&self) -> bool {
        self.ephemeral_owner != 0
    }
}

jute_record! {
    /// One authenticated identity of a connection, as `whoAmI` reports it (3.7+).
    pub struct ClientInfo {
        /// The auth scheme, e.g. `ip`, `digest`, `sasl`.
        pub auth_scheme: String,
        /// The user within that scheme.
        pub user: String,
    }
}
