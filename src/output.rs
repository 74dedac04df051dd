//! Stage 5: write the output atomically. Everything is written into a fresh directory beside
//! the output, which replaces the old output only once complete: a failed or interrupted build
//! leaves the previous output exactly as it was.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
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

/// Writes `files` and the marker into `staging`.
pub fn fill_staging(staging: &Path, files: &BTreeMap<String, Body>) -> Result<(), Failure> {
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
                Body::Bytes(b) => {
                    let mut f = fs::File::create(&dest).map_err(io("cannot write", &dest))?;
                    f.write_all(b).map_err(io("cannot write", &dest))?;
                }
                Body::Copy(src) => {
                    fs::copy(src, &dest).map_err(io("cannot copy", src))?;
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
    if let Err(e) = fill_staging(&staging, files) {
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
