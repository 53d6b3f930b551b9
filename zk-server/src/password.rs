//! Session passwords exactly as ZooKeeper derives them: 16 bytes from `java.util.Random`
//! seeded with the session id xor a fixed secret (`ZooKeeperServer.generatePasswd`), so a
//! password is a function of the id and any server can check it.

/// ZooKeeper's fixed `superSecret`.
const SUPER_SECRET: i64 = 0xB341_5C00;

/// The password of session `id`.
pub(crate) fn password(id: i64) -> [u8; 16] {
    let mut random = JavaRandom::new(id ^ SUPER_SECRET);
    let mut out = [0u8; 16];
    // `Random.nextBytes`: one int per four bytes, low byte first.
    for chunk in out.chunks_mut(4) {
        let mut rnd = random.next_int();
        for byte in chunk {
            *byte = rnd as u8;
            rnd >>= 8;
        }
    }
    out
}

/// The 48-bit linear congruential generator of `java.util.Random`.
struct JavaRandom {
    seed: i64,
}

impl JavaRandom {
    const MULTIPLIER: i64 = 0x5_DEEC_E66D;
    const MASK: i64 = (1 << 48) - 1;

    fn new(seed: i64) -> JavaRandom {
        JavaRandom {
            seed: (seed ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next_int(&mut self) -> i32 {
        self.seed = (self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB)) & Self::MASK;
        (self.seed >> 16) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::password;

    /// Session ids and passwords captured from ZooKeeper 3.8.0 servers.
    #[test]
    fn matches_passwords_real_servers_sent() {
        for (id, expected) in [
            (
                0x0100_0007_4b64_001c_i64,
                "919f9e4593bc835217e97e6bc675d3a1",
            ),
            (0x0100_0007_4b64_0013, "99f1ea4574e52cd3a38240370683c837"),
            (0x0100_0007_4b64_0011, "bf33df45b47ceb5c8e080f8eae94f1d1"),
            (0x0100_0015_29be_0000, "601812266dd2affc3e5267b8fe00ac82"),
        ] {
            let got: String = password(id).iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(got, expected, "{id:#x}");
        }
    }
}
