//! Reads: answered from the tree as it stands, with the last zxid in the reply header.
//! Watches asked for are registered before the reply is queued.

use zk_proto::records::server::{MultiOpResponse, MultiRequestOp, MultiResponse, RequestBody};
use zk_proto::records::{
    GetAclResponse, GetAllChildrenNumberResponse, GetChildren2Response, GetChildrenResponse,
    GetDataResponse, GetEphemeralsResponse, StatResponse, SyncResponse, WhoAmIResponse,
};
use zk_proto::{ClientInfo, ErrorCode, Id, OpCode, Perms};

use super::Server;
use super::body::Body;
use super::dispatch::Origin;
use crate::acl::{masked, permits, user_name};
use crate::tree::Node;
use crate::watches::Modes;

impl Server {
    /// A read request, answered at once.
    pub(super) fn read(&mut self, at: Origin, op: OpCode, body: RequestBody) {
        let outcome = self.read_outcome(at, op, body);
        let zxid = self.last_zxid;
        self.reply(at.conn, at.xid, zxid, outcome);
    }

    fn read_outcome(
        &mut self,
        at: Origin,
        op: OpCode,
        body: RequestBody,
    ) -> Result<Body, ErrorCode> {
        let ids = self.ids(at);
        match (op, body) {
            (OpCode::Exists, RequestBody::PathWatch(r)) => {
                if r.path.contains('\0') {
                    return Err(ErrorCode::BadArguments);
                }
                // An existing node needs READ (3.9.2+, ZOOKEEPER-2590), checked before any
                // watch is left.
                let check = self.personality().read_acl_on_exists_and_events();
                if let Some(node) = self.tree.get(&r.path).filter(|_| check) {
                    if !permits(&node.acl, Perms::READ, &ids) {
                        return Err(ErrorCode::NoAuth);
                    }
                }
                // Set whether or not the node exists: on a missing node it waits for
                // the creation.
                if r.watch {
                    self.watches.data.add(&r.path, at.conn, Modes::STANDARD);
                }
                let node = self.tree.get(&r.path).ok_or(ErrorCode::NoNode)?;
                Ok(Body::Stat(StatResponse { stat: node.stat() }))
            }
            (OpCode::GetData, RequestBody::PathWatch(r)) => {
                let data = self.get_data(&r.path, &ids)?;
                if r.watch {
                    self.watches.data.add(&r.path, at.conn, Modes::STANDARD);
                }
                Ok(Body::Data(data))
            }
            (OpCode::GetChildren | OpCode::GetChildren2, RequestBody::PathWatch(r)) => {
                let node = readable(self.tree.get(&r.path), &ids)?;
                let children = node.children.iter().cloned().collect();
                let stat = node.stat();
                if r.watch {
                    self.watches.child.add(&r.path, at.conn, Modes::STANDARD);
                }
                Ok(if op == OpCode::GetChildren {
                    Body::Children(GetChildrenResponse { children })
                } else {
                    Body::Children2(GetChildren2Response { children, stat })
                })
            }
            (OpCode::GetAcl, RequestBody::Path(r)) => {
                let node = self.tree.get(&r.path).ok_or(ErrorCode::NoNode)?;
                if !permits(&node.acl, Perms::READ | Perms::ADMIN, &ids) {
                    return Err(ErrorCode::NoAuth);
                }
                // Without ADMIN, digest hashes are not shown.
                let acl = if permits(&node.acl, Perms::ADMIN, &ids) {
                    node.acl.to_vec()
                } else {
                    masked(&node.acl)
                };
                Ok(Body::Acl(GetAclResponse {
                    acl,
                    stat: node.stat(),
                }))
            }
            (OpCode::GetAllChildrenNumber, RequestBody::Path(r)) => {
                readable(self.tree.get(&r.path), &ids)?;
                let total = self.tree.count_descendants(&r.path);
                Ok(Body::Count(GetAllChildrenNumberResponse {
                    total_number: i32::try_from(total).unwrap_or(i32::MAX),
                }))
            }
            (OpCode::GetEphemerals, RequestBody::Path(r)) => {
                // A plain string prefix; blank or "/" means all of them.
                let prefix = r.path.trim();
                let all = prefix.is_empty() || prefix == "/";
                let ephemerals = self
                    .tree
                    .ephemerals_of(at.session)
                    .filter(|p| all || p.starts_with(&r.path))
                    .cloned()
                    .collect();
                Ok(Body::Ephemerals(GetEphemeralsResponse { ephemerals }))
            }
            // Standalone, there is no leader to catch up with: the path is echoed.
            (OpCode::Sync, RequestBody::Path(r)) => Ok(Body::Sync(SyncResponse { path: r.path })),
            (OpCode::WhoAmI, RequestBody::Empty) => Ok(Body::WhoAmI(WhoAmIResponse {
                // Ids without a provider (super) are not reported.
                client_info: ids
                    .iter()
                    .filter(|id| id.scheme != "super")
                    .map(|id| ClientInfo {
                        auth_scheme: id.scheme.clone(),
                        user: user_name(id),
                    })
                    .collect(),
            })),
            _ => Err(ErrorCode::MarshallingError),
        }
    }

    /// multiRead: each read on its own, never atomic, no watches; a failing one becomes an
    /// error result in its place.
    pub(super) fn multi_read(&mut self, at: Origin, ops: &[MultiRequestOp]) {
        let ids = self.ids(at);
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            let result = match (op.op, &op.body) {
                (OpCode::GetData, RequestBody::PathWatch(r)) => {
                    self.get_data(&r.path, &ids).map(MultiOpResponse::GetData)
                }
                (OpCode::GetChildren, RequestBody::PathWatch(r)) => {
                    readable(self.tree.get(&r.path), &ids).map(|node| {
                        MultiOpResponse::GetChildren(GetChildrenResponse {
                            children: node.children.iter().cloned().collect(),
                        })
                    })
                }
                // A write inside multiRead: the whole request is refused.
                _ => {
                    let zxid = self.last_zxid;
                    self.reply(at.conn, at.xid, zxid, Err(ErrorCode::MarshallingError));
                    return;
                }
            };
            results.push(result.unwrap_or_else(|code| MultiOpResponse::Error(code.as_i32())));
        }
        let zxid = self.last_zxid;
        self.reply(
            at.conn,
            at.xid,
            zxid,
            Ok(Body::Multi(MultiResponse { results })),
        );
    }

    fn get_data(&self, path: &str, ids: &[Id]) -> Result<GetDataResponse, ErrorCode> {
        let node = readable(self.tree.get(path), ids)?;
        Ok(GetDataResponse {
            data: node.data.clone(),
            stat: node.stat(),
        })
    }

    /// The ids the connection holds.
    pub(super) fn ids(&self, at: Origin) -> Vec<Id> {
        self.conns
            .get(&at.conn)
            .map(|c| c.auth.clone())
            .unwrap_or_default()
    }
}

/// The node, if it exists (else NoNode) and the ids may read it (else NoAuth).
fn readable<'a>(node: Option<&'a Node>, ids: &[Id]) -> Result<&'a Node, ErrorCode> {
    let node = node.ok_or(ErrorCode::NoNode)?;
    if permits(&node.acl, Perms::READ, ids) {
        Ok(node)
    } else {
        Err(ErrorCode::NoAuth)
    }
}
