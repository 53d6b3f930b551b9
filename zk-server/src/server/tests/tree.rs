use bytes::Bytes;
use zk_proto::records::server::RequestBody;
use zk_proto::records::{
    Create2Response, CreateResponse, CreateTtlRequest, GetAclResponse,
    GetAllChildrenNumberResponse, GetChildren2Response, GetChildrenResponse, GetDataResponse,
    GetEphemeralsResponse, SyncResponse,
};
use zk_proto::{Acl, ErrorCode, Id, OpCode, Perms, Stat};

use crate::ServerConfig;
use crate::testkit::{Harness, create_body, delete_body, path, path_watch, set_data_body};

const NO_NODE: i32 = -101;

#[test]
fn create_sets_every_stat_field_from_its_transaction() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.now += std::time::Duration::from_millis(1234);
    let reply = h.create(&mut c, "/a", "hello", 0);
    assert_eq!((reply.err, reply.zxid), (0, 2));
    let created: Create2Response = reply.decode();
    assert_eq!(created.path, "/a");
    let time = 1_700_000_000_000 + 1234;
    assert_eq!(
        created.stat,
        Stat {
            czxid: 2,
            mzxid: 2,
            ctime: time,
            mtime: time,
            version: 0,
            cversion: 0,
            aversion: 0,
            ephemeral_owner: 0,
            data_length: 5,
            num_children: 0,
            pzxid: 2,
        }
    );
    // create (1) answers with the path only.
    let reply = h.call(&mut c, OpCode::Create, &create_body("/b", "", 1));
    assert_eq!(reply.decode::<CreateResponse>().path, "/b");
    let b = h.stat(&mut c, "/b").unwrap();
    assert_eq!((b.ephemeral_owner, b.czxid), (c.session, 3));
    let root = h.stat(&mut c, "/").unwrap();
    // Two creations, plus /zookeeper which was never "created": 2*2 - 3.
    assert_eq!((root.cversion, root.num_children, root.pzxid), (1, 3, 3));
}

#[test]
fn sequential_names_come_from_the_persisted_cversion() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/q", "", 0);
    for i in 0..8 {
        let reply = h.create(&mut c, "/q/s-", "", 2);
        assert_eq!(
            reply.decode::<Create2Response>().path,
            format!("/q/s-{i:010}")
        );
    }
    assert_eq!(
        h.call(&mut c, OpCode::Delete, &delete_body("/q/s-0000000003", -1))
            .err,
        0
    );
    // 8 creations and 1 deletion: the next suffix is 8, the visible cversion 9.
    let reply = h.create(&mut c, "/q/s-", "", 2);
    assert_eq!(reply.decode::<Create2Response>().path, "/q/s-0000000008");
    let q = h.stat(&mut c, "/q").unwrap();
    assert_eq!((q.cversion, q.num_children), (10, 8));
    // A prefix ending in "/" names the child by its number alone.
    let reply = h.create(&mut c, "/q/", "", 2);
    assert_eq!(reply.decode::<Create2Response>().path, "/q/0000000009");
}

#[test]
fn set_data_and_delete_move_versions_and_the_parent() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/a", "x", 0);
    h.create(&mut c, "/a/b", "x", 0);
    let reply = h.call(&mut c, OpCode::SetData, &set_data_body("/a/b", "four", 0));
    let stat: Stat = reply.decode();
    assert_eq!(
        (stat.version, stat.mzxid, stat.czxid, stat.data_length),
        (1, 4, 3, 4)
    );
    let reply = h.call(&mut c, OpCode::SetData, &set_data_body("/a/b", "x", 0));
    assert_eq!(
        (reply.err, reply.zxid),
        (ErrorCode::BadVersion.as_i32(), 5),
        "a failed write takes a zxid"
    );
    assert_eq!(
        h.call(&mut c, OpCode::Delete, &delete_body("/a", -1)).err,
        ErrorCode::NotEmpty.as_i32()
    );
    assert_eq!(
        h.call(&mut c, OpCode::Delete, &delete_body("/a/b", 0)).err,
        ErrorCode::BadVersion.as_i32()
    );
    let reply = h.call(&mut c, OpCode::Delete, &delete_body("/a/b", 1));
    assert_eq!((reply.err, reply.zxid), (0, 8));
    let a = h.stat(&mut c, "/a").unwrap();
    assert_eq!((a.cversion, a.num_children, a.pzxid, a.mzxid), (2, 0, 8, 2));
    assert_eq!(
        h.call(&mut c, OpCode::Delete, &delete_body("/a/b", -1)).err,
        NO_NODE
    );
    for special in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
        assert_eq!(
            h.call(&mut c, OpCode::Delete, &delete_body(special, -1))
                .err,
            ErrorCode::BadArguments.as_i32(),
            "{special}"
        );
    }
}

