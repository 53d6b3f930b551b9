//! Writes: each checked as `PrepRequestProcessor` checks it (in the same order, so the same
//! error wins), then applied to the tree; multi applies its operations in turn and rolls
//! back the ones before a failure.
//!
//! Every write takes the next zxid before it is checked, so a failed write consumes one, as
//! its error transaction does in ZooKeeper.

use std::time::Instant;

use bytes::Bytes;
use zk_proto::path::validate_path;
use zk_proto::records::server::{MultiOpResponse, MultiRequestOp, MultiResponse, RequestBody};
use zk_proto::records::{Create2Response, CreateResponse, StatResponse};
use zk_proto::{Acl, ErrorCode, Id, OpCode, Perms, Stat};

use super::Server;
use super::body::Body;
use super::dispatch::Origin;
use crate::acl::{fix_up, permits};
use crate::tree::{DataTree, MAX_TTL_MS, Node, NodeKind, Trigger, Undo};

/// The transaction a write runs in.
struct Txn<'a> {
    session: i64,
    ids: &'a [Id],
    zxid: i64,
    /// Wall-clock milliseconds: ctime and mtime.
    time: i64,
}

/// What a write did.
enum Done {
    Created { path: String, stat: Stat },
    Deleted,
    DataSet(Stat),
    AclSet(Stat),
    Checked,
}

/// Changes made so far and the watches they will fire, kept apart until the transaction is
/// known to succeed.
#[derive(Default)]
struct Effects {
    undos: Vec<Undo>,
    triggers: Vec<Trigger>,
}

impl Effects {
    fn record(&mut self, change: Option<(Undo, Trigger)>) -> Result<(), ErrorCode> {
        // The checks made sure the change applies; a refusal here would be a bug of ours,
        // reported as ZooKeeper reports its own internal failures.
        let (undo, trigger) = change.ok_or(ErrorCode::SystemError)?;
        self.undos.push(undo);
        self.triggers.push(trigger);
        Ok(())
    }
}

impl Server {
    /// create (all four opcodes), delete, setData or setACL on its own.
    pub(super) fn single_write(&mut self, at: Origin, op: OpCode, body: RequestBody, now: Instant) {
        let zxid = self.next_zxid();
        let ids = self.ids(at);
        let txn = Txn {
            session: at.session,
            ids: &ids,
            zxid,
            time: self.wall_ms(now),
        };
        let mut effects = Effects::default();
        let outcome = self.apply(&txn, op, &body, &mut effects);
        let outcome = outcome.map(|done| {
            for trigger in effects.triggers {
                self.fire(trigger, zxid);
            }
            match done {
                Done::Created { path, .. } if op == OpCode::Create => {
                    Body::Create(CreateResponse { path })
                }
                Done::Created { path, stat } => Body::Create2(Create2Response { path, stat }),
                Done::DataSet(stat) | Done::AclSet(stat) => Body::Stat(StatResponse { stat }),
                Done::Deleted | Done::Checked => Body::None,
            }
        });
        self.reply(at.conn, at.xid, zxid, outcome);
    }

