//! What each page reads, declared once. [`PageSource::inputs`] lists a page's inputs, each with
//! the key templates see it under, a hash of it, and how to build its value; the template
//! context is made of those values and the fingerprint of those hashes, so nothing can reach a
//! template that the fingerprint does not cover. Building a value is deferred until the page is
//! actually rendered: checking an unchanged page costs its hashes, not its context.

use std::hash::{Hash, Hasher};

use tera::{Context, Value};

use super::context::{self, obj};
use super::fingerprint::Deps;
use super::titles::{kind_name, title_and_description};
use super::values::list_hash;
use super::{PageKind, PageSource, PageSpec, feeds, paginator};
use crate::hashing::{Xxh3, hash_of};
use crate::model::{BriefId, SectionId};

/// How an input's value is had.
enum Lazy<'s> {
    /// Read by the fingerprint only (the template and its closure, the page number).
    Hidden,
    Ready(Value),
    Build(Box<dyn FnOnce() -> Value + 's>),
}

struct Input<'s> {
    key: &'static str,
    hash: u64,
    value: Lazy<'s>,
}

/// A page's inputs: the values every page shares, then this page's own.
pub struct PageInputs<'s> {
    globals: &'s Context,
    globals_hash: u64,
    list: Vec<Input<'s>>,
    /// The model entities the inputs came from, for the dependency index.
    pub deps: Deps,
}

impl<'s> PageInputs<'s> {
    fn put(&mut self, key: &'static str, hash: u64, value: Lazy<'s>) {
        self.list.push(Input { key, hash, value });
    }

    fn ready(&mut self, key: &'static str, value: &str) {
        self.put(key, hash_of(value), Lazy::Ready(Value::from(value)));
    }

    /// The keys the inputs put in the context, in order.
    pub fn keys(&self) -> Vec<&'static str> {
        let shown = self
            .list
            .iter()
            .filter(|i| !matches!(i.value, Lazy::Hidden));
        shown.map(|i| i.key).collect()
    }

    /// One hash over every input.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Xxh3::new();
        self.globals_hash.hash(&mut h);
        for i in &self.list {
            (i.key, i.hash).hash(&mut h);
        }
        h.finish()
    }

    /// The template context: the shared globals plus every input's value.
    pub fn context(self) -> Context {
        let mut ctx = self.globals.clone();
        for i in self.list {
            let v = match i.value {
                Lazy::Hidden => continue,
                Lazy::Ready(v) => v,
                Lazy::Build(f) => f(),
            };
            ctx.insert_value(i.key, v);
        }
        ctx
    }
}

