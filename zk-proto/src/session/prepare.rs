//! Turning an application [`Request`] into a wire request: validation, the chroot, the choice
//! of opcode, and gating on what the server supports. Nothing reaches the wire unless this
//! succeeds.

use bytes::Bytes;

use crate::ErrorCode;
use crate::error::Error;
use crate::opcode::OpCode;
use crate::path::{Chroot, validate_path};
use crate::records::{
    Acl, AddWatchRequest, CheckVersionRequest, CreateRequest, CreateTtlRequest, DeleteRequest,
    PathRequest, PathWatchRequest, ReconfigRequest, SetAclRequest, SetDataRequest, WatchesRequest,
};
use crate::request::{AddWatchMode, CreateMode, MultiOp, ReadOp, Request, WatcherType};
use crate::version::ServerVersion;
use crate::watch::WatchKind;
use crate::wire::{Body, frame_payload_len};

/// The path ZooKeeper serves the dynamic configuration from; never chrooted.
pub(crate) const CONFIG_NODE: &str = "/zookeeper/config";

/// The largest TTL the server accepts (2^40 - 1 ms, `docs/protocol.md#ttl-nodes`).
const MAX_TTL_MS: u128 = (1 << 40) - 1;

/// How to decode a successful reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyKind {
    /// CreateResponse, or Create2Response when `with_stat`.
    Create { with_stat: bool },
    /// ExistsResponse; NoNode is a success (`None`).
    Exists,
    /// GetDataResponse.
    Data,
    /// A Stat alone (setData, setACL).
    Stat,
    /// GetACLResponse.
    Acl,
    /// GetChildrenResponse, or GetChildren2Response when `with_stat`.
    Children { with_stat: bool },
    /// SyncResponse.
    Sync,
    /// MultiResponse of a transaction.
    Multi,
    /// MultiResponse of a multiRead.
    MultiRead,
    /// GetEphemeralsResponse.
    Ephemerals,
    /// GetAllChildrenNumberResponse.
    Count,
    /// WhoAmIResponse.
    WhoAmI,
    /// No body worth decoding (delete, addWatch's 4-byte ErrorResponse, watch removal).
    Done,
    /// The removeWatches sent by `Session::remove_watch`: NoWatcher means the registration is
    /// already gone, which is the goal.
    WatchRemoved,
}

/// What the reply does to the local watch registry (registration happens when the reply is
/// processed, before any later frame: `docs/protocol.md#watch-routing`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WatchAction {
    None,
    /// Register a watcher of this kind on success.
    Register(WatchKind, String),
    /// exists with a watch: a data watch on success, an exist watch on NoNode.
    RegisterExists(String),
    /// removeWatches: on success drop the local watchers it covers.
    RemoveMatching(String, WatcherType),
}

/// A validated request, ready to be given an xid and written.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) op: OpCode,
    pub(crate) body: Body,
    pub(crate) reply: ReplyKind,
    pub(crate) watch: WatchAction,
    /// For sync: the client path to report back.
    pub(crate) client_path: Option<String>,
}

/// What the session knows the server can do.
#[derive(Debug, Clone, Default)]
pub(crate) struct Capabilities {
    pub(crate) version: Option<ServerVersion>,
    /// Opcodes a server answered with Unimplemented (and a closed connection).
    pub(crate) unsupported: Vec<OpCode>,
}

impl Capabilities {
    pub(crate) fn supports(&self, op: OpCode) -> bool {
        !self.unsupported.contains(&op) && self.version.is_none_or(|v| v >= op.since())
    }

    fn require(&self, op: OpCode) -> Result<(), Error> {
        if self.supports(op) {
            Ok(())
        } else {
            Err(Error::Server(ErrorCode::Unimplemented))
        }
    }

    /// Whether removeWatches/checkWatches accept the persistent watcher types (3.9+). Unknown
    /// versions are assumed not to, since older servers answer MarshallingError.
    pub(crate) fn persistent_watcher_types(&self) -> bool {
        self.version.is_some_and(|v| v >= ServerVersion::V3_9_0)
    }
}

/// Where a request becomes a [`Prepared`].
pub(crate) struct Preparer<'a> {
    pub(crate) chroot: &'a Chroot,
    pub(crate) caps: &'a Capabilities,
    pub(crate) max_frame: usize,
}

