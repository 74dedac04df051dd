//! Stage 5: write the output atomically. Everything is written into a fresh directory beside
//! the output, which replaces the old output only once complete: a failed or interrupted build
//! leaves the previous output exactly as it was.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Failure};
use crate::render::Body;

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

fn io<'a>(context: &str, path: &'a Path) -> impl Fn(std::io::Error) -> Failure + 'a {
    let context = context.to_string();
    move |e| Failure::io(&context, path, &e)
}

/// Creates an empty staging directory beside `output` (same filesystem, so the final swap is
/// a rename).
pub fn create_staging(output: &Path) -> Result<PathBuf, Failure> {
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io("cannot create the output's parent folder", parent))?;
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    if staging.exists() {
        remove_tree(&staging).map_err(io("cannot clear an old staging folder", &staging))?;
    }
    fs::create_dir_all(&staging).map_err(io("cannot create the staging folder", &staging))?;
    Ok(staging)
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

    /// Hard-links the previous output's file at `rel` to `dest` when it is a candidate of `len`
    /// bytes and `same` says it holds the new bytes; false when `dest` is left to be written.
    fn link(&self, rel: &str, len: u64, dest: &Path, same: impl FnOnce(&Path) -> bool) -> bool {
        self.candidate(rel, len)
            .is_some_and(|old| same(&old) && fs::hard_link(&old, dest).is_ok())
    }
}

/// Puts `bytes` at `dest` (`rel` in the output): a hard link to the previous output's file
/// when that holds the same bytes, otherwise a new file.
pub fn put(reuse: Option<&Reuse>, rel: &str, dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let same = |old: &Path| fs::read(old).is_ok_and(|b| b == bytes);
    if reuse.is_some_and(|r| r.link(rel, bytes.len() as u64, dest, same)) {
        return Ok(());
    }
    fs::write(dest, bytes)
}

/// Copies `src` to `dest` (`rel` in the output), or links the previous output's copy when it
/// has the same bytes.
fn put_copy(reuse: Option<&Reuse>, rel: &str, src: &Path, dest: &Path) -> std::io::Result<()> {
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

/// Writes `files` and the marker into `staging`, linking unchanged files from `reuse`.
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
                Body::Copy(src) => {
                    put_copy(reuse, rel, src, &dest).map_err(io("cannot copy", src))?
                }
            }
            Ok(())
        })?;
    fs::write(
        staging.join(MARKER),
        b"This folder is written by briefing; it is replaced on every build.\n",
    )
    .map_err(io("cannot write marker", staging))
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
pub fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(dir).contents_first(true) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
        } else {
            files.push(entry.into_path());
        }
    }
    files.par_iter().try_for_each(fs::remove_file)?;
    // contents_first lists children before parents, so each is empty when removed.
    for d in dirs {
        fs::remove_dir(&d)?;
    }
    Ok(())
}

/// Replaces `output` with `staging` by renames, so readers see the old or the new tree, never
/// a mix. The old tree is removed afterwards.
pub fn swap_in(staging: &Path, output: &Path) -> Result<(), Failure> {
    if output.exists() {
        let parent = output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        if old.exists() {
            let _ = remove_tree(&old);
        }
        fs::rename(output, &old).map_err(io("cannot move the old output aside", output))?;
        if let Err(e) = fs::rename(staging, output) {
            // Put the old output back so the user keeps a working site.
            let _ = fs::rename(&old, output);
            return Err(Failure::io(
                "cannot move the new output in place",
                output,
                &e,
            ));
        }
        discard(&old);
    } else {
        fs::rename(staging, output).map_err(io("cannot move the new output in place", output))?;
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
/// briefing output (so the hidden command can never delete a user's folder).
pub fn remove_discarded(dir: &Path) -> Result<(), Failure> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !(name.starts_with('.') && name.contains(".old-") && dir.join(MARKER).exists()) {
        return Err(Failure::Usage(Diagnostic::error(format!(
            "{} is not a replaced briefing output",
            dir.display()
        ))));
    }
    remove_tree(dir).map_err(io("cannot remove the old output", dir))
}

/// Full atomic write.
pub fn write_site(output: &Path, files: &BTreeMap<String, Body>) -> Result<(), Failure> {
    let staging = write_staging(output, files)?;
    swap_in(&staging, output)
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
