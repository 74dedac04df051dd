//! The rebuild thread: takes the watcher's batches, rebuilds with the one long-lived
//! [`Builder`] and hands each result to the [`SnapshotStore`].

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use super::snapshots::SnapshotStore;
use super::watch;
use crate::build::Builder;

pub(super) fn rebuild_loop(
    mut builder: Builder,
    batches: Receiver<watch::Batch>,
    mut store: SnapshotStore,
) {
    while let Ok(first) = batches.recv() {
        // Edits that arrived during the previous rebuild are all covered by this one.
        let mut paths = first.paths;
        while let Ok(more) = batches.try_recv() {
            paths.extend(more.paths);
        }
        await_replacements(&builder.root, &batches, &mut paths);
        paths.sort();
        paths.dedup();
        println!("{}", changed_line(&paths));
        let result = builder.build_changed(&paths);
        let start = std::time::Instant::now();
        store.apply(result, false);
        if std::env::var_os("BRIEFING_TIMINGS").is_some() {
            eprintln!(
                "  publish    {:>7.1} ms",
                start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}

/// The log line naming what triggered a rebuild: `Changed: content/hedges/china.md`, the first
/// three paths of a larger batch and how many more.
fn changed_line(paths: &[PathBuf]) -> String {
    const SHOWN: usize = 3;
    let names: Vec<String> = paths
        .iter()
        .take(SHOWN)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    let mut line = format!("Changed: {}", names.join(", "));
    if paths.len() > SHOWN {
        line.push_str(&format!(" and {} more", paths.len() - SHOWN));
    }
    line
}

/// How long a vanished source file gets to come back before the build goes on without it.
const REPLACE_GRACE: Duration = Duration::from_millis(60);

/// Some editors save by moving the old file aside first and writing the new one after it; a
/// batch can end between the two. A build then would drop the brief and reload every tab onto
/// a 404. So when a batch names files that are gone, wait (briefly) for them to reappear,
/// taking in the batches that bring them. A real delete costs this grace once.
fn await_replacements(root: &Path, batches: &Receiver<watch::Batch>, paths: &mut Vec<PathBuf>) {
    let deadline = std::time::Instant::now() + REPLACE_GRACE;
    while paths
        .iter()
        .any(|p| p.extension().is_some() && !root.join(p).exists())
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        match batches.recv_timeout(left.min(Duration::from_millis(5))) {
            Ok(more) => paths.extend(more.paths),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_names_the_changed_files() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(changed_line(&[p("content/a.md")]), "Changed: content/a.md");
        let many: Vec<PathBuf> = (0..5).map(|i| p(&format!("static/{i}.css"))).collect();
        assert_eq!(
            changed_line(&many),
            "Changed: static/0.css, static/1.css, static/2.css and 2 more"
        );
    }
}
