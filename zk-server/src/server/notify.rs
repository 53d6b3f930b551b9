//! Turning a change into notifications, in ZooKeeper's order, each queued on its
//! connection ahead of any reply that follows.

use std::collections::BTreeSet;

use zk_proto::frame::write_frame;
use zk_proto::jute::Record;
use zk_proto::records::{ReplyHeader, WatcherEvent};
use zk_proto::{Acl, EventType, Perms};

use super::Server;
use crate::acl::permits;
use crate::ids::ConnectionId;
use crate::tree::Trigger;

/// Notifications always carry SyncConnected.
const SYNC_CONNECTED: i32 = 3;

impl Server {
    /// Fires the watches a change triggers. `zxid` goes in the notification headers from
    /// 3.9 on (-1 before; SetWatches catch-up events always carry -1).
    pub(super) fn fire(&mut self, trigger: Trigger, zxid: i64) {
        let zxid = self.personality().event_zxid(zxid);
        let none = BTreeSet::new();
        match trigger {
            Trigger::Created {
                path,
                parent,
                acl,
                parent_acl,
            } => {
                let hit = self.watches.data.trigger(&path, &none, false);
                self.notify(&hit, EventType::NodeCreated, &path, zxid, &acl);
                let hit = self.watches.child.trigger(&parent, &none, true);
                self.notify(
                    &hit,
                    EventType::NodeChildrenChanged,
                    &parent,
                    zxid,
                    &parent_acl,
                );
            }
            Trigger::Deleted {
                path,
                parent,
                acl,
                parent_acl,
            } => {
                // One NodeDeleted per connection, though both managers may hold its watches.
                let data = self.watches.data.trigger(&path, &none, false);
                self.notify(&data, EventType::NodeDeleted, &path, zxid, &acl);
                let child = self.watches.child.trigger(&path, &data, false);
                self.notify(&child, EventType::NodeDeleted, &path, zxid, &acl);
                let hit = self.watches.child.trigger(&parent, &none, true);
                self.notify(
                    &hit,
                    EventType::NodeChildrenChanged,
                    &parent,
                    zxid,
                    &parent_acl,
                );
            }
            Trigger::DataChanged { path, acl } => {
                let hit = self.watches.data.trigger(&path, &none, false);
                self.notify(&hit, EventType::NodeDataChanged, &path, zxid, &acl);
            }
        }
    }

    /// Queues one event for each connection that may read the node (3.8.4+/3.9.2+ drop
    /// events a connection lacks READ for).
    fn notify(
        &mut self,
        conns: &BTreeSet<ConnectionId>,
        event: EventType,
        path: &str,
        zxid: i64,
        acl: &[Acl],
    ) {
        let filter = self
            .config
            .filter_events_by_acl
            .unwrap_or_else(|| self.personality().read_acl_on_exists_and_events());
        for conn in conns {
            let allowed = self
                .conns
                .get(conn)
                .is_some_and(|c| !filter || permits(acl, Perms::READ, &c.auth));
            if allowed {
                self.event(*conn, event, path, zxid);
            }
        }
    }

    /// Queues one notification frame (xid -1).
    pub(super) fn event(&mut self, conn: ConnectionId, event: EventType, path: &str, zxid: i64) {
        self.count_sent(conn, None);
        let body = WatcherEvent {
            event_type: event.code(),
            state: SYNC_CONNECTED,
            path: path.to_owned(),
        };
        self.outputs.transmit(conn, |out| {
            write_frame(out, |b| {
                ReplyHeader {
                    xid: -1,
                    zxid,
                    err: 0,
                }
                .encode(b);
                body.encode(b);
            });
        });
    }
}
