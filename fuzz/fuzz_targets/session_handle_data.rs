//! The cargo-fuzz target `session_handle_data`: its body is in `bodies/`, shared with zk-proto's
//! `tests/fuzz_regressions.rs`, which replays the regression inputs through it.
#![no_main]

#[path = "../bodies/session_handle_data.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
