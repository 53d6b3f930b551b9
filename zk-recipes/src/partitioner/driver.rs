//! The background task that runs the state machine: what wakes it (a session change, a
//! command, the party watch, a timer), the commands, releasing the locks, and the final
//! failure, which leaves the party. Allocation itself is in `allocate`.

use std::future::pending;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{Either, select};
use zk_client::{Client, Error, OneshotWatch, SessionId, WatchEvent};

use crate::error::RecipeError;
use crate::lock::LockGuard;
use crate::party::ShallowParty;
use crate::support::session::{SessionEvent, SessionWatch, session_alive};

use super::handle::{Command, Shared};
use super::{PartitionFunc, PartitionState};

/// What woke the driver.
pub(super) enum Wake {
    Session(SessionEvent),
    Command,
    Party(WatchEvent),
    Timer,
}

/// The background task that runs the state machine.
pub(super) struct Driver {
    pub(super) client: Client,
    pub(super) shared: Arc<Shared>,
    pub(super) identifier: String,
    pub(super) set: Vec<String>,
    pub(super) lock_path: String,
    /// This member of the party; its node is owned by `owner`.
    pub(super) party: ShallowParty,
    pub(super) owner: SessionId,
    pub(super) session: SessionWatch,
    pub(super) time_boundary: Duration,
    pub(super) max_reaction_time: Duration,
    pub(super) partition_func: PartitionFunc,
    pub(super) locks: Vec<LockGuard>,
    pub(super) party_watch: Option<Pin<Box<OneshotWatch>>>,
    pub(super) party_changed: bool,
    pub(super) commands_seen: u64,
}

impl Driver {
    pub(super) async fn run(mut self) {
        loop {
            match self.state() {
                PartitionState::Failure => break,
                PartitionState::Allocating => self.allocate().await,
                PartitionState::Acquired | PartitionState::Release => {
                    let wake = self.wait(None).await;
                    self.handle(wake).await;
                }
            }
        }
        // Commands queued after the end are answered by `running = false`.
        let mut snap = self.shared.lock();
        snap.running = false;
        snap.queue.clear();
        drop(snap);
        self.shared.changed.notify();
    }

    pub(super) fn state(&self) -> PartitionState {
        self.shared.lock().state
    }

    pub(super) fn state_id(&self) -> u64 {
        self.shared.lock().state_id
    }

    pub(super) fn set_state(&self, state: PartitionState) {
        {
            let mut snap = self.shared.lock();
            if snap.state == PartitionState::Failure {
                return;
            }
            snap.state = state;
            snap.state_id += 1;
            if state != PartitionState::Acquired {
                snap.partitions.clear();
            }
        }
        tracing::debug!(?state, identifier = %self.identifier, "partitioner state");
        self.shared.changed.notify();
    }

    fn pending_commands(&self) -> bool {
        self.shared.commands.epoch() > self.commands_seen
    }

    /// Waits for the next event: a session change, a command, the party watch (while armed),
    /// or the timer.
    pub(super) async fn wait(&mut self, timer: Option<Duration>) -> Wake {
        // Session changes that already happened come before commands sent after them.
        if let Some(event) = self.session.next().now_or_never() {
            return Wake::Session(event);
        }
        if self.pending_commands() {
            return Wake::Command;
        }
        let client = self.client.clone();
        let sleep = async move {
            match timer {
                Some(duration) => client.runtime().sleep(duration).await,
                None => pending().await,
            }
        };
        let party_watch = &mut self.party_watch;
        let party = async move {
            match party_watch.as_mut() {
                Some(watch) => watch.as_mut().await,
                None => pending().await,
            }
        };
        let commands = pin!(self.shared.commands.wait(self.commands_seen));
        let session = pin!(self.session.next());
        let (party, sleep) = (pin!(party), pin!(sleep));
        match select(select(session, commands), select(party, sleep)).await {
            Either::Left((Either::Left((event, _)), _)) => Wake::Session(event),
            Either::Left((Either::Right(((), _)), _)) => Wake::Command,
            Either::Right((Either::Left((event, _)), _)) => Wake::Party(event),
            Either::Right((Either::Right(((), _)), _)) => Wake::Timer,
        }
    }

