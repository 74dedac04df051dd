//! Stage 5: write the output atomically. Everything is written into a fresh directory beside
//! the output, which replaces the old output only once complete: a failed or interrupted build
//! leaves the previous output exactly as it was.

mod finish;
pub mod minify;
mod relative;
mod sink;
pub mod swap;

pub use finish::Finish;
pub use relative::Relative;
pub use sink::Sink;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Failure};

/// One file of the output, relative to the output root.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Arc<Vec<u8>>),
    /// A static file copied as is.
    Copy(PathBuf),
}

/// The file briefing leaves in every output it writes, so it never deletes a folder it did not make.
pub const MARKER: &str = ".briefing-output";

/// Refuses output directories that would destroy the user's work.
pub fn check_output_dir(root: &Path, output: &Path, force: bool) -> Result<(), Failure> {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (root_c, out_c) = (canon(root), canon(output));
    let usage =
        |msg: String, hint: &str| Err(Failure::Usage(Diagnostic::error(msg).with_hint(hint)));
    if out_c == root_c || root_c.starts_with(&out_c) {
        return usage(
            format!(
                "refusing to write the site into {}: it is (or contains) the site root",
                output.display()
            ),
            "choose an output folder inside the site, e.g. --output output",
        );
    }
    if let Some(dir) = source_dir_containing(root, output) {
        return usage(
            format!(
                "refusing to write the site into {}: it is inside the site's {dir}/ folder, which briefing reads",
                output.display()
            ),
            "choose an output folder outside content/, static/, themes/ and templates/, e.g. --output output",
        );
    }
    if fs::metadata(output).is_ok_and(|m| !m.is_dir()) {
        return usage(
            format!(
                "refusing to replace {}: it is a file, not a folder",
                output.display()
            ),
            "choose a folder for --output",
        );
    }
    if output.join("content").exists() || output.join(crate::config::CONFIG_FILE).exists() {
        return usage(
            format!(
                "refusing to replace {}: it contains content/ or a site config",
                output.display()
            ),
            "choose an empty or new output folder",
        );
    }
    if output.exists() && !output.join(MARKER).exists() && !force {
        let empty = fs::read_dir(output)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return usage(
                format!(
                    "refusing to replace {}: it was not written by briefing (no {MARKER} file)",
                    output.display()
                ),
                "pass --force to replace it anyway, or choose another --output",
            );
        }
    }
    Ok(())
}

/// Folders of the site briefing reads from: writing the site into them would feed each
/// build's output back in as content of the next.
const SOURCE_DIRS: [&str; 4] = ["content", "static", "themes", "templates"];

/// The folder of the site (`content`, `static`, `themes` or `templates`) that `dir` lies in,
/// symlinks resolved; `build --output` and `publish TARGET` both refuse such a folder.
pub fn source_dir_containing(root: &Path, dir: &Path) -> Option<&'static str> {
    let (root, dir) = (resolve(root), resolve(dir));
    SOURCE_DIRS
        .into_iter()
        .find(|s| dir.starts_with(root.join(s)))
}

/// `path` made absolute with symlinks resolved, also when its last components do not exist yet.
pub fn resolve(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for comp in rest.iter().rev() {
                match comp {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::Normal(n) => out.push(n),
                    _ => {}
                }
            }
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return abs,
        }
    }
}

fn io<'a>(context: &str, path: &'a Path) -> impl Fn(std::io::Error) -> Failure + 'a {
    let context = context.to_string();
    move |e| Failure::io(&context, path, &e)
}

/// Creates an empty staging directory beside `output` (same filesystem, so the final swap is
/// a rename), named uniquely: pids are reused, so a pid alone could name a dead build's folder.
/// The marker goes in first, so a build killed at any point leaves a folder that
/// `swap::Job::start` can prove is briefing's.
pub fn create_staging(output: &Path) -> Result<PathBuf, Failure> {
    let (parent, name) = swap::parent_and_name(output);
    fs::create_dir_all(&parent).map_err(io("cannot create the output's parent folder", &parent))?;
    let staging = parent.join(format!(".{name}.staging-{}", nonce()));
    fs::create_dir(&staging).map_err(io("cannot create the staging folder", &staging))?;
    fs::write(
        staging.join(MARKER),
        b"This folder is written by briefing; it is replaced on every build.\n",
    )
    .map_err(io("cannot write marker", &staging))?;
    Ok(staging)
}

