//! The one way briefing hashes what a cache is keyed on: xxh3 (fast, stable within a build of
//! the binary; never written to disk, so its exact values never matter across versions).
//! [`text_hash`] is the exception: its values are written into translations, so it hashes
//! explicit bytes, never through `Hash` (whose encoding may change between Rust versions).

use std::hash::{Hash, Hasher};

pub use xxhash_rust::xxh3::Xxh3;

pub fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = Xxh3::new();
    v.hash(&mut h);
    h.finish()
}

/// A template value's hash, over its JSON form (what a template can observe of it).
pub fn hash_value(v: &tera::Value) -> u64 {
    struct W(Xxh3);
    impl std::io::Write for W {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.update(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = W(Xxh3::new());
    let _ = serde_json::to_writer(&mut w, v);
    w.0.digest()
}

/// The hash of a list of texts as 16 lowercase hex digits (64-bit xxh3, a fixed algorithm), the
/// same on every machine and with every version of briefing: each text goes in with its length
/// first, so moving words from one text to the next changes it. 64 bits: an edit leaves the
/// hash as it was by chance once in about 10^19, and the value stays short to read.
pub fn text_hash<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Xxh3::new();
    for t in texts {
        h.update(&(t.len() as u64).to_le_bytes());
        h.update(t.as_bytes());
    }
    format!("{:016x}", h.digest())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_hashes_are_fixed_and_see_where_words_are() {
        // A written value: if this changes, every translation on every site turns stale.
        assert_eq!(text_hash(["a", "bc"]), "f42ee0df2a023ef1");
        assert_eq!(text_hash(["a", "bc"]).len(), 16);
        assert_ne!(text_hash(["a", "bc"]), text_hash(["ab", "c"]));
        assert_eq!(
            text_hash([]),
            format!("{:016x}", xxhash_rust::xxh3::xxh3_64(b""))
        );
    }

    #[test]
    fn equal_values_hash_equal_and_different_ones_differ() {
        let a = tera::Value::from("Japan");
        assert_eq!(hash_value(&a), hash_value(&tera::Value::from("Japan")));
        assert_ne!(hash_value(&a), hash_value(&tera::Value::from("Japon")));
        assert_eq!(hash_of("x"), hash_of("x"));
        assert_ne!(hash_of(&(1u8, 2u8)), hash_of(&(2u8, 1u8)));
    }
}
