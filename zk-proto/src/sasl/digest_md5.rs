//! SASL DIGEST-MD5 (RFC 2831) as ZooKeeper speaks it (`docs/protocol.md#digest-md5`):
//! protocol `zookeeper`, server name `zk-sasl-md5`, `qop=auth`, no security layer.

use md5::{Digest, Md5};

use super::{SaslError, SaslMechanism, SaslStep};

/// The digest-uri ZooKeeper's server expects.
const DIGEST_URI: &str = "zookeeper/zk-sasl-md5";
/// The realm when the challenge names none.
const DEFAULT_REALM: &str = "zk-sasl-md5";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Initial,
    Challenged,
    Done,
}

/// A DIGEST-MD5 client exchange.
pub struct DigestMd5 {
    username: String,
    password: String,
    cnonce: String,
    stage: Stage,
    /// `HEX(MD5(A1))` and the values the server's `rspauth` is checked against.
    session: Option<(String, String, String)>,
}

impl std::fmt::Debug for DigestMd5 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestMd5")
            .field("username", &self.username)
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Parses a challenge: `key=value` or `key="quoted, with \" escapes"`, comma separated.
fn directives(text: &str) -> Result<Vec<(String, String)>, SaslError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(SaslError(format!("malformed challenge near {key:?}")));
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('"') => break,
                    Some(c) => value.push(c),
                    None => return Err(SaslError("unterminated quoted value".into())),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
}

impl DigestMd5 {
    /// An exchange for `username` and `password`, with the client nonce `cnonce`.
    pub fn new(username: &str, password: &str, cnonce: String) -> DigestMd5 {
        DigestMd5 {
            username: username.to_owned(),
            password: password.to_owned(),
            cnonce,
            stage: Stage::Initial,
            session: None,
        }
    }

    /// The response to the server's challenge.
    fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        let text = std::str::from_utf8(challenge)
            .map_err(|_| SaslError("challenge is not UTF-8".into()))?;
        let fields = directives(text)?;
        let get = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let nonce = get("nonce").ok_or_else(|| SaslError("challenge without a nonce".into()))?;
        if let Some(qop) = get("qop") {
            if !qop.split(',').any(|q| q.trim() == "auth") {
                return Err(SaslError(format!("server offers no qop=auth ({qop})")));
            }
        }
        if get("algorithm").is_some_and(|a| a != "md5-sess") {
            return Err(SaslError(
                "server wants an algorithm other than md5-sess".into(),
            ));
        }
        let realm = get("realm").unwrap_or(DEFAULT_REALM).to_owned();
        let nc = "00000001";
        let qop = "auth";
        // A1 = MD5(user:realm:password) ":" nonce ":" cnonce  (md5-sess; the first part raw)
        let inner = md5(&[
            self.username.as_bytes(),
            b":",
            realm.as_bytes(),
            b":",
            self.password.as_bytes(),
        ]);
        let ha1 = hex(&md5(&[
            &inner,
            b":",
            nonce.as_bytes(),
            b":",
            self.cnonce.as_bytes(),
        ]));
        let response = Self::digest(&ha1, nonce, nc, &self.cnonce, qop, "AUTHENTICATE:");
        self.session = Some((ha1, nonce.to_owned(), nc.to_owned()));
        let token = format!(
            "charset=utf-8,username=\"{}\",realm=\"{}\",nonce=\"{}\",nc={nc},cnonce=\"{}\",\
             digest-uri=\"{DIGEST_URI}\",maxbuf=65536,response={response},qop={qop}",
            quote(&self.username),
            quote(&realm),
            quote(nonce),
            quote(&self.cnonce),
        );
        Ok(token.into_bytes())
    }

    /// `HEX(MD5(ha1 ":" nonce ":" nc ":" cnonce ":" qop ":" HEX(MD5(A2))))` with
    /// `A2 = a2_prefix digest-uri`.
    fn digest(
        ha1: &str,
        nonce: &str,
        nc: &str,
        cnonce: &str,
        qop: &str,
        a2_prefix: &str,
    ) -> String {
        let ha2 = hex(&md5(&[a2_prefix.as_bytes(), DIGEST_URI.as_bytes()]));
        hex(&md5(&[
            ha1.as_bytes(),
            b":",
            nonce.as_bytes(),
            b":",
            nc.as_bytes(),
            b":",
            cnonce.as_bytes(),
            b":",
            qop.as_bytes(),
            b":",
            ha2.as_bytes(),
        ]))
    }

    /// Checks the server's `rspauth`: proof that it knew the password too.
    fn verify(&self, reply: &[u8]) -> Result<(), SaslError> {
        let text =
            std::str::from_utf8(reply).map_err(|_| SaslError("rspauth is not UTF-8".into()))?;
        let fields = directives(text)?;
        let rspauth = fields
            .iter()
            .find(|(k, _)| k == "rspauth")
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| SaslError("server sent no rspauth".into()))?;
        let (ha1, nonce, nc) = self
            .session
            .as_ref()
            .ok_or_else(|| SaslError("rspauth before the challenge".into()))?;
        let expected = Self::digest(ha1, nonce, nc, &self.cnonce, "auth", ":");
        if expected.eq_ignore_ascii_case(rspauth) {
            Ok(())
        } else {
            Err(SaslError(
                "the server's rspauth does not match: wrong server?".into(),
            ))
        }
    }
}

