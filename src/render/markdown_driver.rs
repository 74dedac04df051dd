//! The Markdown driver: renders every brief's and section's Markdown (in parallel, cached per
//! document on its text and on what it used: link targets, shortcode templates, data files)
//! and checks `@/file.md#anchor` links against the headings of their targets.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::templates::Templates;
use super::{Links, RenderCache, hash_of, shortcode_host};
use crate::diagnostics::Diagnostic;
use crate::markdown::{self, Rendered};
use crate::model::{BriefId, SectionId, Site};

/// Cached Markdown render of one document.
pub(super) struct MdEntry {
    pub(super) doc_hash: u64,
    pub(super) env: u64,
    pub(super) link_targets: Vec<String>,
    pub(super) used_templates: Vec<String>,
    pub(super) used_data: Vec<String>,
    pub(super) rendered: Arc<Rendered>,
    pub(super) references: Arc<Vec<(String, usize)>>,
    pub(super) errors: Vec<Diagnostic>,
}

fn md_env(site: &Site, templates: &Templates, config_hash: u64, e: &MdEntry) -> u64 {
    md_env_of(
        site,
        templates,
        config_hash,
        &e.link_targets,
        &e.used_templates,
        &e.used_data,
    )
}

/// What a document's Markdown render depends on besides its own text.
fn md_env_of(
    site: &Site,
    templates: &Templates,
    config_hash: u64,
    targets: &[String],
    tpls: &[String],
    data: &[String],
) -> u64 {
    let mut h = Xxh3::new();
    config_hash.hash(&mut h);
    for t in targets {
        let linked = site.link_names.find(t).and_then(|r| site.path_of(r));
        (site.path_of(t), linked).hash(&mut h);
    }
    for t in tpls {
        templates.closure_hash(t).hash(&mut h);
    }
    for d in data {
        site.data.get(d).map(|f| f.hash).hash(&mut h);
    }
    h.finish()
}

#[derive(Clone, Copy)]
enum MdJob {
    Section(SectionId),
    Brief(BriefId),
}

