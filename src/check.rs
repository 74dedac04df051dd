//! `briefing check`: runs the whole pipeline without writing anything, then checks the rendered
//! site as a reader would meet it: links and anchors resolve, images exist and have alt text,
//! every brief can be reached from some other page, titles are unique. External links are
//! listed, not fetched.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use crate::build::{BuildOptions, Builder};
use crate::diagnostics::{Diagnostic, Failure};
use crate::output::Body;

mod translations;

#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// (page, URL) of every link leaving the site.
    pub external_links: Vec<(String, String)>,
    pub pages: usize,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// A tag's attributes, from a small scanner: enough for the HTML briefing writes itself.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, &'a str)>,
}

fn tags(html: &str) -> impl Iterator<Item = Tag<'_>> {
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find('<')?;
            rest = &rest[start + 1..];
            if rest.starts_with("!--") {
                let end = rest.find("-->").map(|i| i + 3).unwrap_or(rest.len());
                rest = &rest[end..];
                continue;
            }
            let end = rest.find('>').unwrap_or(rest.len());
            let inner = &rest[..end];
            rest = &rest[end..];
            let name_end = inner
                .find(|c: char| c.is_whitespace() || c == '/')
                .unwrap_or(inner.len());
            let name = &inner[..name_end];
            if name.is_empty() || name.starts_with('/') || name.starts_with('!') {
                continue;
            }
            let mut attrs = Vec::new();
            let mut a = &inner[name_end..];
            while let Some(eq) = a.find('=') {
                let key = a[..eq]
                    .trim()
                    .rsplit(char::is_whitespace)
                    .next()
                    .unwrap_or("");
                let after = a[eq + 1..].trim_start();
                let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                    break;
                };
                let Some(close) = after[1..].find(q) else {
                    break;
                };
                attrs.push((key, &after[1..1 + close]));
                a = &after[close + 2..];
            }
            // Boolean attributes (e.g. `alt` written bare) still count as present.
            for word in inner[name_end..].split_whitespace() {
                let w = word.trim_end_matches('/');
                if !w.contains('=') && !w.is_empty() && !attrs.iter().any(|(k, _)| *k == w) {
                    attrs.push((w, ""));
                }
            }
            return Some(Tag { name, attrs });
        }
    })
}