/// Escapes a value for a quoted-string.
fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

impl SaslMechanism for DigestMd5 {
    fn name(&self) -> &str {
        "DIGEST-MD5"
    }

    fn initial_response(&mut self) -> Result<Vec<u8>, SaslError> {
        // DIGEST-MD5 has no initial response: the server speaks first.
        Ok(Vec::new())
    }

    fn step(&mut self, challenge: Option<&[u8]>) -> Result<SaslStep, SaslError> {
        match self.stage {
            Stage::Initial => {
                let challenge = challenge.filter(|c| !c.is_empty()).ok_or_else(|| {
                    SaslError("the server sent no challenge: is SASL enabled?".into())
                })?;
                let response = self.respond(challenge)?;
                self.stage = Stage::Challenged;
                Ok(SaslStep::Continue(response))
            }
            Stage::Challenged => {
                self.verify(challenge.unwrap_or_default())?;
                self.stage = Stage::Done;
                Ok(SaslStep::Complete)
            }
            Stage::Done => Err(SaslError("token after the exchange completed".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A challenge and the response and rspauth a real 3.8 server exchanged with
    /// `bob`/`bobsecret` (vector 13.37 of `tests/vectors.rs`).
    #[test]
    fn known_answer_from_a_real_server() {
        let challenge = br#"realm="zk-sasl-md5",nonce="amfgv0tvdz23cGGBFOJO5ysoAIYRjeyFMvpiNmyq",charset=utf-8,algorithm=md5-sess"#;
        let mut mech = DigestMd5::new("bob", "bobsecret", "0123456789abcdef0123".into());
        assert!(mech.initial_response().unwrap().is_empty());
        let SaslStep::Continue(response) = mech.step(Some(challenge)).unwrap() else {
            panic!("expected a response")
        };
        let response = String::from_utf8(response).unwrap();
        assert_eq!(
            response,
            "charset=utf-8,username=\"bob\",realm=\"zk-sasl-md5\",nonce=\"amfgv0tvdz23cGGBFOJO5ysoAIYRjeyFMvpiNmyq\",nc=00000001,cnonce=\"0123456789abcdef0123\",digest-uri=\"zookeeper/zk-sasl-md5\",maxbuf=65536,response=71b9ee9acd0fa5b0e25894b5a80efe2e,qop=auth"
        );
        assert_eq!(response.len(), 0xee, "the captured token length");
        assert_eq!(
            mech.step(Some(b"rspauth=5948a258f8f02e0d5c5d8d1d15a2054a"))
                .unwrap(),
            SaslStep::Complete
        );
    }

    #[test]
    fn a_forged_rspauth_and_a_missing_challenge_fail() {
        let challenge = br#"realm="zk-sasl-md5",nonce="n",qop="auth",algorithm=md5-sess"#;
        let mut mech = DigestMd5::new("bob", "bobsecret", "c".into());
        mech.step(Some(challenge)).unwrap();
        assert!(
            mech.step(Some(b"rspauth=00000000000000000000000000000000"))
                .is_err()
        );
        let mut mech = DigestMd5::new("bob", "bobsecret", "c".into());
        assert!(
            mech.step(None).is_err(),
            "a server without SASL answers a null token"
        );
        assert!(mech.step(Some(br#"realm="r",qop="auth-conf""#)).is_err());
    }

    #[test]
    fn quoted_values_with_escapes_and_spaces_parse() {
        let d = directives(r#"a="x\"y, z" , b=plain,c="""#).unwrap();
        assert_eq!(
            d,
            [
                ("a".into(), "x\"y, z".into()),
                ("b".into(), "plain".into()),
                ("c".into(), String::new())
            ]
        );
        assert!(directives("novalue").is_err());
        assert!(directives(r#"a="open"#).is_err());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let mech = DigestMd5::new("bob", "hunter2", "c".into());
        assert!(!format!("{mech:?}").contains("hunter2"));
    }
}
