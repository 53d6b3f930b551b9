//! kazoo's `Semaphore` (docs/recipes.md#semaphore): at most `max_leases` holders at a time, on
//! kazoo's znode protocol, so Rust and Python processes share the leases of one path.
//!
//! # Nodes
//!
//! - The lease pool is `path`; its data is `max_leases` in decimal, written by whoever creates
//!   it. An instance created with another count fails with [`RecipeError::Inconsistent`]
//!   (non-numeric data is ignored, as in kazoo).
//! - A lease is an ephemeral child `path/<uuid4 hex>` holding the identifier.
//! - Taking a lease is serialized by a kazoo [`Lock`](crate::Lock) on the sibling path
//!   `path + "-__lock__"`: its holder lists the pool and creates its lease when fewer than
//!   `max_leases` exist, else waits for the pool's children to change. Only the lock holder
//!   watches the pool, so releases do not wake every waiter.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use zk_client::{Client, CreateMode, CreateOptions, Error, ErrorCode, SessionId, Stat, WatchEvent};

use crate::error::{RecipeError, Result};
use crate::lock::engine::{Cleanup, Contended, Contender, Protocol, Removal, Woken, remove, wake};
use crate::lock::{LOCK_MARKER, LockGuard, lock_shaped};
use crate::naming::kazoo_uuid;
use crate::support::paths::{join, parent};
use crate::support::retry::{Backoff, Failure, classify, retry};
use crate::support::session::{SessionEvent, SessionWatch, client_stopped};
use crate::support::signal::Signal;
use crate::support::within;

/// kazoo's `Semaphore(client, path, identifier, max_leases)`.
///
/// Each acquisition takes one lease, held by the returned [`LockGuard`] (its fencing token is
/// the lease node's creation zxid). Clones share their cancellation
/// ([`cancel`](Semaphore::cancel)).
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::Semaphore;
///
/// let pool = Semaphore::new(&client, "/app/db-slots", 3).with_identifier("worker-7");
/// let lease = pool.acquire(Some(Duration::from_secs(30))).await?;
/// println!("holders: {:?}", pool.lease_holders().await?);
/// // ... use one of the three slots ...
/// lease.release().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Semaphore {
    client: Client,
    path: String,
    lock_path: String,
    data: Bytes,
    max_leases: u32,
    cancel: Arc<Signal>,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("path", &self.path)
            .field("max_leases", &self.max_leases)
            .finish_non_exhaustive()
    }
}

/// Why one pass of the semaphore loop ended without a lease.
enum Pass {
    Lease(Box<Contended>),
    Busy,
    Restart,
    Closed,
    Cancelled,
}

impl Semaphore {
    /// A semaphore of `max_leases` leases on `path` (kazoo's default is 1).
    pub fn new(client: &Client, path: &str, max_leases: u32) -> Semaphore {
        Semaphore {
            client: client.clone(),
            path: path.to_owned(),
            lock_path: format!("{path}-{LOCK_MARKER}"),
            data: Bytes::new(),
            max_leases,
            cancel: Arc::default(),
        }
    }

    /// The identifier written into the lease node (and the serializing lock's node), which
    /// [`lease_holders`](Semaphore::lease_holders) reports.
    pub fn with_identifier(mut self, identifier: &str) -> Semaphore {
        self.data = Bytes::copy_from_slice(identifier.as_bytes());
        self
    }

    /// The pool path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The number of leases.
    pub fn max_leases(&self) -> u32 {
        self.max_leases
    }

    /// Takes a lease, waiting at most `timeout` (`None`: wait forever). In every failure (and
    /// when the future is dropped) the nodes this attempt created are removed. A lost session
    /// starts over.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`] if the pool was created with another lease count,
    /// [`RecipeError::Timeout`] when time runs out, [`RecipeError::Cancelled`] after
    /// [`cancel`](Semaphore::cancel), `RecipeError::Zk(Closed)` once the client is closed.
    pub async fn acquire(&self, timeout: Option<Duration>) -> Result<LockGuard> {
        self.acquire_inner(timeout, true)
            .await?
            .ok_or(RecipeError::Timeout)
    }

    /// Takes a lease only if one is free now and the serializing lock is not busy (kazoo's
    /// `blocking=False`): `None` otherwise.
    ///
    /// # Errors
    ///
    /// As [`acquire`](Semaphore::acquire), without the timeout.
    pub async fn try_acquire(&self) -> Result<Option<LockGuard>> {
        self.acquire_inner(None, false).await
    }

