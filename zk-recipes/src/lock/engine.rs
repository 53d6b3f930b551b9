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

use std::cmp::Ordering;
use std::future::pending;
use std::pin::pin;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::{Either, select};
use zk_client::{
    Client, CreateMode, CreateOptions, Error, ErrorCode, OneshotWatch, SessionId, Stat, WatchEvent,
};

use crate::error::{RecipeError, Result};
use crate::naming::{curator_prefix, find_own, kazoo_uuid};
use crate::sequence::{Sequence, SequenceOrder};
use crate::support::paths::{basename, join};
use crate::support::retry::{Backoff, Failure, classify};
use crate::support::session::{SessionEvent, SessionWatch, client_stopped, session_alive};
use crate::support::signal::Signal;
use crate::support::within;

use super::LockGuard;

/// How contender nodes are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// kazoo: `<uuid4 hex><marker><seq>`.
    Kazoo,
    /// Curator's protected mode: `_c_<uuid with dashes>-<marker><seq>`.
    Curator,
}

/// How the directory is created when missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parents {
    /// kazoo's `ensure_path`: persistent nodes.
    Persistent,
    /// Curator's `creatingParentContainersIfNeeded`: container nodes, which the server removes
    /// once they are empty.
    Containers,
}

/// One flavour of the contender protocol, on one directory.
#[derive(Debug, Clone)]
pub(crate) struct Protocol {
    /// The directory the contenders live in (a client path).
    pub(crate) dir: String,
    /// The marker in this contender's own node name (`__lock__`, `__rlock__`, `lock-`, ...).
    pub(crate) own_marker: String,
    /// Markers of siblings that block this contender when their sequence is lower.
    pub(crate) blockers: Vec<String>,
    /// How nodes are named.
    pub(crate) naming: Naming,
    /// How sequence numbers are ordered.
    pub(crate) order: SequenceOrder,
    /// The data of the contender node (kazoo: the identifier as UTF-8).
    pub(crate) data: Bytes,
    /// How the directory is created.
    pub(crate) parents: Parents,
}

impl Protocol {
    /// A kazoo-flavoured protocol.
    pub(crate) fn kazoo(dir: &str, own_marker: &str, blockers: &[&str]) -> Protocol {
        Protocol {
            dir: dir.to_owned(),
            own_marker: own_marker.to_owned(),
            blockers: blockers.iter().map(|b| (*b).to_owned()).collect(),
            naming: Naming::Kazoo,
            order: SequenceOrder::default(),
            data: Bytes::new(),
            parents: Parents::Persistent,
        }
    }

    /// A Curator-flavoured protocol: every node with the marker is a contender.
    pub(crate) fn curator(dir: &str, marker: &str) -> Protocol {
        Protocol {
            dir: dir.to_owned(),
            own_marker: marker.to_owned(),
            blockers: vec![marker.to_owned()],
            naming: Naming::Curator,
            order: SequenceOrder::default(),
            data: Bytes::new(),
            parents: Parents::Containers,
        }
    }

    /// A fresh node-name prefix (everything before the sequence number).
    pub(crate) fn new_prefix(&self) -> String {
        match self.naming {
            Naming::Kazoo => format!("{}{}", kazoo_uuid(), self.own_marker),
            Naming::Curator => format!("{}{}", curator_prefix(), self.own_marker),
        }
    }

    /// The sequence of a sibling that blocks this contender, if it is one.
    fn blocker_seq(&self, child: &str) -> Option<Sequence> {
        self.blockers
            .iter()
            .find_map(|marker| Sequence::after(child, marker))
    }

    /// The sequence of any contender (own kind or blocking kind).
    fn contender_seq(&self, child: &str) -> Option<Sequence> {
        Sequence::after(child, &self.own_marker).or_else(|| self.blocker_seq(child))
    }