/// A name part no other folder briefing made has: the pid, and the time in nanoseconds.
pub fn nonce() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}-{nanos:x}", std::process::id())
}

/// The output a staging tree will replace, as a source of unchanged files. A rebuild usually
/// changes a few files; hard-linking the rest costs no new inode and no data write, where
/// creating them again is most of a small site's build on a journaling filesystem.
#[derive(Clone, Debug)]
pub struct Reuse {
    /// Canonical, so a file reached through a symlink is told apart by its canonical path.
    previous: PathBuf,
}

impl Reuse {
    /// `None` when there is no previous output, or it is not one briefing wrote.
    pub fn from_previous(output: &Path) -> Option<Reuse> {
        let previous = output.canonicalize().ok()?;
        previous
            .join(MARKER)
            .is_file()
            .then_some(Reuse { previous })
    }

    /// The previous output's file at `rel`, if it is a regular file of `len` bytes reached
    /// without any symlink: a link to anything else could tie the new output to a file
    /// outside it.
    fn candidate(&self, rel: &str, len: u64) -> Option<PathBuf> {
        let old = self.previous.join(rel);
        let meta = fs::symlink_metadata(&old).ok()?;
        (meta.is_file() && meta.len() == len && old.canonicalize().ok()? == old).then_some(old)
    }

    /// The bytes of the previous output's file at `rel`, if it is a regular file reached
    /// without any symlink.
    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        let old = self.previous.join(rel);
        let meta = fs::symlink_metadata(&old).ok()?;
        (meta.is_file() && old.canonicalize().ok()? == old)
            .then(|| fs::read(&old).ok())
            .flatten()
    }

    /// Hard-links the previous output's file at `rel` to `dest` when it is a candidate of `len`
    /// bytes and `same` says it holds the new bytes; false when `dest` is left to be written.
    fn link(&self, rel: &str, len: u64, dest: &Path, same: impl FnOnce(&Path) -> bool) -> bool {
        self.candidate(rel, len)
            .is_some_and(|old| same(&old) && fs::hard_link(&old, dest).is_ok())
    }
}

/// The first I/O failure of writes made in parallel, kept so it is reported as one (exit 3)
/// while each failed write still hands its caller a diagnostic.
#[derive(Debug, Default)]
pub struct FirstFailure(std::sync::Mutex<Option<Failure>>);

impl FirstFailure {
    /// Keeps the failure to write `path` if it is the first; returns its diagnostic.
    pub fn record(&self, context: &str, path: &Path, err: &std::io::Error) -> Diagnostic {
        let diagnostic = crate::diagnostics::io_diagnostic(context, path, err);
        let mut first = self.0.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert_with(|| Failure::Io(diagnostic.clone()));
        diagnostic
    }

    pub fn take(&self) -> Option<Failure> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Puts `bytes` at `dest` (`rel` in the output): a hard link to the previous output's file
/// when that holds the same bytes, otherwise a new file.
pub fn put(reuse: Option<&Reuse>, rel: &str, dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::faults::before_write()?;
    let same = |old: &Path| fs::read(old).is_ok_and(|b| b == bytes);
    if reuse.is_some_and(|r| r.link(rel, bytes.len() as u64, dest, same)) {
        return Ok(());
    }
    fs::write(dest, bytes)
}

/// Copies `src` to `dest` (`rel` in the output), or links the previous output's copy when it
/// has the same bytes.
fn put_copy(reuse: Option<&Reuse>, rel: &str, src: &Path, dest: &Path) -> std::io::Result<()> {
    crate::faults::before_write()?;
    let same = |old: &Path| same_bytes(src, old).unwrap_or(false);
    let len = fs::metadata(src)?.len();
    if reuse.is_some_and(|r| r.link(rel, len, dest, same)) {
        return Ok(());
    }
    fs::copy(src, dest).map(|_| ())
}

/// Whether two files of the same length hold the same bytes, read in chunks: static files
/// can be large.
fn same_bytes(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let (mut fa, mut fb) = (fs::File::open(a)?, fs::File::open(b)?);
    let (mut ba, mut bb) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = fa.read(&mut ba)?;
        if n == 0 {
            return Ok(fb.read(&mut bb[..1])? == 0);
        }
        fb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

/// Writes `files` into `staging` (made by [`create_staging`], so it has the marker), linking unchanged files from `reuse`.
pub fn fill_staging(
    staging: &Path,
    files: &BTreeMap<String, Body>,
    reuse: Option<&Reuse>,
) -> Result<(), Failure> {
    let mut dirs: Vec<PathBuf> = files
        .keys()
        .filter_map(|k| Path::new(k).parent().map(|p| staging.join(p)))
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        fs::create_dir_all(d).map_err(io("cannot create folder", d))?;
    }
    files
        .par_iter()
        .try_for_each(|(rel, body)| -> Result<(), Failure> {
            let dest = staging.join(rel);
            match body {
                Body::Bytes(b) => put(reuse, rel, &dest, b).map_err(io("cannot write", &dest))?,
                // A full disk is about the file being written; anything else may be the source.
                Body::Copy(src) => put_copy(reuse, rel, src, &dest).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::StorageFull {
                        Failure::io("cannot write", &dest, &e)
                    } else {
                        Failure::io("cannot copy", src, &e)
                    }
                })?,
            }
            Ok(())
        })
}

