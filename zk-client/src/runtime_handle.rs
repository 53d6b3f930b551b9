//! The client's runtime, as recipes and advanced users reach it: timers, the clock, spawning.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::runtime::{Runtime, until_deadline};

/// The runtime a [`Client`](crate::Client) runs on, from [`Client::runtime`](crate::Client::runtime):
/// the hook recipes and advanced users build on (kazoo's `handler`), so the same code sleeps,
/// times out and spawns correctly on tokio, smol or the blocking adapter's I/O thread.
///
/// Cheap to clone (one `Arc`); it keeps the runtime, not the session, alive.
#[derive(Clone)]
pub struct RuntimeHandle {
    runtime: Arc<dyn Runtime>,
}

impl RuntimeHandle {
    pub(crate) fn new(runtime: Arc<dyn Runtime>) -> RuntimeHandle {
        RuntimeHandle { runtime }
    }

    /// Completes after `duration` on the runtime's timer (kazoo's `sleep_func`).
    pub fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        self.runtime.sleep_until(self.runtime.now() + duration)
    }

    /// Completes at `deadline` (on the runtime's clock, [`RuntimeHandle::now`]).
    pub fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        self.runtime.sleep_until(deadline)
    }

    /// Runs `future` for at most `timeout`; `None` if time ran out first (the future is then
    /// dropped).
    pub async fn timeout<T>(
        &self,
        timeout: Duration,
        future: impl Future<Output = T>,
    ) -> Option<T> {
        let deadline = self.runtime.now() + timeout;
        until_deadline(&self.runtime, deadline, future).await
    }

    /// Runs `task` in the background until it completes. Recipes use it for clean-ups that
    /// must outlive a dropped future (deleting a contender node after a cancelled acquire).
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.runtime.spawn(Box::pin(task));
    }

    /// The runtime's clock: the one deadlines and timeouts are measured on.
    pub fn now(&self) -> Instant {
        self.runtime.now()
    }
}

impl fmt::Debug for RuntimeHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeHandle").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::net::SocketAddr;
    use std::sync::Mutex;

    use super::*;
    use crate::runtime::{BoxFuture, Transport};

    /// A clock that stands still at `now`, timers due at or before `now` fire, later ones
    /// never; spawned tasks are kept for the test to run.
    struct Frozen {
        now: Instant,
        spawned: Mutex<Vec<BoxFuture<'static, ()>>>,
    }

    impl Runtime for Frozen {
        fn resolve(&self, _: &str, _: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
            Box::pin(std::future::pending())
        }

        fn connect_tcp(&self, _: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn Transport>>> {
            Box::pin(std::future::pending())
        }

        fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
            if deadline <= self.now {
                Box::pin(std::future::ready(()))
            } else {
                Box::pin(std::future::pending())
            }
        }

        fn spawn(&self, task: BoxFuture<'static, ()>) {
            self.spawned.lock().unwrap().push(task);
        }

        fn now(&self) -> Instant {
            self.now
        }
    }

    fn handle() -> (RuntimeHandle, Arc<Frozen>) {
        let frozen = Arc::new(Frozen {
            now: Instant::now(),
            spawned: Mutex::new(Vec::new()),
        });
        (RuntimeHandle::new(frozen.clone()), frozen)
    }

    #[test]
    fn the_handle_uses_the_runtime_clock_timers_and_spawner() {
        let (rt, frozen) = handle();
        assert_eq!(rt.now(), frozen.now);
        // A zero timeout is due on the frozen clock: a future that never ends is cut off.
        let cut = futures_lite::future::block_on(
            rt.timeout(Duration::ZERO, std::future::pending::<()>()),
        );
        assert_eq!(cut, None);
        // A ready future wins even against a timer that never fires.
        let done = futures_lite::future::block_on(rt.timeout(Duration::from_secs(1), async { 7 }));
        assert_eq!(done, Some(7));
        futures_lite::future::block_on(rt.sleep(Duration::ZERO));
        // Spawned tasks go to the runtime, not run in place.
        let (tx, rx) = std::sync::mpsc::channel();
        rt.spawn(async move { tx.send(1).unwrap() });
        assert!(rx.try_recv().is_err());
        let task = frozen
            .spawned
            .lock()
            .unwrap()
            .pop()
            .expect("the task was spawned");
        futures_lite::future::block_on(task);
        assert_eq!(rx.try_recv(), Ok(1));
    }
}
