//! kazoo's `Election` (docs/recipes.md#election): a kazoo [`Lock`] whose holder is the leader, so
//! Rust and Python contenders take part in one election on the same path and agree on the order of
//! contenders and on the leader.

use std::future::Future;
use std::time::Duration;

use zk_client::Client;

use crate::error::Result;
use crate::lock::{Lock, LockGuard};
use crate::lost::FencingToken;
use crate::sequence::SequenceOrder;

/// kazoo's `Election(client, path, identifier)`: contend for leadership, run work while
/// leader, step down.
///
/// Safer than kazoo's `run`: the work is stopped (its future dropped) as soon as the session that
/// holds the leadership is lost, and [`run`](Election::run) then fails with
/// [`RecipeError::SessionLost`](crate::RecipeError::SessionLost), so a leader never keeps working
/// after another one may have been elected. [`run_with`](Election::run_with) hands the work the
/// leadership's [`FencingToken`].
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::Election;
///
/// let election = Election::new(&client, "/app/leader").with_identifier("host-1");
/// println!("contenders: {:?}", election.contenders().await?);
/// let report = election
///     .run_with(|token| async move {
///         // ... lead; write to storage with `token` so a deposed leader is refused ...
///         format!("led with {token:?}")
///     })
///     .await?;
/// println!("{report}");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Election {
    lock: Lock,
}

impl Election {
    /// kazoo's `Election(client, path)`.
    pub fn new(client: &Client, path: &str) -> Election {
        Election {
            lock: Lock::new(client, path),
        }
    }

    /// The identifier written into this contender's node (kazoo's `identifier`), which
    /// [`contenders`](Election::contenders) reports.
    pub fn with_identifier(self, identifier: &str) -> Election {
        Election {
            lock: self.lock.with_identifier(identifier),
        }
    }

    /// How sequence numbers are ordered (see [`Lock::with_order`]).
    pub fn with_order(self, order: SequenceOrder) -> Election {
        Election {
            lock: self.lock.with_order(order),
        }
    }

    /// The election path.
    pub fn path(&self) -> &str {
        self.lock.path()
    }

    /// Waits until leader, runs `work`, then steps down; returns what the work returned.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Cancelled`](crate::RecipeError::Cancelled) after
    /// [`cancel`](Election::cancel) while still waiting (kazoo returns `None` there), and
    /// [`RecipeError::SessionLost`](crate::RecipeError::SessionLost) if the leadership's
    /// session is lost while the work runs (the work is dropped at that point).
    pub async fn run<F: Future>(&self, work: F) -> Result<F::Output> {
        self.run_with(|_| work).await
    }

    /// [`run`](Election::run), giving the work the leadership's fencing token.
    ///
    /// # Errors
    ///
    /// As [`run`](Election::run).
    pub async fn run_with<F, Fut>(&self, work: F) -> Result<Fut::Output>
    where
        F: FnOnce(FencingToken) -> Fut,
        Fut: Future,
    {
        self.lock
            .run(None, async |leadership| {
                work(leadership.fencing_token()).await
            })
            .await
    }

    /// Becomes leader and stays leader until the returned guard is released or dropped; waits
    /// at most `timeout` (`None`: forever).
    ///
    /// # Errors
    ///
    /// As [`Lock::acquire`].
    pub async fn lead(&self, timeout: Option<Duration>) -> Result<LockGuard> {
        self.lock.acquire(timeout).await
    }

    /// Withdraws from the election: a [`run`](Election::run) or [`lead`](Election::lead) still
    /// waiting fails with [`RecipeError::Cancelled`](crate::RecipeError::Cancelled) (its node is
    /// removed). Work already
    /// running as leader is not interrupted, as in kazoo.
    pub fn cancel(&self) {
        self.lock.cancel();
    }

    /// The identifiers of the contenders, the leader first (kazoo's `contenders()`).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a read fails.
    pub async fn contenders(&self) -> Result<Vec<String>> {
        self.lock.contenders().await
    }

    /// The identifier of the current leader, if there is one.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a read fails.
    pub async fn leader(&self) -> Result<Option<String>> {
        Ok(self.contenders().await?.into_iter().next())
    }
}
