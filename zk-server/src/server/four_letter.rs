//! Four-letter words: a fresh connection whose first four bytes spell a command gets a text
//! answer in ZooKeeper's shape and is closed. Served: `ruok`, `isro`, `srvr`, `stat`,
//! `conf`, `cons`, `wchs`, `wchc`, `wchp`, `dump`, `envi` and `mntr`, all of them enabled (ZooKeeper 3.5.3+
//! enables only `srvr` unless `4lw.commands.whitelist` says otherwise). Latencies are 0:
//! every request is answered as it arrives.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use super::Server;

impl Server {
    /// The answer to a four-letter word, `None` if `word` is not one (it is then the start
    /// of a frame length).
    pub(super) fn four_letter_word(&self, word: &[u8]) -> Option<String> {
        let mut out = String::new();
        let version = self.version_text();
        match word {
            b"ruok" => out.push_str("imok"),
            // No trailing newline, as ZooKeeper writes it.
            b"isro" => out.push_str(if self.config.read_only { "ro" } else { "rw" }),
            b"srvr" => self.server_stats(&mut out, false),
            b"stat" => self.server_stats(&mut out, true),
            b"conf" => self.conf(&mut out),
            b"cons" => {
                for id in self.conns.keys() {
                    self.connection_line(&mut out, *id, false);
                    out.push('\n');
                }
                out.push('\n');
            }
            b"wchs" => {
                // The data manager's summary, as ZooKeeper prints it.
                let table = &self.watches.data;
                let _ = writeln!(
                    out,
                    "{} connections watching {} paths\nTotal watches:{}",
                    table.connections(),
                    table.paths(),
                    table.len()
                );
            }
            b"wchc" => self.watches_by(&mut out, false),
            b"wchp" => self.watches_by(&mut out, true),
            b"dump" => self.dump(&mut out),
            b"envi" => {
                out.push_str("Environment:\n");
                let _ = writeln!(out, "zookeeper.version={version}, built on {BUILT}");
                let _ = writeln!(out, "os.name={}", std::env::consts::OS);
                let _ = writeln!(out, "os.arch={}", std::env::consts::ARCH);
            }
            b"mntr" => self.monitor(&mut out),
            _ => return None,
        }
        Some(out)
    }

    /// The version as ZooKeeper prints it, marked as this server: `3.9.3-zk-server` (the
    /// part clients parse comes first).
    fn version_text(&self) -> String {
        format!("{}-zk-server", self.config.version)
    }

    fn server_stats(&self, out: &mut String, clients: bool) {
        let version = self.version_text();
        let _ = writeln!(out, "Zookeeper version: {version}, built on {BUILT}");
        if self.config.read_only {
            out.push_str("READ-ONLY mode; serving only read-only clients\n");
        }
        if clients {
            out.push_str("Clients:\n");
            for id in self.conns.keys() {
                self.connection_line(out, *id, true);
                out.push('\n');
            }
            out.push('\n');
        }
        let _ = write!(
            out,
            "Latency min/avg/max: 0/0.0/0\nReceived: {}\nSent: {}\nConnections: {}\n\
             Outstanding: 0\nZxid: 0x{:x}\nMode: {}\nNode count: {}\n",
            self.received,
            self.sent,
            self.conns.len(),
            self.last_zxid,
            self.mode(),
            self.tree.len()
        );
    }

