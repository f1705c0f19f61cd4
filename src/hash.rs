//! FNV-1a, 64 bits: the stable content hash behind every cache key (the index's library hash,
//! a model's id, the phrasing vectors' texts).
//!
//! A cache key must not change with the Rust version or the process (as `std`'s hasher may),
//! and these keys hash megabytes at most, so the simplest stable hash serves, without another
//! dependency. One implementation, so that two caches never disagree on what FNV means.

/// The FNV-1a offset basis.
pub const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0100_0000_01b3;

/// `h` updated with `bytes`.
pub fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// A running hash of a sequence of fields.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(OFFSET)
    }
}

impl Fnv {
    /// Add `bytes` as they are.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(self.0, bytes);
    }

    /// Add `bytes` as one field, followed by a separator, so that the fields ("ab", "c") and
    /// ("a", "bc") differ.
    pub fn field(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(fnv1a(self.0, bytes), &[0xff]);
    }

    /// The hash as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_value_and_fields_are_separated() {
        // FNV-1a 64 of "a" (the published test vector).
        assert_eq!(fnv1a(OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        let mut x = Fnv::default();
        x.field(b"ab");
        x.field(b"c");
        let mut y = Fnv::default();
        y.field(b"a");
        y.field(b"bc");
        assert_ne!(x.hex(), y.hex());
        assert_eq!(x.hex().len(), 16);
    }
}
