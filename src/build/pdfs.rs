//! The PDF editions of a build. Each brief's PDF is a [`crate::pdf::Job`] (its declared
//! inputs); the builder keeps the last build's jobs and one [`crate::pdf::Cache`], so a rebuild
//! typesets only the PDFs whose inputs changed, on the full path and the patch path alike.
//! A one-shot build typesets them into the output; `serve` typesets each on request
//! ([`PdfEditions::get`]), so no save waits for Typst.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::diagnostics::{Diagnostic, Diagnostics};
#[cfg(feature = "pdf")]
use crate::pdf::{Cache, Job, Layout};

#[cfg(not(feature = "pdf"))]
type Job = ();
#[cfg(not(feature = "pdf"))]
#[derive(Default)]
struct Cache;
#[cfg(not(feature = "pdf"))]
type Layout = ();

/// The PDFs of one build, as `serve` answers them: jobs by output path, typeset on request
/// through the cache the whole session shares.
#[derive(Clone, Default)]
pub struct PdfEditions {
    jobs: Arc<BTreeMap<String, Arc<Job>>>,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    cache: Mutex<Cache>,
    /// Paths asked for once: after every rebuild they are typeset again in the background, so
    /// a reader who keeps a PDF open gets the new one without waiting.
    wanted: Mutex<HashSet<String>>,
    root: Mutex<Option<crate::confine::Root>>,
}

impl PdfEditions {
    /// Whether this build has a PDF at `path` (an output path, `hedges/china/china.pdf`).
    pub fn has(&self, path: &str) -> bool {
        self.jobs.contains_key(path)
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// The PDF at `path`, typeset now unless the cache has it with unchanged inputs; `None`
    /// when the build has no such PDF. Blocks while Typst works: call it off the async runtime.
    pub fn get(&self, path: &str) -> Option<Result<Arc<Vec<u8>>, Vec<Diagnostic>>> {
        let job = self.jobs.get(path)?;
        if let Ok(mut w) = self.shared.wanted.lock() {
            w.insert(path.to_string());
        }
        Some(self.make(job))
    }

    #[cfg(feature = "pdf")]
    fn make(&self, job: &Job) -> Result<Arc<Vec<u8>>, Vec<Diagnostic>> {
        let Some(root) = self.shared.root.lock().ok().and_then(|r| r.clone()) else {
            return Err(vec![Diagnostic::error(
                "internal: no site root for the PDFs",
            )]);
        };
        let lock = || self.shared.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bytes) = lock().fresh(job, &root) {
            return Ok(bytes);
        }
        // Typeset without the lock: other PDFs are answered meanwhile.
        let made = crate::pdf::typeset_apart(job, &root)?;
        lock().insert(job, &made);
        Ok(made.bytes)
    }

    #[cfg(not(feature = "pdf"))]
    fn make(&self, _: &Job) -> Result<Arc<Vec<u8>>, Vec<Diagnostic>> {
        Err(vec![Diagnostic::error(
            "this briefing was built without PDF support",
        )])
    }

    /// Typesets again, in the background, the PDFs a reader asked for that this build changed.
    pub fn refresh_wanted(&self) {
        let wanted: Vec<String> = match self.shared.wanted.lock() {
            Ok(w) => w.iter().filter(|p| self.has(p)).cloned().collect(),
            Err(_) => return,
        };
        if wanted.is_empty() {
            return;
        }
        let editions = self.clone();
        let _ = std::thread::Builder::new()
            .name("briefing-pdf".into())
            .spawn(move || {
                for p in wanted {
                    if let Some(Err(ds)) = editions.get(&p) {
                        for d in ds {
                            eprint!("{}", d.render(false));
                        }
                    }
                }
            });
    }
}

/// What the builder keeps of the PDFs between builds.
#[derive(Default)]
pub(super) struct PdfState {
    editions: PdfEditions,
    /// The layout the last full build read (the patch path keeps it: a layout edit is a
    /// theme or template change, which runs the whole pipeline).
    layout: Option<Layout>,
    /// The last full one-shot build's PDFs, and how many of them it typeset (the others were
    /// unchanged), for the summary line.
    pub(super) counts: (usize, usize),
    /// Briefs too long for a PDF edition, as warnings (a patch never changes which: crossing
    /// the limit runs the whole pipeline).
    too_long: Vec<Diagnostic>,
}

impl PdfState {
    /// The last build's PDFs, for `serve`.
    pub(super) fn editions(&self) -> PdfEditions {
        self.editions.clone()
    }

    /// The conversion warnings of every PDF, in path order: reported after every stage's, the
    /// same on the full path and the patch path.
    pub(super) fn warnings(&self) -> Vec<Diagnostic> {
        #[cfg(feature = "pdf")]
        {
            let jobs = self.editions.jobs.values().flat_map(|j| j.warnings());
            self.too_long.iter().cloned().chain(jobs).collect()
        }
        #[cfg(not(feature = "pdf"))]
        Vec::new()
    }
}

/// Where a one-shot build's PDFs go: into an output folder on disk, whose previous contents
/// (`reuse`) may hold PDFs still valid, and which gets the manifest for the next build.
pub(super) struct OnDisk<'a> {
    pub(super) reuse: Option<&'a crate::output::Reuse>,
}

