//! Fuzzes the jute decoders: the input is decoded as a ReplyHeader, then the rest (and, for
//! records that come without a header, the whole input) as each record type, each from a fresh
//! `Reader`. Besides never panicking, a successfully decoded record must re-encode to
//! `encoded_len` bytes and decode back to itself.
//!
//! Shared with `#[path]`: the cargo-fuzz target `fuzz_targets/reply_decode.rs` calls
//! [`run`], and so does zk-proto's `tests/fuzz_regressions.rs` on every file of
//! `fuzz/regressions/reply_decode/` and of the seed corpus.

use std::fmt::Debug;

use zk_proto::jute::{Reader, Record, decode_lenient_utf8};
use zk_proto::records::{
    Acl, AddWatchRequest, AuthPacket, CheckVersionRequest, ClientInfo, ConnectRequest,
    ConnectResponse, Create2Response, CreateRequest, CreateResponse, CreateTtlRequest,
    DeleteRequest, ErrorResponse, GetAclResponse, GetAllChildrenNumberResponse,
    GetChildren2Response, GetChildrenResponse, GetDataResponse, GetEphemeralsResponse,
    GetSaslRequest, Id, MultiHeader, PathRequest, PathWatchRequest, ReconfigRequest, ReplyHeader,
    RequestHeader, SetAclRequest, SetDataRequest, SetSaslResponse, SetWatches, SetWatches2, Stat,
    StatResponse, SyncResponse, WatcherEvent, WatchesRequest, WhoAmIResponse,
};

fn check<T: Record + PartialEq + Debug>(reader: &Reader) {
    let mut r = reader.clone();
    let before = r.remaining();
    let Ok(value) = T::decode(&mut r) else {
        return;
    };
    assert!(r.remaining() <= before);
    let encoded = value.encode_to_vec();
    assert_eq!(
        encoded.len(),
        value.encoded_len(),
        "encoded_len of {value:?}"
    );
    let again = T::from_bytes(encoded).expect("re-encoded record decodes");
    assert_eq!(again, value, "round trip");
}

fn all(reader: &Reader) {
    check::<ReplyHeader>(reader);
    check::<RequestHeader>(reader);
    check::<MultiHeader>(reader);
    check::<WatcherEvent>(reader);
    check::<ErrorResponse>(reader);
    check::<AuthPacket>(reader);
    check::<ConnectRequest>(reader);
    check::<ConnectResponse>(reader);
    check::<Stat>(reader);
    check::<Id>(reader);
    check::<Acl>(reader);
    check::<ClientInfo>(reader);
    check::<CreateRequest>(reader);
    check::<CreateTtlRequest>(reader);
    check::<CreateResponse>(reader);
    check::<Create2Response>(reader);
    check::<DeleteRequest>(reader);
    check::<PathWatchRequest>(reader);
    check::<StatResponse>(reader);
    check::<GetDataResponse>(reader);
    check::<SetDataRequest>(reader);
    check::<PathRequest>(reader);
    check::<GetAclResponse>(reader);
    check::<SetAclRequest>(reader);
    check::<GetChildrenResponse>(reader);
    check::<GetChildren2Response>(reader);
    check::<SyncResponse>(reader);
    check::<CheckVersionRequest>(reader);
    check::<ReconfigRequest>(reader);
    check::<WatchesRequest>(reader);
    check::<AddWatchRequest>(reader);
    check::<SetWatches>(reader);
    check::<SetWatches2>(reader);
    check::<GetEphemeralsResponse>(reader);
    check::<GetAllChildrenNumberResponse>(reader);
    check::<WhoAmIResponse>(reader);
    check::<GetSaslRequest>(reader);
    check::<SetSaslResponse>(reader);
    check::<Vec<String>>(reader);
    check::<Option<String>>(reader);
}

/// One fuzz input: panics on a bug (the fuzz target and the replay test both call this).
pub(crate) fn run(data: &[u8]) {
    // Lenient UTF-8 (CESU-8 pairs, replacement characters) on raw bytes.
    let text = decode_lenient_utf8(data);
    if let Ok(valid) = std::str::from_utf8(data) {
        assert_eq!(text, valid);
    }

    let whole = Reader::new(data.to_vec().into());
    // Headerless records (ConnectResponse, ...) and every other record on the whole input.
    all(&whole);
    // A reply: the header, then each body from a fresh reader over what follows it.
    let mut r = whole.clone();
    if ReplyHeader::decode(&mut r).is_ok() {
        let body = Reader::new(r.rest().clone());
        all(&body);
    }
}
