//! The jute binary encoding: primitives, the [`Record`] trait and lenient string decoding.
//!
//! Jute serializes fields in IDL order with no tags, padding or record length
//! (`docs/protocol.md#jute-encoding`):
//! `int` and `long` are big-endian, `boolean` is one byte, `buffer` and `ustring` are an int32
//! length (-1 = null) followed by the bytes, and `vector<T>` is an int32 count (-1 = null)
//! followed by the elements.

mod reader;
mod writer;

use bytes::{BufMut, Bytes};

pub use reader::Reader;
pub use writer::{
    write_bool, write_buffer, write_i32, write_i64, write_opt_string, write_string, write_vec_len,
};

/// Why a received record could not be decoded.
///
/// A decode error on network input is a protocol error: the session drops the connection and
/// reconnects. It never panics and never allocates from an untrusted length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The record ended before a field was complete.
    #[error("record truncated: needed {needed} bytes, {remaining} remaining")]
    UnexpectedEof {
        /// Bytes the next field needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A length or count was negative (other than -1, which means null).
    #[error("negative length {0}")]
    NegativeLength(i32),
    /// A length or count claims more data than the record holds.
    #[error("length {len} exceeds the {remaining} bytes remaining")]
    LengthTooLarge {
        /// The claimed length (for vectors: the element count).
        len: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A field held a value outside its domain (an unknown enum value, say).
    #[error("invalid {what}: {value}")]
    InvalidValue {
        /// Which field.
        what: &'static str,
        /// The value received.
        value: i64,
    },
    /// A frame arrived that the session did not expect in its current state.
    #[error("unexpected frame: {0}")]
    Unexpected(&'static str),
}

/// A jute record: something with a fixed field order that can be encoded and decoded.
///
/// Implemented for the primitives (`bool`, `i32`, `i64`, [`String`], `Option<String>`,
/// [`Bytes`], `Option<Bytes>`), for `Vec<T>` of records, and for every record of the protocol.
pub trait Record: Sized {
    /// The smallest number of bytes one encoded value takes; bounds vector counts on decode.
    const MIN_LEN: usize;

    /// Appends the encoding of `self` to `buf`.
    fn encode<B: BufMut>(&self, buf: &mut B);

    /// The exact number of bytes [`Record::encode`] writes.
    fn encoded_len(&self) -> usize;

    /// Decodes one value from `r`, leaving `r` after it.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when the bytes end early or hold a length or value the record cannot
    /// have.
    fn decode(r: &mut Reader) -> Result<Self, DecodeError>;

    /// Encodes `self` into a new vector (convenient in tests).
    fn encode_to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out);
        out
    }

    /// Decodes one value from the start of `bytes`; trailing bytes are ignored, as the Java
    /// client ignores them (`docs/protocol.md#framing`).
    ///
    /// # Errors
    ///
    /// As [`decode`](Record::decode), and [`DecodeError::Unexpected`] when bytes are left over.
    fn from_bytes(bytes: impl Into<Bytes>) -> Result<Self, DecodeError> {
        Self::decode(&mut Reader::new(bytes.into()))
    }
}

impl Record for bool {
    const MIN_LEN: usize = 1;
    fn encode<B: BufMut>(&self, buf: &mut B) {
        write_bool(buf, *self);
    }
    fn encoded_len(&self) -> usize {
        1
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_bool()
    }
}

impl Record for i32 {
    const MIN_LEN: usize = 4;
    fn encode<B: BufMut>(&self, buf: &mut B) {
        write_i32(buf, *self);
    }
    fn encoded_len(&self) -> usize {
        4
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_i32()
    }
}

impl Record for i64 {
    const MIN_LEN: usize = 8;
    fn encode<B: BufMut>(&self, buf: &mut B) {
        write_i64(buf, *self);
    }
    fn encoded_len(&self) -> usize {
        8
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_i64()
    }
}

/// A `ustring` that is never null on the wire we write; a received null decodes as "".
impl Record for String {
    const MIN_LEN: usize = 4;
    fn encode<B: BufMut>(&self, buf: &mut B) {
        write_string(buf, self);
    }
    fn encoded_len(&self) -> usize {
        4 + self.len()
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_string()
    }
}

/// A nullable `ustring`.
impl Record for Option<String> {
    const MIN_LEN: usize = 4;
    fn encode<B: BufMut>(&self, buf: &mut B) {
        write_opt_string(buf, self.as_deref());
    }
    fn encoded_len(&self) -> usize {
        4 + self.as_ref().map_or(0, String::len)
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_opt_string()
    }
}

/// A `buffer` that we always write non-null; a received null decodes as empty.
impl Record for Bytes {
    const MIN_LEN: usize = 4;
    fn encode<B: BufMut>(&self, buf: &mut B) {
        write_buffer(buf, Some(self));
    }
    fn encoded_len(&self) -> usize {
        4 + self.len()
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(r.read_buffer()?.unwrap_or_default())
    }
}

/// A nullable `buffer`: ZooKeeper distinguishes null data from empty data.
impl Record for Option<Bytes> {
    const MIN_LEN: usize = 4;
    fn encode<B: BufMut>(&self, buf: &mut B) {
        write_buffer(buf, self.as_deref());
    }
    fn encoded_len(&self) -> usize {
        4 + self.as_ref().map_or(0, Bytes::len)
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_buffer()
    }
}

