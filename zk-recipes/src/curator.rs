//! Curator-compatible alternatives: [`InterProcessMutex`] and [`LeaderLatch`] on Apache
//! Curator's znode protocols, so Rust and Java (Curator) processes share a lock or an election
//! on the same path.
//!
//! # Nodes
//!
//! Both create ephemeral sequential nodes with Curator's protected prefix: `_c_<uuid>-` then
//! `lock-` (mutex) or `latch-` (latch), then the sequence: for example
//! `_c_5b2c0a4e-8f27-4a51-a3b4-0f0d2d8e6b19-lock-0000000007`. Missing parents are created as
//! container nodes, as Curator's `creatingParentContainersIfNeeded` does. Contenders are
//! ordered by the number after `lock-` / `latch-`; the first holds the mutex or leads, the
//! others watch the data of the one just before them.
//!
//! Curator compares the sequence suffixes as strings (wrong after the signed 32-bit wrap, like
//! kazoo); these types compare them as integers in serial-number arithmetic by default, and
//! [`SequenceOrder::KazooString`] reproduces Curator's (and kazoo's) string order exactly.
//!
//! Differences from Curator worth knowing: the mutex is not re-entrant (Curator's is, per
//! thread), and a suspended connection does not end leadership (only a lost session does,
//! see [`LockGuard::lost`]), which is Curator's `SessionConnectionStateErrorPolicy`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use zk_client::Client;

use crate::error::{RecipeError, Result};
use crate::lock::engine::{self, Protocol};
use crate::lock::{LockGuard, lock_shaped};
use crate::sequence::SequenceOrder;
use crate::support::paths::join;
use crate::support::signal::Signal;

/// Curator's mutex node marker.
pub const CURATOR_LOCK_NAME: &str = "lock-";
/// Curator's leader-latch node marker.
pub const CURATOR_LATCH_NAME: &str = "latch-";

/// Curator's `InterProcessMutex(client, path)`: an exclusive lock shared with Java processes.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::InterProcessMutex;
///
/// let mutex = InterProcessMutex::new(&client, "/app/locks/billing");
/// let guard = mutex.acquire(Some(Duration::from_secs(5))).await?;
/// println!("holding {} ({:?})", guard.path(), guard.fencing_token());
/// guard.release().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct InterProcessMutex {
    client: Client,
    proto: Protocol,
    cancel: Arc<Signal>,
}

impl fmt::Debug for InterProcessMutex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InterProcessMutex")
            .field("path", &self.proto.dir)
            .field("order", &self.proto.order)
            .finish_non_exhaustive()
    }
}

impl InterProcessMutex {
    /// Curator's `InterProcessMutex(client, path)`.
    pub fn new(client: &Client, path: &str) -> InterProcessMutex {
        InterProcessMutex {
            client: client.clone(),
            proto: Protocol::curator(path, CURATOR_LOCK_NAME),
            cancel: Arc::default(),
        }
    }

    /// The identifier written into the lock node as UTF-8 (Curator writes the client's
    /// default data there, usually the local IP address; empty here unless set).
    pub fn with_identifier(mut self, identifier: &str) -> InterProcessMutex {
        self.proto.data = Bytes::copy_from_slice(identifier.as_bytes());
        self
    }

    /// How sequence numbers are ordered ([`SequenceOrder::Serial`] by default;
    /// [`SequenceOrder::KazooString`] is Curator's own string order).
    pub fn with_order(mut self, order: SequenceOrder) -> InterProcessMutex {
        self.proto.order = order;
        self
    }

    /// The lock path.
    pub fn path(&self) -> &str {
        &self.proto.dir
    }

    /// Acquires the mutex, waiting at most `timeout` (`None`: forever). Timeouts, cancellation
    /// and dropped futures remove the node, as for [`Lock::acquire`](crate::Lock::acquire).
    ///
    /// # Errors
    ///
    /// [`RecipeError::Timeout`], [`RecipeError::Cancelled`], `RecipeError::Zk(Closed)`, as
    /// for [`Lock::acquire`](crate::Lock::acquire).
    pub async fn acquire(&self, timeout: Option<Duration>) -> Result<LockGuard> {
        engine::acquire(&self.client, &self.proto, &self.cancel, timeout, true)
            .await?
            .ok_or(RecipeError::Timeout)
    }

    /// Takes the mutex only if it is free now: `None` if it is not.
    ///
    /// # Errors
    ///
    /// As [`acquire`](InterProcessMutex::acquire), without the timeout.
    pub async fn try_acquire(&self) -> Result<Option<LockGuard>> {
        engine::acquire(&self.client, &self.proto, &self.cancel, None, false).await
    }

