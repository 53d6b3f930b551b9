//! The process-wide I/O thread: one `async-executor` runs every client's driver, inside
//! `async_io::block_on`, so that while the drivers wait this thread sleeps in async-io's
//! reactor (socket readiness and timers) and wakes on the first event.
//!
//! The thread is started by the first spawn that finds none running. A failed start records
//! nothing: the task stays queued on the executor and the next spawn tries again, so one
//! refused `pthread_create` does not leave every later client without a driver.

use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_executor::Executor;
use zk_client::BoxFuture;

/// Starts the thread that runs an executor; the real one is [`spawn_thread`].
pub(crate) type Start = fn(&'static Executor<'static>) -> io::Result<()>;

/// An executor and whether a thread runs it.
pub(crate) struct IoThread {
    executor: Executor<'static>,
    /// Set once a thread runs `executor`; read without the lock on every spawn.
    running: AtomicBool,
    /// Held while starting, so that concurrent first spawns start one thread.
    starting: Mutex<()>,
}

/// The one every client of the process shares.
static GLOBAL: IoThread = IoThread::new();

impl IoThread {
    pub(crate) const fn new() -> IoThread {
        IoThread {
            executor: Executor::new(),
            running: AtomicBool::new(false),
            starting: Mutex::new(()),
        }
    }

    pub(crate) fn global() -> &'static IoThread {
        &GLOBAL
    }

    /// Queues `task` and makes sure a thread runs it. On `Err` the task stays queued and runs
    /// once a later spawn has started the thread.
    pub(crate) fn spawn(
        &'static self,
        task: BoxFuture<'static, ()>,
        start: Start,
    ) -> io::Result<()> {
        // A panic in a task is kept in its (detached) handle: it ends that task only, never
        // the thread (async-executor propagates panics to the handle, not to `run`).
        self.executor.spawn(task).detach();
        self.ensure_running(start)
    }

    fn ensure_running(&'static self, start: Start) -> io::Result<()> {
        if self.running.load(Ordering::Acquire) {
            return Ok(());
        }
        let _starting = self
            .starting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.running.load(Ordering::Acquire) {
            return Ok(());
        }
        start(&self.executor)?;
        self.running.store(true, Ordering::Release);
        Ok(())
    }
}

/// Runs `executor` on a new thread for the rest of the process.
pub(crate) fn spawn_thread(executor: &'static Executor<'static>) -> io::Result<()> {
    std::thread::Builder::new()
        .name("zk-client-blocking".into())
        .spawn(move || async_io::block_on(executor.run(std::future::pending::<()>())))
        .map(drop)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    /// A generous bound that only keeps a broken build from hanging.
    const HANG: Duration = Duration::from_secs(10);

    fn refuse(_: &'static Executor<'static>) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::WouldBlock, "no threads left"))
    }

    fn leaked() -> &'static IoThread {
        Box::leak(Box::new(IoThread::new()))
    }

    fn sender(tx: &mpsc::Sender<u32>, value: u32) -> BoxFuture<'static, ()> {
        let tx = tx.clone();
        Box::pin(async move { tx.send(value).unwrap() })
    }

    #[test]
    fn a_failed_start_is_retried_by_the_next_spawn_and_nothing_queued_is_lost() {
        let io = leaked();
        let (tx, rx) = mpsc::channel();
        let err = io.spawn(sender(&tx, 1), refuse).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(
            !io.running.load(Ordering::Acquire),
            "a failed start records nothing"
        );
        // Nothing can have run it: no thread runs this executor.
        assert_eq!(rx.try_recv(), Err(mpsc::TryRecvError::Empty));

        io.spawn(sender(&tx, 2), spawn_thread).unwrap();
        let mut got = [
            rx.recv_timeout(HANG).unwrap(),
            rx.recv_timeout(HANG).unwrap(),
        ];
        got.sort_unstable();
        assert_eq!(got, [1, 2], "the task queued during the failure runs too");
        assert!(io.running.load(Ordering::Acquire));
        // Once running, no further start is attempted.
        io.spawn(sender(&tx, 3), refuse).unwrap();
        assert_eq!(rx.recv_timeout(HANG).unwrap(), 3);
    }

    #[test]
    fn a_panicking_task_does_not_stop_the_thread() {
        let io = leaked();
        let (tx, rx) = mpsc::channel();
        io.spawn(Box::pin(async { panic!("a driver bug") }), spawn_thread)
            .unwrap();
        io.spawn(sender(&tx, 7), spawn_thread).unwrap();
        assert_eq!(rx.recv_timeout(HANG).unwrap(), 7);
    }
}
