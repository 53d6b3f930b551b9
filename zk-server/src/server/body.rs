//! Reply bodies: the record that follows a reply header, by request type.

use bytes::BufMut;
use zk_proto::jute::Record;
use zk_proto::records::server::MultiResponse;
use zk_proto::records::{
    Create2Response, CreateResponse, ErrorResponse, GetAclResponse, GetAllChildrenNumberResponse,
    GetChildren2Response, GetChildrenResponse, GetDataResponse, GetEphemeralsResponse,
    SetSaslResponse, StatResponse, SyncResponse, WhoAmIResponse,
};

/// What follows the header of a successful reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Body {
    /// Nothing: delete, setWatches, checkWatches, removeWatches, auth, ping, closeSession.
    None,
    Create(CreateResponse),
    Create2(Create2Response),
    Stat(StatResponse),
    Data(GetDataResponse),
    Acl(GetAclResponse),
    Children(GetChildrenResponse),
    Children2(GetChildren2Response),
    Sync(SyncResponse),
    Multi(MultiResponse),
    Ephemerals(GetEphemeralsResponse),
    Count(GetAllChildrenNumberResponse),
    WhoAmI(WhoAmIResponse),
    /// addWatch's success body, a bare 0.
    Error(ErrorResponse),
    Sasl(SetSaslResponse),
}

impl Body {
    pub(super) fn encode<B: BufMut>(&self, buf: &mut B) {
        match self {
            Body::None => {}
            Body::Create(r) => r.encode(buf),
            Body::Create2(r) => r.encode(buf),
            Body::Stat(r) => r.encode(buf),
            Body::Data(r) => r.encode(buf),
            Body::Acl(r) => r.encode(buf),
            Body::Children(r) => r.encode(buf),
            Body::Children2(r) => r.encode(buf),
            Body::Sync(r) => r.encode(buf),
            Body::Multi(r) => r.encode(buf),
            Body::Ephemerals(r) => r.encode(buf),
            Body::Count(r) => r.encode(buf),
            Body::WhoAmI(r) => r.encode(buf),
            Body::Error(r) => r.encode(buf),
            Body::Sasl(r) => r.encode(buf),
        }
    }
}
