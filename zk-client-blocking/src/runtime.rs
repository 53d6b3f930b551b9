//! [`BlockingRuntime`]: sockets, timers and DNS as the smol adapter does them (async-io and
//! async-net: a reactor and a pool for blocking lookups, not an async runtime), drivers on the
//! one I/O thread.

use std::net::SocketAddr;
use std::time::Instant;

use zk_client::{BoxFuture, Runtime, Transport};
use zk_client_smol::SmolRuntime;

use crate::io_thread::{self, IoThread};

/// The runtime of this crate: every client's driver on one process-wide I/O thread, which also
/// waits on the reactor for the sockets and timers of every client.
///
/// [`builder`](crate::builder) sets it already; name it to build an async
/// [`ClientBuilder`](zk_client::ClientBuilder) driven the same way.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockingRuntime;

impl Runtime for BlockingRuntime {
    // Sockets, timers and lookups are the smol adapter's, on the same async-io reactor and
    // async-net pool (a name is looked up on a pooled blocking thread, not a thread per
    // lookup); only where drivers run differs, so only `spawn` is this crate's own.
    fn resolve(
        &self,
        host: &str,
        port: u16,
    ) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        SmolRuntime::new().resolve(host, port)
    }

    fn connect_tcp(
        &self,
        addr: SocketAddr,
    ) -> BoxFuture<'static, std::io::Result<Box<dyn Transport>>> {
        SmolRuntime::new().connect_tcp(addr)
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        SmolRuntime::new().sleep_until(deadline)
    }

    fn spawn(&self, task: BoxFuture<'static, ()>) {
        if let Err(err) = IoThread::global().spawn(task, io_thread::spawn_thread) {
            // The driver stays queued and runs once a later client starts the thread; this
            // client's `connect` fails at its connect timeout if none does.
            tracing::error!(%err, "cannot start the zk-client-blocking I/O thread");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};
    use std::time::Duration;

    use super::*;

    #[derive(Default)]
    struct CountingWaker {
        wakes: AtomicUsize,
        thread: std::sync::OnceLock<std::thread::Thread>,
    }

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wakes.fetch_add(1, Ordering::SeqCst);
            if let Some(thread) = self.thread.get() {
                thread.unpark();
            }
        }
    }

    /// Polling a sleep again and again with the same waker (what a driver does on every
    /// event) neither re-arms nor fires it early: its task is woken once, at the deadline.
    #[test]
    fn a_sleep_polled_many_times_wakes_its_task_once() {
        let counter = Arc::new(CountingWaker::default());
        counter.thread.set(std::thread::current()).unwrap();
        let waker = Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let deadline = Instant::now() + Duration::from_millis(200);
        let mut sleep = BlockingRuntime.sleep_until(deadline);
        for _ in 0..1_000 {
            if sleep.as_mut().poll(&mut cx).is_ready() {
                // Only a machine too slow to poll a thousand times in 200 ms gets here.
                assert!(Instant::now() >= deadline, "ready before its deadline");
                return;
            }
        }
        // Read before the clock: a wake seen while still before the deadline was early.
        let wakes = counter.wakes.load(Ordering::SeqCst);
        if Instant::now() < deadline {
            assert_eq!(wakes, 0, "woken early");
        }
        while counter.wakes.load(Ordering::SeqCst) == 0 {
            std::thread::park();
        }
        assert!(Instant::now() >= deadline, "woken before the deadline");
        assert_eq!(sleep.as_mut().poll(&mut cx), Poll::Ready(()));
        assert_eq!(counter.wakes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn addresses_resolve_without_a_lookup() {
        let addrs = crate::block_on(BlockingRuntime.resolve("127.0.0.1", 2181)).unwrap();
        assert_eq!(addrs, ["127.0.0.1:2181".parse::<SocketAddr>().unwrap()]);
        let v6 = crate::block_on(BlockingRuntime.resolve("::1", 2181)).unwrap();
        assert_eq!(v6, ["[::1]:2181".parse::<SocketAddr>().unwrap()]);
    }
}
