//! The three adapters the suites run on, shared by the test binaries (each binary uses some).

#![allow(dead_code)]

/// tokio: a multi-threaded runtime per scenario.
pub(crate) struct Tokio;

impl zk_tests::Adapter for Tokio {
    fn builder(connect_string: &str) -> zk_client::ClientBuilder {
        zk_client_tokio::builder(connect_string)
    }

    fn run(scenario: impl std::future::Future<Output = ()> + 'static) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
            .block_on(scenario);
    }
}

/// smol: async-io and futures-lite.
pub(crate) struct Smol;

impl zk_tests::Adapter for Smol {
    fn builder(connect_string: &str) -> zk_client::ClientBuilder {
        zk_client_smol::builder(connect_string)
    }

    fn run(scenario: impl std::future::Future<Output = ()> + 'static) {
        futures_lite::future::block_on(scenario);
    }
}

/// The blocking adapter: the scenarios' async code runs on the calling thread with
/// `zk_client_blocking::block_on`, over the adapter's own I/O thread, with no async runtime.
pub(crate) struct Blocking;

impl zk_tests::Adapter for Blocking {
    fn builder(connect_string: &str) -> zk_client::ClientBuilder {
        zk_client_blocking::builder(connect_string).into_async()
    }

    fn run(scenario: impl std::future::Future<Output = ()> + 'static) {
        zk_client_blocking::block_on(scenario);
    }
}
