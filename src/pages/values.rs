//! The values every page shares, derived once per render from the model and the documents:
//! brief summaries (cached across renders on what they are made of), the globals every context
//! starts from, hedge matrices, feeds' brief lists, and the per-entity hashes fingerprints are
//! made of.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use tera::{Context, Value};

use super::context::{self, obj};
use super::documents::Documents;
use super::sitemap::Sitemap;
use super::{PageSpec, feeds, hedge_matrix};
use crate::hashing::{Xxh3, hash_of, hash_value};
use crate::model::{BriefId, SectionId, Site, Table, TaxonomyId, TermId};
use crate::templates::lookup::Lookup;

/// Brief summaries by file, with the key of the inputs they were built from and their hash;
/// kept between renders so an unchanged brief's summary is not rebuilt.
#[derive(Default)]
pub struct SummaryCache(HashMap<String, (u64, Value, u64)>);

/// Everything pages read beyond the model and the documents, derived once per render and shared
/// by all pages. Kept between renders (by `render`) so an edit to one brief patches it
/// ([`SiteValues::update_briefs`]).
pub struct SiteValues {
    pub summaries: Table<BriefId, Value>,
    pub summary_hashes: Table<BriefId, u64>,
    pub globals: Context,
    pub globals_hash: u64,
    pub hedge_matrices: Table<SectionId, Value>,
    /// Per section: the section as pages and `get_section` see it (with its briefs' summaries).
    pub sections: Table<SectionId, Value>,
    /// Per section: its own fields, subsections and hedge matrix (its briefs' summaries are
    /// hashed apart, in `summary_hashes`).
    pub section_hashes: Table<SectionId, u64>,
    /// Per taxonomy: its value with its terms, and that value's hash.
    pub taxonomies: Table<TaxonomyId, (Value, u64)>,
    /// Per section: the hash of its briefs' summaries, in list order. Every page of a
    /// paginated section reads the whole list, so it is hashed here once, not once per page.
    pub section_lists: Table<SectionId, u64>,
    /// Per term: the term as its pages see it (with its briefs' summaries) and the hash of those
    /// summaries; built once, not once for each of a large term's pages.
    pub terms: Table<TaxonomyId, Table<TermId, (Value, u64)>>,
    /// The briefs each feed lists (`None`: the site feed), in feed order.
    pub feeds: HashMap<Option<SectionId>, Vec<BriefId>>,
    pub sitemap: Sitemap,
}

