//! kazoo's ZooKeeper recipes, written once against the shared [`Client`](zk_client::Client)
//! (the one every adapter re-exports: `zk_client_tokio::Client`, `zk_client_smol::Client`, the
//! blocking adapter's `async_client()`) — so usable from tokio, smol, and (through
//! `zk_client_blocking::block_on`) plain threads — and speaking kazoo's znode protocols byte for
//! byte, so a Rust service and a Python service can share a lock, a queue, an election or a
//! partitioned set on the same paths. Where Curator has the same recipe, its protocol is
//! offered too.
//!
//! # The API in short
//!
//! - Every recipe is made the same way: `Recipe::new(&client, path, ...)` with what it cannot
//!   do without, then builder methods (`with_identifier`, `with_order`, `with_retry`, ...).
//! - Every wait takes a time limit and is cancelled by dropping its future; whatever it created
//!   is cleaned up (also after a reconnect). Contender nodes use the protected pattern (an id in
//!   the name, found again after a lost reply).
//! - What is held (a lock, a lease, leadership) is a [`LockGuard`]: [`LockGuard::is_lost`] and
//!   the future [`LockGuard::lost`] read one state, a [`FencingToken`] orders holders, and
//!   writes made through the guard are refused once the lock is lost. [`Acquire`] is what
//!   every lock-shaped recipe offers, [`Acquire::run`] (kazoo's `with lock:`) included.
//! - One rule for failures, in every recipe: a connection loss is transient (the client's
//!   [`RetryPolicy::is_transient`](zk_client::RetryPolicy::is_transient)) and the step is made
//!   again once connected; a session expiry is not: what was tied to the session is reported
//!   lost, and only steps that hold nothing of it are made again on the new session.
//! - Event sources ([`DataWatch`], [`ChildrenWatch`], [`Events`]) are
//!   [`Stream`](futures_core::Stream)s; a cache subscription is bounded and reports what it
//!   missed (`TreeEvent::Lagged`, `CacheEvent::Lagged`).
//! - Sequence numbers are compared as integers across the signed 32-bit wrap
//!   ([`SequenceOrder`]; kazoo's string order is an option).
//!
//! # Examples
//!
//! These are the README's, compiled here.
//!
//! ```no_run
//! use std::time::Duration;
//! use zk_recipes::{Lock, RecipeError};
//!
//! async fn pay(client: &zk_client_tokio::Client) -> Result<(), RecipeError> {
//!     let lock = Lock::new(client, "/locks/payments").with_identifier("worker-1");
//!     // kazoo's `with lock:`: acquire (10 s at most), run, release. The work is raced against
//!     // the loss of the lock: if the session that holds it expires, the work is stopped and
//!     // `run` fails with RecipeError::SessionLost.
//!     lock.run(Some(Duration::from_secs(10)), async |guard| {
//!         // Written only while the lock is held: ZooKeeper refuses it once the lock is lost.
//!         guard.set_data_fenced("/payments/owner", "worker-1", None).await?;
//!         let token = guard.fencing_token(); // pass it to other storage you write to
//!         println!("paid under {token}");
//!         Ok(())
//!     })
//!     .await?
//! }
//! ```
//!
//! ```no_run
//! use std::time::Duration;
//! use zk_recipes::{Acquire, LockGuard};
//!
//! async fn hold(lock: &impl Acquire) -> zk_recipes::Result<LockGuard> {
//!     let guard = lock.acquire(Some(Duration::from_secs(10))).await?;
//!     let lost = guard.lost();
//!     tokio::spawn(async move {
//!         lost.await;
//!         eprintln!("lock lost: stop writing");
//!     });
//!     Ok(guard)
//! }
//! ```
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use zk_recipes::DataWatch;
//!
//! async fn follow(client: &zk_client_tokio::Client) -> zk_recipes::Result<()> {
//!     let mut versions = DataWatch::new(client, "/config/feature-x")
//!         .map(|update| update.map(|u| u.stat.map(|stat| stat.version)));
//!     while let Some(version) = versions.next().await {
//!         println!("feature-x is at version {:?}", version?);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Recipes
//!
//! | recipe | kazoo | Curator | notes |
//! |---|---|---|---|
//! | [`Lock`], [`ReadLock`], [`WriteLock`] | `Lock`, `ReadLock`, `WriteLock` | — | `__lock__`/`__rlock__` nodes; [`LockGuard`] with fencing token and loss |
//! | [`InterProcessMutex`] | — | `InterProcessMutex` | `_c_<uuid>-lock-` nodes |
//! | [`Semaphore`] | `Semaphore` | — | pool data = max leases, `<path>-__lock__` sibling lock |
//! | [`Election`] | `Election` | — | a lock whose holder leads: `run`, `lead`, `contenders` |
//! | [`LeaderLatch`] | — | `LeaderLatch` | `_c_<uuid>-latch-` nodes |
//! | [`NonBlockingLease`], [`MultiNonBlockingLease`] | `NonBlockingLease`, `MultiNonBlockingLease` | — | byte-identical `lease_holder` JSON |
//! | [`SetPartitioner`] | `SetPartitioner` | — | allocating → acquired → release / failure |
//! | [`Queue`], [`LockingQueue`] | `Queue`, `LockingQueue` | — | `entry-` nodes with priorities; `put_all` in one transaction |
//! | [`Barrier`], [`DoubleBarrier`] | `Barrier`, `DoubleBarrier` | — | |
//! | [`Counter`] | `Counter` | `SharedCount` (`Counter::curator`) | text, or 4-byte big-endian |
//! | [`Party`], [`ShallowParty`] | `Party`, `ShallowParty` | — | |
//! | [`DataWatch`], [`ChildrenWatch`], [`PatientChildrenWatch`] | `DataWatch`, `ChildrenWatch`, `PatientChildrenWatch` | — | streams; one watch each |
//! | [`TreeCache`] | `TreeCache` | `TreeCache` | kazoo's seven events |
//! | [`CuratorCache`] | — | `CuratorCache` | one persistent recursive watch, for large trees |
//!
//! From synchronous code, run any recipe with `zk_client_blocking::block_on` on the blocking
//! client's [`async_client`](https://docs.rs/zk-client-blocking).

