//! The driver: one background task per client that moves bytes between the transport and the
//! session, fires its timers, and delivers its outputs. Written once, over [`Runtime`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use zk_proto::sasl::SaslTask;
use zk_proto::{Action, ConnId, ProbeId};

use crate::runtime::{BoxFuture, Transport, open_transport};
use crate::shared::{Shared, State};

/// A connection attempt under way.
type Attempt = BoxFuture<'static, io::Result<Box<dyn Transport>>>;

/// How much is read from the transport at a time, at first: enough for an idle or lightly
/// used session, so that a process with many sessions stays small.
const READ_CHUNK_MIN: usize = 4 * 1024;
/// The most read at a time: the buffer doubles up to this whenever a read fills it.
const READ_CHUNK_MAX: usize = 64 * 1024;

pub(crate) struct Driver {
    shared: Arc<Shared>,
    stream: Option<(ConnId, Box<dyn Transport>)>,
    connecting: Option<(ConnId, Attempt)>,
    /// Bytes taken from the session and not yet written.
    out: Vec<u8>,
    written: usize,
    flush_pending: bool,
    read_buf: Vec<u8>,
    /// Bytes at the start of `read_buf` not yet given to the session.
    unread: usize,
    /// Callers whose replies were delivered under the lock, woken after it is released.
    wake: Vec<std::task::Waker>,
    /// The armed timer. It is re-armed only when the session wants an earlier wake-up; a later
    /// one simply fires early and is re-armed then, which saves an allocation per send.
    sleep: Option<(Instant, BoxFuture<'static, ()>)>,
    /// The question to another server, while connected to a read-only one: does it serve
    /// read/write? (`Action::ProbeReadWrite`)
    probe: Option<(ProbeId, BoxFuture<'static, bool>)>,
    span: tracing::Span,
}

impl Driver {
    pub(crate) fn new(shared: Arc<Shared>) -> Driver {
        Driver {
            shared,
            stream: None,
            connecting: None,
            out: Vec::new(),
            written: 0,
            flush_pending: false,
            read_buf: vec![0; READ_CHUNK_MIN],
            unread: 0,
            wake: Vec::new(),
            sleep: None,
            probe: None,
            span: tracing::info_span!("zk_session"),
        }
    }

    fn drop_stream(&mut self) {
        self.stream = None;
        self.unread = 0;
        self.out.clear();
        self.written = 0;
        self.flush_pending = false;
    }

    /// Drives the connect attempt, if any.
    fn poll_connect(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        let Some((conn, attempt)) = self.connecting.as_mut() else {
            return false;
        };
        let Poll::Ready(result) = attempt.as_mut().poll(cx) else {
            return false;
        };
        let conn = *conn;
        self.connecting = None;
        let shared = self.shared.clone();
        let mut st = shared.lock();
        match result {
            Ok(stream) => {
                tracing::debug!(conn = conn.get(), "transport open");
                self.drop_stream();
                self.stream = Some((conn, stream));
                st.session.handle_connected(conn, now);
            }
            Err(err) => {
                tracing::debug!(conn = conn.get(), %err, "connect failed");
                st.record_connect_error(conn, err.to_string(), Some(err));
                st.session.handle_connect_failed(conn, now);
            }
        }
        true
    }

    /// Reads what the transport has, once; the bytes go to the session in `service_session`,
    /// under the same lock as everything else of this round.
    fn poll_read(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        let Some((conn, stream)) = self.stream.as_mut() else {
            return false;
        };
        let conn = *conn;
        match Pin::new(&mut **stream).poll_read(cx, &mut self.read_buf) {
            Poll::Pending => false,
            Poll::Ready(Ok(n)) if n > 0 => {
                self.unread = n;
                if n == self.read_buf.len() && n < READ_CHUNK_MAX {
                    // A busy connection: read more at a time (fewer reads per reply).
                    self.read_buf.resize(n * 2, 0);
                }
                true
            }
            Poll::Ready(result) => {
                tracing::debug!(conn = conn.get(), ?result, "transport closed by the peer");
                self.drop_stream();
                let mut st = self.shared.lock();
                if !st.session.state().is_connected() {
                    // Closed during the handshake: a server that refuses this client (a
                    // read-only one, one behind our last zxid, a TLS peer that rejected us).
                    let (reason, cause) = match result {
                        Ok(_) => ("the server closed the connection".to_owned(), None),
                        Err(err) => (err.to_string(), Some(err)),
                    };
                    st.record_connect_error(
                        conn,
                        format!("{reason} before a session was established"),
                        cause,
                    );
                }
                st.session.handle_disconnected(conn, now);
                true
            }
        }
    }

    /// Feeds what was read, fires due timers, delivers outputs and takes bytes to send, all
    /// under one lock; then wakes the callers whose replies it delivered. Returns (progress,
    /// the next timer, whether the session is finished).
    fn service_session(&mut self, now: Instant) -> (bool, Option<Instant>, bool) {
        let result = self.service_locked(now);
        for waker in self.wake.drain(..) {
            waker.wake();
        }
        result
    }

    fn service_locked(&mut self, now: Instant) -> (bool, Option<Instant>, bool) {
        let mut progress = false;
        let shared = self.shared.clone();
        let mut st = shared.lock();
        if self.unread > 0 {
            if let Some((conn, _)) = &self.stream {
                st.session
                    .handle_data(*conn, &self.read_buf[..self.unread], now);
            }
            self.unread = 0;
        }
        if st.session.poll_timeout().is_some_and(|at| at <= now) {
            st.session.handle_timeout(now);
        }
        // Delivering an output may give the session more to do (removing a watch nobody
        // listens to), so both queues are drained until both are empty.
        loop {
            let mut drained = true;
            while let Some(action) = st.session.poll_action() {
                drained = false;
                progress = true;
                self.act(action, &mut st);
            }
            while let Some(output) = st.session.poll_output() {
                drained = false;
                st.dispatch(output, now, &mut self.wake);
            }
            if drained {
                break;
            }
        }
        if self.stream.is_some() && self.written == self.out.len() {
            self.out.clear();
            self.written = 0;
            if st.session.poll_transmit(now, &mut self.out).is_some() {
                progress = true;
            }
        }
        (progress, st.session.poll_timeout(), st.session.is_done())
    }

    /// Carries out what the session asks of the driver.
    fn act(&mut self, action: Action, st: &mut State) {
        match action {
            Action::Connect {
                conn,
                host,
                deadline,
            } => {
                self.drop_stream();
                let span = tracing::debug_span!("zk_connection", conn = conn.get(), %host);
                span.in_scope(|| tracing::debug!("connecting"));
                let attempt = open_transport(
                    self.shared.runtime.clone(),
                    self.shared.transport_layer.clone(),
                    host.clone(),
                    deadline,
                );
                self.connecting = Some((
                    conn,
                    Box::pin(tracing::Instrument::instrument(attempt, span)),
                ));
                st.current_host = Some(host);
            }
            Action::Disconnect(conn) => {
                if self.stream.as_ref().is_some_and(|(c, _)| *c == conn) {
                    self.drop_stream();
                }
                if self.connecting.as_ref().is_some_and(|(c, _)| *c == conn) {
                    self.connecting = None;
                }
            }
            Action::ProbeReadWrite {
                probe,
                host,
                deadline,
            } => {
                let asked = crate::four_letter::exchange(
                    self.shared.runtime.clone(),
                    self.shared.transport_layer.clone(),
                    host,
                    *b"isro",
                    deadline,
                );
                // Only a clear "rw" moves the session; errors and "ro" mean "not yet".
                let answer = async move { asked.await.is_ok_and(|reply| reply == b"rw") };
                self.probe = Some((probe, Box::pin(answer)));
            }
            Action::Sasl(task) => run_sasl_step(self.shared.clone(), task),
        }
    }

    /// Writes pending bytes, then flushes.
    fn poll_write(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        let Some((conn, stream)) = self.stream.as_mut() else {
            return false;
        };
        let conn = *conn;
        let mut progress = false;
        let mut failed = false;
        while self.written < self.out.len() {
            match Pin::new(&mut **stream).poll_write(cx, &self.out[self.written..]) {
                Poll::Ready(Ok(n)) if n > 0 => {
                    self.written += n;
                    self.flush_pending = true;
                    progress = true;
                }
                Poll::Ready(_) => {
                    failed = true;
                    break;
                }
                Poll::Pending => break,
            }
        }
        if !failed && self.flush_pending && self.written == self.out.len() {
            match Pin::new(&mut **stream).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.flush_pending = false,
                Poll::Ready(Err(_)) => failed = true,
                Poll::Pending => {}
            }
        }
        if failed {
            tracing::debug!(conn = conn.get(), "write failed");
            self.drop_stream();
            self.shared.lock().session.handle_disconnected(conn, now);
            progress = true;
        }
        progress
    }

    /// Polls the read/write probe; its answer goes to the session.
    fn poll_probe(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        let Some((probe, answer)) = self.probe.as_mut() else {
            return false;
        };
        let Poll::Ready(read_write) = answer.as_mut().poll(cx) else {
            return false;
        };
        let probe = *probe;
        self.probe = None;
        tracing::debug!(probe = probe.get(), read_write, "read/write probe answered");
        self.shared
            .lock()
            .session
            .handle_probe_result(probe, read_write, now);
        true
    }

    /// Arms the timer for `at` and polls it.
    fn poll_timer(&mut self, cx: &mut Context<'_>, at: Option<Instant>, now: Instant) -> bool {
        let Some(at) = at else {
            self.sleep = None;
            return false;
        };
        if at <= now {
            return true;
        }
        if self.sleep.as_ref().is_none_or(|(armed, _)| at < *armed) {
            self.sleep = Some((at, self.shared.runtime.sleep_until(at)));
        }
        let fired = self
            .sleep
            .as_mut()
            .is_some_and(|(_, sleep)| sleep.as_mut().poll(cx).is_ready());
        if fired {
            self.sleep = None;
        }
        fired
    }
}

impl Future for Driver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let span = this.span.clone();
        let _entered = span.enter();
        // Register before looking at the session: a handle that submits after the look wakes us.
        this.shared.notify.register(cx.waker());
        loop {
            let now = this.shared.runtime.now();
            let mut progress = this.poll_connect(cx, now);
            progress |= this.poll_read(cx, now);
            progress |= this.poll_probe(cx, now);
            let (serviced, timeout, done) = this.service_session(now);
            progress |= serviced;
            progress |= this.poll_write(cx, now);
            progress |= this.poll_timer(cx, timeout, now);
            if done && this.connecting.is_none() && this.stream.is_none() {
                tracing::debug!("session finished; driver exits");
                return Poll::Ready(());
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }
}

/// Runs a SASL step on a thread of its own, never on the driver: a mechanism may block
/// (GSSAPI asks the KDC for tickets), and the driver's thread may serve other clients (the
/// blocking adapter's I/O thread does, and so may a single-threaded runtime). The thread
/// hands the answer to the session under the lock, as a handle submits a request, and wakes
/// the driver to send the token.
///
/// A thread per step rather than the runtime's blocking pool: the runtime seam has no such
/// pool, a step comes a few times per connection, and spawning costs far less than the round
/// trip each step waits for. If no thread can be had, the step is never answered and the
/// session's deadline for the exchange fails the attempt.
fn run_sasl_step(shared: Arc<Shared>, task: SaslTask) {
    let span = tracing::Span::current();
    let spawned = std::thread::Builder::new()
        .name("zk-sasl".into())
        .spawn(move || {
            let answer = span.in_scope(|| task.run());
            let now = shared.runtime.now();
            shared.lock().session.handle_sasl_answer(answer, now);
            shared.notify.notify();
        });
    if let Err(err) = spawned {
        tracing::warn!(%err, "no thread for the SASL step; the attempt will time out");
    }
}
