//! Running a future to completion on the calling thread: how synchronous code uses any async
//! API of the client, recipes included.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` on the current thread until it completes, parking the thread while it waits.
///
/// This is how synchronous code uses the async parts of the client: recipes, or any
/// `zk_client::Client` method. The client's I/O runs on its own thread, so nothing here needs an
/// async runtime.
///
/// ```no_run
/// # fn demo(client: &zk_client_blocking::Client) -> Result<(), zk_client_blocking::Error> {
/// let async_client = client.async_client();
/// let children = zk_client_blocking::block_on(async_client.get_children("/"))?;
/// # Ok(()) }
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = thread_waker();
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        thread::park();
    }
}

/// The calling thread's waker, made once per thread: every blocking call uses `block_on`, and
/// this keeps it from allocating a waker per call.
fn thread_waker() -> Waker {
    thread_local! {
        static WAKER: Waker = Waker::from(Arc::new(Unparker(thread::current())));
    }
    WAKER.with(Waker::clone)
}

/// Like [`block_on`], giving up after `timeout`: `None` if the future had not completed. The
/// future is dropped then (a request it made still completes, unobserved).
pub fn block_on_timeout<F: Future>(future: F, timeout: Duration) -> Option<F::Output> {
    let deadline = Instant::now() + timeout;
    let waker = thread_waker();
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return Some(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::park_timeout(deadline - now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_futures_complete_and_pending_ones_time_out() {
        assert_eq!(block_on(async { 7 }), 7);
        assert_eq!(
            block_on_timeout(std::future::pending::<()>(), Duration::from_millis(20)),
            None
        );
        let (tx, rx) = flume::bounded(1);
        let sender = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            tx.send(5).unwrap();
        });
        assert_eq!(block_on(rx.recv_async()), Ok(5));
        sender.join().unwrap();
    }
}
