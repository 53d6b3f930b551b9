//! Access control as ZooKeeper's providers implement it: the `world`, `auth`, `digest` and
//! `ip` schemes, the ACL fix-up a create or setACL goes through, and the super user.

use std::net::IpAddr;

use base64::Engine;
use sha1::{Digest, Sha1};
use zk_proto::{Acl, ErrorCode, Id, Perms};

/// The digest id for a `user:password` credential: `user:BASE64(SHA1(credential))`
/// (`DigestAuthenticationProvider.generateDigest`). The hash covers the whole credential;
/// the user is what precedes the first `:`.
pub(crate) fn digest_of(credential: &str) -> String {
    let user = credential.split(':').next().unwrap_or_default();
    let hash = Sha1::digest(credential.as_bytes());
    format!(
        "{user}:{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// The `super` id a matching digest credential adds.
pub(crate) fn super_id() -> Id {
    Id::new("super", "")
}

/// Whether the ids a connection holds grant `perm` under `acl` (`ZooKeeperServer.checkACL`):
/// super passes everything, an empty ACL grants everything, and an entry grants when it
/// carries a bit of `perm` and names `world:anyone` or an id of the connection.
pub(crate) fn permits(acl: &[Acl], perm: Perms, ids: &[Id]) -> bool {
    if ids.iter().any(|id| id.scheme == "super") || acl.is_empty() {
        return true;
    }
    acl.iter().any(|entry| {
        entry.perms.bits() & perm.bits() != 0
            && (entry.id == Id::anyone()
                || ids
                    .iter()
                    .any(|id| id.scheme == entry.id.scheme && matches(&entry.id, &id.id)))
    })
}

/// Whether an ACL id matches an authenticated id of the same scheme.
fn matches(acl_id: &Id, id: &str) -> bool {
    match acl_id.scheme.as_str() {
        "ip" => ip_matches(&acl_id.id, id),
        _ => acl_id.id == id,
    }
}

/// `addr[/bits]` against a client address: the first `bits` bits must agree.
fn ip_matches(pattern: &str, client: &str) -> bool {
    let (Some((net, bits)), Ok(client)) = (parse_ip_pattern(pattern), client.parse::<IpAddr>())
    else {
        return false;
    };
    let (net, client) = match (net, client) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (a.octets().to_vec(), b.octets().to_vec()),
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.octets().to_vec(), b.octets().to_vec()),
        _ => return false,
    };
    (0..bits).all(|bit| {
        let (byte, mask) = (bit / 8, 0x80u8 >> (bit % 8));
        net[byte] & mask == client[byte] & mask
    })
}

