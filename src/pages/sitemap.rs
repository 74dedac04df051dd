//! `sitemap.xml` and `robots.txt`, which briefing writes itself rather than through templates.
//! The sitemap is kept as its entries: the page's bytes are printed from them and its
//! fingerprint is their hash, so the two cannot disagree.

use super::{PageKind, PageSpec};
use crate::hashing::hash_of;
use crate::model::{BriefId, Site, Table};

/// One `<url>`: the escaped location, and the last change for a brief.
#[derive(Hash)]
struct Entry {
    loc: String,
    lastmod: Option<String>,
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
                | PageKind::Search => None,
                PageKind::NotFound | PageKind::Feed(_) | PageKind::Sitemap | PageKind::Robots => {
                    continue;
                }
            };
            let loc = crate::clean::escape(&site.url(&p.path));
            entries.push(Entry { loc, lastmod });
        }
        Sitemap { entries, of_brief }
    }

    /// After an edit to brief `b` that left the page list as it was.
    pub fn update_brief(&mut self, site: &Site, b: BriefId) {
        if let Some(&i) = self.of_brief.get(b) {
            self.entries[i] = Entry {
                loc: crate::clean::escape(&site.url(&site.briefs[b].path)),
                lastmod: Some(lastmod(site, b)),
            };
        }
    }

    /// A hash of everything [`Sitemap::xml`] prints.
    pub fn hash(&self) -> u64 {
        hash_of(&self.entries)
    }

    /// `sitemap.xml`.
    pub fn xml(&self) -> Vec<u8> {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for e in &self.entries {
            out.push_str("  <url><loc>");
            out.push_str(&e.loc);
            out.push_str("</loc>");
            if let Some(l) = &e.lastmod {
                out.push_str("<lastmod>");
                out.push_str(l);
                out.push_str("</lastmod>");
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
