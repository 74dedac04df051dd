//! Stage 4a: Markdown to HTML with pulldown-cmark: heading ids and anchors, table of contents,
//! summary, word count, internal `@/` links and shortcodes. The child module [`shortcodes`] cuts
//! shortcodes out before Markdown and puts their HTML back after; [`links`] resolves `@/` links
//! and records every target a render asked about.

mod links;
pub mod shortcodes;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

use crate::clean::escape;
use crate::slug::{UniqueSlugs, slugify};
use links::{Found, Recorder, resolve_link};
pub use links::{InternalLink, LinkResolver, LocalLink, Resolved, join};
use shortcodes::{Expanded, ShortcodeHost};

/// An entry of a brief's table of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Hash)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Hash)]
pub struct Rendered {
    pub html: String,
    pub summary: Option<String>,
    pub toc: Vec<TocEntry>,
    pub heading_ids: Vec<String>,
    pub word_count: usize,
    pub links: Vec<InternalLink>,
    /// Relative and root-relative links and images (not `@/`), as published, for the
    /// build's check that they name a page or file of the site (the site's shortcode host
    /// adds those of block shortcode bodies, placed at the shortcode).
    pub local_links: Vec<LocalLink>,
    /// Every `@/` target the render looked up, resolved or not, block shortcode bodies
    /// included, as written (after `@/`; a broken link's hint also asks with its `#` part),
    /// sorted, each once: besides the text, shortcodes and data, all the render depends on.
    pub link_targets: Vec<String>,
    /// Identity of the rendered output, set by the render stage, for page fingerprints.
    pub hash: u64,
    /// Problems that do not stop the build (nesting flattened past [`MAX_NESTING`]).
    pub warnings: Vec<MarkdownError>,
}

/// Block quotes, lists, emphasis and links nest at most this deep together; deeper levels are
/// flattened into the last one (their text stays), with a warning. Real briefs never come near it; thousands of levels would make the
/// sanitiser quadratic and the minifier recurse past its thread's stack.
pub const MAX_NESTING: usize = 100;

/// Elements in the rendered HTML (raw HTML included) nest at most this deep, or the document
/// is an error: deeper trees overflow the HTML minifier's stack and make sanitising quadratic.
pub const MAX_HTML_DEPTH: usize = 1000;

/// Problems found while rendering, with byte ranges into the Markdown body.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct MarkdownError {
    pub span: Range<usize>,
    pub message: String,
    pub hint: Option<String>,
}

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

const MORE: &str = "<!-- more -->";

/// Renders a Markdown body. Shortcodes are expanded through `host`; errors are collected, not
/// fatal, so a build reports every problem at once.
pub fn render(
    body: &str,
    links: &dyn LinkResolver,
    host: &mut dyn ShortcodeHost,
    errors: &mut Vec<MarkdownError>,
) -> Rendered {
    let links = Recorder::new(links);
    let expanded = shortcodes::expand(body, host, &links, errors);
    let mut out = render_expanded(&expanded, &links, errors);
    out.link_targets = links.into_asked();
    out.html = expanded.substitute(&out.html);
    if let Some(s) = out.summary.take() {
        out.summary = Some(expanded.substitute(&s));
    }
    if let Some(depth) = too_deep(&out.html) {
        errors.push(MarkdownError {
            span: 0..body.find('\n').unwrap_or(body.len()),
            message: format!(
                "HTML nested more than {MAX_HTML_DEPTH} elements deep (at least {depth})"
            ),
            hint: Some(
                "raw HTML in this brief opens far more elements than it closes; close them or nest less deeply".into(),
            ),
        });
        // Nothing downstream gets the tree that would overflow it.
        out.html.clear();
        out.summary = None;
    }
    out
}

