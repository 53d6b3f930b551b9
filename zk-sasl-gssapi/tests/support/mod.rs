//! A real Kerberos realm on loopback for the tests: MIT's KDC (`krb5kdc`) from Debian's
//! packages, a database made with `kdb5_util` and `kadmin.local`, all in a temporary directory
//! with its own `krb5.conf` and `kdc.conf`.
//!
//! MIT Kerberos takes its configuration from the environment (`KRB5_CONFIG`, `KRB5CCNAME`,
//! `KRB5_CLIENT_KTNAME`), which a test must not change in a running, multi-threaded process
//! (and `std::env::set_var` is `unsafe`, forbidden here). So each test runs twice:
//!
//! * in this test binary (the *parent*), [`kerberized`] starts the realm once (shared by every
//!   test of the binary), then runs this same binary again for that one test, with the
//!   realm's variables in the child's environment, and checks that the test passed there;
//! * in that child (which sees [`CHILD_MARKER`]), [`kerberized`] runs the test's body on a
//!   tokio runtime, where it starts ZooKeeper ([`Realm::zookeeper`]) and connects clients.
//!
//! The KDC runs under a `/bin/sh` wrapper that kills it and removes the realm's directory
//! when its stdin reaches EOF: when the parent exits or dies, SIGKILL included (the kernel
//! closes the pipe), as zk-testing's wrapper does for ZooKeeper.

#![allow(dead_code)] // each test binary uses a part

use std::ffi::OsString;
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The realm.
pub(crate) const REALM: &str = "TEST.ZK";
/// ZooKeeper's principal (its keytab is `server.keytab`).
pub(crate) const SERVER: &str = "zookeeper/localhost@TEST.ZK";
/// A service the KDC knows but ZooKeeper has no key for.
pub(crate) const OTHER_SERVICE: &str = "zookeeper/elsewhere@TEST.ZK";
/// The client with a key in the client keytab.
pub(crate) const CLIENT: &str = "client@TEST.ZK";
/// In the client keytab, but deleted from the KDC since: unknown to the KDC.
pub(crate) const GHOST: &str = "ghost@TEST.ZK";
/// In the client keytab, but its key changed in the KDC since: a wrong keytab.
pub(crate) const STALE: &str = "stale@TEST.ZK";
/// Neither in the KDC nor in any keytab.
pub(crate) const NOBODY: &str = "nobody@TEST.ZK";
/// A user with a password, put in the child's default credential cache by `kinit`.
pub(crate) const ALICE: &str = "alice@TEST.ZK";
/// Alice's password.
pub(crate) const ALICE_PASSWORD: &str = "alice-Pa55word";
/// A user with a password, for `GssapiConfig::password`.
pub(crate) const BOB: &str = "bob@TEST.ZK";
/// Bob's password.
pub(crate) const BOB_PASSWORD: &str = "bob-Pa55word";

/// Set in the child's environment to the realm's directory.
pub(crate) const CHILD_MARKER: &str = "ZK_SASL_GSSAPI_TEST_REALM";

/// How long one child may run.
const CHILD_TIMEOUT: Duration = Duration::from_secs(240);

/// The realm as the child sees it: files in one directory.
#[derive(Debug, Clone)]
pub(crate) struct Realm {
    dir: PathBuf,
}

impl Realm {
    /// `krb5.conf`, for the client (through `KRB5_CONFIG`) and for Java.
    pub(crate) fn krb5_conf(&self) -> PathBuf {
        self.dir.join("krb5.conf")
    }

    /// ZooKeeper's keytab.
    pub(crate) fn server_keytab(&self) -> PathBuf {
        self.dir.join("server.keytab")
    }

    /// A ZooKeeper server that authenticates clients with Kerberos.
    pub(crate) fn zookeeper(&self) -> zk_testing::Cluster {
        let jaas = format!(
            "Server {{\n  com.sun.security.auth.module.Krb5LoginModule required\n  \
             useKeyTab=true\n  keyTab=\"{}\"\n  storeKey=true\n  useTicketCache=false\n  \
             principal=\"{SERVER}\";\n}};\n",
            self.server_keytab().display()
        );
        let mut builder = zk_testing::Cluster::builder()
            .config(
                "authProvider.1",
                "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
            )
            .jaas_config(jaas)
            .system_property(
                "java.security.krb5.conf",
                self.krb5_conf().display().to_string(),
            );
        if std::env::var_os("ZK_SASL_GSSAPI_JAVA_DEBUG").is_some() {
            builder = builder.system_property("sun.security.krb5.debug", "true");
        }
        builder
            .start()
            .expect("a Kerberos-enabled ZooKeeper starts")
    }

