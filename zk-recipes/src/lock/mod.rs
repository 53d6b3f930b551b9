//! kazoo's locks: [`Lock`], and the two sides of a shared lock, [`ReadLock`] and
//! [`WriteLock`], on kazoo's znode protocol (docs/recipes.md#locks), so Rust and Python
//! processes exclude each other on the same path.
//!
//! # Nodes
//!
//! A contender is an ephemeral sequential child of the lock path named
//! `<uuid4 hex>__lock__<seq>` (`__rlock__` for readers), holding the identifier as UTF-8.
//!
//! | type | own node | waits for lower |
//! |---|---|---|
//! | [`Lock`] | `__lock__` | `__lock__` |
//! | [`WriteLock`] | `__lock__` | `__lock__`, `__rlock__` |
//! | [`ReadLock`] | `__rlock__` | `__lock__` |
//!
//! A contender waits for the closest *lower* blocking node only (kazoo's fix of #649: a reader
//! never waits on a writer queued after it), with a data watch on it.
//!
//! # Safer than kazoo
//!
//! - Every acquisition takes an optional time limit, is cancelled by dropping its future, and
//!   removes its node in every outcome but success: inline when it returns, in the background
//!   (retrying across reconnects until the node or its session is gone) when it is dropped —
//!   also when the create reply was lost, by finding the node again by its random prefix.
//! - Sequence numbers compare as integers across the signed 32-bit wrap by default
//!   ([`SequenceOrder::Serial`]; kazoo #730); [`SequenceOrder::KazooString`] reproduces kazoo.
//! - A [`LockGuard`] knows when its session is gone ([`LockGuard::is_lost`], and the future
//!   [`LockGuard::lost`]), carries a [`FencingToken`](crate::FencingToken), and writes only
//!   while the lock is held ([`LockGuard::set_data_fenced`], [`LockGuard::fenced_transaction`], and
//!   [`LockGuard::client`], bound to the holding session): see [`Lock`] for why a plain write
//!   after a session loss overwrites the next holder's data.
//! - The wait follows the session: a reconnect re-checks, a lost session creates a new node
//!   (within the same time limit), a closed client fails.
//! - [`Lock::run`] is kazoo's `with lock:`, raced against the loss of the lock.

mod acquire;
pub(crate) mod engine;
mod guard;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use zk_client::Client;

use crate::error::{RecipeError, Result};
use crate::sequence::SequenceOrder;
use crate::support::signal::Signal;

use engine::Protocol;

pub use acquire::Acquire;
pub(crate) use acquire::{hold, lock_shaped};
pub use guard::LockGuard;

/// kazoo's exclusive-lock node marker.
pub(crate) const LOCK_MARKER: &str = "__lock__";
/// kazoo's read-lock node marker.
pub(crate) const RLOCK_MARKER: &str = "__rlock__";

/// The parts every lock type shares.
#[derive(Clone)]
struct Inner {
    client: Client,
    proto: Protocol,
    cancel: Arc<Signal>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("path", &self.proto.dir)
            .field("node_marker", &self.proto.own_marker)
            .field("blocked_by", &self.proto.blockers)
            .field("order", &self.proto.order)
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn new(client: &Client, path: &str, own: &str, blockers: &[&str]) -> Inner {
        Inner {
            client: client.clone(),
            proto: Protocol::kazoo(path, own, blockers),
            cancel: Arc::default(),
        }
    }

    async fn acquire(&self, timeout: Option<Duration>) -> Result<LockGuard> {
        engine::acquire(&self.client, &self.proto, &self.cancel, timeout, true)
            .await?
            .ok_or(RecipeError::Timeout)
    }

    async fn try_acquire(&self) -> Result<Option<LockGuard>> {
        engine::acquire(&self.client, &self.proto, &self.cancel, None, false).await
    }

