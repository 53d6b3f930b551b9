//! ZooKeeper's path rules (`PathUtils.validatePath`, `docs/protocol.md#path-validation`), checked
//! before anything is sent, and the chroot mapping between client and server paths
//! (`docs/protocol.md#chroot`).

use std::borrow::Cow;

use crate::error::Error;

/// Checks `path` against ZooKeeper's rules.
///
/// For a sequential create, pass `sequential = true`: the server appends a 10-digit suffix, so
/// the prefix may end with `/` (as `PathUtils` validates `path + "1"`).
///
/// # Errors
///
/// [`Error::InvalidPath`] naming the rule `path` breaks.
pub fn validate_path(path: &str, sequential: bool) -> Result<(), Error> {
    check(path, sequential).map_err(|reason| Error::InvalidPath {
        path: path.to_owned(),
        reason,
    })
}

fn check(path: &str, sequential: bool) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("path must not be empty");
    }
    if !path.starts_with('/') {
        return Err("path must start with '/'");
    }
    if path.len() == 1 {
        // "/" itself, or (sequential) "/" + suffix: a sequential child of the root.
        return Ok(());
    }
    if path.ends_with('/') && !sequential {
        return Err("path must not end with '/'");
    }
    // Without collecting anything (this runs for every request): the components, then the
    // characters. Component errors take precedence, as in `PathUtils`.
    let bytes = path.as_bytes();
    let mut start = 1;
    while start <= bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(bytes.len(), |p| start + p);
        let component = &bytes[start..end];
        // With a sequential create the last component gets a suffix, so an empty or dotted
        // last component becomes a real name.
        let gets_suffix = sequential && end == bytes.len();
        if !gets_suffix {
            if component.is_empty() {
                return Err("empty path component ('//')");
            }
            if component == b"." || component == b".." {
                return Err("relative path component ('.' or '..')");
            }
        }
        start = end + 1;
    }
    // Printable ASCII is always valid; checked without branches per byte.
    let printable = bytes
        .iter()
        .fold(true, |ok, &b| ok & (0x20..0x7F).contains(&b));
    if !printable && path.chars().any(invalid_char) {
        return Err("invalid character");
    }
    Ok(())
}

/// Characters `PathUtils` rejects, judged per UTF-16 code unit: anything outside the BMP is a
/// surrogate pair in Java and therefore rejected.
fn invalid_char(ch: char) -> bool {
    let c = ch as u32;
    c == 0
        || (0x01..=0x1F).contains(&c)
        || (0x7F..=0x9F).contains(&c)
        || (0xD800..=0xF8FF).contains(&c)
        || (0xFFF0..=0xFFFF).contains(&c)
        || c > 0xFFFF
}

/// A chroot: a server path that every client path is relative to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chroot {
    /// `None` for no chroot; otherwise a valid path other than `/`.
    root: Option<String>,
}

impl Chroot {
    /// A chroot at `root`. A root of `/` (or the empty string) means no chroot.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPath`] if `root` is not a valid absolute path.
    pub fn new(root: &str) -> Result<Chroot, Error> {
        if root.is_empty() || root == "/" {
            return Ok(Chroot::none());
        }
        validate_path(root, false)?;
        Ok(Chroot {
            root: Some(root.to_owned()),
        })
    }

    /// No chroot: client paths are server paths.
    pub fn none() -> Chroot {
        Chroot { root: None }
    }

    /// The chroot path, if any.
    pub fn root(&self) -> Option<&str> {
        self.root.as_deref()
    }

    /// The server path for a client path: the chroot prepended, with client `/` mapped to the
    /// chroot itself.
    pub fn to_server<'a>(&self, client_path: &'a str) -> Cow<'a, str> {
        match &self.root {
            None => Cow::Borrowed(client_path),
            Some(root) if client_path == "/" => Cow::Owned(root.clone()),
            Some(root) => {
                let mut out = String::with_capacity(root.len() + client_path.len());
                out.push_str(root);
                out.push_str(client_path);
                Cow::Owned(out)
            }
        }
    }

    /// Like [`to_server`](Chroot::to_server), taking and returning an owned string: without a
    /// chroot the string is moved, not copied.
    pub fn to_server_owned(&self, client_path: String) -> String {
        match &self.root {
            None => client_path,
            Some(_) => self.to_server(&client_path).into_owned(),
        }
    }

    /// Whether `server_path` is the chroot or below it (on a `/` boundary); every path is,
    /// without a chroot.
    pub fn contains(&self, server_path: &str) -> bool {
        match &self.root {
            None => true,
            Some(root) => server_path
                .strip_prefix(root.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
        }
    }

    /// The client path for a server path: the chroot removed on a `/` boundary (the chroot
    /// itself becomes `/`). Paths outside the chroot, such as `/zookeeper/config`, are returned
    /// unchanged, as the Java client does.
    pub fn to_client<'a>(&self, server_path: &'a str) -> Cow<'a, str> {
        let Some(root) = &self.root else {
            return Cow::Borrowed(server_path);
        };
        match server_path.strip_prefix(root.as_str()) {
            Some("") => Cow::Borrowed("/"),
            Some(rest) if rest.starts_with('/') => Cow::Borrowed(rest),
            _ => Cow::Borrowed(server_path),
        }
    }

    /// Like [`to_client`](Chroot::to_client), into an owned string.
    pub fn to_client_owned(&self, server_path: String) -> String {
        match self.to_client(&server_path) {
            Cow::Borrowed(s) if s.len() == server_path.len() => server_path,
            other => other.into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_paths() {
        for p in [
            "/",
            "/a",
            "/a/b",
            "/...",
            "/.a",
            "/a..b",
            "/zookeeper/config",
            "/ünï/cödé",
        ] {
            assert!(validate_path(p, false).is_ok(), "{p}");
        }
        for p in ["/queue/", "/s-", "/", "/a/."] {
            assert!(validate_path(p, true).is_ok(), "sequential {p}");
        }
    }

    #[test]
    fn rejects_invalid_paths() {
        let cases = [
            "",
            "a",
            "/a/",
            "//",
            "/a//b",
            "/.",
            "/..",
            "/a/./b",
            "/a/../b",
            "/a/.",
            "/a\0b",
            "/a\u{1}",
            "/a\u{7f}",
            "/a\u{9f}",
            "/\u{e000}",
            "/\u{fff0}",
            "/\u{1F600}",
        ];
        for p in cases {
            assert!(
                matches!(validate_path(p, false), Err(Error::InvalidPath { .. })),
                "{p:?}"
            );
        }
        assert!(validate_path("/a//", true).is_err());
    }

    #[test]
    fn chroot_maps_both_ways_on_component_boundaries() {
        let c = Chroot::new("/app").unwrap();
        assert_eq!(c.to_server("/"), "/app");
        assert_eq!(c.to_server("/x/y"), "/app/x/y");
        assert_eq!(c.to_client("/app"), "/");
        assert_eq!(c.to_client("/app/x"), "/x");
        assert_eq!(c.to_client("/apple"), "/apple");
        assert_eq!(c.to_client("/zookeeper/config"), "/zookeeper/config");
        assert!(c.contains("/app") && c.contains("/app/x"));
        assert!(!c.contains("/appx") && !c.contains("/x") && !c.contains("/zookeeper/config"));
        assert!(Chroot::none().contains("/x"));
        assert_eq!(Chroot::new("/").unwrap(), Chroot::none());
        assert!(Chroot::new("/bad/").is_err());
        assert_eq!(Chroot::none().to_server("/x"), "/x");
    }
}
