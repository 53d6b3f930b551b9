//! Bounds-checked reading of jute primitives from a received frame.

use bytes::{Buf, Bytes};

use super::DecodeError;

/// A cursor over one received frame (or a part of it).
///
/// Every read checks the remaining length first, so truncated or hostile input yields a
/// [`DecodeError`] instead of a panic. Buffers are returned as [`Bytes`] slices of the frame:
/// decoding never copies a payload.
#[derive(Debug, Clone)]
pub struct Reader {
    buf: Bytes,
}

impl Reader {
    /// Reads from `buf`, which is usually one whole frame payload.
    pub fn new(buf: Bytes) -> Self {
        Reader { buf }
    }

    /// Number of bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &Bytes {
        &self.buf
    }

    fn need(&self, needed: usize) -> Result<(), DecodeError> {
        if self.buf.len() < needed {
            Err(DecodeError::UnexpectedEof {
                needed,
                remaining: self.buf.len(),
            })
        } else {
            Ok(())
        }
    }

    /// Reads a jute `boolean`. Like the Java reader, any non-zero byte is `true`.
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnexpectedEof`] when too few bytes are left.
    pub fn read_bool(&mut self) -> Result<bool, DecodeError> {
        self.need(1)?;
        Ok(self.buf.get_u8() != 0)
    }

    /// Reads a jute `int` (big-endian, 4 bytes).
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnexpectedEof`] when too few bytes are left.
    pub fn read_i32(&mut self) -> Result<i32, DecodeError> {
        self.need(4)?;
        Ok(self.buf.get_i32())
    }

    /// Reads a jute `long` (big-endian, 8 bytes).
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnexpectedEof`] when too few bytes are left.
    pub fn read_i64(&mut self) -> Result<i64, DecodeError> {
        self.need(8)?;
        Ok(self.buf.get_i64())
    }

    /// Reads a length prefix; `-1` means null (`None`). The length is checked against the
    /// bytes remaining before anything is allocated or sliced.
    fn read_len(&mut self, min_element: usize) -> Result<Option<usize>, DecodeError> {
        let len = self.read_i32()?;
        if len == -1 {
            return Ok(None);
        }
        if len < 0 {
            return Err(DecodeError::NegativeLength(len));
        }
        let len = len as usize;
        // A vector of `len` elements needs at least `len * min_element` bytes: checking this
        // first means a forged count can never make us reserve memory we will not fill.
        if len.saturating_mul(min_element) > self.buf.len() {
            return Err(DecodeError::LengthTooLarge {
                len,
                remaining: self.buf.len(),
            });
        }
        Ok(Some(len))
    }

    /// Reads a jute `buffer`; `None` for the null buffer (length -1).
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnexpectedEof`] when the bytes end early; [`DecodeError::NegativeLength`]
    /// for a length below -1; [`DecodeError::LengthTooLarge`] for one beyond what is left.
    pub fn read_buffer(&mut self) -> Result<Option<Bytes>, DecodeError> {
        match self.read_len(1)? {
            None => Ok(None),
            Some(len) => Ok(Some(self.buf.split_to(len))),
        }
    }

    /// Reads a jute `ustring`; `None` for the null string.
    ///
    /// Servers written in Java may send CESU-8 (surrogates encoded separately) or invalid
    /// UTF-8 in strings that are not paths; those are decoded leniently (see
    /// [`decode_lenient_utf8`](super::decode_lenient_utf8)) rather than rejected.
    ///
    /// # Errors
    ///
    /// As [`read_buffer`](Reader::read_buffer).
    pub fn read_opt_string(&mut self) -> Result<Option<String>, DecodeError> {
        match self.read_len(1)? {
            None => Ok(None),
            Some(len) => {
                // Decoded from a borrowed slice: no reference count taken per string (a
                // 10,000-name listing reads 10,000 of them).
                let string = super::decode_lenient_utf8(&self.buf[..len]);
                self.buf.advance(len);
                Ok(Some(string))
            }
        }
    }

    /// Reads a jute `ustring`, mapping null to the empty string.
    ///
    /// # Errors
    ///
    /// As [`read_buffer`](Reader::read_buffer), and [`DecodeError::InvalidValue`] for a null
    /// string (length -1) where one is required.
    pub fn read_string(&mut self) -> Result<String, DecodeError> {
        Ok(self.read_opt_string()?.unwrap_or_default())
    }

    /// Reads a vector's element count; `None` for a null vector. `min_element` is the smallest
    /// encoded size of one element and bounds the count by the bytes remaining.
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnexpectedEof`] when the bytes end early; [`DecodeError::NegativeLength`]
    /// for a count below -1; [`DecodeError::LengthTooLarge`] when `count * min_element` exceeds
    /// what is left (so that no allocation is sized by an untrusted count).
    pub fn read_vec_len(&mut self, min_element: usize) -> Result<Option<usize>, DecodeError> {
        self.read_len(min_element.max(1))
    }
}
