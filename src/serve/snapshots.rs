//! The snapshot store: turns each build result into the immutable snapshot requests see
//! (patches applied in place, static files read into memory) and tells the tabs what changed.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc::{self, SendError, Sender};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde_json::Value;

use super::reload::{self, Hub, Message};
use super::search_worker::{SearchJob, search_worker};
use super::server::{self, LiveSite, Snapshot};
use crate::build::{Built, Output};
use crate::diagnostics::{self, Diagnostic, Failure};
use crate::output::Body;

/// Size and modification time: enough to tell that a static file changed without reading it.
type FileStamp = (u64, Option<SystemTime>);

/// Turns build results into snapshots, terminal lines and tab messages.
pub(super) struct SnapshotStore {
    /// The snapshot requests are answered from; this store is its only writer besides the
    /// search worker's bundle merge.
    pub(super) live: LiveSite,
    hub: Hub,
    /// Tells this server's builds from a previous run's, so a tab that reconnects after a
    /// restart reloads even though the counter started again.
    nonce: u64,
    counter: u64,
    stamps: HashMap<String, FileStamp>,
    /// Whether any build has succeeded yet, i.e. whether there is a last good build to show.
    built: bool,
    /// Jobs for the search worker, once it runs.
    search: Option<Sender<SearchJob>>,
    color: bool,
    /// The site root (canonical): static files are held in memory only from inside it.
    root: PathBuf,
    /// Static files read into memory, by real path, with the stamp they were read at.
    static_bytes: HashMap<PathBuf, (FileStamp, Arc<Vec<u8>>)>,
}

/// Static files up to this size are served from memory, like pages: a request never sees one
/// half-written by an editor's save, only the version the last build read. Larger files (video,
/// big PDFs) are read from disk per request rather than held for the whole session.
const STATIC_IN_MEMORY: u64 = 8 << 20;

