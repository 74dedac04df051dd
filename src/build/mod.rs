//! The pipeline driver: config → content → model → render → files. `build` writes the files to
//! disk; `serve` keeps a [`Builder`] alive and calls [`Builder::build`] after each change, which
//! reuses everything whose inputs did not change. `change.rs` classifies the watcher's paths,
//! `patch.rs` applies brief edits to the last build, `state.rs` owns what survives a build.

mod change;
mod languages;
mod links;
mod patch;
mod state;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::assets;
use crate::config::Config;
use crate::diagnostics::{self, Diagnostic, Diagnostics, Failure};
use crate::model::Site;
use crate::output::Body;
use crate::pages::documents;
use crate::render;
use crate::templates::Templates;
pub use change::{ChangeKind, Changes};
use state::{BuildState, LastBuild, StageWarnings};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub drafts: bool,
    /// Minify HTML, CSS and JS (also on when the config says `minify = true`).
    pub minify: bool,
    /// Building for `serve`: no fingerprinted asset names (so a CSS edit swaps the stylesheet in
    /// place) and no search index (serve refreshes it in the background).
    pub serve: bool,
    /// Overrides `base_url` from the config (e.g. `http://127.0.0.1:1111/` while serving).
    pub base_url: Option<String>,
    /// Site URLs relative to each page (also on when the config says `relative_urls = true`).
    pub relative_urls: bool,
    /// Relative and root-relative links and images in bodies that name no page or file of
    /// the site are errors (`check`), not warnings.
    pub strict_links: bool,
    /// Building for `check`: PDFs are not typeset, but what they would show less of than the
    /// pages (found by the markup conversion alone) is still warned about.
    pub pdf_notes: bool,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub pages: usize,
    pub briefs: usize,
    pub sections: usize,
    /// Per other language, in code order: its code and how many briefs it has translated.
    pub translated: Vec<(String, usize)>,
    pub rendered: usize,
    pub files: usize,
    pub elapsed: Duration,
}

impl Stats {
    /// The summary line every command prints: `Built 16 pages (9 briefs, 4 sections) in 41 ms`;
    /// a site in several languages adds each other language's share of translated briefs:
    /// `(9 briefs, 4 sections; fr: 5 of 9 briefs translated)`.
    pub fn summary(&self) -> String {
        let languages: String = self
            .translated
            .iter()
            .map(|(code, n)| {
                format!(
                    "; {code}: {n} of {} translated",
                    count(self.briefs, "brief")
                )
            })
            .collect();
        format!(
            "Built {} ({}, {}{languages}) in {} ms",
            count(self.pages, "page"),
            count(self.briefs, "brief"),
            count(self.sections, "section"),
            self.elapsed.as_millis()
        )
    }

    /// How many briefs each of `others` (the other languages' models) has translated.
    pub(crate) fn translated<'a>(others: impl Iterator<Item = &'a Site>) -> Vec<(String, usize)> {
        others
            .map(|s| {
                let n = s
                    .briefs
                    .iter()
                    .filter(|b| !s.language.fallback.contains(&b.doc.rel))
                    .count();
                (s.language.code.clone(), n)
            })
            .collect()
    }
}

/// The files a build hands on, by how much of the site they are.
pub enum Output {
    /// An in-memory build ([`Builder::build`], or [`Builder::build_changed`] when it ran the
    /// whole pipeline): every output file.
    Full(BTreeMap<String, Body>),
    /// [`Builder::build_changed`] patched this builder's previous build: only the pages it
    /// re-rendered; every other file is as the previous build left it.
    Patched(BTreeMap<String, Body>),
    /// [`Builder::build_into`] streamed pages into its staging folder: what is left to write
    /// there (static files, the search bundle, brief pages kept for it).
    Streamed(BTreeMap<String, Body>),
}

impl Output {
    /// The files this output carries, whatever part of the site they are.
    pub fn files(&self) -> &BTreeMap<String, Body> {
        match self {
            Output::Full(f) | Output::Patched(f) | Output::Streamed(f) => f,
        }
    }
}

