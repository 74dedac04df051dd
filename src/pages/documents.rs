//! The documents' Markdown, rendered: every brief's and section's body (in parallel, cached per
//! document on its text and on what it used: link targets, shortcode templates, data files),
//! kept by the model's ids in [`Documents`] (the model itself holds only what was read), and
//! `@/file.md#anchor` links checked against the headings of their targets.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::hashing::{Xxh3, hash_of};
use crate::markdown::{self, LinkResolver, Rendered, Resolved};
use crate::model::{BriefId, DocRef, SectionId, Site, Table};
use crate::templates::{Templates, shortcode_host};

/// Every document's Markdown result, by the model's ids: what pages read of a body.
#[derive(Clone, Default)]
pub struct Documents {
    briefs: Table<BriefId, Option<Arc<Rendered>>>,
    sections: Table<SectionId, Option<Arc<Rendered>>>,
    /// Per brief: the sources its `cite` shortcodes cited, in order, with their counts.
    references: Table<BriefId, Arc<Vec<(String, usize)>>>,
}

impl Documents {
    pub fn brief(&self, b: BriefId) -> Option<&Rendered> {
        self.briefs.get(b)?.as_deref()
    }

    pub fn section(&self, s: SectionId) -> Option<&Rendered> {
        self.sections.get(s)?.as_deref()
    }

    pub fn references(&self, b: BriefId) -> &Arc<Vec<(String, usize)>> {
        static NONE: std::sync::OnceLock<Arc<Vec<(String, usize)>>> = std::sync::OnceLock::new();
        self.references
            .get(b)
            .unwrap_or_else(|| NONE.get_or_init(Default::default))
    }

    fn of(&self, site: &Site, rel: &str) -> Option<&Rendered> {
        match site.by_rel.get(rel)? {
            DocRef::Brief(b) => self.brief(*b),
            DocRef::Section(s) => self.section(*s),
        }
    }
}

/// The Markdown renders kept between builds (by `serve`'s long-lived builder), and what a patch
/// needs to report the same warnings and check the same anchors as a full build.
#[derive(Default)]
pub struct MarkdownCache {
    entries: HashMap<String, Arc<MdEntry>>,
    /// For anchor checks: each file, and the files that link to it with an `#anchor`.
    anchored_into: HashMap<String, Vec<String>>,
    /// Markdown warnings by document, in the order a full render reports them (sections, then
    /// briefs, by model id); documents without warnings are left out.
    warnings: BTreeMap<DocId, Vec<Diagnostic>>,
}

/// How `@/` links in a document resolve: through the model's file names to URLs; relative
/// links against the document's own URL path (`page`, base path included). A body with no
/// page (`unread`: its front matter did not read) resolves `@/` links only.
pub(super) struct SiteLinks<'a>(pub(super) &'a Site, pub(super) Option<&'a str>);

impl<'a> SiteLinks<'a> {
    /// The file a target names and its URL path; no path when the file failed to load (its
    /// own error says why; the build fails). Both a render and its cache key read this, so a
    /// cached render is reused only when each of its lookups would answer the same.
    fn find(&self, target: &str) -> Option<(&'a str, Option<&'a str>)> {
        let site = self.0;
        let rel = site.link_names.find(target)?;
        match site.path_of(rel) {
            Some(p) => Some((rel, Some(p))),
            None if site.failed.contains(rel) => Some((rel, None)),
            None => None,
        }
    }
}

impl LinkResolver for SiteLinks<'_> {
    fn resolve(&self, target: &str) -> Option<Resolved> {
        let (rel, path) = self.find(target)?;
        let url = path.map_or_else(|| "#".into(), |p| self.0.url(p));
        let rel = rel.to_string();
        Some(Resolved { url, rel })
    }

    fn page(&self) -> Option<&str> {
        self.1
    }

    fn strings(&self) -> &crate::strings::Strings {
        &self.0.config.strings
    }

    fn language(&self) -> &str {
        &self.0.language.code
    }
}

