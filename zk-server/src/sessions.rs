//! Sessions: ids, negotiated timeouts and expiry (ZooKeeper's `SessionTrackerImpl`).
//!
//! Expiry works in ticks, as ZooKeeper's `ExpiryQueue` does: each touch moves a session's
//! deadline to `now + timeout` rounded up to the next multiple of tickTime (counted from the
//! server's start), and a session expires once that deadline has passed with no traffic.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::ids::ConnectionId;

/// One live session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The negotiated timeout in milliseconds.
    pub(crate) timeout_ms: i32,
    /// When it expires unless touched.
    pub(crate) deadline: Instant,
    /// The connection currently attached, if any.
    pub(crate) conn: Option<ConnectionId>,
}

/// Every live session.
#[derive(Debug)]
pub(crate) struct Sessions {
    next_id: i64,
    start: Instant,
    tick: Duration,
    live: BTreeMap<i64, Session>,
}

impl Sessions {
    /// Ids start where ZooKeeper's do (`initializeNextSessionId`): the server id in the top
    /// byte, then the start time in milliseconds shifted into the next 40 bits.
    pub(crate) fn new(server_id: u8, start_ms: i64, tick: Duration, start: Instant) -> Sessions {
        let mut next_id = (((start_ms << 24) as u64) >> 8) as i64 | (i64::from(server_id) << 56);
        if next_id == i64::MIN {
            // That value marks containers.
            next_id += 1;
        }
        Sessions {
            next_id,
            start,
            tick: tick.max(Duration::from_millis(1)),
            live: BTreeMap::new(),
        }
    }

    /// The deadline for a touch at `now`: rounded up to the next tick boundary.
    fn deadline(&self, now: Instant, timeout_ms: i32) -> Instant {
        let tick = self.tick.as_millis().max(1);
        let at = now.saturating_duration_since(self.start).as_millis()
            + u128::from(timeout_ms.max(0).unsigned_abs());
        let rounded = (at / tick + 1) * tick;
        self.start + Duration::from_millis(u64::try_from(rounded).unwrap_or(u64::MAX / 2))
    }

    /// A new session on `conn`; its id.
    pub(crate) fn create(&mut self, timeout_ms: i32, conn: ConnectionId, now: Instant) -> i64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let deadline = self.deadline(now, timeout_ms);
        self.live.insert(
            id,
            Session {
                timeout_ms,
                deadline,
                conn: Some(conn),
            },
        );
        id
    }

    /// Brings back a session from a snapshot: no connection, a full timeout from `now` to
    /// re-attach. Later ids do not collide with it.
    pub(crate) fn restore(&mut self, id: i64, timeout_ms: i32, now: Instant) {
        let deadline = self.deadline(now, timeout_ms);
        self.live.insert(
            id,
            Session {
                timeout_ms,
                deadline,
                conn: None,
            },
        );
        if id >= self.next_id {
            self.next_id = id.wrapping_add(1);
        }
    }

    /// Every live session and its timeout, in id order.
    pub(crate) fn timeouts(&self) -> Vec<(i64, i32)> {
        self.live
            .iter()
            .map(|(id, s)| (*id, s.timeout_ms))
            .collect()
    }

    /// The session `id`, if it is live.
    pub(crate) fn get(&self, id: i64) -> Option<&Session> {
        self.live.get(&id)
    }

    /// Attaches a connection and renegotiates the timeout; false if the session is gone.
    pub(crate) fn reattach(
        &mut self,
        id: i64,
        timeout_ms: i32,
        conn: ConnectionId,
        now: Instant,
    ) -> bool {
        let deadline = self.deadline(now, timeout_ms);
        match self.live.get_mut(&id) {
            Some(session) => {
                session.timeout_ms = timeout_ms;
                session.deadline = deadline;
                session.conn = Some(conn);
                true
            }
            None => false,
        }
    }

    /// Traffic on the session: its deadline moves.
    pub(crate) fn touch(&mut self, id: i64, now: Instant) {
        if let Some(timeout) = self.live.get(&id).map(|s| s.timeout_ms) {
            let deadline = self.deadline(now, timeout);
            if let Some(session) = self.live.get_mut(&id) {
                session.deadline = session.deadline.max(deadline);
            }
        }
    }

    /// The connection left; the session lives on until its deadline.
    pub(crate) fn detach(&mut self, id: i64, conn: ConnectionId) {
        if let Some(session) = self.live.get_mut(&id) {
            if session.conn == Some(conn) {
                session.conn = None;
            }
        }
    }

    /// Ends a session (closed or expired); its connection, if any.
    pub(crate) fn remove(&mut self, id: i64) -> Option<Session> {
        self.live.remove(&id)
    }

    /// Sessions whose deadline has passed, in id order.
    pub(crate) fn expired(&self, now: Instant) -> Vec<i64> {
        self.live
            .iter()
            .filter(|(_, s)| s.deadline <= now)
            .map(|(id, _)| *id)
            .collect()
    }

    /// The earliest deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.live.values().map(|s| s.deadline).min()
    }

    /// Number of live sessions.
    pub(crate) fn len(&self) -> usize {
        self.live.len()
    }

    /// Live session ids, in order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.live.keys().copied()
    }
}

#[cfg(test)]
// Tests take any starting instant: only the core itself may not read the clock.
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_the_server_id_and_start_time() {
        let now = Instant::now();
        let mut s = Sessions::new(1, 0x1a2_04ad_82b4, Duration::from_secs(2), now);
        let conn = ConnectionId::new(1);
        let a = s.create(4000, conn, now);
        let b = s.create(4000, conn, now);
        assert_eq!((a as u64) >> 56, 1);
        assert_eq!(b, a + 1);
        // The start time's low 40 bits, in bits 16 to 55.
        assert_eq!((a >> 16) & 0xff_ffff_ffff, 0x1a2_04ad_82b4 & 0xff_ffff_ffff);
    }

    #[test]
    fn expiry_is_rounded_up_to_the_next_tick() {
        let start = Instant::now();
        let mut s = Sessions::new(1, 0, Duration::from_secs(2), start);
        let conn = ConnectionId::new(1);
        let at = start + Duration::from_millis(500);
        let id = s.create(4000, conn, at);
        // 500 + 4000 = 4500 ms, rounded up to 6000.
        assert_eq!(s.get(id).unwrap().deadline, start + Duration::from_secs(6));
        assert!(s.expired(start + Duration::from_millis(5999)).is_empty());
        assert_eq!(s.expired(start + Duration::from_secs(6)), [id]);
        s.touch(id, start + Duration::from_millis(3000));
        assert_eq!(s.next_deadline(), Some(start + Duration::from_secs(8)));
        s.detach(id, conn);
        assert_eq!(s.get(id).unwrap().conn, None);
        assert!(s.remove(id).is_some());
        assert!(!s.reattach(id, 4000, conn, start));
    }
}