/// `1 brief`, `2 briefs`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub struct Built {
    pub output: Output,
    pub stats: Stats,
    pub warnings: Vec<Diagnostic>,
    /// Output paths whose bytes changed since the previous build of this builder.
    pub changed: Vec<String>,
    /// Output paths of the brief pages: what the search index covers.
    pub brief_pages: Arc<Vec<String>>,
    /// The site language, for the search index.
    pub language: String,
    /// Whether the config asks for search.
    pub search: bool,
    /// URL paths of the draft briefs this build left out (`/sec/draft/`).
    pub drafts: Arc<Vec<String>>,
}

pub struct Builder {
    pub root: PathBuf,
    pub options: BuildOptions,
    /// The caches and the last build, for [`Builder::build_changed`].
    state: BuildState,
    /// The output a one-shot build replaces, to link unchanged files from.
    reuse: Option<crate::output::Reuse>,
}

impl Builder {
    pub fn new(root: impl Into<PathBuf>, options: BuildOptions) -> Builder {
        Builder {
            root: root.into(),
            options,
            state: BuildState::default(),
            reuse: None,
        }
    }

    /// The documents the last build read (originals and translations), for `check`.
    pub fn loaded(&self) -> impl Iterator<Item = &Arc<crate::content::SourceDoc>> {
        self.state.loader.loaded()
    }

    /// Lets [`Builder::build_into`] hard-link unchanged files from the output its staging
    /// folder will replace.
    pub fn reusing(mut self, reuse: Option<crate::output::Reuse>) -> Builder {
        self.reuse = reuse;
        self
    }

    /// What the watcher's `changed` paths (relative to the root) are, as
    /// [`Builder::build_changed`] classifies them before it rebuilds anything.
    pub fn classify(&self, changed: &[PathBuf]) -> Changes {
        Changes::classify(&self.root, changed, &|rel| self.state.loader.knows(rel))
    }

    /// Builds after the watcher saw `changed` (paths relative to the root). When every path is
    /// an edit to an existing brief ([`Changes::Briefs`]) that leaves the model's structure as
    /// it was (see [`crate::model::same_structure`]), the last build is patched: those files
    /// are reread, their Markdown rendered, and only the pages that read them are checked.
    /// Anything else (a new, deleted or renamed file, a section, template, data, static or
    /// config edit, an error) runs the whole pipeline. Either way the result equals a full
    /// build.
    pub fn build_changed(&mut self, changed: &[PathBuf]) -> Result<Built, Failure> {
        let start = Instant::now();
        match self.classify(changed) {
            Changes::Briefs(rels) => {
                match patch::patch(&mut self.state, &self.root, &rels, start) {
                    Ok(built) => Ok(built),
                    // The run starts by dropping the last build, which the patch may have edited
                    // before it stopped.
                    Err(_unpatchable) => self.run(None),
                }
            }
            Changes::Full(_) => self.run(None),
        }
    }

    /// Builds into memory: every output file is in [`Output::Full`].
    pub fn build(&mut self) -> Result<Built, Failure> {
        self.run(None)
    }

    /// Builds a one-shot site, streaming pages into `staging` as they render; the result is
    /// [`Output::Streamed`]: only what is left to write (static files, search bundle, kept
    /// pages).
    pub fn build_into(&mut self, staging: &Path) -> Result<Built, Failure> {
        self.run(Some(staging))
    }

