//! The server's direction of the protocol: request bodies as a server reads them, and the
//! multi replies as a server writes them.
//!
//! Most records are already both-ways (every [`jute_record!`](crate::jute) struct encodes and
//! decodes). What a server needs beyond them is a decoder that picks the record by opcode,
//! including the multi encoding, whose length is known only from its terminator, and an
//! encoder for multi results, which a client only ever reads.

use bytes::BufMut;

use super::data::Stat;
use super::headers::{AuthPacket, ErrorResponse, MultiHeader};
use super::ops::{
    AddWatchRequest, CheckVersionRequest, Create2Response, CreateRequest, CreateResponse,
    CreateTtlRequest, DeleteRequest, GetChildrenResponse, GetDataResponse, GetSaslRequest,
    PathRequest, PathWatchRequest, ReconfigRequest, SetAclRequest, SetDataRequest, SetWatches,
    SetWatches2, WatchesRequest,
};
use crate::jute::{DecodeError, Reader, Record};
use crate::opcode::OpCode;

/// The body that follows a [`RequestHeader`](super::RequestHeader), chosen by its opcode.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestBody {
    /// No body: ping (11), closeSession (-11) and whoAmI (107).
    Empty,
    /// create (1), create2 (15) and createContainer (19).
    Create(CreateRequest),
    /// createTTL (21).
    CreateTtl(CreateTtlRequest),
    /// delete (2).
    Delete(DeleteRequest),
    /// exists (3), getData (4), getChildren (8) and getChildren2 (12).
    PathWatch(PathWatchRequest),
    /// setData (5).
    SetData(SetDataRequest),
    /// getACL (6), sync (9), getEphemerals (103) and getAllChildrenNumber (104).
    Path(PathRequest),
    /// setACL (7).
    SetAcl(SetAclRequest),
    /// check (13).
    Check(CheckVersionRequest),
    /// multi (14) and multiRead (22): the sub-operations in order.
    Multi(Vec<MultiRequestOp>),
    /// reconfig (16).
    Reconfig(ReconfigRequest),
    /// checkWatches (17) and removeWatches (18).
    Watches(WatchesRequest),
    /// addWatch (106).
    AddWatch(AddWatchRequest),
    /// setWatches (101).
    SetWatches(SetWatches),
    /// setWatches2 (105).
    SetWatches2(SetWatches2),
    /// auth (100).
    Auth(AuthPacket),
    /// sasl (102).
    Sasl(GetSaslRequest),
}

/// One operation inside a multi or multiRead request: its type from the [`MultiHeader`] and
/// its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiRequestOp {
    /// The sub-operation's opcode.
    pub op: OpCode,
    /// Its record.
    pub body: RequestBody,
}

impl RequestBody {
    /// Decodes the body of a request with opcode `op` from `r`.
    ///
    /// Trailing bytes are left in `r`; ZooKeeper ignores them.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidValue`] for an opcode a client never sends (notification,
    /// deleteContainer, createSession, error) and for a multi sub-operation of a type that
    /// has no request record; any other [`DecodeError`] for a truncated or malformed body.
    /// A server answers both with MarshallingError, except that an opcode it does not know
    /// gets Unimplemented.
    pub fn decode(op: OpCode, r: &mut Reader) -> Result<RequestBody, DecodeError> {
        Ok(match op {
            OpCode::Ping | OpCode::CloseSession | OpCode::WhoAmI => RequestBody::Empty,
            OpCode::Create | OpCode::Create2 | OpCode::CreateContainer => {
                RequestBody::Create(CreateRequest::decode(r)?)
            }
            OpCode::CreateTtl => RequestBody::CreateTtl(CreateTtlRequest::decode(r)?),
            OpCode::Delete => RequestBody::Delete(DeleteRequest::decode(r)?),
            OpCode::Exists | OpCode::GetData | OpCode::GetChildren | OpCode::GetChildren2 => {
                RequestBody::PathWatch(PathWatchRequest::decode(r)?)
            }
            OpCode::SetData => RequestBody::SetData(SetDataRequest::decode(r)?),
            OpCode::GetAcl
            | OpCode::Sync
            | OpCode::GetEphemerals
            | OpCode::GetAllChildrenNumber => RequestBody::Path(PathRequest::decode(r)?),
            OpCode::SetAcl => RequestBody::SetAcl(SetAclRequest::decode(r)?),
            OpCode::Check => RequestBody::Check(CheckVersionRequest::decode(r)?),
            OpCode::Multi | OpCode::MultiRead => RequestBody::Multi(decode_multi(r)?),
            OpCode::Reconfig => RequestBody::Reconfig(ReconfigRequest::decode(r)?),
            OpCode::CheckWatches | OpCode::RemoveWatches => {
                RequestBody::Watches(WatchesRequest::decode(r)?)
            }
            OpCode::AddWatch => RequestBody::AddWatch(AddWatchRequest::decode(r)?),
            OpCode::SetWatches => RequestBody::SetWatches(SetWatches::decode(r)?),
            OpCode::SetWatches2 => RequestBody::SetWatches2(SetWatches2::decode(r)?),
            OpCode::Auth => RequestBody::Auth(AuthPacket::decode(r)?),
            OpCode::Sasl => RequestBody::Sasl(GetSaslRequest::decode(r)?),
            OpCode::Notification
            | OpCode::DeleteContainer
            | OpCode::CreateSession
            | OpCode::Error => {
                return Err(DecodeError::InvalidValue {
                    what: "request opcode",
                    value: i64::from(op.code()),
                });
            }
        })
    }

