//! `--embedded`: an in-process zk-server, nothing installed.

use crate::support::{run, run_with_stdin};

#[test]
fn the_embedded_server_serves_one_shot_commands_and_the_shell() {
    assert_eq!(run(&["--embedded", "ls", "/"]).ok().stdout, "zookeeper\n");
    let session = run_with_stdin(
        &["--embedded"],
        b"create -p /a/b hello\nget /a/b\ncd /a\nls\n4lw ruok\n",
    )
    .ok();
    assert_eq!(session.lines(), ["/a/b", "hello", "b", "imok"]);
    // A new server each time: nothing is left of the last one.
    assert_eq!(run(&["--embedded", "exists", "/a"]).code, 6);
}