    /// Runs `kinit principal` with `password` into the child's default credential cache
    /// (`KRB5CCNAME`), in a subprocess.
    pub(crate) fn kinit(&self, principal: &str, password: &str) {
        let mut child = Command::new(tool("kinit"))
            .arg(principal)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kinit runs");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("piped");
            writeln!(stdin, "{password}").expect("kinit reads the password");
        }
        let out = child.wait_with_output().expect("kinit ends");
        assert!(
            out.status.success(),
            "kinit {principal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The log lines (warnings and up) captured in this child since the last call, also
    /// echoed to stdout.
    pub(crate) fn take_logs(&self) -> String {
        let mut logs = capture_logs().lock().unwrap();
        String::from_utf8_lossy(&std::mem::take(&mut *logs)).into_owned()
    }
}

fn capture_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || Capture(sink.clone()))
            .init();
        logs
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        std::io::stdout().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `body` in a child process that has the realm's environment (see the module's docs).
/// `name` must be the test function's name.
pub(crate) fn kerberized<F, Fut>(name: &str, body: F)
where
    F: FnOnce(Realm) -> Fut,
    Fut: Future<Output = ()>,
{
    if let Some(dir) = std::env::var_os(CHILD_MARKER) {
        let realm = Realm {
            dir: PathBuf::from(dir),
        };
        capture_logs();
        // The parent holds our stdin's only writer: EOF means it is gone, and so must we be
        // (our ZooKeeper wrappers then see EOF in turn and kill their servers).
        std::thread::spawn(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            std::process::exit(101);
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(body(realm));
        return;
    }
    let kdc = shared_kdc();
    let ccache = kdc.dir.join(format!("ccache-{name}"));
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_MARKER, &kdc.dir)
        .env("KRB5_CONFIG", kdc.dir.join("krb5.conf"))
        .env("KRB5_CLIENT_KTNAME", kdc.dir.join("client.keytab"))
        .env("KRB5CCNAME", format!("FILE:{}", ccache.display()))
        .env_remove("KRB5_KTNAME")
        .env_remove("KRB5_KDC_PROFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary runs again");
    // Kept open until the child ends: its EOF tells the child that this process is gone.
    let lifeline = child.stdin.take();
    let stdout = drain(child.stdout.take().expect("piped"));
    let stderr = drain(child.stderr.take().expect("piped"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break Some(status);
        }
        if started.elapsed() > CHILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(lifeline);
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    // Shown by the test harness when this test fails (or with --nocapture).
    println!("--- child stdout ---\n{stdout}\n--- child stderr ---\n{stderr}");
    let status = status.unwrap_or_else(|| panic!("{name} ran over {CHILD_TIMEOUT:?} in the child"));
    assert!(status.success(), "{name} failed in the child ({status})");
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "the child did not run {name}"
    );
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The running KDC of this (parent) process, and the realm's directory.
struct Kdc {
    dir: PathBuf,
    port: u16,
    /// Its only writer: EOF (this process's exit) makes the wrapper kill the KDC.
    _stdin: ChildStdin,
    _wrapper: Child,
}

fn shared_kdc() -> &'static Kdc {
    static KDC: OnceLock<Kdc> = OnceLock::new();
    KDC.get_or_init(|| {
        let mut last = String::new();
        // A port picked free can be taken before the KDC binds it: try again, a few times.
        for _ in 0..3 {
            match start_kdc() {
                Ok(kdc) => return kdc,
                Err(err) => last = err,
            }
        }
        panic!("the test KDC does not start: {last}")
    })
}

/// The wrapper: `$1` = the realm's directory (removed at the end), the rest = the KDC's
/// command. It prints the KDC's pid, then waits for EOF on stdin.
const WRAPPER: &str = r#"dir=$1
shift
"$@" </dev/null >>"$dir/kdc.out" 2>&1 &
pid=$!
trap '' PIPE
trap 'kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"; exit 143' TERM HUP INT
echo "$pid"
while IFS= read -r _line; do :; done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$dir"
"#;