/// The nesting depth of `html` if it exceeds [`MAX_HTML_DEPTH`]. A linear scan of tags:
/// void and self-closed elements, comments, and elements whose end tag is optional (`p`, `li`,
/// table parts...) do not nest; raw-text elements (`script`, `style`...) are skipped whole.
fn too_deep(html: &str) -> Option<usize> {
    const FLAT: [&str; 30] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
        "tbody", "thead", "tfoot", "colgroup", "caption", "rp", "rt",
    ];
    const RAW: [&str; 5] = ["script", "style", "textarea", "title", "xmp"];
    if html.len() < MAX_HTML_DEPTH * 3 {
        return None;
    }
    let b = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(off) = memchr_lt(&b[i..]) {
        i += off + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        let closing = b.get(i) == Some(&b'/');
        let start = i + usize::from(closing);
        let len = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
            .count();
        if len == 0 || !b[start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[start..start + len].to_ascii_lowercase();
        let end = html[start..].find('>').map_or(b.len(), |e| start + e);
        let self_closed = end > 0 && b.get(end - 1) == Some(&b'/');
        i = end.min(b.len());
        if FLAT.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else if RAW.contains(&name.as_str()) {
            i = find_end_tag(html, i, &name);
        } else if !self_closed {
            depth += 1;
            if depth > MAX_HTML_DEPTH {
                return Some(depth);
            }
        }
    }
    None
}

fn memchr_lt(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'<')
}

/// Where `</name` (any case) starts at or after `from`, or the end of `html`.
fn find_end_tag(html: &str, from: usize, name: &str) -> usize {
    let b = html.as_bytes();
    let mut i = from;
    while let Some(off) = html[i..].find("</") {
        let at = i + off;
        let rest = &b[at + 2..];
        if rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return at;
        }
        i = at + 2;
    }
    b.len()
}

/// Drops the tags of containers (block quotes, lists, emphasis, strong, strikethrough, links)
/// nested deeper than [`MAX_NESTING`]; their content stays, flattened into the deepest allowed
/// level. Items follow their list. The PDF stage keeps a lower limit (Typst lays out at most
/// 72 levels).
pub struct Nesting {
    /// Per open block quote, list or item: whether its tags are dropped.
    open: Vec<bool>,
    depth: usize,
    max: usize,
    /// Where the first flattened level starts, for the warning.
    first_dropped: Option<Range<usize>>,
}

impl Default for Nesting {
    fn default() -> Nesting {
        Nesting::new(MAX_NESTING)
    }
}

impl Nesting {
    pub fn new(max: usize) -> Nesting {
        Nesting {
            open: Vec::new(),
            depth: 0,
            max,
            first_dropped: None,
        }
    }

    /// Whether to keep this event; `None` when it is not a container tag.
    pub fn keep(&mut self, ev: &Event, range: &Range<usize>) -> Option<bool> {
        match ev {
            Event::Start(
                Tag::BlockQuote(_)
                | Tag::List(_)
                | Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Link { .. },
            ) => {
                let drop = self.depth >= self.max;
                if drop {
                    self.first_dropped.get_or_insert(range.clone());
                } else {
                    self.depth += 1;
                }
                self.open.push(drop);
                Some(!drop)
            }
            Event::Start(Tag::Item) => {
                let drop = self.open.last().copied().unwrap_or(false);
                self.open.push(drop);
                Some(!drop)
            }
            Event::End(
                TagEnd::BlockQuote(_)
                | TagEnd::List(_)
                | TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link,
            ) => {
                let drop = self.open.pop().unwrap_or(false);
                if !drop {
                    self.depth = self.depth.saturating_sub(1);
                }
                Some(!drop)
            }
            Event::End(TagEnd::Item) => Some(!self.open.pop().unwrap_or(false)),
            _ => None,
        }
    }
}

/// Ids the default theme puts on a brief's page around its Markdown (`<main id="main">`, the
/// estimative-language legend, the search page), and the prefixes of the ids of references
/// (`ref-N`) and footnotes (`fn-X`, `fnref-X`). A heading whose text slugifies to one of them
/// gets `-section` appended, so "## Main" never takes the skip link's target.
const PAGE_IDS: [&str; 4] = ["main", "estimative-language", "search", "search-title"];
const PAGE_ID_PREFIXES: [&str; 3] = ["ref-", "fn-", "fnref-"];

