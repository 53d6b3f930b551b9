//! The conformance suite on tokio.

struct Tokio;

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

zk_tests::conformance_suite!(Tokio);
