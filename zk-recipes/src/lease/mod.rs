//! kazoo's leases: [`NonBlockingLease`] and [`MultiNonBlockingLease`], on kazoo's znode
//! protocol, so Rust and Python processes share the same leases.
//!
//! # Nodes
//!
//! Under the lease path (created persistent if missing):
//!
//! - a kazoo [`Lock`] whose contenders live in the lease path itself, serializing the check;
//! - `lease_holder`, a persistent node holding a [`LeaseRecord`], byte for byte as kazoo
//!   writes it.
//!
//! Under the lock, a lease is obtained when there is no holder node, or its holder is this
//! identifier (a renewal), or its end has passed; a record of another version is left alone.
//! The old record is replaced by `now + duration`. Like kazoo, leases trust the clients' clocks
//! to be roughly synchronized.

mod record;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zk_client::{Client, CreateMode, Error, ErrorCode};

use crate::error::{RecipeError, Result};
use crate::lock::{Lock, LockGuard};
use crate::naming::hostname;
use crate::support::paths::join;
use crate::support::retry::{retry, retry_in_session};

use record::Fields;

pub use record::{LEASE_VERSION, LeaseRecord};

/// A clock returning the current time (UTC is taken from [`SystemTime`]).
type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// kazoo's `NonBlockingLease(client, path, duration, identifier, utcnow)`: an exclusive lease
/// for a duration, taken without waiting for the current holder.
///
/// The holder may renew it by obtaining it again with the same identifier. Nothing is held on
/// the session: the lease is a record with an end time, valid even if its holder is gone. The
/// only wait is for the short-lived lock that serializes the check ([`with_lock_timeout`]
/// bounds it).
///
/// [`with_lock_timeout`]: NonBlockingLease::with_lock_timeout
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::NonBlockingLease;
///
/// let lease = NonBlockingLease::new(&client, "/app/leases/hourly-cleanup", Duration::from_secs(70 * 60))
///     .with_identifier("cleanup on host-1");
/// if lease.obtain().await? {
///     // ... run the hourly cleanup; no other host does it for 70 minutes ...
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct NonBlockingLease {
    client: Client,
    path: String,
    duration: Duration,
    identifier: String,
    clock: Clock,
    lock_timeout: Option<Duration>,
}

impl fmt::Debug for NonBlockingLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonBlockingLease")
            .field("path", &self.path)
            .field("duration", &self.duration)
            .field("identifier", &self.identifier)
            .finish_non_exhaustive()
    }
}

impl NonBlockingLease {
    /// A lease on `path` for `duration`, identified by the host name (kazoo's default).
    pub fn new(client: &Client, path: &str, duration: Duration) -> NonBlockingLease {
        NonBlockingLease {
            client: client.clone(),
            path: path.to_owned(),
            duration,
            identifier: hostname(),
            clock: Arc::new(SystemTime::now),
            lock_timeout: None,
        }
    }

    /// The identity of the holder; reuse it to renew.
    pub fn with_identifier(mut self, identifier: &str) -> NonBlockingLease {
        self.identifier = identifier.to_owned();
        self
    }

