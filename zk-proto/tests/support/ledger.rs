//! [`Ledger`]: the session's promises about its outputs, checked one output at a time, for runs
//! whose steps are generated and whose outputs therefore cannot be written down in advance.

use std::collections::{BTreeSet, HashSet};

use zk_proto::{Output, RequestId, WatchId};

/// What has been submitted and not completed, and which watchers exist. Every check panics, so
/// that a fuzz target crashes and a property test fails (and shrinks) on the step that broke it.
#[derive(Debug, Default)]
pub struct Ledger {
    outstanding: BTreeSet<RequestId>,
    watches: Vec<WatchId>,
    ended: HashSet<WatchId>,
}

impl Ledger {
    /// A request the session accepted: it must complete exactly once.
    pub fn issue(&mut self, id: RequestId) {
        assert!(self.outstanding.insert(id), "request id {id:?} reused");
    }

    /// Checks one output: a completion is for an outstanding request, and a watch event is for
    /// a watcher some completion handed out and that has not had its terminal event.
    pub fn observe(&mut self, output: &Output) {
        match output {
            Output::Complete { id, watch, .. } => {
                assert!(
                    self.outstanding.remove(id),
                    "completion for {id:?}, which is not outstanding"
                );
                self.watches.extend(*watch);
            }
            Output::Watch { watch, event } => {
                assert!(
                    self.watches.contains(watch),
                    "event {event:?} for unknown {watch:?}"
                );
                assert!(
                    !self.ended.contains(watch),
                    "event {event:?} after a terminal event for {watch:?}"
                );
                if event.is_terminal() {
                    self.ended.insert(*watch);
                }
            }
            Output::State(_) => {}
        }
    }

    /// Every watcher handed out so far, ended or not.
    pub fn watches(&self) -> &[WatchId] {
        &self.watches
    }

    /// Panics naming the requests that never completed.
    pub fn assert_settled(&self) {
        assert!(
            self.outstanding.is_empty(),
            "requests never completed: {:?}",
            self.outstanding
        );
    }
}
