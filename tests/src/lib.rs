//! One conformance suite for every adapter, against real ZooKeeper servers started by
//! `zk-testing`, and (the scenarios that need only a server) against the embedded `zk-server`.
//!
//! Each scenario is an `async fn` generic over an [`Adapter`]: it asks the adapter for a client
//! builder and is run by the adapter's executor. [`conformance_suite!`] turns the whole list
//! into `#[test]` functions for one adapter, so a scenario that one adapter cannot run fails for
//! that adapter instead of being skipped. [`embedded_suite!`] runs the scenarios that need
//! only a server (no process to kill, no network to cut) against the embedded `zk-server`
//! (`tests/embedded.rs`, no Java in that process). [`hostile_suite!`] does the same for the
//! hostile-server scenarios (a scripted misbehaving peer, no ZooKeeper), which run in a test
//! binary of their own (`tests/hostile.rs`) because they measure the process's CPU time.

mod env;
pub mod scenarios;

pub use env::{
    Adapter, Env, eventually, shared_cluster, shared_embedded, use_embedded_server, within,
};

/// Declares one `#[test]` per scenario for an adapter type.
#[macro_export]
macro_rules! conformance_suite {
    ($adapter:ty) => {
        $crate::conformance_suite!(@server_only $adapter, {});
        $crate::conformance_suite!(@each $adapter, {};
            server_side_expiry_loses_the_session,
            resumed_session_and_terminal_expiry,
            read_only_mode_then_a_read_write_server,
            partition_suspends_then_loses_then_recovers,
            ensemble_failover_keeps_the_session_and_watches,
        );
    };
    // The scenarios that need only a server (no process to kill, no network to cut): the
    // embedded target runs these.
    (@server_only $adapter:ty, $setup:block) => {
        $crate::conformance_suite!(@each $adapter, $setup;
            operations_create_modes,
            operations_read_write_delete,
            operations_children_and_counts,
            operations_acl_and_auth,
            operations_transactions_and_multi_read,
            operations_admin,
            operations_run_in_call_order,
            errors_are_typed,
            watches_one_shot,
            watches_persistent_and_recursive,
            watches_removal,
            watch_event_precedes_the_read_that_sees_it,
            watches_unread_stream_is_bounded_and_reports_the_lag,
            chroot_is_stripped_everywhere,
            auth_failure_stops_the_client,
            closed_client_refuses_work,
            bad_input_is_rejected_before_sending,
            many_concurrent_requests_through_the_in_flight_limit,
        );
    };
    (@each $adapter:ty, $setup:block; $($scenario:ident),* $(,)?) => {
        $(
            #[test]
            fn $scenario() {
                $setup
                <$adapter as $crate::Adapter>::run($crate::scenarios::$scenario::<$adapter>());
            }
        )*
    };
}

/// Declares one `#[test]` per scenario that needs only a server, run against the embedded
/// `zk-server` instead of Java's ZooKeeper: the same scenarios, the same assertions, so a
/// difference between the two servers fails here.
#[macro_export]
macro_rules! embedded_suite {
    ($adapter:ty) => {
        $crate::conformance_suite!(@server_only $adapter, { $crate::use_embedded_server(); });
    };
}

/// Declares one `#[test]` per hostile-server scenario for an adapter type. They need no
/// ZooKeeper; run them in a test binary of their own so that their CPU measurements see only
/// them.
#[macro_export]
macro_rules! hostile_suite {
    ($adapter:ty) => {
        $crate::conformance_suite!(@each $adapter, {};
            hostile_close_on_accept,
            hostile_stalled_handshake,
            hostile_oversized_connect_response,
            hostile_undecodable_connect_response,
            hostile_tiny_negotiated_timeout,
            hostile_zero_negotiated_timeout,
            hostile_negative_negotiated_timeout,
            hostile_session_id_zero,
            hostile_unrequested_read_only,
            hostile_changed_session_id_on_reattach,
            hostile_oversized_frame,
            hostile_negative_frame_length,
            hostile_truncated_frame_then_close,
            hostile_unknown_xid,
            hostile_garbage_body,
            hostile_unknown_error_code,
            hostile_bogus_watch_events,
            hostile_watch_event_outside_the_chroot,
            hostile_stalled_pings,
            hostile_slow_drip,
            hostile_reconnect_storm,
        );
    };
}