    /// multi: one zxid for all; atomic. A failure turns every result into an error result:
    /// 0 before the failing operation, its code at it, RuntimeInconsistency after it. The
    /// reply header says 0 either way.
    pub(super) fn multi(&mut self, at: Origin, ops: Vec<MultiRequestOp>, now: Instant) {
        let zxid = self.next_zxid();
        if ops
            .iter()
            .any(|op| matches!(op.op, OpCode::GetData | OpCode::GetChildren))
        {
            self.reply(at.conn, at.xid, zxid, Err(ErrorCode::MarshallingError));
            return;
        }
        let ids = self.ids(at);
        let txn = Txn {
            session: at.session,
            ids: &ids,
            zxid,
            time: self.wall_ms(now),
        };
        let mut effects = Effects::default();
        let mut done = Vec::with_capacity(ops.len());
        let mut failure = None;
        for (index, op) in ops.iter().enumerate() {
            match self.apply(&txn, op.op, &op.body, &mut effects) {
                Ok(d) => done.push(d),
                Err(code) => {
                    failure = Some((index, code));
                    break;
                }
            }
        }
        let results = match failure {
            Some((failed, code)) => {
                for undo in effects.undos.into_iter().rev() {
                    self.tree.undo(undo);
                }
                (0..ops.len())
                    .map(|i| {
                        MultiOpResponse::Error(match i.cmp(&failed) {
                            std::cmp::Ordering::Less => 0,
                            std::cmp::Ordering::Equal => code.as_i32(),
                            std::cmp::Ordering::Greater => ErrorCode::RuntimeInconsistency.as_i32(),
                        })
                    })
                    .collect()
            }
            None => {
                for trigger in effects.triggers {
                    self.fire(trigger, zxid);
                }
                let personality = self.personality();
                ops.iter()
                    .zip(done)
                    .map(|(op, done)| match done {
                        // 3.9: create2, createContainer and createTTL results carry a Stat
                        // (before, fewer of them: see the personality).
                        Done::Created { path, stat }
                            if personality.multi_create_has_stat(op.op) =>
                        {
                            MultiOpResponse::Create2(Create2Response { path, stat })
                        }
                        Done::Created { path, .. } => {
                            MultiOpResponse::Create(CreateResponse { path })
                        }
                        Done::Deleted => MultiOpResponse::Delete,
                        Done::DataSet(stat) | Done::AclSet(stat) => MultiOpResponse::SetData(stat),
                        Done::Checked => MultiOpResponse::Check,
                    })
                    .collect()
            }
        };
        self.reply(
            at.conn,
            at.xid,
            zxid,
            Ok(Body::Multi(MultiResponse { results })),
        );
    }

    /// Checks one write and applies it. On error nothing has changed.
    fn apply(
        &mut self,
        txn: &Txn<'_>,
        op: OpCode,
        body: &RequestBody,
        effects: &mut Effects,
    ) -> Result<Done, ErrorCode> {
        match body {
            RequestBody::Create(r) => self.create(
                txn,
                op,
                &r.path,
                r.data.clone(),
                &r.acl,
                r.flags,
                -1,
                effects,
            ),
            RequestBody::CreateTtl(r) => self.create(
                txn,
                op,
                &r.path,
                r.data.clone(),
                &r.acl,
                r.flags,
                r.ttl,
                effects,
            ),
            RequestBody::Delete(r) => self.delete(txn, &r.path, r.version, effects),
            RequestBody::SetData(r) => {
                let node = self.writable(&r.path, Perms::WRITE, txn.ids)?;
                check_version(node.version, r.version)?;
                effects.record(
                    self.tree
                        .set_data(&r.path, r.data.clone(), txn.zxid, txn.time),
                )?;
                Ok(Done::DataSet(self.stat_of(&r.path)?))
            }
            RequestBody::Check(r) => {
                let node = self.writable(&r.path, Perms::READ, txn.ids)?;
                check_version(node.version, r.version)?;
                Ok(Done::Checked)
            }
            RequestBody::SetAcl(r) => {
                if validate_path(&r.path, false).is_err() {
                    return Err(ErrorCode::BadArguments);
                }
                let acl = fix_up(&r.acl, txn.ids)?;
                let node = self.tree.get(&r.path).ok_or(ErrorCode::NoNode)?;
                if !permits(&node.acl, Perms::ADMIN, txn.ids) {
                    return Err(ErrorCode::NoAuth);
                }
                check_version(node.aversion, r.version)?;
                let node = self
                    .tree
                    .set_acl(&r.path, acl)
                    .ok_or(ErrorCode::SystemError)?;
                Ok(Done::AclSet(node.stat()))
            }
            _ => Err(ErrorCode::MarshallingError),
        }
    }

    /// A node a setData or check may touch: a valid path, an existing node, the permission.
    fn writable(&self, path: &str, perm: Perms, ids: &[Id]) -> Result<&Node, ErrorCode> {
        if validate_path(path, false).is_err() {
            return Err(ErrorCode::BadArguments);
        }
        let node = self.tree.get(path).ok_or(ErrorCode::NoNode)?;
        if permits(&node.acl, perm, ids) {
            Ok(node)
        } else {
            Err(ErrorCode::NoAuth)
        }
    }

