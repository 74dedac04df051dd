//! Each page's fingerprint: one hash over what its context is built from (per-entity hashes
//! computed once per render, so checking an unchanged page costs a few lookups), with a record
//! of the model entities it read ([`Deps`]) for the dependency index.

use std::hash::{Hash, Hasher};

use super::page_context::title_and_description;
use super::values::SiteValues;
use super::{PageKind, PageSource, PageSpec};
use crate::hashing::Xxh3;
use crate::model::{BriefId, SectionId};

/// What a page's fingerprint read, recorded while computing it: the reverse of this is how an
/// edit to one brief finds the pages to check without fingerprinting all of them.
#[derive(Default)]
pub struct Deps {
    pub briefs: Vec<BriefId>,
    pub sections: Vec<SectionId>,
    pub taxonomies: Vec<usize>,
    pub chronology: bool,
}

impl PageSource<'_> {
    /// What the page reads, as one hash over the model entities `context` puts in it and the
    /// templates it renders through. Built from per-entity hashes computed once per render, so
    /// checking an unchanged page costs a few lookups, not a context. Every entity read is
    /// also noted in `deps`.
    pub fn fingerprint(&self, spec: &PageSpec, deps: &mut Deps) -> u64 {
        let site = self.site;
        let values = &self.values;
        let mut fp = Xxh3::new();
        values.globals_hash.hash(&mut fp);
        spec.path.hash(&mut fp);
        spec.template.hash(&mut fp);
        self.templates.closure_hash(&spec.template).hash(&mut fp);
        title_and_description(site, spec).hash(&mut fp);
        fn read_briefs(values: &SiteValues, ids: &[BriefId], fp: &mut Xxh3, deps: &mut Deps) {
            for &b in ids {
                values.summary_hashes[b].hash(fp);
            }
            deps.briefs.extend_from_slice(ids);
        }
        // A section's or term's whole list: every brief in it belongs to that section or files a
        // term of that taxonomy, so the `sections`/`taxonomies` entry recorded beside it already
        // brings the page back when one of them changes. Recording each brief too would put a
        // 50,000-brief term's 1,000 pages into every brief's list (gigabytes at that size).
        fn read_list(values: &SiteValues, ids: &[BriefId], fp: &mut Xxh3) {
            for &b in ids {
                values.summary_hashes[b].hash(fp);
            }
        }
        let read_full = |b: BriefId, fp: &mut Xxh3, deps: &mut Deps| {
            let brief = &site.briefs[b];
            brief.doc.hash.hash(fp);
            self.docs.brief(b).map(|r| r.hash).hash(fp);
            values.summary_hashes[b].hash(fp);
            self.docs.references(b).hash(fp);
            read_briefs(values, &brief.related, fp, deps);
            read_briefs(values, &self.neighbours(b), fp, deps);
            brief.bundle_dir.hash(fp);
            deps.briefs.push(b);
        };
        match spec.kind {
            PageKind::Home(p) | PageKind::Section(_, p) => {
                let s = match spec.kind {
                    PageKind::Section(s, _) => s,
                    _ => 0,
                };
                values.section_hashes[s].hash(&mut fp);
                deps.sections.push(s);
                read_list(values, &site.sections[s].briefs, &mut fp);
                p.hash(&mut fp);
            }
            PageKind::Brief(b) => {
                read_full(b, &mut fp, deps);
                let s = site.briefs[b].section;
                values.section_hashes[s].hash(&mut fp);
                deps.sections.push(s);
            }
            PageKind::TaxonomyList(ti) => {
                values.taxonomy_hashes[ti].hash(&mut fp);
                deps.taxonomies.push(ti);
            }
            PageKind::Term(ti, t, p) => {
                values.taxonomy_hashes[ti].hash(&mut fp);
                deps.taxonomies.push(ti);
                read_list(values, &site.taxonomies[ti].terms[t].briefs, &mut fp);
                p.hash(&mut fp);
            }
            PageKind::Chronology => {
                values.chronology_hash.hash(&mut fp);
                deps.chronology = true;
            }
            PageKind::Briefing => {
                for &b in &site.reading_order {
                    read_full(b, &mut fp, deps);
                }
            }
            PageKind::Feed(section) => {
                let ids = self.feed(section);
                read_briefs(values, ids, &mut fp, deps);
                for &b in ids {
                    let m = site.briefs[b].meta();
                    (&m.date, &m.updated, &m.description, &m.bottom_line).hash(&mut fp);
                    self.docs.brief(b).map(|r| &r.summary).hash(&mut fp);
                }
                if let Some(s) = section {
                    site.sections[s].meta().title.hash(&mut fp);
                    deps.sections.push(s);
                }
            }
            PageKind::Sitemap => {
                // Exactly what `sitemap::xml` prints: every URL, and each brief's date.
                for s in &site.sections {
                    (&s.path, s.briefs.len()).hash(&mut fp);
                }
                for &h in &values.sitemap_entries {
                    fp.write_u64(h);
                }
                deps.briefs.extend(0..site.briefs.len());
                values.taxonomy_hashes.hash(&mut fp);
                deps.taxonomies.extend(0..site.taxonomies.len());
            }
            PageKind::Search | PageKind::NotFound | PageKind::Robots => {}
        }
        fp.finish()
    }

    /// The briefs a feed lists, in feed order.
    pub fn feed(&self, section: Option<SectionId>) -> &[BriefId] {
        self.values
            .feeds
            .get(&section)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The briefs before and after `b` in reading order.
    pub fn neighbours(&self, b: BriefId) -> Vec<BriefId> {
        let order = self.site.briefs[b].order;
        [order.checked_sub(1), Some(order + 1)]
            .into_iter()
            .flatten()
            .filter_map(|i| self.site.reading_order.get(i).copied())
            .collect()
    }
}
