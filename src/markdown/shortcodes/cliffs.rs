//! Tests that the shortcode stage stays linear on hostile documents (issue #13), and that the
//! indexed `{% end %}` search and one-pass substitution agree with the scans they replace.

use super::*;
use crate::cliffs::assert_linear;

/// Renders `<name>`, and a block as `<div>name</div>`.
struct EchoHost;

impl ShortcodeHost for EchoHost {
    fn render(&mut self, call: &Call, _: &dyn LinkResolver) -> Result<String, CallError> {
        Ok(match call.body {
            Some(_) => format!("<div>{}</div>", call.name),
            None => format!("<{}>", call.name),
        })
    }
}

/// The `{% end %}` search as it was: a scan from the block to the end of the text.
fn find_end_by_scan(src: &str, from: usize) -> Option<(Range<usize>, usize)> {
    let mut depth = 1;
    let mut pos = from;
    while let Some(i) = src[pos..].find("{%") {
        let at = pos + i;
        let inner = &src[at + 2..];
        let trimmed = inner.trim_start();
        if trimmed.starts_with("end") && trimmed[3..].trim_start().starts_with("%}") {
            depth -= 1;
            let close = at + 2 + inner.find("%}")? + 2;
            if depth == 0 {
                return Some((from..at, close));
            }
            pos = close;
        } else {
            if matches!(parse_call(inner, "%}"), Some(Ok(_))) {
                depth += 1;
            }
            pos = at + 2;
        }
    }
    None
}

#[test]
fn indexed_end_search_agrees_with_a_scan() {
    let pieces = [
        "{% c() %}",
        "{% end %}",
        "{%end%}",
        "{% end x %}",
        "{% c(a=\"{% end %}\") %}",
        "{% nope %}",
        "`{% end %}`",
        "text ",
        "\n\n",
        "{%",
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..3000 {
        let mut src = String::new();
        for _ in 0..(seed % 12) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            src.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        let tags = BlockTags::new(&src);
        for from in 0..=src.len() {
            assert_eq!(
                tags.find_end(from),
                find_end_by_scan(&src, from),
                "{src:?} from {from}"
            );
        }
    }
}

#[test]
fn many_shortcodes_and_links_cost_linear_time() {
    assert_linear("substitute", 8000, |n| {
        let src = "Text {{ cite(id=\"x\") }} and [l](@/a.md).\n\n".repeat(n);
        let mut errors = Vec::new();
        let e = expand(&src, &mut EchoHost, &NoLinks, &mut errors);
        // Every link's span maps back through the replacements before it.
        for (at, _) in e.text.match_indices("[l]") {
            std::hint::black_box(e.original_span(at..at + 3));
        }
        assert_eq!(e.substitute(&e.text).matches("<cite>").count(), n);
    });
}

#[test]
fn many_unclosed_blocks_cost_linear_time() {
    assert_linear("unclosed", 8000, |n| {
        let src = "{% callout(kind=\"note\") %}\nopen\n".repeat(n);
        let mut errors = Vec::new();
        expand(&src, &mut EchoHost, &NoLinks, &mut errors);
        assert_eq!(errors.len(), n);
    });
}

#[test]
fn many_code_spans_cost_linear_time() {
    assert_linear("code spans", 8000, |n| {
        let src = "`code` {{ cite(id=\"x\") }} ".repeat(n);
        let mut errors = Vec::new();
        let e = expand(&src, &mut EchoHost, &NoLinks, &mut errors);
        assert_eq!(e.replacements.len(), n);
    });
}

#[test]
fn block_tokens_leave_their_paragraph_inline_ones_stay() {
    let mut errors = Vec::new();
    let e = expand(
        "{% callout() %}\nx\n{% end %}\n\nA {{ cite() }}.\n",
        &mut EchoHost,
        &NoLinks,
        &mut errors,
    );
    let html = format!("<p>{}</p>\n<p>A {}.</p>\n", token(0), token(1));
    assert_eq!(
        e.substitute(&html),
        "<div>callout</div>\n<p>A <cite>.</p>\n"
    );
}

#[test]
fn each_token_is_replaced_once_and_inserted_html_is_not_searched() {
    /// `a` renders the text of `b`'s token, as a nested body's leftover token would be.
    struct Leaky;
    impl ShortcodeHost for Leaky {
        fn render(&mut self, call: &Call, _: &dyn LinkResolver) -> Result<String, CallError> {
            Ok(if call.name == "a" {
                token(1)
            } else {
                "<b>".into()
            })
        }
    }
    let mut errors = Vec::new();
    let e = expand("{{ a() }} {{ b() }}", &mut Leaky, &NoLinks, &mut errors);
    // A heading's anchor label repeats its text, so a token can appear twice.
    let html = format!("{} {} {}", token(0), token(1), token(1));
    assert_eq!(
        e.substitute(&html),
        format!("{} <b> {}", token(1), token(1))
    );
}
