//! Paths on the command line: absolute, or relative to the shell's current node.
//!
//! Every path argument goes through [`znode`]. In the shell, `cd` sets the current node and
//! relative paths (`config/db`, `..`, `.`) are resolved against it; a one-shot command has
//! no current node, so `.` (the default of the commands that take a subtree) is the root and
//! any other relative path reaches the client as it is, which refuses it (exit code 5).

use std::cell::RefCell;

thread_local! {
    /// The shell's current node; `None` outside the shell. Arguments are parsed on the thread
    /// that runs the shell, so a thread-local is where clap's value parser can find it.
    static CURRENT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Sets the current node that relative paths are resolved against (`None`: not in a shell).
pub(crate) fn set_current(path: Option<String>) {
    CURRENT.with(|current| *current.borrow_mut() = path);
}

/// The current node: `/` outside the shell.
pub(crate) fn current() -> String {
    CURRENT.with(|current| current.borrow().clone().unwrap_or_else(|| "/".to_owned()))
}

/// The value parser of every path argument (see the module documentation): [`argument`]
/// for clap.
///
/// # Errors
///
/// None: a bad path is left for the client to refuse.
pub(crate) fn znode(text: &str) -> Result<String, String> {
    Ok(argument(text))
}

/// A path argument as the command should see it. Absolute paths pass unchanged, so the
/// client's own path rules judge them.
pub(crate) fn argument(text: &str) -> String {
    if text.starts_with('/') {
        return text.to_owned();
    }
    let in_shell = CURRENT.with(|current| current.borrow().is_some());
    if in_shell || text == "." {
        resolve(&current(), text)
    } else {
        text.to_owned()
    }
}

/// `relative` against `base` (absolute), with `.` and `..` components and doubled slashes
/// taken out; `..` stops at the root.
pub(crate) fn resolve(base: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_base() {
        assert_eq!(resolve("/app", "config/db"), "/app/config/db");
        assert_eq!(resolve("/app/config", ".."), "/app");
        assert_eq!(resolve("/app", "../../.."), "/");
        assert_eq!(resolve("/", "."), "/");
        assert_eq!(resolve("/a", "./b//c/"), "/a/b/c");
    }

    #[test]
    fn outside_the_shell_only_dot_is_resolved() {
        set_current(None);
        assert_eq!(znode("."), Ok("/".to_owned()));
        assert_eq!(znode("relative"), Ok("relative".to_owned()));
        assert_eq!(znode("/a//b"), Ok("/a//b".to_owned()));
        set_current(Some("/app".to_owned()));
        assert_eq!(znode("config"), Ok("/app/config".to_owned()));
        assert_eq!(znode("."), Ok("/app".to_owned()));
        assert_eq!(znode("/abs"), Ok("/abs".to_owned()));
        set_current(None);
    }
}
