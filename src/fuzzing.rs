//! The bodies of the fuzz targets, shared by the cargo-fuzz binaries in `fuzz/fuzz_targets/`
//! (coverage-guided, nightly) and the stable CI smoke run in `tests/fuzz_smoke.rs` (corpus replay
//! plus seeded mutations). Each function takes the raw input bytes and returns normally when
//! every invariant holds.
//!
//! **These functions panic on purpose.** A panic here is the fuzzer's failure signal: either the
//! code under test panicked on hostile input, or one of the `assert!`s below found a broken
//! invariant. They are test harness code, not part of the build pipeline, and nothing in the
//! `briefing` binary calls them; the rule that user input never panics applies to the code they
//! drive, which is exactly what they check.
//!
//! `frontmatter` and `markdown` see the input as text the way libFuzzer's `&str` targets did: the
//! longest valid UTF-8 prefix of the bytes (what `arbitrary`'s `&str` takes from the rest of an
//! input). `links` uses the bytes directly.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use crate::content::{self, frontmatter};
use crate::markdown::shortcodes::{self, Call, CallError, NoShortcodes, ShortcodeHost};
use crate::markdown::{self, LinkResolver, MarkdownError, Resolved};

/// The longest prefix of `data` that is valid UTF-8.
fn utf8_prefix(data: &[u8]) -> &str {
    match std::str::from_utf8(data) {
        Ok(s) => s,
        Err(e) => {
            // `valid_up_to` marks the end of a valid prefix, so this cannot fail.
            std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or_default()
        }
    }
}

// ----------------------------------------------------------------------------- frontmatter

/// Front matter: `content::parse_doc` on the input as a brief, a section, the root section and a
/// folder brief, plus `frontmatter::split` alone, and every diagnostic rendered the way
/// `briefing build` prints it.
pub fn frontmatter(data: &[u8]) {
    let text: Arc<str> = Arc::from(utf8_prefix(data));
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
                for w in &doc.warnings {
                    assert!(!w.is_error());
                    let _ = w.render(false);
                }
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
}

// -------------------------------------------------------------------------------- markdown

/// Knows one file, so `@/` links take both the resolved and the broken path.
struct OneFile;

impl LinkResolver for OneFile {
    fn resolve(&self, rel: &str) -> Option<Resolved> {
        (rel == "a.md").then(|| Resolved {
            url: "/a/".into(),
            rel: rel.into(),
        })
    }
}

/// Echoes calls; renders block bodies as Markdown like the built-in callout does.
struct PlainShortcodes;

impl ShortcodeHost for PlainShortcodes {
    fn render(&mut self, call: &Call, links: &dyn LinkResolver) -> Result<String, CallError> {
        if call.name == "fail" {
            return Err(CallError {
                message: "fail".into(),
                hint: None,
            });
        }
        let body = match &call.body {
            Some(md) => {
                let mut errors = Vec::new();
                markdown::render(md, links, self, &mut errors).html
            }
            None => String::new(),
        };
        Ok(format!(
            "<div class=\"{}\">{}</div>",
            crate::clean::escape(&call.name),
            body
        ))
    }
}

fn check_spans(src: &str, errors: &[MarkdownError]) {
    for e in errors {
        assert!(
            e.span.start <= e.span.end && e.span.end <= src.len(),
            "span {:?} outside a body of {} bytes: {}",
            e.span,
            src.len(),
            e.message
        );
    }
}

/// Markdown and shortcodes: `markdown::render` on the input with a host that knows no shortcode
/// and with one that echoes every call (rendering block bodies recursively, like the real host),
/// plus `shortcodes::expand` and `substitute` on their own. Error spans must lie inside the
/// body; heading ids must be unique.
pub fn markdown(data: &[u8]) {
    let src = utf8_prefix(data);
    let mut errors = Vec::new();
    let r = markdown::render(src, &OneFile, &mut NoShortcodes, &mut errors);
    check_spans(src, &errors);
    let ids: HashSet<&String> = r.heading_ids.iter().collect();
    assert_eq!(ids.len(), r.heading_ids.len(), "duplicate heading ids");
    let _ = markdown::strip_tags(&r.html);

    let mut errors = Vec::new();
    let _ = markdown::render(src, &OneFile, &mut PlainShortcodes, &mut errors);
    check_spans(src, &errors);

    let mut errors = Vec::new();
    let expanded = shortcodes::expand(src, &mut PlainShortcodes, &OneFile, &mut errors);
    check_spans(src, &errors);
    let _ = expanded.substitute(&expanded.text);
    let n = expanded.text.len();
    let _ = expanded.original_span(0..n);
}

// ----------------------------------------------------------------------------------- links

