//! Running a future to completion on the calling thread: how synchronous code uses any async
//! API of the client, recipes included.

use std::future::Future;
use std::time::Duration;

use futures_lite::FutureExt as _;

/// Runs `future` on the current thread until it completes, parking the thread while it waits.
///
/// This is how synchronous code uses the async parts of the client: recipes, or any
/// `zk_client::Client` method. The client's I/O runs on its own thread, so nothing here needs an
/// async runtime: this is `futures_lite::future::block_on`, which only parks and unparks the
/// calling thread.
///
/// ```no_run
/// # fn demo(client: &zk_client_blocking::Client) -> Result<(), zk_client_blocking::Error> {
/// let async_client = client.async_client();
/// let children = zk_client_blocking::block_on(async_client.get_children("/"))?;
/// # Ok(()) }
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    futures_lite::future::block_on(future)
}

/// Like [`block_on`], giving up after `timeout`: `None` if the future had not completed. The
/// future is dropped then (a request it made still completes, unobserved).
pub fn block_on_timeout<F: Future>(future: F, timeout: Duration) -> Option<F::Output> {
    let done = async { Some(future.await) };
    block_on(done.or(async {
        async_io::Timer::after(timeout).await;
        None
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_futures_complete_and_pending_ones_time_out() {
        assert_eq!(block_on(async { 7 }), 7);
        assert_eq!(block_on_timeout(async { 8 }, Duration::ZERO), Some(8));
        assert_eq!(
            block_on_timeout(std::future::pending::<()>(), Duration::from_millis(20)),
            None
        );
        // Woken from another thread: the reactor's, when the timer fires.
        let start = std::time::Instant::now();
        let fired = block_on(async_io::Timer::after(Duration::from_millis(20)));
        assert!(fired >= start + Duration::from_millis(20));
    }
}
