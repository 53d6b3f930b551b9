//! The contender protocol every lock-shaped recipe shares: kazoo's `Lock`, `ReadLock`,
//! `WriteLock` and `Election`, the lock inside kazoo's `Semaphore` and leases, and Curator's
//! `InterProcessMutex` and `LeaderLatch`. They differ only in node names, which siblings block
//! whom, how parents are created, and the order of sequence numbers.
//!
//! One acquisition:
//!
//! 1. make sure the directory exists;
//! 2. create `dir/<prefix><seq>` (ephemeral, sequential) where the prefix holds a fresh random
//!    id; when the reply is lost to a connection error, list the children and look for the
//!    prefix before creating again (the protected create), so one attempt never owns two nodes;
//! 3. check that the node belongs to the client's live session (a node left by an expired
//!    session is deleted and the attempt starts over);
//! 4. list the children: with no blocking sibling of a lower sequence the lock is held;
//!    otherwise watch the data of the closest lower blocking sibling (the predecessor) and wait
//!    for that watch, a session change or a cancellation, then go back to 4. A lost session
//!    means the node is gone: back to 2.
//!
//! Everything an attempt creates is registered in a [`Cleanup`], owned by the caller, so a
//! timed-out, failed or cancelled acquisition — including one whose future is simply dropped —
//! removes its node, also when the create reply never arrived.

//!
//! One concern per file: `protocol` (naming, blocking, ordering, the directory), `cleanup`
//! (what an attempt must remove, and how), `contender` (the steps of one acquisition) and
//! `wait` (the wait for the predecessor). This file is the entry point every lock-shaped
//! recipe calls.

mod cleanup;
mod contender;
mod protocol;
mod wait;

use std::time::Duration;

use zk_client::Client;

use crate::error::{RecipeError, Result};
use crate::support::signal::Signal;
use crate::support::within;

use super::LockGuard;

pub(crate) use cleanup::{Cleanup, Removal, Removed, remove};
pub(crate) use contender::{Contended, Contender};
pub(crate) use protocol::Protocol;
pub(crate) use wait::{Woken, wake};

/// Acquires with the contender protocol: the common body of every lock-shaped recipe's
/// `acquire` (`wait = true`, with an optional time limit) and `try_acquire` (`wait = false`).
/// Whatever the outcome other than success, the contender node is removed: inline when the
/// call returns, in the background when the future is dropped.
pub(crate) async fn acquire(
    client: &Client,
    proto: &Protocol,
    cancel: &Signal,
    timeout: Option<Duration>,
    wait: bool,
) -> Result<Option<LockGuard>> {
    let seen = cancel.epoch();
    let mut cleanup = Cleanup::new(client);
    let slot = cleanup.slot();
    let mut contender = Contender::new(proto);
    let outcome = within(
        client,
        timeout,
        contender.run(client, &mut cleanup, slot, wait, Some((cancel, seen))),
    )
    .await;
    let outcome = outcome.map(|won| match won {
        Ok(true) => contender
            .take()
            .map(Some)
            .ok_or_else(|| RecipeError::Inconsistent("acquired without a node".into())),
        Ok(false) => Ok(None),
        Err(e) => Err(e),
    });
    let contended = cleanup.conclude(outcome, slot).await?;
    Ok(contended.map(|contended| LockGuard::new(client, contended)))
}
