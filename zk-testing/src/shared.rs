//! One server per test process, shared by tests that need only isolation by chroot.

use std::env;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cluster::Cluster;
use crate::error::{Error, Result};

/// The environment variable that points [`shared_connect_string`] at an existing server or
/// ensemble instead of starting one.
pub const CONNECT_ENV: &str = "ZK_TESTING_CONNECT";

/// The super user of the shared server (`digest` scheme, `super:test`).
pub const SHARED_SUPER_USER: (&str, &str) = ("super", "test");

static SHARED: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The process-wide standalone server, started on first use and shared by every test of the
/// test binary; a test isolates itself with its own chroot ([`unique_chroot`]).
///
/// It has TTL nodes enabled ([`extended_types`](crate::ClusterBuilder::extended_types)) and the
/// super user `super:test` ([`SHARED_SUPER_USER`]); otherwise the defaults of
/// [`Cluster::builder`]. It is never dropped: the server is killed and its directory removed
/// by its wrapper when the test process exits (see the crate documentation).
///
/// Tests that stop, kill or expire things the others rely on should build their own
/// [`Cluster`] instead (stopping the shared server would fail every test running beside it).
///
/// # Panics
///
/// When the server cannot start (no Java, no ZooKeeper: see [`try_shared`]). Every later call
/// panics with the same message without trying again.
pub fn shared() -> &'static Cluster {
    match try_shared() {
        Ok(cluster) => cluster,
        Err(e) => panic!("zk-testing: {e}"),
    }
}

/// [`shared`], returning the start error instead of panicking (to skip tests on a machine
/// without ZooKeeper, say). A failed start is remembered and not tried again.
///
/// # Errors
///
/// [`Error::Shared`] with the start error (the same one on every call).
pub fn try_shared() -> Result<&'static Cluster> {
    SHARED
        .get_or_init(|| {
            Cluster::builder()
                .extended_types(true)
                .super_digest(SHARED_SUPER_USER.0, SHARED_SUPER_USER.1)
                .start()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::Shared(e.clone()))
}

/// The connect string tests should use: `$ZK_TESTING_CONNECT` when set (an existing server
/// or ensemble, so a suite can run against another version or a real deployment); else the
/// [`shared_embedded`](crate::shared_embedded) server's when `$ZK_TESTING_SERVER` is
/// `embedded` (a suite runs without Java); else the [`shared`] server's.
///
/// Helpers that act on server processes ([`Node::kill`](crate::Node::kill),
/// [`Cluster::expire_session`], the fault proxies) need a [`Cluster`] this crate started;
/// against an external ensemble only [`expire_session_at`](crate::expire_session_at) and
/// [`four_letter`](crate::four_letter()) work.
///
/// # Panics
///
/// When neither variable is set and the shared server cannot start.
pub fn shared_connect_string() -> String {
    match env::var(CONNECT_ENV) {
        Ok(connect) if !connect.trim().is_empty() => connect,
        _ if uses_embedded_server() => crate::shared_embedded().connect_string(),
        _ => shared().connect_string(),
    }
}

/// The variable that makes [`shared_connect_string`] the embedded server's: `embedded`.
pub const SERVER_ENV: &str = "ZK_TESTING_SERVER";

/// Whether `$ZK_TESTING_SERVER` asks for the embedded server.
pub fn uses_embedded_server() -> bool {
    env::var(SERVER_ENV).is_ok_and(|server| server.trim() == "embedded")
}

/// A fresh chroot path, unique across tests, processes and runs:
/// `/t-<prefix>-<counter>-<pid>-<nanos>`. The caller creates it (ZooKeeper does not create a
/// chroot by itself).
///
/// Characters of `prefix` other than ASCII letters, digits, `_`, `-` and `.` become `_`, so
/// the result is always a valid one-level path.
///
/// ```
/// let a = zk_testing::unique_chroot("locks");
/// let b = zk_testing::unique_chroot("locks");
/// assert!(a.starts_with("/t-locks-"));
/// assert_ne!(a, b);
/// ```
pub fn unique_chroot(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    let prefix: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("/t-{prefix}-{counter}-{}-{nanos}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chroots_are_unique_and_valid() {
        let a = unique_chroot("a/b c");
        let b = unique_chroot("a/b c");
        assert_ne!(a, b);
        assert!(a.starts_with("/t-a_b_c-"), "{a}");
        assert_eq!(a.matches('/').count(), 1);
    }
}