    /// `standalone`, or `read-only`.
    fn mode(&self) -> &'static str {
        if self.config.read_only {
            "read-only"
        } else {
            "standalone"
        }
    }

    fn conf(&self, out: &mut String) {
        let ms = |d: std::time::Duration| d.as_millis();
        let c = &self.config;
        let tick = i64::try_from(ms(c.tick_time)).unwrap_or(i64::MAX);
        let _ = write!(
            out,
            "clientPort={}\nsecureClientPort=-1\ndataDir=(in memory)\ndataDirSize=0\n\
             dataLogDir=(in memory)\ndataLogSize=0\ntickTime={tick}\nmaxClientCnxns=0\n\
             minSessionTimeout={}\nmaxSessionTimeout={}\nclientPortListenBacklog=-1\n\
             serverId={}\n",
            c.client_port,
            c.min_session_timeout
                .map_or(tick * 2, |d| i64::try_from(ms(d)).unwrap_or(i64::MAX)),
            c.max_session_timeout
                .map_or(tick * 20, |d| i64::try_from(ms(d)).unwrap_or(i64::MAX)),
            c.server_id,
        );
    }

    /// ` /addr[1](queued=0,recved=N,sent=M[,sid=...])`, as `ServerCnxn.dumpConnectionInfo`.
    fn connection_line(&self, out: &mut String, id: crate::ConnectionId, brief: bool) {
        let Some(c) = self.conns.get(&id) else {
            return;
        };
        let peer = c
            .peer
            .map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        let _ = write!(
            out,
            " /{peer}[1](queued=0,recved={},sent={}",
            c.received, c.sent
        );
        if let (false, Some(session)) = (brief, c.session) {
            let timeout = self.sessions.get(session).map_or(0, |s| s.timeout_ms);
            let _ = write!(
                out,
                ",sid=0x{:x},lop={},est={},to={timeout}",
                session, c.last_op, c.established_ms
            );
            if c.last_cxid >= 0 {
                let _ = write!(out, ",lcxid=0x{:x}", c.last_cxid);
            }
            let _ = write!(
                out,
                ",lzxid=0x{:x},lresp=0,llat=0,minlat=0,avglat=0,maxlat=0",
                c.last_zxid
            );
        }
        out.push(')');
    }

    /// The data watches (ZooKeeper's `dumpWatches`): by session (`wchc`), each session id
    /// then a tab and a path per line; or by path (`wchp`), each path then a tab and a session
    /// id per line. A connection without a session yet shows as session 0.
    fn watches_by(&self, out: &mut String, by_path: bool) {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (path, conn) in self.watches.data.registrations() {
            let session = self.conns.get(&conn).and_then(|c| c.session).unwrap_or(0);
            let session = format!("0x{session:x}");
            let (key, item) = if by_path {
                (path.to_owned(), session)
            } else {
                (session, path.to_owned())
            };
            groups.entry(key).or_default().push(item);
        }
        for (key, items) in groups {
            let _ = writeln!(out, "{key}");
            for item in items {
                let _ = writeln!(out, "\t{item}");
            }
        }
    }

    fn dump(&self, out: &mut String) {
        out.push_str("SessionTracker dump:\n");
        let mut by_deadline: BTreeMap<Instant, Vec<i64>> = BTreeMap::new();
        for id in self.sessions.ids() {
            if let Some(s) = self.sessions.get(id) {
                by_deadline.entry(s.deadline).or_default().push(id);
            }
        }
        let _ = writeln!(
            out,
            "Session Sets ({})/({}):",
            by_deadline.len(),
            self.sessions.len()
        );
        for (deadline, ids) in &by_deadline {
            let _ = writeln!(
                out,
                "{} expire at {}:",
                ids.len(),
                java_date(self.wall_ms(*deadline))
            );
            for id in ids {
                let _ = writeln!(out, "\t0x{id:x}");
            }
        }
        out.push_str("ephemeral nodes dump:\n");
        let owners: Vec<i64> = self
            .sessions
            .ids()
            .filter(|id| self.tree.ephemerals_of(*id).next().is_some())
            .collect();
        let _ = writeln!(out, "Sessions with Ephemerals ({}):", owners.len());
        for id in owners {
            let _ = writeln!(out, "0x{id:x}:");
            for path in self.tree.ephemerals_of(id) {
                let _ = writeln!(out, "\t{path}");
            }
        }
        out.push_str("Connections dump:\n");
        let _ = writeln!(out, "Connections Sets (0)/({}):", self.conns.len());
    }

    fn monitor(&self, out: &mut String) {
        let ephemerals: usize = self
            .sessions
            .ids()
            .map(|id| self.tree.ephemerals_of(id).count())
            .sum();
        let values: [(&str, String); 14] = [
            (
                "version",
                format!("{}, built on {BUILT}", self.version_text()),
            ),
            ("server_state", self.mode().to_owned()),
            ("avg_latency", "0.0".to_owned()),
            ("max_latency", "0".to_owned()),
            ("min_latency", "0".to_owned()),
            ("packets_received", self.received.to_string()),
            ("packets_sent", self.sent.to_string()),
            ("num_alive_connections", self.conns.len().to_string()),
            ("outstanding_requests", "0".to_owned()),
            ("znode_count", self.tree.len().to_string()),
            ("watch_count", self.watch_count().to_string()),
            ("ephemerals_count", ephemerals.to_string()),
            (
                "approximate_data_size",
                self.tree.approximate_size().to_string(),
            ),
            ("global_sessions", self.sessions.len().to_string()),
        ];
        for (key, value) in values {
            let _ = writeln!(out, "zk_{key}\t{value}");
        }
    }
}

/// The build date in `srvr`'s version line: fixed, since this is not a ZooKeeper build.
const BUILT: &str = "01/01/2026 00:00 GMT";

/// Milliseconds since the epoch as Java's `Date.toString` writes them, in UTC:
/// `Fri Dec 04 03:12:49 UTC 2026`.
fn java_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {day:02} {:02}:{:02}:{:02} UTC {year}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::java_date;

    #[test]
    fn dates_are_javas() {
        assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
        // 2026-12-04 03:12:49 UTC.
        assert_eq!(java_date(1_796_353_969_000), "Fri Dec 04 03:12:49 UTC 2026");
        assert_eq!(java_date(951_782_400_000), "Tue Feb 29 00:00:00 UTC 2000");
    }
}
