//! `sitemap.xml` and `robots.txt`, which briefing writes itself rather than through templates.
//! The sitemap is kept as its entries: the page's bytes are printed from them and its
//! fingerprint is their hash, so the two cannot disagree.

use super::{PageKind, PageSpec};
use crate::hashing::hash_of;
use crate::model::{BriefId, Site, Table};

/// One `<url>`: the escaped location, the last change for a brief, and on a site in several
/// languages the page in each language it is translated into (escaped), `x-default` last.
#[derive(Hash)]
struct Entry {
    loc: String,
    lastmod: Option<String>,
    alternates: Vec<(String, String)>,
}

/// Every page with a URL worth indexing, in page order; briefs with their last change.
pub struct Sitemap {
    entries: Vec<Entry>,
    /// Per brief: its entry.
    of_brief: Table<BriefId, usize>,
}

fn lastmod(site: &Site, b: BriefId) -> String {
    let m = site.briefs[b].meta();
    m.updated.as_ref().unwrap_or(&m.date).0.iso()
}

impl Sitemap {
    pub fn new(site: &Site, pages: &[PageSpec]) -> Sitemap {
        let mut entries = Vec::with_capacity(pages.len());
        let mut of_brief: Table<BriefId, usize> = vec![0; site.briefs.len()].into();
        for p in pages {
            let lastmod = match p.kind {
                PageKind::Brief(b) => {
                    of_brief[b] = entries.len();
                    Some(lastmod(site, b))
                }
                PageKind::Home(_)
                | PageKind::Section(..)
                | PageKind::TaxonomyList(_)
                | PageKind::Term { .. }
                | PageKind::Chronology
                | PageKind::Briefing
                | PageKind::Search
                | PageKind::ChooseLanguage => None,
                PageKind::NotFound
                | PageKind::RootNotFound
                | PageKind::Feed(_)
                | PageKind::Sitemap
                | PageKind::Robots => {
                    continue;
                }
            };
            let loc = crate::clean::escape(&site.url(&p.path));
            entries.push(Entry {
                loc,
                lastmod,
                alternates: Vec::new(),
            });
        }
        Sitemap { entries, of_brief }
    }

    /// The sitemap of a site in several languages (Google's format: one `<url>` per page and
    /// language, each listing every translation of the page with `xhtml:link`, and
    /// `x-default`, the default language's, or for the home pages the language choice at `/`
    /// when there is one, itself listed with the homes). A page shown untranslated is left out:
    /// it is the original's text under another address.
    pub fn multilingual(
        site: &Site,
        pages: &[PageSpec],
        alternates: &super::languages::Alternates,
    ) -> Sitemap {
        let one = Sitemap::new(site, pages);
        let mut entries = Vec::with_capacity(one.entries.len() * 2);
        let mut of_brief: Table<BriefId, usize> = vec![0; site.briefs.len()].into();
        let mut next = one.entries.into_iter();
        for p in pages {
            if matches!(
                p.kind,
                PageKind::NotFound
                    | PageKind::RootNotFound
                    | PageKind::Feed(_)
                    | PageKind::Sitemap
                    | PageKind::Robots
            ) {
                continue;
            }
            let Some(entry) = next.next() else { break };
            if let PageKind::Brief(b) = p.kind {
                of_brief[b] = entries.len();
            }
            let list: Vec<&super::languages::Alternate> = alternates
                .get(p.kind)
                .iter()
                .filter(|a| a.translated)
                .collect();
            if list.len() < 2 {
                entries.push(entry);
                continue;
            }
            let mut links: Vec<(String, String)> = list
                .iter()
                .map(|a| (a.code.clone(), crate::clean::escape(&a.url)))
                .collect();
            let x_default = alternates
                .x_default(p.kind)
                .map_or_else(|| entry.loc.clone(), crate::clean::escape);
            links.push(("x-default".into(), x_default));
            if p.kind == PageKind::ChooseLanguage {
                entries.push(Entry {
                    alternates: links,
                    ..entry
                });
                continue;
            }
            for a in &list {
                entries.push(Entry {
                    loc: crate::clean::escape(&a.url),
                    lastmod: entry.lastmod.clone(),
                    alternates: links.clone(),
                });
            }
        }
        Sitemap { entries, of_brief }
    }

    /// After an edit to brief `b` that left the page list as it was. Its address and its
    /// translations' are as they were; its last change is set again on each of its entries
    /// (one per language it is in, consecutive, sharing one list of alternates).
    pub fn update_brief(&mut self, site: &Site, b: BriefId) {
        let Some(&i) = self.of_brief.get(b) else {
            return;
        };
        let lastmod = Some(lastmod(site, b));
        let alternates = self.entries[i].alternates.clone();
        let count = if alternates.is_empty() {
            1
        } else {
            self.entries[i..]
                .iter()
                .take_while(|e| e.alternates == alternates)
                .count()
        };
        if alternates.is_empty() {
            self.entries[i].loc = crate::clean::escape(&site.url(&site.briefs[b].path));
        }
        for e in &mut self.entries[i..i + count] {
            e.lastmod = lastmod.clone();
        }
    }

    /// A hash of everything [`Sitemap::xml`] prints.
    pub fn hash(&self) -> u64 {
        hash_of(&self.entries)
    }

    /// `sitemap.xml`.
    pub fn xml(&self) -> Vec<u8> {
        let languages = self.entries.iter().any(|e| !e.alternates.is_empty());
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"",
        );
        if languages {
            out.push_str(" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"");
        }
        out.push_str(">\n");
        for e in &self.entries {
            out.push_str("  <url><loc>");
            out.push_str(&e.loc);
            out.push_str("</loc>");
            if let Some(l) = &e.lastmod {
                out.push_str("<lastmod>");
                out.push_str(l);
                out.push_str("</lastmod>");
            }
            for (code, href) in &e.alternates {
                out.push_str("<xhtml:link rel=\"alternate\" hreflang=\"");
                out.push_str(code);
                out.push_str("\" href=\"");
                out.push_str(href);
                out.push_str("\"/>");
            }
            out.push_str("</url>\n");
        }
        out.push_str("</urlset>\n");
        crate::clean::xml_output(out).into_bytes()
    }
}

/// `robots.txt`: everything allowed, and where the sitemap is.
pub fn robots(site: &Site) -> Vec<u8> {
    format!(
        "User-agent: *\nAllow: /\nSitemap: {}\n",
        site.url("/sitemap.xml")
    )
    .into_bytes()
}
