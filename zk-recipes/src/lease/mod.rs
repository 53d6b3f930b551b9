//! kazoo's leases (KAZOO.md §3.10): [`NonBlockingLease`] and [`MultiNonBlockingLease`], on
//! kazoo's znode protocol, so Rust and Python processes share the same leases.
//!
//! # Nodes
//!
//! Under the lease path (created persistent if missing):
//!
//! - a kazoo [`Lock`] whose contenders live in the lease path itself, serializing the check;
//! - `lease_holder`, a persistent node holding what `json.dumps` writes for
//!   `{"version": 1, "holder": <identifier>, "end": <naive UTC, "%Y-%m-%dT%H:%M:%S">}`, e.g.
//!   `{"version": 1, "holder": "me", "end": "2026-11-22T19:05:11"}` (non-ASCII escaped as
//!   `\uXXXX`, as Python's default `ensure_ascii` does).
//!
//! Under the lock, a lease is obtained when there is no holder node, or its holder is this
//! identifier (a renewal), or its end has passed; a record of another version is left alone.
//! The old record is replaced by `now + duration`. Like kazoo, leases trust the clients' clocks
//! to be roughly synchronized.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zk_client::{Client, CreateMode, Error};

use crate::error::{RecipeError, Result};
use crate::lock::Lock;
use crate::lock::util::{hostname, join, retry_transient};

/// The record format version kazoo writes (and the only one it takes leases over).
pub const LEASE_VERSION: i64 = 1;

/// A clock returning the current time (UTC is taken from [`SystemTime`]).
type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The content of a `lease_holder` node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRecord {
    /// The format version (`1`).
    pub version: i64,
    /// The identifier of the holder.
    pub holder: String,
    /// When the lease ends, to the second.
    pub end: SystemTime,
}

impl LeaseRecord {
    /// The node data, byte for byte as kazoo writes it.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = String::from("{\"version\": ");
        out.push_str(&self.version.to_string());
        out.push_str(", \"holder\": ");
        json::write_string(&mut out, &self.holder);
        out.push_str(", \"end\": ");
        json::write_string(&mut out, &date::format(self.end));
        out.push('}');
        out.into_bytes()
    }

    /// Reads a `lease_holder` node written by kazoo or by [`encode`](LeaseRecord::encode).
    pub fn decode(data: &[u8]) -> Result<LeaseRecord> {
        let fields = decode_object(data)?;
        let version = fields.version()?;
        let holder = match fields.get("holder") {
            Some(json::Value::String(holder)) => holder.clone(),
            _ => return Err(malformed("no holder")),
        };
        let end = match fields.get("end") {
            Some(json::Value::String(end)) => {
                date::parse(end).ok_or_else(|| malformed("end is not %Y-%m-%dT%H:%M:%S"))?
            }
            _ => return Err(malformed("no end")),
        };
        Ok(LeaseRecord {
            version,
            holder,
            end,
        })
    }
}

fn malformed(what: &str) -> RecipeError {
    RecipeError::Inconsistent(format!("malformed lease record: {what}"))
}

struct Fields(Vec<(String, json::Value)>);

impl Fields {
    fn get(&self, key: &str) -> Option<&json::Value> {
        // Python's json keeps the last of duplicate keys.
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn version(&self) -> Result<i64> {
        match self.get("version") {
            Some(json::Value::Number(n)) if n.fract() == 0.0 => Ok(*n as i64),
            Some(_) => Ok(i64::MIN),
            None => Err(malformed("no version")),
        }
    }
}

fn decode_object(data: &[u8]) -> Result<Fields> {
    let text = std::str::from_utf8(data).map_err(|_| malformed("not UTF-8"))?;
    match json::parse(text) {
        Some(json::Value::Object(fields)) => Ok(Fields(fields)),
        _ => Err(malformed("not a JSON object")),
    }
}

/// kazoo's `NonBlockingLease(client, path, duration, identifier, utcnow)`: an exclusive lease
/// for a duration, taken without waiting for the current holder.
///
/// The holder may renew it by obtaining it again with the same identifier. Nothing is held on
/// the session: the lease is a record with an end time, valid even if its holder is gone. The
/// only wait is for the short-lived lock that serializes the check ([`with_lock_timeout`]
/// bounds it).
///
/// [`with_lock_timeout`]: NonBlockingLease::with_lock_timeout
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::NonBlockingLease;
///
/// let lease = NonBlockingLease::new(&client, "/app/leases/hourly-cleanup", Duration::from_secs(70 * 60))
///     .with_identifier("cleanup on host-1");
/// if lease.obtain().await? {
///     // ... run the hourly cleanup; no other host does it for 70 minutes ...
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct NonBlockingLease {
    client: Client,
    path: String,
    duration: Duration,
    identifier: String,
    clock: Clock,
    lock_timeout: Option<Duration>,
}

impl fmt::Debug for NonBlockingLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonBlockingLease")
            .field("path", &self.path)
            .field("duration", &self.duration)
            .field("identifier", &self.identifier)
            .finish_non_exhaustive()
    }
}