#![forbid(unsafe_code)]

mod error;
mod lost;
mod naming;
mod sequence;
mod support;

pub use error::{RecipeError, Result};
pub use lost::{FencingToken, Lost};
pub use naming::{curator_prefix, find_own, kazoo_uuid};
pub use sequence::{Sequence, SequenceOrder};

// Locks and what is built like one: semaphore, elections, leases, partitioner.
mod curator;
mod election;
mod lease;
mod lock;
mod partitioner;
mod semaphore;
pub use curator::{
    CURATOR_LATCH_NAME, CURATOR_LOCK_NAME, InterProcessMutex, LeaderLatch, Participant,
};
pub use election::Election;
pub use lease::{LEASE_VERSION, LeaseRecord, MultiNonBlockingLease, NonBlockingLease};
pub use lock::{Acquire, Lock, LockGuard, ReadLock, WriteLock};
pub use partitioner::{
    PartitionFunc, PartitionState, SetPartitioner, SetPartitionerBuilder, default_partition,
};
pub use semaphore::Semaphore;

// Shared structures: queues, barriers, counter, party, watchers, caches.
mod barrier;
mod counter;
mod curator_cache;
mod party;
mod queue;
mod tree_cache;
mod watchers;

pub use barrier::{Barrier, DoubleBarrier};
pub use counter::{Counter, CounterValue, CuratorValue};
pub use curator_cache::{CacheEvent, CuratorCache};
pub use party::{Party, ShallowParty};
pub use queue::{DEFAULT_PRIORITY, LockingQueue, Queue};
pub use support::events::Events;
pub use tree_cache::{NodeData, TreeCache, TreeEvent, TreeEventType};
pub use watchers::{
    ChildrenChanged, ChildrenUpdate, ChildrenWatch, DataUpdate, DataWatch, PatientChildrenWatch,
};
