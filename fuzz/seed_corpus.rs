//! The seed corpus of every fuzz target, built from the golden vectors of zk-proto's
//! `tests/vectors.rs` (frames captured from a real ZooKeeper 3.8 server).
//!
//! The vectors are read out of that file's source text (its `const V13_*: &str` literals and
//! its `fn v13_*_reply_bytes` builders), so there is one copy of the captured bytes and the
//! corpus follows them: zk-proto's `tests/fuzz_regressions.rs` checks that the committed
//! `fuzz/corpus/` is what [`seeds`] makes, and rewrites it when asked to.
//!
//! Each target gets inputs in its own format: `reply_decode` the frame payloads,
//! `frame_decoder` streams of whole frames behind its two selector bytes, and
//! `session_handle_data` scripts that submit the requests of a captured exchange and then
//! feed the captured replies as raw chunks.

use std::collections::BTreeMap;

/// Seeds by target, then by file name.
pub(crate) type Corpus = BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>;

/// The captured frames of `vectors.rs`, by lower-case name (`v13_04`, `v13_29_s_event`,
/// `v13_31_reply`), each a whole frame with its length prefix.
pub(crate) fn vectors(source: &str) -> BTreeMap<String, Vec<u8>> {
    let consts = string_consts(source);
    let mut frames = BTreeMap::new();
    for (name, text) in &consts {
        if name.starts_with("V13_") {
            frames.insert(name.to_lowercase(), wire(text));
        }
    }
    // The frames the file builds with `wire(&format!(r#"..."#))`, around a Stat constant.
    let mut rest = source;
    while let Some(at) = rest.find("fn v13_") {
        rest = &rest[at + 3..];
        let name = &rest[..rest.find('(').expect("fn name")];
        let Some(stem) = name.strip_suffix("_bytes") else {
            continue;
        };
        let start = rest.find("r#\"").expect("a raw string in the builder") + 3;
        let end = start + rest[start..].find("\"#").expect("end of the raw string");
        let text = substitute(&rest[start..end], &consts);
        frames.insert(stem.to_owned(), wire(&text));
    }
    for (name, frame) in &frames {
        let announced = frame
            .get(..4)
            .map(|len| u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize);
        assert_eq!(
            announced,
            Some(frame.len() - 4),
            "vector {name} is not one whole frame: is vectors.rs still read right?"
        );
    }
    frames
}

/// Every `const NAME: &str = "..."` (or `r#"..."#`) of the file.
fn string_consts(source: &str) -> BTreeMap<String, String> {
    let mut consts = BTreeMap::new();
    let mut rest = source;
    while let Some(at) = rest.find("const ") {
        rest = &rest[at + 6..];
        let Some(colon) = rest.find(':') else {
            break;
        };
        let name = &rest[..colon];
        let Some(value) = rest[colon..].strip_prefix(": &str =") else {
            continue;
        };
        let value = value.trim_start();
        let text = if let Some(raw) = value.strip_prefix("r#\"") {
            &raw[..raw.find("\"#").expect("end of a raw string")]
        } else if let Some(plain) = value.strip_prefix('"') {
            &plain[..plain.find('"').expect("end of a string")]
        } else {
            continue; // concat!(...) and the like: not a vector.
        };
        consts.insert(name.to_owned(), text.to_owned());
    }
    consts
}

/// `format!`'s `{NAME}` arguments replaced by the constants they name.
fn substitute(text: &str, consts: &BTreeMap<String, String>) -> String {
    let mut out = text.to_owned();
    while let Some(open) = out.find('{') {
        let close = open + out[open..].find('}').expect("closing brace");
        let name = &out[open + 1..close];
        let value = consts
            .get(name)
            .unwrap_or_else(|| panic!("no constant {name}"));
        out.replace_range(open..=close, value);
    }
    out
}

/// The vectors' notation: hex fields separated by whitespace, and `"..."` or `'...'` strings
/// standing for their UTF-8 bytes.
fn wire(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut digits = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                let quoted: String = chars.by_ref().take_while(|&x| x != c).collect();
                out.extend(hex::decode(&digits).expect("hex"));
                digits.clear();
                out.extend_from_slice(quoted.as_bytes());
            }
            c if c.is_whitespace() => {}
            c => digits.push(c),
        }
    }
    out.extend(hex::decode(&digits).expect("hex"));
    out
}

