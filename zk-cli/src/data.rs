//! Node data for display: as text when it is UTF-8, escaped when it is not (so binary data
//! never reaches a terminal raw), or as hex, base64 or raw bytes on request.

use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::ValueEnum;
use serde_json::{Value, json};

/// How `get` shows data (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// UTF-8 text as it is; control characters and invalid bytes escaped (`\x1b`, `\xff`).
    Text,
    /// Lowercase hex.
    Hex,
    /// Standard base64 with padding.
    Base64,
    /// The bytes unchanged, with no newline (to redirect into a file).
    Raw,
}

/// `data` as text that is safe to print: valid UTF-8 passes unchanged except for control
/// characters other than newline, tab and carriage return, which are escaped (`\x1b`, or
/// `\u{85}` beyond ASCII), as are the bytes of invalid sequences (`\xff`).
pub(crate) fn safe_text(data: &[u8]) -> String {
    let mut text = String::with_capacity(data.len());
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            if matches!(c, '\n' | '\t' | '\r') || !c.is_control() {
                text.push(c);
            } else if c.is_ascii() {
                let _ = write!(text, "\\x{:02x}", c as u32);
            } else {
                let _ = write!(text, "{}", c.escape_unicode());
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(text, "\\x{byte:02x}");
        }
    }
    text
}

/// Lowercase hex of `data`.
pub(crate) fn hex(data: &[u8]) -> String {
    let mut text = String::with_capacity(data.len() * 2);
    for byte in data {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Base64 of `data`.
pub(crate) fn base64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// `data` as JSON fields: `"data"` and the `"encoding"` it is in. Text (the default) is
/// `utf8` when the data is valid UTF-8 and `base64` otherwise, so a script always gets the
/// exact bytes back; raw is base64 too, JSON having no bytes.
pub(crate) fn to_json(data: &[u8], format: Format) -> (Value, Value) {
    let (encoding, text) = match format {
        Format::Text => match std::str::from_utf8(data) {
            Ok(text) => ("utf8", text.to_owned()),
            Err(_) => ("base64", base64(data)),
        },
        Format::Hex => ("hex", hex(data)),
        Format::Base64 | Format::Raw => ("base64", base64(data)),
    };
    (json!(text), json!(encoding))
}

/// The bytes of a JSON `data` field in `encoding` (`utf8`, `base64` or `hex`), the reverse of
/// [`to_json`].
///
/// # Errors
///
/// An unknown encoding, or text that is not in it.
pub(crate) fn from_json(text: &str, encoding: &str) -> Result<Vec<u8>, String> {
    match encoding {
        "utf8" => Ok(text.as_bytes().to_vec()),
        "base64" => STANDARD
            .decode(text)
            .map_err(|e| format!("bad base64: {e}")),
        "hex" => {
            let digits = text.as_bytes();
            if digits.len() % 2 != 0 {
                return Err("bad hex: an odd number of digits".to_owned());
            }
            digits
                .chunks(2)
                .map(|pair| {
                    std::str::from_utf8(pair)
                        .ok()
                        .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                        .ok_or_else(|| "bad hex: not a hex digit".to_owned())
                })
                .collect()
        }
        other => Err(format!("unknown encoding {other:?} (utf8, base64, hex)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_passes_and_the_rest_is_escaped() {
        assert_eq!(safe_text("héllo\nworld\t!".as_bytes()), "héllo\nworld\t!");
        assert_eq!(safe_text(b"\x1b[31mred\x00"), "\\x1b[31mred\\x00");
        assert_eq!(safe_text("\u{85}".as_bytes()), "\\u{85}");
        assert_eq!(safe_text(b"a\xffb\xc3"), "a\\xffb\\xc3");
    }

    #[test]
    fn json_keeps_the_exact_bytes() {
        assert_eq!(to_json(b"abc", Format::Text), (json!("abc"), json!("utf8")));
        assert_eq!(
            to_json(b"\xff\x00", Format::Text),
            (json!("/wA="), json!("base64"))
        );
        assert_eq!(
            to_json(b"\xff\x00", Format::Hex),
            (json!("ff00"), json!("hex"))
        );
    }

    #[test]
    fn json_data_decodes_back() {
        for data in [&b""[..], b"text", b"\x00\xff\x80"] {
            for format in [Format::Text, Format::Hex, Format::Base64] {
                let (text, encoding) = to_json(data, format);
                let back = from_json(text.as_str().unwrap(), encoding.as_str().unwrap());
                assert_eq!(back.as_deref(), Ok(data), "{format:?}");
            }
        }
        assert!(from_json("abc", "hex").is_err());
        assert!(from_json("zz", "hex").is_err());
        assert!(from_json("!", "base64").is_err());
        assert!(from_json("x", "rot13").is_err());
    }
}
