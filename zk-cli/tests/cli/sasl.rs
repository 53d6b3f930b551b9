//! SASL DIGEST-MD5, against a server of its own configured for it.

use zk_testing::Cluster;

use crate::support::{command, run};

const JAAS: &str = r#"Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_super="test"
    user_bob="bobsecret";
};"#;

#[test]
fn sasl_digest_md5_authenticates_or_exits_4() {
    let cluster = Cluster::builder()
        .config(
            "authProvider.1",
            "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
        )
        .jaas_config(JAAS)
        .start()
        .expect("start a SASL-enabled server");
    let connect = cluster.connect_string();

    let me = run(&[
        "--server",
        &connect,
        "--sasl-digest-md5",
        "bob:bobsecret",
        "whoami",
    ])
    .ok();
    assert!(me.lines().contains(&"sasl:bob"), "{me:?}");

    let output = command()
        .env("ZK_SASL_DIGEST_MD5", "bob:bobsecret")
        .args(["--server", &connect, "whoami"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("sasl:bob"),
        "{output:?}"
    );

    let wrong = run(&[
        "--server",
        &connect,
        "--sasl-digest-md5",
        "bob:wrong",
        "ls",
        "/",
    ]);
    assert_eq!(wrong.code, 4, "{wrong:?}");
    assert!(wrong.stderr.contains("SASL DIGEST-MD5 as bob"), "{wrong:?}");
}