/// Cached Markdown render of one document.
struct MdEntry {
    doc_hash: u64,
    /// The URL path relative links were resolved against.
    page: String,
    env: u64,
    used: Used,
    rendered: Arc<Rendered>,
    references: Arc<Vec<(String, usize)>>,
    errors: Vec<Diagnostic>,
}

/// What a document's Markdown render depends on besides its own text.
struct Used {
    /// The `@/` targets the render looked up ([`Rendered::link_targets`]), broken ones
    /// included: creating the target must re-render.
    link_targets: Vec<String>,
    templates: Vec<String>,
    data: Vec<String>,
}

impl Used {
    /// A hash of what everything used resolves to now.
    fn hash(&self, site: &Site, templates: &Templates, config_hash: u64) -> u64 {
        let mut h = Xxh3::new();
        config_hash.hash(&mut h);
        for t in &self.link_targets {
            SiteLinks(site, None).find(t).hash(&mut h);
        }
        for t in &self.templates {
            templates.closure_hash(t).hash(&mut h);
        }
        for d in &self.data {
            site.data.get(d).map(|f| f.hash).hash(&mut h);
        }
        h.finish()
    }
}

/// A document of the model; sections sort before briefs, the order a full build reports in.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DocId {
    Section(SectionId),
    Brief(BriefId),
}

