//! kazoo's queues: [`Queue`] (take = read and delete) and [`LockingQueue`] (take = lock with
//! an ephemeral node, then consume or release), on kazoo's node names.
//!
//! Entries are persistent sequential nodes `entry-PPP-<seq>`, where `PPP` is the priority
//! written with three digits (`0`–`999`, lower first; kazoo's default is 100), so entries order
//! by priority, then by creation. A [`LockingQueue`] keeps them in `<path>/entries` and locks
//! one by creating the ephemeral `<path>/taken/<entry name>` holding the consumer's id (a
//! 32-hex-digit uuid).

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use zk_client::{
    Client, CreateMode, CreateOptions, Error, MultiResult, OneshotWatch, RetryPolicy, SessionId,
};

use futures_util::future::{Either, select};

use crate::error::{RecipeError, Result};
use crate::naming::kazoo_uuid;
use crate::sequence::{Sequence, SequenceOrder};
use crate::support::detach::{
    children_watched, delete_in_background, detach_with_cleanup, settled,
};
use crate::support::paths::join;
use crate::support::retry::{Backoff, Failure, classify, recover, retry, retry_in_session};
use crate::support::session::session_alive;
use crate::support::session::stopped_by;
use crate::support::within;

/// kazoo's default priority.
pub const DEFAULT_PRIORITY: u16 = 100;

/// The largest priority kazoo accepts (three digits).
const MAX_PRIORITY: u16 = 999;

/// The name prefix of an entry of `priority`: `entry-PPP-`.
fn entry_prefix(priority: u16) -> Result<String> {
    if priority > MAX_PRIORITY {
        return Err(RecipeError::Zk(Error::InvalidArgument(
            "a queue priority must be between 0 and 999",
        )));
    }
    Ok(format!("entry-{priority:03}-"))
}

/// Creates one entry (`<prefix><sequence>`) and returns its name. Not retried on a connection
/// error: the create may have been applied, and a second entry would be a duplicate.
async fn create_entry(client: &Client, prefix: &str, value: Bytes) -> Result<String> {
    let options = CreateOptions::mode(CreateMode::PersistentSequential);
    let path = client.create_with(prefix, value, &options).await?;
    Ok(name_of(&path).to_owned())
}

/// The priority and sequence of an entry name `entry-PPP-<seq>`.
fn parse_entry(name: &str) -> Option<(u16, Sequence)> {
    let rest = name.strip_prefix("entry-")?;
    let priority = rest.get(..3)?;
    if !priority.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seq = rest.get(3..)?.strip_prefix('-')?;
    Some((priority.parse().ok()?, Sequence::parse(seq)?))
}

/// Entry names in the order consumers take them.
///
/// [`SequenceOrder::KazooString`] sorts every name as a string, exactly as kazoo does.
/// [`SequenceOrder::Serial`] sorts entries by priority, then by sequence number in creation
/// order, across the signed 32-bit wrap of the sequence counter; names that are not entries
/// are left out.
fn order_entries(names: impl IntoIterator<Item = String>, order: SequenceOrder) -> Vec<String> {
    match order {
        SequenceOrder::KazooString => {
            let mut names: Vec<String> = names.into_iter().collect();
            names.sort_unstable();
            names
        }
        SequenceOrder::Serial => {
            let mut entries: Vec<(u16, i32, String)> = names
                .into_iter()
                .filter_map(|n| parse_entry(&n).map(|(p, s)| (p, s.0, n)))
                .collect();
            // Live entries span far less than 2^30 creations: if both ends of the i32 range
            // are present, the counter wrapped, and the negative numbers came later.
            let wrapped =
                entries.iter().any(|e| e.1 >= 1 << 30) && entries.iter().any(|e| e.1 < -(1 << 30));
            let key = |seq: i32| -> i64 {
                if wrapped && seq < 0 {
                    i64::from(seq) + (1i64 << 32)
                } else {
                    i64::from(seq)
                }
            };
            entries.sort_unstable_by(|a, b| (a.0, key(a.1), &a.2).cmp(&(b.0, key(b.1), &b.2)));
            entries.into_iter().map(|e| e.2).collect()
        }
    }
}