    /// The closest lower blocking sibling of `own` (kazoo's `_get_predecessor` as fixed by
    /// kazoo PR #650: only lower sequences count, so readers and writers never wait on each
    /// other in a cycle). `Ok(None)`: nothing blocks, the lock is held.
    pub(crate) fn predecessor<'a>(
        &self,
        children: &'a [String],
        own: &str,
    ) -> Result<Option<&'a str>> {
        let own_seq = Sequence::after(own, &self.own_marker).ok_or_else(|| {
            RecipeError::Inconsistent(format!(
                "contender node {own} has no sequence after {}",
                self.own_marker
            ))
        })?;
        let order = self.order;
        Ok(children
            .iter()
            .filter(|child| child.as_str() != own)
            .filter_map(|child| self.blocker_seq(child).map(|seq| (seq, child.as_str())))
            .filter(|(seq, _)| order.compare(*seq, own_seq) == Ordering::Less)
            .max_by(|a, b| order.compare(a.0, b.0))
            .map(|(_, child)| child))
    }

    /// Every contender (own kind and blocking kinds), in lock order.
    pub(crate) fn sorted_contenders<'a>(&self, children: &'a [String]) -> Vec<&'a str> {
        let order = self.order;
        let mut seqs: Vec<(Sequence, &str)> = children
            .iter()
            .filter_map(|child| self.contender_seq(child).map(|seq| (seq, child.as_str())))
            .collect();
        seqs.sort_by(|a, b| order.compare(a.0, b.0).then_with(|| a.1.cmp(b.1)));
        seqs.into_iter().map(|(_, child)| child).collect()
    }

    /// Creates the directory if it is missing.
    pub(crate) async fn ensure_dir(&self, client: &Client) -> Result<(), Error> {
        match self.parents {
            Parents::Persistent => client.ensure_path(&self.dir).await,
            Parents::Containers => ensure_containers(client, &self.dir).await,
        }
    }

    /// The contenders' node names and data, in lock order; nodes that vanish while they are
    /// read are skipped.
    pub(crate) async fn contender_nodes(&self, client: &Client) -> Result<Vec<(String, Bytes)>> {
        let children = match client.get_children(&self.dir).await {
            Ok(children) => children,
            Err(Error::Server(ErrorCode::NoNode)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for name in self.sorted_contenders(&children) {
            match client.get_data(&join(&self.dir, name)).await {
                Ok((data, _)) => out.push((name.to_owned(), data)),
                Err(Error::Server(ErrorCode::NoNode)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }
}

/// Creates `path` and its missing ancestors as container nodes.
pub(crate) async fn ensure_containers(client: &Client, path: &str) -> Result<(), Error> {
    if path == "/" || client.exists(path).await?.is_some() {
        return Ok(());
    }
    let mut current = String::new();
    for component in path.split('/').filter(|c| !c.is_empty()) {
        current.push('/');
        current.push_str(component);
        let options = CreateOptions::mode(CreateMode::Container);
        match client.create_with(&current, Bytes::new(), &options).await {
            Ok(_) | Err(Error::Server(ErrorCode::NodeExists)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

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

/// A contender node that won: its path and Stat, its session, and a watch on that session.
pub(crate) struct Contended {
    pub(crate) path: String,
    pub(crate) stat: Stat,
    pub(crate) owner: SessionId,
    pub(crate) session: SessionWatch,
}

impl std::fmt::Debug for Contended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contended")
            .field("path", &self.path)
            .field("czxid", &self.stat.czxid)
            .finish_non_exhaustive()
    }
}

/// A contender node on its way: created, and owned by the live session when last looked at.
struct Node {
    path: String,
    stat: Stat,
    owner: SessionId,
    /// Subscribed only once the contender has to wait.
    session: Option<SessionWatch>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("path", &self.path)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// The result of one pass of the acquisition loop.
enum Flow {
    Acquired,
    NotFirst,
    Again,
    /// The node is gone with its session: create a new one.
    Restart,
    Closed,
    Cancelled,
}

/// Where a pending acquisition learns it was cancelled: the signal and the epoch it started at.
pub(crate) type CancelFrom<'a> = Option<(&'a Signal, u64)>;

async fn cancelled(cancel: CancelFrom<'_>) {
    match cancel {
        Some((signal, seen)) => signal.wait(seen).await,
        None => pending().await,
    }
}

/// What woke a waiting contender.
pub(crate) enum Woken {
    Watch(WatchEvent),
    Session(SessionEvent),
    Cancelled,
}

/// Waits for the watch, the next event of the session or the cancellation, whichever comes
/// first (in that order when several are ready). The watch is borrowed, so a session event
/// that needs no action leaves it armed.
pub(crate) async fn wake(
    watch: &mut OneshotWatch,
    session: &mut SessionWatch,
    cancel: CancelFrom<'_>,
) -> Woken {
    let next = pin!(session.next());
    let cancelled = pin!(cancelled(cancel));
    match select(watch, select(next, cancelled)).await {
        Either::Left((event, _)) => Woken::Watch(event),
        Either::Right((Either::Left((event, _)), _)) => Woken::Session(event),
        Either::Right((Either::Right(((), _)), _)) => Woken::Cancelled,
    }
}

/// One contender's progress through the protocol, kept across calls so that a caller that
/// retries (the semaphore, after a connection loss while it held its serializing lock) goes on
/// with the same node instead of queueing a second one behind it.
pub(crate) struct Contender<'p> {
    proto: &'p Protocol,
    prefix: String,
    create_sent: bool,
    dir_ready: bool,
    current: Option<Node>,
    won: Option<Contended>,
}

impl std::fmt::Debug for Contender<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contender")
            .field("prefix", &self.prefix)
            .field("current", &self.current)
            .field("won", &self.won)
            .finish_non_exhaustive()
    }
}

impl<'p> Contender<'p> {
    /// A contender with a fresh prefix.
    pub(crate) fn new(proto: &'p Protocol) -> Contender<'p> {
        Contender {
            prefix: proto.new_prefix(),
            proto,
            create_sent: false,
            dir_ready: false,
            current: None,
            won: None,
        }
    }

    fn prefixed(&self) -> Removal {
        Removal::Prefixed {
            dir: self.proto.dir.clone(),
            prefix: self.prefix.clone(),
        }
    }

    /// The node that won, after [`run`](Contender::run) returned `true`.
    pub(crate) fn node(&mut self) -> Option<&mut Contended> {
        self.won.as_mut()
    }

    /// Takes the node that won out.
    pub(crate) fn take(&mut self) -> Option<Contended> {
        self.won.take()
    }

    /// Runs the protocol until this contender is first (`true`), or, when `wait` is false,
    /// until it is known not to be first (`false`). The node stays registered in `slot` of
    /// `cleanup` in every outcome: the caller takes it out when it hands the node on.
    pub(crate) async fn run(
        &mut self,
        client: &Client,
        cleanup: &mut Cleanup,
        slot: usize,
        wait: bool,
        cancel: CancelFrom<'_>,
    ) -> Result<bool> {
        let proto = self.proto;
        let prefix = self.prefix.clone();
        let prefixed = self.prefixed();
        let mut backoff = Backoff::new();
        self.won = None;
        loop {
            if let Some((signal, seen)) = cancel {
                if signal.epoch() > seen {
                    return Err(RecipeError::Cancelled);
                }
            }
            let create_sent = &mut self.create_sent;
            let dir_ready = &mut self.dir_ready;
            let current = &mut self.current;
            let won = &mut self.won;
            let pass: Result<Flow> = async {
                if !*dir_ready {
                    proto.ensure_dir(client).await?;
                    *dir_ready = true;
                }
                if current.is_none() {
                    let mut found: Option<(String, Stat)> = None;
                    if *create_sent {
                        // The protected create: a reply lost to a connection error may hide a
                        // node that exists. Sync first so this server has seen that create.
                        client.sync(&proto.dir).await?;
                        let children = client.get_children(&proto.dir).await?;
                        if let Some(name) = find_own(&children, &prefix) {
                            let path = join(&proto.dir, name);
                            if let Some(stat) = client.exists(&path).await? {
                                found = Some((path, stat));
                            }
                        }
                    }
                    let (path, stat) = match found {
                        Some(found) => found,
                        None => {
                            *create_sent = true;
                            cleanup.set(slot, Some(prefixed.clone()));
                            let options = CreateOptions::mode(CreateMode::EphemeralSequential);
                            client
                                .create_with_stat(
                                    &join(&proto.dir, &prefix),
                                    proto.data.clone(),
                                    &options,
                                )
                                .await?
                        }
                    };
                    let owner = SessionId::new(stat.ephemeral_owner);
                    cleanup.set(
                        slot,
                        Some(Removal::Node {
                            path: path.clone(),
                            owner,
                        }),
                    );
                    if !session_alive(client, owner) {
                        // A node of a session that is gone (found after an expiry, or the
                        // session changed right after the create): it cannot be held. Remove
                        // it and start over with the live session.
                        tracing::debug!(%path, "contender node belongs to a lost session");
                        match client.delete(&path, None).await {
                            Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => {}
                            Err(e) => return Err(e.into()),
                        }
                        cleanup.set(slot, Some(prefixed.clone()));
                        return Ok(Flow::Again);
                    }
                    *current = Some(Node {
                        path,
                        stat,
                        owner,
                        session: None,
                    });
                }
                let Some(cur) = current.as_mut() else {
                    return Ok(Flow::Again);
                };
                if !session_alive(client, cur.owner) {
                    // The session changed since the node was made (possibly while the caller
                    // was away between two runs): the node is, or will soon be, gone.
                    return Ok(Flow::Restart);
                }
                let children = client.get_children(&proto.dir).await?;
                let own = basename(&cur.path);
                if !children.iter().any(|child| child == own) {
                    // Our node is gone: the session was lost (or someone deleted it).
                    return Ok(Flow::Restart);
                }
                let Some(predecessor) = proto.predecessor(&children, own)? else {
                    // Subscribe, then check the session once more: the signals handed out
                    // follow exactly the session that owns the node.
                    let session = match cur.session.take() {
                        Some(session) => session,
                        None => SessionWatch::new(client, cur.owner),
                    };
                    if !session.is_current() {
                        return Ok(Flow::Restart);
                    }
                    *won = Some(Contended {
                        path: cur.path.clone(),
                        stat: cur.stat.clone(),
                        owner: cur.owner,
                        session,
                    });
                    return Ok(Flow::Acquired);
                };
                if !wait {
                    return Ok(Flow::NotFirst);
                }
                let watch = match client
                    .get_data_watched(&join(&proto.dir, predecessor))
                    .await
                {
                    Ok((_, _, watch)) => watch,
                    Err(Error::Server(ErrorCode::NoNode)) => return Ok(Flow::Again),
                    Err(e) => return Err(e.into()),
                };
                let owner = cur.owner;
                let session = cur
                    .session
                    .get_or_insert_with(|| SessionWatch::new(client, owner));
                if !session.is_current() {
                    return Ok(Flow::Restart);
                }
                let mut watch = watch;
                loop {
                    match wake(&mut watch, session, cancel).await {
                        Woken::Watch(WatchEvent::SessionExpired) => return Ok(Flow::Restart),
                        Woken::Watch(WatchEvent::Closed | WatchEvent::AuthFailed) => {
                            return Ok(Flow::Closed);
                        }
                        Woken::Watch(_) => return Ok(Flow::Again),
                        Woken::Session(SessionEvent::Suspended) => {}
                        Woken::Session(SessionEvent::Reconnected) => return Ok(Flow::Again),
                        Woken::Session(SessionEvent::Lost) => return Ok(Flow::Restart),
                        Woken::Session(SessionEvent::Closed) => return Ok(Flow::Closed),
                        Woken::Cancelled => return Ok(Flow::Cancelled),
                    }
                }
            }
            .await;
            match pass {
                Ok(Flow::Acquired) => return Ok(true),
                Ok(Flow::NotFirst) => return Ok(false),
                Ok(Flow::Again) => backoff.reset(),
                Ok(Flow::Restart) => {
                    self.current = None;
                    cleanup.set(slot, Some(prefixed.clone()));
                }
                Ok(Flow::Closed) => return Err(Error::Closed.into()),
                Ok(Flow::Cancelled) => return Err(RecipeError::Cancelled),
                Err(RecipeError::Zk(error))
                    if classify(&error) == Failure::Transient && !client_stopped(client) =>
                {
                    tracing::debug!(%error, dir = %proto.dir, "contender step failed; retrying");
                    backoff.wait(client).await;
                }
                Err(RecipeError::Zk(error))
                    if classify(&error) == Failure::SessionGone && !client_stopped(client) =>
                {
                    // The session went and its node with it: a fresh node on the new session.
                    self.current = None;
                    if self.create_sent {
                        cleanup.set(slot, Some(prefixed.clone()));
                    }
                }
                Err(RecipeError::Zk(Error::Server(ErrorCode::NoNode))) => {
                    // The directory vanished (an empty container, or removed by someone).
                    self.dir_ready = false;
                    self.current = None;
                    backoff.wait(client).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

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
    match outcome {
        Some(Ok(true)) => {
            cleanup.take(slot);
            let contended = contender
                .take()
                .ok_or_else(|| RecipeError::Inconsistent("acquired without a node".into()))?;
            Ok(Some(LockGuard::new(client, contended)))
        }
        Some(Ok(false)) => {
            cleanup.finish().await;
            Ok(None)
        }
        Some(Err(e)) => {
            cleanup.finish().await;
            Err(e)
        }
        None => {
            cleanup.finish().await;
            Err(RecipeError::Timeout)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn readers_wait_only_for_lower_writers() {
        // kazoo #649: a reader must not wait on a writer queued after it.
        let read = Protocol::kazoo("/l", "__rlock__", &["__lock__"]);
        let write = Protocol::kazoo("/l", "__lock__", &["__lock__", "__rlock__"]);
        let children = names(&[
            "a__lock__0000000000",
            "b__rlock__0000000001",
            "c__lock__0000000002",
            "d__rlock__0000000003",
            "lease_holder",
        ]);
        assert_eq!(
            read.predecessor(&children, "b__rlock__0000000001").unwrap(),
            Some("a__lock__0000000000")
        );
        assert_eq!(
            write.predecessor(&children, "c__lock__0000000002").unwrap(),
            Some("b__rlock__0000000001")
        );
        assert_eq!(
            read.predecessor(&children, "d__rlock__0000000003").unwrap(),
            Some("c__lock__0000000002")
        );
        assert_eq!(
            write.predecessor(&children, "a__lock__0000000000").unwrap(),
            None
        );
        assert_eq!(
            read.sorted_contenders(&children),
            [
                "a__lock__0000000000",
                "b__rlock__0000000001",
                "c__lock__0000000002",
                "d__rlock__0000000003"
            ]
        );
        // A plain Lock ignores readers.
        let lock = Protocol::kazoo("/l", "__lock__", &["__lock__"]);
        assert_eq!(
            lock.predecessor(&children, "c__lock__0000000002").unwrap(),
            Some("a__lock__0000000000")
        );
        assert_eq!(lock.sorted_contenders(&children).len(), 2);
    }

    #[test]
    fn orders_across_the_wrap_unless_asked_for_kazoo_order() {
        let mut lock = Protocol::kazoo("/l", "__lock__", &["__lock__"]);
        let children = names(&["a__lock__2147483647", "b__lock__-2147483648"]);
        assert_eq!(
            lock.predecessor(&children, "b__lock__-2147483648").unwrap(),
            Some("a__lock__2147483647")
        );
        assert_eq!(
            lock.predecessor(&children, "a__lock__2147483647").unwrap(),
            None
        );
        lock.order = SequenceOrder::KazooString;
        assert_eq!(
            lock.predecessor(&children, "a__lock__2147483647").unwrap(),
            Some("b__lock__-2147483648")
        );
    }

    #[test]
    fn curator_names_and_order() {
        let mutex = Protocol::curator("/m", "lock-");
        let prefix = mutex.new_prefix();
        assert!(prefix.starts_with("_c_") && prefix.ends_with("-lock-"));
        let children = names(&[
            "_c_11111111-1111-1111-1111-111111111111-lock-0000000003",
            "_c_22222222-2222-2222-2222-222222222222-lock-0000000001",
            "unrelated",
        ]);
        assert_eq!(
            mutex.sorted_contenders(&children),
            [
                "_c_22222222-2222-2222-2222-222222222222-lock-0000000001",
                "_c_11111111-1111-1111-1111-111111111111-lock-0000000003"
            ]
        );
        assert_eq!(
            mutex
                .predecessor(
                    &children,
                    "_c_11111111-1111-1111-1111-111111111111-lock-0000000003"
                )
                .unwrap(),
            Some("_c_22222222-2222-2222-2222-222222222222-lock-0000000001")
        );
    }

    #[test]
    fn extra_patterns_make_foreign_nodes_contenders() {
        let mut lock = Protocol::kazoo("/l", "__lock__", &["__lock__"]);
        lock.blockers.push("-lock-".to_owned());
        let children = names(&[
            "_c_11111111-1111-1111-1111-111111111111-lock-0000000000",
            "x__lock__0000000001",
        ]);
        assert_eq!(
            lock.predecessor(&children, "x__lock__0000000001").unwrap(),
            Some("_c_11111111-1111-1111-1111-111111111111-lock-0000000000")
        );
    }
}
