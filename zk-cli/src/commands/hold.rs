//! `lock` and `elect`: run a command while holding a kazoo lock or leadership, and stop it if
//! that is lost.
//!
//! The command is started once the lock (or leadership) is held, and zk exits with its exit
//! code, releasing the lock. If the session is lost first, the lock may be someone else's
//! already: the command gets SIGTERM and zk exits with code 3. The lock is kazoo's (and
//! Curator's) on the same node, so zk excludes their programs too.

use std::process::{Command, ExitStatus};
use std::sync::mpsc;
use std::time::Duration;

use clap::Args;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use zk_client_blocking::{Client, block_on};
use zk_recipes::{Election, Lock, LockGuard};

use crate::duration::parse_duration;
use crate::exit::{Failure, Status};
use crate::paths::znode;

/// Arguments of `lock` and `elect`.
#[derive(Debug, Args)]
pub(crate) struct HoldArgs {
    /// The lock's (or election's) node.
    #[arg(value_parser = znode)]
    path: String,
    /// Give up after waiting this long (exit code 10).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    timeout: Option<Duration>,
    /// Who is waiting, as kazoo's identifier (the contender node's data).
    #[arg(long)]
    identifier: Option<String>,
    /// The command and its arguments, after `--`.
    #[arg(required = true, last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

/// What ended the wait: the command, or the lock.
enum Ended {
    Command(std::io::Result<ExitStatus>),
    Lost,
}

/// Runs the command under the lock.
///
/// # Errors
///
/// The recipe's error acquiring the lock ([`Status::GaveUp`] after `--timeout`), a command
/// that cannot be started, and [`Status::Connection`] when the lock is lost.
pub(crate) fn lock(client: &Client, args: &HoldArgs) -> Result<Status, Failure> {
    let mut lock = Lock::new(client.async_client(), &args.path);
    if let Some(identifier) = &args.identifier {
        lock = lock.with_identifier(identifier);
    }
    let what = format!("lock {}", args.path);
    let guard = block_on(lock.acquire(args.timeout)).map_err(|e| Failure::recipe(&what, &e))?;
    eprintln!("holding lock {}", args.path);
    hold(guard, &what, args)
}

/// Runs the command as the election's leader.
///
/// # Errors
///
/// As [`lock`], for leadership.
pub(crate) fn elect(client: &Client, args: &HoldArgs) -> Result<Status, Failure> {
    let mut election = Election::new(client.async_client(), &args.path);
    if let Some(identifier) = &args.identifier {
        election = election.with_identifier(identifier);
    }
    let what = format!("elect {}", args.path);
    let guard = block_on(election.lead(args.timeout)).map_err(|e| Failure::recipe(&what, &e))?;
    eprintln!("leading {}", args.path);
    hold(guard, &what, args)
}

/// Runs the command while `guard` holds; stops it if the guard is lost first.
fn hold(guard: LockGuard, what: &str, args: &HoldArgs) -> Result<Status, Failure> {
    let spawned = Command::new(&args.command[0])
        .args(&args.command[1..])
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            // Nothing ran under the lock: give it back at once.
            let _ = block_on(guard.release());
            return Err(Failure::io(
                format!("{what}: starting {}", args.command[0]),
                &e,
            ));
        }
    };
    let pid = child.id();
    let (ended, events) = mpsc::channel();
    // Two waits, each on a thread of its own, meeting in one channel: the command's end and
    // the lock's loss (the session's, as the guard reports it).
    let on_exit = ended.clone();
    std::thread::spawn(move || {
        let _ = on_exit.send(Ended::Command(child.wait()));
    });
    let lost = guard.lost();
    std::thread::spawn(move || {
        block_on(lost);
        let _ = ended.send(Ended::Lost);
    });
    match events.recv() {
        Ok(Ended::Command(status)) => {
            // Released before zk exits, so the next waiter need not wait for the session to go.
            let _ = block_on(guard.release());
            let status =
                status.map_err(|e| Failure::io(format!("{what}: waiting for the command"), &e))?;
            Ok(Status::Exited(exit_code(status)))
        }
        Ok(Ended::Lost) | Err(_) => {
            // The lock may be another's already: stop the command, then wait for it to go.
            if let Ok(raw) = i32::try_from(pid) {
                let _ = kill(Pid::from_raw(raw), Signal::SIGTERM);
            }
            let _ = events.recv();
            Err(Failure::new(
                Status::Connection,
                format!("{what}: the session was lost, so was the lock; the command was stopped"),
            ))
        }
    }
}

/// A process's exit code as a shell reports it: its own, or 128 + the signal that ended it.
fn exit_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + (signal & 0x7f)).unwrap_or(1),
        (None, None) => 1,
    }
}
