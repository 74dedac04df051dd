//! Front matter: `content::parse_doc` on arbitrary UTF-8, as a brief and as a section, and the
//! diagnostics it produces rendered the way `briefing build` prints them.
#![no_main]

use std::path::Path;
use std::sync::Arc;

use briefing::content::{self, frontmatter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let text: Arc<str> = Arc::from(text);
    // The splitter alone: ranges must lie inside the text on char boundaries.
    if let Ok(split) = frontmatter::split(&text, |t| t.parse::<toml::Table>().is_ok()) {
        assert!(split.toml.end <= split.body.start && split.body.end == text.len());
        assert!(text.is_char_boundary(split.toml.start) && text.is_char_boundary(split.body.start));
    }
    for rel in [
        "hedges/china.md",
        "hedges/_index.md",
        "_index.md",
        "russia/index.md",
    ] {
        match content::parse_doc(rel, Path::new(rel), text.clone(), 0) {
            Ok(doc) => {
                // Everything later stages do with a parsed document must not panic.
                let _ = doc.body();
                let _ = doc.body_line();
            }
            Err(diags) => {
                assert!(!diags.is_empty());
                for d in diags {
                    assert!(d.is_error());
                    let _ = d.render(false);
                    let _ = d.position();
                    let _ = d.to_json();
                }
            }
        }
    }
});
