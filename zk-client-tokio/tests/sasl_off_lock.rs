//! A slow SASL mechanism step (GSSAPI waiting for its KDC) holds up nobody else: the step runs
//! on a thread of its own, off the driver and off the client's lock, so the same client's
//! other callers and other clients driven by the same thread carry on meanwhile.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zk_client_tokio::sasl::{
    DigestMd5, SaslConfig, SaslError, SaslMechanism, SaslMechanismFactory, SaslStep,
};
use zk_client_tokio::{HostPort, SessionState};
use zk_testing::Cluster;

const SECRET: &str = "s3cr3t-Pa55word";
const WAIT: Duration = Duration::from_secs(20);
/// Only turns a deadlock into a failure: a step that runs under the lock, or on the thread
/// the test needs, keeps the test from ever releasing it, and this ends the wait so the test
/// can say so instead of hanging.
const DEADLOCK_BREAKER: Duration = Duration::from_secs(60);

/// A server with a SASL DIGEST-MD5 user `bob`.
fn sasl_cluster() -> Cluster {
    Cluster::builder()
        .config(
            "authProvider.1",
            "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
        )
        .jaas_config(format!(
            "Server {{\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_bob=\"{SECRET}\";\n}};\n"
        ))
        .start()
        .expect("a SASL-enabled server starts")
}

/// How the test and the slow step meet: the step says it is waiting, then waits for the test.
struct Gate {
    entered: Mutex<Sender<()>>,
    release: Mutex<Receiver<()>>,
    /// Whether the step went on because of the deadlock breaker rather than the test.
    broke_out: Mutex<bool>,
}

/// DIGEST-MD5 whose answer to the server's challenge waits at the gate.
struct SlowDigest {
    inner: DigestMd5,
    gate: Arc<Gate>,
}

impl SaslMechanism for SlowDigest {
    fn name(&self) -> &str {
        "SLOW-DIGEST-MD5"
    }

    fn initial_response(&mut self) -> Result<Vec<u8>, SaslError> {
        self.inner.initial_response()
    }

    fn step(&mut self, challenge: Option<&[u8]>) -> Result<SaslStep, SaslError> {
        let first = challenge.is_some_and(|c| c.starts_with(b"realm="));
        if first {
            let _ = self.gate.entered.lock().unwrap().send(());
            let waited = self
                .gate
                .release
                .lock()
                .unwrap()
                .recv_timeout(DEADLOCK_BREAKER);
            if waited == Err(RecvTimeoutError::Timeout) {
                *self.gate.broke_out.lock().unwrap() = true;
            }
        }
        self.inner.step(challenge)
    }
}

struct SlowFactory(Arc<Gate>);

impl SaslMechanismFactory for SlowFactory {
    fn start(&self, _: &HostPort, random: u64) -> Result<Box<dyn SaslMechanism>, SaslError> {
        Ok(Box::new(SlowDigest {
            inner: DigestMd5::new("bob", SECRET, format!("{random:016x}")),
            gate: self.0.clone(),
        }))
    }
}

// One thread drives every client and the test itself: a step run in place would stop all of
// them, not only its own client.
#[tokio::test(flavor = "current_thread")]
async fn a_blocked_sasl_step_stalls_neither_its_client_nor_other_clients() {
    let cluster = sasl_cluster();
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let gate = Arc::new(Gate {
        entered: Mutex::new(entered_tx),
        release: Mutex::new(release_rx),
        broke_out: Mutex::new(false),
    });
    let slow = zk_client_tokio::builder(&cluster.connect_string())
        .sasl(SaslConfig::custom(
            "slow DIGEST-MD5",
            Arc::new(SlowFactory(gate.clone())),
        ))
        .start()
        .unwrap();
    // Wait for the step to block without blocking this thread, which drives the clients.
    tokio::task::spawn_blocking(move || entered_rx.recv())
        .await
        .unwrap()
        .expect("the slow step starts");

    // The step is blocked. Its client answers (its lock is free)...
    assert_eq!(slow.state(), SessionState::Connecting);
    // ...and another client on the same thread connects, authenticates and works.
    let other = zk_client_tokio::builder(&cluster.connect_string())
        .sasl_digest_md5("bob", SECRET)
        .connect()
        .await
        .expect("another client connects while the step is blocked");
    other
        .create("/while-blocked", "x")
        .await
        .expect("another client's request completes");
    assert_eq!(slow.state(), SessionState::Connecting, "still blocked");

    release_tx.send(()).unwrap();
    slow.wait_connected(WAIT)
        .await
        .expect("the slow client connects once its step returns");
    let ids = slow.who_am_i().await.unwrap();
    assert!(
        ids.iter()
            .any(|id| id.auth_scheme == "sasl" && id.user == "bob"),
        "{ids:?}"
    );
    assert_eq!(
        slow.get_data("/while-blocked").await.unwrap().0.as_ref(),
        b"x"
    );
    assert!(
        !*gate.broke_out.lock().unwrap(),
        "the step was released by the deadlock breaker, not by the test: it blocked others"
    );
    slow.close().await;
    other.close().await;
}
