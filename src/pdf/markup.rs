//! A brief's Markdown as Typst markup, from pulldown-cmark's events (never from the HTML).
//!
//! Every piece of user text becomes a Typst string literal (`#"…";`), so nothing an author
//! types (`#`, `$`, `*`, `_`, `@`, `<`, `//`, a backtick) is ever read as markup or code; only
//! `"` and `\` need escaping inside one. Shortcodes go through the Markdown stage's own
//! `expand` with a host that answers in Typst, so they are found exactly as for the HTML.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::content::meta::Source;
use crate::markdown::shortcodes::{self, Expanded};
use crate::markdown::{LinkResolver, Resolved};
use crate::model::Site;

use super::shortcodes::{Files, Modules};

/// Marks a footnote reference until every definition is known (definitions may follow
/// their references). A private-use character: `string` escapes it in user text, so only
/// this module ever writes it raw.
const FOOTNOTE: char = '\u{E000}';
/// How deep quotes, lists, emphasis and links nest in a PDF.
const MAX_NESTING: usize = 8;
/// What the Markdown stage puts around a shortcode's token.
pub(super) const SHORTCODE: char = '\u{2063}';
/// Starts a citation's output: the space an author leaves before `{{ cite() }}` is dropped,
/// so the note's number sits on the word. Escaped in user text like [`FOOTNOTE`].
pub(super) const GLUE: char = '\u{E001}';

/// Writes `s` as a Typst string literal embedded in markup; the `;` ends the expression, so
/// text that follows (`.len()`, `(`) is text again.
pub fn string(out: &mut String, s: &str) {
    if s.is_empty() {
        return;
    }
    out.push_str("#\"");
    string_body(out, s);
    out.push_str("\";");
}

/// The inside of a Typst string literal.
pub fn string_body(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            FOOTNOTE | SHORTCODE | GLUE => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
}

/// A Typst string literal as a value in code (`"…"`).
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    string_body(&mut out, s);
    out.push('"');
    out
}

/// Text that may hold shortcode tokens: the tokens stay raw (they are swapped for the
/// shortcode's Typst afterwards), everything else is a string literal.
fn text(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(start) = rest.find(SHORTCODE) {
        let after = &rest[start + SHORTCODE.len_utf8()..];
        let Some(end) = after.find(SHORTCODE) else {
            break;
        };
        let token = &after[..end];
        // Only the Markdown stage's exact token shape is kept raw (letters, `-`, digits:
        // plain text in Typst markup even if an author typed one).
        let valid = token
            .strip_prefix("briefing-shortcode-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !valid {
            break;
        }
        string(out, &rest[..start]);
        out.push(SHORTCODE);
        out.push_str(token);
        out.push(SHORTCODE);
        rest = &after[end + SHORTCODE.len_utf8()..];
    }
    string(out, rest);
}

/// What converting a body needs from the site, and what it found on the way.
pub struct Context<'a> {
    pub site: &'a Site,
    pub sources: &'a [Source],
    /// The site's and theme's `templates/shortcodes/NAME.typ`.
    pub modules: &'a Modules,
    /// Where images are looked for; `None` when the markup is only read for its notes (`check`).
    pub files: Option<Files<'a>>,
    /// What the PDF shows less of than the page, for warnings: (what, span in the body).
    pub text_only: Vec<(String, Range<usize>)>,
    /// Raw HTML shown as its text: (its first tag, span in the body).
    pub raw_html: Vec<(String, Range<usize>)>,
    /// Images that are not where the brief says: (src, paths looked at, span in the body).
    pub missing: Vec<(String, Vec<String>, Range<usize>)>,
    /// Image files the markup names: (virtual path, file).
    pub images: Vec<(String, std::path::PathBuf)>,
    /// Image files found that Typst cannot read (shown as their alt text, as a missing one).
    pub unreadable: Vec<std::path::PathBuf>,
    /// The `.typ` shortcodes called, in order: index `i` is imported as `briefing-sc-i`.
    pub used: Vec<String>,
    /// While a block shortcode's body is converted, the whole shortcode's span: the body's
    /// own offsets are not the file's.
    pub(super) outer: Option<Range<usize>>,
}

impl<'a> Context<'a> {
    pub fn new(
        site: &'a Site,
        sources: &'a [Source],
        modules: &'a Modules,
        files: Option<Files<'a>>,
    ) -> Context<'a> {
        Context {
            site,
            sources,
            modules,
            files,
            text_only: Vec::new(),
            raw_html: Vec::new(),
            missing: Vec::new(),
            images: Vec::new(),
            unreadable: Vec::new(),
            used: Vec::new(),
            outer: None,
        }
    }

    /// `span` (of the text being converted) as a span of the brief's body.
    pub(super) fn place(&self, span: Range<usize>) -> Range<usize> {
        self.outer.clone().unwrap_or(span)
    }
}

