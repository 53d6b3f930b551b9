//! The container and TTL reaper (`ContainerManager`): every check interval, empty
//! containers that once had a child and childless TTL nodes unmodified for longer than
//! their TTL are deleted, each in a transaction of its own, firing the usual watches.

use std::time::Instant;

use super::Server;
use crate::tree::NodeKind;

impl Server {
    pub(super) fn reap(&mut self, now: Instant) {
        let wall = self.wall_ms(now);
        let candidates: Vec<String> = self
            .tree
            .reapable()
            .filter(|path| {
                self.tree.get(path).is_some_and(|node| {
                    node.children.is_empty()
                        && match node.kind {
                            // A container that never had a child is left alone.
                            NodeKind::Container => node.cversion > 0,
                            NodeKind::Ttl(ttl) => ttl != 0 && wall - node.mtime > ttl,
                            _ => false,
                        }
                })
            })
            .cloned()
            .collect();
        for path in candidates {
            let zxid = self.next_zxid();
            if let Some((_, trigger)) = self.tree.delete(&path, zxid) {
                self.fire(trigger, zxid);
            }
        }
    }
}
