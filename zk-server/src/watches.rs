//! Watch registrations, per connection, as ZooKeeper's `WatchManager` keeps them (3.9 rules:
//! one registration per connection, path and manager, carrying a set of modes).
//!
//! There are two managers: data (getData, exists, and both persistent modes) and child
//! (getChildren and PERSISTENT). Firing removes the STANDARD mode only; persistent modes
//! stay. At the changed path every mode fires; at its ancestors only PERSISTENT_RECURSIVE.

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::ConnectionId;

/// The modes of one registration, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Modes(u8);

impl Modes {
    /// A one-shot watch.
    pub(crate) const STANDARD: Modes = Modes(1);
    /// addWatch PERSISTENT.
    pub(crate) const PERSISTENT: Modes = Modes(2);
    /// addWatch PERSISTENT_RECURSIVE.
    pub(crate) const RECURSIVE: Modes = Modes(4);

    fn has(self, other: Modes) -> bool {
        self.0 & other.0 != 0
    }
}

/// One manager's registrations.
#[derive(Debug, Default, Clone)]
pub(crate) struct WatchTable {
    by_path: BTreeMap<String, BTreeMap<ConnectionId, Modes>>,
    /// How many registrations carry RECURSIVE: without any, ancestors need no look-up.
    recursive: usize,
    /// Releases before 3.9 keep one mode per registration: the last one set replaces the
    /// others (so a one-shot watch set after a persistent one makes it one-shot).
    single_mode: bool,
}

impl WatchTable {
    /// Adds `mode` to the connection's registration on `path`.
    pub(crate) fn add(&mut self, path: &str, conn: ConnectionId, mode: Modes) {
        let modes = self
            .by_path
            .entry(path.to_owned())
            .or_default()
            .entry(conn)
            .or_insert(Modes(0));
        let before = modes.has(Modes::RECURSIVE);
        if self.single_mode {
            modes.0 = mode.0;
        } else {
            modes.0 |= mode.0;
        }
        match (before, modes.has(Modes::RECURSIVE)) {
            (false, true) => self.recursive += 1,
            (true, false) => self.recursive -= 1,
            _ => {}
        }
    }

    /// The connections to notify of an event on `path`, without those in `suppress`, in
    /// connection order; their STANDARD modes at `path` are spent. `children_changed` says
    /// the event is NodeChildrenChanged, which no RECURSIVE registration hears (only 3.8's
    /// child manager holds any).
    pub(crate) fn trigger(
        &mut self,
        path: &str,
        suppress: &BTreeSet<ConnectionId>,
        children_changed: bool,
    ) -> BTreeSet<ConnectionId> {
        let mut hit = BTreeSet::new();
        if let Some(watchers) = self.by_path.get_mut(path) {
            watchers.retain(|conn, modes| {
                if children_changed && *modes == Modes::RECURSIVE {
                    return true;
                }
                hit.insert(*conn);
                modes.0 &= !Modes::STANDARD.0;
                modes.0 != 0
            });
            if watchers.is_empty() {
                self.by_path.remove(path);
            }
        }
        if self.recursive > 0 && !children_changed {
            for ancestor in ancestors(path) {
                if let Some(watchers) = self.by_path.get(ancestor) {
                    hit.extend(
                        watchers
                            .iter()
                            .filter(|(_, m)| m.has(Modes::RECURSIVE))
                            .map(|(c, _)| *c),
                    );
                }
            }
        }
        hit.retain(|c| !suppress.contains(c));
        hit
    }

    /// Whether the connection holds `mode` on `path` (any mode when `None`).
    pub(crate) fn contains(&self, path: &str, conn: ConnectionId, mode: Option<Modes>) -> bool {
        self.by_path
            .get(path)
            .and_then(|w| w.get(&conn))
            .is_some_and(|m| mode.is_none_or(|mode| m.has(mode)))
    }

    /// Whether any connection holds a registration on `path` (what 3.8's checkWatches
    /// answers, whichever connection asks).
    pub(crate) fn any_at(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// Removes `mode` (every mode when `None`) from the connection's registration on
    /// `path`; whether anything was removed.
    pub(crate) fn remove(&mut self, path: &str, conn: ConnectionId, mode: Option<Modes>) -> bool {
        let Some(watchers) = self.by_path.get_mut(path) else {
            return false;
        };
        let Some(modes) = watchers.get_mut(&conn) else {
            return false;
        };
        let clear = mode.map_or(0xff, |m| m.0);
        if modes.0 & clear == 0 {
            return false;
        }
        if modes.has(Modes::RECURSIVE) && clear & Modes::RECURSIVE.0 != 0 {
            self.recursive -= 1;
        }
        modes.0 &= !clear;
        if modes.0 == 0 {
            watchers.remove(&conn);
            if watchers.is_empty() {
                self.by_path.remove(path);
            }
        }
        true
    }

    /// Forgets every registration of a connection that is gone.
    pub(crate) fn remove_connection(&mut self, conn: ConnectionId) {
        let mut recursive = 0;
        self.by_path.retain(|_, watchers| {
            if let Some(modes) = watchers.remove(&conn) {
                recursive += usize::from(modes.has(Modes::RECURSIVE));
            }
            !watchers.is_empty()
        });
        self.recursive -= recursive;
    }

    /// Number of connections holding a registration here.
    pub(crate) fn connections(&self) -> usize {
        let conns: std::collections::BTreeSet<&ConnectionId> =
            self.by_path.values().flat_map(BTreeMap::keys).collect();
        conns.len()
    }

    /// Number of paths watched.
    pub(crate) fn paths(&self) -> usize {
        self.by_path.len()
    }

    /// Number of (path, connection) registrations.
    pub(crate) fn len(&self) -> usize {
        self.by_path.values().map(BTreeMap::len).sum()
    }

    /// Every (path, connection) registration, by path.
    pub(crate) fn registrations(&self) -> impl Iterator<Item = (&str, ConnectionId)> {
        self.by_path
            .iter()
            .flat_map(|(path, conns)| conns.keys().map(move |conn| (path.as_str(), *conn)))
    }
}

/// The strict ancestors of a path, nearest first: `/a/b` gives `/a`, then `/`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        if rest == "/" || rest.is_empty() {
            return None;
        }
        let slash = rest.rfind('/')?;
        rest = if slash == 0 { "/" } else { &rest[..slash] };
        Some(rest)
    })
}