#[test]
fn create_errors_in_zookeepers_order() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/e", "", 1);
    let err = |h: &mut Harness, c: &mut crate::testkit::Client, op, body| h.call(c, op, &body).err;
    let code = |e: ErrorCode| e.as_i32();
    assert_eq!(
        err(
            &mut h,
            &mut c,
            OpCode::Create,
            create_body("/missing/x/", "", 0)
        ),
        NO_NODE,
        "parent first"
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/a//b", "", 0)),
        NO_NODE
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/bad/", "", 0)),
        NO_NODE
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/x/", "", 0)),
        NO_NODE
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/x.", "", 0)),
        0
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/..", "", 0)),
        code(ErrorCode::BadArguments)
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/e", "", 0)),
        code(ErrorCode::NodeExists)
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/e/c", "", 0)),
        code(ErrorCode::NoChildrenForEphemerals)
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/f", "", 7)),
        code(ErrorCode::BadArguments)
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/f", "", 5)),
        code(ErrorCode::BadArguments),
        "TTL mode without a TTL"
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, create_body("/", "", 0)),
        code(ErrorCode::NodeExists)
    );
    let no_acl = RequestBody::Create(zk_proto::records::CreateRequest {
        path: "/g".into(),
        data: None,
        acl: vec![],
        flags: 0,
    });
    assert_eq!(
        err(&mut h, &mut c, OpCode::Create, no_acl),
        code(ErrorCode::InvalidAcl)
    );
    let ttl = |flags, ttl| {
        RequestBody::CreateTtl(CreateTtlRequest {
            path: "/t".into(),
            data: None,
            acl: Acl::open_unsafe(),
            flags,
            ttl,
        })
    };
    assert_eq!(
        err(&mut h, &mut c, OpCode::CreateTtl, ttl(5, 0)),
        code(ErrorCode::BadArguments)
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::CreateTtl, ttl(5, 1 << 40)),
        code(ErrorCode::BadArguments)
    );
    assert_eq!(
        err(&mut h, &mut c, OpCode::CreateTtl, ttl(0, 100)),
        code(ErrorCode::BadArguments)
    );
    let reply = h.call(&mut c, OpCode::CreateTtl, &ttl(5, 100));
    assert_eq!(reply.err, 0);
    assert_eq!(
        reply.decode::<Create2Response>().stat.ephemeral_owner,
        0,
        "masked"
    );

    let mut off = Harness::new(Harness::default_config().with_extended_types_enabled(false));
    let mut c = off.connect(10_000);
    assert_eq!(
        off.call(&mut c, OpCode::CreateTtl, &ttl(5, 100)).err,
        code(ErrorCode::Unimplemented)
    );
    assert!(!off.is_closed(c.conn), "an ordinary error reply");
}

#[test]
fn reads_of_the_builtin_nodes_and_null_data() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    let config = h.call(
        &mut c,
        OpCode::GetData,
        &path_watch("/zookeeper/config", false),
    );
    let config: GetDataResponse = config.decode();
    assert_eq!(
        (config.data, config.stat.aversion),
        (Some(Bytes::new()), -1)
    );
    let acl: GetAclResponse = h
        .call(&mut c, OpCode::GetAcl, &path("/zookeeper/config"))
        .decode();
    assert_eq!(acl.acl, vec![Acl::new(Perms::READ, Id::anyone())]);
    let children: GetChildrenResponse = h
        .call(&mut c, OpCode::GetChildren, &path_watch("/", false))
        .decode();
    assert_eq!(children.children, ["zookeeper"]);
    let children: GetChildren2Response = h
        .call(
            &mut c,
            OpCode::GetChildren2,
            &path_watch("/zookeeper", false),
        )
        .decode();
    assert_eq!(children.children, ["config", "quota"]);
    assert_eq!(
        (children.stat.cversion, children.stat.num_children),
        (-2, 2)
    );
    let count: GetAllChildrenNumberResponse = h
        .call(&mut c, OpCode::GetAllChildrenNumber, &path("/"))
        .decode();
    assert_eq!(count.total_number, 3);

    let null = RequestBody::Create(zk_proto::records::CreateRequest {
        path: "/n".into(),
        data: None,
        acl: Acl::open_unsafe(),
        flags: 0,
    });
    assert_eq!(h.call(&mut c, OpCode::Create, &null).err, 0);
    let data: GetDataResponse = h
        .call(&mut c, OpCode::GetData, &path_watch("/n", false))
        .decode();
    assert_eq!((data.data, data.stat.data_length), (None, 0));
    let reply = h.call(&mut c, OpCode::GetData, &path_watch("/nope", false));
    assert_eq!((reply.err, reply.zxid, reply.body.len()), (NO_NODE, 2, 0));
    let sync: SyncResponse = h.call(&mut c, OpCode::Sync, &path("/anything")).decode();
    assert_eq!(sync.path, "/anything");
}

#[test]
fn ephemerals_of_the_calling_session_by_string_prefix() {
    let mut h = Harness::new(Harness::default_config());
    let mut a = h.connect(10_000);
    let mut b = h.connect(10_000);
    h.create(&mut a, "/app", "", 0);
    h.create(&mut a, "/apple", "", 1);
    h.create(&mut a, "/app/x", "", 1);
    h.create(&mut b, "/app/y", "", 1);
    let all: GetEphemeralsResponse = h.call(&mut a, OpCode::GetEphemerals, &path("/")).decode();
    assert_eq!(all.ephemerals, ["/app/x", "/apple"]);
    let some: GetEphemeralsResponse = h
        .call(&mut a, OpCode::GetEphemerals, &path("/app/"))
        .decode();
    assert_eq!(some.ephemerals, ["/app/x"]);
    let count: GetAllChildrenNumberResponse = h
        .call(&mut b, OpCode::GetAllChildrenNumber, &path("/app"))
        .decode();
    assert_eq!(count.total_number, 2);
}

#[test]
fn a_frame_over_the_buffer_limit_closes_the_connection() {
    let mut h = Harness::new(ServerConfig::default().with_max_buffer(1000));
    let mut c = h.connect(10_000);
    assert_eq!(h.create(&mut c, "/ok", &"x".repeat(900), 0).err, 0);
    let frames = h.send(
        &mut c,
        OpCode::Create,
        &create_body("/big", &"x".repeat(1000), 0),
    );
    assert!(frames.is_empty());
    assert!(h.is_closed(c.conn));
}
