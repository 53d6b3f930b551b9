//! The sans-IO server: [`Server`] and its inputs and outputs. What each request does lives in
//! the files beside this one, one concern each.

mod body;
mod connection;
mod dispatch;
mod four_letter;
mod lifecycle;
mod notify;
mod reads;
mod reaper;
mod watch_ops;
mod writes;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use zk_proto::Stat;

use crate::config::ServerConfig;
use crate::ids::ConnectionId;
use crate::output::{Output, Outputs};
use crate::sessions::Sessions;
use crate::snapshot::SnapshotError;
use crate::tree::DataTree;
use crate::watches::Watches;

use connection::Connection;

/// A ZooKeeper server as a state machine: connections, bytes and time in; bytes, closes and
/// a deadline out.
///
/// It never opens a socket, reads a clock, sleeps or spawns. Given the same inputs (and the
/// same `Instant`s) it produces the same outputs, so a test can drive it in virtual time.
///
/// The loop a driver runs:
///
/// 1. [`accept`](Server::accept) each new connection, and feed what it sends to
///    [`handle_data`](Server::handle_data) (in chunks of any size);
///    [`handle_closed`](Server::handle_closed) when the peer goes.
/// 2. After every input, drain [`poll_output`](Server::poll_output): bytes to write and
///    connections to close, in order.
/// 3. Call [`handle_timeout`](Server::handle_timeout) once
///    [`poll_timeout`](Server::poll_timeout) has passed (session expiry, connections that
///    never sent a ConnectRequest, the container and TTL reaper).
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    start: Instant,
    tree: DataTree,
    /// The zxid of the last transaction applied.
    last_zxid: i64,
    sessions: Sessions,
    watches: Watches,
    conns: BTreeMap<ConnectionId, Connection>,
    outputs: Outputs,
    next_conn: u64,
    /// Frames received and sent, over all connections.
    received: u64,
    sent: u64,
    /// When the reaper runs next.
    next_reap: Instant,
}

impl Server {
    /// A fresh server (an empty tree but for `/zookeeper`, no sessions, zxid 0), created at
    /// `now`, which [`ServerConfig::start_time_ms`] names on the wall clock.
    pub fn new(config: ServerConfig, now: Instant) -> Server {
        let single_mode = crate::personality::Personality(config.version).single_watch_mode();
        let sessions = Sessions::new(
            config.server_id,
            config.start_time_ms,
            config.tick_time,
            now,
        );
        let next_reap = now
            + config
                .container_check_interval
                .max(Duration::from_millis(1));
        Server {
            config,
            start: now,
            tree: DataTree::new(),
            last_zxid: 0,
            sessions,
            watches: Watches::new(single_mode),
            conns: BTreeMap::new(),
            outputs: Outputs::default(),
            next_conn: 1,
            received: 0,
            sent: 0,
            next_reap,
        }
    }

    /// A server carrying on from `snapshot` (see [`Server::snapshot`]): the same tree and
    /// zxid, and the same sessions, each with a full timeout from `now` for its client to
    /// re-attach (with the same id and password) before it expires, as after a ZooKeeper
    /// restart.
    ///
    /// # Errors
    ///
    /// [`SnapshotError`] if the bytes are not a snapshot or are damaged.
    pub fn restore(
        config: ServerConfig,
        snapshot: &[u8],
        now: Instant,
    ) -> Result<Server, SnapshotError> {
        let snapshot = crate::snapshot::decode(snapshot)?;
        let mut server = Server::new(config, now);
        server.tree = snapshot.tree;
        server.last_zxid = snapshot.last_zxid;
        for (id, timeout_ms) in snapshot.sessions {
            server.sessions.restore(id, timeout_ms, now);
        }
        Ok(server)
    }

