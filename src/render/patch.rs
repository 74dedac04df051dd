//! The patch renderer: after an edit to some briefs' files that left the model's structure
//! alone, only the pages that read those briefs are checked.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::{LastRender, PageBytes, PageEntry, PageResult, RenderCache, Rendering, render_page};
use crate::diagnostics::Diagnostic;
use crate::model::BriefId;
use crate::model::Site;
use crate::pages::documents::Documents;
use crate::pages::{PageSource, sitemap};
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
    diags: &mut Vec<Diagnostic>,
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
    let source = PageSource {
        site,
        docs,
        templates,
        values: last.values,
    };
    let pages = &last.pages;
    let sitemap_fn = || Arc::new(sitemap::xml(site, pages));
    let results: Vec<(u32, PageResult)> = candidates
        .par_iter()
        .map(|&i| {
            let spec = &pages[i as usize];
            let cached = cache.pages.get(&spec.out);
            let r = render_page(
                &source,
                spec,
                &lookup,
                cached,
                None,
                &sitemap_fn,
                &last.robots,
            );
            (i, r)
        })
        .collect();
    drop(lookup);

    let mut files = BTreeMap::new();
    let mut rendered = 0;
    let mut changed_out = Vec::new();
    let mut seen_errors = HashSet::new();
    for (i, (fp, _deps, reads, reads_hash, result)) in results {
        let out = &pages[i as usize].out;
        match result {
            Ok((PageBytes::Kept(bytes), true)) => {
                rendered += 1;
                changed_out.push(out.clone());
                files.insert(out.clone(), bytes.clone());
                if let Some(old) = cache.pages.get(out) {
                    last.index.remove_reads(i, &old.reads);
                }
                last.index.add_reads(i, &reads);
                cache.pages.insert(
                    out.clone(),
                    PageEntry {
                        fingerprint: fp,
                        reads,
                        reads_hash,
                        bytes,
                    },
                );
            }
            // A patch renders with no sink: nothing is streamed.
            Ok((_, _)) => {}
            Err(d) => {
                if seen_errors.insert((d.message.clone(), d.position())) {
                    diags.push(d);
                }
            }
        }
    }
    let page_count = pages.len();
    let dependency_entries = last.index.entries();
    cache.last = Some(LastRender {
        values: source.values,
        ..last
    });
    Some(Rendering {
        files,
        written: 0,
        pages: page_count,
        rendered,
        changed: changed_out,
        dependency_entries,
    })
}