fn start_kdc() -> Result<Kdc, String> {
    for program in ["krb5kdc", "kdb5_util", "kadmin.local", "kinit"] {
        if !tool(program).is_file() {
            return Err(format!(
                "{program} is missing: install krb5-kdc, krb5-admin-server (for kadmin.local) \
                 and krb5-user (scripts/install-deps.sh does)"
            ));
        }
    }
    let dir = tempfile::Builder::new()
        .prefix("zk-sasl-gssapi-realm-")
        .tempdir()
        .map_err(|e| format!("a temporary directory: {e}"))?
        .keep();
    let port = free_port()?;
    let d = dir.display();
    let krb5_conf = format!(
        "[libdefaults]\n\
         \x20   default_realm = {REALM}\n\
         \x20   dns_lookup_kdc = false\n\
         \x20   dns_lookup_realm = false\n\
         \x20   dns_canonicalize_hostname = true\n\
         \x20   rdns = true\n\
         \x20   udp_preference_limit = 1\n\
         \x20   kdc_timeout = 3000\n\
         \x20   max_retries = 1\n\
         [realms]\n\
         \x20   {REALM} = {{\n\
         \x20       kdc = 127.0.0.1:{port}\n\
         \x20   }}\n\
         [domain_realm]\n\
         \x20   localhost = {REALM}\n"
    );
    let kdc_conf = format!(
        "[kdcdefaults]\n\
         \x20   kdc_listen = 127.0.0.1:{port}\n\
         \x20   kdc_tcp_listen = 127.0.0.1:{port}\n\
         [realms]\n\
         \x20   {REALM} = {{\n\
         \x20       database_name = {d}/principal\n\
         \x20       key_stash_file = {d}/stash\n\
         \x20       acl_file = {d}/kadm5.acl\n\
         \x20       max_life = 1h\n\
         \x20   }}\n\
         [logging]\n\
         \x20   kdc = FILE:{d}/kdc.log\n\
         \x20   default = FILE:{d}/kdc.log\n"
    );
    std::fs::write(dir.join("krb5.conf"), krb5_conf).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("kdc.conf"), kdc_conf).map_err(|e| e.to_string())?;
    let env = [
        ("KRB5_CONFIG", dir.join("krb5.conf").into_os_string()),
        ("KRB5_KDC_PROFILE", dir.join("kdc.conf").into_os_string()),
    ];

    run(
        &env,
        "kdb5_util",
        &["-r", REALM, "create", "-s", "-P", "test-master-key"],
    )?;
    let keytab = |name: &str| dir.join(name).display().to_string();
    for query in [
        format!("addprinc -randkey {SERVER}"),
        format!("ktadd -k {} {SERVER}", keytab("server.keytab")),
        format!("addprinc -randkey {OTHER_SERVICE}"),
        // The client keytab: `client` first (the default principal of a keytab is its first).
        format!("addprinc -randkey {CLIENT}"),
        format!("ktadd -k {} {CLIENT}", keytab("client.keytab")),
        format!("addprinc -randkey {GHOST}"),
        format!("ktadd -k {} {GHOST}", keytab("client.keytab")),
        format!("delprinc -force {GHOST}"),
        format!("addprinc -randkey {STALE}"),
        format!("ktadd -k {} {STALE}", keytab("client.keytab")),
        format!("cpw -randkey {STALE}"),
        format!("addprinc -pw {ALICE_PASSWORD} {ALICE}"),
        format!("addprinc -pw {BOB_PASSWORD} {BOB}"),
    ] {
        run(&env, "kadmin.local", &["-r", REALM, "-q", &query])?;
    }

    let mut wrapper = Command::new("/bin/sh")
        .arg("-c")
        .arg(WRAPPER)
        .arg("zk-sasl-gssapi-kdc")
        .arg(&dir)
        .arg(tool("krb5kdc"))
        .args(["-n", "-r", REALM])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("the KDC wrapper: {e}"))?;
    let stdin = wrapper.stdin.take().expect("piped");
    let mut line = String::new();
    BufReader::new(wrapper.stdout.take().expect("piped"))
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let kdc = Kdc {
        dir,
        port,
        _stdin: stdin,
        _wrapper: wrapper,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if Instant::now() > deadline {
            let out = std::fs::read_to_string(kdc.dir.join("kdc.out")).unwrap_or_default();
            let log = std::fs::read_to_string(kdc.dir.join("kdc.log")).unwrap_or_default();
            // Dropping `kdc` ends the wrapper, which removes the directory.
            return Err(format!(
                "krb5kdc (pid {}) does not listen on 127.0.0.1:{port}: {out}{log}",
                line.trim()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(kdc)
}

/// A port free for both TCP and UDP on 127.0.0.1.
fn free_port() -> Result<u16, String> {
    for _ in 0..20 {
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
        let port = tcp.local_addr().map_err(|e| e.to_string())?.port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err("no port free for both TCP and UDP".into())
}

fn run(env: &[(&str, OsString)], program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(tool(program))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Where a Kerberos program is: the PATH, else /usr/sbin and /usr/bin (not on every user's
/// PATH).
pub(crate) fn tool(program: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| Path::new("/usr/sbin").join(program))
}
