//! The `zk` binary as a user runs it, against a real ZooKeeper (zk-testing's shared server,
//! or `ZK_TESTING_CONNECT`): its output, its `--json` documents and its exit codes.

mod admin;
mod bulk;
mod embedded;
mod ensemble;
mod errors;
mod hold;
mod kazoo;
mod read;
mod recipes;
mod sasl;
mod shell;
mod subtree;
mod support;
#[cfg(feature = "tls")]
mod tls;
mod txn;
mod watch;
mod write;
