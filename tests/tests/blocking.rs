//! The conformance suite on the blocking adapter: no async runtime anywhere.

mod adapters;

zk_tests::conformance_suite!(adapters::Blocking);