fn taken_by_page(id: &str) -> bool {
    PAGE_IDS.contains(&id)
        || PAGE_ID_PREFIXES
            .iter()
            .any(|p| id.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
}

/// Footnotes by label, in order of first appearance: number, unique id, references seen.
#[derive(Default)]
struct Footnotes {
    seen: Vec<(String, String, usize)>,
    /// Index into `seen` by label: thousands of footnotes must not mean a pass over all of
    /// them per reference.
    by_label: HashMap<String, usize>,
    ids: UniqueSlugs,
}

impl Footnotes {
    /// Number and id of a label; distinct labels that slugify alike get distinct ids.
    fn get(&mut self, label: &str) -> (usize, String) {
        if let Some(&i) = self.by_label.get(label) {
            return (i + 1, self.seen[i].1.clone());
        }
        let id = self.ids.unique(&slugify(label));
        self.by_label.insert(label.to_string(), self.seen.len());
        self.seen.push((label.to_string(), id.clone(), 0));
        (self.seen.len(), id)
    }

    /// The id of the next reference to a label: `fnref-X`, then `fnref-X--2`, `fnref-X--3`...
    /// (slugs never hold `--`, so these cannot meet another label's id).
    fn reference(&mut self, label: &str) -> (usize, String, String) {
        let (n, id) = self.get(label);
        let count = &mut self.seen[n - 1].2;
        *count += 1;
        let ref_id = if *count == 1 {
            format!("fnref-{id}")
        } else {
            format!("fnref-{id}--{count}")
        };
        (n, id, ref_id)
    }
}

struct Heading {
    level: u8,
    id: Option<String>,
    classes: Vec<String>,
    start_event: usize,
    text: String,
}

/// One event of a French page, with French punctuation in its text (see [`render_expanded`]).
fn french_event<'a>(ev: Event<'a>, in_code: usize, prev: &mut Option<char>) -> Event<'a> {
    match ev {
        Event::Text(t) if in_code == 0 => {
            let converted = match crate::typography::french_after(&t, *prev) {
                std::borrow::Cow::Owned(s) => Some(s),
                std::borrow::Cow::Borrowed(_) => None,
            };
            *prev = t.chars().last().or(*prev);
            match converted {
                Some(s) => Event::Text(CowStr::from(s)),
                None => Event::Text(t),
            }
        }
        Event::Code(t) => {
            *prev = t.chars().last().or(*prev);
            Event::Code(t)
        }
        Event::SoftBreak | Event::HardBreak => {
            *prev = Some('\n');
            ev
        }
        Event::Start(
            Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::Item
            | Tag::TableCell
            | Tag::BlockQuote(_)
            | Tag::FootnoteDefinition(_),
        ) => {
            *prev = None;
            ev
        }
        other => other,
    }
}