    /// Makes every acquisition in progress on this value (and its clones) fail with
    /// [`RecipeError::Cancelled`].
    pub fn cancel(&self) {
        self.cancel.notify();
    }

    /// The identifiers of the current lease holders, in no particular order (kazoo's
    /// `lease_holders()`); holders without an identifier appear as empty strings.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a read fails.
    pub async fn lease_holders(&self) -> Result<Vec<String>> {
        let children = match self.client.get_children(&self.path).await {
            Ok(children) => children,
            Err(Error::Server(ErrorCode::NoNode)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut holders = Vec::with_capacity(children.len());
        for child in children {
            match self.client.get_data(&join(&self.path, &child)).await {
                Ok((data, _)) => holders.push(String::from_utf8_lossy(&data).into_owned()),
                Err(Error::Server(ErrorCode::NoNode)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(holders)
    }

    async fn acquire_inner(
        &self,
        timeout: Option<Duration>,
        wait: bool,
    ) -> Result<Option<LockGuard>> {
        let seen = self.cancel.epoch();
        let mut cleanup = Cleanup::new(&self.client);
        let lock_slot = cleanup.slot();
        let lease_slot = cleanup.slot();
        let outcome = within(
            &self.client,
            timeout,
            self.contend(&mut cleanup, lock_slot, lease_slot, wait, seen),
        )
        .await;
        let lease = cleanup.conclude(outcome, lease_slot).await?;
        Ok(lease.map(|lease| LockGuard::new(&self.client, lease)))
    }

    /// Creates the pool with the lease count, or checks the count of an existing one.
    async fn ensure_pool(&self) -> Result<()> {
        let count = self.max_leases.to_string();
        loop {
            let created = retry(&self.client, || {
                self.client.create(&self.path, count.clone().into_bytes())
            })
            .await;
            match created {
                Ok(_) => return Ok(()),
                Err(Error::Server(ErrorCode::NoNode)) => {
                    retry(&self.client, || self.client.ensure_path(parent(&self.path))).await?;
                }
                Err(Error::Server(ErrorCode::NodeExists)) => {
                    let data = match retry(&self.client, || self.client.get_data(&self.path)).await
                    {
                        Ok((data, _)) => data,
                        // Deleted in between: create it again.
                        Err(Error::Server(ErrorCode::NoNode)) => continue,
                        Err(e) => return Err(e.into()),
                    };
                    // Non-numeric data is ignored (the node may serve other purposes).
                    let stored = std::str::from_utf8(&data)
                        .ok()
                        .and_then(|text| text.trim().parse::<i64>().ok());
                    return match stored {
                        Some(stored) if stored != i64::from(self.max_leases) => {
                            Err(RecipeError::Inconsistent(format!(
                                "Inconsistent max leases: {stored}, expected: {}",
                                self.max_leases
                            )))
                        }
                        _ => Ok(()),
                    };
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn contend(
        &self,
        cleanup: &mut Cleanup,
        lock_slot: usize,
        lease_slot: usize,
        wait: bool,
        seen: u64,
    ) -> Result<Option<Contended>> {
        self.ensure_pool().await?;
        let lease_name = kazoo_uuid();
        let lease_path = join(&self.path, &lease_name);
        let mut lock_proto = Protocol::kazoo(&self.lock_path, LOCK_MARKER, &[LOCK_MARKER]);
        lock_proto.data = self.data.clone();
        // One contender for the serializing lock across passes: a pass that failed while it
        // held the lock goes on with the same node rather than queueing behind it.
        let mut lock = Contender::new(&lock_proto);
        let mut backoff = Backoff::new();
        loop {
            if self.cancel.epoch() > seen {
                return Err(RecipeError::Cancelled);
            }
            let pass = self
                .pass(
                    cleanup,
                    lock_slot,
                    lease_slot,
                    &mut lock,
                    &lease_name,
                    &lease_path,
                    wait,
                    seen,
                )
                .await;
            match pass {
                Ok(Pass::Lease(lease)) => return Ok(Some(*lease)),
                Ok(Pass::Busy) => return Ok(None),
                Ok(Pass::Restart) => backoff.reset(),
                Ok(Pass::Closed) => return Err(Error::Closed.into()),
                Ok(Pass::Cancelled) => return Err(RecipeError::Cancelled),
                // A lost session took the serializing lock and any lease with it: the next
                // pass starts over (the contender creates a fresh node on the new session).
                Err(RecipeError::Zk(error))
                    if classify(&error) != Failure::Fatal && !client_stopped(&self.client) =>
                {
                    tracing::debug!(%error, path = %self.path, "semaphore step failed; retrying");
                    backoff.wait(&self.client).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One pass: our lease if we already have one; else the lock, then a lease when one is
    /// free. The serializing lock is released before a lease is returned.
    #[allow(clippy::too_many_arguments)]
    async fn pass(
        &self,
        cleanup: &mut Cleanup,
        lock_slot: usize,
        lease_slot: usize,
        lock: &mut Contender<'_>,
        lease_name: &str,
        lease_path: &str,
        wait: bool,
        seen: u64,
    ) -> Result<Pass> {
        // Do we already have a lease (created before a connection loss)?
        if let Some(stat) = self.client.exists(lease_path).await? {
            match self.own_lease(lease_path, &stat).await? {
                Some(lease) => return Ok(Pass::Lease(Box::new(lease))),
                None => cleanup.set(lease_slot, None),
            }
        }
        let cancel = Some((&*self.cancel, seen));
        if !lock
            .run(&self.client, cleanup, lock_slot, wait, cancel)
            .await?
        {
            return Ok(Pass::Busy);
        }
        let Some(lock) = lock.node() else {
            return Ok(Pass::Restart);
        };
        loop {
            let (children, _, watch) = self.client.get_children_watched(&self.path).await?;
            let max = usize::try_from(self.max_leases).unwrap_or(usize::MAX);
            if children.len() < max && !children.iter().any(|c| c == lease_name) {
                cleanup.set(
                    lease_slot,
                    Some(Removal::Prefixed {
                        dir: self.path.clone(),
                        prefix: lease_name.to_owned(),
                    }),
                );
                let options = CreateOptions::mode(CreateMode::Ephemeral);
                match self
                    .client
                    .create_with(lease_path, self.data.clone(), &options)
                    .await
                {
                    Ok(_) | Err(Error::Server(ErrorCode::NodeExists)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if let Some(stat) = self.client.exists(lease_path).await? {
                cleanup.set(
                    lease_slot,
                    Some(Removal::Node {
                        path: lease_path.to_owned(),
                        owner: SessionId::new(stat.ephemeral_owner),
                    }),
                );
                match self.own_lease(lease_path, &stat).await? {
                    Some(lease) => {
                        // Release the serializing lock before handing the lease out.
                        if let Some(removal) = cleanup.get(lock_slot) {
                            remove(&self.client, &removal).await?;
                            cleanup.set(lock_slot, None);
                        }
                        return Ok(Pass::Lease(Box::new(lease)));
                    }
                    None => {
                        cleanup.set(lease_slot, None);
                        continue;
                    }
                }
            }
            if !wait {
                return Ok(Pass::Busy);
            }
            let mut watch = watch;
            loop {
                match wake(&mut watch, &mut lock.session, cancel).await {
                    Woken::Watch(WatchEvent::SessionExpired) => return Ok(Pass::Restart),
                    Woken::Watch(WatchEvent::Closed | WatchEvent::AuthFailed) => {
                        return Ok(Pass::Closed);
                    }
                    Woken::Watch(_) => break,
                    Woken::Session(SessionEvent::Suspended) => {}
                    Woken::Session(SessionEvent::Reconnected) => break,
                    Woken::Session(SessionEvent::Lost) => return Ok(Pass::Restart),
                    Woken::Session(SessionEvent::Closed) => return Ok(Pass::Closed),
                    Woken::Cancelled => return Ok(Pass::Cancelled),
                }
            }
            if !lock.session.is_current() {
                return Ok(Pass::Restart);
            }
        }
    }

    /// Our lease node as a held lease, if it belongs to the live session; a node of a lost
    /// session is deleted (`None`).
    async fn own_lease(&self, lease_path: &str, stat: &Stat) -> Result<Option<Contended>> {
        let owner = SessionId::new(stat.ephemeral_owner);
        let session = SessionWatch::new(&self.client, owner);
        if session.is_current() {
            return Ok(Some(Contended {
                path: lease_path.to_owned(),
                stat: stat.clone(),
                owner,
                session,
            }));
        }
        match self.client.delete(lease_path, None).await {
            Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

lock_shaped!(Semaphore, "lease");