impl NonBlockingLease {
    /// A lease on `path` for `duration`, identified by the host name (kazoo's default).
    pub fn new(client: &Client, path: &str, duration: Duration) -> NonBlockingLease {
        NonBlockingLease {
            client: client.clone(),
            path: path.to_owned(),
            duration,
            identifier: hostname(),
            clock: Arc::new(SystemTime::now),
            lock_timeout: None,
        }
    }

    /// The identity of the holder; reuse it to renew.
    pub fn with_identifier(mut self, identifier: &str) -> NonBlockingLease {
        self.identifier = identifier.to_owned();
        self
    }

    /// The clock (kazoo's `utcnow`), for tests.
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How long to wait for the lock that serializes the check (`None`, the default, waits as
    /// kazoo does); when it runs out, [`obtain`](NonBlockingLease::obtain) fails with
    /// [`RecipeError::Timeout`].
    pub fn with_lock_timeout(mut self, timeout: Option<Duration>) -> NonBlockingLease {
        self.lock_timeout = timeout;
        self
    }

    /// The lease path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The identifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Tries to obtain (or renew) the lease: `true` if this identifier holds it now, until
    /// `now + duration`.
    pub async fn obtain(&self) -> Result<bool> {
        let client = &self.client;
        retry_transient(client, || client.ensure_path(&self.path)).await?;
        let lock = Lock::new(client, &self.path).with_identifier(&self.identifier);
        let guard = lock.acquire(self.lock_timeout).await?;
        let outcome = self.obtain_locked().await;
        let released = guard.release().await;
        let obtained = outcome?;
        // A lost lock session does not undo a record already written.
        match released {
            Ok(()) | Err(RecipeError::SessionLost) => Ok(obtained),
            Err(e) => Err(e),
        }
    }

    /// The current record, if there is one.
    pub async fn holder(&self) -> Result<Option<LeaseRecord>> {
        let holder_path = join(&self.path, "lease_holder");
        match self.client.get_data(&holder_path).await {
            Ok((data, _)) => LeaseRecord::decode(&data).map(Some),
            Err(Error::NoNode) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn obtain_locked(&self) -> Result<bool> {
        let client = &self.client;
        let holder_path = join(&self.path, "lease_holder");
        let now = (self.clock)();
        let existing = match retry_transient(client, || client.get_data(&holder_path)).await {
            Ok((data, stat)) => Some((data, stat.version)),
            Err(Error::NoNode) => None,
            Err(e) => return Err(e.into()),
        };
        let record = LeaseRecord {
            version: LEASE_VERSION,
            holder: self.identifier.clone(),
            end: date::truncate(now + self.duration),
        };
        let data = record.encode();
        match existing {
            None => {
                retry_transient(client, || async {
                    match client.create(&holder_path, data.clone()).await {
                        // A retried create whose first attempt went through.
                        Err(Error::NodeExists) => Ok(String::new()),
                        other => other,
                    }
                })
                .await?;
            }
            Some((raw, version)) => {
                let fields = decode_object(&raw)?;
                if fields.version()? != LEASE_VERSION {
                    // A newer format: let a client that knows it take the lease.
                    return Ok(false);
                }
                // kazoo compares the holder as whatever JSON value it is, and needs `end`.
                let is_ours = matches!(
                    fields.get("holder"),
                    Some(json::Value::String(holder)) if *holder == self.identifier
                );
                let end = match fields.get("end") {
                    Some(json::Value::String(end)) => {
                        date::parse(end).ok_or_else(|| malformed("end is not %Y-%m-%dT%H:%M:%S"))?
                    }
                    _ => return Err(malformed("no end")),
                };
                if !is_ours && now < end {
                    return Ok(false);
                }
                // kazoo deletes and creates; one transaction does the same atomically.
                let result = client
                    .transaction()
                    .delete(&holder_path, Some(version))
                    .create(&holder_path, data, CreateMode::Persistent)
                    .commit()
                    .await;
                if let Err(error) = result {
                    return Err(error.error.into());
                }
            }
        }
        Ok(true)
    }
}

/// kazoo's `MultiNonBlockingLease(client, count, path, duration, identifier, utcnow)`: one of
/// `count` leases `path/0` ... `path/<count-1>`, tried in order, for when a limited number of
/// hosts should run a task.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> zk_recipes::Result<()> {
/// use std::time::Duration;
/// use zk_recipes::MultiNonBlockingLease;
///
/// let leases = MultiNonBlockingLease::new(&client, 3, "/app/leases/crawlers", Duration::from_secs(600))
///     .with_identifier("host-4");
/// if let Some(slot) = leases.obtain().await? {
///     println!("crawling as slot {slot}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MultiNonBlockingLease {
    count: u32,
    template: NonBlockingLease,
}

impl MultiNonBlockingLease {
    /// `count` leases under `path`, for `duration`, identified by the host name.
    pub fn new(client: &Client, count: u32, path: &str, duration: Duration) -> Self {
        MultiNonBlockingLease {
            count,
            template: NonBlockingLease::new(client, path, duration),
        }
    }

    /// The identity of the holder; reuse it to renew.
    pub fn with_identifier(self, identifier: &str) -> Self {
        MultiNonBlockingLease {
            count: self.count,
            template: self.template.with_identifier(identifier),
        }
    }

    /// The clock, for tests.
    pub fn with_clock(self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        MultiNonBlockingLease {
            count: self.count,
            template: self.template.with_clock(clock),
        }
    }

    /// See [`NonBlockingLease::with_lock_timeout`].
    pub fn with_lock_timeout(self, timeout: Option<Duration>) -> Self {
        MultiNonBlockingLease {
            count: self.count,
            template: self.template.with_lock_timeout(timeout),
        }
    }

    /// The lease of slot `index` (`path/<index>`).
    pub fn slot(&self, index: u32) -> NonBlockingLease {
        NonBlockingLease {
            path: join(&self.template.path, &index.to_string()),
            ..self.template.clone()
        }
    }

    /// Tries the slots in order and stops at the first one obtained (or renewed): its index,
    /// or `None` if all are held by others.
    pub async fn obtain(&self) -> Result<Option<u32>> {
        for index in 0..self.count {
            if self.slot(index).obtain().await? {
                return Ok(Some(index));
            }
        }
        Ok(None)
    }
}

/// Naive UTC timestamps as `%Y-%m-%dT%H:%M:%S`.
mod date {
    use super::*;

    /// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant).
    fn civil_from_days(days: i64) -> (i64, u32, u32) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    /// (year, month, day) → days since 1970-01-01.
    fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn seconds(time: SystemTime) -> i64 {
        match time.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => {
                let d = e.duration();
                let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                // Floor towards the past.
                if d.subsec_nanos() > 0 {
                    -whole - 1
                } else {
                    -whole
                }
            }
        }
    }

    fn from_seconds(secs: i64) -> SystemTime {
        if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        }
    }