/// What the event walk asks of its caller.
trait Sink {
    /// The URL a link target has in a PDF, if any.
    fn link(&self, dest: &str) -> Option<String>;
    /// The markup of a Markdown image.
    fn image(&mut self, src: &str, alt: &str, span: Range<usize>) -> String;
    /// Raw HTML, shown as its text.
    fn raw_html(&mut self, html: &str, span: Range<usize>);
}

struct BodySink<'c, 'a> {
    cx: &'c mut Context<'a>,
    expanded: &'c Expanded,
}

impl Sink for BodySink<'_, '_> {
    fn link(&self, dest: &str) -> Option<String> {
        web_link(dest, self.cx.site)
    }

    fn image(&mut self, src: &str, alt: &str, span: Range<usize>) -> String {
        let at = self.cx.place(self.expanded.original_span(span));
        let mut out = String::from("\n\n");
        super::shortcodes::image(self.cx, src, alt, None, at, &mut out);
        out.push_str("\n\n");
        out
    }

    fn raw_html(&mut self, html: &str, span: Range<usize>) {
        let at = self.cx.place(self.expanded.original_span(span));
        self.cx.raw_html.push((first_tag(html), at));
    }
}

/// The first tag of some HTML, as the warning names it (`<div class="x">`), cut short.
fn first_tag(html: &str) -> String {
    let start = html.find('<').unwrap_or(0);
    let tag = &html[start..];
    let end = tag.find('>').map_or(tag.len(), |i| i + 1);
    let tag = &tag[..end];
    match tag.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &tag[..i]),
        None => tag.to_string(),
    }
}

/// Whether raw HTML is only comments (`<!-- more -->` marks a summary; nothing is lost).
fn only_comments(html: &str) -> bool {
    let mut rest = html.trim();
    while let Some(after) = rest.strip_prefix("<!--") {
        match after.find("-->") {
            Some(end) => rest = after[end + 3..].trim_start(),
            None => return true,
        }
    }
    rest.is_empty()
}

/// The brief's body as Typst markup.
pub fn body(markdown: &str, cx: &mut Context) -> String {
    let mut errors = Vec::new();
    let links = NoLinks;
    let expanded = shortcodes::expand(markdown, cx, &links, &mut errors);
    let markup = convert(
        &expanded.text,
        &mut BodySink {
            cx,
            expanded: &expanded,
        },
    );
    let out = expanded.substitute(&markup);
    if !out.contains(GLUE) {
        return out;
    }
    out.replace(&format!(" \";{GLUE}"), "\";").replace(GLUE, "")
}

