//! The `lease_holder` record, byte for byte as kazoo writes it: Python's `json.dumps` of
//! `{"version": 1, "holder": <identifier>, "end": <naive UTC, "%Y-%m-%dT%H:%M:%S">}`, e.g.
//! `{"version": 1, "holder": "me", "end": "2026-11-22T19:05:11"}`.
//!
//! `json.dumps` by default separates with `", "` and `": "`, and escapes everything outside
//! printable ASCII as `\uXXXX` (UTF-16 units, lowercase hex; `ensure_ascii`): a serde_json
//! [`Formatter`] reproduces both. Dates are `strftime`/`strptime` with that format, through
//! the `time` crate.

use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::ser::{SerializeMap, Serializer as _};
use serde_json::ser::{Formatter, Serializer};
use serde_json::{Map, Value};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::error::{RecipeError, Result};

/// The record format version kazoo writes (and the only one it takes leases over).
pub const LEASE_VERSION: i64 = 1;

/// The content of a `lease_holder` node.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaseRecord {
    /// The format version ([`LEASE_VERSION`]).
    pub version: i64,
    /// The identifier of the holder.
    pub holder: String,
    /// When the lease ends, to the second.
    pub end: SystemTime,
}

impl LeaseRecord {
    /// A record of the current version: `holder` holds the lease until `end` (to the second:
    /// the fraction is dropped, as `strftime` drops it).
    pub fn new(holder: impl Into<String>, end: SystemTime) -> LeaseRecord {
        LeaseRecord {
            version: LEASE_VERSION,
            holder: holder.into(),
            end: truncate(end),
        }
    }

    /// The node data, byte for byte as kazoo writes it.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing plain values into a Vec cannot fail.
        let written = self.write(&mut out);
        debug_assert!(written.is_ok());
        out
    }

    /// Writes the fields in kazoo's order.
    fn write(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut json = Serializer::with_formatter(out, PythonFormatter);
        let mut map = (&mut json).serialize_map(Some(3))?;
        map.serialize_entry("version", &self.version)?;
        map.serialize_entry("holder", &self.holder)?;
        map.serialize_entry("end", &format_date(self.end))?;
        map.end()
    }

    /// Reads a `lease_holder` node written by kazoo or by [`encode`](LeaseRecord::encode).
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`] if the data is not such a record (not JSON, not an
    /// object, or without a string `holder` or a valid `end`).
    pub fn decode(data: &[u8]) -> Result<LeaseRecord> {
        let fields = Fields::decode(data)?;
        let holder = match fields.0.get("holder") {
            Some(Value::String(holder)) => holder.clone(),
            _ => return Err(malformed("no holder")),
        };
        Ok(LeaseRecord {
            version: fields.version()?,
            holder,
            end: fields.end()?,
        })
    }
}

pub(super) fn malformed(what: &str) -> RecipeError {
    RecipeError::Inconsistent(format!("malformed lease record: {what}"))
}

/// A record's fields as `json.loads` reads them (the last of duplicate keys wins).
pub(super) struct Fields(Map<String, Value>);

impl Fields {
    pub(super) fn decode(data: &[u8]) -> Result<Fields> {
        match serde_json::from_slice(data) {
            Ok(Value::Object(fields)) => Ok(Fields(fields)),
            _ => Err(malformed("not a JSON object")),
        }
    }

    /// The version; a version that is no integer is one this crate does not know.
    pub(super) fn version(&self) -> Result<i64> {
        match self.0.get("version") {
            Some(Value::Number(n)) => Ok(n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .unwrap_or(i64::MIN)),
            Some(_) => Ok(i64::MIN),
            None => Err(malformed("no version")),
        }
    }

    /// Whether the holder is `identifier` (kazoo compares whatever JSON value it is).
    pub(super) fn held_by(&self, identifier: &str) -> bool {
        matches!(self.0.get("holder"), Some(Value::String(holder)) if holder == identifier)
    }

    pub(super) fn end(&self) -> Result<SystemTime> {
        match self.0.get("end") {
            Some(Value::String(end)) => {
                parse_date(end).ok_or_else(|| malformed("end is not %Y-%m-%dT%H:%M:%S"))
            }
            _ => Err(malformed("no end")),
        }
    }
}

/// `json.dumps`'s defaults (see the module docs).
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Quotes, backslashes and control characters come as char escapes, which serde_json
        // writes as Python does (`\"`, `\\`, `\n`, ..., `\u0001`).
        for c in fragment.chars() {
            if (' '..='~').contains(&c) {
                w.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// Whole seconds since the epoch, rounded towards the past.
fn seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            if before.subsec_nanos() > 0 {
                -whole - 1
            } else {
                -whole
            }
        }
    }
}

