//! The scripted server peer, written once for every test that drives a `Session` without a
//! network: zk-proto's session tests (exact steps, exact bytes), its property tests and the
//! cargo-fuzz target `session_handle_data` (generated steps, the session's promises checked as
//! they run).
//!
//! - [`Script`] (`script.rs`): the session, the clock, the driver's side of the connection and
//!   the server's reading of the frames sent; records every action and output.
//! - [`wire`]: the frames a server sends (replies, notifications, ConnectResponses).
//! - [`Run`] (`run.rs`) and [`Ledger`] (`ledger.rs`): a script driven by generated steps, which
//!   tracks the unanswered frames and checks that every request completes exactly once, that
//!   watch events only reach live watchers, and that nothing is left after `close`.
//!
//! Why a test module included by path rather than a `testkit` module behind a feature of
//! zk-proto: a feature-gated module would be public API of the library (documented, bound by
//! semver, in the manifest and on docs.rs) for code no user needs, and would sit under the
//! library's `clippy.toml`, which forbids the clock a test peer must read. The fuzz crate
//! already shares its bodies with zk-proto's tests by `#[path]` (`fuzz/README.md`), so it takes
//! this module the same way: `fuzz/bodies/session_handle_data.rs` includes this file with
//! `#[path]`, and `cargo test -p zk-proto` builds it as part of every session test and of
//! `tests/fuzz_regressions.rs`. It is formatted and linted with zk-proto's test targets. The
//! cost: the fuzz crate reaches into `zk-proto/tests/support/` (the path must not move) and
//! lists `bytes` as a dependency of its own.

#![allow(dead_code, unreachable_pub)]
// Tests own the clock: only the library itself is forbidden to read it (clippy.toml).
#![allow(clippy::disallowed_methods)]

mod ledger;
mod run;
mod script;
pub mod wire;

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use zk_proto::{SessionConfig, Stat};

// Each test binary takes the part it needs: what one leaves unused is not dead.
#[allow(unused_imports)]
pub use ledger::Ledger;
#[allow(unused_imports)]
pub use run::Run;
#[allow(unused_imports)]
pub use script::{Frame, Script, Sent};

/// The session id servers grant in these scripts.
pub const SESSION_ID: i64 = 0x0100_0007_4b64_001c;
/// The password that goes with it.
pub const PASSWD: [u8; 16] = [7; 16];

pub fn config(connect: &str) -> SessionConfig {
    let mut c = SessionConfig::new(connect).unwrap();
    c.session_timeout = Duration::from_secs(30);
    // Every script replays exactly: host order, backoff jitter, SASL nonces.
    c.seed = Some(0x5EED_2181);
    c
}

pub fn stat(czxid: i64) -> Stat {
    Stat {
        czxid,
        mzxid: czxid,
        version: 1,
        data_length: 2,
        pzxid: czxid,
        ..Stat::default()
    }
}

pub fn bytes_of(s: &str) -> Bytes {
    BytesMut::from(s.as_bytes()).freeze()
}

/// The current time, for tests that need an `Instant` without a script.
pub fn now() -> Instant {
    Instant::now()
}
