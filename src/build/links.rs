//! Relative and root-relative links and images in bodies (`../china/`, `map.png`,
//! `/img/x.png`) checked against what the build publishes: every page and every output file
//! (static files, folder briefs' files, assets, feeds). A broken one is reported at its place
//! in the Markdown source, as a warning (so a site with one broken link still publishes) or,
//! for `check`, an error. The Markdown stage found and resolved the links
//! ([`crate::markdown::LocalLink`]); this only looks each one up in a hash set, and a patch
//! looks up only the edited briefs' links. Fragments are left to `check`, which sees every id
//! of the rendered pages.

use std::collections::{BTreeMap, HashSet};

use crate::diagnostics::Diagnostic;
use crate::markdown::{LocalLink, Rendered};
use crate::model::{BriefId, SectionId, Site};
use crate::pages::documents::Documents;

/// Every output path of the build: its pages and feeds, and `files` (static files, folder
/// briefs' files, assets) by their output names.
pub(super) fn targets<'a>(site: &Site, files: impl Iterator<Item = &'a String>) -> HashSet<String> {
    crate::pages::list(site, site.config.paginate_by)
        .into_iter()
        .map(|p| p.out)
        .chain(files.cloned())
        .collect()
}

/// A document, in the order a full build reports: sections, then briefs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Doc {
    Section(SectionId),
    Brief(BriefId),
}

/// What the last full build's links were checked against, and what each document's links
/// gave, so a patch re-checks only the briefs it re-rendered.
#[derive(Default)]
pub(super) struct LinkCheck {
    /// Output paths (`hedges/china/index.html`, `img/x.png`), as files are named: decoded.
    targets: HashSet<String>,
    base_path: String,
    /// Whether `/pagefind/` is published (written after this check runs).
    search: bool,
    as_errors: bool,
    found: BTreeMap<Doc, Vec<Diagnostic>>,
}

impl LinkCheck {
    /// Checks every document's links against `targets`, the build's output paths.
    pub(super) fn full(
        site: &Site,
        docs: &Documents,
        targets: HashSet<String>,
        as_errors: bool,
    ) -> LinkCheck {
        let mut check = LinkCheck {
            targets,
            base_path: site.config.base_path().to_string(),
            search: site.config.search,
            as_errors,
            found: BTreeMap::new(),
        };
        for s in site.sections.ids() {
            check.document(site, docs, Doc::Section(s));
        }
        for b in site.briefs.ids() {
            check.document(site, docs, Doc::Brief(b));
        }
        check
    }

    /// Checks again the links of briefs whose bodies a patch re-rendered; the site's files
    /// are those of the last full build (a patch adds or removes none).
    pub(super) fn recheck(&mut self, site: &Site, docs: &Documents, briefs: &[BriefId]) {
        for &b in briefs {
            self.found.remove(&Doc::Brief(b));
            self.document(site, docs, Doc::Brief(b));
        }
    }

    /// What the checks found, in report order.
    pub(super) fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.found.values().flatten()
    }

    fn document(&mut self, site: &Site, docs: &Documents, d: Doc) {
        let (doc, rendered): (_, Option<&Rendered>) = match d {
            Doc::Section(s) => (&site.sections[s].doc, docs.section(s)),
            Doc::Brief(b) => (&site.briefs[b].doc, docs.brief(b)),
        };
        let Some(rendered) = rendered else { return };
        let mut out = Vec::new();
        for link in &rendered.local_links {
            let Some(hint) = self.problem(link, &doc.rel) else {
                continue;
            };
            let what = if link.image {
                "missing image"
            } else {
                "broken link to"
            };
            let message = format!("{what} {}", link.written);
            let diag = if self.as_errors {
                Diagnostic::error(message)
            } else {
                Diagnostic::warning(message)
            };
            let start = doc.body_start + link.span.start;
            out.push(
                diag.in_file(&doc.display)
                    .at(&doc.text, start..doc.body_start + link.span.end)
                    .with_hint(hint),
            );
        }
        if !out.is_empty() {
            self.found.insert(d, out);
        }
    }

    /// Why `link` names nothing the site publishes (the hint), or `None` when it does.
    fn problem(&self, link: &LocalLink, rel: &str) -> Option<String> {
        let path = link.url.split(['?', '#']).next().unwrap_or("");
        let base = &self.base_path;
        let inside = path
            .strip_prefix(base.as_str())
            .filter(|r| r.is_empty() || r.starts_with('/'));
        if let Some(inside) = inside
            && self.publishes(inside)
        {
            return None;
        }
        let leads = if link.url == link.written {
            String::new()
        } else {
            format!("from this page it leads to {path}, and ")
        };
        if inside.is_none() {
            return Some(format!(
                "{leads}the site is published under {base}/: write {base}{path}, or a relative link"
            ));
        }
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        Some(if path.ends_with(".md") {
            let file = crate::markdown::join(&format!("/{dir}/"), &link.written);
            format!(
                "{leads}the site has no such page; to link to a brief or section, name its file: @{}",
                file.split(['?', '#']).next().unwrap_or("")
            )
        } else if link.image {
            format!(
                "{leads}the site has no such file; put the image in static/ (static/img/x.png is /img/x.png) or, for a folder brief (NAME/index.md), beside its index.md"
            )
        } else {
            format!(
                "{leads}the site has no page or file there; fix the link, or add the page (or the file, under static/)"
            )
        })
    }

    /// Whether the site publishes the URL path `inside` (below the base path): a file, or a
    /// folder's `index.html`.
    fn publishes(&self, inside: &str) -> bool {
        let normal;
        let inside = if inside.contains("/.") || inside.contains("//") {
            normal = crate::markdown::join("/", inside);
            normal.as_str()
        } else {
            inside
        };
        let key = crate::linkpath::decode(inside.trim_start_matches('/'));
        if self.search && (key.starts_with("pagefind/") || key == "pagefind") {
            return true;
        }
        if self.targets.contains(key.as_ref()) {
            return true;
        }
        let mut index = String::with_capacity(key.len() + 11);
        index.push_str(&key);
        if !key.is_empty() && !key.ends_with('/') {
            index.push('/');
        }
        index.push_str("index.html");
        self.targets.contains(&index)
    }
}
