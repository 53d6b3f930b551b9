//! The conformance suite on tokio.

mod adapters;

zk_tests::conformance_suite!(adapters::Tokio);
