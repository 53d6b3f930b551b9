//! The conformance suite on smol (async-io, futures-lite).

mod adapters;

zk_tests::conformance_suite!(adapters::Smol);
