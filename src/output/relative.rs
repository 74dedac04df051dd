//! Relative URLs (`relative_urls = true`, `build --relative-urls`): every URL of a page or a
//! stylesheet that points into the site is rewritten relative to the file holding it
//! (`/assets/site.css` seen from `/a/b/` is `../../assets/site.css`), so the output can be read
//! from disk or a zip. Templates and Markdown keep producing site URLs; one rewrite over the
//! finished bytes catches them all, whoever wrote them (theme, site templates, shortcodes,
//! Markdown, later features).
//!
//! What stays absolute: feeds, the sitemap and robots.txt are not rewritten at all, and in a
//! page neither `<link rel=canonical>` / `rel=alternate` nor any `<meta>` but a refresh, nor
//! JSON-LD or other script text: those are read by crawlers and feed readers, which need the
//! published address. `file://` serves no `index.html` for a folder, so a folder URL (`/x/`)
//! becomes `…/x/index.html`.

use lol_html::html_content::{ContentType, Element};
use lol_html::{HtmlRewriter, Settings, element, text};

/// The site's base URL, split into what marks a URL as the site's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relative {
    /// `https://x.org/sub/`, when the base URL names a host.
    absolute: Option<String>,
    /// The base URL's path, with both slashes: `/sub/`, `/`.
    path: String,
}

/// Attributes that hold one URL. `data-*` attributes are added to these when their whole
/// value is a site URL.
const URL_ATTRIBUTES: [&str; 9] = [
    "href",
    "src",
    "poster",
    "action",
    "formaction",
    "cite",
    "data",
    "longdesc",
    "xlink:href",
];

impl Relative {
    /// For the base URL `base` (as the config normalises it: with its trailing slash).
    pub fn new(base: &str) -> Relative {
        let with_slash = |p: &str| {
            let p = p.trim_matches('/');
            if p.is_empty() {
                "/".to_string()
            } else {
                format!("/{p}/")
            }
        };
        match base.split_once("://") {
            Some((scheme, rest)) => {
                let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                let path = with_slash(path);
                Relative {
                    absolute: Some(format!("{scheme}://{host}{path}")),
                    path,
                }
            }
            None => Relative {
                absolute: None,
                path: with_slash(base),
            },
        }
    }

