//! The one I/O thread: socket readiness (mio), timers, and a small executor for the tasks the
//! client spawns (its driver). Futures polled on other threads (the caller's `block_on`) use it
//! too: their wakers are registered here and woken from here.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use mio::{Events, Poll as MioPoll, Registry, Token};
use zk_client::BoxFuture;

/// The token of the waker that interrupts `poll` when work is queued.
const WAKE_TOKEN: Token = Token(usize::MAX);

/// Readiness of one registered socket: a tick per direction that advances on every event, and
/// the task waiting for the next one.
#[derive(Default)]
pub(crate) struct Readiness {
    pub(crate) read_tick: u64,
    pub(crate) write_tick: u64,
    pub(crate) read_waker: Option<Waker>,
    pub(crate) write_waker: Option<Waker>,
}

#[derive(Default)]
struct State {
    sources: HashMap<usize, Readiness>,
    next_token: usize,
    timers: BTreeMap<(Instant, u64), Waker>,
    next_timer: u64,
    ready: VecDeque<Arc<Task>>,
}

pub(crate) struct Reactor {
    registry: Registry,
    waker: mio::Waker,
    state: Mutex<State>,
}

impl Reactor {
    /// The process-wide reactor, started on first use.
    pub(crate) fn get() -> io::Result<&'static Arc<Reactor>> {
        static REACTOR: OnceLock<Arc<Reactor>> = OnceLock::new();
        if let Some(reactor) = REACTOR.get() {
            return Ok(reactor);
        }
        let poll = MioPoll::new()?;
        let reactor = Arc::new(Reactor {
            registry: poll.registry().try_clone()?,
            waker: mio::Waker::new(poll.registry(), WAKE_TOKEN)?,
            state: Mutex::new(State::default()),
        });
        let mut started = false;
        let reactor = REACTOR.get_or_init(|| {
            started = true;
            reactor
        });
        if started {
            let thread_reactor = reactor.clone();
            std::thread::Builder::new()
                .name("zk-client-blocking".into())
                .spawn(move || thread_reactor.run(poll))?;
        }
        Ok(reactor)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// A token for a new socket.
    pub(crate) fn new_source(&self) -> Token {
        let mut st = self.lock();
        let token = st.next_token;
        st.next_token += 1;
        st.sources.insert(token, Readiness::default());
        Token(token)
    }

    pub(crate) fn remove_source(&self, token: Token) {
        self.lock().sources.remove(&token.0);
    }

    /// Runs `f` on the readiness of `token`.
    pub(crate) fn with_source<T>(&self, token: Token, f: impl FnOnce(&mut Readiness) -> T) -> T {
        let mut st = self.lock();
        f(st.sources.entry(token.0).or_default())
    }

    /// Registers `waker` to be woken at `deadline`; returns the timer's key.
    pub(crate) fn add_timer(&self, deadline: Instant, waker: Waker) -> (Instant, u64) {
        let key = {
            let mut st = self.lock();
            let key = (deadline, st.next_timer);
            st.next_timer += 1;
            let earliest = st.timers.first_key_value().is_none_or(|(k, _)| key < *k);
            st.timers.insert(key, waker);
            (key, earliest)
        };
        if key.1 {
            // The I/O thread may be sleeping past this deadline.
            self.interrupt();
        }
        key.0
    }

    pub(crate) fn remove_timer(&self, key: (Instant, u64)) {
        self.lock().timers.remove(&key);
    }

    /// Queues a task to run on the I/O thread.
    pub(crate) fn spawn(self: &Arc<Self>, future: BoxFuture<'static, ()>) {
        let task = Arc::new(Task {
            future: Mutex::new(Some(future)),
            queued: AtomicBool::new(false),
            reactor: self.clone(),
        });
        task.schedule();
    }

    fn interrupt(&self) {
        if let Err(err) = self.waker.wake() {
            tracing::error!(%err, "cannot wake the zk-client-blocking I/O thread");
        }
    }

    /// The I/O thread's loop: run ready tasks, wait for readiness or the next timer, wake.
    fn run(&self, mut poll: MioPoll) {
        let mut events = Events::with_capacity(256);
        loop {
            loop {
                let task = self.lock().ready.pop_front();
                match task {
                    Some(task) => task.run(),
                    None => break,
                }
            }
            let timeout = self
                .lock()
                .timers
                .first_key_value()
                .map(|((at, _), _)| at.saturating_duration_since(Instant::now()));
            if let Err(err) = poll.poll(&mut events, timeout) {
                if err.kind() != io::ErrorKind::Interrupted {
                    tracing::error!(%err, "poll failed");
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            let mut wake = Vec::new();
            {
                let mut st = self.lock();
                for event in events.iter() {
                    if event.token() == WAKE_TOKEN {
                        continue;
                    }
                    let Some(source) = st.sources.get_mut(&event.token().0) else {
                        continue;
                    };
                    // Errors and hang-ups wake both directions: the next read or write sees them.
                    let closed =
                        event.is_error() || event.is_read_closed() || event.is_write_closed();
                    if event.is_readable() || closed {
                        source.read_tick += 1;
                        wake.extend(source.read_waker.take());
                    }
                    if event.is_writable() || closed {
                        source.write_tick += 1;
                        wake.extend(source.write_waker.take());
                    }
                }
                let now = Instant::now();
                while let Some(entry) = st.timers.first_entry() {
                    if entry.key().0 > now {
                        break;
                    }
                    wake.push(entry.remove());
                }
            }
            for waker in wake {
                waker.wake();
            }
        }
    }
}

/// A spawned future, run on the I/O thread whenever it is woken.
struct Task {
    future: Mutex<Option<BoxFuture<'static, ()>>>,
    /// Whether it already sits in the ready queue.
    queued: AtomicBool,
    reactor: Arc<Reactor>,
}

impl Task {
    fn schedule(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.reactor.lock().ready.push_back(self.clone());
            self.reactor.interrupt();
        }
    }

    fn run(self: Arc<Self>) {
        self.queued.store(false, Ordering::Release);
        let waker = Waker::from(self.clone());
        let mut slot = self.future.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(future) = slot.as_mut() {
            if future.as_mut().poll(&mut Context::from_waker(&waker)) == Poll::Ready(()) {
                *slot = None;
            }
        }
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.schedule();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.schedule();
    }
}
