//! The watch requests: setWatches/setWatches2 (re-registration after a reconnect, with the
//! catch-up events for what changed since `relativeZxid`), addWatch, checkWatches and
//! removeWatches.

use zk_proto::{ErrorCode, EventType};

use super::Server;
use super::body::Body;
use super::dispatch::Origin;
use crate::watches::Modes;
use zk_proto::records::ErrorResponse;

/// Catch-up events are synthesized, not caused by a transaction: their zxid is -1.
const NO_ZXID: i64 = -1;

impl Server {
    /// Lists in the order of SetWatches2: data, exist, child, persistent, recursive. Every
    /// catch-up event is queued before the reply.
    pub(super) fn set_watches(&mut self, at: Origin, relative_zxid: i64, lists: [&Vec<String>; 5]) {
        let [data, exist, child, persistent, recursive] = lists;
        let conn = at.conn;
        for path in data {
            match self.tree.get(path).map(|n| n.mzxid) {
                None => self.event(conn, EventType::NodeDeleted, path, NO_ZXID),
                Some(mzxid) if mzxid > relative_zxid => {
                    self.event(conn, EventType::NodeDataChanged, path, NO_ZXID);
                }
                Some(_) => self.watches.data.add(path, conn, Modes::STANDARD),
            }
        }
        for path in exist {
            if self.tree.get(path).is_some() {
                self.event(conn, EventType::NodeCreated, path, NO_ZXID);
            } else {
                self.watches.data.add(path, conn, Modes::STANDARD);
            }
        }
        for path in child {
            match self.tree.get(path).map(|n| n.pzxid) {
                None => self.event(conn, EventType::NodeDeleted, path, NO_ZXID),
                Some(pzxid) if pzxid > relative_zxid => {
                    self.event(conn, EventType::NodeChildrenChanged, path, NO_ZXID);
                }
                Some(_) => self.watches.child.add(path, conn, Modes::STANDARD),
            }
        }
        // Persistent watches come back unconditionally, with no catch-up.
        for path in persistent {
            self.watches.child.add(path, conn, Modes::PERSISTENT);
            self.watches.data.add(path, conn, Modes::PERSISTENT);
        }
        let legacy = self.personality().single_watch_mode();
        for path in recursive {
            self.watches.data.add(path, conn, Modes::RECURSIVE);
            // Before 3.9 the child manager holds recursive watches too.
            if legacy {
                self.watches.child.add(path, conn, Modes::RECURSIVE);
            }
        }
        let zxid = self.last_zxid;
        self.reply(conn, at.xid, zxid, Ok(Body::None));
    }

    /// addWatch: mode 0 (PERSISTENT) in both managers, 1 (PERSISTENT_RECURSIVE) in the data
    /// manager; the node need not exist. Success carries a bare 0.
    pub(super) fn add_watch(&mut self, at: Origin, path: &str, mode: i32) {
        let outcome = match mode {
            0 => {
                self.watches.data.add(path, at.conn, Modes::PERSISTENT);
                self.watches.child.add(path, at.conn, Modes::PERSISTENT);
                Ok(Body::Error(ErrorResponse { err: 0 }))
            }
            1 => {
                self.watches.data.add(path, at.conn, Modes::RECURSIVE);
                // Before 3.9 the child manager holds recursive watches too.
                if self.personality().single_watch_mode() {
                    self.watches.child.add(path, at.conn, Modes::RECURSIVE);
                }
                Ok(Body::Error(ErrorResponse { err: 0 }))
            }
            _ => Err(ErrorCode::MarshallingError),
        };
        let zxid = self.last_zxid;
        self.reply(at.conn, at.xid, zxid, outcome);
    }

    /// checkWatches (17) or removeWatches (18) with a WatcherType: Children 1, Data 2, Any 3,
    /// and (3.9) Persistent 4, PersistentRecursive 5. NoWatcher when nothing matches.
    pub(super) fn check_or_remove_watches(
        &mut self,
        at: Origin,
        remove: bool,
        path: &str,
        watcher_type: i32,
    ) {
        let conn = at.conn;
        if watcher_type > 3 && !self.personality().persistent_watcher_types() {
            let zxid = self.last_zxid;
            self.reply(conn, at.xid, zxid, Err(ErrorCode::MarshallingError));
            return;
        }
        let legacy = self.personality().single_watch_mode();
        let w = &mut self.watches;
        let found = match (watcher_type, remove) {
            // Before 3.9: checks ask whether anyone watches the path; removals ignore modes.
            (1, false) if legacy => Some(w.child.any_at(path)),
            (2, false) if legacy => Some(w.data.any_at(path)),
            (3, false) if legacy => Some(w.child.any_at(path) || w.data.any_at(path)),
            (1, true) if legacy => Some(w.child.remove(path, conn, None)),
            (2, true) if legacy => Some(w.data.remove(path, conn, None)),
            (1, false) => Some(w.child.contains(path, conn, Some(Modes::STANDARD))),
            (2, false) => Some(w.data.contains(path, conn, Some(Modes::STANDARD))),
            (3, false) => {
                Some(w.child.contains(path, conn, None) || w.data.contains(path, conn, None))
            }
            (4, false) => Some(w.data.contains(path, conn, Some(Modes::PERSISTENT))),
            (5, false) => Some(w.data.contains(path, conn, Some(Modes::RECURSIVE))),
            (1, true) => Some(w.child.remove(path, conn, Some(Modes::STANDARD))),
            (2, true) => Some(w.data.remove(path, conn, Some(Modes::STANDARD))),
            // Both managers are cleared, whatever the first one held.
            (3, true) => {
                let child = w.child.remove(path, conn, None);
                Some(w.data.remove(path, conn, None) | child)
            }
            (4, true) => {
                let child = w.child.remove(path, conn, Some(Modes::PERSISTENT));
                Some(w.data.remove(path, conn, Some(Modes::PERSISTENT)) | child)
            }
            (5, true) => Some(w.data.remove(path, conn, Some(Modes::RECURSIVE))),
            _ => None,
        };
        let outcome = match found {
            None => Err(ErrorCode::MarshallingError),
            Some(false) => Err(ErrorCode::NoWatcher),
            Some(true) => Ok(Body::None),
        };
        let zxid = self.last_zxid;
        self.reply(conn, at.xid, zxid, outcome);
    }
}
