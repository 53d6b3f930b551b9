//! Session records: [`ConnectRequest`] and [`ConnectResponse`]
//! (`docs/protocol.md#session-records`).

use bytes::{BufMut, Bytes};

use crate::jute::{DecodeError, Reader, Record};

/// The first frame a client sends on a connection (no request header). Its `Debug` never shows
/// the session password.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ConnectRequest {
    /// Always 0; the server ignores it.
    pub protocol_version: i32,
    /// The highest zxid this client has seen; a server that is behind refuses the connection.
    pub last_zxid_seen: i64,
    /// The requested session timeout in milliseconds.
    pub timeout_ms: i32,
    /// 0 for a new session, else the session to re-attach.
    pub session_id: i64,
    /// 16 bytes: zeros for a new session, the session's password for a re-attach.
    pub passwd: Bytes,
    /// "I accept a read-only server". `None` omits the byte, as clients older than 3.4 did.
    pub read_only: Option<bool>,
}

impl Record for ConnectRequest {
    const MIN_LEN: usize = 4 + 8 + 4 + 8 + 4;

    fn encode<B: BufMut>(&self, buf: &mut B) {
        self.protocol_version.encode(buf);
        self.last_zxid_seen.encode(buf);
        self.timeout_ms.encode(buf);
        self.session_id.encode(buf);
        self.passwd.encode(buf);
        if let Some(ro) = self.read_only {
            ro.encode(buf);
        }
    }

    fn encoded_len(&self) -> usize {
        Self::MIN_LEN + self.passwd.len() + usize::from(self.read_only.is_some())
    }

    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(ConnectRequest {
            protocol_version: r.read_i32()?,
            last_zxid_seen: r.read_i64()?,
            timeout_ms: r.read_i32()?,
            session_id: r.read_i64()?,
            passwd: Bytes::decode(r)?,
            read_only: optional_bool(r)?,
        })
    }
}

/// The first frame a server sends on a connection (no reply header). Its `Debug` never shows
/// the session password.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ConnectResponse {
    /// Always 0.
    pub protocol_version: i32,
    /// The negotiated timeout in milliseconds; `<= 0` means the session is expired or invalid
    /// (the server then closes the connection).
    pub timeout_ms: i32,
    /// The session id; 0 when the session is invalid.
    pub session_id: i64,
    /// The session password (16 bytes).
    pub passwd: Bytes,
    /// Whether the server is read-only. `None` when the server omitted the byte (servers
    /// 3.4 to 3.8 omit it for clients that did not send theirs).
    pub read_only: Option<bool>,
}

impl ConnectResponse {
    /// Whether the server refused the session as expired, closed or unknown.
    pub fn is_expired(&self) -> bool {
        self.timeout_ms <= 0
    }
}

impl Record for ConnectResponse {
    const MIN_LEN: usize = 4 + 4 + 8 + 4;

    fn encode<B: BufMut>(&self, buf: &mut B) {
        self.protocol_version.encode(buf);
        self.timeout_ms.encode(buf);
        self.session_id.encode(buf);
        self.passwd.encode(buf);
        if let Some(ro) = self.read_only {
            ro.encode(buf);
        }
    }

    fn encoded_len(&self) -> usize {
        Self::MIN_LEN + self.passwd.len() + usize::from(self.read_only.is_some())
    }

    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(ConnectResponse {
            protocol_version: r.read_i32()?,
            timeout_ms: r.read_i32()?,
            session_id: r.read_i64()?,
            passwd: Bytes::decode(r)?,
            read_only: optional_bool(r)?,
        })
    }
}

/// The trailing read-only byte is optional in both directions: read it only if present, as the
/// Java client does (it treats EOF as "old peer").
fn optional_bool(r: &mut Reader) -> Result<Option<bool>, DecodeError> {
    if r.remaining() == 0 {
        Ok(None)
    } else {
        r.read_bool().map(Some)
    }
}

impl std::fmt::Debug for ConnectRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("protocol_version", &self.protocol_version)
            .field("last_zxid_seen", &self.last_zxid_seen)
            .field("timeout_ms", &self.timeout_ms)
            .field("session_id", &format_args!("{:#x}", self.session_id))
            .field("passwd", &crate::jute::Redacted(&self.passwd))
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl std::fmt::Debug for ConnectResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectResponse")
            .field("protocol_version", &self.protocol_version)
            .field("timeout_ms", &self.timeout_ms)
            .field("session_id", &format_args!("{:#x}", self.session_id))
            .field("passwd", &crate::jute::Redacted(&self.passwd))
            .field("read_only", &self.read_only)
            .finish()
    }
}
