//! The pipeline driver: config → content → model → render → files. `build` writes the files to
//! disk; `serve` keeps a [`Builder`] alive and calls [`Builder::build`] after each change, which
//! reuses everything whose inputs did not change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::assets;
use crate::config::Config;
use crate::content::Loader;
use crate::diagnostics::{Diagnostic, Failure};
use crate::model::Site;
use crate::render::{self, Body, RenderCache, templates::Templates};

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
    pub files: BTreeMap<String, Body>,
    pub stats: Stats,
    pub warnings: Vec<Diagnostic>,
    /// Output paths whose bytes changed since the previous build of this builder.
    pub changed: Vec<String>,
    /// Output paths of the brief pages: what the search index covers.
    pub brief_pages: Vec<String>,
    /// The site language, for the search index.
    pub language: String,
    /// Whether the config asks for search.
    pub search: bool,
}

pub struct Builder {
    pub root: PathBuf,
    pub options: BuildOptions,
    loader: Loader,
    cache: RenderCache,
}

impl Builder {
    pub fn new(root: impl Into<PathBuf>, options: BuildOptions) -> Builder {
        Builder {
            root: root.into(),
            options,
            loader: Loader::default(),
            cache: RenderCache::default(),
        }
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
        // BRIEFING_TIMINGS=1 prints how long each stage took, for profiling rebuilds.
        let timings = std::env::var_os("BRIEFING_TIMINGS").is_some();
        let mut last = start;
        let mut lap = |stage: &str| {
            if timings {
                eprintln!(
                    "  {stage:<10} {:>7.1} ms",
                    last.elapsed().as_secs_f64() * 1000.0
                );
                last = Instant::now();
            }
        };
        let mut config = Config::load(&self.root)?;
        if let Some(url) = &self.options.base_url {
            config.base_url = url.trim_end_matches('/').to_string() + "/";
        }
        let config = Arc::new(config);
        let mut diags = Vec::new();
        let templates = match Templates::load(&self.root, &config) {
            Ok(t) => Some(t),
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        lap("config+templates");
        let content = self.loader.load(&self.root);
        lap("load");
        diags.extend(content.diagnostics.iter().cloned());
        let mut site = Site::build(
            config.clone(),
            self.root.clone(),
            &content,
            self.options.drafts,
            &mut diags,
        );
        let Some(templates) = templates else {
            return Err(split_failure(diags));
        };
        lap("model");
        render::render_markdown(&mut site, &templates, &mut self.cache, &mut diags);
        lap("markdown");
        if diags.iter().any(Diagnostic::is_error) {
            return Err(split_failure(diags));
        }
        let mut static_files = BTreeMap::new();
        collect_static(
            &config.theme_dir(&self.root).join("static"),
            &mut static_files,
            &mut diags,
        );
        collect_static(&self.root.join("static"), &mut static_files, &mut diags);
        for a in &site.assets {
            static_files.insert(site.asset_output(a), a.abs.clone());
        }
        let minify = self.options.minify || config.minify;
        let (assets, static_bodies) =
            assets::process(static_files, !self.options.serve, minify, &mut diags);
        let sink = staging.map(|dir| render::Sink {
            dir: dir.to_path_buf(),
            minify,
            keep_briefs: config.search && !self.options.serve,
        });
        let rendering = render::render_site(
            &site,
            &templates,
            &assets,
            sink.as_ref(),
            &mut self.cache,
            &mut diags,
        );
        if diags.iter().any(Diagnostic::is_error) {
            return Err(split_failure(diags));
        }
        let mut files = rendering.files;
        if minify {
            assets::minify_pages(&mut files);
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
        let brief_pages: Vec<String> = site
            .briefs
            .iter()
            .map(|b| format!("{}index.html", b.path.trim_start_matches('/')))
            .collect();
        if config.search && !self.options.serve {
            let pages: Vec<(String, Arc<Vec<u8>>)> = brief_pages
                .iter()
                .filter_map(|p| match files.get(p) {
                    Some(Body::Bytes(b)) => Some((p.clone(), b.clone())),
                    _ => None,
                })
                .collect();
            match crate::search::index(&pages, &config.language) {
                Ok(bundle) => {
                    for (rel, bytes) in bundle {
                        files.insert(rel, Body::Bytes(bytes));
                    }
                }
                Err(d) => diags.push(d),
            }
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Err(split_failure(diags));
        }
        lap("render+write");
        let stats = Stats {
            pages: rendering.pages,
            briefs: site.briefs.len(),
            sections: site.sections.len().saturating_sub(1),
            rendered: rendering.rendered,
            files: files.len() + rendering.written,
            elapsed: start.elapsed(),
        };
        Ok(Built {
            files,
            stats,
            warnings: diags,
            changed: rendering.changed,
            brief_pages,
            language: config.language.clone(),
            search: config.search,
        })
    }
}

fn split_failure(diags: Vec<Diagnostic>) -> Failure {
    Failure::Content(diags)
}

fn collect_static(dir: &Path, out: &mut BTreeMap<String, PathBuf>, diags: &mut Vec<Diagnostic>) {
    if !dir.is_dir() {
        return;
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let name = e.file_name().to_string_lossy();
                if crate::content::is_ignored_name(&name) {
                    continue;
                }
                if let Ok(rel) = e.path().strip_prefix(dir) {
                    let rel = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    out.insert(rel, e.path().to_path_buf());
                }
            }
            Ok(_) => {}
            Err(e) => diags.push(
                Diagnostic::error(format!("cannot read static files: {e}"))
                    .with_hint("check links and permissions under static/"),
            ),
        }
    }
}
