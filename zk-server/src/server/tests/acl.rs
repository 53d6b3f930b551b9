use bytes::Bytes;
use zk_proto::records::server::RequestBody;
use zk_proto::records::{
    AuthPacket, CreateRequest, GetAclResponse, GetDataResponse, SetAclRequest, WhoAmIResponse,
};
use zk_proto::{Acl, ErrorCode, Id, OpCode, Perms, Stat};

use crate::acl::digest_of;
use crate::testkit::{Client, Harness, path, path_watch, set_data_body};

fn auth(h: &mut Harness, c: &mut Client, scheme: &str, credential: &str) -> (i32, i32, i64) {
    let mut out = Vec::new();
    zk_proto::frame::write_frame(&mut out, |b| {
        use zk_proto::jute::Record;
        zk_proto::records::RequestHeader { xid: -4, op: 100 }.encode(b);
        AuthPacket {
            auth_type: 0,
            scheme: scheme.into(),
            auth: Bytes::copy_from_slice(credential.as_bytes()),
        }
        .encode(b);
    });
    h.send_raw(c.conn, &out);
    let frames = h.frames(c);
    assert_eq!(frames.len(), 1);
    (frames[0].xid, frames[0].err, frames[0].zxid)
}

fn create_with(h: &mut Harness, c: &mut Client, path: &str, acl: Vec<Acl>) -> i32 {
    let body = RequestBody::Create(CreateRequest {
        path: path.into(),
        data: Some(Bytes::from_static(b"secret")),
        acl,
        flags: 0,
    });
    h.call(c, OpCode::Create, &body).err
}

fn digest(user: &str, password: &str) -> Id {
    Id::new("digest", digest_of(&format!("{user}:{password}")))
}

#[test]
fn digest_acls_need_the_credential() {
    let mut h = Harness::new(Harness::default_config());
    let mut owner = h.connect(10_000);
    let mut other = h.connect(10_000);
    assert_eq!(auth(&mut h, &mut owner, "digest", "alice:pw"), (-4, 0, 0));
    assert_eq!(
        create_with(
            &mut h,
            &mut owner,
            "/s",
            vec![Acl::new(Perms::ALL, digest("alice", "pw"))]
        ),
        0
    );
    let no_auth = ErrorCode::NoAuth.as_i32();
    assert_eq!(
        h.call(&mut other, OpCode::GetData, &path_watch("/s", false))
            .err,
        no_auth
    );
    assert_eq!(
        h.call(&mut other, OpCode::SetData, &set_data_body("/s", "x", -1))
            .err,
        no_auth
    );
    assert_eq!(
        create_with(&mut h, &mut other, "/s/c", Acl::open_unsafe()),
        no_auth
    );
    // exists needs READ on an existing node too (3.9.2+), and leaves no watch then.
    let reply = h.call(&mut other, OpCode::Exists, &path_watch("/s", true));
    assert_eq!(reply.err, no_auth);
    assert_eq!(h.server.watch_count(), 0);
    // getACL needs READ or ADMIN.
    assert_eq!(h.call(&mut other, OpCode::GetAcl, &path("/s")).err, no_auth);
    assert_eq!(auth(&mut h, &mut other, "digest", "alice:pw").1, 0);
    let data: GetDataResponse = h
        .call(&mut other, OpCode::GetData, &path_watch("/s", false))
        .decode();
    assert_eq!(data.data.as_deref(), Some(&b"secret"[..]));
}

#[test]
fn the_auth_scheme_expands_to_the_connections_digest_ids() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    let creator = vec![Acl::new(Perms::ALL, Id::authenticated())];
    assert_eq!(
        create_with(&mut h, &mut c, "/a", creator.clone()),
        ErrorCode::InvalidAcl.as_i32(),
        "ip does not count"
    );
    auth(&mut h, &mut c, "digest", "bob:pw");
    assert_eq!(create_with(&mut h, &mut c, "/a", creator), 0);
    let acl: GetAclResponse = h.call(&mut c, OpCode::GetAcl, &path("/a")).decode();
    assert_eq!(acl.acl, vec![Acl::new(Perms::ALL, digest("bob", "pw"))]);
}

#[test]
fn get_acl_without_admin_masks_digests() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    let mut reader = h.connect(10_000);
    let acl = vec![
        Acl::new(Perms::ALL, digest("bob", "pw")),
        Acl::new(Perms::READ, Id::anyone()),
    ];
    assert_eq!(create_with(&mut h, &mut c, "/m", acl), 0);
    let shown: GetAclResponse = h.call(&mut reader, OpCode::GetAcl, &path("/m")).decode();
    assert_eq!(shown.acl[0].id, Id::new("digest", "bob:x"));
    assert_eq!(shown.acl[1].id, Id::anyone());
}