    async fn contenders(&self) -> Result<Vec<String>> {
        self.proto.ensure_dir(&self.client).await?;
        Ok(self
            .proto
            .contender_nodes(&self.client)
            .await?
            .into_iter()
            .map(|(_, data)| String::from_utf8_lossy(&data).into_owned())
            .collect())
    }
}

/// The inherent API of a kazoo lock type, `run`, and its [`Acquire`] impl.
macro_rules! lock_api {
    ($ty:ident, $what:literal) => {
        impl $ty {
            /// The identifier written into the contender node (kazoo's `identifier`; empty by
            /// default), which [`contenders`](Self::contenders) reports.
            pub fn with_identifier(mut self, identifier: &str) -> Self {
                self.0.proto.data = Bytes::copy_from_slice(identifier.as_bytes());
                self
            }

            /// Also treats siblings whose names end in `<pattern><sequence>` as contenders that
            /// exclude this one (kazoo's `extra_lock_patterns`, to share a path with other
            /// clients, such as Curator's `-lock-`). Unlike kazoo, the patterns are literal
            /// text, not regular expressions.
            pub fn with_extra_lock_patterns<I, S>(mut self, patterns: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.0
                    .proto
                    .blockers
                    .extend(patterns.into_iter().map(Into::into));
                self
            }

            /// How sequence numbers are ordered ([`SequenceOrder::Serial`] by default;
            /// [`SequenceOrder::KazooString`] decides exactly as kazoo does, wrong after the
            /// 32-bit wrap).
            pub fn with_order(mut self, order: SequenceOrder) -> Self {
                self.0.proto.order = order;
                self
            }

            /// The lock path.
            pub fn path(&self) -> &str {
                &self.0.proto.dir
            }

            #[doc = concat!("Acquires the ", $what, ", waiting at most `timeout` (`None`: wait forever).")]
            ///
            /// Dropping the future removes the contender node (in the background). Connection
            /// losses are retried; a lost session starts over with a new node, within the same
            /// time limit.
            ///
            /// # Errors
            ///
            /// [`RecipeError::Timeout`] when time runs out and [`RecipeError::Cancelled`] after
            /// [`cancel`](Self::cancel) (the node is removed before the call returns in both
            /// cases); `RecipeError::Zk(Closed)` once the client is closed.
            pub async fn acquire(&self, timeout: Option<Duration>) -> Result<LockGuard> {
                self.0.acquire(timeout).await
            }

            #[doc = concat!("Takes the ", $what, " if it is free now, without waiting (kazoo's `blocking=False`): `None` if another contender is ahead (its node is removed again).")]
            ///
            /// # Errors
            ///
            /// As [`acquire`](Self::acquire), without the timeout.
            pub async fn try_acquire(&self) -> Result<Option<LockGuard>> {
                self.0.try_acquire().await
            }

            /// The identifiers of the current contenders, in lock order (the holder first).
            /// Contenders without an identifier appear as empty strings.
            ///
            /// # Errors
            ///
            /// `RecipeError::Zk` if a read fails.
            pub async fn contenders(&self) -> Result<Vec<String>> {
                self.0.contenders().await
            }

            /// Makes every acquisition in progress on this value (and its clones) fail with
            /// [`RecipeError::Cancelled`]; later acquisitions are not affected.
            pub fn cancel(&self) {
                self.0.cancel.notify();
            }
        }

        lock_shaped!($ty, $what);
    };
}

