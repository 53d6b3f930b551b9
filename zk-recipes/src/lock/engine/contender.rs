//! One contender's way through the protocol, in named steps: make sure the directory
//! exists, have a node of the live session (the protected create, or the node a lost reply
//! hid), look at the siblings, then either hold the lock, report that it is not first, or
//! wait for the predecessor (in `wait`); and after each pass, what its outcome means: done,
//! again, a fresh node, or a retry after a failure.

use bytes::Bytes;
use zk_client::{Client, CreateMode, CreateOptions, Error, ErrorCode, SessionId, Stat};

use crate::error::{RecipeError, Result};
use crate::naming::find_own;
use crate::support::paths::{basename, join};
use crate::support::retry::{Backoff, Failure, classify};
use crate::support::session::{SessionWatch, client_stopped, session_alive};

use super::cleanup::{Cleanup, Removal};
use super::protocol::Protocol;
use super::wait::CancelFrom;

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
pub(super) struct Node {
    pub(super) path: String,
    stat: Stat,
    pub(super) owner: SessionId,
    /// Subscribed only once the contender has to wait.
    pub(super) session: Option<SessionWatch>,
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
pub(super) enum Flow {
    Acquired,
    NotFirst,
    Again,
    /// The node is gone with its session: create a new one.
    Restart,
    Closed,
    Cancelled,
}

/// What one [`run`](Contender::run) works with.
pub(super) struct Run<'a, 'c> {
    pub(super) client: &'a Client,
    cleanup: &'a mut Cleanup,
    slot: usize,
    wait: bool,
    pub(super) cancel: CancelFrom<'c>,
}

/// One contender's progress through the protocol, kept across calls so that a caller that
/// retries (the semaphore, after a connection loss while it held its serializing lock) goes on
/// with the same node instead of queueing a second one behind it.
pub(crate) struct Contender<'p> {
    pub(super) proto: &'p Protocol,
    prefix: String,
    create_sent: bool,
    dir_ready: bool,
    pub(super) current: Option<Node>,
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

