//! Length-prefixed framing (`docs/protocol.md#framing`): every message is a big-endian int32
//! length `N` followed by `N` bytes.

use bytes::{Buf, Bytes, BytesMut};

/// The frame limit ZooKeeper servers apply by default (`jute.maxbuffer` = 0xfffff).
pub const DEFAULT_MAX_FRAME: usize = 0xfffff;

/// Why the byte stream could not be split into frames. The connection must be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The length prefix was negative.
    #[error("negative frame length {0}")]
    NegativeLength(i32),
    /// The length prefix exceeds the configured maximum.
    #[error("frame of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// The announced payload length.
        len: usize,
        /// The configured limit.
        max: usize,
    },
}

/// Splits a byte stream, arriving in chunks of any size, into frame payloads.
///
/// Payloads are returned as [`Bytes`] that share the decoder's buffer: nothing is copied after
/// the bytes are first appended. The announced length is checked against the limit before
/// any space is reserved for it, so a hostile length cannot make the decoder allocate.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: BytesMut,
    max_frame: usize,
    poisoned: Option<FrameError>,
}

impl FrameDecoder {
    /// A decoder that rejects frames whose payload exceeds `max_frame` bytes.
    pub fn new(max_frame: usize) -> Self {
        FrameDecoder {
            buf: BytesMut::new(),
            max_frame,
            poisoned: None,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        if self.poisoned.is_none() {
            self.buf.extend_from_slice(data);
        }
    }

    /// Bytes received but not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete frame payload, `Ok(None)` if more bytes are needed, or an error once
    /// the stream is known to be invalid (after which the decoder keeps returning it).
    ///
    /// # Errors
    ///
    /// [`FrameError::NegativeLength`] or [`FrameError::TooLarge`] when the length prefix is
    /// negative or over the limit; the stream cannot be resynchronised after either, so the
    /// connection must be closed.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        if let Some(err) = self.poisoned {
            return Err(err);
        }
        if self.buf.len() < 4 {
            return Ok(None);
        }
        let len = i32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
        if len < 0 {
            return Err(self.poison(FrameError::NegativeLength(len)));
        }
        let len = len as usize;
        if len > self.max_frame {
            return Err(self.poison(FrameError::TooLarge {
                len,
                max: self.max_frame,
            }));
        }
        if self.buf.len() < 4 + len {
            // Reserve only what this (bounded) frame still needs.
            self.buf.reserve(4 + len - self.buf.len());
            return Ok(None);
        }
        self.buf.advance(4);
        Ok(Some(self.buf.split_to(len).freeze()))
    }

    fn poison(&mut self, err: FrameError) -> FrameError {
        self.poisoned = Some(err);
        self.buf = BytesMut::new();
        err
    }

    /// Forgets everything buffered (for a new connection).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.poisoned = None;
    }
}

/// Appends one frame (length prefix and payload written by `body`) to `out`, returning the
/// payload length.
pub fn write_frame(out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    body(out);
    let len = out.len() - start - 4;
    let prefix = i32::try_from(len).unwrap_or(i32::MAX).to_be_bytes();
    out[start..start + 4].copy_from_slice(&prefix);
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_of(stream: &[u8], chunks: &[usize]) -> Vec<Vec<u8>> {
        let mut dec = FrameDecoder::new(64);
        let mut out = Vec::new();
        let mut rest = stream;
        for &n in chunks.iter().chain(std::iter::repeat(&1)) {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at(n.min(rest.len()));
            rest = tail;
            dec.push(chunk);
            while let Some(f) = dec.next_frame().unwrap() {
                out.push(f.to_vec());
            }
        }
        assert_eq!(dec.buffered(), 0);
        out
    }

    #[test]
    fn every_chunking_yields_the_same_frames() {
        let mut stream = Vec::new();
        for payload in [&b"abc"[..], b"", b"0123456789", b"z"] {
            write_frame(&mut stream, |b| b.extend_from_slice(payload));
        }
        let expected = vec![
            b"abc".to_vec(),
            vec![],
            b"0123456789".to_vec(),
            b"z".to_vec(),
        ];
        // Every split into two chunks, and byte by byte.
        for cut in 0..=stream.len() {
            assert_eq!(
                frames_of(&stream, &[cut, stream.len()]),
                expected,
                "cut at {cut}"
            );
        }
        assert_eq!(frames_of(&stream, &[1]), expected);
    }

    #[test]
    fn oversized_and_negative_lengths_poison_the_stream() {
        let mut dec = FrameDecoder::new(16);
        dec.push(&[0, 0, 0, 17]);
        assert_eq!(
            dec.next_frame(),
            Err(FrameError::TooLarge { len: 17, max: 16 })
        );
        dec.push(&[0; 100]);
        assert_eq!(
            dec.buffered(),
            0,
            "nothing is kept after the stream is poisoned"
        );
        assert!(dec.next_frame().is_err());
        let mut dec = FrameDecoder::new(16);
        dec.push(&[0xff, 0xff, 0xff, 0xfe]);
        assert_eq!(dec.next_frame(), Err(FrameError::NegativeLength(-2)));
    }

    #[test]
    fn a_huge_announced_length_reserves_nothing() {
        let mut dec = FrameDecoder::new(DEFAULT_MAX_FRAME);
        dec.push(&0x7fff_ffffi32.to_be_bytes());
        assert!(dec.next_frame().is_err());
    }
}
