//! Round-trip property tests for every public record of `zk_proto::records`.
//!
//! For arbitrary values of each record: `decode(encode(x)) == x`, `encoded_len()` is the
//! length of the encoding, decoding consumes exactly the encoding, and every strict prefix of
//! the encoding fails to decode (with an error, never a panic). The one exception is the
//! trailing optional readOnly byte of [`ConnectRequest`] and [`ConnectResponse`]: without it
//! the prefix is the same record with `read_only: None`, and that case is checked explicitly.
//!
//! A second family of properties feeds arbitrary bytes to every record's decoder: it must
//! never panic, and whatever it accepts must re-encode to something that decodes to the same
//! value.

use std::fmt::Debug;

use bytes::Bytes;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use zk_proto::jute::{Reader, Record};
use zk_proto::records::{
    Acl, AddWatchRequest, AuthPacket, CheckVersionRequest, ClientInfo, ConnectRequest,
    ConnectResponse, Create2Response, CreateRequest, CreateResponse, CreateTtlRequest,
    DeleteRequest, ErrorResponse, GetAclResponse, GetAllChildrenNumberResponse,
    GetChildren2Response, GetChildrenResponse, GetDataResponse, GetEphemeralsResponse,
    GetSaslRequest, Id, MultiHeader, PathRequest, PathWatchRequest, Perms, ReconfigRequest,
    ReplyHeader, RequestHeader, SetAclRequest, SetDataRequest, SetSaslResponse, SetWatches,
    SetWatches2, Stat, StatResponse, SyncResponse, WatcherEvent, WatchesRequest, WhoAmIResponse,
};

// ----- the properties -----

/// Encodes `value` and checks the round trip, the length, and that the decoder consumes
/// exactly the encoding. Returns the encoding.
fn round_trip<R: Record + PartialEq + Debug>(value: &R) -> Result<Vec<u8>, TestCaseError> {
    let bytes = value.encode_to_vec();
    prop_assert_eq!(
        value.encoded_len(),
        bytes.len(),
        "encoded_len of {:?}",
        value
    );
    let mut encoded = Vec::new();
    value.encode(&mut encoded);
    prop_assert_eq!(&encoded, &bytes, "encode and to_vec differ");

    let mut reader = Reader::new(Bytes::from(bytes.clone()));
    let decoded = R::decode(&mut reader)
        .map_err(|e| TestCaseError::fail(format!("{value:?} failed to decode: {e}")))?;
    prop_assert_eq!(&decoded, value);
    prop_assert_eq!(reader.remaining(), 0, "decoding left bytes unread");
    Ok(bytes)
}

/// Every strict prefix of `bytes` fails to decode as `R`.
fn prefixes_fail<R: Record + Debug>(bytes: &[u8]) -> Result<(), TestCaseError> {
    for cut in 0..bytes.len() {
        let result = R::from_bytes(bytes[..cut].to_vec());
        prop_assert!(
            result.is_err(),
            "prefix of {} of {} bytes decoded as {:?}",
            cut,
            bytes.len(),
            result
        );
    }
    Ok(())
}

/// The full property for records without an optional tail: round trip, failing prefixes, and
/// trailing bytes ignored by `from_bytes` (the Java client ignores them too:
/// `docs/protocol.md#framing`).
fn check<R: Record + PartialEq + Debug>(value: &R) -> Result<(), TestCaseError> {
    let bytes = round_trip(value)?;
    prefixes_fail::<R>(&bytes)?;
    let mut padded = bytes;
    padded.extend_from_slice(&[0xAB; 3]);
    let decoded = R::from_bytes(padded);
    prop_assert_eq!(decoded.as_ref(), Ok(value));
    Ok(())
}

/// Decoding arbitrary bytes never panics; a value it accepts is stable under re-encoding.
fn never_panics<R: Record + PartialEq + Debug>(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(value) = R::from_bytes(bytes.to_vec()) {
        let again = R::from_bytes(value.encode_to_vec())
            .map_err(|e| TestCaseError::fail(format!("re-encoded {value:?} fails: {e}")))?;
        prop_assert_eq!(again, value);
    }
    Ok(())
}

// ----- strategies -----

