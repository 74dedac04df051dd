//! `sitemap.xml` and `robots.txt`, which briefing writes itself rather than through templates.

use super::{PageKind, PageSpec};
use crate::hashing::hash_of;
use crate::model::{BriefId, Site};

/// `sitemap.xml`: every page with a URL worth indexing, briefs with their last change.
pub fn xml(site: &Site, pages: &[PageSpec]) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in pages {
        let lastmod = match p.kind {
            PageKind::Brief(b) => {
                let m = site.briefs[b].meta();
                Some(m.updated.as_ref().unwrap_or(&m.date).0.iso())
            }
            PageKind::Home(_)
            | PageKind::Section(..)
            | PageKind::TaxonomyList(_)
            | PageKind::Term(..)
            | PageKind::Chronology
            | PageKind::Briefing
            | PageKind::Search => None,
            _ => continue,
        };
        out.push_str("  <url><loc>");
        out.push_str(&crate::clean::escape(&site.url(&p.path)));
        out.push_str("</loc>");
        if let Some(l) = lastmod {
            out.push_str("<lastmod>");
            out.push_str(&l);
            out.push_str("</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    crate::clean::xml_output(out).into_bytes()
}

/// A hash of what the sitemap prints for one brief (URL and dates).
pub fn entry_hash(site: &Site, b: BriefId) -> u64 {
    let brief = &site.briefs[b];
    let m = brief.meta();
    hash_of(&(&brief.path, &m.date, &m.updated))
}

/// `robots.txt`: everything allowed, and where the sitemap is.
pub fn robots(site: &Site) -> Vec<u8> {
    format!(
        "User-agent: *\nAllow: /\nSitemap: {}\n",
        site.url("/sitemap.xml")
    )
    .into_bytes()
}
