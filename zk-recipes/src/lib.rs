//! kazoo's ZooKeeper recipes, written once against [`zk_client::Client`] — so usable from
//! tokio, smol, and (through `zk_client_blocking::block_on`) plain threads — and speaking
//! kazoo's znode protocols byte for byte, so a Rust service and a Python service can share a
//! lock, a queue, an election or a partitioned set on the same paths. Where Curator has the
//! same recipe, its protocol is offered too.
//!
//! Safer than kazoo where kazoo's users were hurt: every blocking step takes a deadline and is
//! cancelled by dropping its future (its node is cleaned up, also after a reconnect);
//! contender nodes are created with the protected pattern (an id in the name, found again
//! after a lost reply); a held lock, lease or leadership exposes a [`LostSignal`] and a
//! [`FencingToken`]; sequence numbers are compared as integers across the signed 32-bit wrap
//! ([`SequenceOrder`]).
//!
//! | recipe | kazoo | Curator | notes |
//! |---|---|---|---|
//! | [`Lock`], [`ReadLock`], [`WriteLock`] | `Lock`, `ReadLock`, `WriteLock` | — | `__lock__`/`__rlock__` nodes; [`LockGuard`] with fencing token and lost signal |
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
//! | [`DataWatch`], [`ChildrenWatch`], [`PatientChildrenWatch`] | `DataWatch`, `ChildrenWatch`, `PatientChildrenWatch` | — | async iterators; one watch each |
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
