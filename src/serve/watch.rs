//! Watching the site's sources: file-system events in, one batch per burst of edits out.
//!
//! Only the inputs of a build are watched: `briefing.toml`, `terms.toml`, `content/`, `templates/`, `static/`,
//! `i18n/` and `themes/`. The site root itself is watched without recursion, so a folder that appears
//! later (a first `templates/`) or comes back after a delete is picked up, while `output/`,
//! `target/` and `.git/` never cost a watch or a rebuild.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use notify_debouncer_full::notify::event::ModifyKind;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, DebouncedEvent, new_debouncer};

use crate::config::{CONFIG_FILE, Config};
use crate::content::is_ignored_name;

/// The folders under the root whose files feed a build.
const SOURCE_DIRS: [&str; 5] = ["content", "templates", "static", "i18n", "themes"];

/// Editors write several events per save, within a millisecond or two of each other; this long
/// a pause ends one. It is most of the save-to-reload latency, so it is short: a save split in
/// two still ends in the right page (the second rebuild catches the rest), and a save that
/// moves the file aside first is held together by `serve`'s replacement grace.
const DEBOUNCE: Duration = Duration::from_millis(8);

/// The debouncer flushes per path on its own clock, so one save can arrive as two or three
/// batches a tick apart; waiting this long after the last one merges them into one rebuild.
const SETTLE: Duration = Duration::from_millis(4);

/// Sources that changed together, relative to the site root.
#[derive(Debug, Default)]
pub struct Batch {
    pub paths: Vec<PathBuf>,
}

/// Starts watching `root` (canonical). Batches arrive on the receiver until it is dropped.
/// Problems with the watcher itself are warnings: serving still works without live reload.
pub fn spawn(root: &Path) -> Receiver<Batch> {
    let (out_tx, out_rx) = mpsc::channel();
    let root = root.to_path_buf();
    let spawned = std::thread::Builder::new().name("briefing-watch".into()).spawn(move || {
        if let Err(e) = watch_loop(&root, out_tx) {
            eprintln!("warning: stopped watching for changes: {e}");
            eprintln!("  = help: on Linux, raise fs.inotify.max_user_watches if the limit was reached; restart `briefing serve` to pick up changes");
        }
    });
    if let Err(e) = spawned {
        eprintln!("warning: cannot watch for changes: {e}");
    }
    out_rx
}

