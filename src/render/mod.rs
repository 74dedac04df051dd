//! Stage 7: render. Every page of [`crate::pages::list`] through its template, in parallel
//! (rayon). Each page's fingerprint (what it read) is checked against the page cache first: an
//! unchanged page reuses its bytes, which is what makes `serve` incremental while staying equal
//! to a full build. [`render_site`] renders the whole site; [`render_changed_briefs`]
//! (`patch.rs`) only the pages the dependency index (`deps.rs`) says read the edited briefs.

mod deps;
mod patch;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::hashing::{Xxh3, hash_of, hash_value};
use crate::model::Site;
use crate::pages::documents::Documents;
use crate::pages::fingerprint::Deps;
use crate::pages::values::{self, SiteValues, SummaryCache};
use crate::pages::{self, PageKind, PageSource, PageSpec, sitemap};
use crate::templates::lookup::{Lending, Lookup};
use crate::templates::{self, Templates};
use deps::DepIndex;
pub use patch::render_changed_briefs;

/// Where a one-shot build streams pages as they render (output's staging folder), so a
/// 10,000-page site is never held in memory. Defined here and implemented by `output`, so the
/// renderer hands pages on without naming the stage after it.
pub trait PageSink: Sync {
    /// Whether brief pages stay in memory (the search index reads them) instead of streaming.
    fn keeps_brief_pages(&self) -> bool;
    /// Writes one page; a failure is an error for that page.
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic>;
}

/// A rendered page: its bytes, or the note that the sink wrote it to disk and kept no copy.
enum PageBytes {
    Streamed,
    Kept(Arc<Vec<u8>>),
}

/// Cached page output.
struct PageEntry {
    fingerprint: u64,
    /// Lookups the template made (`doc:hedges/china.md`), and a hash of what they returned.
    reads: Vec<String>,
    reads_hash: u64,
    bytes: Arc<Vec<u8>>,
}

fn reads_hash(lookup: &Lookup, reads: &[String]) -> u64 {
    let mut h = Xxh3::new();
    for r in reads {
        r.hash(&mut h);
        lookup.read(r).map(hash_value).hash(&mut h);
    }
    h.finish()
}

/// Caches that survive between renders (used by `serve`); a fresh one gives a full build.
#[derive(Default)]
pub struct RenderCache {
    pages: HashMap<String, PageEntry>,
    summaries: SummaryCache,
    last: Option<LastRender>,
}

/// The result of a render: every output file, and how many pages were rendered vs reused.
pub struct Rendering {
    /// Rendered pages by output path (relative to the output root).
    pub files: BTreeMap<String, Arc<Vec<u8>>>,
    /// Pages the sink wrote to disk, not in `files`.
    pub written: usize,
    pub pages: usize,
    pub rendered: usize,
    pub changed: Vec<String>,
    /// Entries in the dependency index (page ids listed under a brief, section or taxonomy):
    /// an operation count that shows whether the index grows linearly with the site.
    pub dependency_entries: usize,
}

/// What the last complete render derived, for [`render_changed_briefs`] to patch.
struct LastRender {
    values: SiteValues,
    /// What the templates' `get_*` functions read; patched with the values.
    lookup: Arc<Lookup>,
    pages: Vec<PageSpec>,
    index: DepIndex,
    config_hash: u64,
    robots: Arc<Vec<u8>>,
}

type PageResult = (
    u64,
    Deps,
    Vec<String>,
    u64,
    Result<(PageBytes, bool), Diagnostic>,
);

/// Checks one page against its cache entry and renders it when what it reads changed.
fn render_page(
    source: &PageSource,
    spec: &PageSpec,
    lookup: &Arc<Lookup>,
    cached: Option<&PageEntry>,
    sink: Option<&dyn PageSink>,
    sitemap: &(dyn Fn() -> Arc<Vec<u8>> + Sync),
    robots: &Arc<Vec<u8>>,
) -> PageResult {
    let mut deps = Deps::default();
    let fp = source.fingerprint(spec, &mut deps);
    if let Some(entry) = cached
        && entry.fingerprint == fp
        && entry.reads_hash == reads_hash(lookup, &entry.reads)
    {
        return (
            fp,
            deps,
            entry.reads.clone(),
            entry.reads_hash,
            Ok((PageBytes::Kept(entry.bytes.clone()), false)),
        );
    }
    let ctx = source.context(spec);
    let lending = Lending::start(lookup);
    let result = match spec.kind {
        PageKind::Sitemap => Ok(sitemap()),
        PageKind::Robots => Ok(robots.clone()),
        _ => source
            .templates
            .tera
            .render(&spec.template, &ctx)
            .map(|s| Arc::new(crate::clean::for_output(&spec.out, s).into_bytes()))
            .map_err(|e| source.templates.diagnostic(&e)),
    };
    let reads = lending.finish();
    let rh = reads_hash(lookup, &reads);
    let result = match (result, sink) {
        (Ok(bytes), Some(sink))
            if !(sink.keeps_brief_pages() && matches!(spec.kind, PageKind::Brief(_))) =>
        {
            sink.write(&spec.out, &bytes).map(|_| PageBytes::Streamed)
        }
        (r, _) => r.map(PageBytes::Kept),
    };
    (fp, deps, reads, rh, result.map(|b| (b, true)))
}