/// Renders one document's Markdown, or reuses the cached render when neither its text nor
/// anything it used changed.
fn render_doc(
    site: &Site,
    templates: &Templates,
    config_hash: u64,
    cache: &RenderCache,
    job: MdJob,
) -> Arc<MdEntry> {
    let content_dir = site.root.join("content");
    let (doc, sources, bundle_dir, path) = match job {
        MdJob::Section(s) => (&site.sections[s].doc, &[][..], None, &site.sections[s].path),
        MdJob::Brief(b) => {
            let br = &site.briefs[b];
            (
                &br.doc,
                &br.meta().sources[..],
                br.bundle_dir.as_deref(),
                &br.path,
            )
        }
    };
    if let Some(c) = cache.markdown.get(&doc.rel)
        && c.doc_hash == doc.hash
        && c.env == md_env(site, templates, config_hash, c)
    {
        return c.clone();
    }
    let links = Links(site);
    let mut host = shortcode_host::Host {
        templates,
        data: &site.data,
        sources,
        links: &links,
        bundle_dir,
        content_dir: &content_dir,
        page_url: site.url(path),
        references: Vec::new(),
        used_templates: Vec::new(),
        used_data: Vec::new(),
        body_errors: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut rendered = markdown::render(doc.body(), &links, &mut host, &mut errors);
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
    let mut link_targets: Vec<String> = rendered.links.iter().map(|l| l.target.clone()).collect();
    // Broken links are part of the environment too: creating the target must re-render.
    link_targets.extend(crate::linkpath::written_targets(doc.body()));
    link_targets.sort();
    link_targets.dedup();
    let env = md_env_of(
        site,
        templates,
        config_hash,
        &link_targets,
        &host.used_templates,
        &host.used_data,
    );
    Arc::new(MdEntry {
        doc_hash: doc.hash,
        env,
        link_targets,
        used_templates: host.used_templates,
        used_data: host.used_data,
        rendered: Arc::new(rendered),
        references: Arc::new(host.references),
        errors: diags,
    })
}

/// Renders the Markdown of every brief and section into the model. Cached per document on
/// (file text, what its links resolved to, shortcode templates and data files it used).
pub fn render_markdown(
    site: &mut Site,
    templates: &Templates,
    cache: &mut RenderCache,
    diags: &mut Vec<Diagnostic>,
) {
    let config_hash = hash_of(&format!("{:?}", site.config));
    let jobs: Vec<MdJob> = (0..site.sections.len())
        .map(MdJob::Section)
        .chain((0..site.briefs.len()).map(MdJob::Brief))
        .collect();
    let site_ref: &Site = site;
    let cache_ref: &RenderCache = cache;
    let results: Vec<Arc<MdEntry>> = jobs
        .par_iter()
        .map(|&job| render_doc(site_ref, templates, config_hash, cache_ref, job))
        .collect();
    let mut new_cache = HashMap::with_capacity(results.len());
    cache.md_warnings.clear();
    for (i, (job, entry)) in jobs.iter().zip(results).enumerate() {
        diags.extend(entry.errors.iter().cloned());
        if !entry.errors.is_empty() {
            cache.md_warnings.insert(i, entry.errors.clone());
        }
        let rel = match *job {
            MdJob::Section(s) => &site.sections[s].doc.rel,
            MdJob::Brief(b) => &site.briefs[b].doc.rel,
        };
        new_cache.insert(rel.clone(), entry);
    }
    for s in &mut site.sections {
        s.rendered = new_cache.get(&s.doc.rel).map(|e| e.rendered.clone());
    }
    for b in &mut site.briefs {
        b.rendered = new_cache.get(&b.doc.rel).map(|e| e.rendered.clone());
    }
    cache.markdown = new_cache;
    check_anchors(site, None, &mut cache.anchored_into, diags);
}

/// Renders the Markdown of the given briefs only: after an edit that changed their files and
/// nothing else, every other document's render (and everything it depends on) stands.
/// Returns the briefs' warnings and errors; anchors into and out of them are checked too.
pub fn render_markdown_of(
    site: &mut Site,
    templates: &Templates,
    briefs: &[BriefId],
    cache: &mut RenderCache,
    diags: &mut Vec<Diagnostic>,
) {
    let config_hash = hash_of(&format!("{:?}", site.config));
    let site_ref: &Site = site;
    let cache_ref: &RenderCache = cache;
    let results: Vec<Arc<MdEntry>> = briefs
        .par_iter()
        .map(|&b| render_doc(site_ref, templates, config_hash, cache_ref, MdJob::Brief(b)))
        .collect();
    let mut rels = HashSet::new();
    let sections = site.sections.len();
    for (&b, entry) in briefs.iter().zip(results) {
        diags.extend(entry.errors.iter().cloned());
        if entry.errors.is_empty() {
            cache.md_warnings.remove(&(sections + b));
        } else {
            cache.md_warnings.insert(sections + b, entry.errors.clone());
        }
        site.briefs[b].rendered = Some(entry.rendered.clone());
        let rel = site.briefs[b].doc.rel.clone();
        cache.markdown.insert(rel.clone(), entry);
        rels.insert(rel);
    }
    check_anchors(site, Some(&rels), &mut cache.anchored_into, diags);
}

/// The Markdown warnings of every document, in the order a full render reports them.
pub fn markdown_warnings(cache: &RenderCache) -> Vec<Diagnostic> {
    cache.md_warnings.values().flatten().cloned().collect()
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
    only: Option<&HashSet<String>>,
    into: &mut HashMap<String, Vec<String>>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut ids: HashMap<&str, Option<HashSet<&str>>> = HashMap::new();
    let rendered_of = |rel: &str| match site.by_rel.get(rel)? {
        crate::model::DocRef::Brief(b) => {
            Some((&site.briefs[*b].doc, site.briefs[*b].rendered.as_deref()?))
        }
        crate::model::DocRef::Section(s) => Some((
            &site.sections[*s].doc,
            site.sections[*s].rendered.as_deref()?,
        )),
    };
    let sources: Vec<(&Arc<crate::content::SourceDoc>, &Rendered)> = match only {
        None => {
            into.clear();
            site.briefs
                .iter()
                .map(|b| (&b.doc, &b.rendered))
                .chain(site.sections.iter().map(|s| (&s.doc, &s.rendered)))
                .filter_map(|(d, r)| Some((d, r.as_deref()?)))
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
