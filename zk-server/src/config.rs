//! The server's settings, named after the ZooKeeper properties they mirror.

use std::time::Duration;

/// How a [`Server`](crate::Server) behaves. Every default is ZooKeeper's, except where a
/// field says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// `tickTime`: the unit of session timeouts and of their expiry checks. 2000 ms.
    pub tick_time: Duration,
    /// `minSessionTimeout`; `None` for 2 ticks.
    pub min_session_timeout: Option<Duration>,
    /// `maxSessionTimeout`; `None` for 20 ticks.
    pub max_session_timeout: Option<Duration>,
    /// `jute.maxbuffer`: the largest frame accepted, in bytes (0xfffff). A larger one closes
    /// the connection without a reply.
    pub max_buffer: usize,
    /// `zookeeper.DigestAuthenticationProvider.superDigest`: a `super:BASE64(SHA1)` digest
    /// id; a connection that authenticates with the matching `digest` credential may do
    /// anything. `None` (the default) disables the super user.
    pub super_digest: Option<String>,
    /// `zookeeper.extendedTypesEnabled`: whether TTL nodes may be created. **On by default**
    /// (ZooKeeper's default is off), since clients under test usually want them; without it
    /// createTTL gets Unimplemented.
    pub extended_types_enabled: bool,
    /// `znode.container.checkIntervalMs`: how often empty containers and expired TTL nodes
    /// are deleted. 60 s.
    pub container_check_interval: Duration,
    /// `zookeeper.nio.sessionlessCnxnTimeout`: how long a connection may stay open without
    /// sending its ConnectRequest. 10 s.
    pub sessionless_timeout: Duration,
    /// The server id in the top byte of session ids (1, as a standalone ZooKeeper uses).
    pub server_id: u8,
    /// The release to answer as (3.9.3 by default): which opcodes exist, the zxid in
    /// notifications, create results in multi, the persistent watcher types, the READ
    /// checks of exists and of notifications, the read-only byte of 3.9.0 to 3.9.2, the watch
    /// modes and watch checks of releases before 3.9, and the version `srvr` reports.
    pub version: zk_proto::ServerVersion,
    /// Whether notifications go only to connections with READ on the node
    /// (CVE-2024-23944); `None` (the default) follows [`version`](Self::version): 3.8.4+
    /// and 3.9.2+. Distributions backport the fix alone: Debian's 3.8.0-11+deb12u2 filters,
    /// while its exists still checks no ACL.
    pub filter_events_by_acl: Option<bool>,
    /// Answer as a read-only server does (a quorum member cut off from its quorum, with
    /// `readonlymode.enabled` and local sessions): only clients that accept a read-only
    /// server may connect (others are closed without a reply), every ConnectResponse says
    /// read-only, writes and sync get NotReadOnly, sessions are local (no transactions),
    /// `isro` answers `ro`. Off by default.
    pub read_only: bool,
    /// The client port, as the `conf` four-letter word reports it (the core listens on
    /// nothing; the embedded runner sets the port it bound). 2181.
    pub client_port: u16,
    /// The wall clock, in milliseconds since the epoch, at the `now` the server was created
    /// with: node times (`ctime`, `mtime`) and session ids derive from it and the `Instant`s
    /// passed in since. 0 by default, so that a run is reproducible; the embedded runner sets
    /// the real time.
    pub start_time_ms: i64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            tick_time: Duration::from_millis(2000),
            min_session_timeout: None,
            max_session_timeout: None,
            max_buffer: zk_proto::frame::DEFAULT_MAX_FRAME,
            super_digest: None,
            extended_types_enabled: true,
            container_check_interval: Duration::from_secs(60),
            sessionless_timeout: Duration::from_secs(10),
            server_id: 1,
            version: zk_proto::ServerVersion::new(3, 9, 3),
            filter_events_by_acl: None,
            read_only: false,
            client_port: zk_proto::DEFAULT_PORT,
            start_time_ms: 0,
        }
    }
}

