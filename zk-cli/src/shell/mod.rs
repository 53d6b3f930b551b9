//! The interactive shell: `zk` without a command. One session for every line; `cd` and `pwd`
//! with paths relative to the current node ([`paths`]); history and tab
//! completion of commands and of znode paths (asked of the server) on a terminal; and, from a
//! pipe or file, the same commands without a prompt, so a script of them runs as one session.
//!
//! Each line is any command of `zk` (its arguments quoted as in a POSIX shell), or `cd`,
//! `pwd`, `help`, `exit`. A failed line prints its error and the shell goes on; the shell's
//! exit code is that of the last line.

mod complete;
mod words;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use rustyline::Editor;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use zk_client_blocking::Client;

use crate::args::Cli;
use crate::commands;
use crate::connect::{ConnectionArgs, connect};
use crate::exit::{Failure, Status};
use crate::output::Out;
use crate::paths;
use complete::{BUILTINS, ZkHelper};

/// What a line asks of the shell loop.
enum Step {
    /// Read the next line; the status is the line's outcome.
    Next(Status),
    /// `exit`.
    Exit,
}

/// Connects and reads commands until `exit` or the end of input.
///
/// # Errors
///
/// The connection's failure, or the line editor's; a failing line is not one.
pub(crate) fn run(connection: &ConnectionArgs, out: &mut Out) -> Result<Status, Failure> {
    let client = connect(connection)?;
    paths::set_current(Some("/".to_owned()));
    let result = read_lines(&client, connection, out);
    paths::set_current(None);
    client.close();
    result
}

fn read_lines(
    client: &Client,
    connection: &ConnectionArgs,
    out: &mut Out,
) -> Result<Status, Failure> {
    let interactive = std::io::stdin().is_terminal();
    let editor_failed =
        |e: ReadlineError| Failure::new(Status::Other, format!("the line editor: {e}"));
    let mut editor: Editor<ZkHelper, DefaultHistory> = Editor::new().map_err(editor_failed)?;
    editor.set_helper(Some(ZkHelper::new(client)));
    let history = if interactive { history_path() } else { None };
    if let Some(path) = &history {
        // No history yet is the common case, not an error.
        let _ = editor.load_history(path);
    }
    let mut status = Status::Ok;
    loop {
        let prompt = if interactive {
            format!("zk {}> ", paths::current())
        } else {
            String::new()
        };
        let line = match editor.readline(&prompt) {
            Ok(line) => line,
            // Ctrl-C abandons the line being typed, as in a shell.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(editor_failed(e)),
        };
        if line.trim().is_empty() {
            continue;
        }
        if interactive {
            let _ = editor.add_history_entry(line.as_str());
        }
        match execute(client, connection, &line, out) {
            Step::Next(line_status) => status = line_status,
            Step::Exit => break,
        }
    }
    if let Some(path) = &history {
        if let Err(e) = editor.save_history(path) {
            eprintln!("zk: saving the history to {}: {e}", path.display());
        }
    }
    Ok(status)
}

/// `~/.zk_history`.
fn history_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".zk_history"))
}

/// Runs one line.
fn execute(client: &Client, connection: &ConnectionArgs, line: &str, out: &mut Out) -> Step {
    let words = match words::split(line) {
        Ok(words) if words.is_empty() => return Step::Next(Status::Ok),
        Ok(words) => words,
        Err(why) => return Step::Next(report(Failure::new(Status::Usage, why))),
    };
    let result = match words[0].as_str() {
        "exit" | "quit" => return Step::Exit,
        "pwd" => out
            .line(&paths::current())
            .map(|()| Status::Ok)
            .map_err(Failure::from),
        "cd" => cd(client, words.get(1).map(String::as_str)),
        "help" => help(out),
        _ => match Cli::try_parse_from(std::iter::once("zk".to_owned()).chain(words)) {
            Err(e) => {
                // Help and version requests are "errors" to clap, printed to stdout.
                let _ = e.print();
                return Step::Next(if e.use_stderr() {
                    Status::Usage
                } else {
                    Status::Ok
                });
            }
            Ok(Cli { command: None, .. }) => Ok(Status::Ok),
            Ok(Cli {
                command: Some(command),
                json,
                ..
            }) => {
                out.set_json(json);
                commands::in_session(client, connection, &command, out)
            }
        },
    };
    let result = result.and_then(|status| out.flush().map(|()| status).map_err(Failure::from));
    Step::Next(match result {
        Ok(status) => status,
        Err(failure) => report(failure),
    })
}

/// Prints a failure's message (as the one-shot `zk` does) and returns its status.
fn report(failure: Failure) -> Status {
    if !failure.message.is_empty() {
        eprintln!("zk: {}", failure.message);
    }
    failure.status
}

/// `cd [PATH]`: to the node (which must exist), or to the root.
fn cd(client: &Client, path: Option<&str>) -> Result<Status, Failure> {
    let target = match path {
        None => "/".to_owned(),
        Some(path) => paths::argument(path),
    };
    match client.exists(&target) {
        Ok(Some(_)) => {
            paths::set_current(Some(target));
            Ok(Status::Ok)
        }
        Ok(None) => Err(Failure::new(
            Status::NoNode,
            format!("cd {target}: node does not exist"),
        )),
        Err(e) => Err(Failure::zk(format!("cd {target}"), &e)),
    }
}

/// The commands' help, and the shell's own words.
fn help(out: &mut Out) -> Result<Status, Failure> {
    out.line(&Cli::command().render_help().to_string())?;
    out.line(&format!(
        "In the shell, also: {} (paths may be relative to the current node)",
        BUILTINS.join(", ")
    ))?;
    Ok(Status::Ok)
}
