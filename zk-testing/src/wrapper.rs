//! The `/bin/sh` wrapper every server runs under, so no server outlives the test process.
//!
//! The wrapper starts Java in the background and prints its pid, then reads commands from its
//! stdin, a pipe whose only writer is this process:
//!
//! | line     | the wrapper                                                              |
//! |----------|--------------------------------------------------------------------------|
//! | `term`   | SIGTERM to Java (SIGKILL after a grace period), waits, prints `exited`   |
//! | `kill`   | SIGKILL to Java, waits, prints `exited`                                  |
//! | `detach` | exits and touches nothing (a new wrapper has taken over the directory)   |
//! | EOF      | SIGKILL to Java, waits, removes the node's directory                     |
//!
//! EOF comes when this process drops the pipe, and also when it dies in any way, SIGKILL
//! included: the kernel closes its end of the pipe. Rust opens pipes close-on-exec, so no other
//! child (another wrapper, Java) holds a copy that would keep the pipe open. The wrapper runs
//! in its own process group, so a Ctrl-C at the terminal reaches the test process only; the
//! wrapper then sees EOF and cleans up.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// How long `term` waits for Java to exit before it sends SIGKILL.
const TERM_GRACE_SECS: u32 = 15;

/// `$1` = the node directory (removed on EOF), `$2` = the log file, the rest = the Java
/// command. `trap '' PIPE` comes after Java starts, so Java keeps the default disposition.
///
/// The `term` watchdog polls rather than sleeping the whole grace period and being killed:
/// a signal that lands before dash enters `wait` is only acted on once `wait` returns. It
/// exits by itself within 0.1 s of Java being reaped.
const SCRIPT: &str = r#"dir=$1
log=$2
shift 2
"$@" </dev/null >>"$log" 2>&1 &
pid=$!
trap '' PIPE
stop() {
    if [ -n "$pid" ]; then
        kill "-$1" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        pid=
    fi
}
trap 'stop KILL; rm -rf "$dir"; exit 143' TERM HUP
echo "$pid"
while IFS= read -r cmd; do
    case $cmd in
        term)
            if [ -n "$pid" ]; then
                ( n=0
                  while [ "$n" -lt TICKS ]; do
                      sleep 0.1
                      kill -0 "$pid" 2>/dev/null || exit 0
                      n=$((n + 1))
                  done
                  kill -KILL "$pid" 2>/dev/null ) </dev/null >/dev/null 2>&1 &
                stop TERM
            fi
            echo exited ;;
        kill) stop KILL; echo exited ;;
        detach) exit 0 ;;
    esac
done
stop KILL
rm -rf "$dir"
"#;

/// One wrapper process and the Java server it started.
#[derive(Debug)]
pub(crate) struct Wrapper {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    java_pid: u32,
    java_running: bool,
}

impl Wrapper {
    /// Starts `command` (the `java` executable and its arguments) under a new wrapper, with
    /// `dir` as working directory and `log` receiving the server's stdout and stderr.
    pub(crate) fn spawn(dir: &Path, log: &Path, command: &[OsString]) -> io::Result<Wrapper> {
        let stderr = File::options().create(true).append(true).open(log)?;
        let script = SCRIPT.replace("TICKS", &(TERM_GRACE_SECS * 10).to_string());
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .arg("zk-testing-wrapper")
            .arg(dir)
            .arg(log)
            .args(command)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .process_group(0)
            .spawn()?;
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let java_pid = match line.trim().parse() {
            Ok(pid) => pid,
            Err(_) => {
                drop(stdin);
                let _ = child.wait();
                return Err(io::Error::other(format!(
                    "the wrapper shell did not report a pid (it said {line:?})"
                )));
            }
        };
        Ok(Wrapper {
            child,
            stdin,
            stdout,
            java_pid,
            java_running: true,
        })
    }

    /// The Java process id.
    pub(crate) fn java_pid(&self) -> u32 {
        self.java_pid
    }

    /// Whether Java was started and not yet stopped through this wrapper (it may have
    /// exited on its own: see [`process_alive`]).
    pub(crate) fn java_started(&self) -> bool {
        self.java_running
    }

    /// Whether the Java process is alive now.
    pub(crate) fn java_alive(&self) -> bool {
        self.java_running && process_alive(self.java_pid)
    }

    /// Stops Java with `term` or `kill` and waits until it has exited.
    pub(crate) fn stop(&mut self, how: Stop) -> io::Result<()> {
        if !self.java_running {
            return Ok(());
        }
        self.send(match how {
            Stop::Term => "term",
            Stop::Kill => "kill",
        })?;
        let mut line = String::new();
        loop {
            line.clear();
            if self.stdout.read_line(&mut line)? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the wrapper shell exited before confirming that the server stopped",
                ));
            }
            if line.trim() == "exited" {
                self.java_running = false;
                return Ok(());
            }
        }
    }

    /// Tells the wrapper to exit without touching Java or the directory, and reaps it. Only
    /// for a wrapper whose Java has been stopped and whose directory a new wrapper owns.
    pub(crate) fn detach(mut self) -> io::Result<()> {
        let sent = self.send("detach");
        self.stdin = None;
        self.child.wait()?;
        sent
    }

    /// Closes the pipe: the wrapper kills Java and removes the directory. Does not wait.
    pub(crate) fn close(&mut self) {
        self.stdin = None;
    }

    /// Waits for the wrapper to exit (after [`Wrapper::close`]): Java is dead by then.
    pub(crate) fn wait(&mut self) {
        self.stdin = None;
        let _ = self.child.wait();
        self.java_running = false;
    }

    fn send(&mut self, command: &str) -> io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| io::Error::other("the wrapper's pipe is already closed"))?;
        stdin.write_all(command.as_bytes())?;
        stdin.write_all(b"\n")?;
        stdin.flush()
    }
}

impl Drop for Wrapper {
    fn drop(&mut self) {
        self.wait();
    }
}

/// How to stop a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// SIGTERM: a clean shutdown.
    Term,
    /// SIGKILL: a crash.
    Kill,
}

/// Whether a process exists and is not a zombie.
pub(crate) fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may contain any
        // character: look after the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_some_and(|state| state != 'Z' && state != 'X'),
        Err(_) if Path::new("/proc/self/stat").exists() => false,
        // No procfs (macOS, BSD): `kill -0` says whether the process exists (a zombie counts).
        Err(_) => Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sleeper() -> Vec<OsString> {
        vec!["sleep".into(), "30".into()]
    }

    #[test]
    fn term_kill_and_eof_cleanup() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("node");
        std::fs::create_dir(&dir).unwrap();
        let log = base.path().join("log");

        let mut w = Wrapper::spawn(&dir, &log, &sleeper()).unwrap();
        let pid = w.java_pid();
        assert!(process_alive(pid));
        w.stop(Stop::Term).unwrap();
        assert!(!process_alive(pid));
        assert!(dir.exists(), "term keeps the directory");

        let mut second = Wrapper::spawn(&dir, &log, &sleeper()).unwrap();
        w.detach().unwrap();
        assert!(dir.exists(), "detach keeps the directory");
        let pid = second.java_pid();
        second.stop(Stop::Kill).unwrap();
        assert!(!process_alive(pid));

        let third = Wrapper::spawn(&dir, &log, &sleeper()).unwrap();
        second.detach().unwrap();
        let pid = third.java_pid();
        drop(third);
        assert!(!process_alive(pid), "EOF kills the server");
        assert!(!dir.exists(), "EOF removes the directory");
    }
}
