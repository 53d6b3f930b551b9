//! kazoo's `PatientChildrenWatch`: waiting until the children stop changing.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::{Either, select};
use zk_client::{Client, OneshotWatch, WatchEvent};

use crate::error::Result;
use crate::support::detach::{children_watched, settled};
use crate::support::retry;
use crate::support::session::stopped_by;

/// Waits until a node's children have stopped changing: kazoo's `PatientChildrenWatch`.
///
/// [`wait_stable`](PatientChildrenWatch::wait_stable) completes once the children have stayed
/// the same for `time_boundary`, with those children and a [`ChildrenChanged`] future that
/// completes at the next change. Connection loss is waited out; a session loss counts as a
/// change (the children are read again on the new session).
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::PatientChildrenWatch;
///
/// let party = PatientChildrenWatch::new(&client, "/app/party", Duration::from_secs(5));
/// let (members, changed) = party.wait_stable().await?;
/// println!("settled on {members:?}");
/// let event = changed.await; // the membership moved again
/// # let _ = event; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PatientChildrenWatch {
    client: Client,
    path: String,
    time_boundary: Duration,
}

impl PatientChildrenWatch {
    /// Watches the children of `path` (kazoo's default `time_boundary` is 30 s).
    pub fn new(client: &Client, path: &str, time_boundary: Duration) -> PatientChildrenWatch {
        PatientChildrenWatch {
            client: client.clone(),
            path: path.to_owned(),
            time_boundary,
        }
    }

    /// Waits until the children have not changed for `time_boundary`; returns them and a
    /// future of their next change. Dropping the future removes its watch.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk(NoNode)` if the node does not exist, `RecipeError::Zk(Closed)` (or
    /// `AuthFailed`) once the client has stopped.
    pub async fn wait_stable(&self) -> Result<(Vec<String>, ChildrenChanged)> {
        loop {
            let (children, _, mut watch) = retry::retry(&self.client, || async {
                settled(children_watched(&self.client, &self.path).await)
            })
            .await?;
            let quiet = pin!(self.client.runtime().sleep(self.time_boundary));
            match select(&mut watch, quiet).await {
                // Changed (or the session was lost): start over.
                Either::Left((event, _)) => {
                    if let Some(error) = stopped_by(&event) {
                        return Err(error.into());
                    }
                }
                Either::Right(((), _)) => return Ok((children, ChildrenChanged { watch })),
            }
        }
    }
}

/// Completes when the children returned by [`PatientChildrenWatch::wait_stable`] change,
/// with the event that told (a [`WatchEvent::Node`] change, or a terminal event such as
/// [`WatchEvent::SessionExpired`], after which the children may have changed unseen).
/// Dropping it removes the watch.
#[derive(Debug)]
#[must_use = "a watch does nothing unless awaited; dropping it removes it"]
pub struct ChildrenChanged {
    watch: OneshotWatch,
}

impl Future for ChildrenChanged {
    type Output = WatchEvent;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WatchEvent> {
        Pin::new(&mut self.watch).poll(cx)
    }
}
