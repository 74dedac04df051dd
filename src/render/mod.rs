//! Stage 4: render. Markdown first (with shortcodes), then every page through its template.
//!
//! Each page records what it read (a fingerprint over the model entities put into its context
//! and the templates it goes through). A later render with an unchanged fingerprint reuses the
//! page's bytes: that is what makes `serve` incremental while staying equal to a full build.

pub mod context;
mod deps;
pub mod lookup;
mod markdown_driver;
pub mod shortcode_host;
pub mod templates;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;
use tera::{Context, Value};
use xxhash_rust::xxh3::Xxh3;

use crate::charts;
use crate::diagnostics::Diagnostic;
use crate::markdown::{self, LinkResolver, Resolved};
use crate::model::{BriefId, SectionId, Site};
use context::obj;
use deps::{DepIndex, Deps};
use markdown_driver::MdEntry;
pub use markdown_driver::{markdown_warnings, render_markdown, render_markdown_of};
use templates::Templates;

/// One file of the output, relative to the output root.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Arc<Vec<u8>>),
    /// A static file copied as is.
    Copy(std::path::PathBuf),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageKind {
    Home(usize),
    Section(SectionId, usize),
    Brief(BriefId),
    TaxonomyList(usize),
    Term(usize, usize, usize),
    Chronology,
    Briefing,
    Search,
    NotFound,
    Feed(Option<SectionId>),
    Sitemap,
    Robots,
}

/// Where a one-shot build streams pages as they are rendered, so a 10,000-page site is never
/// held in memory. Pages that later stages need (search indexes brief pages) stay in memory.
pub struct Sink {
    pub dir: std::path::PathBuf,
    pub minify: bool,
    /// Keep brief pages in memory for the search index.
    pub keep_briefs: bool,
    /// The output being replaced, to link unchanged pages from.
    pub reuse: Option<crate::output::Reuse>,
    /// The first failed write: an I/O failure (exit 3), not a content error.
    pub failed: crate::output::FirstFailure,
}

impl Sink {
    fn keep(&self, spec: &PageSpec) -> bool {
        self.keep_briefs && matches!(spec.kind, PageKind::Brief(_))
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let dest = self.dir.join(rel);
        let io = |e: std::io::Error| self.failed.record("cannot write", &dest, &e);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let minified;
        let bytes = if self.minify && rel.ends_with(".html") {
            minified = crate::assets::minify_html_page(bytes);
            &minified[..]
        } else {
            bytes
        };
        crate::output::put(self.reuse.as_ref(), rel, &dest, bytes).map_err(io)
    }
}

/// The marker for "written by the sink", told apart by identity, not content.
fn streamed() -> Arc<Vec<u8>> {
    static STREAMED: std::sync::OnceLock<Arc<Vec<u8>>> = std::sync::OnceLock::new();
    STREAMED.get_or_init(|| Arc::new(Vec::new())).clone()
}

/// Cached page output.
struct PageEntry {
    fingerprint: u64,
    /// Lookups the template made (`doc:hedges/china.md`), and a hash of what they returned.
    reads: Vec<String>,
    reads_hash: u64,
    bytes: Arc<Vec<u8>>,
}

fn reads_hash(lookup: &lookup::Lookup, reads: &[String]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for r in reads {
        r.hash(&mut h);
        lookup.read(r).map(hash_value).hash(&mut h);
    }
    h.finish()
}

/// Caches that survive between renders (used by `serve`); a fresh one gives a full build.
#[derive(Default)]
pub struct RenderCache {
    markdown: HashMap<String, Arc<MdEntry>>,
    pages: HashMap<String, PageEntry>,
    /// Brief summaries by file, with the key of the inputs they were built from.
    summaries: HashMap<String, (u64, Value, u64)>,
    last: Option<LastRender>,
    /// For anchor checks: each file, and the files that link to it with an `#anchor`.
    anchored_into: HashMap<String, Vec<String>>,
    /// Markdown warnings by document, in the order a full render reports them (sections, then
    /// briefs, by model index); documents without warnings are left out.
    md_warnings: BTreeMap<usize, Vec<Diagnostic>>,
}

/// The result of a render: every output file, and how many pages were rendered vs reused.
pub struct Rendering {
    pub files: BTreeMap<String, Body>,
    /// Pages the sink wrote to disk, not in `files`.
    pub written: usize,
    pub pages: usize,
    pub rendered: usize,
    pub changed: Vec<String>,
    /// Entries in the dependency index (page ids listed under a brief, section or taxonomy):
    /// an operation count that shows whether the index grows linearly with the site.
    pub dependency_entries: usize,
}

struct Links<'a>(&'a Site);

impl LinkResolver for Links<'_> {
    fn resolve(&self, target: &str) -> Option<Resolved> {
        let rel = self.0.link_names.find(target)?;
        let url = match self.0.path_of(rel) {
            Some(p) => self.0.url(p),
            // The target exists but failed to load: its own error says why; the build fails.
            None if self.0.failed.contains(rel) => "#".into(),
            None => return None,
        };
        let rel = rel.to_string();
        Some(Resolved { url, rel })
    }
}

fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    v.hash(&mut h);
    h.finish()
}