    /// Appends the body's encoding (what a client writes after the request header).
    pub fn encode<B: BufMut>(&self, buf: &mut B) {
        match self {
            RequestBody::Empty => {}
            RequestBody::Create(r) => r.encode(buf),
            RequestBody::CreateTtl(r) => r.encode(buf),
            RequestBody::Delete(r) => r.encode(buf),
            RequestBody::PathWatch(r) => r.encode(buf),
            RequestBody::SetData(r) => r.encode(buf),
            RequestBody::Path(r) => r.encode(buf),
            RequestBody::SetAcl(r) => r.encode(buf),
            RequestBody::Check(r) => r.encode(buf),
            RequestBody::Multi(ops) => {
                for op in ops {
                    MultiHeader {
                        op: op.op.code(),
                        done: false,
                        err: -1,
                    }
                    .encode(buf);
                    op.body.encode(buf);
                }
                MULTI_END.encode(buf);
            }
            RequestBody::Reconfig(r) => r.encode(buf),
            RequestBody::Watches(r) => r.encode(buf),
            RequestBody::AddWatch(r) => r.encode(buf),
            RequestBody::SetWatches(r) => r.encode(buf),
            RequestBody::SetWatches2(r) => r.encode(buf),
            RequestBody::Auth(r) => r.encode(buf),
            RequestBody::Sasl(r) => r.encode(buf),
        }
    }
}

/// The terminator of a multi request or reply.
const MULTI_END: MultiHeader = MultiHeader {
    op: -1,
    done: true,
    err: -1,
};

/// Reads sub-operations until the terminator. Each one consumes at least its 9-byte header,
/// so a hostile body ends in [`DecodeError::UnexpectedEof`] after at most `len / 9` steps.
fn decode_multi(r: &mut Reader) -> Result<Vec<MultiRequestOp>, DecodeError> {
    let mut ops = Vec::new();
    loop {
        let header = MultiHeader::decode(r)?;
        if header.done {
            return Ok(ops);
        }
        let op = OpCode::from_code(header.op).ok_or(DecodeError::InvalidValue {
            what: "multi op type",
            value: i64::from(header.op),
        })?;
        let body = match op {
            OpCode::Create | OpCode::Create2 | OpCode::CreateContainer => {
                RequestBody::Create(CreateRequest::decode(r)?)
            }
            OpCode::CreateTtl => RequestBody::CreateTtl(CreateTtlRequest::decode(r)?),
            OpCode::Delete => RequestBody::Delete(DeleteRequest::decode(r)?),
            OpCode::SetData => RequestBody::SetData(SetDataRequest::decode(r)?),
            OpCode::Check => RequestBody::Check(CheckVersionRequest::decode(r)?),
            OpCode::GetData | OpCode::GetChildren => {
                RequestBody::PathWatch(PathWatchRequest::decode(r)?)
            }
            _ => {
                return Err(DecodeError::InvalidValue {
                    what: "multi op type",
                    value: i64::from(header.op),
                });
            }
        };
        ops.push(MultiRequestOp { op, body });
    }
}

