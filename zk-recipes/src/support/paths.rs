//! Joining and splitting znode paths (client paths: absolute, no trailing slash).

use zk_client::Error;

use crate::error::{RecipeError, Result};

/// Joins a directory and a child name (`/` + `a` → `/a`, `/a` + `b` → `/a/b`).
pub(crate) fn join(dir: &str, child: &str) -> String {
    if dir == "/" {
        format!("/{child}")
    } else {
        format!("{dir}/{child}")
    }
}

/// The last component of a path.
pub(crate) fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The parent of a path (`/a/b` → `/a`, `/a` → `/`).
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The components of `path` below `root` (a cache's tree); an error for paths outside it.
pub(crate) fn relative<'a>(root: &str, path: &'a str) -> Result<Vec<&'a str>> {
    let rest = if root == "/" {
        path.strip_prefix('/')
    } else if path == root {
        Some("")
    } else {
        path.strip_prefix(root).and_then(|r| r.strip_prefix('/'))
    };
    match rest {
        Some(rest) => Ok(rest.split('/').filter(|c| !c.is_empty()).collect()),
        None => Err(RecipeError::Zk(Error::InvalidArgument {
            argument: "path",
            reason: "the path is outside of the cached tree",
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_splits() {
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
        assert_eq!(basename("/a/b"), "b");
        assert_eq!(basename("/a"), "a");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
    }

    #[test]
    fn paths_below_the_root() {
        assert_eq!(relative("/a", "/a").unwrap(), Vec::<&str>::new());
        assert_eq!(relative("/a", "/a/b/c").unwrap(), ["b", "c"]);
        assert!(relative("/a", "/apple").is_err());
        assert!(relative("/a", "/").is_err());
        assert_eq!(relative("/", "/x/y").unwrap(), ["x", "y"]);
        assert_eq!(relative("/", "/").unwrap(), Vec::<&str>::new());
    }
}