impl Preparer<'_> {
    pub(crate) fn prepare(&self, request: Request) -> Result<Prepared, Error> {
        let prepared = self.build(request)?;
        let size = frame_payload_len(&prepared.body);
        if size > self.max_frame {
            return Err(Error::RequestTooLarge {
                size,
                max: self.max_frame,
            });
        }
        Ok(prepared)
    }

    fn path(&self, path: &str) -> Result<String, Error> {
        validate_path(path, false)?;
        Ok(self.chroot.to_server(path).into_owned())
    }

    /// [`path`](Self::path) for an owned path: moved, not copied, when there is no chroot.
    fn owned_path(&self, path: String) -> Result<String, Error> {
        validate_path(&path, false)?;
        Ok(self.chroot.to_server_owned(path))
    }

    /// The server path, and the watch to register on success: the client path is copied only
    /// when a watch needs it.
    fn watched(
        &self,
        path: String,
        watch: bool,
        kind: WatchKind,
    ) -> Result<(String, WatchAction), Error> {
        if watch {
            Ok((self.path(&path)?, WatchAction::Register(kind, path)))
        } else {
            Ok((self.owned_path(path)?, WatchAction::None))
        }
    }

    fn build(&self, request: Request) -> Result<Prepared, Error> {
        let simple = |op, body, reply| Prepared {
            op,
            body,
            reply,
            watch: WatchAction::None,
            client_path: None,
        };
        Ok(match request {
            Request::Create {
                path,
                data,
                acl,
                mode,
                with_stat,
            } => {
                let (op, body) = self.create(path, data, acl, mode, with_stat)?;
                let with_stat = op != OpCode::Create;
                simple(op, body, ReplyKind::Create { with_stat })
            }
            Request::Delete { path, version } => simple(
                OpCode::Delete,
                Body::Delete(DeleteRequest {
                    path: self.owned_path(path)?,
                    version: version.unwrap_or(-1),
                }),
                ReplyKind::Done,
            ),
            Request::Exists { path, watch } => {
                let (server_path, action) = self.watched(path, watch, WatchKind::Exist)?;
                Prepared {
                    op: OpCode::Exists,
                    body: Body::PathWatch(PathWatchRequest {
                        path: server_path,
                        watch,
                    }),
                    reply: ReplyKind::Exists,
                    watch: match action {
                        WatchAction::Register(_, path) => WatchAction::RegisterExists(path),
                        other => other,
                    },
                    client_path: None,
                }
            }
            Request::GetData { path, watch } => {
                let (server_path, action) = self.watched(path, watch, WatchKind::Data)?;
                Prepared {
                    op: OpCode::GetData,
                    body: Body::PathWatch(PathWatchRequest {
                        path: server_path,
                        watch,
                    }),
                    reply: ReplyKind::Data,
                    watch: action,
                    client_path: None,
                }
            }
            Request::SetData {
                path,
                data,
                version,
            } => simple(
                OpCode::SetData,
                Body::SetData(SetDataRequest {
                    path: self.owned_path(path)?,
                    data: Some(data),
                    version: version.unwrap_or(-1),
                }),
                ReplyKind::Stat,
            ),
            Request::GetAcl { path } => simple(
                OpCode::GetAcl,
                Body::Path(PathRequest {
                    path: self.path(&path)?,
                }),
                ReplyKind::Acl,
            ),
            Request::SetAcl { path, acl, version } => simple(
                OpCode::SetAcl,
                Body::SetAcl(SetAclRequest {
                    path: self.path(&path)?,
                    acl: non_empty(acl)?,
                    version: version.unwrap_or(-1),
                }),
                ReplyKind::Stat,
            ),
            Request::GetChildren {
                path,
                watch,
                with_stat,
            } => {
                let (server_path, action) = self.watched(path, watch, WatchKind::Child)?;
                Prepared {
                    op: if with_stat {
                        OpCode::GetChildren2
                    } else {
                        OpCode::GetChildren
                    },
                    body: Body::PathWatch(PathWatchRequest {
                        path: server_path,
                        watch,
                    }),
                    reply: ReplyKind::Children { with_stat },
                    watch: action,
                    client_path: None,
                }
            }
            Request::Sync { path } => Prepared {
                op: OpCode::Sync,
                body: Body::Path(PathRequest {
                    path: self.path(&path)?,
                }),
                reply: ReplyKind::Sync,
                watch: WatchAction::None,
                client_path: Some(path),
            },
            Request::Multi(ops) => {
                let ops = ops
                    .into_iter()
                    .map(|op| self.multi_op(op))
                    .collect::<Result<Vec<_>, _>>()?;
                simple(OpCode::Multi, Body::Multi(ops), ReplyKind::Multi)
            }
            Request::MultiRead(ops) => {
                self.caps.require(OpCode::MultiRead)?;
                let ops = ops
                    .into_iter()
                    .map(|op| self.read_op(op))
                    .collect::<Result<Vec<_>, _>>()?;
                simple(OpCode::MultiRead, Body::Multi(ops), ReplyKind::MultiRead)
            }
            Request::GetConfig { watch } => Prepared {
                op: OpCode::GetData,
                body: Body::PathWatch(PathWatchRequest {
                    path: CONFIG_NODE.to_owned(),
                    watch,
                }),
                reply: ReplyKind::Data,
                watch: register_if(watch, WatchKind::Data, CONFIG_NODE.to_owned()),
                client_path: None,
            },
            Request::Reconfig {
                joining,
                leaving,
                new_members,
                from_config,
            } => {
                self.caps.require(OpCode::Reconfig)?;
                simple(
                    OpCode::Reconfig,
                    Body::Reconfig(ReconfigRequest {
                        joining_servers: joining,
                        leaving_servers: leaving,
                        new_members,
                        cur_config_id: from_config.unwrap_or(-1),
                    }),
                    ReplyKind::Data,
                )
            }
            Request::AddWatch { path, mode } => {
                self.caps.require(OpCode::AddWatch)?;
                let kind = match mode {
                    AddWatchMode::Persistent => WatchKind::Persistent,
                    AddWatchMode::PersistentRecursive => WatchKind::PersistentRecursive,
                };
                Prepared {
                    op: OpCode::AddWatch,
                    body: Body::AddWatch(AddWatchRequest {
                        path: self.path(&path)?,
                        mode: mode.code(),
                    }),
                    reply: ReplyKind::Done,
                    watch: WatchAction::Register(kind, path),
                    client_path: None,
                }
            }
            Request::CheckWatches { path, watcher_type } => {
                self.caps.require(OpCode::CheckWatches)?;
                self.require_watcher_type(watcher_type)?;
                simple(
                    OpCode::CheckWatches,
                    Body::Watches(WatchesRequest {
                        path: self.path(&path)?,
                        watcher_type: watcher_type.code(),
                    }),
                    ReplyKind::Done,
                )
            }
            Request::RemoveAllWatches { path, watcher_type } => {
                self.caps.require(OpCode::RemoveWatches)?;
                self.require_watcher_type(watcher_type)?;
                Prepared {
                    op: OpCode::RemoveWatches,
                    body: Body::Watches(WatchesRequest {
                        path: self.path(&path)?,
                        watcher_type: watcher_type.code(),
                    }),
                    reply: ReplyKind::Done,
                    watch: WatchAction::RemoveMatching(path, watcher_type),
                    client_path: None,
                }
            }
            Request::GetEphemerals { prefix } => {
                self.caps.require(OpCode::GetEphemerals)?;
                if !(prefix.is_empty() || prefix.starts_with('/')) {
                    return Err(Error::InvalidArgument {
                        argument: "path",
                        reason: "an ephemeral prefix must be empty or start with '/'",
                    });
                }
                let prefix = if prefix.is_empty() { "/" } else { &prefix };
                simple(
                    OpCode::GetEphemerals,
                    Body::Path(PathRequest {
                        path: self.chroot.to_server(prefix).into_owned(),
                    }),
                    ReplyKind::Ephemerals,
                )
            }
            Request::CountDescendants { path } => {
                self.caps.require(OpCode::GetAllChildrenNumber)?;
                simple(
                    OpCode::GetAllChildrenNumber,
                    Body::Path(PathRequest {
                        path: self.path(&path)?,
                    }),
                    ReplyKind::Count,
                )
            }
            Request::WhoAmI => {
                self.caps.require(OpCode::WhoAmI)?;
                simple(OpCode::WhoAmI, Body::Empty, ReplyKind::WhoAmI)
            }
        })
    }

    fn require_watcher_type(&self, watcher_type: WatcherType) -> Result<(), Error> {
        let persistent = matches!(
            watcher_type,
            WatcherType::Persistent | WatcherType::PersistentRecursive
        );
        let known_old = self.caps.version.is_some_and(|v| v < ServerVersion::V3_9_0);
        if persistent && known_old {
            // Servers before 3.9 answer MarshallingError; use WatcherType::Any there.
            return Err(Error::Server(ErrorCode::Unimplemented));
        }
        Ok(())
    }

    /// Chooses the opcode for a create (`docs/protocol.md#create-modes`): containers need
    /// createContainer and TTL nodes createTTL; create with a container flag would silently make
    /// a plain node.
    fn create(
        &self,
        path: String,
        data: Bytes,
        acl: Vec<Acl>,
        mode: CreateMode,
        with_stat: bool,
    ) -> Result<(OpCode, Body), Error> {
        validate_path(&path, mode.is_sequential())?;
        let server_path = self.chroot.to_server_owned(path);
        let acl = non_empty(acl)?;
        if let Some(ttl) = mode.ttl() {
            self.caps.require(OpCode::CreateTtl)?;
            return Ok((
                OpCode::CreateTtl,
                Body::CreateTtl(CreateTtlRequest {
                    path: server_path,
                    data: Some(data),
                    acl,
                    flags: mode.flag(),
                    ttl: ttl_ms(ttl)?,
                }),
            ));
        }
        let op = match mode {
            CreateMode::Container => OpCode::CreateContainer,
            _ if with_stat => OpCode::Create2,
            _ => OpCode::Create,
        };
        self.caps.require(op)?;
        Ok((
            op,
            Body::Create(CreateRequest {
                path: server_path,
                data: Some(data),
                acl,
                flags: mode.flag(),
            }),
        ))
    }

    fn multi_op(&self, op: MultiOp) -> Result<(OpCode, Body), Error> {
        Ok(match op {
            MultiOp::Create {
                path,
                data,
                acl,
                mode,
            } => self.create(path, data, acl, mode, false)?,
            MultiOp::Delete { path, version } => (
                OpCode::Delete,
                Body::Delete(DeleteRequest {
                    path: self.path(&path)?,
                    version: version.unwrap_or(-1),
                }),
            ),
            MultiOp::SetData {
                path,
                data,
                version,
            } => (
                OpCode::SetData,
                Body::SetData(SetDataRequest {
                    path: self.path(&path)?,
                    data: Some(data),
                    version: version.unwrap_or(-1),
                }),
            ),
            MultiOp::Check { path, version } => (
                OpCode::Check,
                Body::Check(CheckVersionRequest {
                    path: self.path(&path)?,
                    version,
                }),
            ),
        })
    }

    fn read_op(&self, op: ReadOp) -> Result<(OpCode, Body), Error> {
        // The server ignores the watch flag inside multiRead; send false.
        let (op, path) = match op {
            ReadOp::GetData { path } => (OpCode::GetData, path),
            ReadOp::GetChildren { path } => (OpCode::GetChildren, path),
        };
        Ok((
            op,
            Body::PathWatch(PathWatchRequest {
                path: self.path(&path)?,
                watch: false,
            }),
        ))
    }
}

fn register_if(watch: bool, kind: WatchKind, path: String) -> WatchAction {
    if watch {
        WatchAction::Register(kind, path)
    } else {
        WatchAction::None
    }
}

fn non_empty(acl: Vec<Acl>) -> Result<Vec<Acl>, Error> {
    if acl.is_empty() {
        // The server would answer InvalidACL; say so without a round trip.
        Err(Error::Server(ErrorCode::InvalidAcl))
    } else {
        Ok(acl)
    }
}

fn ttl_ms(ttl: std::time::Duration) -> Result<i64, Error> {
    let ms = ttl.as_millis();
    if ms == 0 || ms > MAX_TTL_MS {
        return Err(Error::InvalidArgument {
            argument: "ttl",
            reason: "must be from 1 ms to 2^40 - 1 ms",
        });
    }
    Ok(ms as i64)
}
