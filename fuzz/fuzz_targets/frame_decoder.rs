//! The cargo-fuzz target `frame_decoder`: its body is in `bodies/`, shared with zk-proto's
//! `tests/fuzz_regressions.rs`, which replays the regression inputs through it.
#![no_main]

#[path = "../bodies/frame_decoder.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