    /// Makes every acquisition in progress on this value (and its clones) fail with
    /// [`RecipeError::Cancelled`].
    pub fn cancel(&self) {
        self.cancel.notify();
    }

    /// The full paths of the contender nodes in lock order, the holder first (Curator's
    /// `getParticipantNodes()`).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a read fails.
    pub async fn participant_nodes(&self) -> Result<Vec<String>> {
        Ok(self
            .proto
            .contender_nodes(&self.client)
            .await?
            .into_iter()
            .map(|(name, _)| join(&self.proto.dir, &name))
            .collect())
    }
}

lock_shaped!(InterProcessMutex, "mutex");

/// A member of a [`LeaderLatch`] election (Curator's `Participant`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Participant {
    /// The participant's id (the node's data as UTF-8).
    pub id: String,
    /// Whether it leads.
    pub is_leader: bool,
}

/// Curator's `LeaderLatch(client, latchPath, id)`: leader election shared with Java
/// processes. The leader is the participant with the lowest `latch-` node.
///
/// Leadership is held by the [`LockGuard`] that
/// [`await_leadership`](LeaderLatch::await_leadership) returns, with the same loss signal and
/// fencing token as a lock; releasing (or dropping) it is Curator's `close()`.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::LeaderLatch;
///
/// let latch = LeaderLatch::new(&client, "/app/leader").with_identifier("node-a");
/// let leadership = latch.await_leadership(None).await?;
/// println!("leading; participants: {:?}", latch.participants().await?);
/// leadership.lost().await; // lead until the session goes
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LeaderLatch {
    client: Client,
    proto: Protocol,
    cancel: Arc<Signal>,
}

impl fmt::Debug for LeaderLatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaderLatch")
            .field("path", &self.proto.dir)
            .field("id", &String::from_utf8_lossy(&self.proto.data))
            .finish_non_exhaustive()
    }
}

impl LeaderLatch {
    /// Curator's `LeaderLatch(client, latchPath)` (with an empty id).
    pub fn new(client: &Client, path: &str) -> LeaderLatch {
        LeaderLatch {
            client: client.clone(),
            proto: Protocol::curator(path, CURATOR_LATCH_NAME),
            cancel: Arc::default(),
        }
    }

    /// This participant's id (Curator's `id`), written into its node, which
    /// [`participants`](LeaderLatch::participants) reports.
    pub fn with_identifier(mut self, identifier: &str) -> LeaderLatch {
        self.proto.data = Bytes::copy_from_slice(identifier.as_bytes());
        self
    }

    /// How sequence numbers are ordered (see [`InterProcessMutex::with_order`]).
    pub fn with_order(mut self, order: SequenceOrder) -> LeaderLatch {
        self.proto.order = order;
        self
    }

    /// The latch path.
    pub fn path(&self) -> &str {
        &self.proto.dir
    }

    /// Joins the election and waits until leader, at most `timeout` (`None`: forever):
    /// Curator's `start()` then `await()`. On a timeout, a cancellation or a dropped future,
    /// this participant leaves the election again.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Timeout`], [`RecipeError::Cancelled`], `RecipeError::Zk(Closed)`, as
    /// for [`Lock::acquire`](crate::Lock::acquire).
    pub async fn await_leadership(&self, timeout: Option<Duration>) -> Result<LockGuard> {
        engine::acquire(&self.client, &self.proto, &self.cancel, timeout, true)
            .await?
            .ok_or(RecipeError::Timeout)
    }

    /// Takes leadership only if nobody else has it now (the participant leaves the election
    /// otherwise): `None` then.
    ///
    /// # Errors
    ///
    /// As [`await_leadership`](LeaderLatch::await_leadership), without the timeout.
    pub async fn try_leadership(&self) -> Result<Option<LockGuard>> {
        engine::acquire(&self.client, &self.proto, &self.cancel, None, false).await
    }

    /// Makes every wait for leadership in progress on this value (and its clones) fail with
    /// [`RecipeError::Cancelled`].
    pub fn cancel(&self) {
        self.cancel.notify();
    }

    /// The participants, the leader first (Curator's `getParticipants()`).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a read fails.
    pub async fn participants(&self) -> Result<Vec<Participant>> {
        Ok(self
            .proto
            .contender_nodes(&self.client)
            .await?
            .into_iter()
            .enumerate()
            .map(|(i, (_, data))| Participant {
                id: String::from_utf8_lossy(&data).into_owned(),
                is_leader: i == 0,
            })
            .collect())
    }

    /// The leader, if any (Curator's `getLeader()`).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a read fails.
    pub async fn leader(&self) -> Result<Option<Participant>> {
        Ok(self.participants().await?.into_iter().next())
    }
}
