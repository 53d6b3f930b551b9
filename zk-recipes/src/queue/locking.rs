//! kazoo's `LockingQueue`: take = lock the entry with an ephemeral node, then consume it or
//! release it. The lock node is tied to the session that made it: every step on a locked entry
//! runs on that session, and its loss is the lock's loss.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::{Either, select};
use zk_client::{
    Client, CreateMode, CreateOptions, Error, ErrorCode, MultiResult, OneshotWatch, RetryPolicy,
    SessionId,
};

use crate::error::{RecipeError, Result};
use crate::naming::kazoo_uuid;
use crate::sequence::SequenceOrder;
use crate::support::detach::{
    children_watched, delete_in_background, detach_with_cleanup, settled,
};
use crate::support::paths::join;
use crate::support::retry::{Backoff, Failure, classify, recover, retry, retry_in_session};
use crate::support::session::{session_alive, stopped_by};
use crate::support::within;

use super::{DEFAULT_PRIORITY, create_entry, entry_prefix, name_of, order_entries};

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
/// use zk_recipes::{LockingQueue, RecipeError};
///
/// let mut tasks = LockingQueue::new(&client, "/app/tasks");
/// tasks.put_all(["a", "b", "c"], 100).await?; // one transaction
/// loop {
///     let task = match tasks.get(Some(Duration::from_secs(1))).await {
///         Ok(task) => task,
///         Err(RecipeError::Timeout) => break, // nothing came within a second
///         Err(other) => return Err(other),
///     };
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

    /// How entries are ordered (see [`Queue::with_order`](super::Queue::with_order)).
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
    /// (forever with `None`). If an entry got earlier was neither consumed nor released,
    /// returns it again.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Timeout`] if no entry could be had in time (as every recipe that waits
    /// reports it; kazoo returns `None`); `RecipeError::Zk` if a step fails for a reason no
    /// wait for the connection cures (`Closed`, `AuthFailed`, `NoAuth`).
    pub async fn get(&mut self, timeout: Option<Duration>) -> Result<Bytes> {
        if let Some(taken) = &self.processing {
            return Ok(taken.value.clone());
        }
        let taken = within(&self.client, timeout, async {
            self.ensure().await?;
            self.wait_and_take().await
        })
        .await;
        match taken {
            None => Err(RecipeError::Timeout),
            Some(Ok(taken)) => {
                let value = taken.value.clone();
                self.processing = Some(taken);
                Ok(value)
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
            Err(Error::Server(ErrorCode::NoNode) | Error::SessionExpired) => Ok(false),
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
                Err(failed) if failed.error == Error::Server(ErrorCode::NoNode) => {
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
        self.client.runtime().spawn(async move {
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
            Ok((_, stat)) => SessionId::new(stat.ephemeral_owner),
            Err(Error::Server(ErrorCode::NodeExists)) => {
                match retry(&client, || client.get_data(&lock)).await {
                    Ok((owner, stat))
                        if owner == id
                            && session_alive(&client, SessionId::new(stat.ephemeral_owner)) =>
                    {
                        SessionId::new(stat.ephemeral_owner)
                    }
                    Ok((owner, _)) if owner == id => {
                        // Ours, of a session that is going: wait for it to go.
                        recover(&client, &mut backoff).await?;
                        continue;
                    }
                    Ok(_) => return Ok(None),
                    // Released in between: try again.
                    Err(Error::Server(ErrorCode::NoNode)) => continue,
                    Err(error) => return Err(error),
                }
            }
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
            Err(Error::Server(ErrorCode::NoNode)) => {
                // Consumed meanwhile: unlock.
                return match retry_in_session(&held, || held.delete(&lock, None)).await {
                    Ok(()) | Err(Error::Server(ErrorCode::NoNode) | Error::SessionExpired) => {
                        Ok(None)
                    }
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
