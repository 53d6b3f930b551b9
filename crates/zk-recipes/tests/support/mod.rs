//! Shared helpers for the recipe tests: a client in a fresh chroot on the shared server, and a
//! driver for kazoo scripts that run beside Rust code on the same paths.

#![allow(dead_code, unreachable_pub)]

pub mod kazoo;

use std::future::Future;
use std::time::Duration;

use zk_client::Client;

/// A fresh chroot on the shared server: its connect string (for more clients, and for kazoo).
pub async fn chroot(name: &str) -> String {
    let server = zk_testing::shared();
    let chroot = zk_testing::unique_chroot(name);
    let root = zk_client_tokio::connect(&server.connect_string())
        .await
        .expect("connect");
    root.ensure_path(&chroot).await.expect("create the chroot");
    root.close().await;
    server.connect_string_with_chroot(&chroot)
}

/// A client on `connect` with a 10 s session.
pub async fn client(connect: &str) -> Client {
    zk_client_tokio::builder(connect)
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .expect("connect")
}

/// Awaits `future` for at most `limit`, failing the test instead of hanging.
pub async fn within<T>(limit: Duration, what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {limit:?} waiting for {what}"),
    }
}