/// The seeds of every target, from the frames [`vectors`] read.
pub(crate) fn seeds(frames: &BTreeMap<String, Vec<u8>>) -> Corpus {
    let v = |name: &str| {
        frames
            .get(name)
            .unwrap_or_else(|| panic!("vectors.rs has no vector {name}"))
            .clone()
    };
    let mut corpus = Corpus::new();

    // reply_decode: every frame's payload, once.
    let mut payloads = BTreeMap::new();
    for (name, frame) in frames {
        if !payloads.values().any(|p: &Vec<u8>| p[..] == frame[4..]) {
            payloads.insert(name.clone(), frame[4..].to_vec());
        }
    }
    corpus.insert("reply_decode", payloads);

    // frame_decoder: [limit selector, chunk selector, stream]. Limits by index: 7 is the
    // default maximum, 6 is 4096, 3 is 16; chunk sizes up to 1, 7, 64 or 4096 bytes.
    let server: Vec<u8> = [
        "v13_02", "v13_04", "v13_06", "v13_07", "v13_09", "v13_11", "v13_13", "v13_15", "v13_17",
        "v13_19", "v13_20", "v13_21", "v13_22", "v13_24",
    ]
    .iter()
    .flat_map(|name| v(name))
    .collect();
    let client: Vec<u8> = [
        "v13_01", "v13_03", "v13_05", "v13_08", "v13_10", "v13_12", "v13_14", "v13_16", "v13_18",
        "v13_23", "v13_25",
    ]
    .iter()
    .flat_map(|name| v(name))
    .collect();
    let big = v("v13_31_reply");
    let mut cut = v("v13_15");
    cut.truncate(cut.len() / 2);
    let streams: [(&str, u8, u8, &[u8]); 8] = [
        ("server_stream_bytewise", 7, 0x00, &server),
        ("server_stream_chunks_7", 7, 0x45, &server),
        ("server_stream_chunks_64", 7, 0x8a, &server),
        ("server_stream_whole", 7, 0xcf, &server),
        ("client_stream", 7, 0x93, &client),
        ("multi_reply_limit_4096", 6, 0x51, &big),
        ("multi_reply_over_limit", 3, 0x52, &big),
        ("truncated_create2_reply", 7, 0x40, &cut),
    ];
    corpus.insert(
        "frame_decoder",
        streams
            .iter()
            .map(|(name, limit, chunk, stream)| {
                let mut input = vec![*limit, *chunk];
                input.extend_from_slice(stream);
                ((*name).to_owned(), input)
            })
            .collect(),
    );

    corpus.insert("session_handle_data", scripts(&v));
    corpus
}

/// Builds `session_handle_data` inputs; the encoding is `bodies/session_handle_data.rs`'s.
struct Script(Vec<u8>);

/// Request kinds of the harness (`kind % 23`), and its paths by index.
const GET_DATA: u8 = 0;
const CREATE: u8 = 3;
const CREATE2_EPHEMERAL_SEQUENTIAL: u8 = 4;
const DELETE: u8 = 8;
const MULTI: u8 = 12;
const MULTI_READ: u8 = 13;
const ADD_WATCH: u8 = 14;
const WHO_AM_I: u8 = 19;
const PATH_A: u8 = 1;
const PATH_A_B: u8 = 2;
const PATH_A_S: u8 = 4;

impl Script {
    /// A script for the configuration `flags` (bit 1: read-only allowed).
    fn new(flags: u8) -> Self {
        Self(vec![flags])
    }

    /// Submits request `kind` on path `path`; `flag` is the kind's watch (or recursive) bit.
    fn submit(mut self, kind: u8, flag: bool, path: u8) -> Self {
        let byte = (0..=255u8)
            .find(|b| b % 23 == kind && (b & 0x80 != 0) == flag)
            .expect("a byte for every kind");
        self.0.extend([3, byte, path]);
        self
    }

    /// Feeds `bytes` to `handle_data`, in chunks of up to 255 bytes (one operation each).
    fn feed(mut self, bytes: &[u8]) -> Self {
        for chunk in bytes.chunks(255) {
            self.0.extend([0, chunk.len() as u8]);
            self.0.extend_from_slice(chunk);
        }
        self
    }

    /// `add_auth` with the digest scheme.
    fn add_auth(mut self) -> Self {
        self.0.extend([12, 0]);
        self
    }

    /// Moves the clock to `poll_timeout` and fires it (a ping, once connected).
    fn timeout(mut self) -> Self {
        self.0.push(9);
        self
    }

