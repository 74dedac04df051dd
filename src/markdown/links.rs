//! Internal `@/` links: how the renderer resolves them, what it keeps of them (for anchor
//! checks), and every target it asked about, so a cached render can tell when one of them
//! starts or stops naming a file (a broken link is an error, not a link, yet creating its
//! target changes the render). Relative links and images (`../china/`, `map.png`) are
//! rewritten against the document's own URL, so a body means the same on every page that
//! shows it (its own, the full briefing, feeds); they and root-relative ones are kept as
//! [`LocalLink`]s for the build to check against the site's files.

use std::cell::RefCell;
use std::ops::Range;

use pulldown_cmark::CowStr;

use super::MarkdownError;
use super::shortcodes::Expanded;

/// A link to `@/path.md#anchor` found in the text, kept to check the anchor once every page's
/// headings are known.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct InternalLink {
    pub target: String,
    pub anchor: Option<String>,
    /// Byte range in the Markdown body as written.
    pub span: Range<usize>,
}

/// A link or image to a page or file of the site that is not an `@/` link: relative
/// (`../china/`, `map.png`) or root-relative (`/img/x.png`). Kept so the build can tell
/// whether it names anything.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct LocalLink {
    /// The URL as written in the Markdown.
    pub written: String,
    /// The URL as published: root-relative, a relative one resolved against the document's
    /// URL (base path included); query and fragment kept.
    pub url: String,
    pub image: bool,
    /// Byte range in the Markdown body as written.
    pub span: Range<usize>,
}

/// Resolves `@/` links to URLs. Implemented by the site model.
pub trait LinkResolver {
    /// The content file a link target names (`hedges/china.md`, `hedges/caf%C3%A9.md`) and
    /// its URL path (`/hedges/china/`), if it exists.
    fn resolve(&self, target: &str) -> Option<Resolved>;

    /// The URL path of the page the document is (`/briefs/hedges/india/` with its base
    /// path), which relative links are resolved against; `None` leaves them as written.
    fn page(&self) -> Option<&str> {
        None
    }

    /// The interface strings of the site (heading-link and footnote labels).
    fn strings(&self) -> &crate::strings::Strings {
        crate::strings::Strings::built_in()
    }

    /// The language of the page (its punctuation follows it).
    fn language(&self) -> &str {
        "en"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub url: String,
    /// The file's path under content/ as saved, which may differ from the target as typed.
    pub rel: String,
}

/// Passes lookups on to the resolver it wraps and remembers each target asked. A render sends
/// every lookup through one of these, block shortcode bodies included (their host gets it to
/// render them with), so the targets a render depends on are the ones it asked about, however
/// the Markdown wrote them.
pub(super) struct Recorder<'a> {
    links: &'a dyn LinkResolver,
    asked: RefCell<Vec<String>>,
}

impl<'a> Recorder<'a> {
    pub(super) fn new(links: &'a dyn LinkResolver) -> Recorder<'a> {
        Recorder {
            links,
            asked: RefCell::default(),
        }
    }

    /// The targets asked, sorted, each once.
    pub(super) fn into_asked(self) -> Vec<String> {
        let mut asked = self.asked.into_inner();
        asked.sort_unstable();
        asked.dedup();
        asked
    }
}

impl LinkResolver for Recorder<'_> {
    fn resolve(&self, target: &str) -> Option<Resolved> {
        self.asked.borrow_mut().push(target.to_string());
        self.links.resolve(target)
    }

    fn page(&self) -> Option<&str> {
        self.links.page()
    }

    fn strings(&self) -> &crate::strings::Strings {
        self.links.strings()
    }

    fn language(&self) -> &str {
        self.links.language()
    }
}

