//! kazoo's `SetPartitioner` (docs/recipes.md#setpartitioner): divides a set of items among the
//! members of a party, each item locked by exactly one member, on kazoo's znode protocol, so Rust
//! and Python workers can share one partitioned set.
//!
//! # Nodes
//!
//! - `path/party/<uuid4 hex>-<identifier>`: ephemeral, data = identifier (kazoo's
//!   [`ShallowParty`](crate::ShallowParty), which the partitioner joins, reads and leaves);
//!   a member's identifier is the text after the first `-`.
//! - `path/locks/<item>`: one kazoo [`Lock`] per item (contenders without identifier).
//!
//! # States
//!
//! ```text
//!  ALLOCATING ──(party stable for time_boundary; all items of our share locked)──▶ ACQUIRED
//!      ▲                                                                              │
//!      └───────────── release_set() ◀── RELEASE ◀── party changed, or the connection ─┘
//!                                                    was suspended or came back
//!  any state ── session lost, client closed, finish(), or an error ──▶ FAILURE (final)
//! ```
//!
//! Every transition increments [`state_id`](SetPartitioner::state_id). The share of a member
//! is, by default, `sorted(set)[i::n]` where `i` is the position of its identifier among the
//! `n` sorted member identifiers (kazoo's `_partitioner`); a custom function must be
//! deterministic across members. Identifiers must be unique in the party.
//!
//! The state machine runs on a background task
//! ([`RuntimeHandle::spawn`](zk_client::RuntimeHandle::spawn)); the [`SetPartitioner`] handle
//! reads its state and sends it `release_set` / `finish`. Dropping the handle finishes:
//! the locks are released and the party left. The task holds a clone of the [`Client`], so
//! the session stays open while the partitioner runs.

use std::collections::VecDeque;
use std::fmt;
use std::future::pending;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{Either, select};
use zk_client::{Client, Error, OneshotWatch, RetryPolicy, SessionId, WatchEvent};

use crate::error::{RecipeError, Result};
use crate::lock::{Lock, LockGuard};
use crate::naming::hostname;
use crate::party::ShallowParty;
use crate::support::paths::join;
use crate::support::retry::retry;
use crate::support::session::{SessionEvent, SessionWatch, session_alive};
use crate::support::signal::Signal;

/// The states of a [`SetPartitioner`] (kazoo's `PartitionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartitionState {
    /// The set is being divided: waiting for the party to settle, then locking our share.
    Allocating,
    /// Our share is locked: [`SetPartitioner::partitions`] is ours to work on.
    Acquired,
    /// The party changed or the connection wavered: stop working on the share and call
    /// [`SetPartitioner::release_set`] as soon as possible.
    Release,
    /// The session was lost, the client closed, or [`SetPartitioner::finish`] was called.
    /// Final: a new partitioner is needed.
    Failure,
}

/// A custom partition function: `(identifier, members, set) -> share`. It must give every
/// member the same answer for the same inputs, and the shares must not overlap.
pub type PartitionFunc = Arc<dyn Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync>;

/// kazoo's default partition function: `sorted(set)[i::len(members)]` where `i` is the
/// position of `identifier` among the sorted members (empty if it is not a member).
pub fn default_partition(identifier: &str, members: &[String], set: &[String]) -> Vec<String> {
    let mut items = set.to_vec();
    items.sort();
    let mut workers = members.to_vec();
    workers.sort();
    let Some(i) = workers.iter().position(|w| w == identifier) else {
        return Vec::new();
    };
    items.into_iter().skip(i).step_by(workers.len()).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    ReleaseSet,
    Finish,
}

struct Snapshot {
    state: PartitionState,
    state_id: u64,
    partitions: Vec<String>,
    failure: Option<RecipeError>,
    queue: VecDeque<(u64, Command)>,
    next_command: u64,
    done_command: u64,
    dropped: bool,
    running: bool,
}

struct Shared {
    snap: Mutex<Snapshot>,
    /// Notified on every state change and command completion.
    changed: Signal,
    /// Notified when a command is queued or the handle is dropped.
    commands: Signal,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Snapshot> {
        self.snap.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Settings of a [`SetPartitioner`]; [`start`](SetPartitionerBuilder::start) joins the party.
#[must_use = "a builder does nothing until started"]
pub struct SetPartitionerBuilder {
    client: Client,
    path: String,
    set: Vec<String>,
    identifier: Option<String>,
    time_boundary: Duration,
    max_reaction_time: Duration,
    partition_func: PartitionFunc,
}

impl fmt::Debug for SetPartitionerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetPartitionerBuilder")
            .field("path", &self.path)
            .field("set", &self.set)
            .field("identifier", &self.identifier)
            .field("time_boundary", &self.time_boundary)
            .field("max_reaction_time", &self.max_reaction_time)
            .finish_non_exhaustive()
    }
}

impl SetPartitionerBuilder {
    /// This member's identifier (default `<host name>-<pid>`, as kazoo's); it becomes part of a
    /// node name, so it must not contain `/`, and it must be unique in the party.
    pub fn with_identifier(mut self, identifier: &str) -> Self {
        self.identifier = Some(identifier.to_owned());
        self
    }