impl<'s> PageSource<'s> {
    /// Everything `spec`'s page reads, in the order its context is built.
    pub fn inputs(&'s self, spec: &'s PageSpec) -> PageInputs<'s> {
        let site = self.site;
        let values = &self.values;
        let mut inputs = PageInputs {
            globals: &values.globals,
            globals_hash: values.globals_hash,
            list: Vec::with_capacity(8),
            deps: Deps::default(),
        };
        let template = (&spec.template, self.templates.closure_hash(&spec.template));
        inputs.put("#template", hash_of(&template), Lazy::Hidden);
        inputs.ready("page_kind", kind_name(spec.kind));
        let (title, description) = title_and_description(site, spec);
        inputs.ready("page_title", &title);
        inputs.ready("page_description", &description);
        inputs.ready("current_path", &spec.path);
        inputs.ready("current_url", &site.url(&spec.path));
        let (alternates, hash) = self.alternates.value(spec.kind);
        inputs.put("alternates", hash, Lazy::Ready(alternates));
        match self.alternates.x_default(spec.kind) {
            Some(url) => inputs.ready("x_default", url),
            None => inputs.put("x_default", 0, Lazy::Ready(Value::none())),
        }
        // A page with no translation shows its original: it says so, and links to it.
        let original = match super::languages::doc_of(site, spec.kind) {
            Some(rel) if site.language.fallback.contains(rel) => self
                .alternates
                .get(spec.kind)
                .first()
                .map(|a| a.url.clone()),
            _ => None,
        };
        match original {
            Some(url) => inputs.ready("untranslated", &url),
            None => inputs.put("untranslated", 0, Lazy::Ready(Value::none())),
        }
        match spec.kind {
            PageKind::Home(page) | PageKind::Section(_, page) => {
                let s = match spec.kind {
                    PageKind::Section(s, _) => s,
                    _ => SectionId::HOME,
                };
                let list = &site.sections[s].briefs;
                let hash = hash_of(&(values.section_hashes[s], values.section_lists[s]));
                inputs.deps.sections.push(s);
                let section = values.sections[s].clone();
                inputs.put("section", hash, Lazy::Ready(section));
                let per = site.sections[s].meta().paginate_by;
                let per = per.unwrap_or(site.config.paginate_by).max(1);
                self.paginator_input(&mut inputs, &site.sections[s].path, list, page, per);
            }
            PageKind::Brief(b) => {
                self.brief_input(&mut inputs, "brief", b);
                let s = site.briefs[b].section;
                inputs.deps.sections.push(s);
                let nav = Lazy::Build(Box::new(move || context::section_nav(site, s)));
                inputs.put("section", values.section_hashes[s], nav);
            }
            PageKind::TaxonomyList(ti) => {
                inputs.deps.taxonomies.push(ti);
                let (v, h) = &values.taxonomies[ti];
                inputs.put("taxonomy", *h, Lazy::Ready(v.clone()));
            }
            PageKind::Term {
                taxonomy,
                term,
                page,
            } => {
                inputs.deps.taxonomies.push(taxonomy);
                let (v, h) = &values.taxonomies[taxonomy];
                inputs.put("taxonomy", *h, Lazy::Ready(v.clone()));
                let tax = &site.taxonomies[taxonomy];
                let t = &tax.terms[term];
                // The term's own fields are part of the taxonomy's value, hashed in `h`.
                let (tv, briefs_hash) = &values.terms[taxonomy][term];
                inputs.put(
                    "term",
                    hash_of(&(*h, *briefs_hash)),
                    Lazy::Ready(tv.clone()),
                );
                let base = tax.term_path(t);
                let per = site.config.paginate_by;
                self.paginator_input(&mut inputs, &base, &t.briefs, page, per);
            }
            PageKind::Chronology => {
                inputs.deps.chronology = true;
                let (hash, value) = self.chronology();
                inputs.put("chronology", hash, value);
            }
            PageKind::Briefing => {
                let mut h = Xxh3::new();
                for &b in &site.reading_order {
                    self.brief_hash(b, &mut inputs.deps).hash(&mut h);
                }
                let value = Lazy::Build(Box::new(move || {
                    let list = site.reading_order.iter().map(|&b| self.brief_full(b));
                    Value::from(list.collect::<Vec<_>>())
                }));
                inputs.put("briefs", h.finish(), value);
            }
            PageKind::Feed(section) => {
                let ids = self.feed(section);
                let mut h = Xxh3::new();
                for &b in ids {
                    let m = site.briefs[b].meta();
                    values.summary_hashes[b].hash(&mut h);
                    (&m.date, &m.updated, &m.description, &m.bottom_line).hash(&mut h);
                    self.docs.brief(b).map(|r| &r.summary).hash(&mut h);
                }
                inputs.deps.briefs.extend_from_slice(ids);
                if let Some(s) = section {
                    site.sections[s].meta().title.hash(&mut h);
                    inputs.deps.sections.push(s);
                }
                let value = Lazy::Build(Box::new(move || feeds::value(self, section)));
                inputs.put("feed", h.finish(), value);
            }
            PageKind::Sitemap => {
                // Every brief's URL and dates, and every term's URL.
                inputs.deps.briefs.extend(site.briefs.ids());
                inputs.deps.taxonomies.extend(site.taxonomies.ids());
                inputs.put("#sitemap", values.sitemap.hash(), Lazy::Hidden);
            }
            PageKind::ChooseLanguage | PageKind::RootNotFound => {
                let (v, h) = self.alternates.choices();
                inputs.put("choices", h, Lazy::Ready(v));
            }
            PageKind::Search | PageKind::NotFound | PageKind::Robots => {}
        }
        inputs
    }

    /// The briefs on one page of a listing. A listing page records its section or taxonomy,
    /// not each brief: every brief of the list belongs to that section or files a term of that
    /// taxonomy, so that record already brings the page back when one changes, and recording
    /// each brief would put a 50,000-brief term's 1,000 pages into every brief's list.
    fn paginator_input(
        &'s self,
        inputs: &mut PageInputs<'s>,
        base: &str,
        list: &'s [BriefId],
        page: usize,
        per: usize,
    ) {
        let start = (page * per).min(list.len());
        let on_page = &list[start..(start + per).min(list.len())];
        let on_page = list_hash(&self.values.summary_hashes, on_page);
        let hash = hash_of(&(base, page, per, list.len(), on_page));
        let base = base.to_string();
        let value = Lazy::Build(Box::new(move || {
            paginator(self.site, &base, list, page, per, &self.values.summaries).0
        }));
        inputs.put("paginator", hash, value);
    }

    fn brief_input(&'s self, inputs: &mut PageInputs<'s>, key: &'static str, b: BriefId) {
        let hash = self.brief_hash(b, &mut inputs.deps);
        inputs.put(key, hash, Lazy::Build(Box::new(move || self.brief_full(b))));
    }

    /// Everything [`context::brief_full`] reads: the brief's file and Markdown, its summary
    /// and citations, its folder's files, and the summaries of its related and neighbouring
    /// briefs (each recorded in `deps`).
    fn brief_hash(&self, b: BriefId, deps: &mut Deps) -> u64 {
        let brief = &self.site.briefs[b];
        let summaries = &self.values.summary_hashes;
        let mut h = Xxh3::new();
        brief.doc.hash.hash(&mut h);
        self.docs.brief(b).map(|r| r.hash).hash(&mut h);
        summaries[b].hash(&mut h);
        self.docs.references(b).hash(&mut h);
        brief.bundle_dir.hash(&mut h);
        let neighbours = self.neighbours(b);
        for &o in brief.related.iter().chain(&neighbours) {
            summaries[o].hash(&mut h);
        }
        deps.briefs.extend_from_slice(&brief.related);
        deps.briefs.extend_from_slice(&neighbours);
        deps.briefs.push(b);
        h.finish()
    }

    fn brief_full(&self, b: BriefId) -> Value {
        context::brief_full(self.site, self.docs, b, &self.values.summaries)
    }

    /// The chronology: each event as its date, text and brief, grouped by year. The hash is
    /// taken over the same fields the value is printed from (the date whole: its ISO and
    /// display forms are functions of it).
    fn chronology(&'s self) -> (u64, Lazy<'s>) {
        let site = self.site;
        let mut h = Xxh3::new();
        for e in &site.chronology {
            let summary = e.brief.map(|b| self.values.summary_hashes[b]);
            (&e.date, &e.text, summary).hash(&mut h);
        }
        let value = Lazy::Build(Box::new(move || {
            let mut years: Vec<(i32, Vec<Value>)> = Vec::new();
            let strings = &site.config.strings;
            let names = crate::date::MonthNames::read(|k| strings.lookup(k));
            for e in &site.chronology {
                let v = obj([
                    ("date", Value::from(e.date.iso())),
                    (
                        "display_date",
                        Value::from(
                            e.date
                                .format_in(site.config.strings.get("date_format"), &names),
                        ),
                    ),
                    ("text", Value::from(e.text.as_str())),
                    (
                        "brief",
                        e.brief
                            .map(|b| self.values.summaries[b].clone())
                            .unwrap_or_else(Value::none),
                    ),
                ]);
                match years.last_mut() {
                    Some((y, list)) if *y == e.date.year => list.push(v),
                    _ => years.push((e.date.year, vec![v])),
                }
            }
            let years = years.into_iter().map(|(y, events)| {
                obj([("year", Value::from(y)), ("events", Value::from(events))])
            });
            Value::from(years.collect::<Vec<_>>())
        }));
        (h.finish(), value)
    }
}
