//! PDFs kept between builds, keyed on what they were typeset from: a [`Job`]'s fingerprint and
//! the files Typst read. A PDF is reused only when both are unchanged, so a rebuild typesets
//! exactly the PDFs whose inputs changed, and a cached one is never stale.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Job, Typeset, evict, typeset};
use crate::confine;
use crate::diagnostics::{Diagnostic, Diagnostics};

struct Entry {
    fingerprint: u64,
    reads: Vec<(PathBuf, Option<u64>)>,
    bytes: Arc<Vec<u8>>,
}

/// PDFs by output path.
pub type Made = Vec<(String, Arc<Vec<u8>>)>;

#[derive(Default)]
pub struct Cache {
    entries: HashMap<String, Entry>,
}

/// What a file holds now, as [`super::world`] records it.
fn current(confined: &confine::Root, path: &Path) -> Option<u64> {
    let real = confined.resolve(path).ok()?;
    std::fs::read(real)
        .ok()
        .map(|b| crate::hashing::hash_of(&b))
}

impl Cache {
    /// The cached PDF of `job`, if nothing it read has changed.
    pub fn fresh(&self, job: &Job, confined: &confine::Root) -> Option<Arc<Vec<u8>>> {
        let e = self.entries.get(&job.path)?;
        if e.fingerprint != job.fingerprint() {
            return None;
        }
        e.reads
            .iter()
            .all(|(p, h)| current(confined, p) == *h)
            .then(|| e.bytes.clone())
    }

    pub fn insert(&mut self, job: &Job, made: &Typeset) {
        self.entries.insert(
            job.path.clone(),
            Entry {
                fingerprint: job.fingerprint(),
                reads: made.reads.clone(),
                bytes: made.bytes.clone(),
            },
        );
    }

    /// Keeps only the PDFs at `paths` (the ones the current build has), so deleted briefs'
    /// PDFs do not stay in memory.
    pub fn retain(&mut self, paths: &std::collections::HashSet<&str>) {
        self.entries.retain(|k, _| paths.contains(k.as_str()));
    }

    /// Every job's PDF, typesetting in parallel only those whose inputs changed (how many:
    /// the second value); errors go to `diags` (all of them, from every PDF). Typst's caches
    /// are emptied afterwards, also when a PDF failed.
    pub fn make(
        &mut self,
        jobs: &[&Job],
        confined: &confine::Root,
        diags: &mut Diagnostics,
    ) -> (Made, usize) {
        let stale: Vec<&Job> = jobs
            .iter()
            .copied()
            .filter(|j| self.fresh(j, confined).is_none())
            .collect();
        // Typst's memo cache grows by megabytes per PDF: what the next PDFs will not reuse
        // goes after each one.
        let threads = rayon::current_num_threads();
        let made: Vec<Result<Typeset, Vec<Diagnostic>>> =
            super::workers::map(&stale, threads, |j| {
                let r = typeset(j, confined);
                comemo::evict(8);
                r
            });
        if !stale.is_empty() {
            evict();
        }
        // A mistake in the layout or a shortcode's .typ fails every PDF alike: reported once.
        let mut seen = std::collections::HashSet::new();
        for (job, r) in stale.iter().zip(made) {
            match r {
                Ok(t) => self.insert(job, &t),
                Err(ds) => {
                    self.entries.remove(&job.path);
                    for d in ds {
                        if seen.insert(d.render(false)) {
                            diags.push(d);
                        }
                    }
                }
            }
        }
        let all = jobs
            .iter()
            .filter_map(|j| {
                self.entries
                    .get(&j.path)
                    .map(|e| (j.path.clone(), e.bytes.clone()))
            })
            .collect();
        (all, stale.len())
    }
}

/// The file beside an output that says what its PDFs were typeset from, so the next one-shot
/// build of that output typesets only the PDFs whose inputs changed.
pub const MANIFEST: &str = ".briefing-pdfs.json";

/// Which code typeset a PDF: a cached PDF from another version of briefing or Typst, or from
/// a briefing whose PDF code changed (`build.rs` hashes `src/pdf/`), is never reused.
const CODE: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "+typst-0.15.1+",
    env!("BRIEFING_PDF_CODE")
);

#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    code: String,
    pdfs: std::collections::BTreeMap<String, Recorded>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Recorded {
    /// The job's fingerprint, in hex.
    inputs: String,
    /// The files Typst read, relative to the site root, with their hashes in hex.
    reads: Vec<(String, Option<String>)>,
    /// The PDF's own hash, so a file changed since is not taken for it.
    bytes: String,
}

fn hex(v: u64) -> String {
    format!("{v:016x}")
}

impl Cache {
    /// The manifest of the PDFs at `paths`, for the output.
    pub fn manifest(&self, paths: &[&str], root: &Path) -> Vec<u8> {
        let pdfs = paths
            .iter()
            .filter_map(|p| {
                let e = self.entries.get(*p)?;
                let mut reads = Vec::with_capacity(e.reads.len());
                for (path, h) in &e.reads {
                    // A file outside the root was never read (confine refused it): nothing to
                    // record, and no absolute path goes into a published file.
                    let rel = path.strip_prefix(root).ok()?;
                    reads.push((rel.to_string_lossy().into_owned(), h.map(hex)));
                }
                Some((
                    p.to_string(),
                    Recorded {
                        inputs: hex(e.fingerprint),
                        reads,
                        bytes: hex(crate::hashing::hash_of(&*e.bytes)),
                    },
                ))
            })
            .collect();
        let m = Manifest {
            code: CODE.to_string(),
            pdfs,
        };
        serde_json::to_vec(&m).unwrap_or_default()
    }

    /// Takes the previous output's PDFs whose recorded inputs are still this build's: `old`
    /// reads a file of the previous output. Anything unreadable or different is left out, so
    /// the worst a stale or edited manifest can do is cost a typesetting.
    pub fn seed(
        &mut self,
        manifest: &[u8],
        jobs: &[&Job],
        root: &Path,
        old: impl Fn(&str) -> Option<Vec<u8>>,
    ) {
        let Ok(m) = serde_json::from_slice::<Manifest>(manifest) else {
            return;
        };
        if m.code != CODE {
            return;
        }
        for job in jobs {
            let Some(r) = m.pdfs.get(&job.path) else {
                continue;
            };
            if r.inputs != hex(job.fingerprint()) {
                continue;
            }
            let Some(bytes) = old(&job.path) else {
                continue;
            };
            if hex(crate::hashing::hash_of(&bytes)) != r.bytes {
                continue;
            }
            let mut reads = Vec::with_capacity(r.reads.len());
            for (rel, h) in &r.reads {
                let h = match h {
                    Some(h) => match u64::from_str_radix(h, 16) {
                        Ok(v) => Some(v),
                        Err(_) => break,
                    },
                    None => None,
                };
                reads.push((root.join(rel), h));
            }
            if reads.len() != r.reads.len() {
                continue;
            }
            self.entries.insert(
                job.path.clone(),
                Entry {
                    fingerprint: job.fingerprint(),
                    reads,
                    bytes: Arc::new(bytes),
                },
            );
        }
    }
}
