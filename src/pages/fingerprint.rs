//! What a page's fingerprint records beside its hash (`PageInputs::fingerprint`, in
//! [`super::inputs`]): the model entities it read ([`Deps`]), for the dependency index; and the
//! brief lists pages read (a feed's, a brief's neighbours).

use super::PageSource;
use crate::model::{BriefId, SectionId, TaxonomyId};

/// What a page's fingerprint read, recorded while computing it: the reverse of this is how an
/// edit to one brief finds the pages to check without fingerprinting all of them.
#[derive(Default)]
pub struct Deps {
    pub briefs: Vec<BriefId>,
    pub sections: Vec<SectionId>,
    pub taxonomies: Vec<TaxonomyId>,
    pub chronology: bool,
}

impl PageSource<'_> {
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