/// An `ip` ACL id: an address and a prefix length no longer than the address.
fn parse_ip_pattern(pattern: &str) -> Option<(IpAddr, usize)> {
    let (addr, bits) = match pattern.split_once('/') {
        Some((addr, bits)) => (addr, Some(bits)),
        None => (pattern, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        None => max,
        Some(bits) => bits.parse::<usize>().ok().filter(|b| *b <= max)?,
    };
    Some((addr, bits))
}

/// Whether an id is well formed for its scheme (the providers' `isValid`).
fn is_valid(id: &Id) -> bool {
    match id.scheme.as_str() {
        // Java's `split(":")` drops trailing empty strings: "user:" has one part.
        "digest" => {
            let parts: Vec<&str> = id.id.split(':').collect();
            let trimmed = parts
                .iter()
                .rposition(|p| !p.is_empty())
                .map_or(0, |i| i + 1);
            trimmed == 2
        }
        "ip" => parse_ip_pattern(&id.id).is_some(),
        _ => false,
    }
}

/// Whether an id's scheme proves who someone is (digest does, ip does not), so that an
/// `auth` ACL entry may expand to it.
fn is_authenticated(id: &Id) -> bool {
    id.scheme == "digest"
}

/// The ACL a create or setACL stores (`PrepRequestProcessor.fixupACL`): duplicates removed,
/// `world:anyone` kept, `auth` expanded to the connection's authenticated ids, any other
/// entry kept if its scheme knows the id.
///
/// # Errors
///
/// [`ErrorCode::InvalidAcl`] for an empty list, an `auth` entry on a connection with no
/// authenticated id, an unknown scheme or a malformed id.
pub(crate) fn fix_up(acl: &[Acl], ids: &[Id]) -> Result<Vec<Acl>, ErrorCode> {
    let mut unique: Vec<&Acl> = Vec::with_capacity(acl.len());
    for entry in acl {
        if !unique.contains(&entry) {
            unique.push(entry);
        }
    }
    if unique.is_empty() {
        return Err(ErrorCode::InvalidAcl);
    }
    let mut out = Vec::with_capacity(unique.len());
    for entry in unique {
        if entry.id == Id::anyone() {
            out.push(entry.clone());
        } else if entry.id.scheme == "auth" {
            let mut any = false;
            for id in ids.iter().filter(|id| is_authenticated(id)) {
                any = true;
                out.push(Acl::new(entry.perms, id.clone()));
            }
            if !any {
                return Err(ErrorCode::InvalidAcl);
            }
        } else if is_valid(&entry.id) {
            out.push(entry.clone());
        } else {
            return Err(ErrorCode::InvalidAcl);
        }
    }
    Ok(out)
}

/// The ACL getACL shows a caller without ADMIN: digest hashes replaced by `x`.
pub(crate) fn masked(acl: &[Acl]) -> Vec<Acl> {
    acl.iter()
        .map(|entry| {
            if entry.id.scheme == "digest" {
                let user = entry.id.id.split(':').next().unwrap_or_default();
                Acl::new(entry.perms, Id::new("digest", format!("{user}:x")))
            } else {
                entry.clone()
            }
        })
        .collect()
}

/// The user name whoAmI reports for an id (`getUserName`): a digest id's user, else the id.
pub(crate) fn user_name(id: &Id) -> String {
    match id.scheme.as_str() {
        "digest" => id.id.split(':').next().unwrap_or_default().to_owned(),
        _ => id.id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(user: &str, password: &str) -> Id {
        Id::new("digest", digest_of(&format!("{user}:{password}")))
    }

    #[test]
    fn digests_are_zookeepers() {
        assert_eq!(
            digest_of("super:test"),
            "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        );
        assert_eq!(
            digest("u", "p"),
            zk_proto::auth::digest_id("u", "p"),
            "the client's helper agrees"
        );
    }

    #[test]
    fn permission_checks() {
        let alice = digest("alice", "pw");
        let acl = vec![
            Acl::new(Perms::READ, Id::anyone()),
            Acl::new(Perms::ALL, alice.clone()),
            Acl::new(Perms::WRITE, Id::new("ip", "10.0.0.0/8")),
        ];
        let ip = |a: &str| Id::new("ip", a);
        assert!(permits(&acl, Perms::READ, &[]));
        assert!(!permits(&acl, Perms::WRITE, &[ip("127.0.0.1")]));
        assert!(permits(&acl, Perms::WRITE, &[ip("10.1.2.3")]));
        assert!(permits(&acl, Perms::ADMIN, &[ip("127.0.0.1"), alice]));
        assert!(!permits(&acl, Perms::ADMIN, &[digest("alice", "wrong")]));
        assert!(permits(&acl, Perms::ADMIN, &[super_id()]));
        assert!(permits(&[], Perms::ADMIN, &[]), "an empty ACL grants all");
        // READ | ADMIN (getACL) passes with either bit.
        assert!(permits(&acl, Perms::READ | Perms::ADMIN, &[]));
    }

    #[test]
    fn ip_patterns() {
        assert!(ip_matches("127.0.0.1", "127.0.0.1"));
        assert!(!ip_matches("127.0.0.1", "127.0.0.2"));
        assert!(ip_matches("192.168.0.0/16", "192.168.44.1"));
        assert!(ip_matches("0.0.0.0/0", "8.8.8.8"));
        assert!(ip_matches("::1", "::1"));
        assert!(!ip_matches("10.0.0.0/33", "10.0.0.1"));
        assert!(!ip_matches("10.0.0.1", "::1"));
    }

    #[test]
    fn fix_up_expands_auth_and_rejects_what_zookeeper_rejects() {
        let alice = digest("alice", "pw");
        let ids = [Id::new("ip", "127.0.0.1"), alice.clone()];
        let auth = Acl::new(Perms::ALL, Id::authenticated());
        assert_eq!(
            fix_up(&[auth.clone(), auth.clone()], &ids),
            Ok(vec![Acl::new(Perms::ALL, alice)])
        );
        assert_eq!(
            fix_up(&[auth], &[Id::new("ip", "127.0.0.1")]),
            Err(ErrorCode::InvalidAcl),
            "ip does not authenticate"
        );
        assert_eq!(fix_up(&[], &ids), Err(ErrorCode::InvalidAcl));
        for bad in [
            Id::new("world", "someone"),
            Id::new("nosuch", "x"),
            Id::new("digest", "nohash"),
            Id::new("digest", "user:"),
            Id::new("digest", "a:b:c"),
            Id::new("ip", "10.0.0.300"),
            Id::new("ip", "10.0.0.0/40"),
        ] {
            assert_eq!(
                fix_up(&[Acl::new(Perms::READ, bad.clone())], &ids),
                Err(ErrorCode::InvalidAcl),
                "{bad}"
            );
        }
        let good = vec![
            Acl::new(Perms::READ, Id::new("ip", "10.0.0.0/8")),
            Acl::new(Perms::READ, Id::new("digest", ":hash")),
        ];
        assert_eq!(fix_up(&good, &[]), Ok(good));
    }

    #[test]
    fn masking_and_user_names() {
        let acl = vec![
            Acl::new(Perms::ALL, digest("bob", "pw")),
            Acl::new(Perms::READ, Id::anyone()),
        ];
        let shown = masked(&acl);
        assert_eq!(shown[0].id, Id::new("digest", "bob:x"));
        assert_eq!(shown[1], acl[1]);
        assert_eq!(user_name(&digest("bob", "pw")), "bob");
        assert_eq!(user_name(&Id::new("ip", "127.0.0.1")), "127.0.0.1");
    }
}
