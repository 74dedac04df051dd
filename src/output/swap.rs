//! Replacing the output of a one-shot `build` safely: one build per output at a time (a lock
//! beside it), the leftovers of killed builds removed, and the finished tree put in place in
//! one atomic step, so the output path holds a complete site (the previous or the new one) at
//! every instant, also when the build is killed with SIGKILL.
//!
//! ```text
//! PARENT/
//!   output/                     the site (a real folder; a symlink is followed, see below)
//!   .output.lock                flock()ed while a build of output/ runs; holds its pid
//!   .output.staging-PID-NONCE/  the build being written; after the swap, the replaced tree
//!   .output.old-PID-NONCE/      only between the two renames of the fallback swap
//! ```
//!
//! On Linux the swap is `renameat2(RENAME_EXCHANGE)`: the staging tree and the output trade
//! places in one step. Where that is unavailable (other systems, or a filesystem that does not
//! support it) it is two renames, and a kill between them leaves no `output/` until the next
//! build, which puts the previous site back from `.output.old-*` before anything else.
//! Durability across power loss would need fsync of every file and folder, which briefing
//! does not do: after a crash of the machine the output may be either tree or a mix.

use std::fs;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super as output;
use crate::diagnostics::{Diagnostic, Failure};
use crate::faults::pause_at;

/// A build's hold on its output: the lock, and the staging folder the build writes into.
/// Dropped without [`Job::commit`], it removes the staging folder; the OS releases the lock
/// when the process ends, however it ends.
pub struct Job {
    /// The folder replaced: the output, or the folder it is a symlink to.
    output: PathBuf,
    staging: PathBuf,
    committed: bool,
    _lock: fs::File,
}

impl Job {
    /// Checks `output`, waits for any other build of it to finish, removes what killed builds
    /// left beside it, and creates an empty staging folder.
    pub fn start(root: &Path, output: &Path, force: bool) -> Result<Job, Failure> {
        let real = follow_symlinks(output)?;
        output::check_output_dir(root, &real, force)?;
        let (parent, name) = parent_and_name(&real);
        fs::create_dir_all(&parent)
            .map_err(io("cannot create the output's parent folder", &parent))?;
        let lock = lock(&parent.join(format!(".{name}.lock")), output)?;
        pause_at("locked");
        // Checked again under the lock: the build we waited for may have changed the folder.
        output::check_output_dir(root, &real, force)?;
        clean_debris(&parent, &name, &real)?;
        let staging = output::create_staging(&real)?;
        pause_at("staging");
        Ok(Job {
            output: real,
            staging,
            committed: false,
            _lock: lock,
        })
    }

    /// The folder that will be replaced (symlinks followed).
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// The folder the build writes into.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Puts the staging tree in place of the output; the replaced tree is removed in the
    /// background.
    pub fn commit(mut self) -> Result<(), Failure> {
        pause_at("staged");
        let (out, staging) = (&self.output, &self.staging);
        if fs::symlink_metadata(out).is_err() {
            fs::rename(staging, out).map_err(io("cannot move the new output in place", out))?;
            self.committed = true;
            pause_at("swapped");
        } else if !crate::faults::no_exchange() && exchange(staging, out)? {
            self.committed = true;
            pause_at("swapped");
            // The replaced tree now sits at the staging name.
            output::discard(staging);
        } else {
            swap_by_renames(staging, out)?;
            self.committed = true;
        }
        pause_at("discarded");
        Ok(())
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if !self.committed {
            let _ = output::remove_tree(&self.staging);
        }
    }
}

fn io<'a>(context: &str, path: &'a Path) -> impl Fn(std::io::Error) -> Failure + 'a {
    let context = context.to_string();
    move |e| Failure::io(&context, path, &e)
}

fn usage(msg: String, hint: &str) -> Failure {
    Failure::Usage(Diagnostic::error(msg).with_hint(hint))
}

