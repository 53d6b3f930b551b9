//! The local watch registry: five maps from client path to watchers, with the Java client's
//! routing rules (`ZKWatchManager`, `docs/protocol.md#watch-routing`).
//!
//! Ordered maps are used on purpose: iteration order is deterministic (the core's only
//! randomness is the session's seeded generator) and re-registration batches are reproducible.

use std::collections::BTreeMap;

use super::{EventType, WatchId, WatchKind};
use crate::request::WatcherType;

#[derive(Debug, Default)]
pub(crate) struct WatchRegistry {
    /// Indexed by [`WatchKind::index`]: data, exist, child, persistent, recursive.
    by_kind: [BTreeMap<String, Vec<WatchId>>; 5],
    by_id: BTreeMap<WatchId, (WatchKind, String)>,
}

impl WatchRegistry {
    pub(crate) fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    pub(crate) fn add(&mut self, id: WatchId, kind: WatchKind, path: &str) {
        self.by_kind[kind.index()]
            .entry(path.to_owned())
            .or_default()
            .push(id);
        self.by_id.insert(id, (kind, path.to_owned()));
    }

    /// Removes one watcher; returns its kind and path if it was registered.
    pub(crate) fn remove(&mut self, id: WatchId) -> Option<(WatchKind, String)> {
        let (kind, path) = self.by_id.remove(&id)?;
        let map = &mut self.by_kind[kind.index()];
        if let Some(ids) = map.get_mut(&path) {
            ids.retain(|w| *w != id);
            if ids.is_empty() {
                map.remove(&path);
            }
        }
        Some((kind, path))
    }

    pub(crate) fn kind_of(&self, id: WatchId) -> Option<WatchKind> {
        self.by_id.get(&id).map(|(kind, _)| *kind)
    }

    /// Whether a watcher of `kind` is registered on `path`.
    pub(crate) fn has(&self, kind: WatchKind, path: &str) -> bool {
        self.by_kind[kind.index()].contains_key(path)
    }

    /// Takes every watcher of `kind` on `path` out of the registry.
    fn take(&mut self, kind: WatchKind, path: &str, out: &mut Vec<WatchId>) {
        if let Some(ids) = self.by_kind[kind.index()].remove(path) {
            for id in &ids {
                self.by_id.remove(id);
            }
            out.extend(ids);
        }
    }

    /// Copies every watcher of `kind` on `path`, leaving them registered.
    fn peek(&self, kind: WatchKind, path: &str, out: &mut Vec<WatchId>) {
        if let Some(ids) = self.by_kind[kind.index()].get(path) {
            out.extend(ids.iter().copied());
        }
    }

    /// The watchers a notification reaches, removing the one-shot ones it consumes.
    ///
    /// One server frame may satisfy several local registrations (the server sends at most one
    /// notification per trigger per connection), so it fans out to all of them: one-shot
    /// watchers on the path, persistent watchers on the path, and persistent recursive watchers
    /// on the path and every ancestor. Recursive watchers never see child-list changes.
    pub(crate) fn route(&mut self, event: EventType, path: &str) -> Vec<WatchId> {
        let mut out = Vec::new();
        match event {
            EventType::NodeCreated | EventType::NodeDataChanged => {
                self.take(WatchKind::Data, path, &mut out);
                self.take(WatchKind::Exist, path, &mut out);
            }
            EventType::NodeDeleted => {
                self.take(WatchKind::Data, path, &mut out);
                self.take(WatchKind::Exist, path, &mut out);
                self.take(WatchKind::Child, path, &mut out);
            }
            EventType::NodeChildrenChanged => {
                self.take(WatchKind::Child, path, &mut out);
            }
        }
        self.peek(WatchKind::Persistent, path, &mut out);
        if event != EventType::NodeChildrenChanged {
            for ancestor in ancestors(path) {
                self.peek(WatchKind::PersistentRecursive, ancestor, &mut out);
            }
        }
        out
    }

    /// Removes every watcher that a removeWatches of `watcher_type` on `path` covers.
    pub(crate) fn remove_matching(
        &mut self,
        path: &str,
        watcher_type: WatcherType,
    ) -> Vec<WatchId> {
        let kinds: &[WatchKind] = match watcher_type {
            WatcherType::Children => &[WatchKind::Child],
            WatcherType::Data => &[WatchKind::Data, WatchKind::Exist],
            WatcherType::Any => &WatchKind::ALL,
            WatcherType::Persistent => &[WatchKind::Persistent],
            WatcherType::PersistentRecursive => &[WatchKind::PersistentRecursive],
        };
        let mut out = Vec::new();
        for kind in kinds {
            self.take(*kind, path, &mut out);
        }
        out
    }

