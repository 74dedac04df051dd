//! Stage 3: the site model. One graph of sections, briefs, taxonomies, chronology and data that
//! every later stage borrows from; nothing after this stage reads content files again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Config;
use crate::content::data::DataFile;
use crate::content::meta::{BriefMeta, Event, SectionMeta, SortBy};
use crate::content::{Asset, Content, DocKind, SourceDoc};
use crate::date::PartialDate;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::slug::slugify;

mod editions;
pub use editions::PDF_MAX_BODY;
mod ids;
mod related;
#[cfg(test)]
mod tests;

pub use ids::{BriefId, Id, SectionId, Table, TaxonomyId, TermId};

#[derive(Debug)]
pub struct Section {
    pub doc: Arc<SourceDoc>,
    /// URL path: `/` for the home page, `/hedges/` for a section.
    pub path: String,
    pub parent: Option<SectionId>,
    pub subsections: Vec<SectionId>,
    /// Briefs directly in this section, in the section's sort order.
    pub briefs: Vec<BriefId>,
}

impl Section {
    pub fn meta(&self) -> &SectionMeta {
        match &self.doc.kind {
            DocKind::Section(m) => m,
            DocKind::Brief(_) | DocKind::Translation { .. } => {
                unreachable!("sections are built from _index.md files only")
            }
        }
    }
}

#[derive(Debug)]
pub struct Brief {
    pub doc: Arc<SourceDoc>,
    pub path: String,
    pub section: SectionId,
    /// For folder briefs (`russia/index.md`): the folder, relative to content/.
    pub bundle_dir: Option<String>,
    /// Per taxonomy (in config order): the terms this brief is filed under.
    pub terms: Table<TaxonomyId, Vec<TermId>>,
    pub related: Vec<BriefId>,
    /// Position in reading order (the full briefing, previous/next links).
    pub order: usize,
}