    /// Drops the fraction of a second, as `strftime` does.
    pub(super) fn truncate(time: SystemTime) -> SystemTime {
        from_seconds(seconds(time))
    }

    pub(super) fn format(time: SystemTime) -> String {
        let secs = seconds(time);
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }

    /// Parses what `strptime(text, "%Y-%m-%dT%H:%M:%S")` accepts: a four-digit year, the other
    /// fields with one or two digits.
    pub(super) fn parse(text: &str) -> Option<SystemTime> {
        let (date, time) = text.split_once('T')?;
        let mut date = date.split('-');
        let mut time = time.split(':');
        let field = |part: Option<&str>, min_len: usize, max_len: usize| -> Option<i64> {
            let part = part?;
            (part.len() >= min_len
                && part.len() <= max_len
                && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
        };
        let y = field(date.next(), 4, 4)?;
        let m = field(date.next(), 1, 2)?;
        let d = field(date.next(), 1, 2)?;
        let hh = field(time.next(), 1, 2)?;
        let mm = field(time.next(), 1, 2)?;
        let ss = field(time.next(), 1, 2)?;
        if date.next().is_some() || time.next().is_some() {
            return None;
        }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let month_days = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        let valid = (1..=12).contains(&m)
            && d >= 1
            && d <= month_days[(m - 1) as usize]
            && hh < 24
            && mm < 60
            && ss < 62;
        if !valid {
            return None;
        }
        let days = days_from_civil(y, m as u32, d as u32);
        Some(from_seconds(days * 86_400 + hh * 3600 + mm * 60 + ss))
    }
}

/// The JSON that kazoo's lease records need: Python's `json.dumps` string escaping, and a
/// small parser for what `json.loads` reads.
mod json {
    /// A JSON value.
    #[derive(Debug, Clone, PartialEq)]
    pub(super) enum Value {
        Null,
        Bool(bool),
        Number(f64),
        String(String),
        Array(Vec<Value>),
        Object(Vec<(String, Value)>),
    }

