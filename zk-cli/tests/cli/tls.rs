//! TLS to a server's secure client port (feature `tls`), with and without a client
//! certificate.

use zk_testing::{CLIENT_COMMON_NAME, ClientAuth, Cluster};

use crate::support::run;

#[test]
fn tls_options_reach_the_secure_port() {
    let cluster = Cluster::builder()
        .tls(true)
        .tls_client_auth(ClientAuth::Want)
        .start()
        .expect("start a TLS server");
    let files = cluster.tls_files().unwrap();
    let secure = cluster.secure_connect_string();
    let ca = files.ca_path().to_str().unwrap();
    let cert = files.client_cert_path().to_str().unwrap();
    let key = files.client_key_path().to_str().unwrap();

    let plain = run(&["--server", &secure, "--tls-ca", ca, "ls", "/"]).ok();
    assert!(plain.lines().contains(&"zookeeper"), "{plain:?}");

    // With a client certificate, the server knows the client by its subject.
    let me = run(&[
        "--server",
        &secure,
        "--tls-ca",
        ca,
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        "whoami",
    ])
    .ok();
    let identity = format!("x509:CN={CLIENT_COMMON_NAME}");
    assert!(me.lines().contains(&identity.as_str()), "{me:?}");

    // Plain TCP to the secure port gets no session.
    let no_tls = run(&["--server", &secure, "--connect-timeout", "1s", "ls", "/"]);
    assert_eq!(no_tls.code, 3, "{no_tls:?}");

    let unreadable = run(&[
        "--server",
        &secure,
        "--tls-ca",
        "/nonexistent/ca.pem",
        "ls",
        "/",
    ]);
    assert_eq!(unreadable.code, 1, "{unreadable:?}");
    assert!(
        unreadable.stderr.contains("/nonexistent/ca.pem"),
        "{unreadable:?}"
    );
    assert_eq!(
        run(&["--server", &secure, "--tls-cert", cert, "ls", "/"]).code,
        2,
        "--tls-cert needs --tls-key and --tls-ca"
    );
}