/// Whether a URL names a scheme (`https:`, `mailto:`) or another host (`//cdn`): not a
/// file of this site.
fn leaves_site(url: &str) -> bool {
    if url.starts_with("//") {
        return true;
    }
    let scheme = url
        .find(':')
        .map(|i| &url[..i])
        .filter(|s| !s.contains(['/', '?', '#']));
    scheme.is_some_and(|s| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `rel` (a relative URL) resolved against the folder URL `page` as a browser does: `.` and
/// `..` segments removed (never above the root), query and fragment kept.
pub fn join(page: &str, rel: &str) -> String {
    let cut = rel.find(['?', '#']).unwrap_or(rel.len());
    let (path, suffix) = rel.split_at(cut);
    let dir = match page.rfind('/') {
        Some(i) => &page[..=i],
        None => "/",
    };
    // `dir` ends in `/`, so an empty `path` (`?x`, `#y`) names the page's folder.
    let mut out = crate::linkpath::normalize(&format!("{dir}{path}"));
    out.push_str(suffix);
    out
}

/// A link that is not `@/`: a relative one is rewritten against the document's URL, and a
/// relative or root-relative one is kept in `found` for the build's check. Anchors on this
/// page, queries, external URLs and empty links are left alone.
fn local_link<'a>(
    dest: &CowStr<'a>,
    span: Range<usize>,
    image: bool,
    links: &dyn LinkResolver,
    found: &mut Vec<LocalLink>,
) -> CowStr<'a> {
    let written = dest.trim();
    if written.is_empty() || written.starts_with(['#', '?']) || leaves_site(written) {
        return dest.clone();
    }
    let url = if written.starts_with('/') {
        written.to_string()
    } else {
        match links.page() {
            Some(page) => join(page, written),
            None => return dest.clone(),
        }
    };
    found.push(LocalLink {
        written: written.to_string(),
        url: url.clone(),
        image,
        span,
    });
    if url == **dest {
        dest.clone()
    } else {
        CowStr::from(url)
    }
}

/// Where the links a render found are kept.
pub(super) struct Found<'f> {
    pub(super) internal: &'f mut Vec<InternalLink>,
    pub(super) local: &'f mut Vec<LocalLink>,
}

