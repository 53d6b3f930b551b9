//! zk and kazoo (Debian's python3-kazoo, which scripts/install-deps.sh installs) on the same
//! nodes: a lock each excludes the other from, and a counter both count.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};

use crate::hold::start_holder;
use crate::support::Zk;

/// A kazoo script running beside the test: it prints lines and waits for ours.
struct Kazoo {
    child: Child,
    lines: BufReader<ChildStdout>,
}

impl Kazoo {
    /// Runs `body` (Python, with `zk` a started KazooClient, `say(x)` and `hear()`).
    fn start(connect: &str, body: &str) -> Kazoo {
        let script = format!(
            "import sys\n\
             from kazoo.client import KazooClient\n\
             def say(x):\n    print(x, flush=True)\n\
             def hear():\n    return sys.stdin.readline()\n\
             zk = KazooClient(hosts=sys.argv[1])\n\
             zk.start()\n\
             {body}\n\
             zk.stop()\n"
        );
        // Debian's interpreter, where python3-kazoo is installed (not a pyenv one on PATH).
        let mut child = Command::new("/usr/bin/python3")
            .args(["-c", &script, connect])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("/usr/bin/python3 with python3-kazoo");
        let lines = BufReader::new(child.stdout.take().unwrap());
        Kazoo { child, lines }
    }

    fn hear(&mut self) -> String {
        let mut line = String::new();
        self.lines.read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    }

    fn say(&mut self) {
        self.child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(b"go\n")
            .unwrap();
    }

    fn finish(mut self) {
        let status = self.child.wait().unwrap();
        assert!(status.success(), "kazoo's script failed: {status:?}");
    }
}

#[test]
fn kazoo_and_zk_lock_exclude_each_other() {
    let zk = Zk::new("kazoo-lock");
    let mut kazoo = Kazoo::start(
        &zk.connect,
        "lock = zk.Lock('/il', 'kazoo')\n\
         lock.acquire()\n\
         say('held')\n\
         hear()\n\
         lock.release()\n\
         say('released')\n\
         hear()\n\
         say(lock.acquire(blocking=False))",
    );
    assert_eq!(kazoo.hear(), "held");
    let kept_out = zk.run(&["lock", "/il", "--timeout", "300ms", "--", "true"]);
    assert_eq!(kept_out.code, 10, "kazoo holds the lock: {kept_out:?}");
    kazoo.say();
    assert_eq!(kazoo.hear(), "released");

    let (mut holder, _) = start_holder(&zk.connect, &["lock", "/il", "--identifier", "zk"]);
    kazoo.say();
    assert_eq!(kazoo.hear(), "False", "zk holds the lock");
    holder.stdin.take().unwrap().write_all(b"done\n").unwrap();
    assert_eq!(holder.wait().unwrap().code(), Some(42));
    kazoo.finish();
}

#[test]
fn kazoo_reads_the_counter_zk_adds_to() {
    let zk = Zk::new("kazoo-counter");
    zk.run(&["counter", "add", "/c", "5"]).ok();
    let mut kazoo = Kazoo::start(
        &zk.connect,
        "c = zk.Counter('/c')\n\
         say(c.value)\n\
         c += 2\n\
         say(c.value)",
    );
    assert_eq!(kazoo.hear(), "5");
    assert_eq!(kazoo.hear(), "7");
    kazoo.finish();
    assert_eq!(zk.run(&["counter", "get", "/c"]).ok().stdout, "7\n");
}
