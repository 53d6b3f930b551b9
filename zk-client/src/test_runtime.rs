//! A runtime that never connects, for unit tests that drive `Shared` and its outputs by hand.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use zk_proto::{Session, SessionConfig};

use crate::runtime::{BoxFuture, Runtime, Transport};
use crate::shared::Shared;

/// Every I/O call waits forever and spawned tasks are dropped: no driver runs, so the test is
/// the only one feeding outputs.
pub(crate) struct Inert;

impl Runtime for Inert {
    fn resolve(&self, _: &str, _: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        Box::pin(std::future::pending())
    }

    fn connect_tcp(&self, _: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn Transport>>> {
        Box::pin(std::future::pending())
    }

    fn sleep_until(&self, _: Instant) -> BoxFuture<'static, ()> {
        Box::pin(std::future::pending())
    }

    fn spawn(&self, _: BoxFuture<'static, ()>) {}
}

/// Client state over a session that is never connected.
pub(crate) fn shared() -> Arc<Shared> {
    let config = SessionConfig::new("127.0.0.1:2181").expect("a valid connect string");
    let session = Session::new(config, Instant::now()).expect("a session");
    Arc::new(Shared::new(session, Arc::new(Inert), None, Vec::new()))
}