    /// The part of `url` after the site's base (`hedges/china/#x`), when `url` points into
    /// the site: it starts with the base URL, or is root-relative under the base's path.
    fn site_part<'u>(&self, url: &'u str) -> Option<&'u str> {
        // `https://x.org/sub`, `https://x.org/sub#x`: the base itself without its slash.
        let at_base = |base: &str| {
            let b = base.strip_suffix('/').filter(|b| !b.is_empty())?;
            let rest = url.strip_prefix(b)?;
            (rest.is_empty() || rest.starts_with(['#', '?'])).then_some(rest)
        };
        if let Some(abs) = &self.absolute {
            if let Some(rest) = url.strip_prefix(abs.as_str()) {
                return Some(rest);
            }
            if let Some(rest) = at_base(abs) {
                return Some(rest);
            }
        }
        if url.starts_with("//") {
            return None;
        }
        url.strip_prefix(self.path.as_str())
            .or_else(|| at_base(&self.path))
    }

    /// `url` relative to the output file `from` (`hedges/china/index.html`) when it points into
    /// the site; `None` when it is external, same-page, or already relative.
    pub fn url(&self, from: &str, url: &str) -> Option<String> {
        let trimmed = url.trim();
        let part = self.site_part(trimmed)?;
        let split = part.find(['?', '#']).unwrap_or(part.len());
        let (path, suffix) = part.split_at(split);
        let mut target: Vec<&str> = path.split('/').collect();
        if target.last().is_some_and(|s| s.is_empty()) {
            // A folder: `file://` shows no index.html by itself.
            target.pop();
            target.push("index.html");
        }
        let from_dir: Vec<&str> = from.split('/').collect();
        let from_dir = &from_dir[..from_dir.len().saturating_sub(1)];
        let common = from_dir
            .iter()
            .zip(&target[..target.len() - 1])
            .take_while(|(a, b)| a == b)
            .count();
        let mut out = "../".repeat(from_dir.len() - common);
        out.push_str(&target[common..].join("/"));
        out.push_str(suffix);
        Some(out)
    }

    /// A `srcset` with each candidate's URL made relative.
    fn srcset(&self, from: &str, value: &str) -> Option<String> {
        let mut out = String::with_capacity(value.len());
        let mut changed = false;
        let mut rest = value;
        loop {
            let skip = rest.len() - rest.trim_start_matches([' ', '\t', '\n', ',']).len();
            out.push_str(&rest[..skip]);
            rest = &rest[skip..];
            if rest.is_empty() {
                break;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            // A URL ends at white space; one that ends with commas leaves them as separators.
            let url = rest[..end].trim_end_matches(',');
            match self.url(from, url) {
                Some(r) => {
                    out.push_str(&r);
                    changed = true;
                }
                None => out.push_str(url),
            }
            rest = &rest[url.len()..];
            let descriptor = rest.find(',').unwrap_or(rest.len());
            out.push_str(&rest[..descriptor]);
            rest = &rest[descriptor..];
        }
        changed.then_some(out)
    }

    /// `content="0; url=/x/"` of a `<meta http-equiv=refresh>`, with its URL made relative.
    fn refresh(&self, from: &str, value: &str) -> Option<String> {
        let lower = value.to_ascii_lowercase();
        let at = lower.find("url")?;
        let after = value[at + 3..].trim_start();
        let after = after.strip_prefix('=')?.trim_start();
        let quote = after.starts_with(['"', '\'']);
        let url = after.trim_matches(['"', '\'']);
        let r = self.url(from, url)?;
        let head = &value[..value.len() - after.len()];
        Some(if quote {
            format!("{head}'{r}'")
        } else {
            format!("{head}{r}")
        })
    }

    /// CSS text (a stylesheet at output path `from`, a `style` attribute or element of a page
    /// at `from`) with the site URLs of its `url(...)`s made relative.
    pub fn css(&self, from: &str, css: &str) -> Option<String> {
        let mut out = String::with_capacity(css.len());
        let mut changed = false;
        let mut rest = css;
        while let Some(at) = find_ascii_ci(rest, "url(") {
            let open = at + 4;
            out.push_str(&rest[..open]);
            rest = &rest[open..];
            let ws = rest.len() - rest.trim_start().len();
            out.push_str(&rest[..ws]);
            rest = &rest[ws..];
            let (quote, body) = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => (Some(q), &rest[1..]),
                _ => (None, rest),
            };
            let end = match quote {
                Some(q) => body.find(q),
                None => body.find(|c: char| c == ')' || c.is_whitespace()),
            };
            let Some(end) = end else {
                break;
            };
            if let Some(q) = quote {
                out.push(q);
            }
            match self.url(from, &body[..end]) {
                Some(r) => {
                    out.push_str(&r);
                    changed = true;
                }
                None => out.push_str(&body[..end]),
            }
            rest = &body[end..];
        }
        out.push_str(rest);
        changed.then_some(out)
    }

    /// The HTML page at output path `from` with every site URL made relative (see the module
    /// comment for what stays absolute). The one function every path that writes pages calls,
    /// through [`super::Finish`].
    pub fn page(&self, from: &str, html: &[u8]) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(html.len() + html.len() / 16);
        let mut style = String::new();
        let settings = Settings::new()
            .with_strict(false)
            .append_element_content_handler(element!("*", |el| {
                self.element(from, el);
                Ok(())
            }))
            .append_element_content_handler(text!("style", |t| {
                // A stylesheet arrives in chunks; its URLs are rewritten once it is whole.
                style.push_str(t.as_str());
                if t.last_in_text_node() {
                    if let Some(css) = self.css(from, &style) {
                        t.replace(&css, ContentType::Html);
                    } else {
                        t.replace(&style, ContentType::Html);
                    }
                    style.clear();
                } else {
                    t.remove();
                }
                Ok(())
            }));
        let mut rewriter = HtmlRewriter::new(settings, |c: &[u8]| out.extend_from_slice(c));
        rewriter
            .write(html)
            .and_then(|_| rewriter.end())
            .map_err(|e| e.to_string())?;
        Ok(out)
    }

    fn element(&self, from: &str, el: &mut Element) {
        let tag = el.tag_name();
        if tag == "link" {
            let rel = el.get_attribute("rel").unwrap_or_default();
            let keep = rel.split_ascii_whitespace().any(|r| {
                r.eq_ignore_ascii_case("canonical") || r.eq_ignore_ascii_case("alternate")
            });
            if keep {
                return;
            }
        }
        let mut changes = Vec::new();
        for a in el.attributes() {
            let name = a.name();
            let value = a.value();
            let new = if URL_ATTRIBUTES.contains(&name.as_str()) || name.starts_with("data-") {
                self.url(from, &value)
            } else if name == "srcset" || name == "imagesrcset" {
                self.srcset(from, &value)
            } else if name == "style" {
                self.css(from, &value)
            } else if tag == "meta" && name == "content" {
                let refresh = el
                    .get_attribute("http-equiv")
                    .is_some_and(|h| h.eq_ignore_ascii_case("refresh"));
                refresh.then(|| self.refresh(from, &value)).flatten()
            } else {
                None
            };
            if let Some(new) = new {
                changes.push((name, new));
            }
        }
        for (name, value) in changes {
            // The names were read from this very element, so they are valid.
            let _ = el.set_attribute(&name, &value);
        }
    }
}