pub(super) fn resolve_link<'a>(
    dest: &CowStr<'a>,
    range: &Range<usize>,
    image: bool,
    exp: &Expanded,
    links: &dyn LinkResolver,
    errors: &mut Vec<MarkdownError>,
    found: Found<'_>,
) -> CowStr<'a> {
    let Some(rest) = dest.strip_prefix("@/") else {
        let span = exp.original_span(range.clone());
        return local_link(dest, span, image, links, found.local);
    };
    let found = found.internal;
    let (target, anchor) = match rest.split_once('#') {
        Some((t, a)) => (t, Some(a.to_string())),
        None => (rest, None),
    };
    let span = exp.original_span(range.clone());
    let leaves = |t: &str| t.split('/').any(|c| c == ".." || c == ".") || t.starts_with('/');
    if leaves(target) {
        errors.push(MarkdownError {
            span,
            message: format!("link `{dest}` leaves the content folder"),
            hint: Some("internal links are relative to content/, e.g. @/hedges/china.md".into()),
        });
        return CowStr::Borrowed("#");
    }
    match links.resolve(target) {
        Some(Resolved { url, rel }) => {
            found.push(InternalLink {
                target: rel,
                anchor: anchor.clone(),
                span,
            });
            match anchor {
                Some(a) => CowStr::from(format!("{url}#{a}")),
                None => CowStr::from(url),
            }
        }
        None => {
            errors.push(MarkdownError {
                span,
                message: format!("broken internal link: no content file `{target}`"),
                // `#` starts the anchor, so a file with `#` in its name needs it encoded.
                hint: Some(match anchor.filter(|_| !leaves(rest)).and_then(|_| links.resolve(rest)) {
                    Some(r) => format!(
                        "`#` starts an anchor; to link to the file `{}`, write its `#` as %23: @/{}",
                        r.rel,
                        crate::linkpath::encode(&r.rel)
                    ),
                    None => "internal links name a file under content/, e.g. @/hedges/china.md; \
                        write `#` in a file name as %23 and `%` as %25"
                        .into(),
                }),
            });
            CowStr::Borrowed("#")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::shortcodes::{Call, CallError, ShortcodeHost};
    use super::super::tests::Links;
    use super::super::{MarkdownError, render};
    use super::*;

    /// Renders block bodies as Markdown with the links it is given, as the real host does.
    struct Host;
    impl ShortcodeHost for Host {
        fn render(&mut self, call: &Call, links: &dyn LinkResolver) -> Result<String, CallError> {
            let mut errors: Vec<MarkdownError> = Vec::new();
            Ok(match &call.body {
                Some(md) => render(md, links, self, &mut errors).html,
                None => String::new(),
            })
        }
    }

    fn recorded(md: &str) -> Vec<String> {
        render(md, &Links, &mut Host, &mut Vec::new()).link_targets
    }

    /// The scan of the raw text that recorded a document's targets before the renderer did:
    /// `(@/` up to the `)`, `#`, space or line end that ends it.
    fn old_scan(body: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut end: Option<usize> = None;
        for (i, _) in body.match_indices("(@/") {
            let start = i + 3;
            if end.is_none_or(|e| e < start) {
                match body[start..].find([')', '#', ' ', '\n']) {
                    Some(e) => end = Some(start + e),
                    None => break,
                }
            }
            if let Some(e) = end {
                out.push(body[start..e].to_string());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn recorded_targets_are_the_old_scan_s_where_it_found_links() {
        for md in [
            "[a](@/hedges/china.md)",
            "![chart](@/hedges/china.md)",
            "[a](@/hedges/china.md \"China\") and [b](@/nope.md)",
            "[a](@/hedges/china.md#trade)",
            "[a](@/hedges/caf%C3%A9.md) [b](@/x.md)\n\n- [c](@/y/z.md)\n",
            "{% callout(kind=\"note\") %}\nSee [x](@/inside.md).\n{% end %}",
            "{% outer() %}\n{% inner() %}\n[x](@/deep.md)\n{% end %}\n{% end %}",
            "<@/hedges/china.md> is text, and so is @/x.md",
            "<a href=\"@/raw.md\">raw HTML is left alone</a>",
        ] {
            assert_eq!(recorded(md), old_scan(md), "{md:?}");
        }
    }

    /// Resolves nothing; the document is the page `/base/hedges/india/`.
    struct AtIndia;
    impl LinkResolver for AtIndia {
        fn resolve(&self, _: &str) -> Option<Resolved> {
            None
        }
        fn page(&self) -> Option<&str> {
            Some("/base/hedges/india/")
        }
    }

    #[test]
    fn relative_links_are_resolved_against_the_page_and_kept_for_the_check() {
        let md = "[c](../china/#trade) ![m](map.png \"Map\") [r](/img/x.png) [x](https://a.b/c) \
                  [m](mailto:a@b.c) [h](#here) [q](?p=1) [u](./../../../up/)";
        let r = render(md, &AtIndia, &mut Host, &mut Vec::new());
        let found: Vec<(&str, &str, bool)> = r
            .local_links
            .iter()
            .map(|l| (l.written.as_str(), l.url.as_str(), l.image))
            .collect();
        assert_eq!(
            found,
            vec![
                ("../china/#trade", "/base/hedges/china/#trade", false),
                ("map.png", "/base/hedges/india/map.png", true),
                ("/img/x.png", "/img/x.png", false),
                ("./../../../up/", "/up/", false),
            ]
        );
        assert_eq!(&md[r.local_links[1].span.clone()], "![m](map.png \"Map\")");
        assert!(
            r.html.contains("href=\"/base/hedges/china/#trade\""),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("src=\"/base/hedges/india/map.png\""),
            "{}",
            r.html
        );
        for kept in ["https://a.b/c", "mailto:a@b.c", "\"#here\"", "\"?p=1\""] {
            assert!(r.html.contains(kept), "{kept}: {}", r.html);
        }
    }

    #[test]
    fn join_resolves_as_a_browser_does() {
        assert_eq!(join("/a/b/", "../c/"), "/a/c/");
        assert_eq!(join("/a/b/", "c.png?x=1#y"), "/a/b/c.png?x=1#y");
        assert_eq!(join("/a/b/", ".."), "/a/");
        assert_eq!(join("/a/b/", "."), "/a/b/");
        assert_eq!(join("/", "../../x"), "/x");
        assert_eq!(join("/a/b/", "c//d"), "/a/b/c/d");
    }

    #[test]
    fn recorded_targets_are_what_the_renderer_looked_up() {
        // Where the old scan of the raw text differed: links it missed (a broken one then
        // stayed broken after its target was created) and `(@/` it took for links.
        for (md, expected) in [
            ("[a][r]\n\n[r]: @/nope.md\n", &["nope.md"][..]),
            ("[a](<@/a b.md>)", &["a b.md"]),
            ("[a]( @/nope.md )", &["nope.md"]),
            ("[a](@/a\\_b.md)", &["a_b.md"]),
            // A broken link with an anchor: the hint asks whether the `#` is in a file name.
            ("[a](@/q#1.md)", &["q", "q#1.md"]),
            ("`(@/code.md)`", &[]),
            ("```\n[a](@/block.md)\n```\n", &[]),
            ("    [a](@/indented.md)\n", &[]),
            ("{{ note(text=\"(@/arg.md)\") }}", &[]),
            // Never looked up: leaving content/ is an error whatever files exist.
            ("[a](@/../up.md)", &[]),
        ] {
            assert_eq!(recorded(md), expected, "{md:?}");
            assert_ne!(old_scan(md), expected, "{md:?}: no difference to show");
        }
    }
}
