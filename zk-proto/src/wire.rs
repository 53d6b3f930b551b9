//! Request bodies as they go on the wire, after validation and the chroot mapping.

use bytes::BufMut;

use crate::jute::Record;
use crate::opcode::OpCode;
use crate::records::{
    AddWatchRequest, AuthPacket, CheckVersionRequest, CreateRequest, CreateTtlRequest,
    DeleteRequest, GetSaslRequest, MultiHeader, PathRequest, PathWatchRequest, ReconfigRequest,
    RequestHeader, SetAclRequest, SetDataRequest, SetWatches, SetWatches2, WatchesRequest,
};

/// The record following a request header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    /// No body (ping, whoAmI, closeSession).
    Empty,
    Create(CreateRequest),
    CreateTtl(CreateTtlRequest),
    Delete(DeleteRequest),
    PathWatch(PathWatchRequest),
    SetData(SetDataRequest),
    Path(PathRequest),
    SetAcl(SetAclRequest),
    Check(CheckVersionRequest),
    /// multi (14) or multiRead (22): sub-ops, each with its own type.
    Multi(Vec<(OpCode, Body)>),
    Reconfig(ReconfigRequest),
    Watches(WatchesRequest),
    AddWatch(AddWatchRequest),
    SetWatches(SetWatches),
    SetWatches2(SetWatches2),
    Auth(AuthPacket),
    Sasl(GetSaslRequest),
}

const MULTI_HEADER_LEN: usize = 9;

impl Body {
    pub(crate) fn encode<B: BufMut>(&self, buf: &mut B) {
        match self {
            Body::Empty => {}
            Body::Create(r) => r.encode(buf),
            Body::CreateTtl(r) => r.encode(buf),
            Body::Delete(r) => r.encode(buf),
            Body::PathWatch(r) => r.encode(buf),
            Body::SetData(r) => r.encode(buf),
            Body::Path(r) => r.encode(buf),
            Body::SetAcl(r) => r.encode(buf),
            Body::Check(r) => r.encode(buf),
            Body::Multi(ops) => {
                for (op, body) in ops {
                    MultiHeader {
                        op: op.code(),
                        done: false,
                        err: -1,
                    }
                    .encode(buf);
                    body.encode(buf);
                }
                MultiHeader {
                    op: -1,
                    done: true,
                    err: -1,
                }
                .encode(buf);
            }
            Body::Reconfig(r) => r.encode(buf),
            Body::Watches(r) => r.encode(buf),
            Body::AddWatch(r) => r.encode(buf),
            Body::SetWatches(r) => r.encode(buf),
            Body::SetWatches2(r) => r.encode(buf),
            Body::Auth(r) => r.encode(buf),
            Body::Sasl(r) => r.encode(buf),
        }
    }

    pub(crate) fn encoded_len(&self) -> usize {
        match self {
            Body::Empty => 0,
            Body::Create(r) => r.encoded_len(),
            Body::CreateTtl(r) => r.encoded_len(),
            Body::Delete(r) => r.encoded_len(),
            Body::PathWatch(r) => r.encoded_len(),
            Body::SetData(r) => r.encoded_len(),
            Body::Path(r) => r.encoded_len(),
            Body::SetAcl(r) => r.encoded_len(),
            Body::Check(r) => r.encoded_len(),
            Body::Multi(ops) => {
                ops.iter()
                    .map(|(_, body)| MULTI_HEADER_LEN + body.encoded_len())
                    .sum::<usize>()
                    + MULTI_HEADER_LEN
            }
            Body::Reconfig(r) => r.encoded_len(),
            Body::Watches(r) => r.encoded_len(),
            Body::AddWatch(r) => r.encoded_len(),
            Body::SetWatches(r) => r.encoded_len(),
            Body::SetWatches2(r) => r.encoded_len(),
            Body::Auth(r) => r.encoded_len(),
            Body::Sasl(r) => r.encoded_len(),
        }
    }
}

/// Length of a whole request frame's payload: header plus body.
pub(crate) fn frame_payload_len(body: &Body) -> usize {
    8 + body.encoded_len()
}

/// Appends one whole request frame (length prefix, header, body) to `out`.
pub(crate) fn write_request(out: &mut Vec<u8>, xid: i32, op: OpCode, body: &Body) {
    let payload = frame_payload_len(body);
    out.reserve(4 + payload);
    (i32::try_from(payload).unwrap_or(i32::MAX)).encode(out);
    RequestHeader { xid, op: op.code() }.encode(out);
    body.encode(out);
}
