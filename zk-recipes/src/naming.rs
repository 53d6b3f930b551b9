//! Node names of the protected-create pattern: a random id in the name, so a contender whose
//! create reply was lost (ConnectionLoss) finds its node again instead of creating a second one;
//! and the host name that kazoo's default identifiers are made of.

/// A kazoo-style id: `uuid4().hex`, 32 lowercase hex characters.
pub fn kazoo_uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A Curator-style protected prefix: `_c_<uuid with dashes>-`.
pub fn curator_prefix() -> String {
    format!("_c_{}-", uuid::Uuid::new_v4().hyphenated())
}

/// Finds the child created with `prefix` (the protected-create lookup).
pub fn find_own<'a>(children: &'a [String], prefix: &str) -> Option<&'a str> {
    children
        .iter()
        .map(String::as_str)
        .find(|child| child.starts_with(prefix))
}

/// The host name, as Python's `socket.gethostname()` gives it (kazoo's default lease
/// identifier), on every OS; a name that is not valid Unicode is converted lossily.
pub(crate) fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_peer_formats() {
        let k = kazoo_uuid();
        assert_eq!(k.len(), 32);
        assert!(
            k.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let c = curator_prefix();
        assert!(c.starts_with("_c_") && c.ends_with('-'));
        assert_eq!(c.len(), 3 + 36 + 1);
        let children = vec!["x".to_owned(), format!("{k}__lock__0000000001")];
        assert_eq!(find_own(&children, &k), Some(children[1].as_str()));
    }

    #[test]
    fn the_host_name_is_the_systems() {
        let name = hostname();
        assert!(!name.is_empty());
        if let Ok(kernel) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            assert_eq!(name, kernel.trim());
        }
    }
}