const LINK_FILES: [(&str, &str); 4] = [
    ("_index.md", "/"),
    ("hedges/_index.md", "/hedges/"),
    ("hedges/china.md", "/hedges/china/"),
    ("日本/東京.md", "/ri-ben/dong-jing/"),
];

/// A resolver that knows `LINK_FILES` and fails the run if a path leaving content/ reaches it.
struct FuzzLinks;

impl LinkResolver for FuzzLinks {
    fn resolve(&self, rel: &str) -> Option<Resolved> {
        assert!(
            !rel.split('/').any(|c| c == ".." || c == ".") && !rel.starts_with('/'),
            "a path leaving content/ reached the resolver: {rel:?}"
        );
        LINK_FILES
            .iter()
            .find(|(f, _)| *f == rel)
            .map(|(f, u)| Resolved {
                url: u.to_string(),
                rel: f.to_string(),
            })
    }
}

const LINK_PIECES: [&str; 24] = [
    "hedges",
    "china.md",
    "_index.md",
    "..",
    ".",
    "/",
    "#",
    "trade",
    "日本",
    "東京.md",
    "%2e%2e",
    "\\",
    " ",
    "\"t\"",
    ")",
    "(",
    "[",
    "]",
    "<",
    ">",
    "\n",
    "{{ x() }}",
    "`",
    "@/",
];

const LINK_OPENERS: [&str; 6] = ["[l](@/", "![i](@/", "<@/", "[l]: @/", "[l](<@/", "[l](@/./"];

/// The Markdown the `links` target renders for `data`: each link is an opener byte (which of
/// `LINK_OPENERS`, and in its top bit whether a reference use follows), a count byte (0 to 7
/// pieces) and that many piece bytes (which of `LINK_PIECES`).
pub fn links_markdown(data: &[u8]) -> String {
    let mut md = String::new();
    let mut it = data.iter();
    while let Some(&op) = it.next() {
        md.push_str(LINK_OPENERS[op as usize % LINK_OPENERS.len()]);
        let n = it.next().map(|&b| b % 8).unwrap_or(0);
        for _ in 0..n {
            let Some(&p) = it.next() else { break };
            md.push_str(LINK_PIECES[p as usize % LINK_PIECES.len()]);
        }
        md.push_str(if op & 0x80 == 0 {
            ")\n"
        } else {
            ") and [l]\n\n"
        });
    }
    md
}

/// Internal links: `markdown::render` on `@/` link syntax assembled from the input (see
/// [`links_markdown`]) with a resolver that knows four files. No path leaving content/ may reach
/// the resolver, every kept link must name a known file, and no `@/` may survive into an `href`.
pub fn links(data: &[u8]) {
    let md = links_markdown(data);
    let mut errors = Vec::new();
    let r = markdown::render(&md, &FuzzLinks, &mut NoShortcodes, &mut errors);
    for e in &errors {
        assert!(e.span.start <= e.span.end && e.span.end <= md.len());
    }
    for l in &r.links {
        assert!(
            LINK_FILES.iter().any(|(f, _)| *f == l.target),
            "unknown target kept: {l:?}"
        );
    }
    assert!(
        !r.html.contains("href=\"@/"),
        "unresolved @/ link in {}",
        r.html
    );
}

/// A fuzz target: returns when every invariant holds, panics otherwise.
pub type Target = fn(&[u8]);

/// The three targets by name, as `fuzz/fuzz_targets/` and `fuzz/corpus/` name them.
pub const TARGETS: [(&str, Target); 3] = [
    ("frontmatter", frontmatter),
    ("markdown", markdown),
    ("links", links),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_cut_at_the_first_bad_byte_like_arbitrary_str() {
        assert_eq!(utf8_prefix(b"ab\xffcd"), "ab");
        assert_eq!(utf8_prefix("é".as_bytes()), "é");
        assert_eq!(utf8_prefix(&"é".as_bytes()[..1]), "");
        assert_eq!(utf8_prefix(b""), "");
    }

    #[test]
    fn links_markdown_assembles_openers_and_pieces() {
        // Opener 0 with three pieces ("hedges", "/", "china.md"); 0x84 is opener 0
        // (132 % 6) with the top bit set, which adds a reference use.
        assert_eq!(links_markdown(&[0, 3, 0, 5, 1]), "[l](@/hedges/china.md)\n");
        assert_eq!(links_markdown(&[0x84, 0]), "[l](@/) and [l]\n\n");
    }

    #[test]
    fn every_target_accepts_empty_and_small_inputs() {
        for (_, run) in TARGETS {
            run(b"");
            run(b"+++\ntitle = \"x\"\n+++\n# A\n[l](@/a.md)\n");
            run(&[0xff, 0x00, 0x80]);
        }
    }
}