/// A `vector<T>`; a received null vector decodes as empty.
impl<T: Record> Record for Vec<T> {
    const MIN_LEN: usize = 4;
    fn encode<B: BufMut>(&self, buf: &mut B) {
        write_vec_len(buf, self.len());
        for item in self {
            item.encode(buf);
        }
    }
    fn encoded_len(&self) -> usize {
        4 + self.iter().map(Record::encoded_len).sum::<usize>()
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let Some(len) = r.read_vec_len(T::MIN_LEN)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(len);
        for _ in 0..len {
            out.push(T::decode(r)?);
        }
        Ok(out)
    }
}

/// Shows a secret's size, never its bytes: for `Debug` of credentials, passwords and tokens.
pub struct Redacted<'a>(pub &'a [u8]);

impl std::fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes redacted>", self.0.len())
    }
}

/// Decodes a string the way a tolerant Java peer would want it decoded.
///
/// The Java writer emits each UTF-16 code unit separately, so characters outside the BMP
/// arrive as CESU-8 (two 3-byte surrogates) rather than 4-byte UTF-8 (`docs/protocol.md#strings`).
/// Such pairs are recombined; any other invalid sequence becomes U+FFFD, as Java's decoder does.
pub fn decode_lenient_utf8(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                break;
            }
            Err(err) => {
                let (valid, bad) = rest.split_at(err.valid_up_to());
                if let Ok(valid) = std::str::from_utf8(valid) {
                    out.push_str(valid);
                }
                if let Some(ch) = cesu8_pair(bad) {
                    out.push(ch);
                    rest = &bad[6..];
                } else {
                    out.push(char::REPLACEMENT_CHARACTER);
                    let skip = err.error_len().unwrap_or(bad.len()).max(1);
                    rest = &bad[skip.min(bad.len())..];
                }
            }
        }
    }
    out
}

/// Decodes a CESU-8 surrogate pair (`ED A0..AF xx ED B0..BF xx`) at the start of `b`.
fn cesu8_pair(b: &[u8]) -> Option<char> {
    if b.len() < 6 || b[0] != 0xED || b[3] != 0xED {
        return None;
    }
    let is_cont = |x: u8| x & 0xC0 == 0x80;
    if !(0xA0..=0xAF).contains(&b[1]) || !(0xB0..=0xBF).contains(&b[4]) {
        return None;
    }
    if !is_cont(b[2]) || !is_cont(b[5]) {
        return None;
    }
    let high = 0xD000 | (u32::from(b[1] & 0x3F) << 6) | u32::from(b[2] & 0x3F);
    let low = 0xD000 | (u32::from(b[4] & 0x3F) << 6) | u32::from(b[5] & 0x3F);
    let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
    char::from_u32(code)
}

/// Declares a jute record: a struct whose fields are encoded in declaration order.
macro_rules! jute_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $crate::jute::jute_record! {
            secret;
            $(#[$meta])*
            #[derive(Debug)]
            pub struct $name {
                $( $(#[$fmeta])* pub $field : $ty ),*
            }
        }
    };
    (
        secret;
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty ),*
        }

        impl $crate::jute::Record for $name {
            const MIN_LEN: usize = 0 $( + <$ty as $crate::jute::Record>::MIN_LEN )*;

            #[allow(unused_variables)]
            fn encode<B: ::bytes::BufMut>(&self, buf: &mut B) {
                $( $crate::jute::Record::encode(&self.$field, buf); )*
            }

            fn encoded_len(&self) -> usize {
                0 $( + $crate::jute::Record::encoded_len(&self.$field) )*
            }

            #[allow(unused_variables)]
            fn decode(
                r: &mut $crate::jute::Reader,
            ) -> ::core::result::Result<Self, $crate::jute::DecodeError> {
                Ok($name {
                    $( $field: <$ty as $crate::jute::Record>::decode(r)? ),*
                })
            }
        }
    };
}
pub(crate) use jute_record;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_empty_buffers_differ() {
        assert_eq!(None::<Bytes>.encode_to_vec(), vec![0xff; 4]);
        assert_eq!(Some(Bytes::new()).encode_to_vec(), vec![0; 4]);
        assert_eq!(Option::<Bytes>::from_bytes(vec![0xff; 4]).unwrap(), None);
    }

    #[test]
    fn truncated_input_is_an_error() {
        assert!(matches!(
            i64::from_bytes(vec![0, 0, 0]),
            Err(DecodeError::UnexpectedEof { needed: 8, .. })
        ));
        assert!(matches!(
            String::from_bytes(vec![0, 0, 0, 9, b'a']),
            Err(DecodeError::LengthTooLarge { len: 9, .. })
        ));
        assert!(matches!(
            Bytes::from_bytes(vec![0xff, 0xff, 0xff, 0xfe]),
            Err(DecodeError::NegativeLength(-2))
        ));
    }

    #[test]
    fn forged_vector_count_is_rejected_before_allocating() {
        // Claims 2^31-1 strings in an 8-byte record.
        let err = Vec::<String>::from_bytes(vec![0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]).unwrap_err();
        assert!(matches!(err, DecodeError::LengthTooLarge { .. }));
    }

    #[test]
    fn cesu8_supplementary_characters_are_recombined() {
        // U+1F600 as CESU-8: D83D DE00.
        let cesu = [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80];
        assert_eq!(decode_lenient_utf8(&cesu), "\u{1F600}");
        assert_eq!(decode_lenient_utf8(b"a\xffb"), "a\u{FFFD}b");
        assert_eq!(decode_lenient_utf8(b"\xED\xA0"), "\u{FFFD}\u{FFFD}");
    }
}