impl Brief {
    pub fn meta(&self) -> &BriefMeta {
        match &self.doc.kind {
            DocKind::Brief(m) => m,
            DocKind::Section(_) | DocKind::Translation { .. } => {
                unreachable!("briefs are built from non-index files only")
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Term {
    pub name: String,
    pub slug: String,
    /// Briefs filed under the term, newest first.
    pub briefs: Vec<BriefId>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// The taxonomy as the config and templates name it (`actors`).
    pub name: String,
    pub terms: Table<TermId, Term>,
    /// Its URL: the language's prefix and the taxonomy's name in that language
    /// (`/fr/acteurs/`); `/actors/` in the default language.
    pub url_name: String,
    pub prefix: String,
}

impl Taxonomy {
    pub fn path(&self) -> String {
        format!("{}/{}/", self.prefix, self.url_name)
    }
    pub fn term_path(&self, t: &Term) -> String {
        format!("{}/{}/{}/", self.prefix, self.url_name, t.slug)
    }
}

/// Which language a site model is: its code, the URL prefix of its pages (`/fr`; empty for
/// the default language), and the content files it shows in
/// the original's language for want of a translation.
#[derive(Debug, Clone, Default)]
pub struct Language {
    pub code: String,
    pub prefix: String,
    pub fallback: HashSet<String>,
    /// Whether this is the site's default language.
    pub default: bool,
}

/// One event of the chronology.
#[derive(Debug, Clone)]
pub struct ChronoEvent {
    pub date: PartialDate,
    pub text: String,
    pub brief: Option<BriefId>,
}

#[derive(Debug)]
pub struct Site {
    pub config: Arc<Config>,
    pub root: PathBuf,
    /// Index 0 is the home page (`content/_index.md`).
    pub sections: Table<SectionId, Section>,
    pub briefs: Table<BriefId, Brief>,
    /// Content file (`hedges/china.md`) to what it is.
    pub by_rel: HashMap<String, DocRef>,
    pub taxonomies: Table<TaxonomyId, Taxonomy>,
    pub data: BTreeMap<String, Arc<DataFile>>,
    pub assets: Vec<Asset>,
    /// Briefs in reading order: sections depth-first by weight, briefs in section order.
    pub reading_order: Vec<BriefId>,
    pub chronology: Vec<ChronoEvent>,
    /// Content files that failed to load (their errors are already reported).
    pub failed: HashSet<String>,
    /// URL paths draft briefs would have, left out of this build (`serve` answers them with
    /// a hint to preview drafts).
    pub drafts: Vec<String>,
    /// Loaded and failed content files by the names `@/` links may use.
    pub link_names: crate::linkpath::LinkNames,
    pub language: Language,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocRef {
    Section(SectionId),
    Brief(BriefId),
}

/// URL paths briefing generates itself; content may not claim them.
pub const RESERVED: [&str; 6] = [
    "/chronology/",
    "/briefing/",
    "/search/",
    "/pagefind/",
    "/404.html",
    "/atom.xml",
];

fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn dir_url(dir: &str) -> String {
    if dir.is_empty() {
        return "/".into();
    }
    let mut s = String::from("/");
    for c in dir.split('/') {
        s.push_str(&slugify(c));
        s.push('/');
    }
    s
}

impl Site {
    /// Swaps an edited brief's reread file into the model, when the edit leaves everything
    /// [`Site::build`] derived from the brief as it was ([`same_structure`]); otherwise leaves
    /// the model alone and returns false, and the caller rebuilds it.
    pub fn replace_brief_doc(&mut self, b: BriefId, doc: Arc<SourceDoc>) -> bool {
        let Some(brief) = self.briefs.get_mut(b) else {
            return false;
        };
        let (DocKind::Brief(old), DocKind::Brief(new)) = (&brief.doc.kind, &doc.kind) else {
            return false;
        };
        if !same_structure(old, new) {
            return false;
        }
        brief.doc = doc;
        true
    }

    /// Builds the model from loaded content. Problems are collected in `diags`.
    pub fn build(
        config: Arc<Config>,
        root: PathBuf,
        content: &Content,
        drafts: bool,
        diags: &mut Diagnostics,
    ) -> Site {
        let mut sections: Table<SectionId, Section> = Table::new();
        let mut briefs: Table<BriefId, Brief> = Table::new();
        let mut section_dirs: HashMap<String, SectionId> = HashMap::new();

        let mut docs: Vec<&Arc<SourceDoc>> = content.docs.iter().collect();
        docs.sort_by(|a, b| a.rel.cmp(&b.rel));

        // Home first so it gets id 0.
        if let Some(home) = docs.iter().find(|d| d.rel == "_index.md") {
            section_dirs.insert(String::new(), SectionId::HOME);
            sections.push(Section {
                doc: (*home).clone(),
                path: "/".into(),
                parent: None,
                subsections: vec![],
                briefs: vec![],
            });
        } else {
            diags.push(
                Diagnostic::error("the home page content/_index.md is missing")
                    .with_hint("create content/_index.md with +++\\ntitle = \"My briefing\"\\n+++"),
            );
            return Site::empty(config, root);
        }
        for d in &docs {
            if let DocKind::Section(m) = &d.kind
                && d.rel != "_index.md"
            {
                if m.draft && !drafts {
                    continue;
                }
                let dir = parent_dir(&d.rel).to_string();
                section_dirs.insert(dir.clone(), sections.next_id());
                sections.push(Section {
                    doc: (*d).clone(),
                    path: dir_url(&dir),
                    parent: None,
                    subsections: vec![],
                    briefs: vec![],
                });
            }
        }
        let nearest_section = |dir: &str| -> SectionId {
            let mut d = dir;
            loop {
                if let Some(&s) = section_dirs.get(d) {
                    return s;
                }
                match d.rsplit_once('/') {
                    Some((p, _)) => d = p,
                    None => return SectionId::HOME,
                }
            }
        };
        for i in sections.ids().skip(1) {
            let dir = parent_dir(&sections[i].doc.rel);
            let parent = nearest_section(parent_dir_of_dir(dir));
            sections[i].parent = Some(parent);
            sections[parent].subsections.push(i);
        }

        // Folders that hold a brief's index.md are bundles: their other files belong to the brief.
        let mut unpublished = Vec::new();
        for d in &docs {
            let DocKind::Brief(m) = &d.kind else { continue };
            let draft = m.draft && !drafts;
            let file = d.rel.rsplit('/').next().unwrap_or(&d.rel);
            let is_bundle = file == "index.md";
            let dir = parent_dir(&d.rel);
            let (container, default_slug, bundle_dir) = if is_bundle {
                let name = dir.rsplit('/').next().unwrap_or(dir);
                (
                    parent_dir_of_dir(dir),
                    name.to_string(),
                    Some(dir.to_string()),
                )
            } else {
                (dir, file.trim_end_matches(".md").to_string(), None)
            };
            let slug = match &m.slug {
                Some(s) => {
                    let clean = slugify(s);
                    if clean.is_empty() && !draft {
                        diags.push(
                            Diagnostic::error(format!("slug `{s}` has no usable characters"))
                                .in_file(&d.display)
                                .with_hint("use letters and digits, e.g. slug = \"china\""),
                        );
                    }
                    clean
                }
                None => slugify(&default_slug),
            };
            let path = format!("{}{}/", dir_url(container), slug);
            if draft {
                unpublished.push(path);
                continue;
            }
            let section = nearest_section(container);
            briefs.push(Brief {
                doc: (*d).clone(),
                path,
                section,
                bundle_dir,
                terms: Table::new(),
                related: vec![],
                order: 0,
            });
        }

        // Two files claiming one URL is an error naming both.
        let mut by_path: HashMap<&str, &SourceDoc> = HashMap::new();
        let reserved: HashSet<String> = RESERVED
            .iter()
            .map(|s| s.to_string())
            .chain(config.taxonomies.iter().map(|t| format!("/{t}/")))
            .collect();
        for (path, doc) in sections
            .iter()
            .map(|s| (s.path.as_str(), &*s.doc))
            .chain(briefs.iter().map(|b| (b.path.as_str(), &*b.doc)))
        {
            if reserved.contains(path) {
                diags.push(
                    Diagnostic::error(format!(
                        "{} would be published at {path}, which briefing generates itself",
                        doc.rel
                    ))
                    .in_file(&doc.display)
                    .at(&doc.text, claim_span(doc))
                    .with_hint("rename the file or set another `slug`"),
                );
            }
            if let Some(other) = by_path.insert(path, doc) {
                // Point at the file whose `slug` causes the clash when only one sets it.
                let blame = if slug_line(doc).is_none() && slug_line(other).is_some() {
                    other
                } else {
                    doc
                };
                diags.push(
                    Diagnostic::error(format!(
                        "two files claim the URL {path}: {} and {}",
                        other.display.display(),
                        doc.display.display()
                    ))
                    .in_file(&blame.display)
                    .at(&blame.text, claim_span(blame))
                    .with_hint("give one of them another file name or `slug`"),
                );
            }
        }

        let mut by_rel = HashMap::new();
        for (i, s) in sections.iter_enumerated() {
            by_rel.insert(s.doc.rel.clone(), DocRef::Section(i));
        }
        for (i, b) in briefs.iter_enumerated() {
            by_rel.insert(b.doc.rel.clone(), DocRef::Brief(i));
            sections[b.section].briefs.push(i);
        }

        // Sort each section's briefs, then subsections by weight and title.
        for s in sections.ids() {
            let sort_by = sections[s].meta().sort_by;
            let mut list = std::mem::take(&mut sections[s].briefs);
            sort_briefs(&mut list, &briefs, sort_by);
            sections[s].briefs = list;
            let mut subs = std::mem::take(&mut sections[s].subsections);
            subs.sort_by(|&a, &b| {
                let (ma, mb) = (sections[a].meta(), sections[b].meta());
                ma.weight
                    .cmp(&mb.weight)
                    .then_with(|| ma.title.cmp(&mb.title))
                    .then_with(|| a.cmp(&b))
            });
            sections[s].subsections = subs;
        }

        let mut reading_order = Vec::with_capacity(briefs.len());
        let mut stack = vec![SectionId::HOME];
        while let Some(s) = stack.pop() {
            reading_order.extend(sections[s].briefs.iter().copied());
            stack.extend(sections[s].subsections.iter().rev().copied());
        }
        for (i, &b) in reading_order.iter().enumerate() {
            briefs[b].order = i;
        }

        let taxonomies = build_taxonomies(&config, &mut briefs, diags);
        compute_related(&mut briefs, &taxonomies);

        let data: BTreeMap<String, Arc<DataFile>> = content
            .data
            .iter()
            .filter(|d| d.language.as_deref().is_none_or(|l| l == config.language))
            .map(|d| (d.name.clone(), d.clone()))
            .collect();
        let chronology = build_chronology(&briefs, &data, diags);
        let code = config.language.clone();

        let assets = content
            .assets
            .iter()
            .filter(|a| {
                // A draft bundle's files stay unpublished with it.
                let dir = parent_dir(&a.rel);
                !docs.iter().any(|d| {
                    matches!(&d.kind, DocKind::Brief(m) if m.draft && !drafts)
                        && d.rel.ends_with("/index.md")
                        && dir.starts_with(parent_dir(&d.rel))
                })
            })
            .cloned()
            .collect();

        Site {
            config,
            root,
            sections,
            briefs,
            by_rel,
            taxonomies,
            data,
            assets,
            reading_order,
            chronology,
            failed: content.failed.iter().cloned().collect(),
            drafts: unpublished,
            link_names: crate::linkpath::LinkNames::new(
                content
                    .docs
                    .iter()
                    .filter(|d| !matches!(d.kind, DocKind::Translation { .. }))
                    .map(|d| d.rel.as_str())
                    .chain(content.failed.iter().map(String::as_str)),
            ),
            language: Language {
                code,
                prefix: String::new(),
                fallback: HashSet::new(),
                default: true,
            },
        }
    }

    /// Makes this model the site in `language`: every page path under its prefix, the
    /// taxonomies under their names in that language, and the terms under their labels in it
    /// (`labels`: taxonomy, term slug -> label).
    pub fn localize(
        &mut self,
        language: Language,
        taxonomy_names: &BTreeMap<String, String>,
        labels: &dyn Fn(&str, &str) -> Option<String>,
    ) {
        let prefix = language.prefix.clone();
        if !prefix.is_empty() {
            for s in self.sections.iter_mut() {
                s.path = format!("{prefix}{}", s.path);
            }
            for b in self.briefs.iter_mut() {
                b.path = format!("{prefix}{}", b.path);
            }
            for d in &mut self.drafts {
                *d = format!("{prefix}{d}");
            }
        }
        for t in self.taxonomies.iter_mut() {
            t.prefix = prefix.clone();
            if let Some(n) = taxonomy_names.get(&t.name) {
                t.url_name = n.clone();
            }
            for term in t.terms.iter_mut() {
                if let Some(label) = labels(&t.name, &term.slug) {
                    let slug = slugify(&label);
                    term.name = label;
                    if !slug.is_empty() {
                        term.slug = slug;
                    }
                }
            }
        }
        self.language = language;
    }

    fn empty(config: Arc<Config>, root: PathBuf) -> Site {
        Site {
            config,
            root,
            sections: Table::new(),
            briefs: Table::new(),
            by_rel: HashMap::new(),
            taxonomies: Table::new(),
            data: BTreeMap::new(),
            assets: vec![],
            reading_order: vec![],
            chronology: vec![],
            failed: HashSet::new(),
            drafts: vec![],
            link_names: Default::default(),
            language: Language::default(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.config.url_for(path)
    }

    /// URL path of a content file, for `@/` links.
    pub fn path_of(&self, rel: &str) -> Option<&str> {
        match self.by_rel.get(rel)? {
            DocRef::Section(s) => Some(&self.sections[*s].path),
            DocRef::Brief(b) => Some(&self.briefs[*b].path),
        }
    }

    /// Where a bundle asset is published: beside its brief's page.
    pub fn asset_output(&self, asset: &Asset) -> String {
        for b in &self.briefs {
            if let Some(dir) = &b.bundle_dir
                && let Some(rest) = asset.rel.strip_prefix(&format!("{dir}/"))
            {
                return format!("{}{rest}", b.path.trim_start_matches('/'));
            }
        }
        // Every language has its copy, so a page's relative link to it works in each.
        match self.language.prefix.trim_start_matches('/') {
            "" => asset.rel.clone(),
            p => format!("{p}/{}", asset.rel),
        }
    }
}

/// The `slug = ...` line of a document's front matter, if it sets one.
fn slug_line(doc: &SourceDoc) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in doc.text[..doc.body_start].split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with('[') {
            break; // top-level keys come before the first table
        }
        if t.strip_prefix("slug")
            .is_some_and(|r| r.trim_start().starts_with('='))
        {
            return Some(offset + line.len() - t.len()..offset + line.trim_end().len());
        }
        offset += line.len();
    }
    None
}

/// Where a URL clash is shown: the `slug` line, or else the file's first line.
fn claim_span(doc: &SourceDoc) -> std::ops::Range<usize> {
    slug_line(doc).unwrap_or_else(|| 0..doc.text.find('\n').unwrap_or(doc.text.len()))
}

fn parent_dir_of_dir(dir: &str) -> &str {
    dir.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

/// Whether two versions of a brief's front matter give the same model: the same URL, the same
/// place in every ordering (sections, feeds, related briefs), the same terms and the same
/// chronology events. When they are equal an edit can swap the brief's document into the model
/// instead of rebuilding it.
///
/// The front matter is destructured without `..`, so a new field does not compile until it is
/// classified here: compared, when [`Site::build`] (sorting, slugs, drafts, taxonomies, related
/// briefs, chronology) reads it; ignored with the reason, when only later stages read it (they
/// derive their values again after a patch, and their fingerprints cover what they read).
pub fn same_structure(a: &BriefMeta, b: &BriefMeta) -> bool {
    let BriefMeta {
        title,
        date,
        draft,
        weight,
        slug,
        translation_key,
        actors,
        topics,
        taxonomies,
        events,
        // Shown on pages, in feeds and the sitemap; no ordering reads it.
        updated: _,
        // Text of pages, listings and feeds.
        description: _,
        authors: _,
        bottom_line: _,
        key_judgments: _,
        // Read by the brief's own `cite` shortcodes, rendered again with its body.
        sources: _,
        // Feeds its section's hedge matrix, which the shared values derive per section.
        hedge: _,
        // For templates only.
        extra: _,
    } = a;
    *title == b.title
        && *date == b.date
        && *draft == b.draft
        && *weight == b.weight
        && *slug == b.slug
        && *translation_key == b.translation_key
        && *actors == b.actors
        && *topics == b.topics
        && *taxonomies == b.taxonomies
        && events.len() == b.events.len()
        && events.iter().zip(&b.events).all(|(x, y)| same_event(x, y))
}

/// Both fields of an event are the chronology's: its place (date, then its position among the
/// brief's events) and what it shows.
fn same_event(a: &Event, b: &Event) -> bool {
    let Event { date, text } = a;
    *date == b.date && *text == b.text
}

pub fn sort_briefs(list: &mut [BriefId], briefs: &Table<BriefId, Brief>, sort_by: SortBy) {
    list.sort_by(|&a, &b| {
        let (ma, mb) = (briefs[a].meta(), briefs[b].meta());
        let primary = match sort_by {
            SortBy::Date => mb.date.cmp(&ma.date),
            SortBy::Weight => ma.weight.cmp(&mb.weight),
            SortBy::Title => ma.title.cmp(&mb.title),
        };
        primary
            .then_with(|| ma.title.cmp(&mb.title))
            .then_with(|| briefs[a].doc.rel.cmp(&briefs[b].doc.rel))
    });
}

fn build_taxonomies(
    config: &Config,
    briefs: &mut Table<BriefId, Brief>,
    diags: &mut Diagnostics,
) -> Table<TaxonomyId, Taxonomy> {
    let mut out = Table::new();
    for b in briefs.iter_mut() {
        b.terms = vec![Vec::new(); config.taxonomies.len()].into();
        for key in b.meta().taxonomies.keys() {
            if !config.taxonomies.contains(key) {
                diags.push(
                    Diagnostic::error(format!("unknown taxonomy `{key}`"))
                        .in_file(&b.doc.display)
                        .with_hint(format!(
                            "add \"{key}\" to `taxonomies` in briefing.toml, or use one of: {}",
                            config.taxonomies.join(", ")
                        )),
                );
            }
        }
    }
    for (ti, name) in config.taxonomies.iter().enumerate() {
        let ti = TaxonomyId::new(ti);
        let mut terms: Table<TermId, Term> = Table::new();
        let mut by_slug: HashMap<String, TermId> = HashMap::new();
        // By id: the loop mutates briefs[bi] while reading it.
        for bi in briefs.ids() {
            let names: Vec<String> = briefs[bi].meta().terms(name).to_vec();
            for term_name in names {
                let slug = slugify(&term_name);
                if slug.is_empty() {
                    diags.push(
                        Diagnostic::error(format!("empty {name} term"))
                            .in_file(&briefs[bi].doc.display)
                            .with_hint("remove the empty string from the list"),
                    );
                    continue;
                }
                let idx = match by_slug.get(&slug) {
                    Some(&i) => {
                        if terms[i].name != term_name
                            && terms[i].name.to_lowercase() != term_name.to_lowercase()
                        {
                            diags.push(
                                Diagnostic::warning(format!("{name} terms \"{}\" and \"{term_name}\" share the URL /{name}/{slug}/ and are merged", terms[i].name))
                                    .in_file(&briefs[bi].doc.display)
                                    .with_hint("spell the term the same way in every brief"),
                            );
                        }
                        i
                    }
                    None => {
                        by_slug.insert(slug.clone(), terms.next_id());
                        terms.push(Term {
                            name: term_name.clone(),
                            slug,
                            briefs: vec![],
                        })
                    }
                };
                // Briefs are filed in id order, so a repeat of this brief can only be the last
                // entry: checking the whole list made a term on every brief quadratic.
                if terms[idx].briefs.last() != Some(&bi) {
                    terms[idx].briefs.push(bi);
                    briefs[bi].terms[ti].push(idx);
                }
            }
        }
        // Sort terms by name; remap brief term indices accordingly.
        let mut order: Vec<TermId> = terms.ids().collect();
        order.sort_by(|&a, &b| {
            terms[a]
                .name
                .to_lowercase()
                .cmp(&terms[b].name.to_lowercase())
                .then_with(|| terms[a].slug.cmp(&terms[b].slug))
        });
        let mut remap: Table<TermId, TermId> = vec![TermId::new(0); terms.len()].into();
        for (new, &old) in order.iter().enumerate() {
            remap[old] = TermId::new(new);
        }
        let mut sorted: Table<TermId, Term> = order.iter().map(|&i| terms[i].clone()).collect();
        for t in &mut sorted {
            sort_briefs(&mut t.briefs, briefs, SortBy::Date);
        }
        for b in briefs.iter_mut() {
            for t in &mut b.terms[ti] {
                *t = remap[*t];
            }
        }
        out.push(Taxonomy {
            name: name.clone(),
            terms: sorted,
            url_name: name.clone(),
            prefix: String::new(),
        });
    }
    out
}

/// Related briefs by the scoring of [`related`]; ties go to the newer brief.
fn compute_related(briefs: &mut Table<BriefId, Brief>, taxonomies: &Table<TaxonomyId, Taxonomy>) {
    let lists: Vec<&[BriefId]> = taxonomies
        .iter()
        .flat_map(|t| t.terms.iter().map(|term| term.briefs.as_slice()))
        .collect();
    // Ties go by one precomputed rank rather than by comparing dates and file names: ties are
    // common (briefs filed under the same terms) and each comparison would touch two briefs'
    // documents.
    let mut by_age: Vec<BriefId> = briefs.ids().collect();
    by_age.sort_by(|&a, &b| {
        let (ma, mb) = (briefs[a].meta(), briefs[b].meta());
        mb.date
            .cmp(&ma.date)
            .then_with(|| briefs[a].doc.rel.cmp(&briefs[b].doc.rel))
    });
    let mut rank: Table<BriefId, usize> = vec![0; briefs.len()].into();
    for (r, &b) in by_age.iter().enumerate() {
        rank[b] = r;
    }
    let newer = |a: BriefId, b: BriefId| rank[a].cmp(&rank[b]);
    let related = related::select(briefs.len(), &lists, &newer);
    for (b, r) in briefs.iter_mut().zip(related) {
        b.related = r;
    }
}

fn build_chronology(
    briefs: &Table<BriefId, Brief>,
    data: &BTreeMap<String, Arc<DataFile>>,
    diags: &mut Diagnostics,
) -> Vec<ChronoEvent> {
    let mut events: Vec<ChronoEvent> = Vec::new();
    for (i, b) in briefs.iter_enumerated() {
        for e in &b.meta().events {
            events.push(ChronoEvent {
                date: e.date.clone(),
                text: e.text.clone(),
                brief: Some(i),
            });
        }
    }
    if let Some(timeline) = data.get("timeline") {
        match timeline.value.get("events").cloned().map(serde_json::from_value::<Vec<Event>>) {
            Some(Ok(list)) => events.extend(list.into_iter().map(|e| ChronoEvent { date: e.date, text: e.text, brief: None })),
            Some(Err(e)) => diags.push(
                Diagnostic::error(format!("invalid timeline entry: {e}"))
                    .in_file(format!("content/{}", timeline.rel))
                    .with_hint("each [[events]] needs date = \"YYYY-MM\" (or a full date) and text = \"...\""),
            ),
            None => diags.push(Diagnostic::error("timeline data has no [[events]] list").in_file(format!("content/{}", timeline.rel)).with_hint("write [[events]] tables with date and text")),
        }
    }
    // Same-date events read as the site reads: by the brief's place in the reading order, then
    // (the sort is stable) in the order the brief lists them; timeline events after the briefs'
    // in their file order, since they have no brief to place them. `PartialDate` already puts a
    // month-only date before the full dates of its month.
    let place = |e: &ChronoEvent| e.brief.map_or(usize::MAX, |b| briefs[b].order);
    events.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| place(a).cmp(&place(b))));
    events
}