    /// Writes a string as `json.dumps` does with `ensure_ascii=True`.
    pub(super) fn write_string(out: &mut String, s: &str) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    /// Parses one JSON document (surrounding whitespace allowed).
    pub(super) fn parse(text: &str) -> Option<Value> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = parser.value(0)?;
        parser.space();
        (parser.at == parser.bytes.len()).then_some(value)
    }

    struct Parser<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    const MAX_DEPTH: usize = 64;

    impl Parser<'_> {
        fn peek(&self) -> Option<u8> {
            self.bytes.get(self.at).copied()
        }

        fn space(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.at += 1;
            }
        }

        fn eat(&mut self, byte: u8) -> Option<()> {
            self.space();
            (self.peek()? == byte).then(|| self.at += 1)
        }

        fn literal(&mut self, word: &str, value: Value) -> Option<Value> {
            let end = self.at + word.len();
            (self.bytes.get(self.at..end)? == word.as_bytes()).then(|| {
                self.at = end;
                value
            })
        }

        fn value(&mut self, depth: usize) -> Option<Value> {
            if depth > MAX_DEPTH {
                return None;
            }
            self.space();
            match self.peek()? {
                b'{' => {
                    self.at += 1;
                    let mut fields = Vec::new();
                    self.space();
                    if self.peek()? == b'}' {
                        self.at += 1;
                        return Some(Value::Object(fields));
                    }
                    loop {
                        self.space();
                        let key = self.string()?;
                        self.eat(b':')?;
                        let value = self.value(depth + 1)?;
                        fields.push((key, value));
                        self.space();
                        match self.peek()? {
                            b',' => self.at += 1,
                            b'}' => {
                                self.at += 1;
                                return Some(Value::Object(fields));
                            }
                            _ => return None,
                        }
                    }
                }
                b'[' => {
                    self.at += 1;
                    let mut items = Vec::new();
                    self.space();
                    if self.peek()? == b']' {
                        self.at += 1;
                        return Some(Value::Array(items));
                    }
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.space();
                        match self.peek()? {
                            b',' => self.at += 1,
                            b']' => {
                                self.at += 1;
                                return Some(Value::Array(items));
                            }
                            _ => return None,
                        }
                    }
                }
                b'"' => self.string().map(Value::String),
                b't' => self.literal("true", Value::Bool(true)),
                b'f' => self.literal("false", Value::Bool(false)),
                b'n' => self.literal("null", Value::Null),
                _ => self.number(),
            }
        }

        fn number(&mut self) -> Option<Value> {
            let start = self.at;
            while matches!(
                self.peek(),
                Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            ) {
                self.at += 1;
            }
            let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
            let valid_start = text.starts_with(|c: char| c == '-' || c.is_ascii_digit());
            if !valid_start {
                return None;
            }
            text.parse::<f64>().ok().map(Value::Number)
        }

        fn hex4(&mut self) -> Option<u16> {
            let digits = std::str::from_utf8(self.bytes.get(self.at..self.at + 4)?).ok()?;
            let unit = u16::from_str_radix(digits, 16).ok()?;
            self.at += 4;
            Some(unit)
        }

        fn string(&mut self) -> Option<String> {
            if self.peek()? != b'"' {
                return None;
            }
            self.at += 1;
            let mut out = String::new();
            loop {
                let start = self.at;
                while !matches!(self.peek()?, b'"' | b'\\') {
                    self.at += 1;
                }
                out.push_str(std::str::from_utf8(&self.bytes[start..self.at]).ok()?);
                let byte = self.peek()?;
                self.at += 1;
                if byte == b'"' {
                    return Some(out);
                }
                let escaped = self.peek()?;
                self.at += 1;
                match escaped {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let unit = self.hex4()?;
                        let c = if (0xd800..0xdc00).contains(&unit) {
                            let save = self.at;
                            let low = (self.bytes.get(self.at..self.at + 2) == Some(b"\\u"))
                                .then(|| {
                                    self.at += 2;
                                    self.hex4()
                                })
                                .flatten()
                                .filter(|low| (0xdc00..0xe000).contains(low));
                            match low {
                                Some(low) => char::decode_utf16([unit, low]).next()?.ok()?,
                                None => {
                                    self.at = save;
                                    char::REPLACEMENT_CHARACTER
                                }
                            }
                        } else {
                            char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)
                        };
                        out.push(c);
                    }
                    _ => return None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_written_as_kazoo_writes_them() {
        let end = date::parse("2026-11-22T19:05:11").unwrap();
        let record = LeaseRecord {
            version: 1,
            holder: "me".into(),
            end,
        };
        assert_eq!(
            record.encode(),
            br#"{"version": 1, "holder": "me", "end": "2026-11-22T19:05:11"}"#
        );
        assert_eq!(LeaseRecord::decode(&record.encode()).unwrap(), record);
        let fancy = LeaseRecord {
            version: 1,
            holder: "h\u{e9}\"\\\n\u{1F600}\u{1}".into(),
            end,
        };
        let text = String::from_utf8(fancy.encode()).unwrap();
        assert!(
            text.contains(r#""h\u00e9\"\\\n\ud83d\ude00\u0001""#),
            "{text}"
        );
        assert_eq!(LeaseRecord::decode(text.as_bytes()).unwrap(), fancy);
    }

    #[test]
    fn dates_round_trip_and_truncate() {
        for text in [
            "1970-01-01T00:00:00",
            "2000-02-29T23:59:59",
            "2026-11-22T19:05:11",
            "2100-03-01T00:00:01",
        ] {
            assert_eq!(date::format(date::parse(text).unwrap()), text);
        }
        assert_eq!(
            date::parse("2026-1-2T3:4:5").map(date::format).as_deref(),
            Some("2026-01-02T03:04:05")
        );
        assert!(date::parse("2026-02-30T00:00:00").is_none());
        assert!(date::parse("26-01-01T00:00:00").is_none());
        let t = UNIX_EPOCH + Duration::from_millis(1_500);
        assert_eq!(date::truncate(t), UNIX_EPOCH + Duration::from_secs(1));
    }

    #[test]
    fn json_reads_what_python_writes() {
        let v = json::parse(r#" {"a": [1, 2.5e1, true, null], "b": {"c": "\u00e9"}} "#).unwrap();
        let json::Value::Object(fields) = v else {
            panic!("object")
        };
        assert_eq!(fields.len(), 2);
        assert!(json::parse("{").is_none());
        assert!(json::parse(r#"{"a": 1} x"#).is_none());
        let other = LeaseRecord::decode(br#"{"version": 2, "what": "else"}"#);
        assert!(other.is_err());
        assert_eq!(
            decode_object(br#"{"version": 2}"#)
                .unwrap()
                .version()
                .unwrap(),
            2
        );
    }
}