/// Computes what every page shares, reusing cached brief summaries whose key is unchanged.
pub fn derive(
    site: &Site,
    docs: &Documents,
    pages: &[PageSpec],
    assets: &HashMap<String, String>,
    config_hash: u64,
    cache: &mut SummaryCache,
) -> SiteValues {
    let built: Vec<(u64, Value, u64)> = site
        .briefs
        .par_ids()
        .map(|b| {
            let key = summary_key(site, docs, config_hash, b);
            match cache.0.get(&site.briefs[b].doc.rel) {
                Some((k, v, h)) if *k == key => (key, v.clone(), *h),
                _ => {
                    let v = context::brief_summary(site, docs, b);
                    let h = hash_value(&v);
                    (key, v, h)
                }
            }
        })
        .collect();
    cache.0 = site
        .briefs
        .iter()
        .zip(&built)
        .map(|(b, e)| (b.doc.rel.clone(), e.clone()))
        .collect();
    let summaries: Table<BriefId, Value> = built.iter().map(|e| e.1.clone()).collect();
    let summary_hashes: Table<BriefId, u64> = built.iter().map(|e| e.2).collect();
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
                    ("label", Value::from(taxonomy_label(site, &t.name))),
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
    globals.insert_value("t", site.config.strings.value().clone());
    // The language's own root, for links to its home, chronology, search and feeds; static
    // files stay at the site's root (`get_url`).
    let lang_base = format!(
        "{}{}",
        site.config.base_url.trim_end_matches('/'),
        site.language.prefix
    );
    globals.insert_value("lang_base", Value::from(lang_base.as_str()));
    globals.insert_value("lang_prefix", Value::from(site.language.prefix.as_str()));
    // Every language of the site by its own name, for the language switcher.
    let names: tera::Map = site
        .config
        .all_languages()
        .into_iter()
        .map(|code| {
            (
                code.to_string().into(),
                Value::from(site.config.language_name(code)),
            )
        })
        .collect();
    let names = Value::from(names);
    globals.insert_value("language_names", names.clone());
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
        site.config.strings.hash().hash(&mut h);
        lang_base.hash(&mut h);
        hash_value(&names).hash(&mut h);
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
    let hedge_matrices: Table<SectionId, Value> = site
        .sections
        .ids()
        .map(|s| hedge_matrix::value(site, s, &summaries))
        .collect();
    let section_hashes = site
        .sections
        .ids()
        .map(|s| section_hash(site, docs, s, &hedge_matrices[s]))
        .collect();
    let sections = site
        .sections
        .ids()
        .map(|s| context::section_full(site, docs, s, &summaries, hedge_matrices[s].clone()))
        .collect();
    let taxonomies = site
        .taxonomies
        .ids()
        .map(|t| {
            let v = taxonomy_value(site, t);
            let h = hash_value(&v);
            (v, h)
        })
        .collect();
    let section_lists = site
        .sections
        .iter()
        .map(|sec| list_hash(&summary_hashes, &sec.briefs))
        .collect();
    let terms = site
        .taxonomies
        .ids()
        .map(|ti| {
            let tax = &site.taxonomies[ti];
            tax.terms
                .ids()
                .map(|t| term_value(site, ti, t, &summaries, &summary_hashes))
                .collect()
        })
        .collect();
    let mut feeds = HashMap::new();
    feeds.insert(None, feeds::briefs(site, None));
    for (s, sec) in site.sections.iter_enumerated().skip(1) {
        if !sec.briefs.is_empty() {
            feeds.insert(Some(s), feeds::briefs(site, Some(s)));
        }
    }
    SiteValues {
        sitemap: Sitemap::new(site, pages),
        sections,
        taxonomies,
        section_lists,
        terms,
        summaries,
        summary_hashes,
        globals,
        globals_hash,
        hedge_matrices,
        section_hashes,
        feeds,
    }
}

/// The hash of a listing's briefs' summaries, in list order.
pub fn list_hash(summary_hashes: &Table<BriefId, u64>, ids: &[BriefId]) -> u64 {
    let mut h = Xxh3::new();
    for &b in ids {
        summary_hashes[b].hash(&mut h);
    }
    h.finish()
}

/// A term page's `term`: the term's own fields and its briefs' summaries, with the hash of the
/// summaries (its own fields are hashed with its taxonomy's value).
fn term_value(
    site: &Site,
    ti: TaxonomyId,
    t: TermId,
    summaries: &Table<BriefId, Value>,
    summary_hashes: &Table<BriefId, u64>,
) -> (Value, u64) {
    let tax = &site.taxonomies[ti];
    let term = &tax.terms[t];
    let mut tv = context::term_ref(site, tax, term)
        .as_map()
        .cloned()
        .unwrap_or_default();
    let briefs = term.briefs.iter().map(|&b| summaries[b].clone());
    tv.insert("briefs".into(), Value::from(briefs.collect::<Vec<_>>()));
    (Value::from(tv), list_hash(summary_hashes, &term.briefs))
}

/// A summary is a function of the brief's file, its Markdown, its URL and section, and the
/// terms it is filed under (with their counts); rebuilt only when this key changes.
fn summary_key(site: &Site, docs: &Documents, config_hash: u64, b: BriefId) -> u64 {
    let brief = &site.briefs[b];
    let mut h = Xxh3::new();
    config_hash.hash(&mut h);
    brief.doc.hash.hash(&mut h);
    docs.brief(b).map(|r| r.hash).hash(&mut h);
    brief.path.hash(&mut h);
    site.sections[brief.section].path.hash(&mut h);
    for (ti, terms) in brief.terms.iter_enumerated() {
        for &t in terms {
            let term = &site.taxonomies[ti].terms[t];
            (&term.name, &term.slug, term.briefs.len()).hash(&mut h);
        }
    }
    h.finish()
}

fn section_hash(site: &Site, docs: &Documents, s: SectionId, hedge_matrix: &Value) -> u64 {
    let sec = &site.sections[s];
    hash_of(&(
        sec.doc.hash,
        docs.section(s).map(|r| r.hash),
        hash_value(&context::section_nav(site, s)),
        hash_value(hedge_matrix),
    ))
}

