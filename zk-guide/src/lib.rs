//! # The zk-rs guide
//!
//! How to use the zk-rs ZooKeeper clients, chapter by chapter, in the order of kazoo's
//! documentation. Each chapter is a module of this crate, so that its code blocks are compiled
//! by the test suite (`cargo test -p zk-guide --doc`); the blocks that need a server are
//! compiled, not run, and the runnable programs are the examples named in each chapter, which
//! the test suite runs too.
//!
//! 1. [`connecting`]: adding the crate, connecting, the connect string, options, closing.
//! 2. [`operations`]: create, read, update, delete; errors; retries; request order.
//! 3. [`watches`]: one-shot, persistent and recursive watches, and what a reconnect does to them.
//! 4. [`sessions`]: session states and what to do in each.
//! 5. [`runtimes`]: tokio, smol, or another executor.
//! 6. [`blocking`]: the client from plain threads.
//! 7. [`transactions`]: several writes, all or nothing; several reads in one round trip.
//! 8. [`security`]: digest credentials and ACLs, SASL, TLS.
//! 9. [`recipes`]: locks, elections, queues, barriers, counters, parties, caches, leases.
//! 10. [`testing`]: testing your code against real ZooKeeper.
//! 11. [`embedding`]: the protocol core in your own event loop.
//! 12. [`performance`]: what costs what, and the knobs.
//! 13. [`migrating`]: from kazoo and from `zookeeper-client`, name by name.

/// Chapter 1.
pub mod connecting {
    #![doc = include_str!("../chapters/01-connecting.md")]
}
/// Chapter 2.
pub mod operations {
    #![doc = include_str!("../chapters/02-operations.md")]
}
/// Chapter 3.
pub mod watches {
    #![doc = include_str!("../chapters/03-watches.md")]
}
/// Chapter 4.
pub mod sessions {
    #![doc = include_str!("../chapters/04-sessions.md")]
}
/// Chapter 5.
pub mod runtimes {
    #![doc = include_str!("../chapters/05-runtimes.md")]
}
/// Chapter 6.
pub mod blocking {
    #![doc = include_str!("../chapters/06-blocking.md")]
}
/// Chapter 7.
pub mod transactions {
    #![doc = include_str!("../chapters/07-transactions.md")]
}
/// Chapter 8.
pub mod security {
    #![doc = include_str!("../chapters/08-security.md")]
}
/// Chapter 9.
pub mod recipes {
    #![doc = include_str!("../chapters/09-recipes.md")]
}
/// Chapter 10.
pub mod testing {
    #![doc = include_str!("../chapters/10-testing.md")]
}
/// Chapter 11.
pub mod embedding {
    #![doc = include_str!("../chapters/11-embedding.md")]
}
/// Chapter 12.
pub mod performance {
    #![doc = include_str!("../chapters/12-performance.md")]
}
/// Chapter 13.
pub mod migrating {
    #![doc = include_str!("../chapters/13-migrating.md")]
}
