//! What the two caches ([`TreeCache`](crate::TreeCache) and
//! [`CuratorCache`](crate::CuratorCache)) share between their handle and their background
//! task: the root, the cached contents, the event hub, the stop signal and the lifecycle
//! (latent, starting, started, closed). Both start and close the same way, so that logic is
//! here once; how the contents are read and kept up to date is each cache's own.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use zk_client::Error;

use crate::error::{RecipeError, Result};
use crate::support::events::{DEFAULT_CAPACITY, Events, Hub};
use crate::support::lock;
use crate::support::signal::Signal;

/// Where a cache is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    Latent,
    Starting,
    Started,
    Closed,
}

/// A cache's contents: what it holds, and how it is emptied for good.
pub(crate) trait Contents {
    /// Empties the contents and marks them closed, so that the background task, which checks
    /// under the same lock, applies nothing more.
    fn close(&mut self);
}

/// The state a cache's handle and its background task share.
pub(crate) struct CacheCore<C, E> {
    /// The root of the cached tree (a client path).
    pub(crate) root: String,
    contents: Mutex<C>,
    hub: Hub<E>,
    stop: Arc<Signal>,
    lifecycle: Mutex<Lifecycle>,
}

impl<C: Contents, E: Clone> CacheCore<C, E> {
    /// A latent cache of the tree at `root`, holding `contents`; `lagged` makes the lag report
    /// of a subscription that fell behind.
    pub(crate) fn new(root: &str, contents: C, lagged: fn(u64) -> E) -> CacheCore<C, E> {
        CacheCore {
            root: root.to_owned(),
            contents: Mutex::new(contents),
            hub: Hub::new(DEFAULT_CAPACITY, lagged),
            stop: Arc::default(),
            lifecycle: Mutex::new(Lifecycle::Latent),
        }
    }

    /// Replaces the event channel with one of `capacity` unread events per subscription
    /// (subscriptions made before are ended).
    pub(crate) fn set_event_capacity(&mut self, capacity: usize, lagged: fn(u64) -> E) {
        self.hub = Hub::new(capacity, lagged);
    }

    /// Where the cache is in its life.
    pub(crate) fn lifecycle(&self) -> Lifecycle {
        *lock(&self.lifecycle)
    }

    /// The contents, locked.
    pub(crate) fn contents(&self) -> MutexGuard<'_, C> {
        lock(&self.contents)
    }

    /// Subscribes to the events published from now on.
    pub(crate) fn subscribe(&self) -> Events<E> {
        self.hub.subscribe()
    }

    /// Publishes an event to every subscription.
    pub(crate) fn publish(&self, event: E) {
        self.hub.publish(event);
    }

    /// Whether the cache was closed (the background task stops at its next step).
    pub(crate) fn is_stopped(&self) -> bool {
        self.stop.is_notified()
    }

    /// Completes once the cache is closed: the background task's stop.
    pub(crate) fn stopped(&self) -> impl Future<Output = ()> + use<C, E> {
        let stop = self.stop.clone();
        async move { stop.wait(0).await }
    }

    /// Starts the cache once: runs `setup` (creating the root, adding a watch, ...) and hands
    /// its result on if the cache was neither started before nor closed meanwhile. A failed
    /// setup leaves the cache latent, so `start` may be called again.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`] if the cache was started or closed already, or was
    /// closed during `setup`; `setup`'s error.
    pub(crate) async fn start<T>(
        &self,
        setup: impl Future<Output = Result<T, Error>>,
    ) -> Result<T> {
        self.begin_start()?;
        let value = match setup.await {
            Ok(value) => value,
            Err(error) => {
                let mut state = lock(&self.lifecycle);
                if *state == Lifecycle::Starting {
                    *state = Lifecycle::Latent;
                }
                return Err(error.into());
            }
        };
        let mut state = lock(&self.lifecycle);
        if *state != Lifecycle::Starting {
            return Err(RecipeError::Inconsistent("the cache is closed".into()));
        }
        *state = Lifecycle::Started;
        Ok(value)
    }

    /// Checks a lifecycle move to `Starting`.
    fn begin_start(&self) -> Result<()> {
        let mut state = lock(&self.lifecycle);
        match *state {
            Lifecycle::Latent => {
                *state = Lifecycle::Starting;
                Ok(())
            }
            Lifecycle::Closed => Err(RecipeError::Inconsistent("the cache is closed".into())),
            Lifecycle::Starting | Lifecycle::Started => Err(RecipeError::Inconsistent(
                "the cache is already started".into(),
            )),
        }
    }

    /// Closes the cache for good: the background task is told to stop, the contents are
    /// emptied, and every subscription ends after the events already queued.
    pub(crate) fn close(&self) {
        *lock(&self.lifecycle) = Lifecycle::Closed;
        self.stop.notify();
        self.contents().close();
        self.hub.close();
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    #[derive(Debug, Default)]
    struct Names {
        names: Vec<String>,
        closed: bool,
    }

    impl Contents for Names {
        fn close(&mut self) {
            self.closed = true;
            self.names.clear();
        }
    }

    fn core() -> CacheCore<Names, u64> {
        CacheCore::new("/r", Names::default(), |missed| missed)
    }

    #[test]
    fn starts_once_and_again_after_a_failed_setup() {
        let core = core();
        let failed = core
            .start(async { Err::<(), _>(Error::ConnectionLoss) })
            .now_or_never();
        assert!(matches!(
            failed,
            Some(Err(RecipeError::Zk(Error::ConnectionLoss)))
        ));
        assert_eq!(core.lifecycle(), Lifecycle::Latent);
        assert_eq!(
            core.start(async { Ok(7) }).now_or_never().unwrap().unwrap(),
            7
        );
        assert_eq!(core.lifecycle(), Lifecycle::Started);
        let again = core.start(async { Ok(()) }).now_or_never().unwrap();
        assert!(matches!(again, Err(RecipeError::Inconsistent(_))));
    }

    #[test]
    fn close_stops_empties_and_ends_subscriptions() {
        let core = core();
        core.contents().names.push("a".into());
        let mut events = core.subscribe();
        core.publish(1);
        assert!(!core.is_stopped());
        core.close();
        assert!(core.is_stopped());
        assert_eq!(core.stopped().now_or_never(), Some(()));
        let contents = core.contents();
        assert!(contents.closed && contents.names.is_empty());
        drop(contents);
        assert_eq!(events.try_next(), Some(1));
        assert_eq!(events.next().now_or_never(), Some(None));
        let after = core.start(async { Ok(()) }).now_or_never().unwrap();
        assert!(matches!(after, Err(RecipeError::Inconsistent(_))));
    }

    #[test]
    fn closed_during_setup_is_not_started() {
        let core = core();
        let started = core
            .start(async {
                core.close();
                Ok(())
            })
            .now_or_never()
            .unwrap();
        assert!(matches!(started, Err(RecipeError::Inconsistent(_))));
        assert_eq!(core.lifecycle(), Lifecycle::Closed);
    }
}