fn render_expanded(
    exp: &Expanded,
    links: &dyn LinkResolver,
    errors: &mut Vec<MarkdownError>,
) -> Rendered {
    let src = exp.text.as_str();
    let mut result = Rendered::default();
    let mut events: Vec<Event> = Vec::new();
    let mut slugs = UniqueSlugs::default();
    let mut headings: Vec<(u8, String, String)> = Vec::new();
    let mut current: Option<Heading> = None;
    let mut in_code = 0usize;
    let mut summary_at: Option<usize> = None;
    let mut footnotes = Footnotes::default();
    let mut nesting = Nesting::default();
    let mut explicit_ids: HashSet<String> = HashSet::new();

    // Explicit `{#id}`s are reserved first so generated ids never steal them.
    for (ev, _) in Parser::new_ext(src, options()).into_offset_iter() {
        if let Event::Start(Tag::Heading { id: Some(id), .. }) = ev {
            slugs.reserve(&id);
        }
    }

    // A French page gets French punctuation (« » and narrow spaces before ;:!?) in its text,
    // never in code; `prev` is the character before each text event in its block.
    let french = crate::typography::is_french(links.language());
    let mut prev: Option<char> = None;
    for (ev, range) in Parser::new_ext(src, options()).into_offset_iter() {
        if nesting.keep(&ev, &range) == Some(false) {
            continue;
        }
        let ev = if french {
            french_event(ev, in_code, &mut prev)
        } else {
            ev
        };
        match ev {
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => {
                current = Some(Heading {
                    level: heading_level(level),
                    id: id.map(|i| i.to_string()),
                    classes: classes.iter().map(|c| c.to_string()).collect(),
                    start_event: events.len(),
                    text: String::new(),
                });
                events.push(Event::Text(CowStr::Borrowed("")));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(h) = current.take() {
                    let title = h.text.trim().to_string();
                    let id = match h.id {
                        // The first heading with an explicit id keeps it; a second one gets a
                        // unique id and a warning (found by fuzzing: duplicate ids made
                        // `#anchor` links ambiguous and the page invalid).
                        Some(id) if !explicit_ids.insert(id.clone()) => {
                            let unique = slugs.unique(&id);
                            result.warnings.push(MarkdownError {
                                span: exp.original_span(range.clone()),
                                message: format!(
                                    "heading id `#{id}` is already used in this brief; this heading gets `#{unique}`"
                                ),
                                hint: Some("give each heading its own {#id}".into()),
                            });
                            unique
                        }
                        Some(id) => id,
                        None => {
                            let mut base = slugify(&title);
                            if taken_by_page(&base) {
                                base.push_str("-section");
                            }
                            slugs.unique(&base)
                        }
                    };
                    let lvl = heading_level(level);
                    let class_attr = if h.classes.is_empty() {
                        String::new()
                    } else {
                        format!(" class=\"{}\"", escape(&h.classes.join(" ")))
                    };
                    events[h.start_event] = Event::Html(CowStr::from(format!(
                        "<h{lvl} id=\"{}\"{class_attr}>",
                        escape(&id)
                    )));
                    let label = links.strings().fill("heading_link", &[("heading", &title)]);
                    events.push(Event::Html(CowStr::from(format!(
                        " <a class=\"heading-anchor\" href=\"#{id}\" aria-label=\"{}\" data-pagefind-ignore>#</a></h{lvl}>\n",
                        escape(&label),
                        id = escape(&id),
                    ))));
                    headings.push((h.level, id, title));
                }
            }
            Event::Start(Tag::CodeBlock(_)) => {
                in_code += 1;
                events.push(ev);
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = in_code.saturating_sub(1);
                events.push(ev);
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                if let Some(h) = current.as_mut() {
                    h.text.push_str(t);
                }
                if in_code == 0 && matches!(ev, Event::Text(_)) {
                    result.word_count += t
                        .split_whitespace()
                        .filter(|w| w.chars().any(char::is_alphanumeric))
                        .count();
                }
                events.push(ev);
            }
            Event::Html(ref h) | Event::InlineHtml(ref h) if h.trim() == MORE => {
                summary_at.get_or_insert(events.len());
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let found = Found {
                    internal: &mut result.links,
                    local: &mut result.local_links,
                };
                let image = false;
                let dest = resolve_link(&dest_url, &range, image, exp, links, errors, found);
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let found = Found {
                    internal: &mut result.links,
                    local: &mut result.local_links,
                };
                let image = true;
                let dest = resolve_link(&dest_url, &range, image, exp, links, errors, found);
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                }));
            }
            Event::FootnoteReference(label) => {
                let (n, id, ref_id) = footnotes.reference(&label);
                let label = links.strings().fill("footnote", &[("n", &n.to_string())]);
                events.push(Event::Html(CowStr::from(format!(
                    "<sup class=\"footnote-ref\" id=\"{ref_id}\"><a href=\"#fn-{id}\" aria-label=\"{}\">{n}</a></sup>",
                    escape(&label)
                ))));
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let (n, id) = footnotes.get(&label);
                let label = links
                    .strings()
                    .fill("footnote_back", &[("n", &n.to_string())]);
                events.push(Event::Html(CowStr::from(format!(
                    "<div class=\"footnote-definition\" id=\"fn-{id}\"><span class=\"footnote-number\"><a href=\"#fnref-{id}\" aria-label=\"{}\">{n}</a></span>",
                    escape(&label)
                ))));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                events.push(Event::Html(CowStr::Borrowed("</div>\n")));
            }
            other => {
                if let (Some(h), Event::SoftBreak | Event::HardBreak) = (current.as_mut(), &other) {
                    h.text.push(' ');
                }
                events.push(other);
            }
        }
    }

    let mut out = String::with_capacity(src.len() * 3 / 2);
    if let Some(at) = summary_at {
        let mut summary = String::new();
        html::push_html(&mut summary, events[..at].iter().cloned());
        html::push_html(&mut out, events.into_iter());
        result.summary = Some(summary);
    } else {
        html::push_html(&mut out, events.into_iter());
    }
    result.html = out;
    if let Some(at) = nesting.first_dropped {
        result.warnings.push(MarkdownError {
            span: exp.original_span(at.start..at.start),
            message: format!(
                "Markdown nested more than {MAX_NESTING} levels deep (quotes, lists, emphasis, links) is flattened"
            ),
            hint: Some(format!(
                "nest less deeply; everything past level {MAX_NESTING} is shown at that level"
            )),
        });
    }
    result.heading_ids = headings.iter().map(|h| h.1.clone()).collect();
    result.toc = build_toc(&headings);
    result
}