impl ServerConfig {
    /// Sets [`tick_time`](Self::tick_time).
    #[must_use]
    pub fn with_tick_time(mut self, tick: Duration) -> Self {
        self.tick_time = tick;
        self
    }

    /// Sets [`min_session_timeout`](Self::min_session_timeout).
    #[must_use]
    pub fn with_min_session_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.min_session_timeout = timeout;
        self
    }

    /// Sets [`max_session_timeout`](Self::max_session_timeout).
    #[must_use]
    pub fn with_max_session_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.max_session_timeout = timeout;
        self
    }

    /// Sets [`max_buffer`](Self::max_buffer).
    #[must_use]
    pub fn with_max_buffer(mut self, bytes: usize) -> Self {
        self.max_buffer = bytes;
        self
    }

    /// Sets [`super_digest`](Self::super_digest).
    #[must_use]
    pub fn with_super_digest(mut self, digest: Option<String>) -> Self {
        self.super_digest = digest;
        self
    }

    /// Sets [`extended_types_enabled`](Self::extended_types_enabled).
    #[must_use]
    pub fn with_extended_types_enabled(mut self, enabled: bool) -> Self {
        self.extended_types_enabled = enabled;
        self
    }

    /// Sets [`container_check_interval`](Self::container_check_interval).
    #[must_use]
    pub fn with_container_check_interval(mut self, interval: Duration) -> Self {
        self.container_check_interval = interval;
        self
    }

    /// Sets [`sessionless_timeout`](Self::sessionless_timeout).
    #[must_use]
    pub fn with_sessionless_timeout(mut self, timeout: Duration) -> Self {
        self.sessionless_timeout = timeout;
        self
    }

    /// Sets [`server_id`](Self::server_id).
    #[must_use]
    pub fn with_server_id(mut self, id: u8) -> Self {
        self.server_id = id;
        self
    }

    /// Sets [`version`](Self::version).
    #[must_use]
    pub fn with_version(mut self, version: zk_proto::ServerVersion) -> Self {
        self.version = version;
        self
    }

    /// Sets [`filter_events_by_acl`](Self::filter_events_by_acl).
    #[must_use]
    pub fn with_filter_events_by_acl(mut self, filter: Option<bool>) -> Self {
        self.filter_events_by_acl = filter;
        self
    }

    /// Sets [`read_only`](Self::read_only).
    #[must_use]
    pub fn with_read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// Sets [`client_port`](Self::client_port).
    #[must_use]
    pub fn with_client_port(mut self, port: u16) -> Self {
        self.client_port = port;
        self
    }

    /// Sets [`start_time_ms`](Self::start_time_ms).
    #[must_use]
    pub fn with_start_time_ms(mut self, ms: i64) -> Self {
        self.start_time_ms = ms;
        self
    }

    /// The negotiated timeout for a requested one, in milliseconds: clamped to
    /// `[min, max]`.
    pub(crate) fn negotiate(&self, requested_ms: i32) -> i32 {
        let ms = |d: Duration| i32::try_from(d.as_millis()).unwrap_or(i32::MAX);
        let tick = ms(self.tick_time);
        let min = self.min_session_timeout.map_or(tick.saturating_mul(2), ms);
        let max = self.max_session_timeout.map_or(tick.saturating_mul(20), ms);
        requested_ms.max(min).min(max.max(min))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_clamped_to_the_tick_bounds() {
        let config = ServerConfig::default();
        assert_eq!(config.negotiate(3000), 4000);
        assert_eq!(config.negotiate(30_000), 30_000);
        assert_eq!(config.negotiate(100_000), 40_000);
        assert_eq!(config.negotiate(-5), 4000);
        let config = config
            .with_tick_time(Duration::from_millis(100))
            .with_max_session_timeout(Some(Duration::from_secs(1)));
        assert_eq!((config.negotiate(1), config.negotiate(5000)), (200, 1000));
    }
}