    /// What removes every node this contender may have created (its create reply may have
    /// been lost).
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
        let mut run = Run {
            client,
            cleanup,
            slot,
            wait,
            cancel,
        };
        let mut backoff = Backoff::new();
        self.won = None;
        loop {
            if let Some((signal, seen)) = cancel {
                if signal.epoch() > seen {
                    return Err(RecipeError::Cancelled);
                }
            }
            let outcome = match self.pass(&mut run).await {
                Ok(flow) => self.after(flow, &mut run, &mut backoff),
                Err(error) => self.recover(error, &mut run, &mut backoff).await,
            };
            if let Some(outcome) = outcome {
                return outcome;
            }
        }
    }

    /// One pass: the directory, a node of the live session, then its place among the
    /// siblings.
    async fn pass(&mut self, run: &mut Run<'_, '_>) -> Result<Flow> {
        if !self.dir_ready {
            self.proto.ensure_dir(run.client).await?;
            self.dir_ready = true;
        }
        if self.current.is_none() && !self.make_node(run).await? {
            return Ok(Flow::Again);
        }
        let Some(predecessor) = self.predecessor(run.client).await? else {
            return Ok(Flow::Restart);
        };
        match predecessor {
            None => Ok(self.claim(run.client)),
            Some(_) if !run.wait => Ok(Flow::NotFirst),
            Some(predecessor) => self.wait_for(&predecessor, run).await,
        }
    }

    /// Makes `current` a node of the live session: the one an earlier create whose reply was
    /// lost made, or a new one. `false` if the node found belongs to a session that is gone
    /// (it is removed; the pass starts over).
    async fn make_node(&mut self, run: &mut Run<'_, '_>) -> Result<bool> {
        let found = match self.create_sent {
            true => self.find_created(run.client).await?,
            false => None,
        };
        let (path, stat) = match found {
            Some(found) => found,
            None => self.create(run).await?,
        };
        let owner = SessionId::new(stat.ephemeral_owner);
        let removal = Removal::Node {
            path: path.clone(),
            owner,
        };
        run.cleanup.set(run.slot, Some(removal));
        if !session_alive(run.client, owner) {
            // A node of a session that is gone (found after an expiry, or the session changed
            // right after the create): it cannot be held. Remove it and start over with the
            // live session.
            tracing::debug!(%path, "contender node belongs to a lost session");
            match run.client.delete(&path, None).await {
                Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => {}
                Err(e) => return Err(e.into()),
            }
            run.cleanup.set(run.slot, Some(self.prefixed()));
            return Ok(false);
        }
        self.current = Some(Node {
            path,
            stat,
            owner,
            session: None,
        });
        Ok(true)
    }

    /// The protected create's look-up: a reply lost to a connection error may hide a node
    /// that exists. Sync first so this server has seen that create.
    async fn find_created(&self, client: &Client) -> Result<Option<(String, Stat)>> {
        let dir = &self.proto.dir;
        client.sync(dir).await?;
        let children = client.get_children(dir).await?;
        let Some(name) = find_own(&children, &self.prefix) else {
            return Ok(None);
        };
        let path = join(dir, name);
        Ok(client.exists(&path).await?.map(|stat| (path, stat)))
    }

    /// Creates the contender node, registered for removal by its prefix before the request
    /// goes out (its reply may be lost).
    async fn create(&mut self, run: &mut Run<'_, '_>) -> Result<(String, Stat)> {
        self.create_sent = true;
        run.cleanup.set(run.slot, Some(self.prefixed()));
        let options = CreateOptions::mode(CreateMode::EphemeralSequential);
        let path = join(&self.proto.dir, &self.prefix);
        let data: Bytes = self.proto.data.clone();
        Ok(run.client.create_with_stat(&path, data, &options).await?)
    }

    /// The sibling the node waits for (`Some(None)`: none, the lock is held); `None` if the
    /// node is gone: its session changed since it was made (possibly while the caller was
    /// away between two runs), or it was deleted.
    async fn predecessor(&self, client: &Client) -> Result<Option<Option<String>>> {
        let Some(current) = &self.current else {
            return Ok(None);
        };
        if !session_alive(client, current.owner) {
            return Ok(None);
        }
        let children = client.get_children(&self.proto.dir).await?;
        let own = basename(&current.path);
        if !children.iter().any(|child| child == own) {
            return Ok(None);
        }
        let predecessor = self.proto.predecessor(&children, own)?;
        Ok(Some(predecessor.map(str::to_owned)))
    }

    /// Nothing blocks: the lock is held. Subscribes to the node's session, then checks it
    /// once more, so the signals handed out follow exactly the session that owns the node.
    fn claim(&mut self, client: &Client) -> Flow {
        let Some(current) = self.current.as_mut() else {
            return Flow::Restart;
        };
        let session = match current.session.take() {
            Some(session) => session,
            None => SessionWatch::new(client, current.owner),
        };
        if !session.is_current() {
            return Flow::Restart;
        }
        self.won = Some(Contended {
            path: current.path.clone(),
            stat: current.stat.clone(),
            owner: current.owner,
            session,
        });
        Flow::Acquired
    }

    /// What a pass's flow means for the run: its outcome, or `None` to go on.
    fn after(
        &mut self,
        flow: Flow,
        run: &mut Run<'_, '_>,
        backoff: &mut Backoff,
    ) -> Option<Result<bool>> {
        match flow {
            Flow::Acquired => Some(Ok(true)),
            Flow::NotFirst => Some(Ok(false)),
            Flow::Again => {
                backoff.reset();
                None
            }
            Flow::Restart => {
                self.current = None;
                run.cleanup.set(run.slot, Some(self.prefixed()));
                None
            }
            Flow::Closed => Some(Err(Error::Closed.into())),
            Flow::Cancelled => Some(Err(RecipeError::Cancelled)),
        }
    }

    /// After a failed pass: waits and goes on when the failure allows (`None`), or ends the
    /// run with it.
    async fn recover(
        &mut self,
        error: RecipeError,
        run: &mut Run<'_, '_>,
        backoff: &mut Backoff,
    ) -> Option<Result<bool>> {
        let client = run.client;
        let RecipeError::Zk(error) = error else {
            return Some(Err(error));
        };
        match classify(&error) {
            Failure::Transient if !client_stopped(client) => {
                let dir = &self.proto.dir;
                tracing::debug!(%error, %dir, "contender step failed; retrying");
                backoff.wait(client).await;
                None
            }
            Failure::SessionGone if !client_stopped(client) => {
                // The session went and its node with it: a fresh node on the new session.
                self.current = None;
                if self.create_sent {
                    run.cleanup.set(run.slot, Some(self.prefixed()));
                }
                None
            }
            _ if matches!(error, Error::Server(ErrorCode::NoNode)) => {
                // The directory vanished (an empty container, or removed by someone).
                self.dir_ready = false;
                self.current = None;
                backoff.wait(client).await;
                None
            }
            _ => Some(Err(error.into())),
        }
    }
}