/// The folder holding `path` and its name.
pub fn parent_and_name(path: &Path) -> (PathBuf, String) {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    (parent.to_path_buf(), name)
}

/// `output`, or what it is a symlink to (followed to the end of a chain). A symlinked output
/// is written through: the site goes to the link's target, and the link stays as it was.
fn follow_symlinks(output: &Path) -> Result<PathBuf, Failure> {
    let mut path = output.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target =
                    fs::read_link(&path).map_err(io("cannot read the output symlink", &path))?;
                let (parent, _) = parent_and_name(&path);
                path = parent.join(target);
            }
            _ => return Ok(path),
        }
    }
    Err(usage(
        format!("{} is a loop of symlinks", output.display()),
        "point the link at a folder, or choose another --output",
    ))
}

/// Takes the lock on `path`, waiting (and saying so) while another build holds it.
fn lock(path: &Path, output: &Path) -> Result<fs::File, Failure> {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(io("cannot create the build lock", path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            let by = if pid.is_empty() {
                String::new()
            } else {
                format!(" (pid {pid})")
            };
            eprintln!(
                "waiting for another build of {} to finish{by}...",
                output.display()
            );
            file.lock().map_err(io("cannot lock", path))?;
        }
        Err(fs::TryLockError::Error(e)) => return Err(Failure::io("cannot lock", path, &e)),
    }
    // The pid is only for the message above; the lock itself is what counts.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()));
    Ok(file)
}

/// Whether `name` is one of briefing's folder names beside an output: `.NAME.staging-*` or
/// `.NAME.old-*`, for some output NAME.
pub fn is_debris_name(name: &str) -> bool {
    name.starts_with('.') && (name.contains(".staging-") || name.contains(".old-"))
}

/// With the lock held no other build is writing beside `output`, so every staging or old
/// folder of its name that carries the marker was left by a build that was killed: remove it
/// in the background. An old folder while the output is missing is the previous site, moved
/// aside by a fallback swap that was cut short: it is put back instead.
fn clean_debris(parent: &Path, name: &str, output: &Path) -> Result<(), Failure> {
    let entries = match fs::read_dir(parent) {
        Ok(e) => e,
        Err(e) => return Err(Failure::io("cannot list the output's folder", parent, &e)),
    };
    let (staging, old) = (format!(".{name}.staging-"), format!(".{name}.old-"));
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str() else {
            continue;
        };
        let path = entry.path();
        if !(n.starts_with(&staging) || n.starts_with(&old)) || !output::is_ours(&path) {
            continue;
        }
        if n.starts_with(&old) && fs::symlink_metadata(output).is_err() {
            fs::rename(&path, output).map_err(io("cannot restore the previous output", &path))?;
            continue;
        }
        output::discard(&path);
    }
    Ok(())
}

/// Trades the places of two folders in one step; `Ok(false)` when this system or filesystem
/// cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<bool, Failure> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
        Err(e) => Err(Failure::io(
            "cannot swap the new output in place",
            b,
            &e.into(),
        )),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> Result<bool, Failure> {
    Ok(false)
}

/// The fallback swap: the output is moved aside, then the staging tree moved in. The old tree
/// is then renamed to the staging name, so an `.old-*` folder exists only between the two
/// renames (see [`clean_debris`]).
fn swap_by_renames(staging: &Path, out: &Path) -> Result<(), Failure> {
    let (parent, name) = parent_and_name(out);
    let old = parent.join(format!(".{name}.old-{}", output::nonce()));
    fs::rename(out, &old).map_err(io("cannot move the old output aside", out))?;
    pause_at("moved-aside");
    if let Err(e) = fs::rename(staging, out) {
        // Put the old output back so the user keeps a working site.
        let _ = fs::rename(&old, out);
        return Err(Failure::io("cannot move the new output in place", out, &e));
    }
    pause_at("swapped");
    let doomed = if fs::rename(&old, staging).is_ok() {
        staging
    } else {
        &old
    };
    output::discard(doomed);
    Ok(())
}
