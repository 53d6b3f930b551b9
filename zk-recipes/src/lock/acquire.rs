//! [`Acquire`]: what every recipe that hands out a [`LockGuard`] offers, and running work
//! under a guard (kazoo's `with lock:`).

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use futures_util::future::{Either, select};

use crate::error::{RecipeError, Result};

use super::LockGuard;

/// A recipe that hands out [`LockGuard`]s: [`Lock`](crate::Lock),
/// [`ReadLock`](crate::ReadLock), [`WriteLock`](crate::WriteLock),
/// [`InterProcessMutex`](crate::InterProcessMutex) and [`Semaphore`](crate::Semaphore) (a
/// lease is held like a lock). Each also has these as inherent methods; the trait is for code
/// generic over the kind of lock.
///
/// ```no_run
/// use std::time::Duration;
/// use zk_recipes::{Acquire, Lock, Semaphore};
///
/// async fn exclusively<L: Acquire>(lock: &L) -> zk_recipes::Result<u64> {
///     lock.run(Some(Duration::from_secs(5)), async |guard| {
///         // ... work while holding; writes through `guard` are fenced ...
///         guard.fencing_token().get() as u64
///     })
///     .await
/// }
///
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// exclusively(&Lock::new(&client, "/app/lock")).await?;
/// exclusively(&Semaphore::new(&client, "/app/slots", 3)).await?;
/// # Ok(()) }
/// ```
pub trait Acquire {
    /// The lock (or pool) path.
    fn path(&self) -> &str;

    /// Acquires, waiting at most `timeout` (`None`: wait forever).
    ///
    /// # Errors
    ///
    /// [`RecipeError::Timeout`] when time runs out, [`RecipeError::Cancelled`] after
    /// [`cancel`](Acquire::cancel), `RecipeError::Zk(Closed)` once the client is closed; the
    /// contender node is removed in each case.
    fn acquire(&self, timeout: Option<Duration>) -> impl Future<Output = Result<LockGuard>> + Send;

    /// Takes the lock if it is free now, without waiting: `None` if it is not.
    ///
    /// # Errors
    ///
    /// As [`acquire`](Acquire::acquire), without the timeout.
    fn try_acquire(&self) -> impl Future<Output = Result<Option<LockGuard>>> + Send;

    /// Makes every acquisition in progress on this value (and its clones) fail with
    /// [`RecipeError::Cancelled`]; later acquisitions are not affected.
    fn cancel(&self);

    /// Acquires (waiting at most `timeout`), runs `work` with the guard, and releases:
    /// kazoo's `with lock:`. The work is raced against the loss of the lock: if the holding
    /// session is lost first, the work is stopped (its future dropped) and `run` fails with
    /// [`RecipeError::SessionLost`], so nothing keeps running after another holder may have
    /// taken over.
    ///
    /// # Errors
    ///
    /// Those of [`acquire`](Acquire::acquire), and [`RecipeError::SessionLost`] if the lock
    /// was lost while the work ran. Once the work has finished its output is returned; a
    /// failed release is only logged (the node goes with its session in any case).
    fn run<T, W>(&self, timeout: Option<Duration>, work: W) -> impl Future<Output = Result<T>>
    where
        W: AsyncFnOnce(&LockGuard) -> T,
    {
        async move { hold(self.acquire(timeout).await?, work).await }
    }
}

/// Gives a lock-shaped recipe (with inherent `path`, `acquire`, `try_acquire` and `cancel`)
/// its inherent `run` and its [`Acquire`] impl; `$what` names what it holds in the docs.
macro_rules! lock_shaped {
    ($ty:ident, $what:literal) => {
        impl $ty {
            #[doc = concat!("Acquires the ", $what, " (waiting at most `timeout`), runs `work` with the guard, and releases it: kazoo's `with lock:`.")]
            ///
            /// The work is raced against the loss of what it holds: if the holding session is
            /// lost first, the work is stopped (its future dropped) and the call fails with
            /// [`RecipeError::SessionLost`](crate::RecipeError::SessionLost). See
            /// [`Acquire::run`](crate::Acquire::run).
            ///
            /// # Errors
            ///
            /// Those of [`acquire`](Self::acquire), and
            /// [`RecipeError::SessionLost`](crate::RecipeError::SessionLost) if it was lost
            /// while the work ran.
            pub async fn run<T>(
                &self,
                timeout: Option<std::time::Duration>,
                work: impl AsyncFnOnce(&$crate::LockGuard) -> T,
            ) -> $crate::Result<T> {
                $crate::lock::hold(self.acquire(timeout).await?, work).await
            }
        }

        impl $crate::Acquire for $ty {
            fn path(&self) -> &str {
                $ty::path(self)
            }

            async fn acquire(
                &self,
                timeout: Option<std::time::Duration>,
            ) -> $crate::Result<$crate::LockGuard> {
                $ty::acquire(self, timeout).await
            }

            async fn try_acquire(&self) -> $crate::Result<Option<$crate::LockGuard>> {
                $ty::try_acquire(self).await
            }

            fn cancel(&self) {
                $ty::cancel(self)
            }
        }
    };
}

pub(crate) use lock_shaped;

/// Runs `work` with `guard`, raced against its loss, then releases it.
pub(crate) async fn hold<T, W>(guard: LockGuard, work: W) -> Result<T>
where
    W: AsyncFnOnce(&LockGuard) -> T,
{
    let done = {
        let work = pin!(work(&guard));
        // Polled first: work that finishes as the loss is noticed still counts.
        match select(work, guard.lost()).await {
            Either::Left((output, _)) => Some(output),
            Either::Right(((), _)) => None,
        }
    };
    let Some(output) = done else {
        return Err(RecipeError::SessionLost);
    };
    let path = guard.path().to_owned();
    if let Err(error) = guard.release().await {
        tracing::warn!(%error, %path, "releasing after the work failed");
    }
    Ok(output)
}