/// One result of a multi or multiRead reply, as the server writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultiOpResponse {
    /// Type 1: a create, with the created path only (3.8 and older also send this for create2).
    Create(CreateResponse),
    /// Type 15: a create2, createContainer or createTTL, with the new node's Stat.
    Create2(Create2Response),
    /// Type 2: a delete.
    Delete,
    /// Type 5: a setData, with the node's new Stat.
    SetData(Stat),
    /// Type 13: a check.
    Check,
    /// Type 4: a getData inside multiRead.
    GetData(GetDataResponse),
    /// Type 8: a getChildren inside multiRead.
    GetChildren(GetChildrenResponse),
    /// Type -1: an error result. In a failed transaction every result is one: 0 for the
    /// operations before the failing one, its code for it, -2 for those after.
    Error(i32),
}

impl MultiOpResponse {
    /// The result type written in the [`MultiHeader`].
    pub fn op_type(&self) -> i32 {
        match self {
            MultiOpResponse::Create(_) => OpCode::Create.code(),
            MultiOpResponse::Create2(_) => OpCode::Create2.code(),
            MultiOpResponse::Delete => OpCode::Delete.code(),
            MultiOpResponse::SetData(_) => OpCode::SetData.code(),
            MultiOpResponse::Check => OpCode::Check.code(),
            MultiOpResponse::GetData(_) => OpCode::GetData.code(),
            MultiOpResponse::GetChildren(_) => OpCode::GetChildren.code(),
            MultiOpResponse::Error(_) => OpCode::Error.code(),
        }
    }

    fn header(&self) -> MultiHeader {
        MultiHeader {
            op: self.op_type(),
            done: false,
            // The code appears twice for an error result: here and in its ErrorResponse.
            err: match self {
                MultiOpResponse::Error(err) => *err,
                _ => 0,
            },
        }
    }

    fn body_len(&self) -> usize {
        match self {
            MultiOpResponse::Create(r) => r.encoded_len(),
            MultiOpResponse::Create2(r) => r.encoded_len(),
            MultiOpResponse::Delete | MultiOpResponse::Check => 0,
            MultiOpResponse::SetData(stat) => stat.encoded_len(),
            MultiOpResponse::GetData(r) => r.encoded_len(),
            MultiOpResponse::GetChildren(r) => r.encoded_len(),
            MultiOpResponse::Error(_) => 4,
        }
    }
}

/// The body of a multi (14) or multiRead (22) reply: the results, then the terminator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiResponse {
    /// One result per sub-operation, in request order.
    pub results: Vec<MultiOpResponse>,
}

const MULTI_HEADER_LEN: usize = 9;

impl Record for MultiResponse {
    const MIN_LEN: usize = MULTI_HEADER_LEN;

    fn encode<B: BufMut>(&self, buf: &mut B) {
        for result in &self.results {
            result.header().encode(buf);
            match result {
                MultiOpResponse::Create(r) => r.encode(buf),
                MultiOpResponse::Create2(r) => r.encode(buf),
                MultiOpResponse::Delete | MultiOpResponse::Check => {}
                MultiOpResponse::SetData(stat) => stat.encode(buf),
                MultiOpResponse::GetData(r) => r.encode(buf),
                MultiOpResponse::GetChildren(r) => r.encode(buf),
                MultiOpResponse::Error(err) => ErrorResponse { err: *err }.encode(buf),
            }
        }
        MULTI_END.encode(buf);
    }

    fn encoded_len(&self) -> usize {
        self.results
            .iter()
            .map(|r| MULTI_HEADER_LEN + r.body_len())
            .sum::<usize>()
            + MULTI_HEADER_LEN
    }

    /// Decodes by result type, as a client must (a server may answer a create2 with type 1).
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut results = Vec::new();
        loop {
            let header = MultiHeader::decode(r)?;
            if header.done {
                return Ok(MultiResponse { results });
            }
            results.push(match header.op {
                1 => MultiOpResponse::Create(CreateResponse::decode(r)?),
                15 | 19 | 21 => MultiOpResponse::Create2(Create2Response::decode(r)?),
                2 => MultiOpResponse::Delete,
                5 => MultiOpResponse::SetData(Stat::decode(r)?),
                13 => MultiOpResponse::Check,
                4 => MultiOpResponse::GetData(GetDataResponse::decode(r)?),
                8 => MultiOpResponse::GetChildren(GetChildrenResponse::decode(r)?),
                -1 => MultiOpResponse::Error(ErrorResponse::decode(r)?.err),
                other => {
                    return Err(DecodeError::InvalidValue {
                        what: "multi result type",
                        value: i64::from(other),
                    });
                }
            });
        }
    }
}