fn attr<'a>(t: &Tag<'a>, key: &str) -> Option<&'a str> {
    t.attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| *v)
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Maps a site URL path to the output file that serves it.
fn resolve<'a>(files: &'a BTreeMap<String, Body>, path: &str) -> Option<&'a str> {
    let p = path.trim_start_matches('/');
    let decoded = percent_decode(p);
    for candidate in [
        decoded.clone(),
        format!("{decoded}index.html"),
        format!("{decoded}/index.html"),
    ] {
        if let Some((k, _)) = files.get_key_value(candidate.as_str()) {
            return Some(k);
        }
    }
    None
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn run(root: &Path, drafts: bool) -> Result<Report, Failure> {
    let mut builder = Builder::new(
        root,
        BuildOptions {
            drafts,
            serve: true,
            // A body's broken relative link is an error here, reported at its source line.
            strict_links: true,
            pdf_notes: true,
            ..BuildOptions::default()
        },
    );
    let built = builder.build()?;
    let config = crate::config::Config::load(root)?;
    let base = config.base_url.trim_end_matches('/').to_string();
    // A site published under a path (`https://x.org/sub/`) links `/sub/img.png` root-relative.
    let base_path = base
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
        .unwrap_or_default();
    let mut report = Report {
        diagnostics: built.warnings.clone(),
        pages: built.stats.pages,
        ..Report::default()
    };
    // `build` only warns, so a new site previews at once; a site published with "Your
    // organisation" in it is wrong, and check is the gate before publishing.
    for d in &mut report.diagnostics {
        if crate::placeholders::is_placeholder(d) {
            d.severity = crate::diagnostics::Severity::Error;
        }
    }

    let html_pages: Vec<(&String, &[u8])> = built
        .output
        .files()
        .iter()
        .filter(|(k, _)| k.ends_with(".html"))
        .filter_map(|(k, b)| match b {
            Body::Bytes(bytes) => Some((k, bytes.as_slice())),
            Body::Copy(_) => None,
        })
        .collect();
    let mut ids: HashMap<&str, HashSet<String>> = HashMap::new();
    for (page, html) in &html_pages {
        let text = String::from_utf8_lossy(html);
        let set = tags(&text)
            .filter_map(|t| attr(&t, "id").map(unescape))
            .collect();
        ids.insert(page.as_str(), set);
    }
    let mut linked_from_elsewhere: HashSet<&str> = HashSet::new();
    let mut external: BTreeSet<(String, String)> = BTreeSet::new();
    for (page, html) in &html_pages {
        let text = String::from_utf8_lossy(html);
        let shown = format!("output/{page}");
        for t in tags(&text) {
            let url = match t.name {
                "a" | "link" => attr(&t, "href"),
                "img" | "script" | "source" => attr(&t, "src"),
                _ => None,
            };
            if t.name == "img" {
                match attr(&t, "alt") {
                    None => report.diagnostics.push(Diagnostic::error(format!("image without alt text: {}", attr(&t, "src").unwrap_or("?"))).in_file(&shown).with_hint("give every image a description: ![description](image.png) or figure(alt=\"...\")")),
                    Some(a) if a.trim().is_empty() && attr(&t, "role") != Some("presentation") => report
                        .diagnostics
                        .push(Diagnostic::error(format!("image with empty alt text: {}", attr(&t, "src").unwrap_or("?"))).in_file(&shown).with_hint("describe the image in its alt text")),
                    _ => {}
                }
            }
            let Some(url) = url.map(unescape) else {
                continue;
            };
            // Schemes are case-insensitive: `HTTP://` leaves the site as surely as `http://`.
            let lower = url.to_ascii_lowercase();
            if lower.starts_with("mailto:")
                || lower.starts_with("tel:")
                || lower.starts_with("data:")
                || lower.starts_with("javascript:")
            {
                continue;
            }
            // With `base_url = "/"` the base is empty and names no site: only root-relative and
            // relative links are internal then.
            let internal = if let Some(rest) = Some(base.as_str())
                .filter(|b| !b.is_empty())
                .and_then(|b| url.strip_prefix(b))
                .filter(|r| r.is_empty() || r.starts_with('/') || r.starts_with('#'))
            {
                rest.to_string()
            } else if lower.starts_with("http://")
                || lower.starts_with("https://")
                || lower.starts_with("//")
            {
                external.insert((shown.clone(), url.clone()));
                continue;
            } else if url.starts_with('#') {
                format!("/{page}{url}")
            } else if url.starts_with('/') {
                match url.strip_prefix(base_path.as_str()) {
                    Some(rest)
                        if !base_path.is_empty()
                            && (rest.is_empty() || rest.starts_with(['/', '#', '?'])) =>
                    {
                        rest.to_string()
                    }
                    _ => url.clone(),
                }
            } else {
                // Relative to the page's folder.
                let dir = page.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                format!("/{dir}/{url}")
            };
            let (path, fragment) = match internal.split_once('#') {
                Some((p, f)) => (p.to_string(), Some(f.to_string())),
                None => (internal.clone(), None),
            };
            let path = if path.is_empty() {
                "/".to_string()
            } else {
                path
            };
            let path = crate::linkpath::normalize(path.split('?').next().unwrap_or(""));
            // The search bundle is written after rendering, by `build`; check does not index.
            if built.search && path.starts_with("/pagefind/") {
                continue;
            }
            match resolve(built.output.files(), &path) {
                None => report.diagnostics.push(Diagnostic::error(format!("broken link to {url}")).in_file(&shown).with_hint("the target page or file is not in the built site; fix the link or the template")),
                Some(target) => {
                    if target != page.as_str() {
                        linked_from_elsewhere.insert(target);
                    }
                    if let Some(f) = fragment.filter(|f| !f.is_empty())
                        && let Some(set) = ids.get(target)
                        && !set.contains(&percent_decode(&f))
                    {
                        report.diagnostics.push(Diagnostic::error(format!("broken anchor: {url} (no id `{f}` on {target})")).in_file(&shown).with_hint("link to a heading that exists, or add the id"));
                    }
                }
            }
        }
    }
    // The full briefing repeats every brief's body: a problem already reported on the brief's
    // own page is not reported again for it.
    let briefing = std::path::Path::new("output/briefing/index.html");
    let elsewhere: HashSet<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.file.as_deref() != Some(briefing))
        .map(|d| d.message.clone())
        .collect();
    report
        .diagnostics
        .retain(|d| d.file.as_deref() != Some(briefing) || !elsewhere.contains(&d.message));
    for page in built.brief_pages.iter() {
        if !linked_from_elsewhere.contains(page.as_str()) {
            report.diagnostics.push(
                Diagnostic::warning(format!(
                    "brief /{} is not linked from any other page",
                    page.trim_end_matches("index.html")
                ))
                .with_hint(
                    "readers can only reach it by its URL; check the section listing and drafts",
                ),
            );
        }
    }
    // Duplicate titles confuse readers and search results.
    let mut titles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let content = crate::content::Loader::default().load(root);
    for d in &content.docs {
        if let crate::content::DocKind::Brief(m) = &d.kind {
            // Listed from the front matter, not only from the pages, so that a theme which
            // leaves sources out (or a mailto: address, skipped above) still gets them checked.
            let published = drafts || !m.draft;
            for url in m.sources.iter().filter_map(|s| s.url.as_deref()) {
                if published && leaves_site(url) {
                    external.insert((d.display.display().to_string(), url.trim().to_string()));
                }
            }
            titles
                .entry(m.title.trim().to_lowercase())
                .or_default()
                .push(d.display.display().to_string());
        }
    }
    for (title, files) in titles {
        if files.len() > 1 {
            report.diagnostics.push(
                Diagnostic::warning(format!(
                    "{} briefs share the title \"{title}\": {}",
                    files.len(),
                    files.join(", ")
                ))
                .in_file(&files[0])
                .with_hint("give each brief a distinct title"),
            );
        }
    }
    let docs: Vec<_> = builder.loaded().cloned().collect();
    report
        .diagnostics
        .extend(translations::report(&docs, &config, drafts));
    report.external_links = external.into_iter().collect();
    Ok(report)
}

/// An absolute or scheme-relative URL. Source URLs are validated by the content stage, so any
/// scheme here is http, https or mailto.
fn leaves_site(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:", "//"]
        .iter()
        .any(|p| u.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_tags_and_attributes() {
        let html = r#"<a href="/x/#y">x</a><!-- <a href="/no/"> --><img src='a.png' alt=""><img src="b.png">"#;
        let t: Vec<Tag> = tags(html).collect();
        assert_eq!(t.len(), 3);
        assert_eq!(attr(&t[0], "href"), Some("/x/#y"));
        assert_eq!(attr(&t[1], "alt"), Some(""));
        assert_eq!(attr(&t[2], "alt"), None);
    }

    #[test]
    fn decodes_percent() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
