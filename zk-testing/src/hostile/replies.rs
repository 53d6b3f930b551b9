//! The honest answers: a reply for each request a client commonly sends, with canned bodies.
//! Nothing is stored; the server only has to look alive.

use bytes::Bytes;
use zk_proto::frame::write_frame;
use zk_proto::jute::{Reader, Record};
use zk_proto::records::{
    Create2Response, CreateResponse, GetChildren2Response, GetChildrenResponse, GetDataResponse,
    ReplyHeader, Stat, StatResponse, SyncResponse,
};

/// The data every getData is answered with.
pub const CANNED_DATA: &[u8] = b"hostile";

/// Opcodes (`docs/protocol.md#opcodes`) the replies depend on.
pub(super) mod op {
    pub(crate) const CREATE: i32 = 1;
    pub(crate) const DELETE: i32 = 2;
    pub(crate) const EXISTS: i32 = 3;
    pub(crate) const GET_DATA: i32 = 4;
    pub(crate) const SET_DATA: i32 = 5;
    pub(crate) const SET_ACL: i32 = 7;
    pub(crate) const GET_CHILDREN: i32 = 8;
    pub(crate) const SYNC: i32 = 9;
    pub(crate) const PING: i32 = 11;
    pub(crate) const GET_CHILDREN2: i32 = 12;
    pub(crate) const CREATE2: i32 = 15;
    pub(crate) const CHECK_WATCHES: i32 = 17;
    pub(crate) const REMOVE_WATCHES: i32 = 18;
    pub(crate) const CREATE_CONTAINER: i32 = 19;
    pub(crate) const CREATE_TTL: i32 = 21;
    pub(crate) const AUTH: i32 = 100;
    pub(crate) const SET_WATCHES: i32 = 101;
    pub(crate) const SET_WATCHES2: i32 = 105;
    pub(crate) const CLOSE_SESSION: i32 = -11;
}

/// -6, Unimplemented: the answer to anything else.
const UNIMPLEMENTED: i32 = -6;

/// The Stat of every node this server pretends to hold.
fn canned_stat(zxid: i64, data_length: usize) -> Stat {
    Stat {
        czxid: 1,
        mzxid: zxid,
        pzxid: 1,
        data_length: i32::try_from(data_length).unwrap_or(i32::MAX),
        ..Stat::default()
    }
}

/// Appends the framed honest reply to a request (`xid`, `op`, then `body`).
pub(super) fn honest_reply(out: &mut Vec<u8>, xid: i32, op: i32, body: Bytes, zxid: i64) {
    let header = |err| ReplyHeader { xid, zxid, err };
    // Every request that names a node starts with its path.
    let path = || String::decode(&mut Reader::new(body.clone())).unwrap_or_else(|_| "/".to_owned());
    write_frame(out, |b| match op {
        op::EXISTS | op::SET_DATA | op::SET_ACL => {
            header(0).encode(b);
            StatResponse {
                stat: canned_stat(zxid, CANNED_DATA.len()),
            }
            .encode(b);
        }
        op::GET_DATA => {
            header(0).encode(b);
            GetDataResponse {
                data: Some(Bytes::from_static(CANNED_DATA)),
                stat: canned_stat(zxid, CANNED_DATA.len()),
            }
            .encode(b);
        }
        op::CREATE => {
            header(0).encode(b);
            CreateResponse { path: path() }.encode(b);
        }
        op::CREATE2 | op::CREATE_CONTAINER | op::CREATE_TTL => {
            header(0).encode(b);
            Create2Response {
                path: path(),
                stat: canned_stat(zxid, 0),
            }
            .encode(b);
        }
        op::GET_CHILDREN => {
            header(0).encode(b);
            GetChildrenResponse::default().encode(b);
        }
        op::GET_CHILDREN2 => {
            header(0).encode(b);
            GetChildren2Response {
                children: Vec::new(),
                stat: canned_stat(zxid, 0),
            }
            .encode(b);
        }
        op::SYNC => {
            header(0).encode(b);
            SyncResponse { path: path() }.encode(b);
        }
        op::PING
        | op::AUTH
        | op::CLOSE_SESSION
        | op::DELETE
        | op::SET_WATCHES
        | op::SET_WATCHES2
        | op::CHECK_WATCHES
        | op::REMOVE_WATCHES => header(0).encode(b),
        _ => header(UNIMPLEMENTED).encode(b),
    });
}

/// Appends a framed reply header alone.
pub(super) fn bare_header(out: &mut Vec<u8>, xid: i32, zxid: i64, err: i32) {
    write_frame(out, |b| ReplyHeader { xid, zxid, err }.encode(b));
}
