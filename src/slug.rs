//! URL slugs for files, headings and taxonomy terms.
//!
//! Slugs are ASCII (transliterated with deunicode) so every URL works in every server and
//! browser without percent-encoding: "Japan–Russia" → `japan-russia`, "Côte" → `cote`,
//! "日本" → `ri-ben`. Text that transliterates to nothing (emoji only) falls back to a stable
//! hash so it still gets a working, non-colliding URL.

use std::collections::HashMap;

pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode_with_tofu(text, "-");
    let mut out = String::with_capacity(ascii.len());
    let mut dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    if out.is_empty() && !text.trim().is_empty() {
        out = format!(
            "x{:08x}",
            xxhash_rust::xxh3::xxh3_64(text.as_bytes()) as u32
        );
    }
    out
}

/// Hands out unique slugs: the second "Background" heading becomes `background-1`.
#[derive(Default)]
pub struct UniqueSlugs {
    seen: HashMap<String, usize>,
}

impl UniqueSlugs {
    /// Reserve a slug (e.g. an explicit `{#id}`) so generated ones avoid it.
    pub fn reserve(&mut self, slug: &str) -> bool {
        self.seen.insert(slug.to_string(), 0).is_none()
    }

    pub fn unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        if !self.seen.contains_key(base) {
            self.seen.insert(base.to_string(), 0);
            return base.to_string();
        }
        let mut n = self.seen[base];
        loop {
            n += 1;
            let candidate = format!("{base}-{n}");
            if !self.seen.contains_key(&candidate) {
                self.seen.insert(base.to_string(), n);
                self.seen.insert(candidate.clone(), 0);
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Japan–Russia"), "japan-russia");
        assert_eq!(slugify("Côte d'Ivoire"), "cote-d-ivoire");
        assert_eq!(slugify("日本"), "ri-ben");
        assert_eq!(slugify("  The 2015 Guidelines! "), "the-2015-guidelines");
        let e = slugify("🚀");
        assert!(!e.is_empty());
        assert_ne!(e, slugify("🎉"));
        assert_eq!(slugify(""), "");
    }

    #[test]
    fn unique() {
        let mut u = UniqueSlugs::default();
        assert_eq!(u.unique("a"), "a");
        assert_eq!(u.unique("a"), "a-1");
        u.reserve("a-2");
        assert_eq!(u.unique("a"), "a-3");
    }
}