fn hash_value(v: &Value) -> u64 {
    struct W(xxhash_rust::xxh3::Xxh3);
    impl std::io::Write for W {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.update(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = W(xxhash_rust::xxh3::Xxh3::new());
    let _ = serde_json::to_writer(&mut w, v);
    w.0.digest()
}

/// Everything pages read beyond the model itself, derived once per render and shared by all
/// pages. Kept between renders (in [`RenderCache`]) so an edit to one brief patches it.
struct Derived {
    summaries: Vec<Value>,
    summary_hashes: Vec<u64>,
    references: Vec<Arc<Vec<(String, usize)>>>,
    globals: Context,
    globals_hash: u64,
    hedge_matrices: Vec<Value>,
    /// Per section: its own fields, subsections and hedge matrix (not its briefs).
    section_hashes: Vec<u64>,
    taxonomy_hashes: Vec<u64>,
    chronology_hash: u64,
    /// The briefs each feed lists (`None`: the site feed), in feed order.
    feeds: HashMap<Option<SectionId>, Vec<BriefId>>,
    /// Per brief: a hash of what the sitemap prints for it (URL and dates).
    sitemap_entries: Vec<u64>,
}

struct Shared<'a> {
    site: &'a Site,
    templates: &'a Templates,
    d: Derived,
}

/// A page to render: where it goes, through which template, and what it reads.
struct PageSpec {
    out: String,
    path: String,
    kind: PageKind,
    template: String,
}

fn page_suffix(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("page/{}/", n + 1)
    }
}

fn pages_for(site: &Site, per_page: usize) -> Vec<PageSpec> {
    let mut pages = Vec::new();
    let html = |p: &str| format!("{}index.html", p.trim_start_matches('/'));
    for (i, s) in site.sections.iter().enumerate() {
        let per = s.meta().paginate_by.unwrap_or(per_page).max(1);
        let n = s.briefs.len().div_ceil(per).max(1);
        for p in 0..n {
            let path = format!("{}{}", s.path, page_suffix(p));
            let template = s.meta().template.clone().unwrap_or_else(|| {
                if i == 0 {
                    "index.html".into()
                } else {
                    "section.html".into()
                }
            });
            let kind = if i == 0 {
                PageKind::Home(p)
            } else {
                PageKind::Section(i, p)
            };
            pages.push(PageSpec {
                out: html(&path),
                path,
                kind,
                template,
            });
        }
        if i != 0 && !s.briefs.is_empty() {
            pages.push(PageSpec {
                out: format!("{}atom.xml", s.path.trim_start_matches('/')),
                path: format!("{}atom.xml", s.path),
                kind: PageKind::Feed(Some(i)),
                template: "atom.xml".into(),
            });
        }
    }
    for (i, b) in site.briefs.iter().enumerate() {
        pages.push(PageSpec {
            out: html(&b.path),
            path: b.path.clone(),
            kind: PageKind::Brief(i),
            template: "brief.html".into(),
        });
    }
    for (ti, tax) in site.taxonomies.iter().enumerate() {
        pages.push(PageSpec {
            out: html(&tax.path()),
            path: tax.path(),
            kind: PageKind::TaxonomyList(ti),
            template: "taxonomy_list.html".into(),
        });
        for (t, term) in tax.terms.iter().enumerate() {
            let n = term.briefs.len().div_ceil(per_page).max(1);
            for p in 0..n {
                let path = format!("{}{}", tax.term_path(term), page_suffix(p));
                pages.push(PageSpec {
                    out: html(&path),
                    path,
                    kind: PageKind::Term(ti, t, p),
                    template: "taxonomy_term.html".into(),
                });
            }
        }
    }
    pages.push(PageSpec {
        out: "chronology/index.html".into(),
        path: "/chronology/".into(),
        kind: PageKind::Chronology,
        template: "chronology.html".into(),
    });
    if site.config.full_briefing {
        pages.push(PageSpec {
            out: "briefing/index.html".into(),
            path: "/briefing/".into(),
            kind: PageKind::Briefing,
            template: "briefing.html".into(),
        });
    }
    if site.config.search {
        pages.push(PageSpec {
            out: "search/index.html".into(),
            path: "/search/".into(),
            kind: PageKind::Search,
            template: "search.html".into(),
        });
    }
    pages.push(PageSpec {
        out: "404.html".into(),
        path: "/404.html".into(),
        kind: PageKind::NotFound,
        template: "404.html".into(),
    });
    pages.push(PageSpec {
        out: "atom.xml".into(),
        path: "/atom.xml".into(),
        kind: PageKind::Feed(None),
        template: "atom.xml".into(),
    });
    pages.push(PageSpec {
        out: "sitemap.xml".into(),
        path: "/sitemap.xml".into(),
        kind: PageKind::Sitemap,
        template: String::new(),
    });
    pages.push(PageSpec {
        out: "robots.txt".into(),
        path: "/robots.txt".into(),
        kind: PageKind::Robots,
        template: String::new(),
    });
    pages
}