    fn stat_of(&self, path: &str) -> Result<Stat, ErrorCode> {
        self.tree
            .get(path)
            .map(Node::stat)
            .ok_or(ErrorCode::SystemError)
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        txn: &Txn<'_>,
        op: OpCode,
        path: &str,
        data: Option<Bytes>,
        acl: &[Acl],
        flags: i32,
        ttl: i64,
        effects: &mut Effects,
    ) -> Result<Done, ErrorCode> {
        if !(0..=6).contains(&flags) {
            return Err(ErrorCode::BadArguments);
        }
        let is_ttl = flags == 5 || flags == 6;
        let sequential = matches!(flags, 2 | 3 | 6);
        let ephemeral = matches!(flags, 1 | 3);
        if is_ttl && !self.config.extended_types_enabled {
            return Err(ErrorCode::Unimplemented);
        }
        // A TTL mode needs a TTL in range; any other mode must not carry one (create and
        // create2 pass -1).
        let ttl_ok = if is_ttl {
            ttl > 0 && ttl <= MAX_TTL_MS
        } else {
            ttl < 0
        };
        if !ttl_ok || path.contains('\0') {
            return Err(ErrorCode::BadArguments);
        }
        let parent = match DataTree::split(path) {
            Some((parent, _)) => parent.to_owned(),
            // "/" has the root as its parent, and then exists already.
            None if path == "/" => "/".to_owned(),
            None => return Err(ErrorCode::BadArguments),
        };
        let acl = fix_up(acl, txn.ids)?;
        let parent_node = self.tree.get(&parent).ok_or(ErrorCode::NoNode)?;
        if !permits(&parent_node.acl, Perms::CREATE, txn.ids) {
            return Err(ErrorCode::NoAuth);
        }
        // The suffix is the parent's persisted cversion (creations only), `%010d`.
        let path = if sequential {
            format!("{path}{:010}", parent_node.cversion)
        } else {
            path.to_owned()
        };
        if validate_path(&path, false).is_err() {
            return Err(ErrorCode::BadArguments);
        }
        if self.tree.get(&path).is_some() {
            return Err(ErrorCode::NodeExists);
        }
        if matches!(parent_node.kind, NodeKind::Ephemeral(_)) {
            return Err(ErrorCode::NoChildrenForEphemerals);
        }
        // The opcode decides containers and TTL nodes: create with flag 4 makes a plain
        // persistent node, as ZooKeeper does.
        let kind = match op {
            OpCode::CreateContainer => NodeKind::Container,
            OpCode::CreateTtl if is_ttl => NodeKind::Ttl(ttl),
            _ if ephemeral => NodeKind::Ephemeral(txn.session),
            _ => NodeKind::Persistent,
        };
        let node = Node::new(data, self.tree.intern(acl), kind, txn.zxid, txn.time);
        effects.record(self.tree.create(path.clone(), node, txn.zxid))?;
        let stat = self.stat_of(&path)?;
        Ok(Done::Created { path, stat })
    }

    fn delete(
        &mut self,
        txn: &Txn<'_>,
        path: &str,
        version: i32,
        effects: &mut Effects,
    ) -> Result<Done, ErrorCode> {
        if path.contains('\0') || DataTree::is_special(path) {
            return Err(ErrorCode::BadArguments);
        }
        let (parent, _) = DataTree::split(path).ok_or(ErrorCode::BadArguments)?;
        let parent = self.tree.get(parent).ok_or(ErrorCode::NoNode)?;
        if !permits(&parent.acl, Perms::DELETE, txn.ids) {
            return Err(ErrorCode::NoAuth);
        }
        let node = self.tree.get(path).ok_or(ErrorCode::NoNode)?;
        check_version(node.version, version)?;
        if !node.children.is_empty() {
            return Err(ErrorCode::NotEmpty);
        }
        effects.record(self.tree.delete(path, txn.zxid))?;
        Ok(Done::Deleted)
    }
}

/// An expected version of -1 matches any.
fn check_version(current: i32, expected: i32) -> Result<(), ErrorCode> {
    if expected == -1 || expected == current {
        Ok(())
    } else {
        Err(ErrorCode::BadVersion)
    }
}
