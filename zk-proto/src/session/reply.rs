//! Decoding reply bodies into [`Response`]s (`docs/protocol.md#opcodes`,
//! `docs/protocol.md#multi-responses`).
//!
//! The body is decoded only when the header's `err` is 0; otherwise the error is the outcome and
//! anything after the header is ignored, as the Java client does. Trailing bytes after a body
//! are ignored too.

use crate::ErrorCode;
use crate::error::Error;
use crate::jute::{DecodeError, Reader, Record};
use crate::path::Chroot;
use crate::records::{
    Create2Response, CreateResponse, ErrorResponse, GetAclResponse, GetAllChildrenNumberResponse,
    GetChildren2Response, GetChildrenResponse, GetDataResponse, GetEphemeralsResponse, MultiHeader,
    Stat, StatResponse, SyncResponse, WhoAmIResponse,
};
use crate::response::{MultiResult, ReadResult, Response};
use crate::session::prepare::ReplyKind;

/// The outcome carried by a reply: `Err(DecodeError)` only for a malformed body, which is a
/// protocol error.
pub(crate) fn decode_reply(
    kind: ReplyKind,
    err: i32,
    body: &mut Reader,
    chroot: &Chroot,
    client_path: Option<&str>,
) -> Result<Result<Response, Error>, DecodeError> {
    if let Some(error) = Error::from_code(err) {
        if kind == ReplyKind::Exists && error == Error::Server(ErrorCode::NoNode) {
            return Ok(Ok(Response::Exists(None)));
        }
        if kind == ReplyKind::WatchRemoved && error == Error::Server(ErrorCode::NoWatcher) {
            return Ok(Ok(Response::Done));
        }
        return Ok(Err(error));
    }
    let response = match kind {
        ReplyKind::Create { with_stat: false } => {
            let r = CreateResponse::decode(body)?;
            Response::Created {
                path: chroot.to_client_owned(r.path),
                stat: None,
            }
        }
        ReplyKind::Create { with_stat: true } => {
            let r = Create2Response::decode(body)?;
            Response::Created {
                path: chroot.to_client_owned(r.path),
                stat: Some(r.stat),
            }
        }
        ReplyKind::Exists => Response::Exists(Some(StatResponse::decode(body)?.stat)),
        ReplyKind::Data => {
            let r = GetDataResponse::decode(body)?;
            Response::Data {
                data: r.data.unwrap_or_default(),
                stat: r.stat,
            }
        }
        ReplyKind::Stat => Response::Stat(StatResponse::decode(body)?.stat),
        ReplyKind::Acl => {
            let r = GetAclResponse::decode(body)?;
            Response::Acl {
                acl: r.acl,
                stat: r.stat,
            }
        }
        ReplyKind::Children { with_stat: false } => Response::Children {
            children: GetChildrenResponse::decode(body)?.children,
            stat: None,
        },
        ReplyKind::Children { with_stat: true } => {
            let r = GetChildren2Response::decode(body)?;
            Response::Children {
                children: r.children,
                stat: Some(r.stat),
            }
        }
        ReplyKind::Sync => {
            let r = SyncResponse::decode(body)?;
            Response::Synced(match client_path {
                Some(path) => path.to_owned(),
                None => chroot.to_client_owned(r.path),
            })
        }
        ReplyKind::Multi => Response::Multi(decode_multi(body, chroot)?),
        ReplyKind::MultiRead => Response::MultiRead(decode_multi_read(body)?),
        ReplyKind::Ephemerals => {
            let r = GetEphemeralsResponse::decode(body)?;
            let root = chroot.root();
            Response::Ephemerals(
                r.ephemerals
                    .into_iter()
                    // The prefix is a plain string prefix: with chroot /app it also matches
                    // /apple/x, which is outside the chroot and not ours to report.
                    .filter(|p| root.is_none_or(|root| within(p, root)))
                    .map(|p| chroot.to_client_owned(p))
                    .collect(),
            )
        }
        ReplyKind::Count => {
            Response::Count(GetAllChildrenNumberResponse::decode(body)?.total_number)
        }
        ReplyKind::WhoAmI => Response::WhoAmI(WhoAmIResponse::decode(body)?.client_info),
        ReplyKind::Done | ReplyKind::WatchRemoved => Response::Done,
    };
    Ok(Ok(response))
}

fn within(path: &str, root: &str) -> bool {
    path.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Decodes multi results by their result type, not by what was asked: servers up to 3.8
/// downgrade create2 sub-results to create (type 1, no Stat), and a failed transaction turns
/// every result into an error result (`docs/protocol.md#multi-responses`,
/// `docs/protocol.md#transaction-failure`).
fn decode_multi(body: &mut Reader, chroot: &Chroot) -> Result<Vec<MultiResult>, DecodeError> {
    let mut results = Vec::new();
    loop {
        let header = MultiHeader::decode(body)?;
        if header.done {
            return Ok(results);
        }
        results.push(match header.op {
            1 => MultiResult::Created {
                path: chroot.to_client_owned(CreateResponse::decode(body)?.path),
                stat: None,
            },
            15 | 19 | 21 => {
                let r = Create2Response::decode(body)?;
                MultiResult::Created {
                    path: chroot.to_client_owned(r.path),
                    stat: Some(r.stat),
                }
            }
            2 => MultiResult::Deleted,
            5 => MultiResult::SetData(Stat::decode(body)?),
            13 => MultiResult::Checked,
            -1 => match Error::from_code(ErrorResponse::decode(body)?.err) {
                None => MultiResult::RolledBack,
                Some(err) => MultiResult::Error(err),
            },
            other => {
                return Err(DecodeError::InvalidValue {
                    what: "multi result type",
                    value: i64::from(other),
                });
            }
        });
    }
}

fn decode_multi_read(body: &mut Reader) -> Result<Vec<ReadResult>, DecodeError> {
    let mut results = Vec::new();
    loop {
        let header = MultiHeader::decode(body)?;
        if header.done {
            return Ok(results);
        }
        results.push(match header.op {
            4 => {
                let r = GetDataResponse::decode(body)?;
                ReadResult::Data {
                    data: r.data.unwrap_or_default(),
                    stat: r.stat,
                }
            }
            8 => ReadResult::Children(GetChildrenResponse::decode(body)?.children),
            // An error result saying "no error" is the server contradicting itself: reported
            // as such for this read, not as a server code it never sent.
            -1 => ReadResult::Error(
                Error::from_code(ErrorResponse::decode(body)?.err).unwrap_or(Error::Protocol {
                    reason: "a multiRead error result with code 0",
                }),
            ),
            other => {
                return Err(DecodeError::InvalidValue {
                    what: "multiRead result type",
                    value: i64::from(other),
                });
            }
        });
    }
}
