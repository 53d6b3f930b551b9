//! The scenarios, by concern. Each is generic over the [`Adapter`](crate::Adapter) it runs on.

mod chroot;
mod ensemble;
mod errors;
mod failures;
mod hostile;
mod operations;
mod sessions;
mod watches;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

pub use chroot::chroot_is_stripped_everywhere;
pub use ensemble::ensemble_failover_keeps_the_session_and_watches;
pub use errors::errors_are_typed;
pub use failures::{
    auth_failure_stops_the_client, bad_input_is_rejected_before_sending,
    closed_client_refuses_work, many_concurrent_requests_through_the_in_flight_limit,
};
pub use hostile::{
    hostile_bogus_watch_events, hostile_changed_session_id_on_reattach, hostile_close_on_accept,
    hostile_garbage_body, hostile_negative_frame_length, hostile_negative_negotiated_timeout,
    hostile_oversized_connect_response, hostile_oversized_frame, hostile_reconnect_storm,
    hostile_session_id_zero, hostile_slow_drip, hostile_stalled_handshake, hostile_stalled_pings,
    hostile_tiny_negotiated_timeout, hostile_truncated_frame_then_close,
    hostile_undecodable_connect_response, hostile_unknown_error_code, hostile_unknown_xid,
    hostile_unrequested_read_only, hostile_watch_event_outside_the_chroot,
    hostile_zero_negotiated_timeout,
};
pub use operations::{
    operations_acl_and_auth, operations_admin, operations_children_and_counts,
    operations_create_modes, operations_read_write_delete, operations_run_in_call_order,
    operations_transactions_and_multi_read,
};
pub use sessions::{
    partition_suspends_then_loses_then_recovers, read_only_mode_then_a_read_write_server,
    resumed_session_and_terminal_expiry, server_side_expiry_loses_the_session,
};
pub use watches::{
    watch_event_precedes_the_read_that_sees_it, watches_one_shot, watches_persistent_and_recursive,
    watches_removal, watches_unread_stream_is_bounded_and_reports_the_lag,
};

/// Runs futures concurrently and yields their outputs in order. [`JoinAll::start`] polls them
/// once at once, which submits every request before the caller does anything else.
pub(crate) struct JoinAll<F: Future> {
    futures: Vec<Pin<Box<F>>>,
    outputs: Vec<Option<F::Output>>,
}

impl<F: Future> JoinAll<F> {
    pub(crate) fn new(futures: Vec<F>) -> Self {
        let outputs = futures.iter().map(|_| None).collect();
        JoinAll {
            futures: futures.into_iter().map(Box::pin).collect(),
            outputs,
        }
    }

    /// Polls every future once without waiting.
    pub(crate) fn start(&mut self) {
        let _ = self.poll_all(&mut Context::from_waker(Waker::noop()));
    }

    fn poll_all(&mut self, cx: &mut Context<'_>) -> bool {
        let mut done = true;
        for (future, output) in self.futures.iter_mut().zip(self.outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => done = false,
                }
            }
        }
        done
    }
}

impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if !self.poll_all(cx) {
            return Poll::Pending;
        }
        Poll::Ready(
            self.outputs
                .iter_mut()
                .map(|o| o.take().expect("done"))
                .collect(),
        )
    }
}