    /// After one watcher of `kind` on `path` was removed locally: the server-side removal to
    /// send, if no remaining local watcher still depends on that server registration.
    ///
    /// The server keeps one registration per (connection, path, manager): the data manager
    /// serves data, exist, persistent and recursive watches; the child manager serves child
    /// and persistent watches. Servers before 3.9 can only remove persistent modes with
    /// `Any`, which clears both managers, so that is sent only when nothing remains on the path.
    pub(crate) fn server_removal(
        &self,
        kind: WatchKind,
        path: &str,
        persistent_types: bool,
    ) -> Option<WatcherType> {
        let any_left = |kinds: &[WatchKind]| kinds.iter().any(|k| self.has(*k, path));
        let nothing_left = !any_left(&WatchKind::ALL);
        match kind {
            WatchKind::Data | WatchKind::Exist => (!any_left(&[
                WatchKind::Data,
                WatchKind::Exist,
                WatchKind::Persistent,
                WatchKind::PersistentRecursive,
            ]))
            .then_some(WatcherType::Data),
            WatchKind::Child => (!any_left(&[WatchKind::Child, WatchKind::Persistent]))
                .then_some(WatcherType::Children),
            WatchKind::Persistent if persistent_types => {
                (!any_left(&[WatchKind::Persistent])).then_some(WatcherType::Persistent)
            }
            WatchKind::PersistentRecursive if persistent_types => {
                (!any_left(&[WatchKind::PersistentRecursive]))
                    .then_some(WatcherType::PersistentRecursive)
            }
            WatchKind::Persistent | WatchKind::PersistentRecursive => {
                nothing_left.then_some(WatcherType::Any)
            }
        }
    }

    /// Takes every watcher out of the registry (session lost, client closed).
    pub(crate) fn drain(&mut self) -> Vec<WatchId> {
        for map in &mut self.by_kind {
            map.clear();
        }
        std::mem::take(&mut self.by_id).into_keys().collect()
    }

    /// Every persistent and persistent recursive watcher.
    pub(crate) fn persistent_ids(&self) -> Vec<WatchId> {
        self.by_id
            .iter()
            .filter(|(_, (kind, _))| !kind.is_one_shot())
            .map(|(id, _)| *id)
            .collect()
    }

    /// The registered paths of one kind, in order.
    pub(crate) fn paths(&self, kind: WatchKind) -> impl Iterator<Item = &str> {
        self.by_kind[kind.index()].keys().map(String::as_str)
    }
}

/// `/a/b` → `/a/b`, `/a`, `/`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(path);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.rfind('/') {
            _ if current == "/" => None,
            Some(0) => Some("/"),
            Some(i) => Some(&current[..i]),
            None => None,
        };
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(n: u64) -> WatchId {
        WatchId(n)
    }

    #[test]
    fn ancestors_walk_up_to_the_root() {
        assert_eq!(
            ancestors("/a/b/c").collect::<Vec<_>>(),
            ["/a/b/c", "/a/b", "/a", "/"]
        );
        assert_eq!(ancestors("/").collect::<Vec<_>>(), ["/"]);
    }

    #[test]
    fn routing_follows_the_java_table() {
        let mut r = WatchRegistry::default();
        r.add(w(1), WatchKind::Data, "/a");
        r.add(w(2), WatchKind::Exist, "/a");
        r.add(w(3), WatchKind::Child, "/a");
        r.add(w(4), WatchKind::Persistent, "/a");
        r.add(w(5), WatchKind::PersistentRecursive, "/");
        r.add(w(6), WatchKind::PersistentRecursive, "/a");
        r.add(w(7), WatchKind::Data, "/a");

        // Children changed: the child watch (consumed) and the persistent one; never recursive.
        assert_eq!(r.route(EventType::NodeChildrenChanged, "/a"), [w(3), w(4)]);
        // Data changed: both data watches and the exist watch, consumed; persistent and both
        // recursive ancestors, kept.
        assert_eq!(
            r.route(EventType::NodeDataChanged, "/a"),
            [w(1), w(7), w(2), w(4), w(6), w(5)]
        );
        assert_eq!(r.route(EventType::NodeDeleted, "/a"), [w(4), w(6), w(5)]);
        // A descendant reaches only the recursive watchers.
        assert_eq!(r.route(EventType::NodeCreated, "/a/b/c"), [w(6), w(5)]);
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn server_removal_waits_for_the_last_dependent_watcher() {
        let mut r = WatchRegistry::default();
        r.add(w(1), WatchKind::Data, "/a");
        r.add(w(2), WatchKind::Persistent, "/a");
        r.remove(w(1));
        assert_eq!(
            r.server_removal(WatchKind::Data, "/a", false),
            None,
            "persistent still uses the data manager"
        );
        r.remove(w(2));
        assert_eq!(
            r.server_removal(WatchKind::Persistent, "/a", false),
            Some(WatcherType::Any)
        );
        assert_eq!(
            r.server_removal(WatchKind::Persistent, "/a", true),
            Some(WatcherType::Persistent)
        );
        r.add(w(3), WatchKind::Child, "/a");
        assert_eq!(r.server_removal(WatchKind::Persistent, "/a", false), None);
        assert_eq!(
            r.server_removal(WatchKind::Data, "/a", false),
            Some(WatcherType::Data)
        );
    }

    #[test]
    fn remove_matching_covers_the_right_kinds() {
        let mut r = WatchRegistry::default();
        r.add(w(1), WatchKind::Data, "/a");
        r.add(w(2), WatchKind::Exist, "/a");
        r.add(w(3), WatchKind::Child, "/a");
        assert_eq!(r.remove_matching("/a", WatcherType::Data), [w(1), w(2)]);
        assert_eq!(r.remove_matching("/a", WatcherType::Any), [w(3)]);
        assert!(r.is_empty());
    }
}