#[test]
fn set_acl_needs_admin_and_counts_the_aversion() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    create_with(&mut h, &mut c, "/a", Acl::open_unsafe());
    let set = |acl: Vec<Acl>, version| {
        RequestBody::SetAcl(SetAclRequest {
            path: "/a".into(),
            acl,
            version,
        })
    };
    let reply = h.call(&mut c, OpCode::SetAcl, &set(Acl::read_unsafe(), 0));
    let stat: Stat = reply.decode();
    assert_eq!((stat.aversion, stat.version, stat.mzxid), (1, 0, 2));
    assert_eq!(
        h.call(&mut c, OpCode::SetAcl, &set(Acl::open_unsafe(), 0))
            .err,
        ErrorCode::NoAuth.as_i32()
    );
    assert_eq!(
        h.call(&mut c, OpCode::SetData, &set_data_body("/a", "x", -1))
            .err,
        ErrorCode::NoAuth.as_i32()
    );
    assert_eq!(
        h.call(&mut c, OpCode::SetAcl, &set(vec![], -1)).err,
        ErrorCode::InvalidAcl.as_i32()
    );
}

#[test]
fn ip_acls_match_the_peer_address() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    assert_eq!(
        create_with(
            &mut h,
            &mut c,
            "/local",
            vec![Acl::new(Perms::ALL, Id::new("ip", "127.0.0.0/8"))]
        ),
        0
    );
    assert_eq!(
        create_with(
            &mut h,
            &mut c,
            "/remote",
            vec![Acl::new(Perms::ALL, Id::new("ip", "10.0.0.1"))]
        ),
        0
    );
    assert_eq!(
        h.call(&mut c, OpCode::GetData, &path_watch("/local", false))
            .err,
        0
    );
    assert_eq!(
        h.call(&mut c, OpCode::GetData, &path_watch("/remote", false))
            .err,
        ErrorCode::NoAuth.as_i32()
    );
}

#[test]
fn the_super_digest_may_do_anything() {
    let config = Harness::default_config().with_super_digest(Some(digest_of("super:test")));
    let mut h = Harness::new(config);
    let mut c = h.connect(10_000);
    let mut admin = h.connect(10_000);
    create_with(
        &mut h,
        &mut c,
        "/locked",
        vec![Acl::new(Perms::READ, Id::new("ip", "10.9.9.9"))],
    );
    assert_eq!(auth(&mut h, &mut admin, "digest", "super:test").1, 0);
    assert_eq!(
        h.call(&mut admin, OpCode::GetData, &path_watch("/locked", false))
            .err,
        0
    );
    assert_eq!(
        h.call(
            &mut admin,
            OpCode::SetData,
            &set_data_body("/locked", "x", -1)
        )
        .err,
        0
    );
    // whoAmI lists the ip and digest ids, not super.
    let who: WhoAmIResponse = h
        .call(&mut admin, OpCode::WhoAmI, &RequestBody::Empty)
        .decode();
    let ids: Vec<(String, String)> = who
        .client_info
        .into_iter()
        .map(|i| (i.auth_scheme, i.user))
        .collect();
    assert_eq!(
        ids,
        [
            ("ip".into(), "127.0.0.1".into()),
            ("digest".into(), "super".into())
        ]
    );
}

#[test]
fn an_unknown_auth_scheme_fails_the_connection() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    assert_eq!(
        auth(&mut h, &mut c, "nosuchscheme", "zzz"),
        (-4, ErrorCode::AuthFailed.as_i32(), 0)
    );
    assert!(h.is_closed(c.conn));
}

#[test]
fn events_need_read_permission_on_the_node() {
    let mut h = Harness::new(Harness::default_config());
    let mut writer = h.connect(10_000);
    let mut watcher = h.connect(10_000);
    let reply = h.call(
        &mut watcher,
        OpCode::AddWatch,
        &RequestBody::AddWatch(zk_proto::records::AddWatchRequest {
            path: "/".into(),
            mode: 1,
        }),
    );
    assert_eq!(reply.err, 0);
    create_with(
        &mut h,
        &mut writer,
        "/hidden",
        vec![Acl::new(Perms::ALL, Id::new("ip", "10.9.9.9"))],
    );
    create_with(&mut h, &mut writer, "/open", Acl::open_unsafe());
    let events: Vec<(i32, String)> = h.frames(&watcher).iter().map(|f| f.event()).collect();
    assert_eq!(events, [(1, "/open".into())]);
}
