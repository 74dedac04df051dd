//! The patch renderer: after an edit to some briefs' files that left the model's structure
//! alone, only the pages that read those briefs are checked.

use std::collections::BTreeSet;
use std::sync::Arc;

use rayon::prelude::*;

use super::{Collect, LastRender, PageResult, RenderCache, Rendering, render_page};
use crate::diagnostics::Diagnostics;
use crate::model::BriefId;
use crate::model::Site;
use crate::pages::PageSource;
use crate::pages::documents::Documents;
use crate::templates::Templates;

/// Re-renders after `changed` briefs' files were edited without touching anything the model's
/// structure depends on (see [`crate::model::same_structure`]): patches the shared values those
/// briefs feed, then checks only the pages that read them, found through the dependency index
/// of the last render. Every page outside that set read nothing that changed, so its bytes
/// stand. `Rendering::files` holds the re-rendered pages only. `None` when there is no previous
/// render to patch.
pub fn render_changed_briefs(
    site: &Site,
    docs: &Documents,
    templates: &Templates,
    changed: &[BriefId],
    cache: &mut RenderCache,
    alternates: &crate::pages::languages::Alternates,
    diags: &mut Diagnostics,
) -> Option<Rendering> {
    let mut last = cache.last.take()?;
    let lookup = Arc::make_mut(&mut last.lookup);
    let touched = last.values.update_briefs(
        site,
        docs,
        changed,
        last.config_hash,
        &mut cache.summaries,
        lookup,
    );
    let mut candidates = BTreeSet::new();
    let mut extend = |list: &[u32]| candidates.extend(list.iter().copied());
    for &b in changed {
        extend(&last.index.by_brief[b]);
        if let Some(list) = last
            .index
            .by_read
            .get(&format!("doc:{}", site.briefs[b].doc.rel))
        {
            extend(list);
        }
    }
    for &s in &touched.sections {
        extend(&last.index.by_section[s]);
        let rel = &site.sections[s].doc.rel;
        if let Some(list) = last.index.by_read.get(&format!("doc:{rel}")) {
            extend(list);
        }
    }
    for &t in &touched.taxonomies {
        extend(&last.index.by_taxonomy[t]);
    }
    if touched.chronology {
        extend(&last.index.chronology);
    }
    let candidates: Vec<u32> = candidates.into_iter().collect();

    let lookup = last.lookup.clone();
    // A patch keeps the page list, so every page's counterparts are the last build's.
    let source = PageSource {
        site,
        docs,
        templates,
        values: last.values,
        alternates,
    };
    let pages = &last.pages;
    let results: Vec<(u32, PageResult)> = candidates
        .par_iter()
        .map(|&i| {
            let spec = &pages[i as usize];
            let cached = cache.pages.get(&spec.out);
            (
                i,
                render_page(&source, spec, &lookup, cached, None, &last.robots),
            )
        })
        .collect();
    drop(lookup);

    let mut collect = Collect::default();
    for (i, result) in results {
        let spec = &pages[i as usize];
        let cached = cache.pages.get(&spec.out);
        // Only a re-rendered page comes back with an entry: a patch keeps no reused ones.
        let Some(entry) = collect.page(spec, result, cached, diags) else {
            continue;
        };
        if let Some(old) = cached {
            last.index.remove_reads(i, &old.reads);
        }
        last.index.add_reads(i, &entry.reads);
        cache.pages.insert(spec.out.clone(), entry);
    }
    let page_count = pages.len();
    let dependency_entries = last.index.entries();
    cache.last = Some(LastRender {
        values: source.values,
        ..last
    });
    Some(collect.finish(page_count, dependency_entries))
}
