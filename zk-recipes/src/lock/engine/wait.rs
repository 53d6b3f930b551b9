//! The wait for the predecessor: a data watch on the closest lower blocking sibling, then
//! whichever comes first of that watch, the next event of the node's session, or the
//! cancellation of the recipe; and what each means for the contender.

use std::future::pending;
use std::pin::pin;

use futures_util::future::{Either, select};
use zk_client::{Error, ErrorCode, OneshotWatch, WatchEvent};

use crate::error::Result;
use crate::support::paths::join;
use crate::support::session::{SessionEvent, SessionWatch};
use crate::support::signal::Signal;

use super::contender::{Contender, Flow, Run};

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

impl Woken {
    /// What a wake-up means for a waiting contender: `None` to go on waiting (a suspended
    /// connection leaves the watch armed).
    fn flow(self) -> Option<Flow> {
        match self {
            Woken::Watch(WatchEvent::SessionExpired) => Some(Flow::Restart),
            Woken::Watch(WatchEvent::Closed | WatchEvent::AuthFailed) => Some(Flow::Closed),
            Woken::Watch(_) => Some(Flow::Again),
            Woken::Session(SessionEvent::Suspended) => None,
            Woken::Session(SessionEvent::Reconnected) => Some(Flow::Again),
            Woken::Session(SessionEvent::Lost) => Some(Flow::Restart),
            Woken::Session(SessionEvent::Closed) => Some(Flow::Closed),
            Woken::Cancelled => Some(Flow::Cancelled),
        }
    }
}

impl Contender<'_> {
    /// Watches `predecessor` and waits until something calls for another look (it changed
    /// or went, the connection came back), a fresh node (the session is gone), or the end
    /// (closed, cancelled).
    pub(super) async fn wait_for(
        &mut self,
        predecessor: &str,
        run: &mut Run<'_, '_>,
    ) -> Result<Flow> {
        let client = run.client;
        let mut watch = match client
            .get_data_watched(&join(&self.proto.dir, predecessor))
            .await
        {
            Ok((_, _, watch)) => watch,
            Err(Error::Server(ErrorCode::NoNode)) => return Ok(Flow::Again),
            Err(e) => return Err(e.into()),
        };
        let Some(current) = self.current.as_mut() else {
            return Ok(Flow::Again);
        };
        let owner = current.owner;
        let session = current
            .session
            .get_or_insert_with(|| SessionWatch::new(client, owner));
        if !session.is_current() {
            return Ok(Flow::Restart);
        }
        loop {
            if let Some(flow) = wake(&mut watch, session, run.cancel).await.flow() {
                return Ok(flow);
            }
        }
    }
}