/// Renders one document's Markdown, or reuses the cached render when neither its text nor
/// anything it used changed.
fn render_doc(
    site: &Site,
    templates: &Templates,
    config_hash: u64,
    cache: &MarkdownCache,
    job: DocId,
) -> Arc<MdEntry> {
    let content_dir = site.root.join("content");
    let (doc, sources, bundle_dir, path) = match job {
        DocId::Section(s) => (&site.sections[s].doc, &[][..], None, &site.sections[s].path),
        DocId::Brief(b) => {
            let br = &site.briefs[b];
            (
                &br.doc,
                &br.meta().sources[..],
                br.bundle_dir.as_deref(),
                &br.path,
            )
        }
    };
    let page = format!("{}{path}", site.config.base_path());
    if let Some(c) = cache.entries.get(&doc.rel)
        && c.doc_hash == doc.hash
        && c.page == page
        && c.env == c.used.hash(site, templates, config_hash)
    {
        return c.clone();
    }
    let links = SiteLinks(site, Some(&page));
    let mut host = shortcode_host::ShortcodeRunner {
        templates,
        data: &site.data,
        sources,
        bundle_dir,
        content_dir: &content_dir,
        page_url: site.url(path),
        references: Vec::new(),
        used_templates: Vec::new(),
        used_data: Vec::new(),
        body_errors: Vec::new(),
        body_links: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut rendered = markdown::render(doc.body(), &links, &mut host, &mut errors);
    rendered.local_links.append(&mut host.body_links);
    if site.config.safe_html {
        rendered.html = sanitize(&rendered.html);
        rendered.summary = rendered.summary.as_deref().map(sanitize);
    }
    rendered.hash = hash_of(&(
        &rendered.html,
        &rendered.summary,
        &rendered.toc,
        rendered.word_count,
    ));
    let body_start = doc.body_start;
    let mut diags: Vec<Diagnostic> = errors
        .into_iter()
        .map(|e| {
            let mut d = Diagnostic::error(e.message).in_file(&doc.display).at(
                &doc.text,
                body_start + e.span.start..body_start + e.span.end,
            );
            if let Some(h) = e.hint {
                d = d.with_hint(h);
            }
            d
        })
        .collect();
    for w in &rendered.warnings {
        let mut d = Diagnostic::warning(w.message.clone())
            .in_file(&doc.display)
            .at(
                &doc.text,
                body_start + w.span.start..body_start + w.span.end,
            );
        if let Some(h) = &w.hint {
            d = d.with_hint(h.clone());
        }
        diags.push(d);
    }
    for e in host.body_errors.drain(..) {
        let mut d = Diagnostic::error(format!("inside a block shortcode: {}", e.message))
            .in_file(&doc.display)
            .at(
                &doc.text,
                body_start + e.span.start..body_start + e.span.end,
            );
        if let Some(h) = e.hint {
            d = d.with_hint(h);
        }
        diags.push(d);
    }
    let used = Used {
        link_targets: rendered.link_targets.clone(),
        templates: host.used_templates,
        data: host.used_data,
    };
    Arc::new(MdEntry {
        doc_hash: doc.hash,
        page,
        env: used.hash(site, templates, config_hash),
        used,
        rendered: Arc::new(rendered),
        references: Arc::new(host.references),
        errors: diags,
    })
}

/// Renders the Markdown of every brief and section. Cached per document on (file text, what its
/// links resolved to, shortcode templates and data files it used).
pub fn render_all(
    site: &Site,
    templates: &Templates,
    cache: &mut MarkdownCache,
    diags: &mut Diagnostics,
) -> Documents {
    let config_hash = hash_of(&format!("{:?}", site.config));
    let jobs: Vec<DocId> = site
        .sections
        .ids()
        .map(DocId::Section)
        .chain(site.briefs.ids().map(DocId::Brief))
        .collect();
    let cache_ref: &MarkdownCache = cache;
    let results: Vec<Arc<MdEntry>> = jobs
        .par_iter()
        .map(|&job| render_doc(site, templates, config_hash, cache_ref, job))
        .collect();
    let mut entries = HashMap::with_capacity(results.len());
    let mut docs = Documents {
        briefs: vec![None; site.briefs.len()].into(),
        sections: vec![None; site.sections.len()].into(),
        references: vec![Arc::default(); site.briefs.len()].into(),
    };
    cache.warnings.clear();
    for (&job, entry) in jobs.iter().zip(results) {
        diags.extend(entry.errors.iter().cloned());
        if !entry.errors.is_empty() {
            cache.warnings.insert(job, entry.errors.clone());
        }
        let rel = match job {
            DocId::Section(s) => {
                docs.sections[s] = Some(entry.rendered.clone());
                &site.sections[s].doc.rel
            }
            DocId::Brief(b) => {
                docs.briefs[b] = Some(entry.rendered.clone());
                docs.references[b] = entry.references.clone();
                &site.briefs[b].doc.rel
            }
        };
        entries.insert(rel.clone(), entry);
    }
    cache.entries = entries;
    check_anchors(site, &docs, None, &mut cache.anchored_into, diags);
    docs
}

/// Renders the Markdown of the given briefs only, into `docs`: after an edit that changed their
/// files and nothing else, every other document's render (and everything it depends on)
/// stands. Reports the briefs' warnings and errors; anchors into and out of them are checked
/// too.
pub fn rerender_briefs(
    site: &Site,
    templates: &Templates,
    briefs: &[BriefId],
    docs: &mut Documents,
    cache: &mut MarkdownCache,
    diags: &mut Diagnostics,
) {
    let config_hash = hash_of(&format!("{:?}", site.config));
    let cache_ref: &MarkdownCache = cache;
    let results: Vec<Arc<MdEntry>> = briefs
        .par_iter()
        .map(|&b| render_doc(site, templates, config_hash, cache_ref, DocId::Brief(b)))
        .collect();
    let mut rels = HashSet::new();
    for (&b, entry) in briefs.iter().zip(results) {
        diags.extend(entry.errors.iter().cloned());
        if entry.errors.is_empty() {
            cache.warnings.remove(&DocId::Brief(b));
        } else {
            cache.warnings.insert(DocId::Brief(b), entry.errors.clone());
        }
        docs.briefs[b] = Some(entry.rendered.clone());
        docs.references[b] = entry.references.clone();
        let rel = site.briefs[b].doc.rel.clone();
        cache.entries.insert(rel.clone(), entry);
        rels.insert(rel);
    }
    check_anchors(site, docs, Some(&rels), &mut cache.anchored_into, diags);
}

impl MarkdownCache {
    /// The Markdown warnings of every document, in the order a full render reports them.
    pub fn warnings(&self) -> Diagnostics {
        let mut all = Diagnostics::new();
        all.extend(self.warnings.values().flatten().cloned());
        all
    }
}

fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .add_generic_attributes(["id", "class", "aria-label", "role"])
        .add_tags(["figure", "figcaption", "aside", "svg", "section"])
        .clean(html)
        .to_string()
}

