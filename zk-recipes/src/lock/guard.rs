//! [`LockGuard`]: a held lock, semaphore lease or leadership.

use std::fmt;

use bytes::Bytes;
use zk_client::{Client, Error, MultiResult, SessionId, Stat, Transaction};

use crate::error::{RecipeError, Result};
use crate::lost::{FencingToken, Lost};
use crate::support::session::session_alive;

use super::engine::{Contended, Removal, Removed, remove};

/// A held lock (or semaphore lease, or leadership): the contender node, its session, and a
/// fencing token.
///
/// Release it with [`release`](LockGuard::release). Dropping it without releasing deletes the
/// node in the background (on the client's runtime), retrying across reconnects until the node
/// or its session is gone.
///
/// # Loss
///
/// Holding is only as good as the session: when the session is lost, so is the node, and
/// another contender may take over. There is one way to know, read two ways:
/// [`is_lost`](LockGuard::is_lost) says whether the holding session is gone now, and
/// [`lost`](LockGuard::lost) is a future that completes when it is (it borrows nothing, so it
/// can be raced against the work, as [`Lock::run`](crate::Lock::run) does). Hand the
/// [`fencing_token`](LockGuard::fencing_token) to the systems you write to, so that they can
/// refuse a holder that lost its lock without knowing, and write to ZooKeeper through the
/// guard ([`set_data_fenced`](LockGuard::set_data_fenced),
/// [`fenced_transaction`](LockGuard::fenced_transaction), [`client`](LockGuard::client)).
#[must_use = "dropping the guard releases the lock in the background"]
pub struct LockGuard {
    client: Client,
    path: String,
    token: FencingToken,
    owner: SessionId,
    released: bool,
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard")
            .field("path", &self.path)
            .field("token", &self.token)
            .field("session", &self.owner)
            .finish_non_exhaustive()
    }
}

impl LockGuard {
    pub(crate) fn new(client: &Client, contended: Contended) -> LockGuard {
        LockGuard {
            client: client.clone(),
            token: FencingToken::new(contended.stat.czxid),
            owner: contended.owner,
            path: contended.path,
            released: false,
        }
    }

    /// The full path of the held node (for kazoo locks `<path>/<uuid>__lock__<seq>`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The fencing token: the creation zxid of the held node. A later holder of the same lock
    /// always has a greater one.
    pub fn fencing_token(&self) -> FencingToken {
        self.token
    }

    /// The session that owns the node.
    pub fn session(&self) -> SessionId {
        self.owner
    }

    /// A client handle bound to the session that holds the node: a request made through it
    /// fails with [`Error::SessionExpired`](zk_client::Error::SessionExpired), without being
    /// sent, once that session is gone, even though the client itself has moved on to a new
    /// session (the default expiry policy). Make the writes you do under the lock with it.
    ///
    /// It does not cover a pause (a GC, a stopped VM) that outlasts the session before the
    /// client has heard of the loss: use [`fenced_transaction`](LockGuard::fenced_transaction)
    /// or [`set_data_fenced`](LockGuard::set_data_fenced) for writes to ZooKeeper, or the
    /// [`fencing_token`](LockGuard::fencing_token) for other systems.
    pub fn client(&self) -> Client {
        self.client.bound_to_session(self.owner)
    }

    /// A transaction that ZooKeeper applies only while this lock is held: it starts with a
    /// check that the held node still exists, so the server itself refuses it once the node is
    /// gone (its session expired, or someone deleted it), however late this process learns of
    /// it. It runs on [`client`](LockGuard::client), so it is also refused locally once the
    /// client knows the session is gone. Add the writes and commit; a refusal fails the first
    /// operation (index 0) with `NoNode`, or the whole transaction with `SessionExpired`.
    ///
    /// ```no_run
    /// # async fn demo(guard: &zk_recipes::LockGuard) -> Result<(), zk_client_tokio::TransactionError> {
    /// guard
    ///     .fenced_transaction()
    ///     .set_data("/jobs/owner", "me", None)
    ///     .set_data("/jobs/state", "running", None)
    ///     .commit()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn fenced_transaction(&self) -> Transaction {
        // Version -1 matches any version: the check is for existence.
        self.client().transaction().check(&self.path, -1)
    }

    /// Sets `path`'s data only while this lock is held: a
    /// [`fenced_transaction`](LockGuard::fenced_transaction) with one `set_data` (checking
    /// the node's data version if given). Returns the node's new Stat.
    ///
    /// # Errors
    ///
    /// - [`RecipeError::SessionLost`] if the lock is no longer held (its node is gone or its
    ///   session is): nothing was written.
    /// - [`RecipeError::Zk`] with the write's own error: `NoNode` for a missing `path`,
    ///   `BadVersion`, or a connection error (`ConnectionLoss`, `Timeout`), after which
    ///   the write may or may not have been applied, as for any write.
    pub async fn set_data_fenced(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        version: Option<i32>,
    ) -> Result<Stat> {
        let committed = self
            .fenced_transaction()
            .set_data(path, data, version)
            .commit()
            .await;
        match committed {
            Ok(results) => match results.into_iter().nth(1) {
                Some(MultiResult::SetData(stat)) => Ok(stat),
                other => Err(RecipeError::Inconsistent(format!(
                    "a fenced set_data answered {other:?}"
                ))),
            },
            Err(err) if err.failed_op == Some(0) || err.error == Error::SessionExpired => {
                Err(RecipeError::SessionLost)
            }
            Err(err) => Err(RecipeError::Zk(err.error)),
        }
    }

    /// Whether the holding session is gone (lost, replaced by a new one, or the client closed):
    /// the lock is no longer held. A suspended connection is not a loss.
    pub fn is_lost(&self) -> bool {
        !session_alive(&self.client, self.owner)
    }

    /// A future that completes when the holding session is gone, the moment
    /// [`is_lost`](LockGuard::is_lost) turns true (at once if it already is). It borrows
    /// nothing from the guard, so it can be awaited beside work that uses the guard, or moved
    /// to another task.
    ///
    /// ```no_run
    /// # async fn demo(guard: zk_recipes::LockGuard) {
    /// let lost = guard.lost();
    /// tokio::spawn(async move {
    ///     lost.await;
    ///     eprintln!("lock lost: stop writing");
    /// });
    /// # }
    /// ```
    pub fn lost(&self) -> Lost {
        Lost::new(&self.client, self.owner)
    }

    /// Releases: deletes the node, retrying across connection losses.
    ///
    /// # Errors
    ///
    /// - [`RecipeError::SessionLost`] if the session was lost first: the lock was not held
    ///   until now (the node went with the session).
    /// - [`RecipeError::Zk`] for an error no retry can fix (an ACL that forbids the delete).
    pub async fn release(mut self) -> Result<()> {
        self.released = true;
        let removal = Removal::Node {
            path: self.path.clone(),
            owner: self.owner,
        };
        match remove(&self.client, &removal).await? {
            Removed::Deleted | Removed::Absent if !self.is_lost() => Ok(()),
            _ => Err(RecipeError::SessionLost),
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if self.released || !session_alive(&self.client, self.owner) {
            return;
        }
        let client = self.client.clone();
        let removal = Removal::Node {
            path: std::mem::take(&mut self.path),
            owner: self.owner,
        };
        self.client.runtime().spawn(async move {
            if let Err(error) = remove(&client, &removal).await {
                tracing::warn!(%error, ?removal, "could not release a dropped lock");
            }
        });
    }
}
