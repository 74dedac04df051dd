//! Containment: briefing reads no file outside the site root.
//!
//! Content arrives in pull requests and checkouts, so a symbolic link such as
//! `content/hedges/fb/passwd.txt -> /etc/passwd` must not publish the file it points at. A link
//! whose target (after resolving every link on the way) stays inside the root is followed; one
//! that leaves it is reported with its own path and target and never opened. Every walk of a
//! site folder goes through [`Root::walk`] and every single-file read through
//! [`Root::resolve`]; both hand back the real, link-free path, which is what the caller reads, so
//! no link is followed between the check and the read.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, display_path};

/// The site root, as given on the command line and resolved.
#[derive(Debug, Clone)]
pub struct Root {
    shown: PathBuf,
    real: PathBuf,
}

/// One file found by [`Root::walk`].
#[derive(Debug, Clone)]
pub struct Walked {
    /// Path below the walked folder, `/`-separated, through links: `fb/passwd.txt`.
    pub rel: String,
    /// The path as the user sees it (the walked folder joined with `rel`).
    pub path: PathBuf,
    /// The same file with every link resolved: the path to read.
    pub real: PathBuf,
}

#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<Walked>,
    pub diagnostics: Vec<Diagnostic>,
    /// Folder links followed so far, against [`MAX_FOLDER_LINKS`].
    followed: usize,
    /// Whether a link past those limits was reported.
    limited: bool,
}

/// Links to folders nest at most this deep (the kernel's own limit for one path is 40): deeper
/// nesting has no use and would grow the stack with every level.
const MAX_NESTED_LINKS: usize = 32;

/// Folder links one walk follows at most: a folder holding two links to the next, and so on,
/// is no loop, yet doubles the walk at every level.
const MAX_FOLDER_LINKS: usize = 10_000;

impl Root {
    pub fn new(root: &Path) -> Root {
        Root {
            shown: root.to_path_buf(),
            // A root that cannot be resolved holds nothing readable either; the reads report it.
            real: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
        }
    }

    /// The root with every link resolved.
    pub fn real(&self) -> &Path {
        &self.real
    }

    fn display(&self, path: &Path) -> PathBuf {
        display_path(&self.shown, path)
    }