fn watch_loop(root: &Path, out: Sender<Batch>) -> Result<(), String> {
    let (raw_tx, raw_rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, None, raw_tx).map_err(|e| e.to_string())?;
    debouncer
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let mut watched: HashSet<&'static str> = HashSet::new();
    let mut rewatch: HashSet<&'static str> = HashSet::new();
    let mut theme = current_theme(root);
    reconcile(root, &mut debouncer, &mut watched, &mut rewatch);

    loop {
        let Ok(first) = raw_rx.recv() else {
            return Ok(());
        };
        let mut results = vec![first];
        loop {
            match raw_rx.recv_timeout(SETTLE) {
                Ok(r) => results.push(r),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
        let mut batch = Batch::default();
        for result in results {
            match result {
                Ok(events) => {
                    for ev in &events {
                        // Only a folder created, removed or renamed loses its watch. Reading it
                        // (as the build and the watcher itself do) must not count, or each new
                        // watch would set off the next.
                        if matches!(
                            ev.kind,
                            EventKind::Create(_)
                                | EventKind::Remove(_)
                                | EventKind::Modify(ModifyKind::Name(_))
                        ) {
                            rewatch.extend(ev.paths.iter().filter_map(|p| top_level_dir(root, p)));
                        }
                        collect(root, theme.as_deref(), ev, &mut batch.paths);
                    }
                }
                Err(errors) => {
                    for e in errors {
                        eprintln!("warning: file watcher: {e}");
                    }
                }
            }
        }
        batch.paths.sort();
        batch.paths.dedup();
        if batch.paths.iter().any(|p| p == Path::new(CONFIG_FILE)) {
            theme = current_theme(root);
        }
        reconcile(root, &mut debouncer, &mut watched, &mut rewatch);
        if !batch.paths.is_empty() && out.send(batch).is_err() {
            return Ok(());
        }
    }
}

/// Adds watches for source folders that exist now and were not watched (or were replaced).
fn reconcile<W, C>(
    root: &Path,
    debouncer: &mut notify_debouncer_full::Debouncer<W, C>,
    watched: &mut HashSet<&'static str>,
    rewatch: &mut HashSet<&'static str>,
) where
    W: notify_debouncer_full::notify::Watcher,
    C: notify_debouncer_full::FileIdCache,
{
    for name in SOURCE_DIRS {
        let dir = root.join(name);
        let again = rewatch.remove(name);
        if !dir.is_dir() {
            if watched.remove(name) {
                let _ = debouncer.unwatch(&dir);
            }
            continue;
        }
        if watched.contains(name) && !again {
            continue;
        }
        if watched.contains(name) {
            let _ = debouncer.unwatch(&dir);
        }
        match debouncer.watch(&dir, RecursiveMode::Recursive) {
            Ok(()) => {
                watched.insert(name);
            }
            Err(e) => {
                watched.remove(name);
                eprintln!("warning: cannot watch {name}/ for changes: {e}");
            }
        }
    }
}

fn current_theme(root: &Path) -> Option<String> {
    Config::load(root).ok().map(|c| c.theme)
}

fn top_level_dir(root: &Path, p: &Path) -> Option<&'static str> {
    let rel = p.strip_prefix(root).ok()?;
    let mut comps = rel.components();
    let first = comps.next()?;
    if comps.next().is_some() {
        return None;
    }
    SOURCE_DIRS.into_iter().find(|d| first.as_os_str() == *d)
}

/// Adds the paths of `ev` that a build reads.
fn collect(root: &Path, theme: Option<&str>, ev: &DebouncedEvent, out: &mut Vec<PathBuf>) {
    if ev.need_rescan() {
        // The kernel dropped events; something changed, we cannot say what.
        out.push(PathBuf::from("."));
        return;
    }
    if matches!(ev.kind, EventKind::Access(_)) {
        // Reads, including the build's own, must not trigger builds.
        return;
    }
    for p in &ev.paths {
        if let Ok(rel) = p.strip_prefix(root)
            && is_source(rel, theme)
        {
            out.push(rel.to_path_buf());
        }
    }
}

/// Whether a path (relative to the site root) is an input of a build.
pub fn is_source(rel: &Path, theme: Option<&str>) -> bool {
    let mut names = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(n) => names.push(n.to_string_lossy()),
            _ => return false,
        }
    }
    if names.iter().any(|n| is_editor_temp(n)) {
        return false;
    }
    match names.as_slice() {
        [] => false,
        [only] => {
            only == CONFIG_FILE
                || only == crate::content::translation::TermLabels::FILE
                || SOURCE_DIRS.contains(&only.as_ref())
        }
        [first, second, ..] if first == "themes" => theme.is_none_or(|t| second == t),
        [first, ..] => SOURCE_DIRS.contains(&first.as_ref()),
    }
}

/// Swap, backup and temp files: the loader's list plus the temp names JetBrains IDEs rename
/// over the real file on save.
fn is_editor_temp(name: &str) -> bool {
    is_ignored_name(name) || name.ends_with("___jb_tmp___") || name.ends_with("___jb_old___")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(p: &str) -> bool {
        is_source(Path::new(p), Some("default"))
    }

    #[test]
    fn sources_are_the_build_inputs() {
        assert!(src("briefing.toml"));
        assert!(src("content/hedges/china.md"));
        assert!(src("content/data/tests.csv"));
        assert!(src("templates/brief.html"));
        assert!(src("static/logo.svg"));
        assert!(src("themes/default/templates/base.html"));
        assert!(src("content"));
        assert!(src("templates"));
        assert!(src("i18n/en.toml"));
        assert!(src("terms.toml"));
    }

    #[test]
    fn other_files_are_not() {
        assert!(!src("output/index.html"));
        assert!(!src("target/debug/briefing"));
        assert!(!src(".git/index"));
        assert!(!src("README.md"));
        assert!(!src("themes/other/templates/base.html"));
        assert!(!src("../elsewhere/briefing.toml"));
        assert!(is_source(
            Path::new("themes/other/templates/base.html"),
            None
        ));
    }

    #[test]
    fn editor_droppings_are_ignored() {
        assert!(!src("content/hedges/.china.md.swp"));
        assert!(!src("content/hedges/china.md~"));
        assert!(!src("content/hedges/.#china.md"));
        assert!(!src("content/hedges/#china.md#"));
        assert!(!src("content/hedges/4913"));
        assert!(!src("content/hedges/china.md___jb_tmp___"));
        assert!(!src("content/hedges/china.md___jb_old___"));
        assert!(!src("content/.hidden/a.md"));
        assert!(!src(".briefing.toml.swp"));
    }
}