    /// The clock (kazoo's `utcnow`), for tests.
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How long to wait for the lock that serializes the check (`None`, the default, waits as
    /// kazoo does); when it runs out, [`obtain`](NonBlockingLease::obtain) fails with
    /// [`RecipeError::Timeout`].
    pub fn with_lock_timeout(mut self, timeout: Option<Duration>) -> NonBlockingLease {
        self.lock_timeout = timeout;
        self
    }

    /// The lease path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The identifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Tries to obtain (or renew) the lease: `true` if this identifier holds it now, until
    /// `now + duration`; `false` if another identifier holds it (or the record is of a newer
    /// format).
    ///
    /// # Errors
    ///
    /// - [`RecipeError::Timeout`] if the serializing lock was not had within
    ///   [`with_lock_timeout`](NonBlockingLease::with_lock_timeout);
    /// - [`RecipeError::SessionLost`] if the session that held the serializing lock was lost
    ///   during the check: nothing more was written, but a write already sent may have been
    ///   applied, so ask again;
    /// - [`RecipeError::Inconsistent`] for a `lease_holder` node that is not a lease record;
    /// - `RecipeError::Zk` for a request that failed otherwise (`Closed`, a connection error
    ///   while replacing the record, whose outcome is then unknown).
    pub async fn obtain(&self) -> Result<bool> {
        let client = &self.client;
        retry(client, || client.ensure_path(&self.path)).await?;
        let lock = Lock::new(client, &self.path).with_identifier(&self.identifier);
        let guard = lock.acquire(self.lock_timeout).await?;
        let outcome = match self.obtain_locked(&guard).await {
            Err(RecipeError::Zk(Error::SessionExpired)) => Err(RecipeError::SessionLost),
            other => other,
        };
        let released = guard.release().await;
        let obtained = outcome?;
        // A lost lock session does not undo a record already written.
        match released {
            Ok(()) | Err(RecipeError::SessionLost) => Ok(obtained),
            Err(e) => Err(e),
        }
    }

    /// The current record, if there is one.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`] for a node that is not a lease record, `RecipeError::Zk`
    /// if the read fails.
    pub async fn holder(&self) -> Result<Option<LeaseRecord>> {
        let holder_path = join(&self.path, "lease_holder");
        match self.client.get_data(&holder_path).await {
            Ok((data, _)) => LeaseRecord::decode(&data).map(Some),
            Err(Error::Server(ErrorCode::NoNode)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The check and the write, under the serializing lock: every request goes through the
    /// client bound to the lock's session, so none is made once the lock is lost.
    async fn obtain_locked(&self, guard: &LockGuard) -> Result<bool> {
        let client = &guard.client();
        let holder_path = join(&self.path, "lease_holder");
        let now = (self.clock)();
        let existing = match retry_in_session(client, || client.get_data(&holder_path)).await {
            Ok((data, stat)) => Some((data, stat.version)),
            Err(Error::Server(ErrorCode::NoNode)) => None,
            Err(e) => return Err(e.into()),
        };
        // Python's datetime ends at 9999: so does a lease "for ever".
        let end = now
            .checked_add(self.duration)
            .unwrap_or(UNIX_EPOCH + Duration::from_secs(253_402_300_799));
        let data = LeaseRecord::new(self.identifier.clone(), end).encode();
        match existing {
            None => {
                retry_in_session(client, || async {
                    match client.create(&holder_path, data.clone()).await {
                        // A retried create whose first attempt went through (the lock is
                        // held: nobody else writes the record).
                        Err(Error::Server(ErrorCode::NodeExists)) => Ok(String::new()),
                        other => other,
                    }
                })
                .await?;
            }
            Some((raw, version)) => {
                let fields = Fields::decode(&raw)?;
                if fields.version()? != LEASE_VERSION {
                    // A newer format: let a client that knows it take the lease.
                    return Ok(false);
                }
                // kazoo needs `end` even for a renewal.
                let end = fields.end()?;
                if !fields.held_by(&self.identifier) && now < end {
                    return Ok(false);
                }
                // kazoo deletes and creates; one transaction does the same atomically.
                let result = client
                    .transaction()
                    .delete(&holder_path, Some(version))
                    .create(&holder_path, data, CreateMode::Persistent)
                    .commit()
                    .await;
                if let Err(error) = result {
                    return Err(error.error.into());
                }
            }
        }
        Ok(true)
    }
}

/// kazoo's `MultiNonBlockingLease(client, count, path, duration, identifier, utcnow)`: one of
/// `count` leases `path/0` ... `path/<count-1>`, tried in order, for when a limited number of
/// hosts should run a task. Its constructor takes the path before the count, as every recipe
/// does.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::MultiNonBlockingLease;
///
/// let leases = MultiNonBlockingLease::new(&client, "/app/leases/crawlers", 3, Duration::from_secs(600))
///     .with_identifier("host-4");
/// if let Some(slot) = leases.obtain().await? {
///     println!("crawling as slot {slot}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MultiNonBlockingLease {
    count: u32,
    template: NonBlockingLease,
}

impl MultiNonBlockingLease {
    /// `count` leases under `path`, for `duration`, identified by the host name.
    pub fn new(client: &Client, path: &str, count: u32, duration: Duration) -> Self {
        MultiNonBlockingLease {
            count,
            template: NonBlockingLease::new(client, path, duration),
        }
    }

    /// The identity of the holder; reuse it to renew.
    pub fn with_identifier(self, identifier: &str) -> Self {
        MultiNonBlockingLease {
            count: self.count,
            template: self.template.with_identifier(identifier),
        }
    }

    /// The clock, for tests.
    pub fn with_clock(self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        MultiNonBlockingLease {
            count: self.count,
            template: self.template.with_clock(clock),
        }
    }

    /// See [`NonBlockingLease::with_lock_timeout`].
    pub fn with_lock_timeout(self, timeout: Option<Duration>) -> Self {
        MultiNonBlockingLease {
            count: self.count,
            template: self.template.with_lock_timeout(timeout),
        }
    }

    /// The lease of slot `index` (`path/<index>`).
    pub fn slot(&self, index: u32) -> NonBlockingLease {
        NonBlockingLease {
            path: join(&self.template.path, &index.to_string()),
            ..self.template.clone()
        }
    }

    /// Tries the slots in order and stops at the first one obtained (or renewed): its index,
    /// or `None` if all are held by others.
    ///
    /// # Errors
    ///
    /// Those of [`NonBlockingLease::obtain`], for the first slot that fails.
    pub async fn obtain(&self) -> Result<Option<u32>> {
        for index in 0..self.count {
            if self.slot(index).obtain().await? {
                return Ok(Some(index));
            }
        }
        Ok(None)
    }
}