    /// How long the party must stay unchanged before the set is divided (default 30 s).
    pub fn with_time_boundary(mut self, time_boundary: Duration) -> Self {
        self.time_boundary = time_boundary;
        self
    }

    /// How long one attempt to lock an item waits before the party is looked at again
    /// (default 1 s).
    pub fn with_max_reaction_time(mut self, max_reaction_time: Duration) -> Self {
        self.max_reaction_time = max_reaction_time;
        self
    }

    /// A custom partition function (default [`default_partition`]).
    pub fn with_partition_func(
        mut self,
        func: impl Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.partition_func = Arc::new(func);
        self
    }

    /// Creates the paths, joins the party and starts allocating.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk(InvalidArgument)` for an identifier with a `/`;
    /// [`RecipeError::SessionLost`] if the session changed while joining; `RecipeError::Zk` if
    /// creating the paths or the party node fails.
    pub async fn start(self) -> Result<SetPartitioner> {
        let client = self.client.clone();
        let identifier = self
            .identifier
            .unwrap_or_else(|| format!("{}-{}", hostname(), std::process::id()));
        if identifier.contains('/') {
            return Err(Error::InvalidArgument {
                argument: "identifier",
                reason: "a partitioner identifier cannot contain '/'",
            }
            .into());
        }
        let lock_path = join(&self.path, "locks");
        for path in [&self.path, &lock_path] {
            retry(&client, || client.ensure_path(path)).await?;
        }
        // Membership is kazoo's ShallowParty, as in kazoo. Nothing is held yet: a join lost
        // with its session is simply made again.
        let mut party = ShallowParty::new(&client, &join(&self.path, "party"))
            .with_identifier(&identifier)
            .with_retry(RetryPolicy::forever().with_retry_on_expiry(true));
        party.join().await?;
        // The session that holds the membership, and so the locks taken for it.
        let Some(owner) = party.owner().await? else {
            return Err(RecipeError::SessionLost);
        };
        let session = SessionWatch::new(&client, owner);
        if !session.is_current() {
            let _ = party.leave().await;
            return Err(RecipeError::SessionLost);
        }
        let shared = Arc::new(Shared {
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
        });
        let driver = Driver {
            client: client.clone(),
            shared: shared.clone(),
            identifier: identifier.clone(),
            set: self.set,
            lock_path,
            party,
            owner,
            session,
            time_boundary: self.time_boundary,
            max_reaction_time: self.max_reaction_time,
            partition_func: self.partition_func,
            locks: Vec::new(),
            party_watch: None,
            party_changed: false,
            commands_seen: 0,
        };
        client.runtime().spawn(driver.run());
        Ok(SetPartitioner {
            client,
            shared,
            identifier,
            path: self.path,
        })
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
    client: Client,
    shared: Arc<Shared>,
    identifier: String,
    path: String,
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
        SetPartitionerBuilder {
            client: client.clone(),
            path: path.to_owned(),
            set: set.into_iter().map(Into::into).collect(),
            identifier: None,
            time_boundary: Duration::from_secs(30),
            max_reaction_time: Duration::from_secs(1),
            partition_func: Arc::new(default_partition),
        }
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

/// What woke the driver.
enum Wake {
    Session(SessionEvent),
    Command,
    Party(WatchEvent),
    Timer,
}

/// The background task that runs the state machine.
struct Driver {
    client: Client,
    shared: Arc<Shared>,
    identifier: String,
    set: Vec<String>,
    lock_path: String,
    /// This member of the party; its node is owned by `owner`.
    party: ShallowParty,
    owner: SessionId,
    session: SessionWatch,
    time_boundary: Duration,
    max_reaction_time: Duration,
    partition_func: PartitionFunc,
    locks: Vec<LockGuard>,
    party_watch: Option<Pin<Box<OneshotWatch>>>,
    party_changed: bool,
    commands_seen: u64,
}

impl Driver {
    async fn run(mut self) {
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

    fn state(&self) -> PartitionState {
        self.shared.lock().state
    }

    fn state_id(&self) -> u64 {
        self.shared.lock().state_id
    }

    fn set_state(&self, state: PartitionState) {
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
    async fn wait(&mut self, timer: Option<Duration>) -> Wake {
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

    async fn handle(&mut self, wake: Wake) {
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

    async fn on_party(&mut self, event: WatchEvent) {
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
    async fn release_locks(&mut self) -> bool {
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
    async fn fail_out(&mut self, failure: Option<RecipeError>) {
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
    async fn drain_events(&mut self) {
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

    async fn allocate(&mut self) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn default_partition_matches_kazoo() {
        let set = strings(&["e", "a", "d", "b", "c"]);
        let members = strings(&["w2", "w1"]);
        assert_eq!(default_partition("w1", &members, &set), ["a", "c", "e"]);
        assert_eq!(default_partition("w2", &members, &set), ["b", "d"]);
        assert!(default_partition("w3", &members, &set).is_empty());
        let one = strings(&["w1"]);
        assert_eq!(default_partition("w1", &one, &set).len(), 5);
    }
}