fn heading_level(l: HeadingLevel) -> u8 {
    l as u8
}

fn build_toc(headings: &[(u8, String, String)]) -> Vec<TocEntry> {
    fn insert(list: &mut Vec<TocEntry>, entry: TocEntry) {
        match list.last_mut() {
            Some(last) if entry.level > last.level => insert(&mut last.children, entry),
            _ => list.push(entry),
        }
    }
    let mut toc = Vec::new();
    for (level, id, title) in headings {
        // Nesting depth is bounded by the six heading levels, so the recursion is shallow.
        insert(
            &mut toc,
            TocEntry {
                level: *level,
                id: id.clone(),
                title: title.clone(),
                children: Vec::new(),
            },
        );
    }
    toc
}

/// Plain text of rendered HTML, for feeds and search descriptions.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Ids that only exist in the rendered page, for anchor checks.
pub fn id_set(r: &Rendered) -> HashSet<&str> {
    r.heading_ids.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::shortcodes::NoShortcodes;
    use super::*;

    /// Resolves `hedges/china.md` only.
    pub(super) struct Links;
    impl LinkResolver for Links {
        fn resolve(&self, rel: &str) -> Option<Resolved> {
            (rel == "hedges/china.md").then(|| Resolved {
                url: "/hedges/china/".into(),
                rel: rel.into(),
            })
        }
    }

    fn md(s: &str) -> (Rendered, Vec<MarkdownError>) {
        let mut errors = Vec::new();
        let r = render(s, &Links, &mut NoShortcodes, &mut errors);
        (r, errors)
    }

    #[test]
    fn headings_get_unique_ids_and_toc() {
        let (r, e) = md("# Intro\n\n## Trade\n\n## Trade\n\n### Deep {#custom}\n\n## Intro\n");
        assert!(e.is_empty());
        assert_eq!(
            r.heading_ids,
            vec!["intro", "trade", "trade-1", "custom", "intro-1"]
        );
        assert_eq!(r.toc.len(), 1);
        assert_eq!(r.toc[0].children.len(), 3);
        assert_eq!(r.toc[0].children[1].children[0].id, "custom");
        assert!(r.html.contains("<h2 id=\"trade-1\">"));
    }

    #[test]
    fn internal_links_resolve_or_fail() {
        let (r, e) = md("See [China](@/hedges/china.md#trade) and [x](@/nope.md).\n");
        assert!(
            r.html.contains("href=\"/hedges/china/#trade\""),
            "{}",
            r.html
        );
        assert_eq!(e.len(), 1);
        assert_eq!(
            &"See [China](@/hedges/china.md#trade) and [x](@/nope.md).\n"[e[0].span.clone()],
            "[x](@/nope.md)"
        );
        assert_eq!(r.links[0].anchor.as_deref(), Some("trade"));
    }

    #[test]
    fn summary_and_words() {
        let (r, _) = md("One two three.\n\n<!-- more -->\n\nFour five.\n\n```\nnot counted\n```\n");
        assert_eq!(r.word_count, 5);
        assert!(r.summary.unwrap().contains("One two three."));
    }

    #[test]
    fn headings_never_take_the_page_s_own_ids() {
        let (r, _) =
            md("## Main\n\n## Estimative language\n\n## Ref 1\n\n## Fn 1\n\n## Main section\n");
        assert_eq!(
            r.heading_ids,
            vec![
                "main-section",
                "estimative-language-section",
                "ref-1-section",
                "fn-1-section",
                "main-section-1"
            ]
        );
        // An explicit id is the author's choice and stays.
        let (r, _) = md("## Main {#main}\n");
        assert_eq!(r.heading_ids, vec!["main"]);
    }

    #[test]
    fn repeated_explicit_ids_are_made_unique_with_a_warning() {
        // Regression (fuzz/markdown): two headings with the same `{#id}` gave duplicate ids.
        let src = "# Intro\n\n## Tarde {#tradu .x}\n\nText.\n\n## Tarde {#tradu .x}\n";
        let (r, e) = md(src);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r.heading_ids, vec!["intro", "tradu", "tradu-1"]);
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0].message.contains("`#tradu`"),
            "{:?}",
            r.warnings
        );
        assert_eq!(&src[r.warnings[0].span.clone()], "## Tarde {#tradu .x}\n");
    }

    #[test]
    fn footnote_ids_are_unique() {
        // Two labels that slugify alike, and a note referenced twice.
        let (r, _) = md("A[^a b] b[^a-b] c[^a b].\n\n[^a b]: One.\n[^a-b]: Two.\n");
        let ids: Vec<&str> = r
            .html
            .match_indices(" id=\"")
            .map(|(i, _)| {
                let rest = &r.html[i + 5..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect();
        let unique: HashSet<&&str> = ids.iter().collect();
        assert_eq!(ids.len(), unique.len(), "{ids:?}");
        assert!(ids.contains(&"fnref-a-b--2"), "{ids:?}");
        assert!(r.html.contains("href=\"#fn-a-b-1\""), "{}", r.html);
    }

    #[test]
    fn deep_nesting_is_flattened_with_a_warning() {
        for src in [
            format!("{}deep\n", "> ".repeat(5000)),
            format!("{}deep\n", "- ".repeat(5000)),
            format!("{}deep\n", "> 1. ".repeat(3000)),
            format!("{}deep{}\n", "*a _b ".repeat(3000), " b_ a*".repeat(3000)),
        ] {
            let (r, e) = md(&src);
            assert!(e.is_empty(), "{e:?}");
            assert!(r.html.contains("deep"));
            assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
            assert!(r.warnings[0].message.contains("flattened"));
            let opened = ["<blockquote", "<ul", "<ol", "<em", "<strong"]
                .iter()
                .map(|t| r.html.matches(t).count())
                .sum::<usize>();
            assert!(opened <= MAX_NESTING, "{opened} levels kept");
            assert_eq!(
                r.html.matches("<li").count(),
                r.html.matches("</li>").count()
            );
            assert_eq!(too_deep(&r.html), None);
        }
        let (r, _) = md(&format!("{}shallow\n", "> ".repeat(MAX_NESTING)));
        assert!(r.warnings.is_empty());
        assert_eq!(r.html.matches("<blockquote").count(), MAX_NESTING);
    }

    #[test]
    fn raw_html_nested_too_deep_is_an_error() {
        let src = format!(
            "Intro.\n\n{}x{}\n",
            "<div>".repeat(5000),
            "</div>".repeat(5000)
        );
        let (r, e) = md(&src);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].message.contains("nested more than"),
            "{}",
            e[0].message
        );
        assert_eq!(e[0].span, 0..6);
        assert!(r.html.is_empty());
        // Unclosed paragraphs and items, void elements and comments do not nest.
        let flat = "<p>a<li>b<br><img src=x><!-- <div> --><input/>".repeat(2000);
        assert_eq!(too_deep(&flat), None);
        let script = format!("<script>{}</script>", "<div>".repeat(2000));
        assert_eq!(too_deep(&script), None);
        let shallow = "<div><span>x</span></div>".repeat(2000);
        assert_eq!(too_deep(&shallow), None);
    }

    #[test]
    fn footnotes_are_prefixed() {
        let (r, _) = md("Text[^1].\n\n[^1]: Note.\n");
        assert!(r.html.contains("id=\"fn-1\""), "{}", r.html);
        assert!(r.html.contains("href=\"#fn-1\""));
    }
}