fn convert(markdown: &str, sink: &mut dyn Sink) -> String {
    let mut out = String::with_capacity(markdown.len() * 2);
    // Footnote definitions, by label, and the buffer set aside while one is written.
    let mut notes: HashMap<String, String> = HashMap::new();
    let mut refs: Vec<String> = Vec::new();
    let mut saved: Vec<(String, String)> = Vec::new();
    let mut code: Option<(String, String)> = None;
    let mut image: Option<(String, String, Range<usize>)> = None;
    // Typst lays out at most 72 levels, and each container here is two or three: deeper
    // Markdown is flattened (its text stays), as the pages flatten it past 100.
    let mut nesting = crate::markdown::Nesting::new(MAX_NESTING);
    for (event, span) in Parser::new_ext(markdown, crate::markdown::options()).into_offset_iter() {
        if nesting.keep(&event, &span) == Some(false) {
            continue;
        }
        if let Some((_, alt, _)) = image.as_mut() {
            match event {
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                Event::End(TagEnd::Image) => {
                    let (src, alt, at) = image.take().unwrap_or_default();
                    out.push_str(&sink.image(&src, &alt, at));
                }
                _ => {}
            }
            continue;
        }
        if let Some((_, body)) = code.as_mut() {
            match event {
                Event::Text(t) => body.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let (lang, body) = code.take().unwrap_or_default();
                    out.push_str(&format!(
                        "\n\n#raw(block: true, lang: {}, {});\n\n",
                        quoted(&lang),
                        quoted(body.trim_end_matches('\n'))
                    ));
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => out.push_str("\n\n"),
                Tag::Heading { level, .. } => {
                    let depth = match level {
                        HeadingLevel::H1 => 1,
                        HeadingLevel::H2 => 2,
                        HeadingLevel::H3 => 3,
                        HeadingLevel::H4 => 4,
                        HeadingLevel::H5 => 5,
                        HeadingLevel::H6 => 6,
                    };
                    out.push_str("\n\n");
                    out.push_str(&"=".repeat(depth));
                    out.push(' ');
                }
                Tag::BlockQuote(_) => out.push_str("\n\n#quote(block: true)["),
                Tag::CodeBlock(kind) => {
                    let lang = match kind {
                        CodeBlockKind::Fenced(l) => {
                            l.split_whitespace().next().unwrap_or("").to_string()
                        }
                        CodeBlockKind::Indented => String::new(),
                    };
                    code = Some((lang, String::new()));
                }
                Tag::List(Some(start)) => out.push_str(&format!("\n\n#enum(start: {start}, ")),
                Tag::List(None) => out.push_str("\n\n#list("),
                Tag::Item => out.push('['),
                Tag::FootnoteDefinition(label) => {
                    saved.push((label.to_string(), std::mem::take(&mut out)));
                }
                Tag::Table(aligns) => {
                    let align: Vec<&str> = aligns
                        .iter()
                        .map(|a| match a {
                            Alignment::Center => "center",
                            Alignment::Right => "right",
                            Alignment::Left | Alignment::None => "left",
                        })
                        .collect();
                    out.push_str(&format!(
                        "\n\n#table(columns: {}, align: ({},), ",
                        align.len(),
                        align.join(", ")
                    ));
                }
                Tag::TableHead => out.push_str("table.header("),
                Tag::TableRow => {}
                Tag::TableCell => out.push('['),
                Tag::Emphasis => out.push_str("#emph["),
                Tag::Strong => out.push_str("#strong["),
                Tag::Strikethrough => out.push_str("#strike["),
                Tag::Link { dest_url, .. } => match sink.link(&dest_url) {
                    Some(url) => out.push_str(&format!("#link({})[", quoted(&url))),
                    None => out.push_str("#["),
                },
                Tag::Image { dest_url, .. } => {
                    image = Some((dest_url.to_string(), String::new(), span));
                }
                _ => out.push_str("#["),
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph | TagEnd::Heading(_) => out.push_str("\n\n"),
                TagEnd::BlockQuote(_) => out.push_str("]\n\n"),
                TagEnd::List(_) => out.push_str(")\n\n"),
                TagEnd::Item | TagEnd::TableCell => out.push_str("], "),
                TagEnd::TableHead => out.push_str("), "),
                TagEnd::TableRow => {}
                TagEnd::Table => out.push_str(")\n\n"),
                TagEnd::FootnoteDefinition => {
                    if let Some((label, before)) = saved.pop() {
                        let note = std::mem::replace(&mut out, before);
                        notes.entry(label).or_insert(note);
                    }
                }
                _ => out.push(']'),
            },
            Event::Text(t) => text(&mut out, &t),
            Event::Code(t) => out.push_str(&format!("#raw({});", quoted(&t))),
            Event::Html(h) | Event::InlineHtml(h) => {
                // A closing tag or a line between tags loses nothing the opening tag did not.
                let opens = h.trim_start().starts_with('<') && !h.trim_start().starts_with("</");
                if opens && !only_comments(&h) {
                    let end = span.start + h.trim_end().len();
                    sink.raw_html(&h, span.start..end.min(span.end));
                }
                text(&mut out, &crate::markdown::strip_tags(&h));
            }
            Event::FootnoteReference(label) => {
                out.push(FOOTNOTE);
                out.push_str(&refs.len().to_string());
                out.push(FOOTNOTE);
                refs.push(label.to_string());
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push_str("#linebreak();"),
            Event::Rule => out.push_str("\n\n#line(length: 100%, stroke: 0.5pt + luma(160));\n\n"),
            Event::TaskListMarker(done) => out.push_str(if done { "☑ " } else { "☐ " }),
            _ => {}
        }
    }
    fill_footnotes(&out, &refs, &notes)
}

/// Puts each footnote's text at its first reference as a real Typst footnote; a second
/// reference to the same note points at the first one's label.
fn fill_footnotes(markup: &str, refs: &[String], notes: &HashMap<String, String>) -> String {
    if refs.is_empty() {
        return markup.to_string();
    }
    let mut out = String::with_capacity(markup.len());
    let mut placed: HashMap<&str, usize> = HashMap::new();
    let mut parts = markup.split(FOOTNOTE);
    out.push_str(parts.next().unwrap_or(""));
    while let (Some(n), Some(rest)) = (parts.next(), parts.next()) {
        let label = n.parse::<usize>().ok().and_then(|i| refs.get(i));
        match label.map(|l| (l, notes.get(l))) {
            Some((l, Some(note))) => match placed.get(l.as_str()) {
                Some(first) => out.push_str(&format!("#footnote(<briefing-fn-{first}>)")),
                None => {
                    let i = placed.len();
                    placed.insert(l, i);
                    // Nested references inside a note stay markers: notes in notes are rare
                    // and Typst would number them anyway.
                    let note = note.replace(FOOTNOTE, "");
                    out.push_str(&format!("#footnote[{}] <briefing-fn-{i}>", note.trim()));
                }
            },
            Some((l, None)) => {
                out.push_str("#super[");
                string(&mut out, l);
                out.push(']');
            }
            None => {}
        }
        out.push_str(rest);
    }
    out
}

/// A link a reader of the PDF can follow: web and mail links as written, `@/` links as the
/// page's published URL; anything else (relative paths) has no meaning outside the site.
fn web_link(dest: &str, site: &Site) -> Option<String> {
    let lower = dest.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
    {
        return Some(dest.to_string());
    }
    let target = dest.strip_prefix("@/")?;
    let (file, anchor) = match target.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (target, None),
    };
    let path = site.path_of(file)?;
    let url = site.url(path);
    Some(match anchor {
        Some(a) => format!("{url}#{a}"),
        None => url,
    })
}