    fn run(&mut self, staging: Option<&Path>) -> Result<Built, Failure> {
        let start = Instant::now();
        let caches = self.state.start_run();
        let mut laps = StageTimer::new(start);
        let mut lap = |stage: &str| laps.lap(stage);
        let config_text = crate::config::read(&self.root)?;
        let mut config = Config::from_text(&config_text)?;
        if let Some(url) = &self.options.base_url {
            if let Some(d) = crate::config::base_url_error("--base-url", url) {
                return Err(Failure::Usage(d));
            }
            config.base_url = url.trim_end_matches('/').to_string() + "/";
        }
        // Set in the config, so templates see it too (the search page says search needs a
        // web server).
        config.relative_urls |= self.options.relative_urls;
        let (strings, string_diags) = crate::strings::Strings::load(
            &self.root,
            &config.theme_dir(&self.root),
            &config.language,
        );
        config.strings = strings;
        let config = Arc::new(config);
        // Kept by the stage that produced them; `report` puts them back in stage order.
        let mut warnings = StageWarnings::default();
        warnings.content.extend(string_diags);
        warnings.content.extend(crate::config::placeholders(
            &config_text,
            self.options.base_url.is_some(),
        ));
        // Compiling templates and reading content are independent; on a small site each is a
        // few milliseconds, so doing them side by side shortens every build.
        caches.loader.set_languages(crate::content::Languages {
            default: config.language.clone(),
            others: config.languages.keys().cloned().collect(),
        });
        let (root, loader) = (&self.root, &mut *caches.loader);
        let (templates, content) =
            rayon::join(|| Templates::load(root, &config), || loader.load(root));
        let templates = match templates {
            Ok(t) => Some(t),
            Err(d) => {
                warnings.content.extend(d);
                None
            }
        };
        lap("templates+load");
        warnings.content.extend(content.diagnostics.iter().cloned());
        let mut site = Site::build(
            config.clone(),
            self.root.clone(),
            &content,
            self.options.drafts,
            &mut warnings.content,
        );
        languages::prefix_default(&mut site);
        let Some(templates) = templates else {
            return Err(Failure::Content(diagnostics::sorted(
                warnings.content.into_vec(),
            )));
        };
        let others = languages::sites(
            &config,
            &self.root,
            &content,
            self.options.drafts,
            &mut warnings.content,
        );
        lap("model");
        let mut markdown = Diagnostics::new();
        let docs = documents::render_all(&site, &templates, caches.markdown, &mut markdown);
        crate::pages::unread::check(&site, &docs, &content.unread, &mut markdown);
        caches
            .languages
            .retain(|code, _| config.languages.contains_key(code));
        let other_docs: Vec<crate::pages::documents::Documents> = others
            .iter()
            .map(|s| {
                let (md, _) = caches.languages.entry(s.language.code.clone()).or_default();
                documents::render_all(s, &templates, md, &mut markdown)
            })
            .collect();
        lap("markdown");
        if warnings.any_error(&markdown) {
            return Err(Failure::Content(diagnostics::sorted(
                warnings.into_report(markdown),
            )));
        }
        let mut static_files = BTreeMap::new();
        let confined = crate::confine::Root::new(&self.root);
        collect_static(
            &confined,
            &config.theme_dir(&self.root).join("static"),
            &mut static_files,
            &mut warnings.output,
        );
        collect_static(
            &confined,
            &self.root.join("static"),
            &mut static_files,
            &mut warnings.output,
        );
        for s in std::iter::once(&site).chain(&others) {
            for a in &s.assets {
                let out = s.asset_output(a);
                if let Some(root_out) = languages::unprefixed(s, &out) {
                    static_files.insert(root_out, a.abs.clone());
                }
                static_files.insert(out, a.abs.clone());
            }
        }
        let minify = self.options.minify || config.minify;
        let finish = crate::output::Finish {
            minify,
            relative: config
                .relative_urls
                .then(|| crate::output::Relative::new(&config.base_url)),
        };
        let (assets, static_bodies) = assets::process(
            static_files,
            !self.options.serve,
            &finish,
            &mut warnings.output,
        );
        *caches.links = links::LinkCheck::full(
            &site,
            &docs,
            links::targets(&site, static_bodies.iter().map(|(rel, _)| rel)),
            self.options.strict_links,
        );
        markdown.extend(caches.links.diagnostics().cloned());
        lap("assets");
        let sink = staging.map(|dir| crate::output::Sink {
            dir: dir.to_path_buf(),
            finish: finish.clone(),
            keep_briefs: config.search && !self.options.serve,
            reuse: self.reuse.clone(),
            failed: Default::default(),
        });
        let lists: Vec<Vec<crate::pages::PageSpec>> = std::iter::once(&site)
            .chain(&others)
            .map(|s| crate::pages::list(s, s.config.paginate_by))
            .collect();
        let alternates = if others.is_empty() {
            crate::pages::languages::Alternates::default()
        } else {
            let all: Vec<(&Site, &[crate::pages::PageSpec])> = std::iter::once(&site)
                .chain(&others)
                .zip(&lists)
                .map(|(s, l)| (s, l.as_slice()))
                .collect();
            crate::pages::languages::Alternates::of(&all)
        };
        let mut lists = lists.into_iter();
        let shared = render::Shared {
            templates: &templates,
            assets: &assets,
            alternates: &alternates,
        };
        let mut rendering = render::render_site(
            &site,
            &docs,
            lists.next().unwrap_or_default(),
            &shared,
            sink.as_ref().map(|s| s as &dyn render::PageSink),
            caches.render,
            &mut warnings.output,
        );
        for (s, d) in others.iter().zip(&other_docs) {
            let (_, cache) = caches.languages.entry(s.language.code.clone()).or_default();
            let r = render::render_site(
                s,
                d,
                lists.next().unwrap_or_default(),
                &shared,
                sink.as_ref().map(|s| s as &dyn render::PageSink),
                cache,
                &mut warnings.output,
            );
            rendering.absorb(r);
        }
        lap("pages");
        if std::env::var_os("BRIEFING_TIMINGS").is_some() {
            eprintln!(
                "  {:<10} {:>7} entries",
                "deps", rendering.dependency_entries
            );
        }
        if let Some(failure) = sink.as_ref().and_then(|s| s.failed.take()) {
            return Err(failure);
        }
        if warnings.any_error(&markdown) {
            return Err(Failure::Content(diagnostics::sorted(
                warnings.into_report(markdown),
            )));
        }
        let mut files = into_bodies(rendering.files);
        finish.pages(&mut files, &mut warnings.output);
        if warnings.any_error(&markdown) {
            return Err(Failure::Content(warnings.into_report(markdown)));
        }
        for (rel, body) in static_bodies {
            if files.contains_key(&rel) {
                warnings.output.push(
                    Diagnostic::error(format!(
                        "static file {rel} would overwrite a generated page"
                    ))
                    .with_hint("rename or remove the static file"),
                );
                continue;
            }
            files.insert(rel, body);
        }
        pdfs(
            &config,
            &self.options,
            &self.root,
            std::iter::once(&site).chain(&others),
            &mut files,
            &mut warnings.output,
        );
        if warnings.any_error(&markdown) {
            return Err(Failure::Content(diagnostics::sorted(
                warnings.into_report(markdown),
            )));
        }
        let brief_pages: Arc<Vec<String>> = Arc::new(
            std::iter::once(&site)
                .chain(&others)
                .flat_map(|s| s.briefs.iter())
                .map(|b| format!("{}index.html", b.path.trim_start_matches('/')))
                .collect(),
        );
        let search_pages: Option<Vec<(String, Arc<Vec<u8>>)>> =
            (config.search && !self.options.serve).then(|| {
                brief_pages
                    .iter()
                    .filter_map(|p| match files.get(p) {
                        Some(Body::Bytes(b)) => Some((p.clone(), b.clone())),
                        _ => None,
                    })
                    .collect()
            });
        let mut written_early = 0;
        // Several languages: pagefind reads each page's `<html lang>` and writes an index per
        // language, so each language's search page searches its own pages.
        let language = if others.is_empty() {
            config.language.as_str()
        } else {
            ""
        };
        let (bundle, early) =
            std::thread::scope(|scope| {
                let job = search_pages
                    .map(|pages| scope.spawn(move || crate::search::index(&pages, language)));
                // While pagefind indexes (CPU), the files that are ready go to the staging folder
                // (I/O), so a one-shot build waits for the longer of the two, not their sum.
                let early = match staging {
                    Some(dir) if job.is_some() => {
                        written_early = files.len();
                        Some(crate::output::fill_staging(
                            dir,
                            &files,
                            self.reuse.as_ref(),
                        ))
                    }
                    _ => None,
                };
                let bundle =
                    job.map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(Diagnostic::error("search index: the indexer stopped unexpectedly")
                        .with_hint("set `search = false` in briefing.toml to build without search"))
                        })
                    });
                (bundle, early)
            });
        if let Some(result) = early {
            result?;
            files.clear();
        }
        match bundle {
            Some(Ok(bundle)) => {
                for (rel, bytes) in bundle {
                    files.insert(rel, Body::Bytes(bytes));
                }
            }
            Some(Err(d)) => warnings.output.push(d),
            None => {}
        }
        if warnings.any_error(&markdown) {
            return Err(Failure::Content(diagnostics::sorted(
                warnings.into_report(markdown),
            )));
        }
        lap("search");
        let stats = Stats {
            pages: rendering.pages,
            briefs: site.briefs.len(),
            sections: site.sections.len().saturating_sub(1),
            translated: Stats::translated(others.iter()),
            rendered: rendering.rendered,
            files: files.len() + rendering.written + written_early,
            elapsed: start.elapsed(),
        };
        let output = if staging.is_none() {
            Output::Full(files)
        } else {
            Output::Streamed(files)
        };
        let (language, search) = (language.to_string(), config.search);
        let drafts = Arc::new(site.drafts.clone());
        let report = if staging.is_none() {
            let report = warnings.report(markdown);
            self.state.finish_run(LastBuild {
                warnings,
                templates,
                site,
                docs,
                others: others.into_iter().zip(other_docs).collect(),
                alternates,
                brief_pages: brief_pages.clone(),
                finish,
                stats: stats.clone(),
            });
            report
        } else {
            warnings.into_report(markdown)
        };
        Ok(Built {
            output,
            stats,
            warnings: report,
            changed: rendering.changed,
            brief_pages,
            language,
            search,
            drafts,
        })
    }
}