    /// Resolves `path` (given under the root as shown) to the real path to read, if it stays
    /// inside the root.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, Diagnostic> {
        let real = path.canonicalize().map_err(|e| self.unreadable(path, &e))?;
        if real.starts_with(&self.real) {
            return Ok(real);
        }
        // Name the link that leaves the site, not just the file reached through it.
        let mut prefix = PathBuf::new();
        for c in path.components() {
            prefix.push(c);
            let is_link = std::fs::symlink_metadata(&prefix).is_ok_and(|m| m.is_symlink());
            if is_link
                && let Ok(target) = prefix.canonicalize()
                && !target.starts_with(&self.real)
            {
                return Err(self.escape(&prefix, &target));
            }
        }
        Err(Diagnostic::error(format!(
            "`{}` is outside the site; briefing never reads files outside the site root",
            path.display()
        ))
        .in_file(self.display(path))
        .with_hint("copy the file into the site and name it by a path inside the site"))
    }

    fn escape(&self, link: &Path, target: &Path) -> Diagnostic {
        Diagnostic::error(format!(
            "`{}` is a symbolic link to `{}`, outside the site; briefing never reads files outside the site root",
            self.display(link).display(),
            target.display()
        ))
        .in_file(self.display(link))
        .with_hint("copy the file into the site, or remove the link")
    }

    fn unreadable(&self, path: &Path, e: &std::io::Error) -> Diagnostic {
        let shown = self.display(path);
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
        let (message, hint) = if is_link && e.kind() != std::io::ErrorKind::NotFound {
            (
                format!(
                    "`{}` is a symbolic link that cannot be resolved: {e}",
                    shown.display()
                ),
                "remove the link; a link that points at itself, or at links leading back to it, is a link loop",
            )
        } else if is_link && e.kind() == std::io::ErrorKind::NotFound {
            (
                format!(
                    "`{}` is a symbolic link to `{}`, which does not exist",
                    shown.display(),
                    std::fs::read_link(path)
                        .map(|t| t.display().to_string())
                        .unwrap_or_default()
                ),
                "remove the link or point it at a file inside the site",
            )
        } else {
            let hint = match e.kind() {
                std::io::ErrorKind::NotFound => {
                    "the file disappeared while building; save it again"
                }
                std::io::ErrorKind::PermissionDenied => {
                    "make the file and its folders readable (chmod a+rX)"
                }
                _ => "check the file and the disk",
            };
            (format!("cannot read `{}`: {e}", shown.display()), hint)
        };
        Diagnostic::error(message).in_file(shown).with_hint(hint)
    }

    /// Every file under `dir` (itself under the root) that `keep` accepts, through links that
    /// stay inside the root. A link out of the root, a link loop and an unreadable folder are
    /// diagnostics; the walk goes on past them. `keep` sees each entry below `dir` by its own
    /// name, before any link is resolved; folders it refuses are not entered.
    pub fn walk(&self, dir: &Path, keep: &dyn Fn(&walkdir::DirEntry) -> bool) -> Walk {
        let mut out = Walk::default();
        match self.resolve(dir) {
            Ok(real) => self.walk_real(dir, &real, "", &mut Vec::new(), keep, &mut out),
            Err(d) => out.diagnostics.push(d),
        }
        out
    }

    /// Walks the real folder `real`, shown to the user as `shown`, without following links
    /// itself: each link is checked, then its file taken or its folder walked in turn.
    /// `parents` holds the real folders holding the links this walk came through: a link to
    /// one of them (or to a folder above them) would lead back to itself forever.
    fn walk_real(
        &self,
        shown: &Path,
        real: &Path,
        prefix: &str,
        parents: &mut Vec<PathBuf>,
        keep: &dyn Fn(&walkdir::DirEntry) -> bool,
        out: &mut Walk,
    ) {
        let walker = walkdir::WalkDir::new(real)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || keep(e));
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let at = err.path().unwrap_or(real);
                    let shown_at = shown.join(at.strip_prefix(real).unwrap_or(Path::new("")));
                    let e = err
                        .into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("cannot list the folder"));
                    out.diagnostics.push(self.unreadable(&shown_at, &e));
                    continue;
                }
            };
            if entry.depth() == 0 {
                continue;
            }
            let Ok(below) = entry.path().strip_prefix(real) else {
                continue;
            };
            let here = below
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let rel = format!("{prefix}{here}");
            let path = shown.join(below);
            if entry.file_type().is_file() {
                out.files.push(Walked {
                    rel,
                    path,
                    real: entry.path().to_path_buf(),
                });
                continue;
            }
            if !entry.path_is_symlink() {
                continue;
            }
            let target = match entry.path().canonicalize() {
                Ok(t) => t,
                Err(e) => {
                    out.diagnostics.push(self.unreadable(&path, &e));
                    continue;
                }
            };
            if !target.starts_with(&self.real) {
                out.diagnostics.push(self.escape(&path, &target));
                continue;
            }
            if target.is_file() {
                out.files.push(Walked {
                    rel,
                    path,
                    real: target,
                });
            } else if target.is_dir() {
                let parent = entry.path().parent().unwrap_or(real).to_path_buf();
                if parent.starts_with(&target) || parents.iter().any(|p| p.starts_with(&target)) {
                    out.diagnostics.push(
                        Diagnostic::error(format!(
                            "`{}` is a symbolic link loop: it points to `{}`, a folder it is inside",
                            self.display(&path).display(),
                            self.display(&target).display()
                        ))
                        .in_file(self.display(&path))
                        .with_hint("remove the link, or point it at a folder that does not contain it"),
                    );
                    continue;
                }
                if parents.len() >= MAX_NESTED_LINKS || out.followed >= MAX_FOLDER_LINKS {
                    // Every further link would say the same: say it once.
                    if out.limited {
                        continue;
                    }
                    out.limited = true;
                    out.diagnostics.push(
                        Diagnostic::error(format!(
                            "`{}` is one symbolic link to a folder too many: briefing follows {MAX_NESTED_LINKS} nested and {MAX_FOLDER_LINKS} in all",
                            self.display(&path).display()
                        ))
                        .in_file(self.display(&path))
                        .with_hint("replace chains of folder links by real folders"),
                    );
                    continue;
                }
                out.followed += 1;
                parents.push(parent);
                self.walk_real(&path, &target, &format!("{rel}/"), parents, keep, out);
                parents.pop();
            }
        }
    }
}

/// Whether `name` is a plain relative path (`hedge.md`, `partials/nav.html`): no root, no `..`,
/// no backslash, so joined to a folder it stays inside that folder whatever the folder is.
pub fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('\\')
        && name
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains(':'))
}