/// Valid UTF-8 (any non-control characters, multi-byte ones included).
fn string() -> impl Strategy<Value = String> {
    "\\PC{0,20}"
}

fn strings() -> impl Strategy<Value = Vec<String>> {
    vec(string(), 0..4)
}

fn bytes() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..32).prop_map(Bytes::from)
}

fn opt_bytes() -> impl Strategy<Value = Option<Bytes>> {
    option::of(bytes())
}

fn id() -> impl Strategy<Value = Id> {
    (string(), string()).prop_map(|(scheme, id)| Id { scheme, id })
}

fn perms() -> impl Strategy<Value = Perms> {
    // Unknown bits (and negative values) are kept as received.
    any::<i32>().prop_map(Perms::from_bits)
}

fn acl() -> impl Strategy<Value = Acl> {
    (perms(), id()).prop_map(|(perms, id)| Acl { perms, id })
}

fn acls() -> impl Strategy<Value = Vec<Acl>> {
    vec(acl(), 0..4)
}

fn stat() -> impl Strategy<Value = Stat> {
    (
        any::<(i64, i64, i64, i64)>(),
        any::<(i32, i32, i32)>(),
        any::<(i64, i32, i32, i64)>(),
    )
        .prop_map(
            |(
                (czxid, mzxid, ctime, mtime),
                (version, cversion, aversion),
                (ephemeral_owner, data_length, num_children, pzxid),
            )| Stat {
                czxid,
                mzxid,
                ctime,
                mtime,
                version,
                cversion,
                aversion,
                ephemeral_owner,
                data_length,
                num_children,
                pzxid,
            },
        )
}

fn client_info() -> impl Strategy<Value = ClientInfo> {
    (string(), string()).prop_map(|(auth_scheme, user)| ClientInfo { auth_scheme, user })
}

fn connect_request(read_only: Option<bool>) -> impl Strategy<Value = ConnectRequest> {
    (
        any::<i32>(),
        any::<i64>(),
        any::<i32>(),
        any::<i64>(),
        bytes(),
    )
        .prop_map(
            move |(protocol_version, last_zxid_seen, timeout_ms, session_id, passwd)| {
                ConnectRequest {
                    protocol_version,
                    last_zxid_seen,
                    timeout_ms,
                    session_id,
                    passwd,
                    read_only,
                }
            },
        )
}

fn connect_response(read_only: Option<bool>) -> impl Strategy<Value = ConnectResponse> {
    (any::<i32>(), any::<i32>(), any::<i64>(), bytes()).prop_map(
        move |(protocol_version, timeout_ms, session_id, passwd)| ConnectResponse {
            protocol_version,
            timeout_ms,
            session_id,
            passwd,
            read_only,
        },
    )
}

fn set_watches() -> impl Strategy<Value = SetWatches> {
    (any::<i64>(), strings(), strings(), strings()).prop_map(
        |(relative_zxid, data_watches, exist_watches, child_watches)| SetWatches {
            relative_zxid,
            data_watches,
            exist_watches,
            child_watches,
        },
    )
}

fn set_watches2() -> impl Strategy<Value = SetWatches2> {
    (
        any::<i64>(),
        strings(),
        strings(),
        strings(),
        strings(),
        strings(),
    )
        .prop_map(
            |(
                relative_zxid,
                data_watches,
                exist_watches,
                child_watches,
                persistent_watches,
                persistent_recursive_watches,
            )| SetWatches2 {
                relative_zxid,
                data_watches,
                exist_watches,
                child_watches,
                persistent_watches,
                persistent_recursive_watches,
            },
        )
}

// ----- ConnectRequest / ConnectResponse: the optional readOnly byte -----

/// With the byte: the prefix without it is the same record with `read_only: None`; every
/// shorter prefix fails.
fn check_with_read_only<R>(value: &R, without: &R) -> Result<(), TestCaseError>
where
    R: Record + PartialEq + Debug,
{
    let bytes = round_trip(value)?;
    let last = bytes.len() - 1;
    let decoded = R::from_bytes(bytes[..last].to_vec());
    prop_assert_eq!(decoded.as_ref(), Ok(without));
    prop_assert_eq!(&without.encode_to_vec()[..], &bytes[..last]);
    prefixes_fail::<R>(&bytes[..last])
}

