//! The conformance suite on the blocking adapter: the scenarios' async code runs on the
//! calling thread with `zk_client_blocking::block_on`, over the adapter's own I/O thread, with
//! no async runtime anywhere.

struct Blocking;

impl zk_tests::Adapter for Blocking {
    fn builder(connect_string: &str) -> zk_client::ClientBuilder {
        zk_client_blocking::builder(connect_string)
    }

    fn run(scenario: impl std::future::Future<Output = ()> + 'static) {
        zk_client_blocking::block_on(scenario);
    }
}

zk_tests::conformance_suite!(Blocking);