/// The real path of `path` if it lies inside `root` (a real path): the one rule for files that
/// `serve` hands out, the same one builds apply.
pub fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let real = path.canonicalize().ok()?;
    real.starts_with(root).then_some(real)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn keep_all(_: &walkdir::DirEntry) -> bool {
        true
    }

    #[test]
    fn links_inside_are_followed_links_out_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(site.join("content/a")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(site.join("content/a/x.txt"), "x").unwrap();
        fs::write(outside.join("secret.txt"), "secret").unwrap();
        symlink(site.join("content/a/x.txt"), site.join("content/a/y.txt")).unwrap();
        symlink("a", site.join("content/b")).unwrap();
        symlink(outside.join("secret.txt"), site.join("content/a/leak.txt")).unwrap();
        symlink(&outside, site.join("content/ext")).unwrap();
        let root = Root::new(&site);
        let walk = root.walk(&site.join("content"), &keep_all);
        let rels: Vec<&str> = walk.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a/x.txt", "a/y.txt", "b/x.txt", "b/y.txt"]);
        assert!(walk.files.iter().all(|f| f.real.starts_with(root.real())));
        let named: Vec<String> = walk
            .diagnostics
            .iter()
            .map(|d| d.file.as_ref().unwrap().display().to_string())
            .collect();
        // `b/leak.txt` is the same link reached through `b`: reported there as well.
        assert_eq!(
            named,
            ["content/a/leak.txt", "content/b/leak.txt", "content/ext"]
        );
        assert!(walk.diagnostics[0].message.contains("secret.txt"));
        assert!(root.resolve(&site.join("content/ext/secret.txt")).is_err());
        let d = root
            .resolve(&site.join("content/ext/secret.txt"))
            .unwrap_err();
        assert_eq!(d.file.as_deref(), Some(Path::new("content/ext")));
        assert!(root.resolve(&site.join("content/b/x.txt")).is_ok());
    }

    #[test]
    fn chains_and_fans_of_folder_links_are_bounded() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path();
        // d0 -> d1 -> ... through two links each: no loop, but 2^60 paths.
        for i in 0..60 {
            fs::create_dir_all(site.join(format!("content/d{i}"))).unwrap();
            symlink(
                format!("../d{}", i + 1),
                site.join(format!("content/d{i}/a")),
            )
            .unwrap();
            symlink(
                format!("../d{}", i + 1),
                site.join(format!("content/d{i}/b")),
            )
            .unwrap();
        }
        fs::create_dir_all(site.join("content/d60")).unwrap();
        fs::write(site.join("content/d60/x.txt"), "x").unwrap();
        let walk = Root::new(site).walk(&site.join("content/d0"), &keep_all);
        assert!(!walk.diagnostics.is_empty());
        assert!(
            walk.diagnostics[0].message.contains("too many"),
            "{:?}",
            walk.diagnostics[0]
        );
        assert!(walk.followed <= MAX_FOLDER_LINKS);
        assert_eq!(walk.diagnostics.len(), 1);
    }

    #[test]
    fn plain_names() {
        for ok in ["section.html", "partials/nav.html", "hedge.md"] {
            assert!(plain_name(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../../etc/passwd",
            "a/../b",
            "a//b",
            "./a",
            "a\\b",
            "C:x",
        ] {
            assert!(!plain_name(bad), "{bad}");
        }
    }

    #[test]
    fn loops_end() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path();
        fs::create_dir_all(site.join("content/a/b")).unwrap();
        fs::create_dir_all(site.join("content/x/y")).unwrap();
        symlink("../..", site.join("content/a/b/up")).unwrap();
        // Two links that reach each other's folders.
        symlink("../x/y", site.join("content/a/to-y")).unwrap();
        symlink("../../a", site.join("content/x/y/to-a")).unwrap();
        symlink("me", site.join("content/me")).unwrap();
        let walk = Root::new(site).walk(&site.join("content"), &keep_all);
        assert!(walk.files.is_empty());
        let msgs: Vec<String> = walk.diagnostics.iter().map(|d| d.message.clone()).collect();
        let (me, others): (Vec<_>, Vec<_>) = msgs.iter().partition(|m| m.contains("content/me"));
        assert_eq!(me.len(), 1, "{msgs:?}");
        assert!(me[0].contains("cannot be resolved"), "{msgs:?}");
        assert!(others.iter().all(|m| m.contains("link loop")), "{msgs:?}");
    }
}
