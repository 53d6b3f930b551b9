//! Finding a Java runtime and the ZooKeeper jars.

use std::env;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Debian's `zookeeper` package: the server jar, whose manifest `Class-Path` names its
/// dependencies.
const DEBIAN_JAR: &str = "/usr/share/java/zookeeper.jar";
/// Debian's `libslf4j-java`: routes the server's logging to stderr (which becomes the node's
/// log file). Without a binding, slf4j logs nothing at all.
const DEBIAN_SLF4J_SIMPLE: &str = "/usr/share/java/slf4j-simple.jar";
/// Debian's `libnetty-java`: the Netty codecs. The 3.8.0 package's manifest leaves them out,
/// yet its Netty connection factory needs them for TLS (`SslHandler` is a
/// `ByteToMessageDecoder`): without this jar every TLS connection is closed at once.
const DEBIAN_NETTY_CODEC: &str = "/usr/share/java/netty-codec.jar";

/// Where the Java runtime and the ZooKeeper jars are: everything needed to run
/// `org.apache.zookeeper.server.quorum.QuorumPeerMain`.
///
/// [`Installation::detect`] looks, in order:
///
/// - **Java**: `$ZK_TESTING_JAVA`, else `$JAVA_HOME/bin/java`, else `java` on `PATH`.
/// - **Classpath**: `$ZK_TESTING_CLASSPATH` (used as is, `:`-separated), else Debian's
///   `/usr/share/java/zookeeper.jar` (plus `/usr/share/java/slf4j-simple.jar` when present,
///   so the server logs, and `/usr/share/java/netty-codec.jar`, which the package's
///   manifest omits but TLS needs), else a release tarball at `$ZOOKEEPER_HOME`
///   (`$ZOOKEEPER_HOME/lib/*.jar` and `$ZOOKEEPER_HOME/*.jar`).
///
/// ```no_run
/// let install = zk_testing::Installation::detect()?;
/// println!("java {} with {:?}", install.java().display(), install.classpath());
/// # Ok::<(), zk_testing::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    java: PathBuf,
    classpath: OsString,
}

impl Installation {
    /// An installation with an explicit `java` executable and classpath (`:`-separated).
    pub fn new(java: impl Into<PathBuf>, classpath: impl Into<OsString>) -> Self {
        Installation {
            java: java.into(),
            classpath: classpath.into(),
        }
    }

    /// Finds Java and ZooKeeper from the environment (see the type's documentation).
    ///
    /// Fails with [`Error::JavaNotFound`] or [`Error::ZooKeeperNotFound`] and a message that
    /// says what was tried, so a test that cannot run says why.
    ///
    /// # Errors
    ///
    /// [`Error::JavaNotFound`] or [`Error::ZooKeeperNotFound`], as above.
    pub fn detect() -> Result<Self> {
        Ok(Installation {
            java: detect_java()?,
            classpath: detect_classpath()?,
        })
    }

    /// The `java` executable.
    pub fn java(&self) -> &Path {
        &self.java
    }

    /// The classpath passed to `java -cp`.
    pub fn classpath(&self) -> &OsStr {
        &self.classpath
    }
}

fn non_empty_var(name: &str) -> Option<OsString> {
    env::var_os(name).filter(|v| !v.is_empty())
}

fn detect_java() -> Result<PathBuf> {
    if let Some(java) = non_empty_var("ZK_TESTING_JAVA") {
        let java = PathBuf::from(java);
        // A bare name is looked up on PATH, as a shell would.
        if java.components().count() == 1 {
            if let Some(found) = find_on_path(java.as_os_str()) {
                return Ok(found);
            }
        }
        if java.is_file() {
            return Ok(java);
        }
        return Err(Error::JavaNotFound(format!(
            "ZK_TESTING_JAVA={} is not an executable file",
            java.display()
        )));
    }
    if let Some(home) = non_empty_var("JAVA_HOME") {
        let java = Path::new(&home).join("bin").join("java");
        if java.is_file() {
            return Ok(java);
        }
    }
    find_on_path(OsStr::new("java")).ok_or_else(|| {
        Error::JavaNotFound(
            "set ZK_TESTING_JAVA or JAVA_HOME, or put `java` on PATH \
             (Debian: apt-get install default-jre-headless)"
                .into(),
        )
    })
}

fn find_on_path(name: &OsStr) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn detect_classpath() -> Result<OsString> {
    if let Some(classpath) = non_empty_var("ZK_TESTING_CLASSPATH") {
        return Ok(classpath);
    }
    if Path::new(DEBIAN_JAR).is_file() {
        let mut jars = vec![PathBuf::from(DEBIAN_JAR)];
        for extra in [DEBIAN_SLF4J_SIMPLE, DEBIAN_NETTY_CODEC] {
            if Path::new(extra).is_file() {
                jars.push(PathBuf::from(extra));
            }
        }
        return join_classpath(&jars);
    }
    if let Some(home) = non_empty_var("ZOOKEEPER_HOME") {
        let home = PathBuf::from(home);
        let mut jars = jars_in(&home.join("lib"));
        jars.extend(jars_in(&home));
        if jars.is_empty() {
            return Err(Error::ZooKeeperNotFound(format!(
                "ZOOKEEPER_HOME={} holds no jar in lib/ or at its top",
                home.display()
            )));
        }
        return join_classpath(&jars);
    }
    Err(Error::ZooKeeperNotFound(format!(
        "set ZK_TESTING_CLASSPATH (a java classpath) or ZOOKEEPER_HOME (a release tarball), \
         or install Debian's `zookeeper` package ({DEBIAN_JAR})"
    )))
}

/// The `*.jar` files of a directory, sorted so the classpath is stable.
fn jars_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut jars: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "jar") && p.is_file())
        .collect();
    jars.sort();
    jars
}

fn join_classpath(jars: &[PathBuf]) -> Result<OsString> {
    env::join_paths(jars).map_err(|e| {
        Error::ZooKeeperNotFound(format!("a jar path cannot be put on a classpath: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jars_in_lists_only_jars_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.jar", "a.jar", "readme.txt"] {
            fs::write(dir.path().join(name), b"").unwrap();
        }
        let jars = jars_in(dir.path());
        let names: Vec<_> = jars
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, ["a.jar", "b.jar"]);
        assert!(jars_in(&dir.path().join("missing")).is_empty());
    }
}
