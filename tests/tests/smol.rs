//! The conformance suite on smol (async-io, futures-lite).

struct Smol;

impl zk_tests::Adapter for Smol {
    fn builder(connect_string: &str) -> zk_client::ClientBuilder {
        zk_client_smol::builder(connect_string)
    }

    fn run(scenario: impl std::future::Future<Output = ()> + 'static) {
        futures_lite::future::block_on(scenario);
    }
}

zk_tests::conformance_suite!(Smol);
