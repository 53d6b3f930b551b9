//! kazoo's `Queue`: take = read, then delete.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use zk_client::{Client, Error, ErrorCode, RetryPolicy};

use crate::error::Result;
use crate::sequence::SequenceOrder;
use crate::support::paths::join;

use super::{DEFAULT_PRIORITY, create_entry, entry_prefix, order_entries};

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
/// processing use [`LockingQueue`](super::LockingQueue).
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
                Err(Error::Server(ErrorCode::NoNode)) => {
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
            Err(Error::Server(ErrorCode::NoNode)) => Ok(false),
            Err(error) if self.retry.is_retryable(&error) => {
                // The delete may have been applied before the connection dropped: finish it,
                // and count an entry already gone as taken here (never lost; rarely twice).
                match self
                    .client
                    .retry(&self.retry, || self.client.delete(entry, None))
                    .await
                {
                    Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => Ok(true),
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
