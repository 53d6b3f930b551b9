//! Allocation (kazoo's `_allocate_transition`): wait until the party has been unchanged for
//! the time boundary, divide the set, lock our share item by item, and give up (releasing
//! what was locked) whenever the party or the state moves on meanwhile.

use zk_client::Error;

use crate::error::RecipeError;
use crate::lock::Lock;
use crate::support::paths::join;

use super::PartitionState;
use super::driver::{Driver, Wake};

impl Driver {
    /// kazoo's `abort_if_needed`: true when allocation must stop (the party changed: locks
    /// released, allocation starts over; or the state moved on).
    async fn abort_if_needed(&mut self, state_id: u64) -> bool {
        self.drain_events().await;
        if self.state_id() == state_id {
            if self.party_changed {
                self.release_locks().await;
                self.party_changed = false;
                self.party_watch = None;
                return true;
            }
            false
        } else {
            if matches!(
                self.state(),
                PartitionState::Allocating | PartitionState::Acquired
            ) && !self.locks.is_empty()
            {
                // kazoo: the state moved on under the allocation; hold on to the locks taken
                // so far until the application releases the set.
                self.set_state(PartitionState::Release);
            }
            true
        }
    }

    /// The party's members' identifiers once it has been unchanged for `time_boundary` (kazoo's
    /// `PatientChildrenWatch`), with the watch armed for later changes. `None`: the state
    /// moved on meanwhile.
    async fn stable_party(&mut self) -> Option<Vec<String>> {
        let state_id = self.state_id();
        'read: loop {
            // Membership is tied to the session: read on it, and fail once it is gone.
            let (members, watch) = match self.party.watch_members(self.owner).await {
                Ok(read) => read,
                Err(Error::SessionExpired) => {
                    self.fail_out(Some(RecipeError::SessionLost)).await;
                    return None;
                }
                Err(error) => {
                    self.fail_out(Some(error.into())).await;
                    return None;
                }
            };
            self.party_watch = Some(Box::pin(watch));
            self.party_changed = false;
            let settle_at = self.client.runtime().now() + self.time_boundary;
            loop {
                let left = settle_at.saturating_duration_since(self.client.runtime().now());
                if left.is_zero() {
                    return Some(members);
                }
                match self.wait(Some(left)).await {
                    Wake::Timer => {}
                    Wake::Party(event) => {
                        self.on_party(event).await;
                        if self.state_id() != state_id {
                            return None;
                        }
                        continue 'read;
                    }
                    other => {
                        self.handle(other).await;
                        if self.state_id() != state_id {
                            return None;
                        }
                    }
                }
            }
        }
    }

    /// One allocation: the settled party, our share, its locks; Acquired if all went well.
    pub(super) async fn allocate(&mut self) {
        let Some(members) = self.stable_party().await else {
            return;
        };
        let state_id = self.state_id();
        let share = (self.partition_func)(&self.identifier, &members, &self.set);
        tracing::debug!(identifier = %self.identifier, ?members, ?share, "partitioning");
        for item in &share {
            let lock = Lock::new(&self.client, &join(&self.lock_path, item));
            loop {
                match lock.acquire(Some(self.max_reaction_time)).await {
                    Ok(guard) => {
                        self.locks.push(guard);
                        break;
                    }
                    Err(RecipeError::Timeout) => {
                        if self.abort_if_needed(state_id).await {
                            return;
                        }
                    }
                    Err(error) => {
                        self.release_locks().await;
                        self.fail_out(Some(error)).await;
                        return;
                    }
                }
            }
            if self.abort_if_needed(state_id).await {
                return;
            }
        }
        self.drain_events().await;
        if self.state_id() == state_id && !self.party_changed {
            self.shared.lock().partitions = share;
            self.set_state(PartitionState::Acquired);
        } else if !self.abort_if_needed(state_id).await {
            self.fail_out(Some(RecipeError::Inconsistent(
                "partitioner allocation ended in an unexpected state".into(),
            )))
            .await;
        }
    }
}
