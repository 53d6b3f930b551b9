//! The hostile-server scenarios on every adapter, in a test binary of their own: no real
//! ZooKeeper runs in this process, so the CPU a scenario measures (process-wide) is the
//! client's under attack, not another scenario's.

mod adapters;

mod on_tokio {
    zk_tests::hostile_suite!(super::adapters::Tokio);
}

mod on_smol {
    zk_tests::hostile_suite!(super::adapters::Smol);
}

mod on_blocking {
    zk_tests::hostile_suite!(super::adapters::Blocking);
}