/// The time as a date the format can write (years 1 to 9999 with `strftime`, clamped).
fn to_date(time: SystemTime) -> OffsetDateTime {
    let secs = seconds(time);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or_else(|_| {
        if secs < 0 {
            PrimitiveDateTime::MIN.assume_utc()
        } else {
            PrimitiveDateTime::MAX.assume_utc()
        }
    })
}

/// Drops the fraction of a second, as `strftime` does.
pub(super) fn truncate(time: SystemTime) -> SystemTime {
    SystemTime::from(to_date(time))
}

/// `strftime("%Y-%m-%dT%H:%M:%S")` of a naive UTC time.
pub(super) fn format_date(time: SystemTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    to_date(time).format(format).unwrap_or_default()
}

/// What `strptime(text, "%Y-%m-%dT%H:%M:%S")` accepts: a four-digit year, the other fields
/// with one or two digits, and a valid date and time.
pub(super) fn parse_date(text: &str) -> Option<SystemTime> {
    let format = format_description!(
        "[year]-[month padding:none]-[day padding:none]T[hour padding:none]:[minute padding:none]:[second padding:none]"
    );
    // `%Y` takes no sign.
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let date = PrimitiveDateTime::parse(text, format).ok()?;
    Some(SystemTime::from(date.assume_utc()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn records_are_written_as_kazoo_writes_them() {
        let end = parse_date("2026-11-22T19:05:11").unwrap();
        let record = LeaseRecord::new("me", end);
        assert_eq!(
            record.encode(),
            br#"{"version": 1, "holder": "me", "end": "2026-11-22T19:05:11"}"#
        );
        assert_eq!(LeaseRecord::decode(&record.encode()).unwrap(), record);
        let fancy = LeaseRecord::new("h\u{e9}\"\\\n\u{1F600}\u{1}\u{7f}/", end);
        let text = String::from_utf8(fancy.encode()).unwrap();
        assert!(
            text.contains(r#""h\u00e9\"\\\n\ud83d\ude00\u0001\u007f/""#),
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
            assert_eq!(format_date(parse_date(text).unwrap()), text);
        }
        assert_eq!(
            parse_date("2026-1-2T3:4:5").map(format_date).as_deref(),
            Some("2026-01-02T03:04:05")
        );
        for bad in [
            "2026-02-30T00:00:00",
            "26-01-01T00:00:00",
            "+2026-01-01T00:00:00",
            "2026-01-01T00:00:60",
            "2026-01-01T00:00:00Z",
            "2026-01-01 00:00:00",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        let t = UNIX_EPOCH + Duration::from_millis(1_500);
        assert_eq!(truncate(t), UNIX_EPOCH + Duration::from_secs(1));
        let before = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(format_date(before), "1969-12-31T23:59:59");
    }

    #[test]
    fn reads_what_python_writes_and_refuses_the_rest() {
        let record = LeaseRecord::decode(
            br#" {"version": 1.0, "holder": "x", "end": "2026-11-22T19:05:11", "holder": "y"} "#,
        )
        .unwrap();
        assert_eq!((record.version, record.holder.as_str()), (1, "y"));
        for bad in [
            &b"{"[..],
            br#"{"version": 1, "holder": "a", "end": "2026-11-22T19:05:11"} x"#,
            br#"[1, 2]"#,
            br#"{"version": 2, "what": "else"}"#,
            b"\xff",
        ] {
            assert!(LeaseRecord::decode(bad).is_err());
        }
        let other = Fields::decode(br#"{"version": 2}"#).unwrap();
        assert_eq!(other.version().unwrap(), 2);
        let odd = Fields::decode(br#"{"version": "1", "holder": 7}"#).unwrap();
        assert_eq!(odd.version().unwrap(), i64::MIN);
        assert!(!odd.held_by("7"));
        // Deeply nested input is refused, not a stack overflow.
        let deep = "[".repeat(100_000);
        assert!(LeaseRecord::decode(deep.as_bytes()).is_err());
    }
}