/// Writes `files` into a new staging directory beside `output`; returns it.
pub fn write_staging(output: &Path, files: &BTreeMap<String, Body>) -> Result<PathBuf, Failure> {
    let staging = create_staging(output)?;
    if let Err(e) = fill_staging(&staging, files, None) {
        let _ = remove_tree(&staging);
        return Err(e);
    }
    Ok(staging)
}

/// Removes a directory tree, unlinking files in parallel: on a 10,000-page site the removal
/// of the previous output is otherwise a large share of the build.
///
/// Something already gone is not an error: the next build may hand a tree that a detached
/// remover is still deleting to a second one, and both must finish.
pub fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        r => r,
    };
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(dir).contents_first(true) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.io_error().map(|e| e.kind()) == Some(std::io::ErrorKind::NotFound) => {
                continue;
            }
            Err(e) => return Err(std::io::Error::other(e)),
        };
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
        } else {
            files.push(entry.into_path());
        }
    }
    files
        .par_iter()
        .try_for_each(|f| gone(fs::remove_file(f)))?;
    // contents_first lists children before parents, so each is empty when removed.
    for d in dirs {
        gone(fs::remove_dir(&d))?;
    }
    Ok(())
}

/// Removes a replaced output tree without making the user wait: deleting 10,000 files costs
/// seconds on a slow disk, and nothing needs them gone before the command returns. A detached
/// `briefing __remove-tree DIR` does it; if that cannot start, we remove it ourselves.
pub fn discard(old: &Path) {
    let spawned = std::env::current_exe().ok().and_then(|exe| {
        std::process::Command::new(exe)
            .arg("__remove-tree")
            .arg(old)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()
    });
    if spawned.is_none() {
        let _ = remove_tree(old);
    }
}

/// Removes a tree that `discard` handed over, refusing anything that is not a replaced
/// output or a dead build's staging folder (so the hidden command can never delete a user's
/// folder): the name must be briefing's and the folder must carry the marker.
pub fn remove_discarded(dir: &Path) -> Result<(), Failure> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !(swap::is_debris_name(&name) && is_ours(dir)) {
        return Err(Failure::Usage(Diagnostic::error(format!(
            "{} is not a replaced briefing output",
            dir.display()
        ))));
    }
    remove_tree(dir).map_err(io("cannot remove the old output", dir))
}

