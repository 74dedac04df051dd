//! Typed ids for the model's tables, and the vector they index.
//!
//! Every table of the model (sections, briefs, taxonomies, a taxonomy's terms) is a [`Table`]
//! indexed only by its own id type, so a brief id cannot index the sections by mistake. The
//! index is one bounds-checked slice access, as with the `usize` ids these replace: hot loops
//! pay nothing for the types.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use rayon::prelude::*;

/// An id type: a position in its [`Table`].
pub trait Id: Copy {
    fn new(index: usize) -> Self;
    fn index(self) -> usize;
}

// Plain positions, for algorithms (and their tests) that do not care which table they index.
impl Id for usize {
    #[inline]
    fn new(index: usize) -> Self {
        index
    }
    #[inline]
    fn index(self) -> usize {
        self
    }
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        // `usize` inside, as before the newtype: `Hash` feeds the same bytes to fingerprints.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(usize);

        impl Id for $name {
            #[inline]
            fn new(index: usize) -> Self {
                $name(index)
            }
            #[inline]
            fn index(self) -> usize {
                self.0
            }
        }

        impl $name {
            #[inline]
            pub fn new(index: usize) -> Self {
                $name(index)
            }
            #[inline]
            pub fn index(self) -> usize {
                self.0
            }
        }
    };
}

id!(
    /// A brief: its position in [`Site::briefs`](super::Site::briefs).
    BriefId
);
id!(
    /// A section: its position in [`Site::sections`](super::Site::sections); 0 is the home page.
    SectionId
);
id!(
    /// A taxonomy: its position in [`Site::taxonomies`](super::Site::taxonomies), which is its
    /// position in the config's `taxonomies` list.
    TaxonomyId
);
id!(
    /// A term: its position in its taxonomy's [`terms`](super::Taxonomy::terms). Only
    /// meaningful with the [`TaxonomyId`] it belongs to.
    TermId
);

impl SectionId {
    /// The home page (`content/_index.md`), always the first section.
    pub const HOME: SectionId = SectionId(0);
}

/// A vector indexed by one id type only: another table's id does not compile.
///
/// ```compile_fail,E0277
/// use briefing::model::{BriefId, SectionId, Table};
/// let sections: Table<SectionId, &str> = vec!["home"].into();
/// let _ = sections[BriefId::new(0)];
/// ```
pub struct Table<I, T> {
    items: Vec<T>,
    id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> Table<I, T> {
    pub fn new() -> Self {
        Table::from(Vec::new())
    }
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    #[inline]
    pub fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }
    #[inline]
    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.items.get_mut(id.index())
    }
    /// Appends an item and returns its id.
    pub fn push(&mut self, item: T) -> I {
        self.items.push(item);
        I::new(self.items.len() - 1)
    }
    /// The id the next [`push`](Self::push) returns.
    pub fn next_id(&self) -> I {
        I::new(self.items.len())
    }
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }
    /// Every id, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator + use<I, T> {
        (0..self.items.len()).map(I::new)
    }
    /// Every id, for a parallel loop over the table.
    pub fn par_ids(&self) -> impl IndexedParallelIterator<Item = I> + use<I, T>
    where
        I: Send,
    {
        (0..self.items.len()).into_par_iter().map(I::new)
    }
    /// Items with their ids, in order.
    pub fn iter_enumerated(
        &self,
    ) -> impl DoubleEndedIterator<Item = (I, &T)> + ExactSizeIterator + '_ {
        self.items.iter().enumerate().map(|(i, t)| (I::new(i), t))
    }
    /// The id of the first item `pred` accepts.
    pub fn position(&self, pred: impl FnMut(&T) -> bool) -> Option<I> {
        self.items.iter().position(pred).map(I::new)
    }
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }
    pub fn first(&self) -> Option<&T> {
        self.items.first()
    }
}

impl<I: Id, T> Default for Table<I, T> {
    fn default() -> Self {
        Table::new()
    }
}

impl<I, T> From<Vec<T>> for Table<I, T> {
    fn from(items: Vec<T>) -> Self {
        Table {
            items,
            id: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for Table<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        Table::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<I: Id, T> Index<I> for Table<I, T> {
    type Output = T;
    #[inline]
    fn index(&self, id: I) -> &T {
        &self.items[id.index()]
    }
}

impl<I: Id, T> IndexMut<I> for Table<I, T> {
    #[inline]
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.index()]
    }
}

impl<'a, I: Id, T> IntoIterator for &'a Table<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, I: Id, T> IntoIterator for &'a mut Table<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}

impl<I, T: Clone> Clone for Table<I, T> {
    fn clone(&self) -> Self {
        Table::from(self.items.clone())
    }
}

impl<I, T: fmt::Debug> fmt::Debug for Table<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

impl<I, T: PartialEq> PartialEq for Table<I, T> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_returns_the_id_that_indexes_the_item() {
        let mut t: Table<BriefId, &str> = Table::new();
        let a = t.push("a");
        let b = t.push("b");
        assert_eq!((a.index(), b.index()), (0, 1));
        assert_eq!((t[a], t[b]), ("a", "b"));
        assert_eq!(t.ids().collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(t.get(BriefId::new(2)), None);
    }
}