struct NoLinks;

impl LinkResolver for NoLinks {
    fn resolve(&self, _: &str) -> Option<Resolved> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use typst::syntax::{SyntaxKind, SyntaxNode};

    #[derive(Default)]
    struct TestSink {
        raw: Vec<(String, Range<usize>)>,
    }

    impl Sink for TestSink {
        fn link(&self, _: &str) -> Option<String> {
            None
        }
        fn image(&mut self, _: &str, _: &str, _: Range<usize>) -> String {
            String::new()
        }
        fn raw_html(&mut self, html: &str, span: Range<usize>) {
            self.raw.push((first_tag(html), span));
        }
    }

    #[test]
    fn raw_html_is_noted_where_it_is_but_comments_are_not() {
        let md =
            "Intro.\n\n<!-- more -->\n\nA <span class=\"x\">word</span>.\n\n<div>\nBlock\n</div>\n";
        let mut sink = TestSink::default();
        let markup = convert(md, &mut sink);
        let tags: Vec<&str> = sink.raw.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tags, ["<span class=\"x\">", "<div>"], "{markup}");
        assert_eq!(&md[sink.raw[0].1.clone()], "<span class=\"x\">");
        assert!(
            markup.contains("word") && markup.contains("Block"),
            "{markup}"
        );
    }

    /// Every node kind that is not plain data: anything here would be markup or code that
    /// user text made.
    fn active(node: &SyntaxNode, out: &mut Vec<String>) {
        match node.kind() {
            SyntaxKind::Markup
            | SyntaxKind::Hash
            | SyntaxKind::Str
            | SyntaxKind::Semicolon
            | SyntaxKind::Space
            | SyntaxKind::Parbreak => {}
            other => out.push(format!("{other:?} {:?}", node.full_text())),
        }
        for child in node.children() {
            active(child, out);
        }
    }

    #[test]
    fn hostile_text_is_only_string_literals() {
        let hostile = "Risk #1 $x$ \\*b\\* \\_u\\_ @ref \\<lbl> \\\\ \\`t\\` // line /* block */ \
                       #panic(\"boom\") \")#panic(\" \u{E000}0\u{E000} \u{2063}x";
        let markup = convert(hostile, &mut TestSink::default());
        let tree = typst::syntax::parse(&markup);
        assert!(tree.errors_and_warnings().0.is_empty(), "{markup}");
        let mut found = Vec::new();
        active(&tree, &mut found);
        assert!(
            found.is_empty(),
            "user text became markup: {found:?}\n{markup}"
        );
        // And the strings say what was typed (Markdown's own escapes aside).
        let mut said = String::new();
        for n in tree.children().filter(|n| n.kind() == SyntaxKind::Str) {
            let lit = n.full_text();
            said.push_str(&lit[1..lit.len() - 1]);
        }
        for piece in [
            "Risk #1 $x$ *b* _u_ @ref <lbl> \\\\ `t` // line /* block */",
            "#panic(",
            "boom",
        ] {
            assert!(said.contains(piece), "{piece:?} not in {said:?}");
        }
    }

    #[test]
    fn a_footnote_is_a_typst_footnote_where_it_is_referenced() {
        let markup = convert(
            "Text.[^a] More.\n\n[^a]: The note.\n",
            &mut TestSink::default(),
        );
        let at = markup.find("#footnote[").expect("a footnote");
        assert!(markup[at..].contains("The note."), "{markup}");
        assert!(markup.find("More.").is_some_and(|m| m > at), "{markup}");
        assert!(
            typst::syntax::parse(&markup)
                .errors_and_warnings()
                .0
                .is_empty(),
            "{markup}"
        );
    }
}