/// `@/file.md#anchor` must name a heading that exists in the target. With `only`, checks just
/// the links out of and into those files, finding the files that link into them through
/// `into` (target → files linking to it with an anchor), which a full check rebuilds and a
/// partial one only adds to: a stale entry costs one more file checked, never a missed link.
fn check_anchors(
    site: &Site,
    docs: &Documents,
    only: Option<&HashSet<String>>,
    into: &mut HashMap<String, Vec<String>>,
    diags: &mut Diagnostics,
) {
    let mut ids: HashMap<&str, Option<HashSet<&str>>> = HashMap::new();
    let rendered_of = |rel: &str| {
        let doc = match site.by_rel.get(rel)? {
            DocRef::Brief(b) => &site.briefs[*b].doc,
            DocRef::Section(s) => &site.sections[*s].doc,
        };
        Some((doc, docs.of(site, rel)?))
    };
    let sources: Vec<(&Arc<crate::content::SourceDoc>, &Rendered)> = match only {
        None => {
            into.clear();
            let briefs = site.briefs.iter_enumerated();
            let briefs = briefs.filter_map(|(b, brief)| Some((&brief.doc, docs.brief(b)?)));
            let sections = site.sections.iter_enumerated();
            briefs
                .chain(sections.filter_map(|(s, sec)| Some((&sec.doc, docs.section(s)?))))
                .collect()
        }
        Some(only) => {
            let mut rels: BTreeSet<&str> = only.iter().map(String::as_str).collect();
            for t in only {
                rels.extend(into.get(t).into_iter().flatten().map(String::as_str));
            }
            rels.into_iter().filter_map(rendered_of).collect()
        }
    };
    let mut added = Vec::new();
    for (doc, r) in sources {
        let from_changed = only.is_none_or(|o| o.contains(&doc.rel));
        for link in &r.links {
            let Some(anchor) = &link.anchor else { continue };
            if from_changed {
                added.push((link.target.clone(), doc.rel.clone()));
            } else if !only.is_some_and(|o| o.contains(&link.target)) {
                continue;
            }
            let targets = ids
                .entry(link.target.as_str())
                .or_insert_with(|| rendered_of(&link.target).map(|(_, r)| markdown::id_set(r)));
            let Some(targets) = targets else {
                continue;
            };
            if !targets.contains(anchor.as_str()) {
                let hint = match crate::diagnostics::did_you_mean(anchor, targets.iter().copied()) {
                    Some(s) => format!("did you mean `#{s}`?"),
                    None => format!("headings in {} have ids: {}", link.target, {
                        let mut v: Vec<_> = targets.iter().copied().collect();
                        v.sort();
                        v.join(", ")
                    }),
                };
                diags.push(
                    Diagnostic::error(format!(
                        "broken anchor: {} has no heading `#{anchor}`",
                        link.target
                    ))
                    .in_file(&doc.display)
                    .at(
                        &doc.text,
                        doc.body_start + link.span.start..doc.body_start + link.span.end,
                    )
                    .with_hint(hint),
                );
            }
        }
    }
    for (target, source) in added {
        let list = into.entry(target).or_default();
        if !list.contains(&source) {
            list.push(source);
        }
    }
}
