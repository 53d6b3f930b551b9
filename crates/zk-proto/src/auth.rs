//! Credential helpers for the `digest` scheme (PROTOCOL.md §10.6).

use base64::Engine;
use sha1::{Digest, Sha1};

use crate::records::{Acl, Id, Perms};

/// The `digest` id for a user and password: `user:BASE64(SHA1("user:password"))`, the form
/// ZooKeeper stores in ACLs (`DigestAuthenticationProvider.generateDigest`).
///
/// To authenticate, send the plain `user:password` with the `digest` scheme instead.
pub fn digest_id(user: &str, password: &str) -> Id {
    let hash = Sha1::digest(format!("{user}:{password}").as_bytes());
    let encoded = base64::engine::general_purpose::STANDARD.encode(hash);
    Id::new("digest", format!("{user}:{encoded}"))
}

/// An ACL entry granting `perms` to a digest user.
pub fn digest_acl(user: &str, password: &str, perms: Perms) -> Acl {
    Acl::new(perms, digest_id(user, password))
}

/// The credential bytes to authenticate as a digest user (`user:password`).
pub fn digest_credential(user: &str, password: &str) -> Vec<u8> {
    format!("{user}:{password}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_zookeepers_generate_digest() {
        // The value `DigestAuthenticationProvider.generateDigest("super:test")` prints, as
        // widely used in ZooKeeper's own docs for the super user.
        assert_eq!(
            digest_id("super", "test").id,
            "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        );
        assert_eq!(digest_credential("u", "p"), b"u:p");
    }
}