impl SnapshotStore {
    pub(super) fn new(hub: Hub, root: PathBuf) -> SnapshotStore {
        let nonce = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ u64::from(std::process::id());
        let snap = Snapshot {
            files: Arc::new(BTreeMap::new()),
            build: format!("{nonce:x}-0"),
            failure: None,
            warnings: None,
            drafts: Arc::default(),
            pdfs: Default::default(),
        };
        SnapshotStore {
            live: Arc::new(RwLock::new(Arc::new(snap))),
            hub,
            nonce,
            counter: 0,
            stamps: HashMap::new(),
            built: false,
            search: None,
            root,
            static_bytes: HashMap::new(),
            color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    pub(super) fn apply(&mut self, result: Result<Built, Failure>, first: bool) {
        let old = server::current(&self.live);
        match result {
            Ok(built) => {
                for w in &built.warnings {
                    eprint!("{}", w.render(self.color));
                }
                let old_build = old.build.clone();
                let was_failing = old.failure.is_some();
                let warnings = warnings_overlay(&built.warnings);
                let warnings_changed =
                    old.warnings.as_ref().map(|w| &w.0) != warnings.as_ref().map(|w| &w.0);
                let drafts = Arc::new(built.drafts.iter().cloned().collect());
                let (files, changed) = match built.output {
                    Output::Patched(pages) => {
                        // Requests hold the snapshot only while they answer; let go of ours
                        // too, so the patch usually lands in place instead of copying 10,000
                        // entries.
                        drop(old);
                        self.patched(pages)
                    }
                    // `serve` never streams: it builds in memory, so this is every file.
                    Output::Full(mut files) | Output::Streamed(mut files) => {
                        // Until the background indexer below finishes, keep serving the previous
                        // search bundle rather than none; it is not a reason to reload any tab.
                        for (k, v) in old
                            .files
                            .range("pagefind/".to_string().."pagefind0".to_string())
                        {
                            files.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                        self.load_static(&mut files);
                        let stamps = stamp_static(&files);
                        let changed = changed_paths(&old.files, &files, &self.stamps, &stamps);
                        self.stamps = stamps;
                        (Arc::new(files), changed)
                    }
                };
                let mut changed = changed;
                changed.retain(|p| !p.starts_with("pagefind/"));
                self.built = true;
                let build = if changed.is_empty() {
                    old_build
                } else {
                    self.counter += 1;
                    format!("{:x}-{}", self.nonce, self.counter)
                };
                let s = &built.stats;
                let pages: Vec<(String, Arc<Vec<u8>>)> = if built.search {
                    built
                        .brief_pages
                        .iter()
                        .filter_map(|p| match files.get(p) {
                            Some(Body::Bytes(b)) => Some((p.clone(), b.clone())),
                            _ => None,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let warnings_json = warnings.as_ref().map(|w| w.0.clone());
                self.store(Snapshot {
                    files,
                    build: build.clone(),
                    failure: None,
                    warnings,
                    drafts,
                    pdfs: built.pdfs.clone(),
                });
                if built.search {
                    self.refresh_search(pages, built.language.clone(), build.clone());
                }
                built.pdfs.refresh_wanted();
                if first {
                    println!("{}", s.summary());
                } else {
                    println!(
                        "Rebuilt {} of {} pages in {} ms",
                        s.rendered,
                        s.pages,
                        s.elapsed.as_millis()
                    );
                }
                if !changed.is_empty() {
                    let css_only = changed.iter().all(|p| p.ends_with(".css"));
                    self.hub.send(Message::Reload {
                        build,
                        paths: Arc::new(changed),
                        css_only,
                        warnings: warnings_json,
                    });
                } else if was_failing || warnings_changed {
                    self.hub.send(Message::Clear {
                        build,
                        warnings: warnings_json,
                    });
                }
            }
            Err(failure) => {
                let diags = failure.diagnostics();
                eprint!("{}", diagnostics::render_report(&diags, self.color));
                let errors = diags.iter().filter(|d| d.is_error()).count();
                eprintln!(
                    "error: {} failed with {errors} error{}; {}",
                    if first { "the build" } else { "the rebuild" },
                    if errors == 1 { "" } else { "s" },
                    if self.built {
                        "still serving the last good build"
                    } else {
                        "fix it and save: the site appears once it builds"
                    }
                );
                let shown: Vec<&Diagnostic> = diags
                    .iter()
                    .copied()
                    .filter(|d| d.is_error() || errors == 0)
                    .collect();
                let json: Vec<Value> = diagnostics::json_report(&shown);
                let overlay: Arc<str> = Arc::from(reload::overlay_html(&json));
                let json = Arc::new(json);
                self.store(Snapshot {
                    files: old.files.clone(),
                    build: old.build.clone(),
                    failure: Some((json.clone(), overlay)),
                    warnings: old.warnings.clone(),
                    drafts: old.drafts.clone(),
                    pdfs: old.pdfs.clone(),
                });
                self.hub.send(Message::Error {
                    build: old.build.clone(),
                    diagnostics: json,
                });
            }
        }
    }

    /// Reads the build's static files (those inside the site, up to [`STATIC_IN_MEMORY`]) into
    /// memory, rereading only files whose size or modification time changed. Anything else is
    /// left to the server, which checks it again per request.
    fn load_static(&mut self, files: &mut BTreeMap<String, Body>) {
        let mut kept = HashMap::new();
        for body in files.values_mut() {
            let Body::Copy(src) = body else { continue };
            let Some(real) = server::inside(&self.root, src) else {
                continue;
            };
            let Ok(meta) = std::fs::metadata(&real) else {
                continue;
            };
            if meta.len() > STATIC_IN_MEMORY {
                continue;
            }
            let stamp = (meta.len(), meta.modified().ok());
            let bytes = match self.static_bytes.get(&real) {
                Some((s, b)) if *s == stamp => b.clone(),
                _ => match std::fs::read(&real) {
                    Ok(b) => Arc::new(b),
                    Err(_) => continue,
                },
            };
            *body = Body::Bytes(bytes.clone());
            kept.insert(real, (stamp, bytes));
        }
        self.static_bytes = kept;
    }

    /// The current snapshot's files with a patch's pages put in, and the pages whose bytes
    /// changed. Done under the write lock on the map itself when no request holds it, which
    /// costs a few inserts; otherwise on a copy.
    fn patched(&self, pages: BTreeMap<String, Body>) -> (Arc<BTreeMap<String, Body>>, Vec<String>) {
        let mut guard = match self.live.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut files = guard.files.clone();
        // Replace the snapshot's reference with a placeholder so ours is the only one.
        *guard = Arc::new(Snapshot {
            files: Arc::new(BTreeMap::new()),
            build: guard.build.clone(),
            failure: guard.failure.clone(),
            warnings: guard.warnings.clone(),
            drafts: guard.drafts.clone(),
            pdfs: guard.pdfs.clone(),
        });
        let map = Arc::make_mut(&mut files);
        let mut changed = Vec::new();
        for (k, body) in pages {
            let same = matches!((map.get(&k), &body), (Some(Body::Bytes(a)), Body::Bytes(b)) if Arc::ptr_eq(a, b) || a == b);
            if !same {
                changed.push(k.clone());
            }
            map.insert(k, body);
        }
        *guard = Arc::new(Snapshot {
            files: files.clone(),
            build: guard.build.clone(),
            failure: guard.failure.clone(),
            warnings: guard.warnings.clone(),
            drafts: guard.drafts.clone(),
            pdfs: guard.pdfs.clone(),
        });
        (files, changed)
    }

    /// Indexes the brief pages on a background thread, so the page reload never waits for
    /// search; the bundle is merged into the snapshot only if no newer build replaced it.
    ///
    /// One long-lived thread does all indexing and skips builds a newer one superseded. A thread
    /// per rebuild let a burst of edits index stale builds side by side, and each fresh thread
    /// left its garbage in another malloc arena, so the server's memory crept up with every save.
    fn refresh_search(
        &mut self,
        pages: Vec<(String, Arc<Vec<u8>>)>,
        language: String,
        build: String,
    ) {
        let job = SearchJob {
            pages,
            language,
            build,
        };
        let job = match &self.search {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                // The worker is gone (it panicked); start another.
                Err(SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = mpsc::channel();
        let live = self.live.clone();
        let spawned = std::thread::Builder::new()
            .name("briefing-search".into())
            .spawn(move || search_worker(rx, live, crate::search::index_serially));
        match spawned {
            Ok(_) => {
                let _ = tx.send(job);
                self.search = Some(tx);
            }
            Err(e) => eprintln!(
                "warning: cannot start the search indexer: {e}; search shows the last index"
            ),
        }
    }

    fn store(&self, snap: Snapshot) {
        let snap = Arc::new(snap);
        match self.live.write() {
            Ok(mut g) => *g = snap,
            Err(p) => *p.into_inner() = snap,
        }
    }
}

/// A successful build's warnings as JSON diagnostics and as the warnings overlay, shown on
/// every page until a build has none.
fn warnings_overlay(warnings: &[Diagnostic]) -> Option<(Arc<Vec<Value>>, Arc<str>)> {
    if warnings.is_empty() {
        return None;
    }
    let refs: Vec<&Diagnostic> = warnings.iter().collect();
    let json = diagnostics::json_report(&refs);
    let html: Arc<str> = Arc::from(reload::warnings_html(&json));
    Some((Arc::new(json), html))
}

fn stamp_static(files: &BTreeMap<String, Body>) -> HashMap<String, FileStamp> {
    files
        .iter()
        .filter_map(|(k, b)| match b {
            Body::Copy(src) => {
                let m = std::fs::metadata(src).ok();
                Some((
                    k.clone(),
                    (
                        m.as_ref().map_or(0, |m| m.len()),
                        m.and_then(|m| m.modified().ok()),
                    ),
                ))
            }
            Body::Bytes(_) => None,
        })
        .collect()
}

/// Output paths that differ between two builds: added, removed, or with other bytes.
///
/// Computed here rather than taken from [`Built::changed`], which only covers rendered pages
/// and counts against the builder's last attempt, not against what the tabs were last sent.
fn changed_paths(
    old: &BTreeMap<String, Body>,
    new: &BTreeMap<String, Body>,
    old_stamps: &HashMap<String, FileStamp>,
    new_stamps: &HashMap<String, FileStamp>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (k, body) in new {
        let same = match (old.get(k), body) {
            (Some(Body::Bytes(a)), Body::Bytes(b)) => Arc::ptr_eq(a, b) || a == b,
            (Some(Body::Copy(a)), Body::Copy(b)) => {
                a == b && old_stamps.get(k) == new_stamps.get(k)
            }
            _ => false,
        };
        if !same {
            out.push(k.clone());
        }
    }
    out.extend(old.keys().filter(|k| !new.contains_key(*k)).cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_files_are_held_in_memory_from_inside_the_site_only() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(root.join("static")).unwrap();
        let small = root.join("static/a.txt");
        std::fs::write(&small, "first").unwrap();
        let outside = tmp.path().join("secret.txt");
        std::fs::write(&outside, "secret").unwrap();
        let root = root.canonicalize().unwrap();
        let mut store = SnapshotStore::new(Hub::default(), root.clone());
        let files = || -> BTreeMap<String, Body> {
            [
                ("a.txt".to_string(), Body::Copy(small.clone())),
                ("secret.txt".to_string(), Body::Copy(outside.clone())),
            ]
            .into_iter()
            .collect()
        };
        let bytes = |files: &BTreeMap<String, Body>, k: &str| match &files[k] {
            Body::Bytes(b) => Some(b.clone()),
            Body::Copy(_) => None,
        };

        let mut first = files();
        store.load_static(&mut first);
        let a1 = bytes(&first, "a.txt").expect("a file inside the site is read");
        assert_eq!(a1.as_slice(), b"first");
        // Outside the root: left for the server, which refuses it per request.
        assert!(bytes(&first, "secret.txt").is_none());

        // Unchanged on disk: the same bytes, not a second read.
        let mut again = files();
        store.load_static(&mut again);
        assert!(Arc::ptr_eq(&a1, &bytes(&again, "a.txt").unwrap()));

        // Changed on disk: read again.
        std::fs::write(&small, "second, longer").unwrap();
        let mut changed = files();
        store.load_static(&mut changed);
        assert_eq!(
            bytes(&changed, "a.txt").unwrap().as_slice(),
            b"second, longer"
        );
    }

    fn bytes(s: &str) -> Body {
        Body::Bytes(Arc::new(s.as_bytes().to_vec()))
    }

    #[test]
    fn changes_cover_added_removed_and_edited_files() {
        let old: BTreeMap<String, Body> = [
            ("a.html", bytes("a")),
            ("b.html", bytes("b")),
            ("gone.html", bytes("g")),
            ("style.css", Body::Copy("s.css".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let new: BTreeMap<String, Body> = [
            ("a.html", bytes("a")),
            ("b.html", bytes("B")),
            ("new.html", bytes("n")),
            ("style.css", Body::Copy("s.css".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let t = SystemTime::UNIX_EPOCH;
        let s1: HashMap<String, FileStamp> = [("style.css".to_string(), (10, Some(t)))].into();
        let s2: HashMap<String, FileStamp> = [("style.css".to_string(), (11, Some(t)))].into();
        assert_eq!(
            changed_paths(&old, &new, &s1, &s1),
            vec!["b.html", "new.html", "gone.html"]
        );
        assert_eq!(
            changed_paths(&old, &new, &s1, &s2),
            vec!["b.html", "new.html", "style.css", "gone.html"]
        );
    }
}
