//! The interactive shell: from a pipe (a script of commands in one session), and under a
//! pseudo-terminal (`script` gives it one) where it prompts, completes and keeps a history.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};

use crate::support::{ZK, Zk};

#[test]
fn a_piped_script_runs_in_one_session_with_a_current_node() {
    let zk = Zk::new("shell");
    zk.put("/app/config/db", b"host=db1");
    let script = "pwd\n\
                  cd app\n\
                  ls\n\
                  cd config\n\
                  get db\n\
                  create 'two words' \"with \\\"quotes\\\"\"\n\
                  get '/app/config/two words'\n\
                  create ./mine -m ephemeral\n\
                  exists mine\n\
                  cd ..\n\
                  pwd\n\
                  get missing\n\
                  no-such-command\n\
                  cd /nowhere\n\
                  pwd\n\
                  ls -l . --json\n\
                  exit\n\
                  pwd\n";
    let run = zk.run_with_stdin(&[], script.as_bytes());
    assert_eq!(run.code, 0, "the last line's status: {run:?}");
    let lines = run.lines();
    assert_eq!(
        lines[..8],
        [
            "/",
            "config",
            "host=db1",
            "/app/config/two words",
            r#"with "quotes""#,
            "/app/config/mine",
            "true",
            "/app",
        ],
        "{run:?}"
    );
    // After the errors: still in /app, and the session went on.
    assert_eq!(lines[8], "/app", "{run:?}");
    let listed: serde_json::Value = serde_json::from_str(&lines[9..].join("\n")).unwrap();
    assert_eq!(listed[0]["path"], "/app/config");
    assert!(
        run.stderr
            .contains("zk: get /app/missing: node does not exist"),
        "{run:?}"
    );
    assert!(run.stderr.contains("unrecognized subcommand"), "{run:?}");
    assert!(
        run.stderr.contains("zk: cd /nowhere: node does not exist"),
        "{run:?}"
    );
    // The ephemeral node lived as long as the shell's session, no longer.
    assert_eq!(zk.client.exists("/app/config/mine").unwrap(), None);
}

#[test]
fn the_exit_code_is_the_last_lines() {
    let zk = Zk::new("shell-status");
    assert_eq!(zk.run_with_stdin(&[], b"get /missing\n").code, 6);
    assert_eq!(zk.run_with_stdin(&[], b"get /missing\npwd\n").code, 0);
}

/// A shell under a pseudo-terminal: what is typed goes in, the screen comes out.
struct Terminal {
    child: Child,
    input: ChildStdin,
    screen: Receiver<u8>,
    seen: Vec<u8>,
}

impl Terminal {
    fn start(connect: &str, home: &std::path::Path) -> Terminal {
        let command = format!("'{ZK}' --server '{connect}'");
        let mut child = Command::new("script")
            .args(["-qfec", &command, "/dev/null"])
            .env("HOME", home)
            .env("TERM", "xterm")
            .env_remove("ZK_CONNECT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("script(1) from util-linux runs the shell under a pseudo-terminal");
        let input = child.stdin.take().unwrap();
        let mut output = child.stdout.take().unwrap();
        let (tx, screen) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = output.read(&mut buf) {
                if n == 0 || buf[..n].iter().any(|b| tx.send(*b).is_err()) {
                    break;
                }
            }
        });
        Terminal {
            child,
            input,
            screen,
            seen: Vec::new(),
        }
    }

    /// Waits until the screen shows `text` after what was waited for before.
    #[track_caller]
    fn expect(&mut self, text: &str) {
        let start = self.seen.len();
        loop {
            if String::from_utf8_lossy(&self.seen[start..]).contains(text) {
                return;
            }
            match self.screen.recv() {
                Ok(byte) => self.seen.push(byte),
                Err(_) => panic!(
                    "the terminal closed before showing {text:?}: {}",
                    String::from_utf8_lossy(&self.seen)
                ),
            }
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).unwrap();
        self.input.flush().unwrap();
    }
}

#[test]
fn under_a_terminal_it_prompts_completes_and_keeps_history() {
    let zk = Zk::new("shell-tty");
    zk.put("/app/config/database", b"host=db1");
    let home = tempfile::tempdir().unwrap();
    let mut terminal = Terminal::start(&zk.connect, home.path());

    terminal.expect("zk /> ");
    terminal.type_keys("cd app\n");
    terminal.expect("zk /app> ");
    // A command name, then a path asked of the server, each completed with Tab.
    terminal.type_keys("ge\t");
    terminal.expect("get ");
    terminal.type_keys("con\t");
    terminal.expect("get config");
    terminal.type_keys("/da\t");
    terminal.expect("get config/database");
    terminal.type_keys("\n");
    terminal.expect("host=db1");
    terminal.expect("zk /app> ");
    // On a terminal, a node with children is coloured as a directory is.
    terminal.type_keys("tree\n");
    terminal.expect("\u{1b}[1m\u{1b}[34mconfig\u{1b}[0m (0 B, 1 child)");
    terminal.expect("zk /app> ");
    terminal.type_keys("exit\n");
    let status = terminal.child.wait().unwrap();
    assert!(status.success(), "{status:?}");

    let history = std::fs::read_to_string(home.path().join(".zk_history")).unwrap();
    assert!(history.contains("get config/database"), "{history}");
}
