//! Internal links: `markdown::render` on `@/` link syntax assembled from fuzz bytes (paths with
//! `..`, `.`, absolute parts, anchors, Unicode, percent-escapes, shortcodes around them) and a
//! resolver that knows a few files. A link must resolve to a known URL or be reported; no path
//! that leaves content/ may ever reach the resolver.
#![no_main]

use briefing::markdown::{self, LinkResolver};
use briefing::shortcodes::NoShortcodes;
use libfuzzer_sys::fuzz_target;

const FILES: [(&str, &str); 4] = [
    ("_index.md", "/"),
    ("hedges/_index.md", "/hedges/"),
    ("hedges/china.md", "/hedges/china/"),
    ("日本/東京.md", "/ri-ben/dong-jing/"),
];

struct Site;

impl LinkResolver for Site {
    fn resolve(&self, rel: &str) -> Option<String> {
        assert!(
            !rel.split('/').any(|c| c == ".." || c == ".") && !rel.starts_with('/'),
            "a path leaving content/ reached the resolver: {rel:?}"
        );
        FILES
            .iter()
            .find(|(f, _)| *f == rel)
            .map(|(_, u)| u.to_string())
    }
}

const PIECES: [&str; 24] = [
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

const OPENERS: [&str; 6] = ["[l](@/", "![i](@/", "<@/", "[l]: @/", "[l](<@/", "[l](@/./"];

fuzz_target!(|data: &[u8]| {
    let mut md = String::new();
    let mut it = data.iter();
    while let Some(&op) = it.next() {
        md.push_str(OPENERS[op as usize % OPENERS.len()]);
        let n = it.next().map(|&b| b % 8).unwrap_or(0);
        for _ in 0..n {
            let Some(&p) = it.next() else { break };
            md.push_str(PIECES[p as usize % PIECES.len()]);
        }
        md.push_str(if op & 0x80 == 0 {
            ")\n"
        } else {
            ") and [l]\n\n"
        });
    }
    let mut errors = Vec::new();
    let r = markdown::render(&md, &Site, &mut NoShortcodes, &mut errors);
    for e in &errors {
        assert!(e.span.start <= e.span.end && e.span.end <= md.len());
    }
    for l in &r.links {
        assert!(
            FILES.iter().any(|(f, _)| *f == l.target),
            "unknown target kept: {l:?}"
        );
    }
    assert!(
        !r.html.contains("href=\"@/"),
        "unresolved @/ link in {}",
        r.html
    );
});
