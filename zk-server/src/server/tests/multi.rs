use zk_proto::records::server::{MultiOpResponse, RequestBody};
use zk_proto::records::{CheckVersionRequest, CreateResponse};
use zk_proto::{ErrorCode, OpCode};

use crate::testkit::{
    Harness, create_body, delete_body, multi, multi_results, path_watch, set_data_body,
};

fn check(path: &str, version: i32) -> RequestBody {
    RequestBody::Check(CheckVersionRequest {
        path: path.into(),
        version,
    })
}

#[test]
fn a_successful_multi_is_one_transaction_with_typed_results() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/m", "", 0);
    let reply = h.call(
        &mut c,
        OpCode::Multi,
        &multi(vec![
            (OpCode::Create, create_body("/m/a", "1", 0)),
            (OpCode::Create2, create_body("/m/b", "1", 0)),
            (OpCode::SetData, set_data_body("/m/b", "22", 0)),
            (OpCode::Check, check("/m/b", 1)),
            (OpCode::Delete, delete_body("/m/a", -1)),
        ]),
    );
    assert_eq!((reply.err, reply.zxid), (0, 3));
    let results = multi_results(&reply).results;
    assert_eq!(
        results[0],
        MultiOpResponse::Create(CreateResponse {
            path: "/m/a".into()
        })
    );
    let MultiOpResponse::Create2(created) = &results[1] else {
        panic!("{results:?}")
    };
    // The Stat as it was when the create applied; the setData after it saw version 0.
    assert_eq!(
        (
            created.path.as_str(),
            created.stat.czxid,
            created.stat.version
        ),
        ("/m/b", 3, 0)
    );
    let MultiOpResponse::SetData(stat) = &results[2] else {
        panic!("{results:?}")
    };
    assert_eq!((stat.version, stat.mzxid, stat.data_length), (1, 3, 2));
    assert_eq!(
        results[3..],
        [MultiOpResponse::Check, MultiOpResponse::Delete]
    );
    let m = h.stat(&mut c, "/m").unwrap();
    assert_eq!((m.num_children, m.cversion, m.pzxid), (1, 3, 3));
}

#[test]
fn a_failed_multi_changes_nothing_fires_nothing_and_still_takes_a_zxid() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    let mut watcher = h.connect(10_000);
    h.create(&mut c, "/m", "x", 0);
    h.create(&mut c, "/m/old", "x", 0);
    let before = (h.server.stat("/m"), h.server.stat("/m/old"));
    // A watch that the rolled-back delete would have fired.
    h.call(&mut watcher, OpCode::GetData, &path_watch("/m/old", true));
    let reply = h.call(
        &mut c,
        OpCode::Multi,
        &multi(vec![
            (OpCode::Create, create_body("/m/new-", "", 2)),
            (OpCode::Delete, delete_body("/m/old", -1)),
            (OpCode::SetData, set_data_body("/m", "y", -1)),
            (OpCode::Check, check("/m", 42)),
            (OpCode::Create, create_body("/m/later", "", 0)),
        ]),
    );
    assert_eq!(
        (reply.err, reply.zxid),
        (0, 5),
        "header err is 0; the zxid is spent"
    );
    assert_eq!(
        multi_results(&reply).results,
        [
            MultiOpResponse::Error(0),
            MultiOpResponse::Error(0),
            MultiOpResponse::Error(0),
            MultiOpResponse::Error(ErrorCode::BadVersion.as_i32()),
            MultiOpResponse::Error(ErrorCode::RuntimeInconsistency.as_i32()),
        ]
    );
    assert_eq!((h.server.stat("/m"), h.server.stat("/m/old")), before);
    assert_eq!(h.server.children("/m").unwrap(), ["old"]);
    assert!(
        h.frames(&watcher).is_empty(),
        "no event for a rolled-back change"
    );
    // The sequence number the rolled-back create used is free again.
    let reply = h.create(&mut c, "/m/new-", "", 2);
    assert_eq!(
        reply.decode::<zk_proto::records::Create2Response>().path,
        "/m/new-0000000001"
    );
}

#[test]
fn later_operations_see_earlier_ones_and_the_empty_multi_takes_a_zxid() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    let reply = h.call(
        &mut c,
        OpCode::Multi,
        &multi(vec![
            (OpCode::Create, create_body("/p", "", 0)),
            (OpCode::Create, create_body("/p/c", "", 0)),
            (OpCode::Delete, delete_body("/p", -1)),
        ]),
    );
    assert_eq!(
        multi_results(&reply).results[2],
        MultiOpResponse::Error(ErrorCode::NotEmpty.as_i32())
    );
    assert!(h.server.stat("/p").is_none());
    let reply = h.call(&mut c, OpCode::Multi, &multi(vec![]));
    assert_eq!((reply.err, reply.zxid), (0, 3));
    assert!(multi_results(&reply).results.is_empty());
}

#[test]
fn multi_read_answers_each_read_on_its_own() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/r", "zz", 0);
    h.create(&mut c, "/r/x", "", 0);
    let reply = h.call(
        &mut c,
        OpCode::MultiRead,
        &multi(vec![
            (OpCode::GetData, path_watch("/r", true)),
            (OpCode::GetChildren, path_watch("/nope", false)),
            (OpCode::GetChildren, path_watch("/r", true)),
        ]),
    );
    assert_eq!((reply.err, reply.zxid), (0, 3));
    let results = multi_results(&reply).results;
    let MultiOpResponse::GetData(data) = &results[0] else {
        panic!("{results:?}")
    };
    assert_eq!(data.data.as_deref(), Some(&b"zz"[..]));
    assert_eq!(results[1], MultiOpResponse::Error(-101));
    let MultiOpResponse::GetChildren(children) = &results[2] else {
        panic!("{results:?}")
    };
    assert_eq!(children.children, ["x"]);
    assert_eq!(h.server.watch_count(), 0, "multiRead sets no watches");

    // Mixing kinds is refused as a whole.
    let reply = h.call(
        &mut c,
        OpCode::Multi,
        &multi(vec![(OpCode::GetData, path_watch("/r", false))]),
    );
    assert_eq!(reply.err, ErrorCode::MarshallingError.as_i32());
    let reply = h.call(
        &mut c,
        OpCode::MultiRead,
        &multi(vec![(OpCode::Delete, delete_body("/r/x", -1))]),
    );
    assert_eq!(reply.err, ErrorCode::MarshallingError.as_i32());
    assert!(h.server.stat("/r/x").is_some());
}
