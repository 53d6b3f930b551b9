//! Writing jute primitives into a caller-owned buffer.

use bytes::BufMut;

/// Writes a jute `boolean`.
pub fn write_bool<B: BufMut>(buf: &mut B, value: bool) {
    buf.put_u8(u8::from(value));
}

/// Writes a jute `int`.
pub fn write_i32<B: BufMut>(buf: &mut B, value: i32) {
    buf.put_i32(value);
}

/// Writes a jute `long`.
pub fn write_i64<B: BufMut>(buf: &mut B, value: i64) {
    buf.put_i64(value);
}

/// Writes a length prefix. Lengths are bounded by the frame limit long before they reach
/// `i32::MAX`; a larger one is clamped rather than wrapped so it can never alias -1 (null).
fn write_len<B: BufMut>(buf: &mut B, len: usize) {
    buf.put_i32(i32::try_from(len).unwrap_or(i32::MAX));
}

/// Writes a jute `buffer`; `None` writes the null buffer (length -1).
pub fn write_buffer<B: BufMut>(buf: &mut B, value: Option<&[u8]>) {
    match value {
        None => buf.put_i32(-1),
        Some(bytes) => {
            write_len(buf, bytes.len());
            buf.put_slice(bytes);
        }
    }
}

/// Writes a jute `ustring` as standard UTF-8.
pub fn write_string<B: BufMut>(buf: &mut B, value: &str) {
    write_len(buf, value.len());
    buf.put_slice(value.as_bytes());
}

/// Writes a nullable jute `ustring`.
pub fn write_opt_string<B: BufMut>(buf: &mut B, value: Option<&str>) {
    match value {
        None => buf.put_i32(-1),
        Some(s) => write_string(buf, s),
    }
}

/// Writes a vector's element count.
pub fn write_vec_len<B: BufMut>(buf: &mut B, len: usize) {
    write_len(buf, len);
}
