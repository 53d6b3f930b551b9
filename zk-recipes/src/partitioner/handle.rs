//! The [`SetPartitioner`] the application holds: it reads the state the driver publishes
//! and queues commands (`release_set`, `finish`) for it, waiting until they are done.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use zk_client::Client;

use crate::error::{RecipeError, Result};
use crate::support::signal::Signal;

use super::PartitionState;
use super::builder::SetPartitionerBuilder;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Command {
    ReleaseSet,
    Finish,
}

pub(super) struct Snapshot {
    pub(super) state: PartitionState,
    pub(super) state_id: u64,
    pub(super) partitions: Vec<String>,
    pub(super) failure: Option<RecipeError>,
    pub(super) queue: VecDeque<(u64, Command)>,
    pub(super) next_command: u64,
    pub(super) done_command: u64,
    pub(super) dropped: bool,
    pub(super) running: bool,
}

pub(super) struct Shared {
    pub(super) snap: Mutex<Snapshot>,
    /// Notified on every state change and command completion.
    pub(super) changed: Signal,
    /// Notified when a command is queued or the handle is dropped.
    pub(super) commands: Signal,
}

impl Shared {
    /// A fresh partitioner's state: allocating, the driver running.
    pub(super) fn new() -> Shared {
        Shared {
            snap: Mutex::new(Snapshot {
                state: PartitionState::Allocating,
                state_id: 0,
                partitions: Vec::new(),
                failure: None,
                queue: VecDeque::new(),
                next_command: 0,
                done_command: 0,
                dropped: false,
                running: true,
            }),
            changed: Signal::default(),
            commands: Signal::default(),
        }
    }

    /// The state, locked.
    pub(super) fn lock(&self) -> MutexGuard<'_, Snapshot> {
        self.snap.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// kazoo's `SetPartitioner(client, path, set, partition_func, identifier, time_boundary,
/// max_reaction_time)`.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::{PartitionState, SetPartitioner};
///
/// let queues = ["queue-1", "queue-2", "queue-3"].map(String::from);
/// let partitioner = SetPartitioner::builder(&client, "/app/work-queues", queues)
///     .with_identifier("worker-1")
///     .start()
///     .await?;
/// loop {
///     match partitioner.state() {
///         PartitionState::Failure => break,
///         PartitionState::Release => partitioner.release_set().await?,
///         PartitionState::Acquired => {
///             for queue in partitioner.partitions() {
///                 // ... work on `queue`, checking the state now and then ...
/// #               let _ = queue;
///             }
///             partitioner.changed(partitioner.state_id()).await;
///         }
///         PartitionState::Allocating => {
///             partitioner.wait_for_acquire(Duration::from_secs(30)).await;
///         }
///     }
/// }
/// # Ok(()) }
/// ```
pub struct SetPartitioner {
    pub(super) client: Client,
    pub(super) shared: Arc<Shared>,
    pub(super) identifier: String,
    pub(super) path: String,
}

impl fmt::Debug for SetPartitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetPartitioner")
            .field("path", &self.path)
            .field("identifier", &self.identifier)
            .field("state", &self.state())
            .field("state_id", &self.state_id())
            .finish_non_exhaustive()
    }
}

impl SetPartitioner {
    /// Settings for a partitioner of `set` on `path`.
    pub fn builder<I, S>(client: &Client, path: &str, set: I) -> SetPartitionerBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SetPartitionerBuilder::new(client, path, set.into_iter().map(Into::into).collect())
    }

    /// This member's identifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The state now.
    pub fn state(&self) -> PartitionState {
        self.shared.lock().state
    }

    /// A counter incremented by every transition, to tell two visits of one state apart.
    pub fn state_id(&self) -> u64 {
        self.shared.lock().state_id
    }

    /// Whether the state is [`PartitionState::Failure`].
    pub fn failed(&self) -> bool {
        self.state() == PartitionState::Failure
    }

    /// Whether the state is [`PartitionState::Release`].
    pub fn release(&self) -> bool {
        self.state() == PartitionState::Release
    }

    /// Whether the state is [`PartitionState::Allocating`].
    pub fn allocating(&self) -> bool {
        self.state() == PartitionState::Allocating
    }

    /// Whether the state is [`PartitionState::Acquired`].
    pub fn acquired(&self) -> bool {
        self.state() == PartitionState::Acquired
    }

    /// Our share of the set while [`Acquired`](PartitionState::Acquired); empty in every other
    /// state (kazoo keeps the old share around; stopping work on it is safer).
    pub fn partitions(&self) -> Vec<String> {
        self.shared.lock().partitions.clone()
    }

    /// Why the partitioner failed, when it did for another reason than
    /// [`finish`](SetPartitioner::finish).
    pub fn failure(&self) -> Option<RecipeError> {
        self.shared.lock().failure.clone()
    }

    /// Completes once the state id is greater than `since`.
    pub async fn changed(&self, since: u64) {
        loop {
            let epoch = self.shared.changed.epoch();
            if self.state_id() > since {
                return;
            }
            self.shared.changed.wait(epoch).await;
        }
    }

    /// Waits until allocation is over (or `timeout` passes); returns the state then. Unlike
    /// kazoo's, it also returns early when allocation was interrupted (Release or Failure).
    pub async fn wait_for_acquire(&self, timeout: Duration) -> PartitionState {
        let wait = async {
            loop {
                let epoch = self.shared.changed.epoch();
                let state = self.state();
                if state != PartitionState::Allocating {
                    return state;
                }
                self.shared.changed.wait(epoch).await;
            }
        };
        match self.client.runtime().timeout(timeout, wait).await {
            Some(state) => state,
            None => self.state(),
        }
    }

    /// Releases our share and starts allocating again (call it in
    /// [`Release`](PartitionState::Release)). Waits until done.
    ///
    /// # Errors
    ///
    /// The partitioner's failure, if it failed (a lost session is [`RecipeError::SessionLost`]).
    pub async fn release_set(&self) -> Result<()> {
        self.command(Command::ReleaseSet).await;
        match self.failure() {
            Some(error) if self.failed() => Err(error),
            _ => Ok(()),
        }
    }

    /// Releases our share and leaves the party: the partitioner is then
    /// [`Failure`](PartitionState::Failure) for good. Waits until done.
    pub async fn finish(&self) {
        self.command(Command::Finish).await;
    }

    async fn command(&self, command: Command) {
        let id = {
            let mut snap = self.shared.lock();
            if !snap.running {
                return;
            }
            snap.next_command += 1;
            let id = snap.next_command;
            snap.queue.push_back((id, command));
            id
        };
        self.shared.commands.notify();
        loop {
            let epoch = self.shared.changed.epoch();
            {
                let snap = self.shared.lock();
                if snap.done_command >= id || !snap.running {
                    return;
                }
            }
            self.shared.changed.wait(epoch).await;
        }
    }
}

impl Drop for SetPartitioner {
    fn drop(&mut self) {
        self.shared.lock().dropped = true;
        self.shared.commands.notify();
    }
}