    /// The state a restart keeps, as bytes for [`Server::restore`]: the tree, the last
    /// zxid and the live sessions. Connections and watches are not kept (clients re-send
    /// their watches when they reconnect).
    pub fn snapshot(&self) -> Vec<u8> {
        crate::snapshot::encode(self.last_zxid, &self.tree, &self.sessions.timeouts())
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// A connection was accepted from `peer` (its address, for `ip` ACLs and whoAmI; `None`
    /// if unknown). Returns the id to pass with its input.
    pub fn accept(&mut self, peer: Option<IpAddr>, now: Instant) -> ConnectionId {
        self.accept_from(peer.map(|ip| SocketAddr::new(ip, 0)), now)
    }

    /// [`accept`](Server::accept) with the peer's whole socket address, which the
    /// four-letter words `stat` and `cons` show.
    pub fn accept_from(&mut self, peer: Option<SocketAddr>, now: Instant) -> ConnectionId {
        let id = ConnectionId::new(self.next_conn);
        self.next_conn += 1;
        self.conns
            .insert(id, Connection::new(peer, self.config.max_buffer, now));
        id
    }

    /// Bytes arrived on a connection. Requests are answered as soon as they are complete;
    /// bytes for a connection the server has closed or never accepted are ignored.
    pub fn handle_data(&mut self, conn: ConnectionId, data: &[u8], now: Instant) {
        self.receive(conn, data, now);
    }

    /// The peer closed the connection (or it failed). Its session lives on until it expires.
    pub fn handle_closed(&mut self, conn: ConnectionId, _now: Instant) {
        self.forget(conn);
    }

    /// Lets due timers fire: expired sessions end (their ephemerals are deleted and their
    /// connections closed), connections that never sent a ConnectRequest in time are closed,
    /// and the reaper deletes empty containers and expired TTL nodes. A no-op when nothing is
    /// due.
    pub fn handle_timeout(&mut self, now: Instant) {
        for id in self.sessions.expired(now) {
            self.expire(id);
        }
        let stale: Vec<ConnectionId> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.session.is_none() && c.opened + self.config.sessionless_timeout <= now
            })
            .map(|(id, _)| *id)
            .collect();
        for conn in stale {
            self.close(conn);
        }
        if now >= self.next_reap {
            self.reap(now);
            let interval = self
                .config
                .container_check_interval
                .max(Duration::from_millis(1));
            while self.next_reap <= now {
                self.next_reap += interval;
            }
        }
    }

    /// The next thing for the driver to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop()
    }

    /// When [`handle_timeout`](Server::handle_timeout) is next due, if anything is pending.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let sessionless = self
            .conns
            .values()
            .filter(|c| c.session.is_none())
            .map(|c| c.opened + self.config.sessionless_timeout)
            .min();
        let reap = self.tree.has_reapable().then_some(self.next_reap);
        [self.sessions.next_deadline(), sessionless, reap]
            .into_iter()
            .flatten()
            .min()
    }

    /// Ends a session now, as if it had timed out: its ephemerals are deleted (with their
    /// watch events) and its connection is closed. False if no such session is live.
    pub fn expire_session(&mut self, session_id: i64) -> bool {
        if self.sessions.get(session_id).is_none() {
            return false;
        }
        self.expire(session_id);
        true
    }

    /// Closes a connection from the server's side, as a network failure would; its session
    /// lives on until it expires.
    pub fn close_connection(&mut self, conn: ConnectionId) {
        self.close(conn);
    }

    /// The zxid of the last transaction applied.
    pub fn last_zxid(&self) -> i64 {
        self.last_zxid
    }

    /// Number of live sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Live session ids, in order.
    pub fn session_ids(&self) -> Vec<i64> {
        self.sessions.ids().collect()
    }

    /// Number of open connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Number of znodes, the root and `/zookeeper`'s nodes included.
    pub fn node_count(&self) -> usize {
        self.tree.len()
    }

    /// Number of watch registrations (connection, path and manager).
    pub fn watch_count(&self) -> usize {
        self.watches.data.len() + self.watches.child.len()
    }

    /// The Stat of the node at `path`, as a client would see it.
    pub fn stat(&self, path: &str) -> Option<Stat> {
        self.tree.get(path).map(|n| n.stat())
    }

    /// The data of the node at `path`: `Some(None)` for null data.
    pub fn data(&self, path: &str) -> Option<Option<Bytes>> {
        self.tree.get(path).map(|n| n.data.clone())
    }

    /// The child names of the node at `path`, sorted.
    pub fn children(&self, path: &str) -> Option<Vec<String>> {
        self.tree
            .get(path)
            .map(|n| n.children.iter().cloned().collect())
    }

    /// The release this server answers as.
    fn personality(&self) -> crate::personality::Personality {
        crate::personality::Personality(self.config.version)
    }

    /// Wall-clock milliseconds at `now`: node times come from here.
    fn wall_ms(&self, now: Instant) -> i64 {
        let elapsed = now.saturating_duration_since(self.start).as_millis();
        self.config
            .start_time_ms
            .saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX))
    }

    /// The next transaction's zxid: every write, session creation and session end takes one,
    /// even when it fails.
    fn next_zxid(&mut self) -> i64 {
        self.last_zxid += 1;
        self.last_zxid
    }

    /// Counts one frame sent to `conn`, and what it answered (for the four-letter words).
    fn count_sent(&mut self, conn: ConnectionId, answered: Option<(i32, i64)>) {
        self.sent += 1;
        if let Some(connection) = self.conns.get_mut(&conn) {
            connection.sent += 1;
            if let Some((xid, zxid)) = answered {
                connection.last_cxid = xid;
                connection.last_zxid = zxid;
            }
        }
    }

    /// Closes a connection from this side: its bytes already queued go first.
    fn close(&mut self, conn: ConnectionId) {
        if self.forget(conn) {
            self.outputs.close(conn);
        }
    }

    /// Drops everything a connection holds (its watches; its session stays). Whether it was
    /// open.
    fn forget(&mut self, conn: ConnectionId) -> bool {
        let Some(connection) = self.conns.remove(&conn) else {
            return false;
        };
        self.watches.remove_connection(conn);
        if let Some(session) = connection.session {
            self.sessions.detach(session, conn);
        }
        true
    }
}
