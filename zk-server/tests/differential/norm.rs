//! Rendering replies and events so that two servers' transcripts can be compared: paths
//! without the run's chroot, children and ephemerals sorted (ZooKeeper lists a hash set),
//! session ids by the order the sessions were made, times left out, and every zxid
//! replaced by its rank among the zxids the run saw (so zxids compare by order, not value).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use zk_proto::jute::Record;
use zk_proto::records::server::{MultiOpResponse, MultiResponse};
use zk_proto::records::{
    Create2Response, CreateResponse, ErrorResponse, GetAclResponse, GetAllChildrenNumberResponse,
    GetChildren2Response, GetChildrenResponse, GetDataResponse, GetEphemeralsResponse,
    SyncResponse,
};
use zk_proto::{OpCode, Stat};

use crate::wire::Reply;

/// Marks a zxid placeholder in a line until the run is over.
const MARK: char = '\u{1}';

/// One run's renderer.
pub(crate) struct Norm {
    pub(crate) chroot: String,
    /// Session ids in the order the run made them.
    pub(crate) sessions: Vec<i64>,
    zxids: Vec<i64>,
}

impl Norm {
    pub(crate) fn new(chroot: String) -> Norm {
        Norm {
            chroot,
            sessions: Vec::new(),
            zxids: Vec::new(),
        }
    }

    pub(crate) fn path(&self, path: &str) -> String {
        match path.strip_prefix(&self.chroot) {
            Some("") => "/".to_owned(),
            Some(rest) if rest.starts_with('/') => rest.to_owned(),
            _ => format!("outside:{path}"),
        }
    }

    fn z(&mut self, zxid: i64) -> String {
        self.zxids.push(zxid);
        format!("{MARK}{}{MARK}", self.zxids.len() - 1)
    }

    fn owner(&self, owner: i64) -> String {
        if owner == 0 {
            return "-".to_owned();
        }
        match self.sessions.iter().position(|s| *s == owner) {
            Some(i) => format!("S{i}"),
            None => "S?".to_owned(),
        }
    }

    fn stat(&mut self, s: &Stat) -> String {
        let (c, m, p) = (self.z(s.czxid), self.z(s.mzxid), self.z(s.pzxid));
        format!(
            "[c{c} m{m} p{p} v{} cv{} av{} o{} len{} n{}]",
            s.version,
            s.cversion,
            s.aversion,
            self.owner(s.ephemeral_owner),
            s.data_length,
            s.num_children
        )
    }

    /// A reply to `op`.
    pub(crate) fn reply(&mut self, op: OpCode, reply: &Reply) -> String {
        let zxid = self.z(reply.zxid);
        if reply.err != 0 {
            return format!("err {} z{zxid}", reply.err);
        }
        let body = reply.body.clone();
        let rendered = match op {
            OpCode::Create => self.path(&CreateResponse::from_bytes(body).unwrap().path),
            OpCode::Create2 | OpCode::CreateContainer | OpCode::CreateTtl => {
                let r = Create2Response::from_bytes(body).unwrap();
                format!("{} {}", self.path(&r.path), self.stat(&r.stat))
            }
            OpCode::SetData | OpCode::Exists | OpCode::SetAcl => {
                self.stat(&Stat::from_bytes(body).unwrap())
            }
            OpCode::GetData => {
                let r = GetDataResponse::from_bytes(body).unwrap();
                format!("{:?} {}", r.data, self.stat(&r.stat))
            }
            OpCode::GetChildren => {
                format!(
                    "{:?}",
                    sorted(GetChildrenResponse::from_bytes(body).unwrap().children)
                )
            }
            OpCode::GetChildren2 => {
                let r = GetChildren2Response::from_bytes(body).unwrap();
                format!("{:?} {}", sorted(r.children), self.stat(&r.stat))
            }
            OpCode::GetAcl => {
                let r = GetAclResponse::from_bytes(body).unwrap();
                format!("{:?} {}", r.acl, self.stat(&r.stat))
            }
            OpCode::GetAllChildrenNumber => GetAllChildrenNumberResponse::from_bytes(body)
                .unwrap()
                .total_number
                .to_string(),
            OpCode::GetEphemerals => {
                let mut paths: Vec<String> = GetEphemeralsResponse::from_bytes(body)
                    .unwrap()
                    .ephemerals
                    .iter()
                    .map(|p| self.path(p))
                    .collect();
                paths.sort();
                format!("{paths:?}")
            }
            OpCode::Sync => self.path(&SyncResponse::from_bytes(body).unwrap().path),
            OpCode::AddWatch => format!("{}", ErrorResponse::from_bytes(body).unwrap().err),
            OpCode::Multi | OpCode::MultiRead => {
                let results = MultiResponse::from_bytes(body).unwrap().results;
                let mut out = String::new();
                for result in results {
                    let one = match result {
                        MultiOpResponse::Create(r) => format!("create {}", self.path(&r.path)),
                        MultiOpResponse::Create2(r) => {
                            format!("create2 {} {}", self.path(&r.path), self.stat(&r.stat))
                        }
                        MultiOpResponse::Delete => "delete".to_owned(),
                        MultiOpResponse::SetData(stat) => format!("set {}", self.stat(&stat)),
                        MultiOpResponse::Check => "check".to_owned(),
                        MultiOpResponse::GetData(r) => {
                            format!("data {:?} {}", r.data, self.stat(&r.stat))
                        }
                        MultiOpResponse::GetChildren(r) => {
                            format!("children {:?}", sorted(r.children))
                        }
                        MultiOpResponse::Error(code) => format!("error {code}"),
                    };
                    let _ = write!(out, "{one}; ");
                }
                out
            }
            _ => format!("{} body bytes", reply.body.len()),
        };
        format!("ok z{zxid} {rendered}")
    }

    /// Events (type, server path), with paths relative to the chroot.
    pub(crate) fn events(&self, events: &[(i32, String)]) -> String {
        let rendered: Vec<String> = events
            .iter()
            .map(|(t, p)| format!("{t}:{}", self.path(p)))
            .collect();
        rendered.join(" ")
    }

    /// Replaces every zxid placeholder with the zxid's rank among those the run saw.
    pub(crate) fn finish(&self, lines: &[String]) -> Vec<String> {
        let mut distinct = self.zxids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let rank: BTreeMap<i64, usize> =
            distinct.iter().enumerate().map(|(i, z)| (*z, i)).collect();
        lines
            .iter()
            .map(|line| {
                let mut out = String::new();
                for (i, part) in line.split(MARK).enumerate() {
                    if i % 2 == 1 {
                        let zxid = self.zxids[part.parse::<usize>().unwrap()];
                        let _ = write!(out, "{}", rank[&zxid]);
                    } else {
                        out.push_str(part);
                    }
                }
                out
            })
            .collect()
    }
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}
