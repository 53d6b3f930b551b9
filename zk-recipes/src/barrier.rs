//! kazoo's barriers: [`Barrier`] (up while its node exists) and [`DoubleBarrier`] (enter
//! together, leave together), on kazoo's node names.

use std::time::Duration;

use bytes::Bytes;
use zk_client::{
    Client, CreateMode, CreateOptions, Error, ErrorCode, EventType, RetryPolicy, WatchEvent,
};

use crate::error::{RecipeError, Result};
use crate::naming::hostname;
use crate::naming::kazoo_uuid;
use crate::support::detach::{CleanupGuard, exists_watched, settled};
use crate::support::paths::join;
use crate::support::retry::{retry, wait_connected};
use crate::support::session::stopped_by;
use crate::support::within;

// ----- Barrier ----------------------------------------------------------------------------

/// A barrier: kazoo's `Barrier`. It is up while its node exists; [`wait`](Barrier::wait)
/// blocks until it is removed.
///
/// Unlike kazoo's, `wait` survives connection loss (the watch is kept across reconnects) and
/// session loss (the node is checked again on the new session), and does not miss a removal
/// that follows a data change of the node.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::Barrier;
///
/// let gate = Barrier::new(&client, "/app/gate");
/// gate.create().await?;
/// // ... elsewhere, workers wait:
/// gate.wait(Some(Duration::from_secs(30))).await?; // RecipeError::Timeout if still up
/// println!("the gate opened");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Barrier {
    client: Client,
    path: String,
    retry: RetryPolicy,
}

impl Barrier {
    /// A barrier at `path`.
    pub fn new(client: &Client, path: &str) -> Barrier {
        Barrier {
            client: client.clone(),
            path: path.to_owned(),
            retry: RetryPolicy::default(),
        }
    }

