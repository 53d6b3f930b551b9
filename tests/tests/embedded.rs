//! The conformance scenarios that need only a server, on every adapter, against the embedded
//! `zk-server` (no Java in this process): a fourth target beside the real ZooKeeper ones.

mod adapters;

mod on_tokio {
    zk_tests::embedded_suite!(super::adapters::Tokio);
}

mod on_smol {
    zk_tests::embedded_suite!(super::adapters::Smol);
}

mod on_blocking {
    zk_tests::embedded_suite!(super::adapters::Blocking);
}