/// Where `needle` (ASCII, lowercase) first occurs in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..h.len().saturating_sub(n.len() - 1)).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(r: &Relative, from: &str, html: &str) -> String {
        String::from_utf8(r.page(from, html.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn site_urls_become_relative_to_the_page() {
        let r = Relative::new("/");
        let from = "a/b/index.html";
        assert_eq!(r.url(from, "/x/").as_deref(), Some("../../x/index.html"));
        assert_eq!(r.url(from, "/").as_deref(), Some("../../index.html"));
        assert_eq!(r.url(from, "/a/").as_deref(), Some("../index.html"));
        assert_eq!(r.url(from, "/a/b/").as_deref(), Some("index.html"));
        assert_eq!(r.url(from, "/a/b/#top").as_deref(), Some("index.html#top"));
        assert_eq!(
            r.url(from, "/style.1234.css").as_deref(),
            Some("../../style.1234.css")
        );
        assert_eq!(
            r.url("index.html", "/a/x.png?v=2").as_deref(),
            Some("a/x.png?v=2")
        );
        assert_eq!(r.url("404.html", "/").as_deref(), Some("index.html"));
        for untouched in [
            "#top",
            "x.png",
            "../y/",
            "https://e.org/",
            "//cdn.org/x",
            "mailto:a@b",
        ] {
            assert_eq!(r.url(from, untouched), None, "{untouched}");
        }
    }

    #[test]
    fn a_base_url_with_a_host_and_a_path_is_recognised() {
        let r = Relative::new("https://x.org/sub/");
        let from = "hedges/china/index.html";
        assert_eq!(
            r.url(from, "https://x.org/sub/hedges/").as_deref(),
            Some("../index.html")
        );
        assert_eq!(
            r.url(from, "https://x.org/sub").as_deref(),
            Some("../../index.html")
        );
        assert_eq!(
            r.url(from, "/sub/style.css").as_deref(),
            Some("../../style.css")
        );
        assert_eq!(r.url(from, "/other/"), None, "outside the site");
        assert_eq!(r.url(from, "https://x.org/subway/"), None);
        assert_eq!(r.url(from, "https://y.org/sub/"), None);
    }

    #[test]
    fn pages_keep_canonical_alternate_meta_and_script_text_absolute() {
        let r = Relative::new("https://x.org/");
        let html = concat!(
            r#"<link rel="canonical" href="https://x.org/a/">"#,
            r#"<link rel="alternate" type="application/atom+xml" href="https://x.org/atom.xml">"#,
            r#"<meta property="og:url" content="https://x.org/a/">"#,
            r#"<meta http-equiv="refresh" content="0; url=https://x.org/en/">"#,
            r#"<link rel="stylesheet" href="https://x.org/style.css">"#,
            r#"<script type="application/ld+json">{"url":"https://x.org/a/"}</script>"#,
            r#"<a href="https://x.org/b/" data-next="/c/">b</a>"#,
            r#"<img srcset="/i/a.png 1x, https://x.org/i/b.png 2x, https://e.org/c.png 3x" src="/i/a.png">"#,
            r#"<div style="background:url('/i/bg.png')"></div>"#,
            r#"<style>.x{background:url(/i/s.png)}</style>"#,
        );
        let out = page(&r, "a/index.html", html);
        let doc = concat!(
            r#"<link rel="canonical" href="https://x.org/a/">"#,
            r#"<link rel="alternate" type="application/atom+xml" href="https://x.org/atom.xml">"#,
            r#"<meta property="og:url" content="https://x.org/a/">"#,
            r#"<meta http-equiv="refresh" content="0; url=../en/index.html">"#,
            r#"<link rel="stylesheet" href="../style.css">"#,
            r#"<script type="application/ld+json">{"url":"https://x.org/a/"}</script>"#,
            r#"<a href="../b/index.html" data-next="../c/index.html">b</a>"#,
            r#"<img srcset="../i/a.png 1x, ../i/b.png 2x, https://e.org/c.png 3x" src="../i/a.png">"#,
            r#"<div style="background:url('../i/bg.png')"></div>"#,
            r#"<style>.x{background:url(../i/s.png)}</style>"#,
        );
        assert_eq!(out, doc);
    }

    #[test]
    fn stylesheets_urls_are_relative_to_the_stylesheet() {
        let r = Relative::new("/");
        let css = r#"a{background:URL( "/img/a.png" )} b{background:url(img/b.png)} @font-face{src:url(/f.woff2)}"#;
        assert_eq!(
            r.css("css/site.css", css).as_deref(),
            Some(
                r#"a{background:URL( "../img/a.png" )} b{background:url(img/b.png)} @font-face{src:url(../f.woff2)}"#
            )
        );
        assert_eq!(r.css("site.css", "a{color:red}"), None);
        assert_eq!(r.css("site.css", "a{background:url(/x"), None);
    }
}
