//! Stage 6: pages. What the site's pages are ([`list`]: one [`PageSpec`] per output file) and
//! everything they read: the documents' Markdown results ([`documents`]), the values derived
//! once per render and shared by all pages ([`values`]), each page's template context
//! ([`page_context`]) and fingerprint ([`fingerprint`]), and the artefacts briefing writes
//! itself ([`sitemap`], [`feeds`], [`hedge_matrix`]). Nothing here renders a template; `render`
//! does, and nothing here writes a file.

pub mod context;
pub mod documents;
pub mod feeds;
pub mod fingerprint;
pub mod hedge_matrix;
pub mod inputs;
pub mod languages;
pub mod sitemap;
pub mod titles;
pub mod unread;
pub mod values;

#[cfg(test)]
mod tests;

use tera::Value;

use crate::model::{BriefId, SectionId, Site, Table, TaxonomyId, TermId};
use crate::templates::Templates;
use context::obj;
use documents::Documents;
use values::SiteValues;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// What a page shows. Listing pages carry their page number (0 is the first).
pub enum PageKind {
    Home(usize),
    Section(SectionId, usize),
    Brief(BriefId),
    TaxonomyList(TaxonomyId),
    /// Page `page` of the list of `term` of `taxonomy`.
    Term {
        taxonomy: TaxonomyId,
        term: TermId,
        page: usize,
    },
    Chronology,
    Briefing,
    Search,
    NotFound,
    /// `/` of a site whose default language has its own prefix too
    /// (`prefix_default_language`): each language's home, for the reader to choose.
    ChooseLanguage,
    /// `/404.html` of such a site, what hosts serve for any missing address: the not-found
    /// text in every language, each with its home.
    RootNotFound,
    Feed(Option<SectionId>),
    Sitemap,
    Robots,
}

/// A page to render: where it goes, through which template, and what it reads.
pub struct PageSpec {
    /// The output file, relative to the output root.
    pub out: String,
    /// The page's URL path.
    pub path: String,
    pub kind: PageKind,
    /// Empty for pages briefing writes itself (sitemap, robots.txt).
    pub template: String,
}

fn page_suffix(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("page/{}/", n + 1)
    }
}

/// Every page of the site, in the order a build renders and reports them.
pub fn list(site: &Site, per_page: usize) -> Vec<PageSpec> {
    let mut pages = Vec::new();
    let html = |p: &str| format!("{}index.html", p.trim_start_matches('/'));
    for (i, s) in site.sections.iter_enumerated() {
        let per = s.meta().paginate_by.unwrap_or(per_page).max(1);
        let n = s.briefs.len().div_ceil(per).max(1);
        for p in 0..n {
            let path = format!("{}{}", s.path, page_suffix(p));
            let template = s.meta().template.clone().unwrap_or_else(|| {
                if i == SectionId::HOME {
                    "index.html".into()
                } else {
                    "section.html".into()
                }
            });
            let kind = if i == SectionId::HOME {
                PageKind::Home(p)
            } else {
                PageKind::Section(i, p)
            };
            pages.push(PageSpec {
                out: html(&path),
                path,
                kind,
                template,
            });
        }
        if i != SectionId::HOME && !s.briefs.is_empty() {
            pages.push(PageSpec {
                out: format!("{}atom.xml", s.path.trim_start_matches('/')),
                path: format!("{}atom.xml", s.path),
                kind: PageKind::Feed(Some(i)),
                template: "atom.xml".into(),
            });
        }
    }
    for (i, b) in site.briefs.iter_enumerated() {
        pages.push(PageSpec {
            out: html(&b.path),
            path: b.path.clone(),
            kind: PageKind::Brief(i),
            template: "brief.html".into(),
        });
    }
    for (ti, tax) in site.taxonomies.iter_enumerated() {
        pages.push(PageSpec {
            out: html(&tax.path()),
            path: tax.path(),
            kind: PageKind::TaxonomyList(ti),
            template: "taxonomy_list.html".into(),
        });
        for (t, term) in tax.terms.iter_enumerated() {
            let n = term.briefs.len().div_ceil(per_page).max(1);
            for p in 0..n {
                let path = format!("{}{}", tax.term_path(term), page_suffix(p));
                pages.push(PageSpec {
                    out: html(&path),
                    path,
                    kind: PageKind::Term {
                        taxonomy: ti,
                        term: t,
                        page: p,
                    },
                    template: "taxonomy_term.html".into(),
                });
            }
        }
    }
    // The pages briefing writes itself, under the language's prefix (`/fr/chronology/`). One
    // sitemap and one robots.txt serve every language: the default language's site writes them,
    // at the root whatever its prefix, with the language choice and a root 404 when it has one.
    let prefix = site.language.prefix.as_str();
    special(
        &mut pages,
        prefix,
        "/chronology/",
        PageKind::Chronology,
        "chronology.html",
    );
    if site.config.full_briefing {
        special(
            &mut pages,
            prefix,
            "/briefing/",
            PageKind::Briefing,
            "briefing.html",
        );
    }
    if site.config.search {
        special(
            &mut pages,
            prefix,
            "/search/",
            PageKind::Search,
            "search.html",
        );
    }
    special(
        &mut pages,
        prefix,
        "/404.html",
        PageKind::NotFound,
        "404.html",
    );
    special(
        &mut pages,
        prefix,
        "/atom.xml",
        PageKind::Feed(None),
        "atom.xml",
    );
    if site.language.default {
        if !prefix.is_empty() {
            let choose = CHOOSE_LANGUAGE_TEMPLATE;
            special(&mut pages, "", "/", PageKind::ChooseLanguage, choose);
            special(&mut pages, "", "/404.html", PageKind::RootNotFound, choose);
        }
        special(&mut pages, "", "/sitemap.xml", PageKind::Sitemap, "");
        special(&mut pages, "", "/robots.txt", PageKind::Robots, "");
    }
    pages
}

