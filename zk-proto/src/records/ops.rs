//! Request and response records of the individual operations
//! (`docs/protocol.md#operation-records`).
//!
//! These are the wire shapes. Applications use [`Request`](crate::Request) and
//! [`Response`](crate::Response), which the session maps onto these records.

use bytes::Bytes;

use super::data::{Acl, ClientInfo, Stat};
use crate::jute::jute_record;

jute_record! {
    /// create (1), create2 (15) and createContainer (19).
    pub struct CreateRequest {
        /// Server path (for sequential modes: the prefix).
        pub path: String,
        /// Initial data; `None` stores null data.
        pub data: Option<Bytes>,
        /// Initial ACL; must not be empty.
        pub acl: Vec<Acl>,
        /// Create mode flags (see [`CreateMode`](crate::CreateMode)).
        pub flags: i32,
    }
}

jute_record! {
    /// createTTL (21).
    pub struct CreateTtlRequest {
        /// Server path.
        pub path: String,
        /// Initial data.
        pub data: Option<Bytes>,
        /// Initial ACL.
        pub acl: Vec<Acl>,
        /// 5 (persistent with TTL) or 6 (persistent sequential with TTL).
        pub flags: i32,
        /// Time to live in milliseconds, `0 < ttl <= 2^40 - 1`.
        pub ttl: i64,
    }
}

jute_record! {
    /// Reply to create (1).
    pub struct CreateResponse {
        /// The created node's server path (with the sequence suffix, if any).
        pub path: String,
    }
}

jute_record! {
    /// Reply to create2 (15), createContainer (19) and createTTL (21).
    pub struct Create2Response {
        /// The created node's server path.
        pub path: String,
        /// The new node's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// delete (2).
    pub struct DeleteRequest {
        /// Server path.
        pub path: String,
        /// Expected data version, -1 for any.
        pub version: i32,
    }
}

jute_record! {
    /// exists (3), getData (4), getChildren (8) and getChildren2 (12): a path and a watch flag.
    pub struct PathWatchRequest {
        /// Server path.
        pub path: String,
        /// Whether to leave a watch.
        pub watch: bool,
    }
}

jute_record! {
    /// Reply to exists (3), setData (5) and setACL (7): a Stat alone.
    pub struct StatResponse {
        /// The node's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// Reply to getData (4) and reconfig (16).
    pub struct GetDataResponse {
        /// The node's data; `None` for null data.
        pub data: Option<Bytes>,
        /// The node's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// setData (5).
    pub struct SetDataRequest {
        /// Server path.
        pub path: String,
        /// New data.
        pub data: Option<Bytes>,
        /// Expected data version, -1 for any.
        pub version: i32,
    }
}

jute_record! {
    /// getACL (6), sync (9), getEphemerals (103) and getAllChildrenNumber (104): a path alone.
    pub struct PathRequest {
        /// Server path (for getEphemerals: a plain string prefix).
        pub path: String,
    }
}

jute_record! {
    /// Reply to getACL (6).
    pub struct GetAclResponse {
        /// The node's ACL.
        pub acl: Vec<Acl>,
        /// The node's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// setACL (7).
    pub struct SetAclRequest {
        /// Server path.
        pub path: String,
        /// The new ACL.
        pub acl: Vec<Acl>,
        /// Expected ACL version (aversion), -1 for any.
        pub version: i32,
    }
}

jute_record! {
    /// Reply to getChildren (8).
    pub struct GetChildrenResponse {
        /// Child names (not paths), in no particular order.
        pub children: Vec<String>,
    }
}

jute_record! {
    /// Reply to getChildren2 (12).
    pub struct GetChildren2Response {
        /// Child names.
        pub children: Vec<String>,
        /// The parent's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// Reply to sync (9).
    pub struct SyncResponse {
        /// The server path, echoed.
        pub path: String,
    }
}

jute_record! {
    /// check (13), valid only inside multi.
    pub struct CheckVersionRequest {
        /// Server path.
        pub path: String,
        /// Expected data version.
        pub version: i32,
    }
}

jute_record! {
    /// reconfig (16).
    pub struct ReconfigRequest {
        /// Servers to add (comma-separated specs), or null.
        pub joining_servers: Option<String>,
        /// Server ids to remove (comma-separated), or null.
        pub leaving_servers: Option<String>,
        /// The whole new membership, for a non-incremental reconfig, or null.
        pub new_members: Option<String>,
        /// The expected current config version, -1 not to check.
        pub cur_config_id: i64,
    }
}

jute_record! {
    /// checkWatches (17) and removeWatches (18).
    pub struct WatchesRequest {
        /// Server path.
        pub path: String,
        /// The watcher type (see [`WatcherType`](crate::WatcherType)).
        pub watcher_type: i32,
    }
}

jute_record! {
    /// addWatch (106).
    pub struct AddWatchRequest {
        /// Server path; the node need not exist.
        pub path: String,
        /// 0 = persistent, 1 = persistent recursive.
        pub mode: i32,
    }
}

jute_record! {
    /// setWatches (101): re-registers one-shot watches after a reconnect.
    pub struct SetWatches {
        /// The last zxid the client saw; changes after it fire at once.
        pub relative_zxid: i64,
        /// Paths with data watches.
        pub data_watches: Vec<String>,
        /// Paths with exist watches (set on missing nodes).
        pub exist_watches: Vec<String>,
        /// Paths with child watches.
        pub child_watches: Vec<String>,
    }
}

jute_record! {
    /// setWatches2 (105, 3.6+): [`SetWatches`] plus persistent watches.
    pub struct SetWatches2 {
        /// The last zxid the client saw.
        pub relative_zxid: i64,
        /// Paths with data watches.
        pub data_watches: Vec<String>,
        /// Paths with exist watches.
        pub exist_watches: Vec<String>,
        /// Paths with child watches.
        pub child_watches: Vec<String>,
        /// Paths with persistent watches.
        pub persistent_watches: Vec<String>,
        /// Paths with persistent recursive watches.
        pub persistent_recursive_watches: Vec<String>,
    }
}

jute_record! {
    /// Reply to getEphemerals (103).
    pub struct GetEphemeralsResponse {
        /// Server paths of the session's ephemeral nodes under the prefix.
        pub ephemerals: Vec<String>,
    }
}

jute_record! {
    /// Reply to getAllChildrenNumber (104).
    pub struct GetAllChildrenNumberResponse {
        /// Number of descendants, excluding the node itself.
        pub total_number: i32,
    }
}

jute_record! {
    /// Reply to whoAmI (107).
    pub struct WhoAmIResponse {
        /// The connection's authenticated identities.
        pub client_info: Vec<ClientInfo>,
    }
}

jute_record! {
    secret;
    /// sasl (102) request: a client SASL token. Its `Debug` shows only the size.
    pub struct GetSaslRequest {
        /// The token (empty for mechanisms without an initial response).
        pub token: Bytes,
    }
}

jute_record! {
    secret;
    /// sasl (102) reply: a server SASL token. Its `Debug` shows only the size.
    pub struct SetSaslResponse {
        /// The token; `None` when the server sent null (no SASL configured, or failure).
        pub token: Option<Bytes>,
    }
}

impl std::fmt::Debug for GetSaslRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetSaslRequest")
            .field("token", &crate::jute::Redacted(&self.token))
            .finish()
    }
}

impl std::fmt::Debug for SetSaslResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetSaslResponse")
            .field("token", &self.token.as_deref().map(crate::jute::Redacted))
            .finish()
    }
}
