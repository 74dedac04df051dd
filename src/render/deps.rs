//! The dependency index: the reverse of what each page's fingerprint read
//! ([`crate::pages::fingerprint::Deps`]), which is how an edit to one brief finds the pages to check without
//! fingerprinting all of them.

use std::collections::HashMap;

use crate::model::{BriefId, Id, SectionId, Site, Table, TaxonomyId};
use crate::pages::fingerprint::Deps;

/// The pages that read each model entity: the reverse of every page's [`Deps`] and lookups.
#[derive(Default)]
pub(super) struct DepIndex {
    pub(super) by_brief: Table<BriefId, Vec<u32>>,
    pub(super) by_section: Table<SectionId, Vec<u32>>,
    pub(super) by_taxonomy: Table<TaxonomyId, Vec<u32>>,
    pub(super) chronology: Vec<u32>,
    /// Lookup key (`doc:hedges/china.md`) to the pages whose templates made it.
    pub(super) by_read: HashMap<String, Vec<u32>>,
}

impl DepIndex {
    /// An empty index with a list for every brief, section and taxonomy of `site`.
    pub(super) fn for_site(site: &Site) -> DepIndex {
        DepIndex {
            by_brief: vec![Vec::new(); site.briefs.len()].into(),
            by_section: vec![Vec::new(); site.sections.len()].into(),
            by_taxonomy: vec![Vec::new(); site.taxonomies.len()].into(),
            ..DepIndex::default()
        }
    }

    pub(super) fn add(&mut self, page: u32, deps: &Deps) {
        fn put<I: Id>(lists: &mut Table<I, Vec<u32>>, i: I, page: u32) {
            // Deps may name an entity twice (a neighbour that is also related); list it once.
            if lists[i].last() != Some(&page) {
                lists[i].push(page);
            }
        }
        for &b in &deps.briefs {
            put(&mut self.by_brief, b, page);
        }
        for &s in &deps.sections {
            put(&mut self.by_section, s, page);
        }
        for &t in &deps.taxonomies {
            put(&mut self.by_taxonomy, t, page);
        }
        if deps.chronology {
            self.chronology.push(page);
        }
    }

    pub(super) fn entries(&self) -> usize {
        let lists = |l: &[Vec<u32>]| l.iter().map(Vec::len).sum::<usize>();
        lists(self.by_brief.as_slice())
            + lists(self.by_section.as_slice())
            + lists(self.by_taxonomy.as_slice())
            + self.chronology.len()
    }

    pub(super) fn add_reads(&mut self, page: u32, reads: &[String]) {
        for r in reads {
            self.by_read.entry(r.clone()).or_default().push(page);
        }
    }

    pub(super) fn remove_reads(&mut self, page: u32, reads: &[String]) {
        for r in reads {
            if let Some(list) = self.by_read.get_mut(r) {
                list.retain(|&p| p != page);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index for 3 briefs, 2 sections and 1 taxonomy, as `for_site` makes it.
    fn index() -> DepIndex {
        DepIndex {
            by_brief: vec![Vec::new(); 3].into(),
            by_section: vec![Vec::new(); 2].into(),
            by_taxonomy: vec![Vec::new(); 1].into(),
            ..DepIndex::default()
        }
    }

    #[test]
    fn add_lists_each_page_once_under_everything_it_read() {
        let mut ix = index();
        ix.add(
            0,
            &Deps {
                briefs: [1, 2, 1].map(BriefId::new).into(),
                sections: vec![SectionId::HOME],
                taxonomies: [0, 0].map(TaxonomyId::new).into(),
                chronology: true,
            },
        );
        ix.add(
            1,
            &Deps {
                briefs: vec![BriefId::new(1)],
                ..Deps::default()
            },
        );
        assert_eq!(ix.by_brief.as_slice(), [vec![], vec![0, 1], vec![0]]);
        assert_eq!(ix.by_section.as_slice(), [vec![0], vec![]]);
        assert_eq!(ix.by_taxonomy.as_slice(), [vec![0]]);
        assert_eq!(ix.chronology, vec![0]);
        assert_eq!(ix.entries(), 6);
    }

    #[test]
    fn entries_count_entity_lists_not_lookups() {
        let mut ix = index();
        assert_eq!(ix.entries(), 0);
        ix.add_reads(0, &["doc:hedges/china.md".to_string()]);
        assert_eq!(ix.entries(), 0);
        ix.add(
            0,
            &Deps {
                sections: [0, 1].map(SectionId::new).into(),
                ..Deps::default()
            },
        );
        assert_eq!(ix.entries(), 2);
    }

    #[test]
    fn remove_reads_takes_out_only_that_page() {
        let (a, b) = ("doc:a.md".to_string(), "data:x".to_string());
        let mut ix = index();
        ix.add_reads(0, &[a.clone(), b.clone()]);
        ix.add_reads(1, std::slice::from_ref(&a));
        ix.remove_reads(0, &[a.clone(), b.clone(), "doc:never.md".to_string()]);
        assert_eq!(ix.by_read[&a], vec![1]);
        assert_eq!(ix.by_read[&b], Vec::<u32>::new());
        assert!(!ix.by_read.contains_key("doc:never.md"));
        // A page that reads again after its old reads were removed is listed once.
        ix.add_reads(0, std::slice::from_ref(&a));
        assert_eq!(ix.by_read[&a], vec![1, 0]);
    }
}
