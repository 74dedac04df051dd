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

use crate::diagnostics::{Diagnostic, Diagnostics};
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
#[derive(Clone)]
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

impl Rendering {
    /// Adds another language's render of the same build.
    pub fn absorb(&mut self, other: Rendering) {
        self.files.extend(other.files);
        self.written += other.written;
        self.pages += other.pages;
        self.rendered += other.rendered;
        self.changed.extend(other.changed);
        self.dependency_entries += other.dependency_entries;
    }
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

/// What checking one page found: what it read, and its bytes if it had to be rendered.
struct PageResult {
    fingerprint: u64,
    deps: Deps,
    /// The lookups its template made, and their hash.
    reads: Vec<String>,
    reads_hash: u64,
    outcome: Result<Outcome, Diagnostic>,
}

enum Outcome {
    /// Nothing it reads changed: the cached bytes stand.
    Reused,
    Rendered(PageBytes),
}

/// Checks one page against its cache entry and renders it when what it reads changed.
fn render_page(
    source: &PageSource,
    spec: &PageSpec,
    lookup: &Arc<Lookup>,
    cached: Option<&PageEntry>,
    sink: Option<&dyn PageSink>,
    robots: &Arc<Vec<u8>>,
) -> PageResult {
    let mut inputs = source.inputs(spec);
    let fingerprint = inputs.fingerprint();
    if let Some(entry) = cached
        && entry.fingerprint == fingerprint
        && entry.reads_hash == reads_hash(lookup, &entry.reads)
    {
        return PageResult {
            fingerprint,
            deps: inputs.deps,
            reads: entry.reads.clone(),
            reads_hash: entry.reads_hash,
            outcome: Ok(Outcome::Reused),
        };
    }
    let deps = std::mem::take(&mut inputs.deps);
    let lending = Lending::start(lookup);
    let result = match spec.kind {
        PageKind::Sitemap => Ok(Arc::new(source.values.sitemap.xml())),
        PageKind::Robots => Ok(robots.clone()),
        _ => source
            .templates
            .tera
            .render(&spec.template, &inputs.context())
            .map(|s| Arc::new(crate::clean::for_output(&spec.out, s).into_bytes()))
            .map_err(|e| source.templates.diagnostic(&e)),
    };
    let reads = lending.finish();
    let reads_hash = reads_hash(lookup, &reads);
    let outcome = match (result, sink) {
        (Ok(bytes), Some(sink))
            if !(sink.keeps_brief_pages() && matches!(spec.kind, PageKind::Brief(_))) =>
        {
            sink.write(&spec.out, &bytes).map(|_| PageBytes::Streamed)
        }
        (r, _) => r.map(PageBytes::Kept),
    };
    PageResult {
        fingerprint,
        deps,
        reads,
        reads_hash,
        outcome: outcome.map(Outcome::Rendered),
    }
}

/// Renders every page. Pages whose fingerprint matches the cache are reused, not rendered.
/// `assets` maps static files to their published (fingerprinted) names; it is empty when
/// fingerprinting is off.
/// What every language of a site renders with: the templates, the published names of static
/// files, and each page's counterparts in the other languages.
pub struct Shared<'a> {
    pub templates: &'a Templates,
    pub assets: &'a HashMap<String, String>,
    pub alternates: &'a pages::languages::Alternates,
}

pub fn render_site(
    site: &Site,
    docs: &Documents,
    pages: Vec<PageSpec>,
    shared: &Shared,
    sink: Option<&dyn PageSink>,
    cache: &mut RenderCache,
    diags: &mut Diagnostics,
) -> Rendering {
    let Shared {
        templates,
        assets,
        alternates,
    } = *shared;
    cache.last = None;
    let config_hash = hash_of(&format!("{:?}", site.config));
    let mut values = values::derive(
        site,
        docs,
        &pages,
        assets,
        config_hash,
        &mut cache.summaries,
    );
    if site.language.default && !alternates.is_empty() {
        values.sitemap = pages::sitemap::Sitemap::multilingual(site, &pages, alternates);
    }
    let source = PageSource {
        site,
        docs,
        templates,
        values,
        alternates,
    };

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

    let robots = Arc::new(sitemap::robots(site));
    let lookup = Arc::new(source.values.lookup(site, assets));
    let results: Vec<PageResult> = pages
        .par_iter()
        .map(|spec| {
            // A sink writes into a fresh folder, so every page must be written: no reuse.
            let cached = if sink.is_none() {
                cache.pages.get(&spec.out)
            } else {
                None
            };
            render_page(&source, spec, &lookup, cached, sink, &robots)
        })
        .collect();

    let mut collect = Collect {
        keep_reused: true,
        ..Collect::default()
    };
    let mut new_pages = HashMap::with_capacity(results.len());
    let page_count = results.len();
    let mut index = DepIndex::for_site(site);
    for (i, (spec, result)) in pages.iter().zip(results).enumerate() {
        let page = i as u32;
        index.add(page, &result.deps);
        index.add_reads(page, &result.reads);
        let cached = cache.pages.get(&spec.out);
        if let Some(entry) = collect.page(spec, result, cached, diags) {
            new_pages.insert(spec.out.clone(), entry);
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
    collect.finish(page_count, dependency_entries)
}

/// Gathers page results into a [`Rendering`], the same way for the full and the patch renderer.
#[derive(Default)]
struct Collect {
    /// A full render's `files` hold every page, reused ones too; a patch's only those it
    /// re-rendered.
    keep_reused: bool,
    files: BTreeMap<String, Arc<Vec<u8>>>,
    written: usize,
    rendered: usize,
    changed: Vec<String>,
    seen_errors: HashSet<(String, String)>,
}

impl Collect {
    /// Takes one page's result. Returns the page's cache entry: the new one when it was
    /// rendered and kept, the previous one when it was reused; none when it was streamed to
    /// disk (no copy is kept) or failed (its error goes to `diags`, once per distinct error:
    /// one broken template fails every page through it).
    fn page(
        &mut self,
        spec: &PageSpec,
        result: PageResult,
        cached: Option<&PageEntry>,
        diags: &mut Diagnostics,
    ) -> Option<PageEntry> {
        let bytes = match result.outcome {
            Ok(Outcome::Reused) => {
                let entry = cached.filter(|_| self.keep_reused)?;
                self.files.insert(spec.out.clone(), entry.bytes.clone());
                return Some(entry.clone());
            }
            Ok(Outcome::Rendered(PageBytes::Streamed)) => {
                self.rendered += 1;
                self.changed.push(spec.out.clone());
                self.written += 1;
                return None;
            }
            Ok(Outcome::Rendered(PageBytes::Kept(bytes))) => bytes,
            Err(d) => {
                if self.seen_errors.insert((d.message.clone(), d.position())) {
                    diags.push(d);
                }
                return None;
            }
        };
        self.rendered += 1;
        self.changed.push(spec.out.clone());
        self.files.insert(spec.out.clone(), bytes.clone());
        Some(PageEntry {
            fingerprint: result.fingerprint,
            reads: result.reads,
            reads_hash: result.reads_hash,
            bytes,
        })
    }

    fn finish(self, pages: usize, dependency_entries: usize) -> Rendering {
        Rendering {
            files: self.files,
            written: self.written,
            pages,
            rendered: self.rendered,
            changed: self.changed,
            dependency_entries,
        }
    }
}
