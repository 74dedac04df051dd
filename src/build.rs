//! The pipeline driver: config → content → model → render → files. `build` writes the files to
//! disk; `serve` keeps a [`Builder`] alive and calls [`Builder::build`] after each change, which
//! reuses everything whose inputs did not change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::assets;
use crate::config::Config;
use crate::content::DocKind;
use crate::content::Loader;
use crate::diagnostics::{Diagnostic, Failure};
use crate::model::{DocRef, Site};
use crate::output::Body;
use crate::pages::documents::{self, Documents, MarkdownCache};
use crate::render::{self, RenderCache};
use crate::templates::Templates;

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
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub pages: usize,
    pub briefs: usize,
    pub sections: usize,
    pub rendered: usize,
    pub files: usize,
    pub elapsed: Duration,
}

impl Stats {
    /// The summary line every command prints: `Built 16 pages (9 briefs, 4 sections) in 41 ms`.
    pub fn summary(&self) -> String {
        format!(
            "Built {} pages ({} briefs, {} sections) in {} ms",
            self.pages,
            self.briefs,
            self.sections,
            self.elapsed.as_millis()
        )
    }
}

pub struct Built {
    /// Every output file; after a patch (see `patch`) only the pages that were re-rendered.
    pub files: BTreeMap<String, Body>,
    /// Set by [`Builder::build_changed`] when it patched the previous build: `files` then holds
    /// only re-rendered pages, and every other file is as the previous build of this builder
    /// left it.
    pub patch: bool,
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
}

pub struct Builder {
    pub root: PathBuf,
    pub options: BuildOptions,
    loader: Loader,
    markdown: MarkdownCache,
    cache: RenderCache,
    /// What the last successful in-memory build produced, for [`Builder::build_changed`] to
    /// patch. Cleared whenever a build starts over, so it never outlives a failure.
    last: Option<LastBuild>,
    /// The output a one-shot build replaces, to link unchanged files from.
    reuse: Option<crate::output::Reuse>,
}

struct LastBuild {
    templates: Templates,
    site: Site,
    docs: Documents,
    /// Warnings from the stages before and after Markdown, reported again with each patch.
    warnings_before: Vec<Diagnostic>,
    warnings_after: Vec<Diagnostic>,
    brief_pages: Arc<Vec<String>>,
    minify: bool,
    stats: Stats,
}

impl Builder {
    pub fn new(root: impl Into<PathBuf>, options: BuildOptions) -> Builder {
        Builder {
            root: root.into(),
            options,
            loader: Loader::default(),
            markdown: MarkdownCache::default(),
            cache: RenderCache::default(),
            last: None,
            reuse: None,
        }
    }

    /// Lets [`Builder::build_into`] hard-link unchanged files from the output its staging
    /// folder will replace.
    pub fn reusing(mut self, reuse: Option<crate::output::Reuse>) -> Builder {
        self.reuse = reuse;
        self
    }

    /// Builds after the watcher saw `changed` (paths relative to the root). When every path is
    /// an edit to an existing brief that leaves the model's structure as it was (see
    /// [`crate::model::same_structure`]), the last build is patched: those files are reread, their
    /// Markdown rendered, and only the pages that read them are checked. Anything else (a new,
    /// deleted or renamed file, a section, template, data, static or config edit, an error) runs
    /// the whole pipeline. Either way the result equals a full build.
    pub fn build_changed(&mut self, changed: &[PathBuf]) -> Result<Built, Failure> {
        let start = Instant::now();
        match self.patch(changed, start) {
            Some(built) => Ok(built),
            None => self.run(None),
        }
    }

    fn patch(&mut self, changed: &[PathBuf], start: Instant) -> Option<Built> {
        let last = self.last.as_mut()?;
        let mut laps = StageTimer::new(start);
        let mut rels = Vec::with_capacity(changed.len());
        for p in changed {
            let rel = p.strip_prefix("content").ok()?;
            let mut parts = Vec::new();
            for c in rel.components() {
                match c {
                    std::path::Component::Normal(n) => parts.push(n.to_str()?),
                    _ => return None,
                }
            }
            let file = *parts.last()?;
            if parts[0] == "data" || file == "_index.md" || !file.ends_with(".md") {
                return None;
            }
            if !self.root.join(p).is_file() {
                return None;
            }
            rels.push(parts.join("/"));
        }
        let docs = self.loader.reload(&self.root, &rels)?;
        laps.lap("reload");
        let mut briefs = Vec::new();
        for d in docs {
            if d.old.hash == d.new.hash {
                continue;
            }
            let (DocKind::Brief(old), DocKind::Brief(new)) = (&d.old.kind, &d.new.kind) else {
                return None;
            };
            // Read-time warnings belong to the full build's report, which a patch cannot edit.
            if !crate::model::same_structure(old, new)
                || !d.old.warnings.is_empty()
                || !d.new.warnings.is_empty()
            {
                return None;
            }
            // A brief missing from the model is an unpublished draft, and stays one.
            if let Some(&DocRef::Brief(b)) = last.site.by_rel.get(&d.new.rel) {
                if !last.site.replace_brief_doc(b, d.new.clone()) {
                    return None;
                }
                briefs.push(b);
            }
        }
        let mut diags = Vec::new();
        let rendering = if briefs.is_empty() {
            None
        } else {
            documents::rerender_briefs(
                &last.site,
                &last.templates,
                &briefs,
                &mut last.docs,
                &mut self.markdown,
                &mut diags,
            );
            if diags.iter().any(Diagnostic::is_error) {
                return None;
            }
            laps.lap("markdown");
            let r = render::render_changed_briefs(
                &last.site,
                &last.docs,
                &last.templates,
                &briefs,
                &mut self.cache,
                &mut diags,
            )?;
            if diags.iter().any(Diagnostic::is_error) {
                return None;
            }
            laps.lap("pages");
            Some(r)
        };
        let mut changed_pages = Vec::new();
        let mut rendered = 0;
        let mut files = BTreeMap::new();
        if let Some(r) = rendering {
            rendered = r.rendered;
            changed_pages = r.changed;
            files = into_bodies(r.files);
            if last.minify {
                crate::output::minify_pages(&mut files);
            }
        }
        let mut warnings = last.warnings_before.clone();
        warnings.extend(self.markdown.warnings());
        warnings.extend(last.warnings_after.iter().cloned());
        let stats = Stats {
            rendered,
            elapsed: start.elapsed(),
            ..last.stats.clone()
        };
        Some(Built {
            files,
            patch: true,
            stats,
            warnings,
            changed: changed_pages,
            brief_pages: last.brief_pages.clone(),
            language: last.site.config.language.clone(),
            search: last.site.config.search,
        })
    }