/// The last component of a path.
fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

// ----- Queue ------------------------------------------------------------------------------

/// A distributed priority queue: kazoo's `Queue`.
///
/// [`put`](Queue::put) adds a persistent sequential node `<path>/entry-PPP-<seq>` holding the
/// value; [`get`](Queue::get) takes the first entry by reading it and deleting it (whoever
/// deletes it gets it, so concurrent consumers never both get an entry), and returns `None`
/// when the queue is empty. Like kazoo, it keeps the sorted list of entries between calls and
/// lists the children again only when it is used up; an entry another consumer took first is
/// skipped for the next one.
///
/// Consumption is not reliable: an entry is removed before it is processed. If the
/// connection drops during the delete, the outcome is unknown; the entry is then returned
/// anyway, so it may (rarely) be delivered twice but is never lost. For exactly-once
/// processing use [`LockingQueue`].
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::Queue;
///
/// let mut jobs = Queue::new(&client, "/app/jobs");
/// jobs.put("routine").await?;
/// jobs.put_with_priority("urgent", 1).await?;
/// assert_eq!(jobs.get().await?.as_deref(), Some(&b"urgent"[..]));
/// assert_eq!(jobs.len().await?, 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Queue {
    client: Client,
    path: String,
    order: SequenceOrder,
    retry: RetryPolicy,
    ensured: AtomicBool,
    cached: VecDeque<String>,
}

impl Queue {
    /// A queue at `path` (created when first used).
    pub fn new(client: &Client, path: &str) -> Queue {
        Queue {
            client: client.clone(),
            path: path.to_owned(),
            order: SequenceOrder::default(),
            retry: RetryPolicy::default(),
            ensured: AtomicBool::new(false),
            cached: VecDeque::new(),
        }
    }

    /// How entries are ordered (default [`SequenceOrder::Serial`]: by priority, then creation,
    /// correct across the sequence wrap; [`SequenceOrder::KazooString`] sorts every child name
    /// as a string, as kazoo does). Both agree until the parent's sequence counter wraps.
    pub fn with_order(mut self, order: SequenceOrder) -> Self {
        self.order = order;
        self
    }

