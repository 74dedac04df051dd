//! How an `@/` link target names a content file, and how a site path's `.` and `..` resolve.
//!
//! A target is percent-decoded, as in any URL (`@/q%26a%20%231.md` names `q&a #1.md`: `#`
//! would otherwise start the anchor), and compared in Unicode NFC, so `café` typed composed
//! reaches a file whose name macOS stored decomposed (NFD), and the other way round.

use std::borrow::Cow;
use std::collections::HashMap;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Percent-decodes a link target; a target whose escapes do not decode to UTF-8 stays as
/// written (it then names no file, and the broken-link error shows it as typed).
pub fn decode(target: &str) -> Cow<'_, str> {
    if !target.contains('%') {
        return Cow::Borrowed(target);
    }
    match percent_encoding::percent_decode_str(target).decode_utf8() {
        Ok(s) => s,
        Err(_) => Cow::Borrowed(target),
    }
}

/// What a link target must escape to name a file: `%` and `#`, and what ends a Markdown link
/// destination.
const RESERVED: &AsciiSet = &CONTROLS
    .add(b'%')
    .add(b'#')
    .add(b' ')
    .add(b'(')
    .add(b')')
    .add(b'<')
    .add(b'>');

/// A site path as a browser reads it: `/sec/one/../other/` is `/sec/other/`. `.`, `..` and
/// empty segments go (`..` never climbs above the root), and a trailing `/`, `.` or `..` names
/// a folder. Markdown's relative links and `check`'s page links both resolve through it.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." => {}
            ".." => {
                parts.pop();
            }
            "" if !last => {}
            s => parts.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(&parts.join("/"));
    let folder = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if folder && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// A link target that [`LinkNames::find`] resolves to the file `rel`, for hints.
pub fn encode(rel: &str) -> String {
    utf8_percent_encode(rel, RESERVED).to_string()
}

/// The NFC form of `s`, borrowed when it is already NFC (every ASCII name is).
pub fn nfc(s: &str) -> Cow<'_, str> {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfc().collect()),
    }
}

/// Content files by the names links may use for them: as saved, and in NFC.
#[derive(Debug, Default)]
pub struct LinkNames(HashMap<String, String>);

impl LinkNames {
    /// `rels` are content files relative to content/, as the walk found them.
    pub fn new<'a>(rels: impl Iterator<Item = &'a str> + Clone) -> LinkNames {
        let mut names = HashMap::new();
        // Exact names first, so of two files whose names differ only in normalisation each
        // stays reachable by its own spelling.
        for rel in rels.clone() {
            names.insert(rel.to_string(), rel.to_string());
        }
        for rel in rels {
            if let Cow::Owned(key) = nfc(rel) {
                names.entry(key).or_insert_with(|| rel.to_string());
            }
        }
        LinkNames(names)
    }

    /// The content file `target` (after `@/`, before any `#`) names: decoded, then as
    /// written (a file saved as `100%25.md`), each as typed and in NFC.
    pub fn find(&self, target: &str) -> Option<&str> {
        let decoded = decode(target);
        [decoded.as_ref(), target]
            .into_iter()
            .find_map(|t| self.0.get(t).or_else(|| self.0.get(nfc(t).as_ref())))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_resolved_as_a_browser_does() {
        assert_eq!(normalize("/sec/one/../other/"), "/sec/other/");
        assert_eq!(normalize("/sec/./one/"), "/sec/one/");
        assert_eq!(normalize("/../../x"), "/x");
        assert_eq!(normalize("/a/b/.."), "/a/");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("/style.css"), "/style.css");
    }

    #[test]
    fn decodes_percent_escapes_and_keeps_bad_ones() {
        assert_eq!(decode("q%26a%20%231.md"), "q&a #1.md");
        assert_eq!(decode("caf%C3%A9.md"), "café.md");
        assert_eq!(decode("100%.md"), "100%.md");
        // Latin-1 `é` is not UTF-8: left as written.
        assert_eq!(decode("caf%E9.md"), "caf%E9.md");
        for name in ["q&a #1.md", "100%.md", "a (b).md", "café <x>.md"] {
            assert_eq!(decode(&encode(name)), name);
        }
        assert_eq!(encode("q&a #1.md"), "q&a%20%231.md");
    }

    #[test]
    fn finds_files_across_normalisation_and_encoding() {
        let nfd = "hedges/cafe\u{301}.md";
        let names = LinkNames::new(["a.md", nfd, "q&a #1.md", "100%25.md"].into_iter());
        assert_eq!(names.find("hedges/caf\u{e9}.md"), Some(nfd));
        assert_eq!(names.find(nfd), Some(nfd));
        assert_eq!(names.find("hedges/caf%C3%A9.md"), Some(nfd));
        assert_eq!(names.find("q%26a%20%231.md"), Some("q&a #1.md"));
        assert_eq!(names.find("100%25.md"), Some("100%25.md"));
        assert_eq!(names.find("b.md"), None);
        // Two files differing only in normalisation: each is reached by its own spelling.
        let nfc_name = "hedges/caf\u{e9}.md";
        let both = LinkNames::new([nfd, nfc_name].into_iter());
        assert_eq!(both.find(nfd), Some(nfd));
        assert_eq!(both.find(nfc_name), Some(nfc_name));
    }
}