/// kazoo's exclusive `Lock`: one holder at a time among `Lock`s and [`WriteLock`]s on the path.
/// Readers ([`ReadLock`]) are not waited for, exactly as in kazoo.
///
/// Clones share their cancellation ([`cancel`](Lock::cancel)); each acquisition creates its own
/// node, so one value may be used by several tasks (the lock is not re-entrant: a second
/// acquisition waits for the first).
///
/// # Write under the lock with the guard, not with the client
///
/// A lock is held only as long as its session. If the session expires (a partition, a pause
/// longer than the session timeout), the node is deleted and the next contender takes the
/// lock, while this process may not know yet. Worse, with the default expiry policy the
/// client opens a new session, so a plain `client.set_data(...)` made afterwards succeeds
/// and **overwrites what the new holder wrote**. This is ZooKeeper's fencing problem, and
/// kazoo and Curator users meet it too. Write through the guard instead:
///
/// - [`LockGuard::set_data_fenced`] and [`LockGuard::fenced_transaction`] make the write
///   conditional on the held node in the same transaction, so ZooKeeper itself refuses a
///   holder that lost the lock, however late it learns of it;
/// - [`LockGuard::client`] is the client bound to the holding session: every request made
///   through it fails with `SessionExpired` once that session is gone;
/// - for systems other than ZooKeeper, pass [`LockGuard::fencing_token`] along and have them
///   refuse tokens older than the newest they saw.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::Lock;
///
/// let lock = Lock::new(&client, "/app/locks/report").with_identifier("worker-1");
/// let guard = lock.acquire(Some(Duration::from_secs(10))).await?;
/// // Refused by the server if the lock was lost meanwhile (RecipeError::SessionLost).
/// guard.set_data_fenced("/app/report/owner", "worker-1", None).await?;
/// let token = guard.fencing_token(); // for the other storage you write to
/// println!("holding {} with token {token}", guard.path());
/// guard.release().await?;
///
/// // The same, kazoo's `with lock:` style: released after the work, and the work is stopped
/// // (with Err(RecipeError::SessionLost)) if the lock is lost while it runs.
/// let stat = lock
///     .run(Some(Duration::from_secs(10)), async |guard| {
///         guard.set_data_fenced("/app/report/owner", "worker-1", None).await
///     })
///     .await??;
/// # let _ = stat; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Lock(Inner);

impl Lock {
    /// kazoo's `Lock(client, path)`.
    pub fn new(client: &Client, path: &str) -> Lock {
        Lock(Inner::new(client, path, LOCK_MARKER, &[LOCK_MARKER]))
    }
}

lock_api!(Lock, "lock");

/// The read side of kazoo's shared lock: any number of readers hold it together, but none
/// while a [`WriteLock`] (or [`Lock`]) node is ahead of them. Writers queued after a reader do
/// not block it (kazoo #649).
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::{ReadLock, WriteLock};
///
/// let read = ReadLock::new(&client, "/app/config-lock").acquire(None).await?;
/// // ... read the configuration, alongside other readers ...
/// read.release().await?;
/// let write = WriteLock::new(&client, "/app/config-lock").acquire(None).await?;
/// // ... rewrite it, alone ...
/// write.release().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReadLock(Inner);

impl ReadLock {
    /// kazoo's `ReadLock(client, path)`.
    pub fn new(client: &Client, path: &str) -> ReadLock {
        ReadLock(Inner::new(client, path, RLOCK_MARKER, &[LOCK_MARKER]))
    }
}

lock_api!(ReadLock, "read lock");

/// The write side of kazoo's shared lock: held alone, after every reader and writer ahead of
/// it. Its nodes are `__lock__` nodes, so it also excludes plain [`Lock`]s.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::WriteLock;
///
/// let lock = WriteLock::new(&client, "/app/config-lock");
/// match lock.try_acquire().await? {
///     Some(guard) => guard.release().await?,
///     None => println!("busy: {:?}", lock.contenders().await?),
/// }
/// # let _ = Duration::ZERO; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct WriteLock(Inner);

impl WriteLock {
    /// kazoo's `WriteLock(client, path)`.
    pub fn new(client: &Client, path: &str) -> WriteLock {
        WriteLock(Inner::new(
            client,
            path,
            LOCK_MARKER,
            &[LOCK_MARKER, RLOCK_MARKER],
        ))
    }
}

lock_api!(WriteLock, "write lock");
