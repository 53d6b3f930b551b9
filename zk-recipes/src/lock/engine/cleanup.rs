//! What an attempt created and must remove unless it hands it on: [`Removal`], the removal
//! that retries across reconnects until the node or its session is gone ([`remove`]), and
//! [`Cleanup`], the caller-owned register that removes inline or, when dropped, in the
//! background.

use std::time::Duration;

use zk_client::{Client, Error, ErrorCode, SessionId};

use crate::error::{RecipeError, Result};
use crate::naming::find_own;
use crate::support::paths::join;
use crate::support::retry::{Backoff, Failure, classify};
use crate::support::session::{client_stopped, session_alive};

/// Something an attempt created that must go if the attempt does not hand it on.
#[derive(Debug, Clone)]
pub(crate) enum Removal {
    /// A node whose path is known, owned by the ephemeral session `owner`.
    Node { path: String, owner: SessionId },
    /// Nodes created with `prefix` in `dir`, whose create reply may have been lost.
    Prefixed { dir: String, prefix: String },
}

/// How a removal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removed {
    /// Deleted now.
    Deleted,
    /// It was not there.
    Absent,
    /// The owning session is gone (so is the ephemeral node), or the client was closed.
    SessionGone,
}

/// Removes what `removal` names, retrying across connection losses until it is gone, its
/// session is gone, or the client stopped. Fails only on an error no retry can fix (an ACL
/// that forbids the delete, say).
pub(crate) async fn remove(client: &Client, removal: &Removal) -> Result<Removed, Error> {
    let mut backoff = Backoff::new();
    let (mut known, owner) = match removal {
        Removal::Node { path, owner } => (Some(path.clone()), Some(*owner)),
        Removal::Prefixed { .. } => (None, None),
    };
    let mut deleted_any = false;
    loop {
        if client_stopped(client) {
            return Ok(Removed::SessionGone);
        }
        if owner.is_some_and(|owner| !session_alive(client, owner)) {
            return Ok(Removed::SessionGone);
        }
        let path = match (&known, removal) {
            (Some(path), _) => path.clone(),
            (None, Removal::Prefixed { dir, prefix }) => match client.get_children(dir).await {
                Ok(children) => match find_own(&children, prefix) {
                    Some(name) => join(dir, name),
                    None if deleted_any => return Ok(Removed::Deleted),
                    None => return Ok(Removed::Absent),
                },
                Err(Error::Server(ErrorCode::NoNode)) => return Ok(Removed::Absent),
                Err(Error::Closed) => return Ok(Removed::SessionGone),
                Err(e) => match classify(&e) {
                    // The nodes went with their session.
                    Failure::SessionGone => return Ok(Removed::SessionGone),
                    Failure::Transient => {
                        backoff.wait(client).await;
                        continue;
                    }
                    Failure::Fatal => return Err(e),
                },
            },
            (None, Removal::Node { .. }) => return Ok(Removed::Absent),
        };
        match client.delete(&path, None).await {
            Ok(()) if owner.is_some() => return Ok(Removed::Deleted),
            Ok(()) => {
                // Prefixed: look again, in case an older node with the prefix lingers.
                deleted_any = true;
                known = None;
            }
            Err(Error::Server(ErrorCode::NoNode)) if owner.is_some() => return Ok(Removed::Absent),
            Err(Error::Server(ErrorCode::NoNode)) => known = None,
            Err(Error::Closed) => return Ok(Removed::SessionGone),
            Err(e) => match classify(&e) {
                Failure::SessionGone => return Ok(Removed::SessionGone),
                Failure::Transient => {
                    known = Some(path);
                    backoff.wait(client).await;
                }
                Failure::Fatal => return Err(e),
            },
        }
    }
}

/// How long [`Cleanup::finish`] works inline before it hands what is left to the background.
const INLINE_CLEANUP: Duration = Duration::from_secs(2);

/// What an attempt must remove unless it hands it on, in slots. Dropping it removes everything
/// still registered in the background
/// ([`RuntimeHandle::spawn`](zk_client::RuntimeHandle::spawn)), retrying across reconnects
/// until the nodes or their session are gone (kazoo #732: a clean-up that gives up at the first
/// connection error leaves an orphan contender that blocks everyone).
pub(crate) struct Cleanup {
    client: Client,
    slots: Vec<Option<Removal>>,
}

impl std::fmt::Debug for Cleanup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cleanup")
            .field("slots", &self.slots)
            .finish_non_exhaustive()
    }
}

impl Cleanup {
    pub(crate) fn new(client: &Client) -> Cleanup {
        Cleanup {
            client: client.clone(),
            slots: Vec::new(),
        }
    }

    /// A new empty slot.
    pub(crate) fn slot(&mut self) -> usize {
        self.slots.push(None);
        self.slots.len() - 1
    }

    /// Sets what a slot must remove.
    pub(crate) fn set(&mut self, slot: usize, removal: Option<Removal>) {
        self.slots[slot] = removal;
    }

    /// What a slot must remove now.
    pub(crate) fn get(&self, slot: usize) -> Option<Removal> {
        self.slots[slot].clone()
    }

    /// Takes a slot's removal out: the caller now owns what it names.
    pub(crate) fn take(&mut self, slot: usize) -> Option<Removal> {
        self.slots[slot].take()
    }

    /// Removes everything registered: inline while connected (for at most a couple of
    /// seconds), the rest in the background.
    pub(crate) async fn finish(mut self) {
        if self.client.state().is_connected() {
            let client = self.client.clone();
            let _ = client
                .runtime()
                .timeout(INLINE_CLEANUP, self.run_inline())
                .await;
        }
        // Dropping `self` hands whatever is left to the background.
    }

    /// Ends an attempt that ran under a time limit (`None`: it ran out): after a success the
    /// caller keeps the node in `kept`, and everything else registered is removed; after any
    /// other outcome everything is.
    ///
    /// # Errors
    ///
    /// The attempt's error, or [`RecipeError::Timeout`] when it ran out of time.
    pub(crate) async fn conclude<T>(
        mut self,
        outcome: Option<Result<Option<T>>>,
        kept: usize,
    ) -> Result<Option<T>> {
        if let Some(Ok(Some(_))) = &outcome {
            self.take(kept);
        }
        self.finish().await;
        outcome.unwrap_or(Err(RecipeError::Timeout))
    }

    async fn run_inline(&mut self) {
        for i in 0..self.slots.len() {
            if let Some(removal) = self.slots[i].clone() {
                if let Err(error) = remove(&self.client, &removal).await {
                    tracing::warn!(%error, ?removal, "could not remove a recipe node");
                }
                self.slots[i] = None;
            }
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let pending: Vec<Removal> = self.slots.drain(..).flatten().collect();
        if pending.is_empty() || client_stopped(&self.client) {
            return;
        }
        let client = self.client.clone();
        self.client.runtime().spawn(async move {
            for removal in pending {
                if let Err(error) = remove(&client, &removal).await {
                    tracing::warn!(%error, ?removal, "could not remove a recipe node");
                }
            }
        });
    }
}