/// The template of the language choice at `/` and of the root `404.html` beside it.
pub const CHOOSE_LANGUAGE_TEMPLATE: &str = "choose_language.html";

/// A page briefing writes itself, at `path` under `prefix`.
fn special(pages: &mut Vec<PageSpec>, prefix: &str, path: &str, kind: PageKind, template: &str) {
    let path = format!("{prefix}{path}");
    let out = match path.trim_start_matches('/') {
        p if p.is_empty() || p.ends_with('/') => format!("{p}index.html"),
        p => p.to_string(),
    };
    pages.push(PageSpec {
        out,
        path,
        kind,
        template: template.into(),
    });
}

/// The `paginator` value of page `page` of a list, and the briefs on that page.
pub fn paginator(
    site: &Site,
    base: &str,
    list: &[BriefId],
    page: usize,
    per: usize,
    summaries: &Table<BriefId, Value>,
) -> (Value, Vec<BriefId>) {
    let n = list.len().div_ceil(per).max(1);
    let slice: Vec<BriefId> = list.iter().skip(page * per).take(per).copied().collect();
    let url = |p: usize| Value::from(site.url(&format!("{base}{}", page_suffix(p))));
    let v = obj([
        ("current_index", Value::from(page + 1)),
        ("number_pagers", Value::from(n)),
        ("per_page", Value::from(per)),
        ("total", Value::from(list.len())),
        (
            "briefs",
            Value::from(
                slice
                    .iter()
                    .map(|&b| summaries[b].clone())
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "previous",
            if page > 0 {
                url(page - 1)
            } else {
                Value::none()
            },
        ),
        (
            "next",
            if page + 1 < n {
                url(page + 1)
            } else {
                Value::none()
            },
        ),
        ("first", url(0)),
        ("last", url(n - 1)),
    ]);
    (v, slice)
}

/// Everything a page is made from: the model, the documents' Markdown, the templates (for their
/// fingerprints) and the values derived from them once per render. Both the context and the
/// fingerprint of a page are computed from it.
pub struct PageSource<'a> {
    pub site: &'a Site,
    pub docs: &'a Documents,
    pub templates: &'a Templates,
    pub values: SiteValues,
    /// Every page's counterparts in the site's other languages (empty with one language).
    pub alternates: &'a languages::Alternates,
}