/// The full path: every brief's PDF job of every language; typeset into `files` unless this is
/// `serve`'s build.
#[cfg(feature = "pdf")]
#[allow(clippy::too_many_arguments)]
pub(super) fn full<'a>(
    state: &mut PdfState,
    config: &crate::config::Config,
    serve: bool,
    disk: Option<OnDisk>,
    root: &Path,
    sites: impl Iterator<Item = &'a crate::model::Site>,
    files: &mut BTreeMap<String, crate::output::Body>,
    diags: &mut Diagnostics,
) {
    state.layout = None;
    state.counts = (0, 0);
    state.too_long.clear();
    let mut jobs = BTreeMap::new();
    if config.pdf == crate::config::PdfMode::All {
        let sites: Vec<&crate::model::Site> = sites.collect();
        for s in &sites {
            state.too_long.extend(crate::pdf::too_long(s));
        }
        if let Some(first) = sites.first() {
            state.layout = Layout::read(first, root, diags);
        }
        if let Some(layout) = &state.layout {
            for s in sites {
                for job in crate::pdf::jobs(s, root, layout) {
                    if files.contains_key(&job.path) || jobs.contains_key(&job.path) {
                        diags.push(
                            Diagnostic::error(format!(
                                "the PDF {} would overwrite another file",
                                job.path
                            ))
                            .with_hint("rename the file, or set `pdf = \"none\"` in briefing.toml"),
                        );
                        continue;
                    }
                    jobs.insert(job.path.clone(), Arc::new(job));
                }
            }
        }
    }
    let keep: HashSet<&str> = jobs.keys().map(String::as_str).collect();
    let shared = state.editions.shared.clone();
    let mut cache = shared.cache.lock().unwrap_or_else(|p| p.into_inner());
    cache.retain(&keep);
    let confined = crate::confine::Root::new(root);
    if let Ok(mut r) = shared.root.lock() {
        *r = Some(confined.clone());
    }
    if !serve {
        let all: Vec<&Job> = jobs.values().map(|j| &**j).collect();
        let reuse = disk.as_ref().and_then(|d| d.reuse);
        if let Some(manifest) = reuse.and_then(|r| r.read(crate::pdf::MANIFEST)) {
            cache.seed(&manifest, &all, root, |rel| reuse.and_then(|r| r.read(rel)));
        }
        let (made, typeset) = cache.make(&all, &confined, diags);
        state.counts = (made.len(), typeset);
        if disk.is_some() && !made.is_empty() {
            let paths: Vec<&str> = made.iter().map(|(p, _)| p.as_str()).collect();
            let manifest = cache.manifest(&paths, root);
            files.insert(
                crate::pdf::MANIFEST.to_string(),
                crate::output::Body::Bytes(Arc::new(manifest)),
            );
        }
        for (rel, bytes) in made {
            files.insert(rel, crate::output::Body::Bytes(bytes));
        }
    }
    drop(cache);
    state.editions.jobs = Arc::new(jobs);
}

#[cfg(not(feature = "pdf"))]
#[allow(clippy::too_many_arguments)]
pub(super) fn full<'a>(
    _: &mut PdfState,
    _: &crate::config::Config,
    _: bool,
    _: Option<OnDisk>,
    _: &Path,
    _: impl Iterator<Item = &'a crate::model::Site>,
    _: &mut BTreeMap<String, crate::output::Body>,
    _: &mut Diagnostics,
) {
}

/// The patch path: the edited briefs' jobs replace theirs; a one-shot builder typesets the
/// changed ones into `files` and names them in `changed`. `false` when a PDF failed (the full
/// build reports it with every other error).
#[cfg(feature = "pdf")]
pub(super) fn patch(
    state: &mut PdfState,
    edited: &[(&crate::model::Site, &[crate::model::BriefId])],
    serve: bool,
    root: &Path,
    files: &mut BTreeMap<String, crate::output::Body>,
    changed: &mut Vec<String>,
) -> bool {
    let Some(layout) = &state.layout else {
        return true;
    };
    let confined = crate::confine::Root::new(root);
    let mut new = Vec::new();
    for (site, briefs) in edited {
        let bundles = crate::pdf::bundles(site, root);
        for &b in *briefs {
            let brief = &site.briefs[b];
            if brief.has_pdf(&site.config) {
                let job = crate::pdf::job(site, brief, root, &confined, &bundles, layout);
                new.push(Arc::new(job));
            }
        }
    }
    if new.is_empty() {
        return true;
    }
    let jobs = Arc::make_mut(&mut state.editions.jobs);
    for j in &new {
        jobs.insert(j.path.clone(), j.clone());
    }
    if serve {
        return true;
    }
    let mut cache = state
        .editions
        .shared
        .cache
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let before: Vec<Option<Arc<Vec<u8>>>> = new.iter().map(|j| cache.fresh(j, &confined)).collect();
    let mut diags = Diagnostics::new();
    let refs: Vec<&Job> = new.iter().map(|j| &**j).collect();
    let (made, _) = cache.make(&refs, &confined, &mut diags);
    if diags.has_errors() {
        return false;
    }
    for ((rel, bytes), old) in made.into_iter().zip(before) {
        if old.is_none() {
            changed.push(rel.clone());
            files.insert(rel, crate::output::Body::Bytes(bytes));
        }
    }
    true
}

#[cfg(not(feature = "pdf"))]
pub(super) fn patch(
    _: &mut PdfState,
    _: &[(&crate::model::Site, &[crate::model::BriefId])],
    _: bool,
    _: &Path,
    _: &mut BTreeMap<String, crate::output::Body>,
    _: &mut Vec<String>,
) -> bool {
    true
}