    /// Builds into memory: every output file is in `Built::files`.
    pub fn build(&mut self) -> Result<Built, Failure> {
        self.run(None)
    }

    /// Builds a one-shot site, streaming pages into `staging` as they render; `Built::files`
    /// then holds only what is left to write (static files, search bundle, kept pages).
    pub fn build_into(&mut self, staging: &Path) -> Result<Built, Failure> {
        self.run(Some(staging))
    }

    fn run(&mut self, staging: Option<&Path>) -> Result<Built, Failure> {
        let start = Instant::now();
        self.last = None;
        let mut laps = StageTimer::new(start);
        let mut lap = |stage: &str| laps.lap(stage);
        let mut config = Config::load(&self.root)?;
        if let Some(url) = &self.options.base_url {
            if let Some(d) = crate::config::base_url_error("--base-url", url) {
                return Err(Failure::Usage(d));
            }
            config.base_url = url.trim_end_matches('/').to_string() + "/";
        }
        let config = Arc::new(config);
        let mut diags = Vec::new();
        // Compiling templates and reading content are independent; on a small site each is a
        // few milliseconds, so doing them side by side shortens every build.
        let (root, loader) = (&self.root, &mut self.loader);
        let (templates, content) =
            rayon::join(|| Templates::load(root, &config), || loader.load(root));
        let templates = match templates {
            Ok(t) => Some(t),
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        lap("templates+load");
        diags.extend(content.diagnostics.iter().cloned());
        let site = Site::build(
            config.clone(),
            self.root.clone(),
            &content,
            self.options.drafts,
            &mut diags,
        );
        let Some(templates) = templates else {
            return Err(Failure::Content(diags));
        };
        lap("model");
        let before_markdown = diags.len();
        let docs = documents::render_all(&site, &templates, &mut self.markdown, &mut diags);
        let after_markdown = diags.len();
        lap("markdown");
        if diags.iter().any(Diagnostic::is_error) {
            return Err(Failure::Content(diags));
        }
        let mut static_files = BTreeMap::new();
        let confined = crate::confine::Root::new(&self.root);
        collect_static(
            &confined,
            &config.theme_dir(&self.root).join("static"),
            &mut static_files,
            &mut diags,
        );
        collect_static(
            &confined,
            &self.root.join("static"),
            &mut static_files,
            &mut diags,
        );
        for a in &site.assets {
            static_files.insert(site.asset_output(a), a.abs.clone());
        }
        let minify = self.options.minify || config.minify;
        let (assets, static_bodies) =
            assets::process(static_files, !self.options.serve, minify, &mut diags);
        lap("assets");
        let sink = staging.map(|dir| crate::output::Sink {
            dir: dir.to_path_buf(),
            minify,
            keep_briefs: config.search && !self.options.serve,
            reuse: self.reuse.clone(),
            failed: Default::default(),
        });
        let rendering = render::render_site(
            &site,
            &docs,
            &templates,
            &assets,
            sink.as_ref().map(|s| s as &dyn render::PageSink),
            &mut self.cache,
            &mut diags,
        );
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
        if diags.iter().any(Diagnostic::is_error) {
            return Err(Failure::Content(diags));
        }
        let mut files = into_bodies(rendering.files);
        if minify {
            crate::output::minify_pages(&mut files);
        }
        for (rel, body) in static_bodies {
            if files.contains_key(&rel) {
                diags.push(
                    Diagnostic::error(format!(
                        "static file {rel} would overwrite a generated page"
                    ))
                    .with_hint("rename or remove the static file"),
                );
                continue;
            }
            files.insert(rel, body);
        }
        let brief_pages: Arc<Vec<String>> = Arc::new(
            site.briefs
                .iter()
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
        let language = &config.language;
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
            Some(Err(d)) => diags.push(d),
            None => {}
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Err(Failure::Content(diags));
        }
        lap("search");
        let stats = Stats {
            pages: rendering.pages,
            briefs: site.briefs.len(),
            sections: site.sections.len().saturating_sub(1),
            rendered: rendering.rendered,
            files: files.len() + rendering.written + written_early,
            elapsed: start.elapsed(),
        };
        if staging.is_none() {
            self.last = Some(LastBuild {
                warnings_before: diags[..before_markdown].to_vec(),
                warnings_after: diags[after_markdown..].to_vec(),
                templates,
                site,
                docs,
                brief_pages: brief_pages.clone(),
                minify,
                stats: stats.clone(),
            });
        }
        Ok(Built {
            files,
            patch: false,
            stats,
            warnings: diags,
            changed: rendering.changed,
            brief_pages,
            language: config.language.clone(),
            search: config.search,
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
    diags: &mut Vec<Diagnostic>,
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