/// `BRIEFING_TIMINGS=1` prints how long each stage took, for profiling rebuilds.
struct StageTimer {
    on: bool,
    last: Instant,
}

impl StageTimer {
    fn new(start: Instant) -> StageTimer {
        StageTimer {
            on: std::env::var_os("BRIEFING_TIMINGS").is_some(),
            last: start,
        }
    }

    fn lap(&mut self, stage: &str) {
        if self.on {
            eprintln!(
                "  {stage:<10} {:>7.1} ms",
                self.last.elapsed().as_secs_f64() * 1000.0
            );
            self.last = Instant::now();
        }
    }
}

/// Every brief's PDF edition beside its page, when the config asks for them. `serve` skips
/// them for now: typesetting every brief would slow each rebuild's save-to-served time.
#[cfg(feature = "pdf")]
fn pdfs<'a>(
    config: &Config,
    options: &BuildOptions,
    root: &Path,
    sites: impl Iterator<Item = &'a Site>,
    files: &mut BTreeMap<String, Body>,
    diags: &mut Diagnostics,
) {
    if config.pdf != crate::config::PdfMode::All {
        return;
    }
    if options.serve {
        if options.pdf_notes {
            for s in sites {
                crate::pdf::notes(s, root, diags);
            }
        }
        return;
    }
    for s in sites {
        for (rel, bytes) in crate::pdf::briefs(s, root, diags) {
            if files.contains_key(&rel) {
                diags.push(
                    Diagnostic::error(format!("the PDF {rel} would overwrite another file"))
                        .with_hint("rename the file, or set `pdf = \"none\"` in briefing.toml"),
                );
                continue;
            }
            files.insert(rel, Body::Bytes(Arc::new(bytes)));
        }
    }
}

/// Built without the `pdf` feature the config cannot ask for PDFs (it refuses `pdf = "all"`).
#[cfg(not(feature = "pdf"))]
fn pdfs<'a>(
    _: &Config,
    _: &BuildOptions,
    _: &Path,
    _: impl Iterator<Item = &'a Site>,
    _: &mut BTreeMap<String, Body>,
    _: &mut Diagnostics,
) {
}

fn into_bodies(pages: BTreeMap<String, Arc<Vec<u8>>>) -> BTreeMap<String, Body> {
    pages
        .into_iter()
        .map(|(k, v)| (k, Body::Bytes(v)))
        .collect()
}

fn collect_static(
    root: &crate::confine::Root,
    dir: &Path,
    out: &mut BTreeMap<String, PathBuf>,
    diags: &mut Diagnostics,
) {
    if !dir.is_dir() {
        return;
    }
    // Folders are entered whatever their name (`static/.well-known/` is published); files
    // an editor leaves behind are not.
    let walk = root.walk(dir, &|e| {
        e.file_type().is_dir() || !crate::content::is_ignored_name(&e.file_name().to_string_lossy())
    });
    diags.extend(walk.diagnostics);
    for f in walk.files {
        out.insert(f.rel, f.real);
    }
}