    /// How single steps are retried after a connection loss (default
    /// [`RetryPolicy::default`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The barrier's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Puts the barrier up (creates its node, and missing parents), if it is not up already.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn create(&self) -> Result<()> {
        self.client
            .retry(&self.retry, || self.client.ensure_path(&self.path))
            .await?;
        Ok(())
    }

    /// Takes the barrier down: `true` if it was up. Fails with `NotEmpty` if the node has
    /// children.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk(NotEmpty)` if the node has children; `RecipeError::Zk` if the delete fails
    /// otherwise.
    pub async fn remove(&self) -> Result<bool> {
        match self.client.delete(&self.path, None).await {
            Ok(()) => Ok(true),
            Err(Error::Server(ErrorCode::NoNode)) => Ok(false),
            Err(error) if self.retry.is_retryable(&error) => {
                // The delete may have gone through before the connection dropped.
                match self
                    .client
                    .retry(&self.retry, || self.client.delete(&self.path, None))
                    .await
                {
                    Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => Ok(true),
                    Err(error) => Err(error.into()),
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Waits until the barrier is down, for at most `timeout` (forever with `None`); returns at
    /// once if it is not up.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Timeout`] if it is still up when time runs out (as every recipe that
    /// waits reports it; kazoo returns `False`); `RecipeError::Zk` once the client has stopped
    /// (`Closed`, `AuthFailed`).
    pub async fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        let cleared = within(&self.client, timeout, async {
            loop {
                let (stat, watch) = retry(&self.client, || async {
                    settled(exists_watched(&self.client, &self.path).await)
                })
                .await?;
                if stat.is_none() {
                    return Ok(());
                }
                let event = watch.await;
                if let Some(error) = stopped_by(&event) {
                    return Err(error.into());
                }
                // Deleted, changed, or the session was lost: look again.
            }
        })
        .await;
        match cleared {
            None => Err(RecipeError::Timeout),
            Some(result) => result,
        }
    }
}

// ----- DoubleBarrier ----------------------------------------------------------------------

/// kazoo's default identifier: `<hostname>-<pid>` (kazoo uses the fully qualified name).
fn default_identifier() -> String {
    format!("{}-{}", hostname(), std::process::id())
}

/// A double barrier: kazoo's `DoubleBarrier`. [`enter`](DoubleBarrier::enter) blocks until
/// `num_clients` members have entered; [`leave`](DoubleBarrier::leave) blocks until every
/// member has left.
///
/// Each member is the ephemeral node `<path>/<uuid>` holding its identifier; the member that
/// completes the count creates `<path>/ready`, which releases the others. Leaving follows
/// kazoo's protocol: the lowest member waits for the highest to go, the others delete
/// themselves and wait for the lowest.
///
/// Unlike kazoo's, `enter` and `leave` take a timeout and report errors instead of swallowing
/// them, a member that times out, fails or is cancelled removes its node, and a session lost
/// while entering is recovered (the node is created again on the new session).
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::DoubleBarrier;
///
/// let mut round = DoubleBarrier::new(&client, "/app/round-7", 3).with_identifier("worker-1");
/// round.enter(Some(Duration::from_secs(60))).await?;
/// // ... all three workers compute together ...
/// round.leave(Some(Duration::from_secs(60))).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DoubleBarrier {
    client: Client,
    path: String,
    num_clients: usize,
    identifier: String,
    node_name: String,
    create_path: String,
    participating: bool,
    retry: RetryPolicy,
}

impl DoubleBarrier {
    /// A double barrier at `path` for `num_clients` members, with kazoo's default identifier
    /// (`<hostname>-<pid>`).
    pub fn new(client: &Client, path: &str, num_clients: usize) -> DoubleBarrier {
        let node_name = kazoo_uuid();
        DoubleBarrier {
            client: client.clone(),
            path: path.to_owned(),
            num_clients,
            identifier: default_identifier(),
            create_path: join(path, &node_name),
            node_name,
            participating: false,
            retry: RetryPolicy::default(),
        }
    }

    /// Sets this member's identifier (the data of its node).
    pub fn with_identifier(mut self, identifier: &str) -> Self {
        self.identifier = identifier.to_owned();
        self
    }

    /// How single steps are retried after a connection loss (default
    /// [`RetryPolicy::default`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The barrier's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// This member's node name (a uuid).
    pub fn node_name(&self) -> &str {
        &self.node_name
    }

    /// Whether this member has entered and not left.
    pub fn participating(&self) -> bool {
        self.participating
    }

    /// Enters the barrier and waits until `num_clients` members have, for at most `timeout`
    /// (forever with `None`). On timeout ([`RecipeError::Timeout`]), error or cancellation,
    /// this member's node is removed.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Timeout`] when time runs out; `RecipeError::Zk` if a step fails for a reason
    /// no wait for the connection cures.
    pub async fn enter(&mut self, timeout: Option<Duration>) -> Result<()> {
        let guard = CleanupGuard::new(&self.client, {
            let (client, path) = (self.client.clone(), self.create_path.clone());
            async move {
                let _ = retry(&client, || client.delete(&path, None)).await;
            }
        });
        let entered = within(&self.client, timeout, self.inner_enter()).await;
        match entered {
            Some(Ok(())) => {
                guard.disarm();
                self.participating = true;
                Ok(())
            }
            Some(Err(error)) => {
                self.participating = false;
                Err(error)
            }
            None => {
                self.participating = false;
                Err(RecipeError::Timeout)
            }
        }
    }

    async fn inner_enter(&self) -> Result<()> {
        let ready = join(&self.path, "ready");
        self.client
            .retry(&self.retry, || self.client.ensure_path(&self.path))
            .await?;
        self.create_own_node().await?;
        loop {
            let (stat, watch) = retry(&self.client, || async {
                settled(exists_watched(&self.client, &ready).await)
            })
            .await?;
            if stat.is_some() {
                // Released already (kazoo would wait for a creation that already happened).
                return Ok(());
            }
            let children = retry(&self.client, || self.client.get_children(&self.path)).await?;
            if !children.contains(&self.node_name) {
                // The session was lost while reading (the failed read was retried on the new
                // session): the ephemeral node went with it. Be a member again.
                self.create_own_node().await?;
                continue;
            }
            if children.len() >= self.num_clients {
                retry(&self.client, || self.client.ensure_path(&ready)).await?;
                return Ok(());
            }
            let event = watch.await;
            if let Some(error) = stopped_by(&event) {
                return Err(error.into());
            }
            if let WatchEvent::Node(change) = &event {
                if change.event_type == EventType::NodeCreated {
                    // Released (even if `ready` is gone again by the time we could look).
                    return Ok(());
                }
            }
            if event == WatchEvent::SessionExpired {
                // The ephemeral node went with the session: be a member again.
                wait_connected(&self.client).await?;
                self.create_own_node().await?;
            }
        }
    }

    /// Creates this member's node; one that exists already (an earlier attempt) is fine.
    async fn create_own_node(&self) -> Result<()> {
        let options = CreateOptions::mode(CreateMode::Ephemeral);
        let data = Bytes::from(self.identifier.clone());
        let created = retry(&self.client, || {
            self.client
                .create_with(&self.create_path, data.clone(), &options)
        })
        .await;
        match created {
            Ok(_) | Err(Error::Server(ErrorCode::NodeExists)) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Leaves the barrier and waits until every member has, for at most `timeout` (forever
    /// with `None`). On timeout ([`RecipeError::Timeout`]), error or cancellation, this
    /// member's node is removed all the same.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Timeout`] when time runs out; `RecipeError::Zk` if a step fails for a reason
    /// no wait for the connection cures.
    pub async fn leave(&mut self, timeout: Option<Duration>) -> Result<()> {
        let guard = CleanupGuard::new(&self.client, {
            let (client, path) = (self.client.clone(), self.create_path.clone());
            async move {
                let _ = retry(&client, || client.delete(&path, None)).await;
            }
        });
        self.participating = false;
        match within(&self.client, timeout, self.inner_leave()).await {
            Some(Ok(())) => {
                guard.disarm();
                Ok(())
            }
            Some(Err(error)) => Err(error),
            None => Err(RecipeError::Timeout),
        }
    }

    async fn inner_leave(&self) -> Result<()> {
        let ready = join(&self.path, "ready");
        match retry(&self.client, || self.client.delete(&ready, None)).await {
            Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => {}
            Err(error) => return Err(error.into()),
        }
        loop {
            let mut children =
                match retry(&self.client, || self.client.get_children(&self.path)).await {
                    Ok(children) => children,
                    Err(Error::Server(ErrorCode::NoNode)) => return Ok(()),
                    Err(error) => return Err(error.into()),
                };
            // A straggler may have put `ready` back; it is not a member.
            children.retain(|c| c != "ready");
            if children.is_empty() {
                return Ok(());
            }
            if children.len() == 1 && children[0] == self.node_name {
                self.delete_own_node().await?;
                return Ok(());
            }
            children.sort_unstable();
            let wait_for = if children[0] == self.node_name {
                // Lowest: wait for the highest to go.
                children[children.len() - 1].clone()
            } else {
                self.delete_own_node().await?;
                children[0].clone()
            };
            let (stat, watch) = retry(&self.client, || async {
                settled(exists_watched(&self.client, &join(&self.path, &wait_for)).await)
            })
            .await?;
            if stat.is_none() {
                continue;
            }
            let event = watch.await;
            if let Some(error) = stopped_by(&event) {
                return Err(error.into());
            }
        }
    }

    async fn delete_own_node(&self) -> Result<()> {
        match retry(&self.client, || self.client.delete(&self.create_path, None)).await {
            Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}
