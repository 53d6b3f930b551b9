//! What the server holds for a session: counts of its watches, to show that recipes leave
//! none behind.

use std::time::Duration;

use zk_client::{Client, Error, ErrorCode, WatcherType};

use super::WAIT;

/// How many paths the server holds a data (or exists) watch on for `client`'s session: the
/// `wchc` four-letter word of the server `connect` names (its first host), which lists data
/// watches only (child watches are checked with `Client::check_watches`).
pub fn server_data_watches(connect: &str, client: &Client) -> usize {
    let session = format!("0x{:x}", client.session_id().expect("a session").get());
    let report = zk_testing::four_letter(first_host(connect), "wchc").expect("wchc");
    let mut count = 0;
    let mut ours = false;
    for line in report.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(|c: char| c.is_whitespace()) {
            if ours {
                count += 1;
            }
        } else {
            ours = line.trim() == session;
        }
    }
    count
}

/// The first `host:port` of a connect string (chroot and other hosts dropped).
pub fn first_host(connect: &str) -> &str {
    let hosts = connect.split('/').next().unwrap_or(connect);
    hosts.split(',').next().unwrap_or(hosts)
}

/// Waits until the server holds no watch of any kind on `path` for `client`'s connection.
/// Removal is asynchronous (a dropped watch sends RemoveWatches) and reports nothing, so this
/// asks again until it is so.
pub async fn until_unwatched(client: &Client, path: &str) {
    let gone = tokio::time::timeout(WAIT, async {
        loop {
            match client.check_watches(path, WatcherType::Any).await {
                Err(Error::Server(ErrorCode::NoWatcher)) => return,
                Ok(()) => tokio::time::sleep(Duration::from_millis(10)).await,
                Err(other) => panic!("check_watches: {other}"),
            }
        }
    })
    .await;
    assert!(gone.is_ok(), "{path} is still watched after {WAIT:?}");
}
