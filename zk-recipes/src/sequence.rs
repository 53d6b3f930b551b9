//! Sequence numbers of sequential nodes, parsed and ordered as integers.
//!
//! The server appends `%010d` of the parent's creation counter, a signed 32-bit integer
//! (docs/protocol.md#sequence-numbers): `0000000000` ... `2147483647`, then `-2147483648`,
//! `-2147483647`, ... after the wrap (nine-digit magnitudes appear as `-000000001`). Comparing
//! suffixes as strings, as kazoo does, misorders them after the wrap (kazoo #730); comparing them
//! as plain integers misorders them across it. [`SequenceOrder::Serial`] compares them in
//! serial-number arithmetic (RFC 1982): correct across the wrap as long as the live contenders span
//! less than 2^31 creations, which a lock queue always does.
//!
//! Parsing needs the marker that precedes the number (`__lock__`, `lock-`, ...): with a
//! prefix that ends in `-`, the last ten characters alone cannot tell `-000000001` from a
//! prefix's dash.

use std::cmp::Ordering;
use std::fmt;

/// A node's sequence number.
///
/// An id, so its field is private: [`Sequence::new`] and [`Sequence::get`] convert from and to
/// the number; [`Display`](fmt::Display) writes the suffix the server writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sequence(i32);

impl Sequence {
    /// The sequence number `n` (the parent's creation counter when the node was made).
    pub const fn new(n: i32) -> Sequence {
        Sequence(n)
    }

    /// The number.
    pub const fn get(self) -> i32 {
        self.0
    }

    /// Parses a suffix exactly as the server writes it (`%010d`): ten digits, or a minus sign
    /// and nine or ten digits.
    pub fn parse(suffix: &str) -> Option<Sequence> {
        let digits = suffix.strip_prefix('-').unwrap_or(suffix);
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && matches!(suffix.len(), 10 | 11)
            && (suffix.len() == 10 || suffix.starts_with('-'));
        if !well_formed {
            return None;
        }
        suffix.parse::<i32>().ok().map(Sequence)
    }

    /// The sequence of a node named `<anything><marker><suffix>`, such as
    /// `<uuid>__lock__0000000042` with marker `__lock__`. The marker must be known: a prefix
    /// ending in `-` (Curator's `lock-`) makes the sign of a bare suffix ambiguous.
    pub fn after(name: &str, marker: &str) -> Option<Sequence> {
        let at = name.rfind(marker)?;
        Sequence::parse(&name[at + marker.len()..])
    }

    /// The suffix the server writes for this number (`%010d`).
    pub fn suffix(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Sequence {
    /// The suffix the server writes (`%010d`), as [`Sequence::suffix`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:010}", self.0)
    }
}

/// How contenders are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SequenceOrder {
    /// As integers in serial-number arithmetic: correct across the signed 32-bit wrap.
    #[default]
    Serial,
    /// kazoo's order: the 10-character suffixes compared as strings. Wrong after the wrap;
    /// offered to reproduce kazoo's decisions exactly.
    KazooString,
}

impl SequenceOrder {
    /// Compares two sequence numbers.
    pub fn compare(self, a: Sequence, b: Sequence) -> Ordering {
        match self {
            SequenceOrder::Serial => {
                let diff = b.0.wrapping_sub(a.0);
                if diff == 0 {
                    Ordering::Equal
                } else if diff > 0 {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            SequenceOrder::KazooString => a.suffix().cmp(&b.suffix()),
        }
    }

    /// Sorts names of the form `<anything><marker><suffix>` by sequence; names without the
    /// marker or a well-formed suffix are dropped.
    ///
    /// The serial order is only meaningful within half the number space, so the sort keys are
    /// offsets from the earliest contender: a total order whatever the input, so the sort can
    /// never be confused by names spanning more than 2^31 creations.
    pub fn sort<'a>(self, names: impl IntoIterator<Item = &'a str>, marker: &str) -> Vec<&'a str> {
        let mut seqs: Vec<(Sequence, &str)> = names
            .into_iter()
            .filter_map(|n| Sequence::after(n, marker).map(|s| (s, n)))
            .collect();
        match self {
            SequenceOrder::Serial => {
                let earliest = seqs.iter().map(|(s, _)| *s).reduce(|a, b| {
                    if self.compare(b, a) == Ordering::Less {
                        b
                    } else {
                        a
                    }
                });
                if let Some(earliest) = earliest {
                    seqs.sort_by_key(|(s, n)| (s.0.wrapping_sub(earliest.0) as u32, *n));
                }
            }
            SequenceOrder::KazooString => {
                seqs.sort_by(|a, b| self.compare(a.0, b.0).then_with(|| a.1.cmp(b.1)))
            }
        }
        seqs.into_iter().map(|(_, n)| n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_form_the_server_writes() {
        assert_eq!(
            Sequence::after("abc__lock__0000000042", "__lock__"),
            Some(Sequence(42))
        );
        assert_eq!(
            Sequence::after("x__lock__2147483647", "__lock__"),
            Some(Sequence(i32::MAX))
        );
        assert_eq!(
            Sequence::after("x__lock__-2147483648", "__lock__"),
            Some(Sequence(i32::MIN))
        );
        assert_eq!(
            Sequence::after("x__lock__-000000001", "__lock__"),
            Some(Sequence(-1))
        );
        assert_eq!(
            Sequence::after("_c_u-lock-1000000000", "lock-"),
            Some(Sequence(1_000_000_000))
        );
        assert_eq!(Sequence::after("lease_holder", "__lock__"), None);
        assert_eq!(Sequence::parse("123"), None);
        assert_eq!(Sequence::parse("00000000001"), None);
        assert_eq!(Sequence(-1).suffix(), "-000000001");
        assert_eq!(Sequence(7).suffix(), "0000000007");
    }

    #[test]
    fn serial_order_survives_the_wrap_where_strings_do_not() {
        let before = Sequence(i32::MAX);
        let after = Sequence(i32::MIN);
        assert_eq!(SequenceOrder::Serial.compare(before, after), Ordering::Less);
        assert_eq!(
            SequenceOrder::KazooString.compare(before, after),
            Ordering::Greater
        );
        let names = [
            "n2147483646",
            "n-2147483647",
            "n2147483647",
            "n-2147483648",
            "other",
        ];
        assert_eq!(
            SequenceOrder::Serial.sort(names, "n"),
            ["n2147483646", "n2147483647", "n-2147483648", "n-2147483647"]
        );
    }

    proptest! {
        #[test]
        fn sorting_never_panics_whatever_the_span(values in prop::collection::vec(any::<i32>(), 0..64)) {
            let names: Vec<String> = values.iter().map(|v| format!("x#{}", Sequence(*v).suffix())).collect();
            let sorted = SequenceOrder::Serial.sort(names.iter().map(String::as_str), "#");
            prop_assert_eq!(sorted.len(), names.len());
        }

        #[test]
        fn suffixes_round_trip(n in any::<i32>()) {
            prop_assert_eq!(Sequence::after(&format!("x-lock-{}", Sequence(n).suffix()), "-lock-"), Some(Sequence(n)));
        }

        #[test]
        fn serial_order_matches_creation_order_within_a_window(start in any::<i32>(), len in 1u32..1000) {
            let seqs: Vec<Sequence> = (0..len).map(|i| Sequence(start.wrapping_add(i as i32))).collect();
            for pair in seqs.windows(2) {
                prop_assert_eq!(SequenceOrder::Serial.compare(pair[0], pair[1]), Ordering::Less);
            }
        }
    }
}