/// Whether `dir` is a real folder (not a symlink) carrying briefing's marker.
pub fn is_ours(dir: &Path) -> bool {
    let real_dir = fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    real_dir && fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn inode(p: &Path) -> u64 {
        fs::metadata(p).unwrap().ino()
    }

    /// `put` of `bytes` at `rel` in `staging`.
    fn put_in(reuse: Option<&Reuse>, staging: &Path, rel: &str, bytes: &[u8]) {
        put(reuse, rel, &staging.join(rel), bytes).unwrap();
    }

    /// `put_copy` of `src` to `rel` in `staging`.
    fn copy_in(reuse: Option<&Reuse>, staging: &Path, rel: &str, src: &Path) {
        put_copy(reuse, rel, src, &staging.join(rel)).unwrap();
    }

    /// A previous output holding `files`, and an empty staging folder beside it.
    fn previous(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("output");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join(MARKER), b"").unwrap();
        for (rel, bytes) in files {
            let p = out.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
        let staging = tmp.path().join("staging");
        fs::create_dir_all(staging.join("a")).unwrap();
        (tmp, out, staging)
    }

    #[test]
    fn the_first_failed_write_is_kept_as_an_io_failure() {
        let first = FirstFailure::default();
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let d = first.record("cannot write", Path::new("out/a.html"), &full);
        assert!(d.message.contains("disk is full"), "{}", d.message);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        first.record("cannot write", Path::new("out/b.html"), &denied);
        let kept = first.take().expect("a failure was recorded");
        assert_eq!(kept.exit_code(), 3);
        assert_eq!(
            kept.diagnostics()[0].file.as_deref(),
            Some(Path::new("out/a.html"))
        );
        assert!(first.take().is_none());
    }

    #[test]
    fn an_unchanged_file_is_linked_and_a_changed_one_written_afresh() {
        let (_tmp, out, staging) = previous(&[("a/same.html", b"same"), ("a/edit.html", b"old!")]);
        let reuse = Reuse::from_previous(&out);
        assert!(reuse.is_some());
        put_in(reuse.as_ref(), &staging, "a/same.html", b"same");
        put_in(reuse.as_ref(), &staging, "a/edit.html", b"new!");
        put_in(reuse.as_ref(), &staging, "a/added.html", b"add");
        assert_eq!(
            inode(&staging.join("a/same.html")),
            inode(&out.join("a/same.html"))
        );
        assert_ne!(
            inode(&staging.join("a/edit.html")),
            inode(&out.join("a/edit.html"))
        );
        assert_eq!(fs::read(staging.join("a/edit.html")).unwrap(), b"new!");
        assert_eq!(fs::read(out.join("a/edit.html")).unwrap(), b"old!");
        assert_eq!(fs::read(staging.join("a/added.html")).unwrap(), b"add");
    }

    #[test]
    fn a_copied_static_file_is_linked_only_when_its_bytes_match() {
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut changed = big.clone();
        changed[150_000] ^= 1;
        let (tmp, out, staging) = previous(&[("a/big.bin", &big), ("a/other.bin", &big)]);
        let (src_same, src_changed) = (tmp.path().join("same.bin"), tmp.path().join("chg.bin"));
        fs::write(&src_same, &big).unwrap();
        fs::write(&src_changed, &changed).unwrap();
        let reuse = Reuse::from_previous(&out);
        copy_in(reuse.as_ref(), &staging, "a/big.bin", &src_same);
        copy_in(reuse.as_ref(), &staging, "a/other.bin", &src_changed);
        assert_eq!(
            inode(&staging.join("a/big.bin")),
            inode(&out.join("a/big.bin"))
        );
        assert_ne!(
            inode(&staging.join("a/other.bin")),
            inode(&out.join("a/other.bin"))
        );
        assert_eq!(fs::read(staging.join("a/other.bin")).unwrap(), changed);
    }

    #[test]
    fn nothing_is_linked_through_a_symlink_or_from_a_folder_briefing_did_not_write() {
        let (tmp, out, staging) = previous(&[]);
        let outside = tmp.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("page.html"), b"same").unwrap();
        // A symlinked file, and a file inside a symlinked folder, with the very bytes the build
        // wants: linking either would tie the new output to a file outside it.
        std::os::unix::fs::symlink(outside.join("page.html"), out.join("link.html")).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("b")).unwrap();
        let reuse = Reuse::from_previous(&out);
        fs::create_dir_all(staging.join("b")).unwrap();
        put_in(reuse.as_ref(), &staging, "link.html", b"same");
        put_in(reuse.as_ref(), &staging, "b/page.html", b"same");
        let outside_inode = inode(&outside.join("page.html"));
        assert_ne!(inode(&staging.join("link.html")), outside_inode);
        assert_ne!(inode(&staging.join("b/page.html")), outside_inode);
        assert!(
            !fs::symlink_metadata(staging.join("link.html"))
                .unwrap()
                .is_symlink()
        );

        fs::remove_file(out.join(MARKER)).unwrap();
        assert!(
            Reuse::from_previous(&out).is_none(),
            "a folder without the marker is not ours"
        );
        assert!(Reuse::from_previous(&tmp.path().join("missing")).is_none());
    }
}