    /// How reads and idempotent steps are retried after a connection loss (default
    /// [`RetryPolicy::default`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The queue's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    async fn ensure(&self) -> Result<()> {
        if !self.ensured.load(Ordering::Relaxed) {
            self.client
                .retry(&self.retry, || self.client.ensure_path(&self.path))
                .await?;
            self.ensured.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Adds `value` with kazoo's default priority (100); returns the entry's name.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if creating the queue or the entry fails; after a connection error the
    /// entry may or may not have been added (it is not retried, so as not to add it twice).
    pub async fn put(&self, value: impl Into<Bytes>) -> Result<String> {
        self.put_with_priority(value, DEFAULT_PRIORITY).await
    }

    /// Adds `value` with `priority` (0–999, lower first); returns the entry's name. A create
    /// that fails with a connection error is not retried (it may have been applied).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk(InvalidArgument)` for a priority above 999; otherwise as
    /// [`put`](Self::put).
    pub async fn put_with_priority(
        &self,
        value: impl Into<Bytes>,
        priority: u16,
    ) -> Result<String> {
        let prefix = join(&self.path, &entry_prefix(priority)?);
        self.ensure().await?;
        create_entry(&self.client, &prefix, value.into()).await
    }

    /// Takes the first entry: its value, or `None` if the queue is empty.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn get(&mut self) -> Result<Option<Bytes>> {
        self.ensure().await?;
        loop {
            if self.cached.is_empty() {
                let children = self
                    .client
                    .retry(&self.retry, || self.client.get_children(&self.path))
                    .await?;
                self.cached = order_entries(children, self.order).into();
            }
            let Some(name) = self.cached.front().cloned() else {
                return Ok(None);
            };
            let entry = join(&self.path, &name);
            let data = match self
                .client
                .retry(&self.retry, || self.client.get_data(&entry))
                .await
            {
                Ok((data, _)) => data,
                Err(Error::NoNode) => {
                    // Taken by another consumer: try the next one (kazoo lists again, which
                    // costs every loser of a race a round trip per entry).
                    self.cached.pop_front();
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            self.cached.pop_front();
            if self.delete_entry(&entry).await? {
                return Ok(Some(data));
            }
        }
    }

    /// Deletes a read entry: `true` if this consumer got it.
    async fn delete_entry(&self, entry: &str) -> Result<bool> {
        match self.client.delete(entry, None).await {
            Ok(()) => Ok(true),
            Err(Error::NoNode) => Ok(false),
            Err(error) if self.retry.is_retryable(&error) => {
                // The delete may have been applied before the connection dropped: finish it,
                // and count an entry already gone as taken here (never lost; rarely twice).
                match self
                    .client
                    .retry(&self.retry, || self.client.delete(entry, None))
                    .await
                {
                    Ok(()) | Err(Error::NoNode) => Ok(true),
                    Err(error) => Err(error.into()),
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The number of entries (the queue node's child count).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn len(&self) -> Result<usize> {
        self.ensure().await?;
        let stat = self
            .client
            .retry(&self.retry, || self.client.exists(&self.path))
            .await?;
        Ok(stat.map_or(0, |s| s.num_children.max(0) as usize))
    }

    /// Whether the queue has no entries.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }
}

// ----- LockingQueue -----------------------------------------------------------------------

/// A distributed priority queue with reliable consumption: kazoo's `LockingQueue`.
///
/// [`get`](LockingQueue::get) waits (up to a timeout) for an entry nobody holds, locks it with
/// the ephemeral node `<path>/taken/<entry name>` holding this queue's id, and returns its
/// value; the entry stays in the queue. Once processed, [`consume`](LockingQueue::consume)
/// removes entry and lock in one transaction; [`release`](LockingQueue::release) unlocks it
/// for others. Until then, `get` returns the same entry again. If the session is lost, the
/// lock goes with it and another consumer may take the entry:
/// [`holds_lock`](LockingQueue::holds_lock) tells whether this consumer still has it.
///
/// Safer than kazoo: a `get` that times out or is cancelled leaves no watch behind (kazoo
/// #175) and no lock (a lock taken at the last moment is released); lock creation, consume
/// and release survive connection loss without losing or doubling an entry. Dropping a queue
/// that still holds an entry releases it in the background.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::LockingQueue;
///
/// let mut tasks = LockingQueue::new(&client, "/app/tasks");
/// tasks.put_all(["a", "b", "c"], 100).await?; // one transaction
/// while let Some(task) = tasks.get(Some(Duration::from_secs(1))).await? {
///     println!("processing {task:?}");
///     tasks.consume().await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LockingQueue {
    client: Client,
    path: String,
    taken_path: String,
    entries_path: String,
    id: String,
    order: SequenceOrder,
    retry: RetryPolicy,
    ensured: AtomicBool,
    /// The locked entry.
    processing: Option<Taken>,
}

/// An entry this consumer has locked: its name and value, and the session of its lock node.
#[derive(Debug, Clone)]
struct Taken {
    name: String,
    value: Bytes,
    owner: SessionId,
}

impl LockingQueue {
    /// A locking queue at `path` (its `taken` and `entries` nodes are created when first
    /// used), with a fresh consumer id.
    pub fn new(client: &Client, path: &str) -> LockingQueue {
        LockingQueue {
            client: client.clone(),
            path: path.to_owned(),
            taken_path: join(path, "taken"),
            entries_path: join(path, "entries"),
            id: kazoo_uuid(),
            order: SequenceOrder::default(),
            retry: RetryPolicy::default(),
            ensured: AtomicBool::new(false),
            processing: None,
        }
    }

    /// How entries are ordered (see [`Queue::with_order`]).
    pub fn with_order(mut self, order: SequenceOrder) -> Self {
        self.order = order;
        self
    }

    /// How steps that hold nothing of the session (creating the queue's nodes, counting the
    /// entries) are retried after a connection loss (default [`RetryPolicy::default`]). Steps
    /// on a locked entry run on the session that holds its lock, until that session is gone.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The queue's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// This consumer's id: the data of its lock nodes (kazoo's `LockingQueue.id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name of the entry this consumer has locked and not yet consumed or released.
    pub fn processing(&self) -> Option<&str> {
        self.processing.as_ref().map(|taken| taken.name.as_str())
    }

    async fn ensure(&self) -> Result<()> {
        if !self.ensured.load(Ordering::Relaxed) {
            for path in [&self.taken_path, &self.entries_path] {
                self.client
                    .retry(&self.retry, || self.client.ensure_path(path))
                    .await?;
            }
            self.ensured.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Adds `value` with kazoo's default priority (100); returns the entry's name.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if creating the queue or the entry fails; after a connection error the
    /// entry may or may not have been added (it is not retried, so as not to add it twice).
    pub async fn put(&self, value: impl Into<Bytes>) -> Result<String> {
        self.put_with_priority(value, DEFAULT_PRIORITY).await
    }

    /// Adds `value` with `priority` (0–999, lower first); returns the entry's name. A create
    /// that fails with a connection error is not retried (it may have been applied).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk(InvalidArgument)` for a priority above 999; otherwise as
    /// [`put`](Self::put).
    pub async fn put_with_priority(
        &self,
        value: impl Into<Bytes>,
        priority: u16,
    ) -> Result<String> {
        let prefix = join(&self.entries_path, &entry_prefix(priority)?);
        self.ensure().await?;
        create_entry(&self.client, &prefix, value.into()).await
    }

    /// Adds every value, all with `priority`, in one transaction: all are added or none is.
    /// Returns the entries' names, in order.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk(InvalidArgument)` for a priority above 999; `RecipeError::Zk` with the
    /// transaction's error (nothing was added).
    pub async fn put_all<V: Into<Bytes>>(
        &self,
        values: impl IntoIterator<Item = V>,
        priority: u16,
    ) -> Result<Vec<String>> {
        let prefix = join(&self.entries_path, &entry_prefix(priority)?);
        self.ensure().await?;
        let mut transaction = self.client.transaction();
        for value in values {
            transaction = transaction.create(&prefix, value, CreateMode::PersistentSequential);
        }
        if transaction.is_empty() {
            return Ok(Vec::new());
        }
        let results = transaction.commit().await.map_err(Error::from)?;
        Ok(results
            .into_iter()
            .filter_map(|r| match r {
                MultiResult::Created { path, .. } => Some(name_of(&path).to_owned()),
                _ => None,
            })
            .collect())
    }

    /// Locks and returns the first entry nobody holds, waiting for one for at most `timeout`
    /// (forever with `None`); `None` if time ran out. If an entry got earlier was neither
    /// consumed nor released, returns it again.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a step fails for a reason no wait for the connection cures (`Closed`,
    /// `AuthFailed`, `NoAuth`). Running out of time is `Ok(None)`.
    pub async fn get(&mut self, timeout: Option<Duration>) -> Result<Option<Bytes>> {
        if let Some(taken) = &self.processing {
            return Ok(Some(taken.value.clone()));
        }
        let taken = within(&self.client, timeout, async {
            self.ensure().await?;
            self.wait_and_take().await
        })
        .await;
        match taken {
            None => Ok(None),
            Some(Ok(taken)) => {
                let value = taken.value.clone();
                self.processing = Some(taken);
                Ok(Some(value))
            }
            Some(Err(error)) => Err(error),
        }
    }

    /// Reads both lists (arming a child watch on each), tries the available entries in
    /// order, and waits for either list to change when none could be had.
    async fn wait_and_take(&self) -> Result<Taken> {
        // At most one watch per list at any time, dropped (hence removed) when this returns
        // or is cancelled.
        let mut entries_watch: Option<OneshotWatch> = None;
        let mut taken_watch: Option<OneshotWatch> = None;
        loop {
            let entries = self
                .children(&self.entries_path, &mut entries_watch)
                .await?;
            let taken = self.children(&self.taken_path, &mut taken_watch).await?;
            let taken: HashSet<String> = taken.into_iter().collect();
            let available = order_entries(
                entries.into_iter().filter(|e| !taken.contains(e)),
                self.order,
            );
            for name in available {
                if let Some((value, owner)) = self.take(&name).await? {
                    return Ok(Taken { name, value, owner });
                }
            }
            let (Some(entries_changed), Some(taken_changed)) =
                (entries_watch.as_mut(), taken_watch.as_mut())
            else {
                continue;
            };
            let event = match select(entries_changed, taken_changed).await {
                Either::Left((event, _)) => {
                    entries_watch = None;
                    event
                }
                Either::Right((event, _)) => {
                    taken_watch = None;
                    event
                }
            };
            if let Some(error) = stopped_by(&event) {
                return Err(error.into());
            }
        }
    }

    /// The children of `path`; arms a watch on it first if `watch` holds none.
    async fn children(&self, path: &str, watch: &mut Option<OneshotWatch>) -> Result<Vec<String>> {
        if watch.is_some() {
            return Ok(retry(&self.client, || self.client.get_children(path)).await?);
        }
        let (children, _, armed) = retry(&self.client, || async {
            settled(children_watched(&self.client, path).await)
        })
        .await?;
        *watch = Some(armed);
        Ok(children)
    }

    /// Tries to lock and read entry `name`: its value and the session that holds the lock, or
    /// `None` if someone else holds or consumed it. Runs on a task of its own, so a `get`
    /// cancelled meanwhile cannot leave a lock behind: the task releases a lock nobody took.
    async fn take(&self, name: &str) -> Result<Option<(Bytes, SessionId)>> {
        let lock = join(&self.taken_path, name);
        let entry = join(&self.entries_path, name);
        let client = self.client.clone();
        let id = Bytes::from(self.id.clone());
        let orphan = (self.client.clone(), lock.clone());
        let attempt =
            detach_with_cleanup(&self.client, take(client, lock, entry, id), move |result| {
                if let Ok(Some((_, owner))) = result {
                    delete_in_background(&orphan.0, owner, orphan.1);
                }
            });
        Ok(settled(attempt.await)?)
    }

    /// Whether this consumer still holds the lock of its current entry: its session is the
    /// client's live one (as for [`LockGuard::is_lost`](crate::LockGuard::is_lost)), and the
    /// lock node, read after a `sync`, holds [`id`](LockingQueue::id).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if the reads fail for a reason other than the session's loss.
    pub async fn holds_lock(&self) -> Result<bool> {
        let Some(taken) = &self.processing else {
            return Ok(false);
        };
        if !session_alive(&self.client, taken.owner) {
            return Ok(false);
        }
        // Read on the lock's session: on a newer one the node would be someone else's.
        let client = self.client.bound_to_session(taken.owner);
        let lock = join(&self.taken_path, &taken.name);
        let read = async {
            retry_in_session(&client, || client.sync(&lock)).await?;
            retry_in_session(&client, || client.get_data(&lock)).await
        };
        match read.await {
            Ok((owner, _)) => Ok(owner.as_ref() == self.id.as_bytes()),
            Err(Error::NoNode | Error::SessionExpired) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes the current entry from the queue (entry and lock, in one transaction): `true`
    /// if it was removed, `false` if there is no current entry or its lock was lost (the
    /// session that held it expired, say: the entry is then left to other consumers, or may
    /// already be consumed if the loss came as the transaction was sent).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` for a failure other than a connection or session loss.
    pub async fn consume(&mut self) -> Result<bool> {
        self.finish(true).await
    }

    /// Unlocks the current entry without consuming it, so another consumer can take it:
    /// `true` if it was unlocked, `false` if there is no current entry or its lock was lost.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` for a failure other than a connection or session loss.
    pub async fn release(&mut self) -> Result<bool> {
        self.finish(false).await
    }

    async fn finish(&mut self, consume: bool) -> Result<bool> {
        let Some(taken) = self.processing.clone() else {
            return Ok(false);
        };
        if !self.holds_lock().await? {
            self.processing = None;
            return Ok(false);
        }
        let entry = join(&self.entries_path, &taken.name);
        let lock = join(&self.taken_path, &taken.name);
        // Tied to the lock's session: nothing is sent on a newer one.
        let client = self.client.bound_to_session(taken.owner);
        let mut backoff = Backoff::new();
        loop {
            let mut transaction = client.transaction();
            if consume {
                transaction = transaction.delete(&entry, None);
            }
            let outcome = transaction.delete(&lock, None).commit().await;
            let failed = match outcome {
                Ok(_) => {
                    self.processing = None;
                    return Ok(true);
                }
                Err(failed) if failed.error == Error::NoNode => {
                    self.processing = None;
                    return Ok(false);
                }
                Err(failed) if failed.failed_op.is_some() => return Err(failed.error.into()),
                Err(failed) => failed.error,
            };
            match classify(&failed) {
                Failure::Transient => {
                    // Unknown outcome: look once connected. Still holding the lock means it
                    // was not applied.
                    recover(&self.client, &mut backoff).await?;
                    if self.holds_lock().await? {
                        continue;
                    }
                    self.processing = None;
                    if !session_alive(&self.client, taken.owner) {
                        // The lock went with its session: lost, whatever was applied.
                        return Ok(false);
                    }
                    if !consume {
                        return Ok(true);
                    }
                    let left = retry(&self.client, || self.client.exists(&entry)).await?;
                    return Ok(left.is_none());
                }
                // The lock went with its session.
                Failure::SessionGone => {
                    self.processing = None;
                    return Ok(false);
                }
                Failure::Fatal => return Err(failed.into()),
            }
        }
    }

    /// The number of entries, locked ones included.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn len(&self) -> Result<usize> {
        self.ensure().await?;
        let stat = self
            .client
            .retry(&self.retry, || self.client.exists(&self.entries_path))
            .await?;
        Ok(stat.map_or(0, |s| s.num_children.max(0) as usize))
    }

    /// Whether the queue has no entries.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }
}

impl Drop for LockingQueue {
    fn drop(&mut self) {
        let Some(taken) = self.processing.take() else {
            return;
        };
        if !session_alive(&self.client, taken.owner) {
            // The lock went with its session.
            return;
        }
        let client = self.client.bound_to_session(taken.owner);
        let lock = join(&self.taken_path, &taken.name);
        let id = self.id.clone();
        self.client.spawn(async move {
            // Release only our own lock node, on the session that holds it.
            if let Ok((owner, stat)) = retry_in_session(&client, || client.get_data(&lock)).await {
                if owner.as_ref() == id.as_bytes() {
                    let _ = retry_in_session(&client, || client.delete(&lock, Some(stat.version)))
                        .await;
                }
            }
        });
    }
}

/// Locks entry `lock`'s name by creating the lock node with `id`, then reads the entry on the
/// lock's session. A lock node already holding `id` on the live session is ours (an earlier
/// attempt whose reply was lost). Nothing is held until the lock node exists, so a failed or
/// expired attempt is simply made again; once it exists, every step is on its session, and its
/// loss starts the attempt over.
async fn take(
    client: Client,
    lock: String,
    entry: String,
    id: Bytes,
) -> Result<Option<(Bytes, SessionId)>, Error> {
    let options = CreateOptions::mode(CreateMode::Ephemeral);
    let mut backoff = Backoff::new();
    loop {
        let owner = match client.create_with_stat(&lock, id.clone(), &options).await {
            Ok((_, stat)) => SessionId(stat.ephemeral_owner),
            Err(Error::NodeExists) => match retry(&client, || client.get_data(&lock)).await {
                Ok((owner, stat))
                    if owner == id && session_alive(&client, SessionId(stat.ephemeral_owner)) =>
                {
                    SessionId(stat.ephemeral_owner)
                }
                Ok((owner, _)) if owner == id => {
                    // Ours, of a session that is going: wait for it to go.
                    recover(&client, &mut backoff).await?;
                    continue;
                }
                Ok(_) => return Ok(None),
                // Released in between: try again.
                Err(Error::NoNode) => continue,
                Err(error) => return Err(error),
            },
            Err(error) => match classify(&error) {
                Failure::Transient | Failure::SessionGone => {
                    recover(&client, &mut backoff).await?;
                    continue;
                }
                Failure::Fatal => return Err(error),
            },
        };
        let held = client.bound_to_session(owner);
        match retry_in_session(&held, || held.get_data(&entry)).await {
            Ok((value, _)) => return Ok(Some((value, owner))),
            Err(Error::NoNode) => {
                // Consumed meanwhile: unlock.
                return match retry_in_session(&held, || held.delete(&lock, None)).await {
                    Ok(()) | Err(Error::NoNode | Error::SessionExpired) => Ok(None),
                    Err(error) => Err(error),
                };
            }
            // The lock went with its session before the entry was read: start over.
            Err(Error::SessionExpired) => {
                recover(&client, &mut backoff).await?;
            }
            Err(error) => {
                delete_in_background(&client, owner, lock);
                return Err(error);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_follow_kazoo() {
        assert_eq!(entry_prefix(100).unwrap(), "entry-100-");
        assert_eq!(entry_prefix(5).unwrap(), "entry-005-");
        assert_eq!(entry_prefix(0).unwrap(), "entry-000-");
        assert!(entry_prefix(1000).is_err());
        assert_eq!(parse_entry("entry-005-0000000001"), Some((5, Sequence(1))));
        assert_eq!(
            parse_entry("entry-100--000000001"),
            Some((100, Sequence(-1)))
        );
        assert_eq!(parse_entry("entry-10-0000000001"), None);
        assert_eq!(parse_entry("taken"), None);
    }

    #[test]
    fn entries_order_by_priority_then_creation_across_the_wrap() {
        let names = [
            "entry-100-2147483647",
            "entry-100--2147483648",
            "entry-100-2147483646",
            "entry-005--2147483647",
            "entry-005-2147483600",
            "stray",
        ]
        .map(String::from);
        assert_eq!(
            order_entries(names.clone(), SequenceOrder::Serial),
            [
                "entry-005-2147483600",
                "entry-005--2147483647",
                "entry-100-2147483646",
                "entry-100-2147483647",
                "entry-100--2147483648",
            ]
        );
        // kazoo: plain string order, strays included.
        assert_eq!(
            order_entries(names, SequenceOrder::KazooString),
            [
                "entry-005--2147483647",
                "entry-005-2147483600",
                "entry-100--2147483648",
                "entry-100-2147483646",
                "entry-100-2147483647",
                "stray",
            ]
        );
        let plain = [
            "entry-100-0000000002",
            "entry-100-0000000010",
            "entry-001-0000000011",
        ]
        .map(String::from);
        assert_eq!(
            order_entries(plain.clone(), SequenceOrder::Serial),
            order_entries(plain, SequenceOrder::KazooString)
        );
    }
}
