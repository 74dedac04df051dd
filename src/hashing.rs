//! The one way briefing hashes what a cache is keyed on: xxh3 (fast, stable within a build of
//! the binary; never written to disk, so its exact values never matter across versions).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_hash_equal_and_different_ones_differ() {
        let a = tera::Value::from("Japan");
        assert_eq!(hash_value(&a), hash_value(&tera::Value::from("Japan")));
        assert_ne!(hash_value(&a), hash_value(&tera::Value::from("Japon")));
        assert_eq!(hash_of("x"), hash_of("x"));
        assert_ne!(hash_of(&(1u8, 2u8)), hash_of(&(2u8, 1u8)));
    }
}
