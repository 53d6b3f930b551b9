//! The cargo-fuzz target `server_handle_data`: its body is in `bodies/`, shared with
//! zk-server's `tests/fuzz_regressions.rs`, which replays the regression inputs and the seed
//! corpus through it.
#![no_main]

#[path = "../bodies/server_handle_data.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