    /// Drops the connection with the next ConnectRequest left unanswered, so that the script's
    /// own bytes are the handshake reply.
    fn reconnect_silently(mut self) -> Self {
        self.0.extend([14, 6, 10]);
        self
    }

    fn close(mut self) -> Self {
        self.0.push(13);
        self
    }
}

/// `frame` with its reply xid replaced.
fn with_xid(mut frame: Vec<u8>, xid: i32) -> Vec<u8> {
    frame[4..8].copy_from_slice(&xid.to_be_bytes());
    frame
}

fn scripts(v: &dyn Fn(&str) -> Vec<u8>) -> BTreeMap<String, Vec<u8>> {
    // The harness connects before the script starts, so xids count from 1 as in 13.3 on.
    let transcript = Script::new(0)
        .submit(CREATE, false, PATH_A)
        .feed(&v("v13_04"))
        .submit(GET_DATA, true, PATH_A)
        .feed(&v("v13_06"))
        .feed(&v("v13_07"))
        .submit(GET_DATA, false, PATH_A_B)
        .feed(&v("v13_09"))
        .submit(MULTI, false, PATH_A)
        .feed(&v("v13_11"))
        .timeout()
        .feed(&v("v13_13"))
        .submit(CREATE2_EPHEMERAL_SEQUENTIAL, false, PATH_A_S)
        .feed(&v("v13_15"))
        .submit(ADD_WATCH, true, PATH_A)
        .feed(&v("v13_17"))
        .add_auth()
        .feed(&v("v13_19"))
        .submit(DELETE, false, PATH_A_S)
        .feed(&[v("v13_20"), v("v13_21")].concat())
        .submit(DELETE, false, PATH_A)
        .feed(&[v("v13_22"), with_xid(v("v13_21"), 8)].concat())
        .close()
        .feed(&v("v13_24"));
    let scripts = [
        ("transcript_13_03_to_13_24", transcript),
        (
            "expired_on_reattach_13_26",
            Script::new(0)
                .submit(GET_DATA, true, PATH_A)
                .feed(&with_xid(v("v13_06"), 1))
                .reconnect_silently()
                .feed(&v("v13_26")),
        ),
        (
            "connect_response_without_read_only_byte_13_27",
            Script::new(0).reconnect_silently().feed(&v("v13_27_s")),
        ),
        (
            "ping_reply_13_28",
            Script::new(0).timeout().feed(&v("v13_28_s")),
        ),
        (
            "set_watches_catch_up_13_29",
            Script::new(0)
                .submit(GET_DATA, true, PATH_A)
                .feed(&with_xid(v("v13_06"), 1))
                .reconnect_silently()
                .feed(&v("v13_29_s_connect"))
                .feed(&v("v13_29_s_event"))
                .feed(&v("v13_29_s_reply")),
        ),
        (
            "set_watches2_13_30",
            Script::new(0)
                .submit(ADD_WATCH, false, PATH_A)
                .feed(&with_xid(v("v13_17"), 1))
                .reconnect_silently()
                .feed(&v("v13_02"))
                .feed(&v("v13_30_s")),
        ),
        (
            "multi_and_multi_read_13_31_13_32",
            Script::new(0)
                .submit(MULTI, false, PATH_A)
                .feed(&with_xid(v("v13_31_reply"), 1))
                .submit(MULTI_READ, false, PATH_A)
                .feed(&with_xid(v("v13_32_reply"), 2)),
        ),
        (
            "unimplemented_13_34",
            Script::new(0)
                .submit(WHO_AM_I, false, PATH_A)
                .feed(&v("v13_34_s")),
        ),
        (
            "auth_failed_13_35",
            Script::new(0).add_auth().feed(&v("v13_35_s")),
        ),
        (
            "who_am_i_13_36",
            Script::new(0)
                .submit(WHO_AM_I, false, PATH_A)
                .feed(&v("v13_36_s")),
        ),
        (
            "read_only_server_13_38",
            Script::new(2)
                .reconnect_silently()
                .feed(&v("v13_38_s"))
                .submit(GET_DATA, false, PATH_A)
                .submit(CREATE, false, PATH_A_B)
                .feed(&with_xid(v("v13_06"), 1))
                .feed(&v("v13_38_s_create")),
        ),
        (
            "read_only_refusal_13_38",
            Script::new(2)
                .reconnect_silently()
                .feed(&v("v13_38_s_refusal")),
        ),
    ];
    scripts
        .into_iter()
        .map(|(name, script)| (name.to_owned(), script.0))
        .collect()
}