    pub(super) async fn handle(&mut self, wake: Wake) {
        match wake {
            Wake::Session(event) => self.on_session(event).await,
            Wake::Command => self.on_commands().await,
            Wake::Party(event) => self.on_party(event).await,
            Wake::Timer => {}
        }
    }

    /// kazoo's session listener: a lost session fails; any other change calls for a release.
    async fn on_session(&mut self, event: SessionEvent) {
        match event {
            SessionEvent::Lost | SessionEvent::Closed => {
                self.fail_out(Some(RecipeError::SessionLost)).await;
            }
            SessionEvent::Suspended | SessionEvent::Reconnected => {
                if !matches!(
                    self.state(),
                    PartitionState::Release | PartitionState::Failure
                ) {
                    self.set_state(PartitionState::Release);
                }
            }
        }
    }

    pub(super) async fn on_party(&mut self, event: WatchEvent) {
        self.party_watch = None;
        match event {
            WatchEvent::SessionExpired | WatchEvent::Closed | WatchEvent::AuthFailed => {
                self.fail_out(Some(RecipeError::SessionLost)).await;
            }
            _ => {
                self.party_changed = true;
                if self.state() == PartitionState::Acquired {
                    self.set_state(PartitionState::Release);
                }
            }
        }
    }

    async fn on_commands(&mut self) {
        self.commands_seen = self.shared.commands.epoch();
        loop {
            let next = {
                let mut snap = self.shared.lock();
                if snap.dropped {
                    Some((0, Command::Finish))
                } else {
                    snap.queue.pop_front()
                }
            };
            let Some((id, command)) = next else {
                return;
            };
            match command {
                Command::ReleaseSet => {
                    if self.release_locks().await {
                        self.party_watch = None;
                        self.party_changed = false;
                        self.set_state(PartitionState::Allocating);
                    }
                }
                Command::Finish => {
                    self.release_locks().await;
                    self.fail_out(None).await;
                }
            }
            {
                let mut snap = self.shared.lock();
                snap.done_command = snap.done_command.max(id);
            }
            self.shared.changed.notify();
            if self.state() == PartitionState::Failure {
                return;
            }
        }
    }

    /// Releases every lock; on an error no retry fixes, fails (kazoo: locks it could not
    /// release abort the partitioner). Returns whether all went.
    pub(super) async fn release_locks(&mut self) -> bool {
        let mut ok = true;
        for guard in std::mem::take(&mut self.locks) {
            match guard.release().await {
                Ok(()) | Err(RecipeError::SessionLost) => {}
                Err(error) => {
                    tracing::warn!(%error, "partitioner could not release a lock");
                    ok = false;
                    self.fail_out(Some(error)).await;
                }
            }
        }
        ok
    }

    /// Enters FAILURE and leaves the party.
    pub(super) async fn fail_out(&mut self, failure: Option<RecipeError>) {
        if self.state() != PartitionState::Failure {
            self.shared.lock().failure = failure;
            self.set_state(PartitionState::Failure);
        }
        self.party_watch = None;
        // The locks go with the session when it is lost; otherwise release them now.
        if session_alive(&self.client, self.owner) {
            for guard in std::mem::take(&mut self.locks) {
                let _ = guard.release().await;
            }
        } else {
            self.locks.clear();
        }
        match self.party.leave().await {
            // Closed: the node went with the session.
            Ok(_) | Err(RecipeError::Zk(Error::Closed)) => {}
            Err(error) => tracing::warn!(%error, "partitioner could not leave the party"),
        }
    }

    /// Looks at events that are already there, without waiting.
    pub(super) async fn drain_events(&mut self) {
        loop {
            if self.pending_commands() {
                self.on_commands().await;
                continue;
            }
            let session = self.session.next().now_or_never();
            if let Some(event) = session {
                self.on_session(event).await;
                continue;
            }
            let party = self
                .party_watch
                .as_mut()
                .and_then(|watch| watch.as_mut().now_or_never());
            if let Some(event) = party {
                self.on_party(event).await;
                continue;
            }
            return;
        }
    }
}
