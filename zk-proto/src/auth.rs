//! Credential helpers for the `digest` scheme (`docs/protocol.md#acls-and-auth-schemes`).

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

/// Builds an ACL list entry by entry.
///
/// ```
/// use zk_proto::auth::AclBuilder;
/// use zk_proto::Perms;
///
/// let acl = AclBuilder::new()
///     .digest("admin", "secret", Perms::ALL)
///     .world(Perms::READ)
///     .ip("10.0.0.0/8", Perms::READ | Perms::WRITE)
///     .build();
/// assert_eq!(acl.len(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct AclBuilder {
    acl: Vec<Acl>,
}

impl AclBuilder {
    /// An empty list.
    pub fn new() -> Self {
        AclBuilder::default()
    }

    /// Grants `perms` to an arbitrary id.
    pub fn id(mut self, id: Id, perms: Perms) -> Self {
        self.acl.push(Acl::new(perms, id));
        self
    }

    /// Grants `perms` to everybody (`world:anyone`).
    pub fn world(self, perms: Perms) -> Self {
        self.id(Id::anyone(), perms)
    }

    /// Grants `perms` to a digest user, given the plain password (hashed here, as the server
    /// stores it).
    pub fn digest(self, user: &str, password: &str, perms: Perms) -> Self {
        self.id(digest_id(user, password), perms)
    }

    /// Grants `perms` to the identities the creating session is authenticated as (`auth:`):
    /// a creator-only ACL. The server refuses it (InvalidACL) for an unauthenticated session.
    pub fn creator(self, perms: Perms) -> Self {
        self.id(Id::authenticated(), perms)
    }

    /// Grants `perms` to an address or a CIDR range (`ip:10.0.0.0/8`).
    pub fn ip(self, address: &str, perms: Perms) -> Self {
        self.id(Id::new("ip", address), perms)
    }

    /// Grants `perms` to a SASL principal (`sasl:bob`).
    pub fn sasl(self, principal: &str, perms: Perms) -> Self {
        self.id(Id::new("sasl", principal), perms)
    }

    /// Grants `perms` to a TLS client certificate's distinguished name (`x509:CN=...`).
    pub fn x509(self, distinguished_name: &str, perms: Perms) -> Self {
        self.id(Id::new("x509", distinguished_name), perms)
    }

    /// The list.
    pub fn build(self) -> Vec<Acl> {
        self.acl
    }
}