/// What a taxonomy is called on the page: its interface string (`actors` -> "Actors", "Acteurs"),
/// else its name capitalised.
pub fn taxonomy_label(site: &Site, name: &str) -> String {
    site.config
        .strings
        .lookup(name)
        .map_or_else(|| capitalize(name), str::to_string)
}

/// A taxonomy with its terms, as templates see it.
pub fn taxonomy_value(site: &Site, ti: TaxonomyId) -> Value {
    let tax = &site.taxonomies[ti];
    obj([
        ("name", Value::from(tax.name.as_str())),
        ("label", Value::from(taxonomy_label(site, &tax.name))),
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

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

impl SiteValues {
    /// What the templates' `get_*` functions look things up in.
    pub fn lookup(&self, site: &Site, assets: &HashMap<String, String>) -> Lookup {
        let mut values = HashMap::with_capacity(site.briefs.len() + site.sections.len());
        for (b, brief) in site.briefs.iter_enumerated() {
            values.insert(brief.doc.rel.clone(), self.summaries[b].clone());
        }
        for (s, sec) in site.sections.iter_enumerated() {
            values.insert(sec.doc.rel.clone(), self.sections[s].clone());
        }
        let taxonomies = site
            .taxonomies
            .ids()
            .map(|t| {
                (
                    site.taxonomies[t].name.clone(),
                    self.taxonomies[t].0.clone(),
                )
            })
            .collect();
        Lookup {
            base_url: site.config.base_url.clone(),
            docs: values,
            taxonomies,
            assets: assets.clone(),
        }
    }
}

/// What an edit to some briefs touched beyond the briefs themselves: the pages reading these
/// are checked too.
#[derive(Default)]
pub struct Touched {
    pub sections: BTreeSet<SectionId>,
    pub taxonomies: BTreeSet<TaxonomyId>,
    pub chronology: bool,
}

impl SiteValues {
    /// Patches the values the `changed` briefs feed (their summaries, their sections' hedge
    /// matrices, their taxonomies, the chronology) after an edit that left the model's
    /// structure alone, and says what was touched. `lookup` gets the same patches.
    pub fn update_briefs(
        &mut self,
        site: &Site,
        docs: &Documents,
        changed: &[BriefId],
        config_hash: u64,
        cache: &mut SummaryCache,
        lookup: &mut Lookup,
    ) -> Touched {
        let mut touched = Touched::default();
        let mut terms = BTreeSet::new();
        for &b in changed {
            let brief = &site.briefs[b];
            let key = summary_key(site, docs, config_hash, b);
            let v = context::brief_summary(site, docs, b);
            let h = hash_value(&v);
            cache.0.insert(brief.doc.rel.clone(), (key, v.clone(), h));
            lookup.docs.insert(brief.doc.rel.clone(), v.clone());
            self.summaries[b] = v;
            self.summary_hashes[b] = h;
            self.sitemap.update_brief(site, b);
            touched.sections.insert(brief.section);
            for (ti, filed) in brief.terms.iter_enumerated() {
                if !filed.is_empty() {
                    touched.taxonomies.insert(ti);
                }
                terms.extend(filed.iter().map(|&t| (ti, t)));
            }
            touched.chronology |= !brief.meta().events.is_empty();
        }
        for &s in &touched.sections {
            self.hedge_matrices[s] = hedge_matrix::value(site, s, &self.summaries);
            self.section_hashes[s] = section_hash(site, docs, s, &self.hedge_matrices[s]);
            self.section_lists[s] = list_hash(&self.summary_hashes, &site.sections[s].briefs);
            // The section page's own `section` value and `get_section` both show its briefs'
            // summaries: refresh the one value they share.
            self.sections[s] = context::section_full(
                site,
                docs,
                s,
                &self.summaries,
                self.hedge_matrices[s].clone(),
            );
            lookup
                .docs
                .insert(site.sections[s].doc.rel.clone(), self.sections[s].clone());
        }
        for (ti, t) in terms {
            self.terms[ti][t] = term_value(site, ti, t, &self.summaries, &self.summary_hashes);
        }
        for &t in &touched.taxonomies {
            let v = taxonomy_value(site, t);
            let h = hash_value(&v);
            lookup
                .taxonomies
                .insert(site.taxonomies[t].name.clone(), v.clone());
            self.taxonomies[t] = (v, h);
        }
        touched
    }
}
