//! Every jute record of the client protocol (`docs/protocol.md#records`), with its wire encoding.
//!
//! Records with the same fields share one type: [`PathWatchRequest`] serves exists, getData,
//! getChildren and getChildren2; [`PathRequest`] serves getACL, sync, getEphemerals and
//! getAllChildrenNumber; [`StatResponse`] serves exists, setData and setACL replies;
//! [`WatchesRequest`] serves checkWatches and removeWatches. The wire bytes are identical.

mod data;
mod headers;
mod ops;
pub mod server;
mod session;

pub use data::{Acl, ClientInfo, Id, Perms, Stat};
pub use headers::{
    AuthPacket, ErrorResponse, MultiHeader, ReplyHeader, RequestHeader, WatcherEvent,
};
pub use ops::{
    AddWatchRequest, CheckVersionRequest, Create2Response, CreateRequest, CreateResponse,
    CreateTtlRequest, DeleteRequest, GetAclResponse, GetAllChildrenNumberResponse,
    GetChildren2Response, GetChildrenResponse, GetDataResponse, GetEphemeralsResponse,
    GetSaslRequest, PathRequest, PathWatchRequest, ReconfigRequest, SetAclRequest, SetDataRequest,
    SetSaslResponse, SetWatches, SetWatches2, StatResponse, SyncResponse, WatchesRequest,
    WhoAmIResponse,
};
pub use session::{ConnectRequest, ConnectResponse};