fn paginator(
    site: &Site,
    base: &str,
    list: &[BriefId],
    page: usize,
    per: usize,
    shared: &Shared,
) -> (Value, Vec<BriefId>) {
    let n = list.len().div_ceil(per).max(1);
    let slice: Vec<BriefId> = list.iter().skip(page * per).take(per).copied().collect();
    let url = |p: usize| Value::from(site.url(&format!("{base}{}", page_suffix(p))));
    let v = obj([
        ("current_index", Value::from(page + 1)),
        ("number_pagers", Value::from(n)),
        ("per_page", Value::from(per)),
        ("total", Value::from(list.len())),
        (
            "briefs",
            Value::from(
                slice
                    .iter()
                    .map(|&b| shared.d.summaries[b].clone())
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "previous",
            if page > 0 {
                url(page - 1)
            } else {
                Value::none()
            },
        ),
        (
            "next",
            if page + 1 < n {
                url(page + 1)
            } else {
                Value::none()
            },
        ),
        ("first", url(0)),
        ("last", url(n - 1)),
    ]);
    (v, slice)
}

/// The brief ids a feed lists: newest first, at most 20.
fn feed_briefs(site: &Site, section: Option<SectionId>) -> Vec<BriefId> {
    let mut ids: Vec<BriefId> = match section {
        Some(s) => site.sections[s].briefs.clone(),
        None => (0..site.briefs.len()).collect(),
    };
    crate::model::sort_briefs(&mut ids, &site.briefs, crate::content::meta::SortBy::Date);
    ids.truncate(20);
    ids
}

impl Shared<'_> {
    /// Builds the page's context. Everything put in it must be covered by `fingerprint`.
    fn context(&self, spec: &PageSpec) -> Context {
        let site = self.site;
        let mut ctx = self.d.globals.clone();
        let kind_name = match spec.kind {
            PageKind::Home(_) => "home",
            PageKind::Section(..) => "section",
            PageKind::Brief(_) => "brief",
            PageKind::TaxonomyList(_) => "taxonomy_list",
            PageKind::Term(..) => "taxonomy_term",
            PageKind::Chronology => "chronology",
            PageKind::Briefing => "briefing",
            PageKind::Search => "search",
            PageKind::NotFound => "404",
            PageKind::Feed(_) | PageKind::Sitemap | PageKind::Robots => "feed",
        };
        ctx.insert_value("page_kind", Value::from(kind_name));
        let (title, description) = self.title_and_description(spec);
        ctx.insert_value("page_title", Value::from(title));
        ctx.insert_value("page_description", Value::from(description));
        ctx.insert_value("current_path", Value::from(spec.path.as_str()));
        ctx.insert_value("current_url", Value::from(site.url(&spec.path)));
        match spec.kind {
            PageKind::Home(p) | PageKind::Section(_, p) => {
                let s = match spec.kind {
                    PageKind::Section(s, _) => s,
                    _ => 0,
                };
                let sec = context::section_full(
                    site,
                    s,
                    &self.d.summaries,
                    self.d.hedge_matrices[s].clone(),
                );
                let per = site.sections[s]
                    .meta()
                    .paginate_by
                    .unwrap_or(site.config.paginate_by)
                    .max(1);
                let (pager, _) = paginator(
                    site,
                    &site.sections[s].path,
                    &site.sections[s].briefs,
                    p,
                    per,
                    self,
                );
                ctx.insert_value("section", sec);
                ctx.insert_value("paginator", pager);
            }
            PageKind::Brief(b) => {
                let full = context::brief_full(site, b, &self.d.summaries, &self.d.references[b]);
                let brief = &site.briefs[b];
                let sec = context::section_nav(site, brief.section);
                ctx.insert_value("brief", full);
                ctx.insert_value("section", sec);
            }
            PageKind::TaxonomyList(ti) => {
                let v = taxonomy_value(site, ti);
                ctx.insert_value("taxonomy", v);
            }
            PageKind::Term(ti, t, p) => {
                let tax = &site.taxonomies[ti];
                let term = &tax.terms[t];
                let v = taxonomy_value(site, ti);
                let (pager, _) = paginator(
                    site,
                    &tax.term_path(term),
                    &term.briefs,
                    p,
                    site.config.paginate_by,
                    self,
                );
                let mut tv = context::term_ref(site, tax, term)
                    .as_map()
                    .cloned()
                    .unwrap_or_default();
                tv.insert(
                    "briefs".into(),
                    Value::from(
                        term.briefs
                            .iter()
                            .map(|&b| self.d.summaries[b].clone())
                            .collect::<Vec<_>>(),
                    ),
                );
                ctx.insert_value("taxonomy", v);
                ctx.insert_value("term", Value::from(tv));
                ctx.insert_value("paginator", pager);
            }
            PageKind::Chronology => {
                let v = self.chronology_value();
                ctx.insert_value("chronology", v);
            }
            PageKind::Briefing => {
                let list: Vec<Value> = site
                    .reading_order
                    .iter()
                    .map(|&b| {
                        context::brief_full(site, b, &self.d.summaries, &self.d.references[b])
                    })
                    .collect();
                ctx.insert_value("briefs", Value::from(list));
            }
            PageKind::Feed(section) => {
                let ids = self.feed(section);
                let (title, path) = match section {
                    Some(s) => (
                        format!("{} — {}", site.sections[s].meta().title, site.config.title),
                        format!("{}atom.xml", site.sections[s].path),
                    ),
                    None => (site.config.title.clone(), "/atom.xml".into()),
                };
                let updated = ids
                    .iter()
                    .map(|&b| {
                        let m = site.briefs[b].meta();
                        m.updated.as_ref().unwrap_or(&m.date).0.clone()
                    })
                    .max()
                    .map(|d| d.rfc3339())
                    .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
                let entries: Vec<Value> = ids
                    .iter()
                    .map(|&b| {
                        let m = site.briefs[b].meta();
                        let mut e = self.d.summaries[b].as_map().cloned().unwrap_or_default();
                        e.insert("date_rfc3339".into(), Value::from(m.date.0.rfc3339()));
                        e.insert(
                            "updated_rfc3339".into(),
                            Value::from(m.updated.as_ref().unwrap_or(&m.date).0.rfc3339()),
                        );
                        let plain = site.briefs[b]
                            .rendered
                            .as_deref()
                            .and_then(|r| r.summary.as_deref())
                            .map(markdown::strip_tags)
                            .or_else(|| m.description.clone())
                            .or_else(|| m.bottom_line.clone())
                            .unwrap_or_else(|| m.title.clone());
                        e.insert("summary_text".into(), Value::from(plain));
                        Value::from(e)
                    })
                    .collect();
                ctx.insert_value(
                    "feed",
                    obj([
                        ("title", Value::from(title)),
                        ("id", Value::from(site.url(&path))),
                        ("permalink", Value::from(site.url(&path))),
                        (
                            "alternate",
                            Value::from(site.url(path.trim_end_matches("atom.xml"))),
                        ),
                        ("updated", Value::from(updated)),
                        ("entries", Value::from(entries)),
                    ]),
                );
            }
            PageKind::Search | PageKind::NotFound | PageKind::Sitemap | PageKind::Robots => {}
        }
        ctx
    }

    /// What the page reads, as one hash over the model entities `context` puts in it and the
    /// templates it renders through. Built from per-entity hashes computed once per render, so
    /// checking an unchanged page costs a few lookups, not a context. Every entity read is
    /// also noted in `deps`.
    fn fingerprint(&self, spec: &PageSpec, deps: &mut Deps) -> u64 {
        let site = self.site;
        let d = &self.d;
        let mut fp = xxhash_rust::xxh3::Xxh3::new();
        d.globals_hash.hash(&mut fp);
        spec.path.hash(&mut fp);
        spec.template.hash(&mut fp);
        self.templates.closure_hash(&spec.template).hash(&mut fp);
        self.title_and_description(spec).hash(&mut fp);
        fn read_briefs(d: &Derived, ids: &[BriefId], fp: &mut Xxh3, deps: &mut Deps) {
            for &b in ids {
                d.summary_hashes[b].hash(fp);
            }
            deps.briefs.extend_from_slice(ids);
        }
        // A section's or term's whole list: every brief in it belongs to that section or files a
        // term of that taxonomy, so the `sections`/`taxonomies` entry recorded beside it already
        // brings the page back when one of them changes. Recording each brief too would put a
        // 50,000-brief term's 1,000 pages into every brief's list (gigabytes at that size).
        fn read_list(d: &Derived, ids: &[BriefId], fp: &mut Xxh3) {
            for &b in ids {
                d.summary_hashes[b].hash(fp);
            }
        }
        let read_full = |b: BriefId, fp: &mut Xxh3, deps: &mut Deps| {
            let brief = &site.briefs[b];
            brief.doc.hash.hash(fp);
            brief.rendered.as_deref().map(|r| r.hash).hash(fp);
            d.summary_hashes[b].hash(fp);
            d.references[b].hash(fp);
            read_briefs(d, &brief.related, fp, deps);
            read_briefs(d, &self.neighbours(b), fp, deps);
            brief.bundle_dir.hash(fp);
            deps.briefs.push(b);
        };
        match spec.kind {
            PageKind::Home(p) | PageKind::Section(_, p) => {
                let s = match spec.kind {
                    PageKind::Section(s, _) => s,
                    _ => 0,
                };
                d.section_hashes[s].hash(&mut fp);
                deps.sections.push(s);
                read_list(d, &site.sections[s].briefs, &mut fp);
                p.hash(&mut fp);
            }
            PageKind::Brief(b) => {
                read_full(b, &mut fp, deps);
                let s = site.briefs[b].section;
                d.section_hashes[s].hash(&mut fp);
                deps.sections.push(s);
            }
            PageKind::TaxonomyList(ti) => {
                d.taxonomy_hashes[ti].hash(&mut fp);
                deps.taxonomies.push(ti);
            }
            PageKind::Term(ti, t, p) => {
                d.taxonomy_hashes[ti].hash(&mut fp);
                deps.taxonomies.push(ti);
                read_list(d, &site.taxonomies[ti].terms[t].briefs, &mut fp);
                p.hash(&mut fp);
            }
            PageKind::Chronology => {
                d.chronology_hash.hash(&mut fp);
                deps.chronology = true;
            }
            PageKind::Briefing => {
                for &b in &site.reading_order {
                    read_full(b, &mut fp, deps);
                }
            }
            PageKind::Feed(section) => {
                let ids = self.feed(section);
                read_briefs(d, ids, &mut fp, deps);
                for &b in ids {
                    let m = site.briefs[b].meta();
                    (&m.date, &m.updated, &m.description, &m.bottom_line).hash(&mut fp);
                    site.briefs[b]
                        .rendered
                        .as_deref()
                        .map(|r| &r.summary)
                        .hash(&mut fp);
                }
                if let Some(s) = section {
                    site.sections[s].meta().title.hash(&mut fp);
                    deps.sections.push(s);
                }
            }
            PageKind::Sitemap => {
                // Exactly what `sitemap` prints: every URL, and each brief's date.
                for s in &site.sections {
                    (&s.path, s.briefs.len()).hash(&mut fp);
                }
                for &h in &d.sitemap_entries {
                    fp.write_u64(h);
                }
                deps.briefs.extend(0..site.briefs.len());
                d.taxonomy_hashes.hash(&mut fp);
                deps.taxonomies.extend(0..site.taxonomies.len());
            }
            PageKind::Search | PageKind::NotFound | PageKind::Robots => {}
        }
        fp.finish()
    }

    fn feed(&self, section: Option<SectionId>) -> &[BriefId] {
        self.d.feeds.get(&section).map(Vec::as_slice).unwrap_or(&[])
    }

    fn neighbours(&self, b: BriefId) -> Vec<BriefId> {
        let order = self.site.briefs[b].order;
        [order.checked_sub(1), Some(order + 1)]
            .into_iter()
            .flatten()
            .filter_map(|i| self.site.reading_order.get(i).copied())
            .collect()
    }

    /// Title and one-line description for `<title>`, OpenGraph and Twitter cards.
    fn title_and_description(&self, spec: &PageSpec) -> (String, String) {
        let site = self.site;
        let c = &site.config;
        let site_desc = c.description.clone().unwrap_or_else(|| c.title.clone());
        let with_site = |t: &str| format!("{t} – {}", c.title);
        match spec.kind {
            PageKind::Home(_) => (
                c.title.clone(),
                site.sections
                    .first()
                    .and_then(|h| {
                        h.meta()
                            .bottom_line
                            .clone()
                            .or_else(|| h.meta().description.clone())
                    })
                    .unwrap_or(site_desc),
            ),
            PageKind::Section(s, _) => {
                let m = site.sections[s].meta();
                (
                    with_site(&m.title),
                    m.description.clone().unwrap_or(site_desc),
                )
            }
            PageKind::Brief(b) => {
                let m = site.briefs[b].meta();
                (
                    with_site(&m.title),
                    m.description
                        .clone()
                        .or_else(|| m.bottom_line.clone())
                        .unwrap_or(site_desc),
                )
            }
            PageKind::TaxonomyList(t) => (
                with_site(&crate::render::capitalize(&site.taxonomies[t].name)),
                site_desc,
            ),
            PageKind::Term(t, term, _) => {
                let tax = &site.taxonomies[t];
                let name = &tax.terms[term].name;
                (with_site(name), format!("Briefs on {name} ({}).", tax.name))
            }
            PageKind::Chronology => (
                with_site("Chronology"),
                "Every dated event in the briefing, in order.".into(),
            ),
            PageKind::Briefing => (with_site("The full briefing"), site_desc),
            PageKind::Search => (with_site("Search"), site_desc),
            PageKind::NotFound => (with_site("Page not found"), site_desc),
            PageKind::Feed(_) | PageKind::Sitemap | PageKind::Robots => {
                (c.title.clone(), site_desc)
            }
        }
    }

    fn chronology_value(&self) -> Value {
        let site = self.site;
        let mut years: Vec<(i32, Vec<Value>)> = Vec::new();
        for e in &site.chronology {
            let v = obj([
                ("date", Value::from(e.date.iso())),
                ("display_date", Value::from(e.date.format("%-d %B %Y"))),
                ("text", Value::from(e.text.as_str())),
                (
                    "brief",
                    e.brief
                        .map(|b| self.d.summaries[b].clone())
                        .unwrap_or_else(Value::none),
                ),
            ]);
            match years.last_mut() {
                Some((y, list)) if *y == e.date.year => list.push(v),
                _ => years.push((e.date.year, vec![v])),
            }
        }
        Value::from(
            years
                .into_iter()
                .map(|(y, events)| obj([("year", Value::from(y)), ("events", Value::from(events))]))
                .collect::<Vec<_>>(),
        )
    }
}

