//! Markdown and shortcodes: `markdown::render` on arbitrary UTF-8, with a host that knows no
//! shortcode and with one that echoes every call (rendering block bodies recursively, like the
//! real host), plus `shortcodes::expand` on its own.
#![no_main]

use briefing::markdown::{self, LinkResolver, MarkdownError};
use briefing::shortcodes::{self, Call, CallError, NoShortcodes, ShortcodeHost};
use libfuzzer_sys::fuzz_target;

/// Knows one file, so `@/` links take both the resolved and the broken path.
struct OneFile;

impl LinkResolver for OneFile {
    fn resolve(&self, rel: &str) -> Option<String> {
        (rel == "a.md").then(|| "/a/".to_string())
    }
}

/// Echoes calls; renders block bodies as Markdown like the built-in callout does.
struct Echo;

impl ShortcodeHost for Echo {
    fn render(&mut self, call: &Call) -> Result<String, CallError> {
        if call.name == "fail" {
            return Err(CallError {
                message: "fail".into(),
                hint: None,
            });
        }
        let body = match &call.body {
            Some(md) => {
                let mut errors = Vec::new();
                markdown::render(md, &OneFile, self, &mut errors).html
            }
            None => String::new(),
        };
        Ok(format!(
            "<div class=\"{}\">{}</div>",
            markdown::escape(&call.name),
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

fuzz_target!(|src: &str| {
    let mut errors = Vec::new();
    let r = markdown::render(src, &OneFile, &mut NoShortcodes, &mut errors);
    check_spans(src, &errors);
    let ids: std::collections::HashSet<&String> = r.heading_ids.iter().collect();
    assert_eq!(ids.len(), r.heading_ids.len(), "duplicate heading ids");
    let _ = markdown::strip_tags(&r.html);

    let mut errors = Vec::new();
    let _ = markdown::render(src, &OneFile, &mut Echo, &mut errors);
    check_spans(src, &errors);

    let mut errors = Vec::new();
    let expanded = shortcodes::expand(src, &mut Echo, &mut errors);
    check_spans(src, &errors);
    let _ = expanded.substitute(&expanded.text);
    let n = expanded.text.len();
    let _ = expanded.original_span(0..n);
});