/// Both managers.
#[derive(Debug, Default, Clone)]
pub(crate) struct Watches {
    /// getData, exists, addWatch (both modes).
    pub(crate) data: WatchTable,
    /// getChildren, addWatch PERSISTENT.
    pub(crate) child: WatchTable,
}

impl Watches {
    /// Both managers, with one mode per registration if `single_mode` (before 3.9).
    pub(crate) fn new(single_mode: bool) -> Watches {
        let table = WatchTable {
            single_mode,
            ..WatchTable::default()
        };
        Watches {
            data: table.clone(),
            child: table,
        }
    }

    /// Forgets a closed connection's registrations.
    pub(crate) fn remove_connection(&mut self, conn: ConnectionId) {
        self.data.remove_connection(conn);
        self.child.remove_connection(conn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(n: u64) -> ConnectionId {
        ConnectionId::new(n)
    }

    fn fire(table: &mut WatchTable, path: &str) -> Vec<u64> {
        table
            .trigger(path, &BTreeSet::new(), false)
            .into_iter()
            .map(|c| c.get())
            .collect()
    }

    #[test]
    fn standard_watches_fire_once_persistent_ones_stay() {
        let mut t = WatchTable::default();
        t.add("/a", c(1), Modes::STANDARD);
        t.add("/a", c(2), Modes::PERSISTENT);
        t.add("/a", c(3), Modes::STANDARD);
        t.add("/a", c(3), Modes::PERSISTENT);
        assert_eq!(fire(&mut t, "/a"), [1, 2, 3]);
        assert_eq!(fire(&mut t, "/a"), [2, 3]);
        assert!(!t.contains("/a", c(3), Some(Modes::STANDARD)));
        assert!(t.contains("/a", c(3), Some(Modes::PERSISTENT)));
        assert_eq!(fire(&mut t, "/b"), Vec::<u64>::new());
    }

    #[test]
    fn recursive_watches_fire_for_descendants_and_others_do_not() {
        let mut t = WatchTable::default();
        t.add("/", c(1), Modes::RECURSIVE);
        t.add("/a", c(2), Modes::RECURSIVE);
        t.add("/a", c(3), Modes::STANDARD);
        t.add("/a", c(4), Modes::PERSISTENT);
        assert_eq!(fire(&mut t, "/a/b/c"), [1, 2]);
        assert_eq!(fire(&mut t, "/a"), [1, 2, 3, 4]);
        assert_eq!(fire(&mut t, "/x"), [1]);
        let suppress = [c(1)].into_iter().collect();
        assert_eq!(t.trigger("/a/b", &suppress, false).len(), 1);
    }

    #[test]
    fn removal_by_mode() {
        let mut t = WatchTable::default();
        t.add("/a", c(1), Modes::STANDARD);
        t.add("/a", c(1), Modes::RECURSIVE);
        assert!(!t.remove("/a", c(1), Some(Modes::PERSISTENT)));
        assert!(t.remove("/a", c(1), Some(Modes::STANDARD)));
        assert!(t.contains("/a", c(1), None));
        assert!(t.remove("/a", c(1), None));
        assert!(!t.contains("/a", c(1), None));
        assert_eq!(t.recursive, 0);
        assert!(!t.remove("/a", c(1), None));
        t.add("/a", c(1), Modes::RECURSIVE);
        t.add("/b", c(2), Modes::STANDARD);
        t.remove_connection(c(1));
        assert_eq!((t.len(), t.recursive), (1, 0));
    }

    #[test]
    fn before_three_nine_the_last_mode_set_wins() {
        let mut t = WatchTable {
            single_mode: true,
            ..WatchTable::default()
        };
        t.add("/a", c(1), Modes::RECURSIVE);
        t.add("/a", c(1), Modes::STANDARD);
        assert_eq!(t.recursive, 0);
        assert_eq!(fire(&mut t, "/a"), [1]);
        assert_eq!(
            fire(&mut t, "/a"),
            Vec::<u64>::new(),
            "the recursive watch went with it"
        );
        t.add("/b", c(2), Modes::STANDARD);
        assert!(t.any_at("/b") && !t.any_at("/a"));
    }

    #[test]
    fn ancestors_nearest_first() {
        assert_eq!(ancestors("/a/b/c").collect::<Vec<_>>(), ["/a/b", "/a", "/"]);
        assert_eq!(ancestors("/a").collect::<Vec<_>>(), ["/"]);
        assert_eq!(ancestors("/").count(), 0);
    }
}