fn taxonomy_value(site: &Site, ti: usize) -> Value {
    let tax = &site.taxonomies[ti];
    obj([
        ("name", Value::from(tax.name.as_str())),
        ("permalink", Value::from(site.url(&tax.path()))),
        (
            "terms",
            Value::from(
                tax.terms
                    .iter()
                    .map(|t| context::term_ref(site, tax, t))
                    .collect::<Vec<_>>(),
            ),
        ),
    ])
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn hedge_matrix(site: &Site, s: SectionId, summaries: &[Value]) -> Value {
    let mut rows: Vec<(BriefId, &crate::content::meta::Hedge)> = site.sections[s]
        .briefs
        .iter()
        .filter_map(|&b| site.briefs[b].meta().hedge.as_ref().map(|h| (b, h)))
        .collect();
    if rows.is_empty() {
        return Value::none();
    }
    rows.sort_by(|a, b| {
        b.1.credibility
            .level
            .cmp(&a.1.credibility.level)
            .then_with(|| {
                (b.1.economic.level.rank() + b.1.security.level.rank())
                    .cmp(&(a.1.economic.level.rank() + a.1.security.level.rank()))
            })
            .then_with(|| a.1.partner.cmp(&b.1.partner))
    });
    let svg = charts::hedge_matrix(
        &rows
            .iter()
            .map(|(_, h)| charts::MatrixRow {
                partner: &h.partner,
                levels: [
                    h.economic.level.rank(),
                    h.security.level.rank(),
                    h.credibility.level.rank(),
                ],
            })
            .collect::<Vec<_>>(),
    );
    let list: Vec<Value> = rows
        .iter()
        .map(|(b, h)| {
            let mut m = context::hedge_value(h)
                .as_map()
                .cloned()
                .unwrap_or_default();
            m.insert("brief".into(), summaries[*b].clone());
            Value::from(m)
        })
        .collect();
    obj([
        ("rows", Value::from(list)),
        ("svg", Value::safe_string(&svg)),
    ])
}

fn sitemap(site: &Site, pages: &[PageSpec]) -> Vec<u8> {
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

fn build_lookup(site: &Site, d: &Derived, assets: &HashMap<String, String>) -> lookup::Lookup {
    let mut docs = HashMap::with_capacity(site.briefs.len() + site.sections.len());
    for (b, brief) in site.briefs.iter().enumerate() {
        docs.insert(brief.doc.rel.clone(), d.summaries[b].clone());
    }
    for (s, sec) in site.sections.iter().enumerate() {
        docs.insert(
            sec.doc.rel.clone(),
            context::section_full(site, s, &d.summaries, d.hedge_matrices[s].clone()),
        );
    }
    let taxonomies = (0..site.taxonomies.len())
        .map(|t| (site.taxonomies[t].name.clone(), taxonomy_value(site, t)))
        .collect();
    lookup::Lookup {
        base_url: site.config.base_url.clone(),
        docs,
        taxonomies,
        assets: assets.clone(),
    }
}

/// A summary is a function of the brief's file, its Markdown, its URL and section, and the
/// terms it is filed under (with their counts); rebuilt only when this key changes.
fn summary_key(site: &Site, config_hash: u64, b: BriefId) -> u64 {
    let brief = &site.briefs[b];
    let mut h = Xxh3::new();
    config_hash.hash(&mut h);
    brief.doc.hash.hash(&mut h);
    brief.rendered.as_deref().map(|r| r.hash).hash(&mut h);
    brief.path.hash(&mut h);
    site.sections[brief.section].path.hash(&mut h);
    for (ti, terms) in brief.terms.iter().enumerate() {
        for &t in terms {
            let term = &site.taxonomies[ti].terms[t];
            (&term.name, &term.slug, term.briefs.len()).hash(&mut h);
        }
    }
    h.finish()
}

fn sitemap_entry(site: &Site, b: BriefId) -> u64 {
    let brief = &site.briefs[b];
    let m = brief.meta();
    hash_of(&(&brief.path, &m.date, &m.updated))
}

fn section_hash(site: &Site, s: SectionId, hedge_matrix: &Value) -> u64 {
    let sec = &site.sections[s];
    hash_of(&(
        sec.doc.hash,
        sec.rendered.as_deref().map(|r| r.hash),
        hash_value(&context::section_nav(site, s)),
        hash_value(hedge_matrix),
    ))
}

/// Covers exactly what `chronology_value` reads: each event's date and text, and the summary of
/// the brief it comes from.
fn chronology_hash(site: &Site, summary_hashes: &[u64]) -> u64 {
    let mut h = Xxh3::new();
    for e in &site.chronology {
        (e.date.iso(), &e.text, e.brief.map(|b| summary_hashes[b])).hash(&mut h);
    }
    h.finish()
}

/// Computes what every page shares, reusing cached brief summaries whose key is unchanged.
fn derive(
    site: &Site,
    assets: &HashMap<String, String>,
    config_hash: u64,
    cache: &mut RenderCache,
) -> Derived {
    let built: Vec<(u64, Value, u64)> = (0..site.briefs.len())
        .into_par_iter()
        .map(|b| {
            let key = summary_key(site, config_hash, b);
            match cache.summaries.get(&site.briefs[b].doc.rel) {
                Some((k, v, h)) if *k == key => (key, v.clone(), *h),
                _ => {
                    let v = context::brief_summary(site, b);
                    let h = hash_value(&v);
                    (key, v, h)
                }
            }
        })
        .collect();
    cache.summaries = site
        .briefs
        .iter()
        .zip(&built)
        .map(|(b, e)| (b.doc.rel.clone(), e.clone()))
        .collect();
    let summaries: Vec<Value> = built.iter().map(|e| e.1.clone()).collect();
    let summary_hashes: Vec<u64> = built.iter().map(|e| e.2).collect();
    let references = site
        .briefs
        .iter()
        .map(|b| {
            cache
                .markdown
                .get(&b.doc.rel)
                .map(|e| e.references.clone())
                .unwrap_or_default()
        })
        .collect();
    let mut globals = Context::new();
    let config_value = Value::from_serializable(&*site.config);
    globals.insert_value("config", config_value.clone());
    let nav: Vec<Value> = site
        .sections
        .first()
        .map(|root| {
            root.subsections
                .iter()
                .map(|&s| context::section_nav(site, s))
                .collect()
        })
        .unwrap_or_default();
    let nav = Value::from(nav);
    globals.insert_value("nav", nav.clone());
    let taxonomies = Value::from(
        site.taxonomies
            .iter()
            .map(|t| {
                obj([
                    ("name", Value::from(t.name.as_str())),
                    ("permalink", Value::from(site.url(&t.path()))),
                    ("term_count", Value::from(t.terms.len())),
                ])
            })
            .collect::<Vec<_>>(),
    );
    globals.insert_value("taxonomies", taxonomies.clone());
    let data: BTreeMap<&str, Value> = site
        .data
        .iter()
        .map(|(k, v)| (k.as_str(), Value::from_serializable(&v.value)))
        .collect();
    let data_value = Value::from_serializable(&data);
    globals.insert_value("data", data_value);
    globals.insert_value("confidence_scale", context::confidence_scale());
    let home = site.sections.first();
    globals.insert_value(
        "home_bottom_line",
        home.and_then(|h| h.meta().bottom_line.as_deref())
            .map(Value::from)
            .unwrap_or_else(Value::none),
    );
    let globals_hash = {
        let mut h = Xxh3::new();
        hash_value(&config_value).hash(&mut h);
        hash_value(&nav).hash(&mut h);
        hash_value(&taxonomies).hash(&mut h);
        for d in site.data.values() {
            d.hash.hash(&mut h);
        }
        home.map(|h| h.doc.hash).hash(&mut h);
        let mut names: Vec<(&String, &String)> = assets.iter().collect();
        names.sort();
        names.hash(&mut h);
        h.finish()
    };
    let hedge_matrices: Vec<Value> = (0..site.sections.len())
        .map(|s| hedge_matrix(site, s, &summaries))
        .collect();
    let section_hashes = (0..site.sections.len())
        .map(|s| section_hash(site, s, &hedge_matrices[s]))
        .collect();
    let taxonomy_hashes = (0..site.taxonomies.len())
        .map(|t| hash_value(&taxonomy_value(site, t)))
        .collect();
    let chronology_hash = chronology_hash(site, &summary_hashes);
    let mut feeds = HashMap::new();
    feeds.insert(None, feed_briefs(site, None));
    for (s, sec) in site.sections.iter().enumerate().skip(1) {
        if !sec.briefs.is_empty() {
            feeds.insert(Some(s), feed_briefs(site, Some(s)));
        }
    }
    Derived {
        sitemap_entries: (0..site.briefs.len())
            .map(|b| sitemap_entry(site, b))
            .collect(),
        summaries,
        summary_hashes,
        references,
        globals,
        globals_hash,
        hedge_matrices,
        section_hashes,
        taxonomy_hashes,
        chronology_hash,
        feeds,
    }
}

/// What the last complete render derived, for [`render_changed_briefs`] to patch.
struct LastRender {
    derived: Derived,
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
    Result<(Arc<Vec<u8>>, bool), Diagnostic>,
);

/// Checks one page against its cache entry and renders it when what it reads changed.
fn render_page(
    shared: &Shared,
    spec: &PageSpec,
    lookup: &lookup::Lookup,
    cached: Option<&PageEntry>,
    sink: Option<&Sink>,
    sitemap: &(dyn Fn() -> Arc<Vec<u8>> + Sync),
    robots: &Arc<Vec<u8>>,
) -> PageResult {
    let mut deps = Deps::default();
    let fp = shared.fingerprint(spec, &mut deps);
    if let Some(entry) = cached
        && entry.fingerprint == fp
        && entry.reads_hash == reads_hash(lookup, &entry.reads)
    {
        return (
            fp,
            deps,
            entry.reads.clone(),
            entry.reads_hash,
            Ok((entry.bytes.clone(), false)),
        );
    }
    let ctx = shared.context(spec);
    lookup::start_recording();
    let result = match spec.kind {
        PageKind::Sitemap => Ok(sitemap()),
        PageKind::Robots => Ok(robots.clone()),
        _ => shared
            .templates
            .tera
            .render(&spec.template, &ctx)
            .map(|s| Arc::new(crate::clean::for_output(&spec.out, s).into_bytes()))
            .map_err(|e| shared.templates.diagnostic(&e)),
    };
    let reads = lookup::take_reads();
    let rh = reads_hash(lookup, &reads);
    let result = match (result, sink) {
        (Ok(bytes), Some(sink)) if !sink.keep(spec) => {
            sink.write(&spec.out, &bytes).map(|_| streamed())
        }
        (r, _) => r,
    };
    (fp, deps, reads, rh, result.map(|b| (b, true)))
}

fn publish_lookup(templates: &Templates, lookup: Arc<lookup::Lookup>) {
    match templates.site.write() {
        Ok(mut slot) => *slot = lookup,
        Err(poisoned) => *poisoned.into_inner() = lookup,
    }
}

/// Takes the lookup back from the templates to patch it; it is shared with no one once the
/// pages that used it are rendered.
fn take_lookup(templates: &Templates) -> lookup::Lookup {
    let arc = match templates.site.write() {
        Ok(mut slot) => std::mem::take(&mut *slot),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    Arc::try_unwrap(arc).unwrap_or_else(|shared| (*shared).clone())
}

/// Renders every page. Pages whose fingerprint matches the cache are reused, not rendered.
/// `assets` maps static files to their published (fingerprinted) names; it is empty when
/// fingerprinting is off.
pub fn render_site(
    site: &Site,
    templates: &Templates,
    assets: &HashMap<String, String>,
    sink: Option<&Sink>,
    cache: &mut RenderCache,
    diags: &mut Vec<Diagnostic>,
) -> Rendering {
    cache.last = None;
    let config_hash = hash_of(&format!("{:?}", site.config));
    let derived = derive(site, assets, config_hash, cache);
    let shared = Shared {
        site,
        templates,
        d: derived,
    };
    let pages = pages_for(site, site.config.paginate_by);

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

    let sitemap_bytes = Arc::new(sitemap(site, &pages));
    let robots = Arc::new(
        format!(
            "User-agent: *\nAllow: /\nSitemap: {}\n",
            site.url("/sitemap.xml")
        )
        .into_bytes(),
    );
    let lookup = Arc::new(build_lookup(site, &shared.d, assets));
    publish_lookup(templates, lookup.clone());
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
            render_page(&shared, spec, &lookup, cached, sink, &sitemap_fn, &robots)
        })
        .collect();
    drop(lookup);

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
                if Arc::ptr_eq(&bytes, &streamed()) {
                    // Streamed to disk already; keep no copy (see `Sink`).
                    written += 1;
                    continue;
                }
                files.insert(spec.out.clone(), Body::Bytes(bytes.clone()));
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
            derived: shared.d,
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

/// Re-renders after `changed` briefs' files were edited without touching anything the model's
/// structure depends on (see [`crate::model::same_structure`]): patches the shared values those
/// briefs feed, then checks only the pages that read them, found through the dependency index
/// of the last render. Every page outside that set read nothing that changed, so its bytes
/// stand. `Rendering::files` holds the re-rendered pages only. `None` when there is no previous
/// render to patch.
pub fn render_changed_briefs(
    site: &Site,
    templates: &Templates,
    changed: &[BriefId],
    cache: &mut RenderCache,
    diags: &mut Vec<Diagnostic>,
) -> Option<Rendering> {
    let mut last = cache.last.take()?;
    let d = &mut last.derived;
    let mut lookup = take_lookup(templates);
    let mut sections = BTreeSet::new();
    let mut taxonomies = BTreeSet::new();
    let mut chronology = false;
    for &b in changed {
        let brief = &site.briefs[b];
        let key = summary_key(site, last.config_hash, b);
        let v = context::brief_summary(site, b);
        let h = hash_value(&v);
        cache
            .summaries
            .insert(brief.doc.rel.clone(), (key, v.clone(), h));
        lookup.docs.insert(brief.doc.rel.clone(), v.clone());
        d.summaries[b] = v;
        d.summary_hashes[b] = h;
        d.sitemap_entries[b] = sitemap_entry(site, b);
        d.references[b] = cache
            .markdown
            .get(&brief.doc.rel)
            .map(|e| e.references.clone())
            .unwrap_or_default();
        sections.insert(brief.section);
        for (ti, terms) in brief.terms.iter().enumerate() {
            if !terms.is_empty() {
                taxonomies.insert(ti);
            }
        }
        chronology |= !brief.meta().events.is_empty();
    }
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
    for &s in &sections {
        d.hedge_matrices[s] = hedge_matrix(site, s, &d.summaries);
        d.section_hashes[s] = section_hash(site, s, &d.hedge_matrices[s]);
        let rel = &site.sections[s].doc.rel;
        lookup.docs.insert(
            rel.clone(),
            context::section_full(site, s, &d.summaries, d.hedge_matrices[s].clone()),
        );
        extend(&last.index.by_section[s]);
        if let Some(list) = last.index.by_read.get(&format!("doc:{rel}")) {
            extend(list);
        }
    }
    for &t in &taxonomies {
        d.taxonomy_hashes[t] = hash_value(&taxonomy_value(site, t));
        extend(&last.index.by_taxonomy[t]);
    }
    if chronology {
        d.chronology_hash = chronology_hash(site, &d.summary_hashes);
        extend(&last.index.chronology);
    }
    let candidates: Vec<u32> = candidates.into_iter().collect();

    let lookup = Arc::new(lookup);
    publish_lookup(templates, lookup.clone());
    let shared = Shared {
        site,
        templates,
        d: last.derived,
    };
    let pages = &last.pages;
    let sitemap_fn = || Arc::new(sitemap(site, pages));
    let results: Vec<(u32, PageResult)> = candidates
        .par_iter()
        .map(|&i| {
            let spec = &pages[i as usize];
            let cached = cache.pages.get(&spec.out);
            let r = render_page(
                &shared,
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
            Ok((bytes, true)) => {
                rendered += 1;
                changed_out.push(out.clone());
                files.insert(out.clone(), Body::Bytes(bytes.clone()));
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
            Ok((_, false)) => {}
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
        derived: shared.d,
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