// ----- the tests -----

proptest! {
    #[test]
    fn id_round_trips(x in id()) { check(&x)?; }

    #[test]
    fn acl_round_trips(x in acl()) { check(&x)?; }

    #[test]
    fn perms_round_trips(x in perms()) {
        check(&x)?;
        prop_assert_eq!(Perms::from_bits(x.bits()), x);
    }

    #[test]
    fn stat_round_trips(x in stat()) {
        check(&x)?;
        prop_assert_eq!(x.encode_to_vec().len(), 68);
    }

    #[test]
    fn client_info_round_trips(x in client_info()) { check(&x)?; }

    #[test]
    fn connect_request_with_read_only_round_trips(
        x in any::<bool>().prop_flat_map(|ro| connect_request(Some(ro)))
    ) {
        let without = ConnectRequest { read_only: None, ..x.clone() };
        check_with_read_only(&x, &without)?;
    }

    #[test]
    fn connect_request_without_read_only_round_trips(x in connect_request(None)) {
        let bytes = round_trip(&x)?;
        prefixes_fail::<ConnectRequest>(&bytes)?;
        // One more byte is read as the readOnly flag.
        let mut longer = bytes.clone();
        longer.push(1);
        prop_assert_eq!(
            ConnectRequest::from_bytes(longer).map(|r| r.read_only),
            Ok(Some(true))
        );
    }

    #[test]
    fn connect_response_with_read_only_round_trips(
        x in any::<bool>().prop_flat_map(|ro| connect_response(Some(ro)))
    ) {
        let without = ConnectResponse { read_only: None, ..x.clone() };
        check_with_read_only(&x, &without)?;
    }

    #[test]
    fn connect_response_without_read_only_round_trips(x in connect_response(None)) {
        let bytes = round_trip(&x)?;
        prefixes_fail::<ConnectResponse>(&bytes)?;
        let mut longer = bytes.clone();
        longer.push(0);
        prop_assert_eq!(
            ConnectResponse::from_bytes(longer).map(|r| r.read_only),
            Ok(Some(false))
        );
    }

    #[test]
    fn request_header_round_trips(xid in any::<i32>(), op in any::<i32>()) {
        check(&RequestHeader { xid, op })?;
    }

    #[test]
    fn reply_header_round_trips(xid in any::<i32>(), zxid in any::<i64>(), err in any::<i32>()) {
        check(&ReplyHeader { xid, zxid, err })?;
    }

    #[test]
    fn multi_header_round_trips(op in any::<i32>(), done in any::<bool>(), err in any::<i32>()) {
        check(&MultiHeader { op, done, err })?;
    }

    #[test]
    fn auth_packet_round_trips(auth_type in any::<i32>(), scheme in string(), auth in bytes()) {
        check(&AuthPacket { auth_type, scheme, auth })?;
    }

    #[test]
    fn watcher_event_round_trips(event_type in any::<i32>(), state in any::<i32>(), path in string()) {
        check(&WatcherEvent { event_type, state, path })?;
    }

    #[test]
    fn error_response_round_trips(err in any::<i32>()) {
        check(&ErrorResponse { err })?;
    }

    #[test]
    fn create_request_round_trips(
        path in string(), data in opt_bytes(), acl in acls(), flags in any::<i32>()
    ) {
        check(&CreateRequest { path, data, acl, flags })?;
    }

    #[test]
    fn create_ttl_request_round_trips(
        path in string(), data in opt_bytes(), acl in acls(), flags in any::<i32>(),
        ttl in any::<i64>()
    ) {
        check(&CreateTtlRequest { path, data, acl, flags, ttl })?;
    }

    #[test]
    fn create_response_round_trips(path in string()) {
        check(&CreateResponse { path })?;
    }

    #[test]
    fn create2_response_round_trips(path in string(), stat in stat()) {
        check(&Create2Response { path, stat })?;
    }

    #[test]
    fn delete_request_round_trips(path in string(), version in any::<i32>()) {
        check(&DeleteRequest { path, version })?;
    }

    #[test]
    fn path_watch_request_round_trips(path in string(), watch in any::<bool>()) {
        check(&PathWatchRequest { path, watch })?;
    }

    #[test]
    fn stat_response_round_trips(stat in stat()) {
        check(&StatResponse { stat })?;
    }

    #[test]
    fn get_data_response_with_null_data_round_trips(stat in stat()) {
        let x = GetDataResponse { data: None, stat };
        check(&x)?;
        prop_assert_eq!(&x.encode_to_vec()[..4], &[0xff; 4], "null data is length -1");
    }

    #[test]
    fn get_data_response_with_data_round_trips(data in bytes(), stat in stat()) {
        check(&GetDataResponse { data: Some(data), stat })?;
    }

    #[test]
    fn set_data_request_round_trips(path in string(), data in opt_bytes(), version in any::<i32>()) {
        check(&SetDataRequest { path, data, version })?;
    }

    #[test]
    fn path_request_round_trips(path in string()) {
        check(&PathRequest { path })?;
    }

    #[test]
    fn get_acl_response_round_trips(acl in acls(), stat in stat()) {
        check(&GetAclResponse { acl, stat })?;
    }

    #[test]
    fn set_acl_request_round_trips(path in string(), acl in acls(), version in any::<i32>()) {
        check(&SetAclRequest { path, acl, version })?;
    }

    #[test]
    fn get_children_response_round_trips(children in strings()) {
        check(&GetChildrenResponse { children })?;
    }

    #[test]
    fn get_children2_response_round_trips(children in strings(), stat in stat()) {
        check(&GetChildren2Response { children, stat })?;
    }

    #[test]
    fn sync_response_round_trips(path in string()) {
        check(&SyncResponse { path })?;
    }

    #[test]
    fn check_version_request_round_trips(path in string(), version in any::<i32>()) {
        check(&CheckVersionRequest { path, version })?;
    }

    #[test]
    fn reconfig_request_round_trips(
        joining_servers in option::of(string()),
        leaving_servers in option::of(string()),
        new_members in option::of(string()),
        cur_config_id in any::<i64>(),
    ) {
        check(&ReconfigRequest { joining_servers, leaving_servers, new_members, cur_config_id })?;
    }

    #[test]
    fn watches_request_round_trips(path in string(), watcher_type in any::<i32>()) {
        check(&WatchesRequest { path, watcher_type })?;
    }

    #[test]
    fn add_watch_request_round_trips(path in string(), mode in any::<i32>()) {
        check(&AddWatchRequest { path, mode })?;
    }

    #[test]
    fn set_watches_round_trips(x in set_watches()) { check(&x)?; }

    #[test]
    fn set_watches2_round_trips(x in set_watches2()) { check(&x)?; }

    #[test]
    fn get_ephemerals_response_round_trips(ephemerals in strings()) {
        check(&GetEphemeralsResponse { ephemerals })?;
    }

    #[test]
    fn get_all_children_number_response_round_trips(total_number in any::<i32>()) {
        check(&GetAllChildrenNumberResponse { total_number })?;
    }

    #[test]
    fn who_am_i_response_round_trips(client_info in vec(client_info(), 0..4)) {
        check(&WhoAmIResponse { client_info })?;
    }

    #[test]
    fn get_sasl_request_round_trips(token in bytes()) {
        check(&GetSaslRequest { token })?;
    }

    #[test]
    fn set_sasl_response_round_trips(token in opt_bytes()) {
        check(&SetSaslResponse { token })?;
    }

    /// Arbitrary bytes, for every record: no panic, and accepted values are stable.
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..160)) {
        never_panics::<Id>(&bytes)?;
        never_panics::<Acl>(&bytes)?;
        never_panics::<Perms>(&bytes)?;
        never_panics::<Stat>(&bytes)?;
        never_panics::<ClientInfo>(&bytes)?;
        never_panics::<ConnectRequest>(&bytes)?;
        never_panics::<ConnectResponse>(&bytes)?;
        never_panics::<RequestHeader>(&bytes)?;
        never_panics::<ReplyHeader>(&bytes)?;
        never_panics::<MultiHeader>(&bytes)?;
        never_panics::<AuthPacket>(&bytes)?;
        never_panics::<WatcherEvent>(&bytes)?;
        never_panics::<ErrorResponse>(&bytes)?;
        never_panics::<CreateRequest>(&bytes)?;
        never_panics::<CreateTtlRequest>(&bytes)?;
        never_panics::<CreateResponse>(&bytes)?;
        never_panics::<Create2Response>(&bytes)?;
        never_panics::<DeleteRequest>(&bytes)?;
        never_panics::<PathWatchRequest>(&bytes)?;
        never_panics::<StatResponse>(&bytes)?;
        never_panics::<GetDataResponse>(&bytes)?;
        never_panics::<SetDataRequest>(&bytes)?;
        never_panics::<PathRequest>(&bytes)?;
        never_panics::<GetAclResponse>(&bytes)?;
        never_panics::<SetAclRequest>(&bytes)?;
        never_panics::<GetChildrenResponse>(&bytes)?;
        never_panics::<GetChildren2Response>(&bytes)?;
        never_panics::<SyncResponse>(&bytes)?;
        never_panics::<CheckVersionRequest>(&bytes)?;
        never_panics::<ReconfigRequest>(&bytes)?;
        never_panics::<WatchesRequest>(&bytes)?;
        never_panics::<AddWatchRequest>(&bytes)?;
        never_panics::<SetWatches>(&bytes)?;
        never_panics::<SetWatches2>(&bytes)?;
        never_panics::<GetEphemeralsResponse>(&bytes)?;
        never_panics::<GetAllChildrenNumberResponse>(&bytes)?;
        never_panics::<WhoAmIResponse>(&bytes)?;
        never_panics::<GetSaslRequest>(&bytes)?;
        never_panics::<SetSaslResponse>(&bytes)?;
    }

    /// Arbitrary bytes that look like jute: small, sometimes null (-1) or negative, length and
    /// count prefixes followed by short payloads, which reach deeper into nested records than
    /// uniformly random bytes do.
    #[test]
    fn decoding_jute_shaped_bytes_never_panics(
        parts in vec(
            prop_oneof![
                (-3i32..40).prop_map(|n| n.to_be_bytes().to_vec()),
                vec(any::<u8>(), 0..12),
                "\\PC{0,6}".prop_map(|s: String| s.into_bytes()),
            ],
            0..24,
        )
    ) {
        let bytes = parts.concat();
        never_panics::<Id>(&bytes)?;
        never_panics::<Acl>(&bytes)?;
        never_panics::<ClientInfo>(&bytes)?;
        never_panics::<ConnectRequest>(&bytes)?;
        never_panics::<ConnectResponse>(&bytes)?;
        never_panics::<AuthPacket>(&bytes)?;
        never_panics::<WatcherEvent>(&bytes)?;
        never_panics::<CreateRequest>(&bytes)?;
        never_panics::<CreateTtlRequest>(&bytes)?;
        never_panics::<CreateResponse>(&bytes)?;
        never_panics::<Create2Response>(&bytes)?;
        never_panics::<DeleteRequest>(&bytes)?;
        never_panics::<PathWatchRequest>(&bytes)?;
        never_panics::<GetDataResponse>(&bytes)?;
        never_panics::<SetDataRequest>(&bytes)?;
        never_panics::<PathRequest>(&bytes)?;
        never_panics::<GetAclResponse>(&bytes)?;
        never_panics::<SetAclRequest>(&bytes)?;
        never_panics::<GetChildrenResponse>(&bytes)?;
        never_panics::<GetChildren2Response>(&bytes)?;
        never_panics::<SyncResponse>(&bytes)?;
        never_panics::<CheckVersionRequest>(&bytes)?;
        never_panics::<ReconfigRequest>(&bytes)?;
        never_panics::<WatchesRequest>(&bytes)?;
        never_panics::<AddWatchRequest>(&bytes)?;
        never_panics::<SetWatches>(&bytes)?;
        never_panics::<SetWatches2>(&bytes)?;
        never_panics::<GetEphemeralsResponse>(&bytes)?;
        never_panics::<WhoAmIResponse>(&bytes)?;
        never_panics::<GetSaslRequest>(&bytes)?;
        never_panics::<SetSaslResponse>(&bytes)?;
    }
}