/// Renders every page. Pages whose fingerprint matches the cache are reused, not rendered.
/// `assets` maps static files to their published (fingerprinted) names; it is empty when
/// fingerprinting is off.
pub fn render_site(
    site: &Site,
    docs: &Documents,
    templates: &Templates,
    assets: &HashMap<String, String>,
    sink: Option<&dyn PageSink>,
    cache: &mut RenderCache,
    diags: &mut Vec<Diagnostic>,
) -> Rendering {
    cache.last = None;
    let config_hash = hash_of(&format!("{:?}", site.config));
    let values = values::derive(site, docs, assets, config_hash, &mut cache.summaries);
    let source = PageSource {
        site,
        docs,
        templates,
        values,
    };
    let pages = pages::list(site, site.config.paginate_by);

    // Required templates must exist; one message per missing template.
    let mut missing: Vec<&str> = pages
        .iter()
        .map(|p| p.template.as_str())
        .filter(|t| !t.is_empty() && !templates.has(t))
        .collect();
    missing.sort();
    missing.dedup();
    diags.extend(templates::missing(site, &missing));
    if !missing.is_empty() {
        return Rendering {
            files: BTreeMap::new(),
            written: 0,
            pages: 0,
            rendered: 0,
            changed: vec![],
            dependency_entries: 0,
        };
    }

    let sitemap_bytes = Arc::new(sitemap::xml(site, &pages));
    let robots = Arc::new(sitemap::robots(site));
    let lookup = Arc::new(source.values.lookup(site, docs, assets));
    let sitemap_fn = || sitemap_bytes.clone();
    let results: Vec<PageResult> = pages
        .par_iter()
        .map(|spec| {
            // A sink writes into a fresh folder, so every page must be written: no reuse.
            let cached = if sink.is_none() {
                cache.pages.get(&spec.out)
            } else {
                None
            };
            render_page(&source, spec, &lookup, cached, sink, &sitemap_fn, &robots)
        })
        .collect();

    let mut files = BTreeMap::new();
    let mut new_pages = HashMap::with_capacity(results.len());
    let mut seen_errors = HashSet::new();
    let mut rendered = 0;
    let mut changed = Vec::new();
    let page_count = results.len();
    let mut written = 0;
    let mut index = DepIndex::for_site(site);
    for (i, (spec, (fp, deps, reads, reads_hash, result))) in pages.iter().zip(results).enumerate()
    {
        let page = i as u32;
        index.add(page, &deps);
        index.add_reads(page, &reads);
        match result {
            Ok((bytes, fresh)) => {
                if fresh {
                    rendered += 1;
                    changed.push(spec.out.clone());
                }
                let PageBytes::Kept(bytes) = bytes else {
                    // Streamed to disk already; keep no copy (see `PageSink`).
                    written += 1;
                    continue;
                };
                files.insert(spec.out.clone(), bytes.clone());
                new_pages.insert(
                    spec.out.clone(),
                    PageEntry {
                        fingerprint: fp,
                        reads,
                        reads_hash,
                        bytes,
                    },
                );
            }
            Err(d) => {
                // One broken template fails every page through it; report it once.
                if seen_errors.insert((d.message.clone(), d.position())) {
                    diags.push(d);
                }
            }
        }
    }
    let dependency_entries = index.entries();
    if sink.is_some() {
        cache.pages = HashMap::new();
    } else {
        cache.pages = new_pages;
        cache.last = Some(LastRender {
            values: source.values,
            lookup,
            pages,
            index,
            config_hash,
            robots,
        });
    }
    Rendering {
        files,
        written,
        pages: page_count,
        rendered,
        changed,
        dependency_entries,
    }
}
