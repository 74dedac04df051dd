//! `briefing publish`: build the site, then deploy it into a web root as a new release and
//! switch the web root's `current` symlink to it in one atomic step.
//!
//! ```text
//! TARGET/
//!   current -> releases/20261128T091500Z    relative symlink; the web server's document root
//!   releases/
//!     20261128T091000Z/                     complete trees, each with the output marker
//!     20261128T091500Z/
//!     20261128T091500Z-1/                   a second publish in the same second
//!     .staging-<name>/                      only while release <name> is being written
//!   .publish.lock                           locked while a publish or rollback runs
//! ```
//!
//! CSS, JS and search-index files are named by a hash of their content, so a page served from
//! the old release just before the switch asks for files the new release does not have. Each
//! new release therefore also gets hard links to the content-addressed files of the release it
//! replaces (listed in its `.briefing-carried`, and carried only one generation), and a
//! rollback links the abandoned release's into the one it returns to.
//!
//! Order of work: check TARGET, build (a failed build touches nothing), write the tree under
//! `releases/.staging-<name>/`, rename it to `releases/<name>`, point a new symlink
//! `.current.tmp-PID` at it and `rename()` that over `current`. A reader (e.g. nginx resolving
//! `root TARGET/current;` per request) therefore always sees one complete release; a publish
//! interrupted at any point leaves `current` on the release it pointed at before. Nothing is
//! written outside TARGET, and only folders carrying briefing's marker are ever deleted.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::build::{BuildOptions, Builder, Stats};
use crate::diagnostics::{Diagnostic, Failure};
use crate::output::{MARKER, resolve, source_dir_containing, write_staging};
use crate::scaffold::utc_now_parts;

/// The symlink the web server serves from.
pub const CURRENT: &str = "current";
/// The folder holding one sub-folder per release.
pub const RELEASES: &str = "releases";
/// Prefix of the folder a release is written into before it is renamed into place.
const STAGING_PREFIX: &str = ".staging-";
/// Prefix of the temporary symlink that is renamed over `current`.
const TMP_LINK_PREFIX: &str = ".current.tmp-";
/// Held (with an advisory lock) while a publish or rollback changes TARGET.
const LOCK_FILE: &str = ".publish.lock";
/// In a release: the content-addressed files linked in from another release, one per line.
pub const CARRIED: &str = ".briefing-carried";

pub struct PublishOptions {
    /// The site root (holding briefing.toml).
    pub root: PathBuf,
    /// The web root to deploy into.
    pub target: PathBuf,
    /// How many releases to keep (at least 1); the one `current` points to is never removed.
    pub keep: usize,
    pub drafts: bool,
    pub base_url: Option<String>,
}

/// What a publish did, for the summary.
#[derive(Debug)]
pub struct Published {
    /// The new release's folder name under `releases/`.
    pub release: String,
    /// The release `current` pointed to before, if any.
    pub previous: Option<String>,
    /// Old releases deleted to honour `--keep`.
    pub removed: Vec<String>,
    /// Releases left in `releases/`, oldest first.
    pub kept: Vec<String>,
    pub stats: Stats,
    /// Build warnings, and problems removing old releases (the publish itself succeeded).
    pub warnings: Vec<Diagnostic>,
}

/// What a rollback did.
#[derive(Debug)]
pub struct RolledBack {
    pub from: String,
    pub to: String,
}

fn usage(msg: impl Into<String>, hint: &str) -> Failure {
    Failure::Usage(Diagnostic::error(msg).with_hint(hint))
}

fn io<'a>(context: &'a str, path: &'a Path) -> impl Fn(std::io::Error) -> Failure + 'a {
    move |e| Failure::io(context, path, &e)
}

/// A release folder name: `YYYYMMDDTHHMMSSZ`, or that with `-N` when several publishes land in
/// the same second. Ordered by time, then by N (so `-10` sorts after `-9`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseName {
    stamp: String,
    seq: u32,
}

impl ReleaseName {
    pub fn parse(name: &str) -> Option<ReleaseName> {
        let (stamp, seq) = match name.split_once('-') {
            Some((stamp, n)) => {
                // `-0` and leading zeros would give two spellings of one name.
                if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (stamp, n.parse().ok()?)
            }
            None => (name, 0),
        };
        let b = stamp.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 16 || !digits(0..8) || b[8] != b'T' || !digits(9..15) || b[15] != b'Z' {
            return None;
        }
        Some(ReleaseName {
            stamp: stamp.to_string(),
            seq,
        })
    }

    /// The name for a publish made now.
    pub fn now() -> ReleaseName {
        let t = utc_now_parts();
        ReleaseName {
            stamp: format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                t.year, t.month, t.day, t.hour, t.minute, t.second
            ),
            seq: 0,
        }
    }

    /// The name for a new release given the existing ones: the current time, moved forward
    /// past the newest existing release if the clock went backwards (so the newest release
    /// always sorts last), with the next free `-N` when that second is taken.
    pub fn next(now: ReleaseName, existing: &[ReleaseName]) -> ReleaseName {
        let Some(newest) = existing.iter().max() else {
            return now;
        };
        let stamp = if newest.stamp > now.stamp {
            newest.stamp.clone()
        } else {
            now.stamp
        };
        match existing
            .iter()
            .filter(|r| r.stamp == stamp)
            .map(|r| r.seq)
            .max()
        {
            Some(seq) => ReleaseName {
                stamp,
                seq: seq + 1,
            },
            None => ReleaseName { stamp, seq: 0 },
        }
    }
}

impl std::fmt::Display for ReleaseName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.seq == 0 {
            f.write_str(&self.stamp)
        } else {
            write!(f, "{}-{}", self.stamp, self.seq)
        }
    }
}

impl Ord for ReleaseName {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.stamp.as_str(), self.seq).cmp(&(other.stamp.as_str(), other.seq))
    }
}

impl PartialOrd for ReleaseName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Refuses a TARGET that would write into the site, and a TARGET whose layout briefing does
/// not manage (a real `current` folder, a `releases` that is not a plain folder).
fn check_target(root: &Path, target: &Path) -> Result<(), Failure> {
    let (root_c, target_c) = (resolve(root), resolve(target));
    if target_c == root_c || root_c.starts_with(&target_c) {
        return Err(usage(
            format!(
                "refusing to publish into {}: it is (or contains) the site root",
                target.display()
            ),
            "publish into the web server's folder, e.g. `briefing publish /var/www/briefing`",
        ));
    }
    if let Some(dir) = source_dir_containing(root, target) {
        return Err(usage(
            format!(
                "refusing to publish into {}: it is inside the site's {dir}/ folder, which briefing reads",
                target.display()
            ),
            "publish into a folder outside content/, static/, themes/ and templates/",
        ));
    }
    if target.exists() && !target.is_dir() {
        return Err(usage(
            format!("{} is not a folder", target.display()),
            "pass the folder the web server serves from",
        ));
    }
    let current = target.join(CURRENT);
    if let Ok(meta) = fs::symlink_metadata(&current)
        && !meta.file_type().is_symlink()
    {
        let what = if meta.is_dir() {
            "a real folder"
        } else {
            "a file"
        };
        return Err(usage(
            format!(
                "{} is {what}, not a symlink: briefing publish only replaces a `current` symlink it manages",
                current.display()
            ),
            "move it aside (e.g. `mv current current.old`) and publish again, or choose another TARGET",
        ));
    }
    let releases = target.join(RELEASES);
    if let Ok(meta) = fs::symlink_metadata(&releases)
        && !meta.is_dir()
    {
        return Err(usage(
            format!(
                "{} is not a plain folder (a symlink or a file): releases must live inside TARGET",
                releases.display()
            ),
            "move it aside and publish again, or choose another TARGET",
        ));
    }
    Ok(())
}

/// Holds the advisory lock on `TARGET/.publish.lock`; the OS releases it when the file closes,
/// also when the process dies.
struct Lock {
    _file: fs::File,
}

fn lock(target: &Path) -> Result<Lock, Failure> {
    let path = target.join(LOCK_FILE);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io("cannot create the publish lock", &path))?;
    match file.try_lock() {
        Ok(()) => Ok(Lock { _file: file }),
        Err(fs::TryLockError::WouldBlock) => Err(usage(
            format!(
                "another publish or rollback is running in {}",
                target.display()
            ),
            "wait for it to finish, then run the command again",
        )),
        Err(fs::TryLockError::Error(e)) => Err(Failure::io("cannot lock", &path, &e)),
    }
}

/// The releases in `releases/` (folders with a release name), oldest first.
fn list_releases(releases: &Path) -> Result<Vec<ReleaseName>, Failure> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(releases) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Failure::io("cannot list the releases", releases, &e)),
    };
    for entry in entries {
        let entry = entry.map_err(io("cannot list the releases", releases))?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if let (true, Some(name)) = (is_dir, entry.file_name().to_str())
            && let Some(r) = ReleaseName::parse(name)
        {
            out.push(r);
        }
    }
    out.sort();
    Ok(out)
}

/// The release `TARGET/current` points to, if it is a symlink to `releases/<name>`.
fn current_release(target: &Path) -> Option<ReleaseName> {
    let link = fs::read_link(target.join(CURRENT)).ok()?;
    let name = link.file_name()?.to_str()?;
    let parent = link.parent()?;
    let in_releases = if parent.is_absolute() {
        resolve(parent) == resolve(&target.join(RELEASES))
    } else {
        parent
            .components()
            .filter(|c| *c != Component::CurDir)
            .eq([Component::Normal(RELEASES.as_ref())])
    };
    if in_releases {
        ReleaseName::parse(name)
    } else {
        None
    }
}

/// Points `TARGET/current` at `releases/<name>`: a new relative symlink, renamed over the old
/// one, so `current` is always a symlink to one complete release.
fn point_current(target: &Path, name: &ReleaseName) -> Result<(), Failure> {
    let tmp = target.join(format!("{TMP_LINK_PREFIX}{}", std::process::id()));
    if fs::symlink_metadata(&tmp).is_ok() {
        fs::remove_file(&tmp).map_err(io("cannot remove an old temporary link", &tmp))?;
    }
    symlink_dir(&Path::new(RELEASES).join(name.to_string()), &tmp)
        .map_err(io("cannot create the new `current` link", &tmp))?;
    let current = target.join(CURRENT);
    if let Err(e) = fs::rename(&tmp, &current) {
        let _ = fs::remove_file(&tmp);
        return Err(Failure::io("cannot switch `current`", &current, &e));
    }
    Ok(())
}

#[cfg(unix)]
fn symlink_dir(to: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(to, link)
}

#[cfg(not(unix))]
fn symlink_dir(_to: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "publishing needs symlinks that rename() can replace atomically (Unix)",
    ))
}

/// Whether a file's name is derived from its content (`style.8b17e577.css`, pagefind's
/// `en_65aee2c.pf_index`): such a URL always means the same bytes, so it is safe to keep
/// serving it from a newer release.
fn is_content_addressed(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let mut parts = name.rsplitn(3, '.');
    if let (Some(ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next())
        && matches!(ext, "css" | "js")
        && !stem.is_empty()
        && hash.len() == 8
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return true;
    }
    rel.starts_with("pagefind/")
        && name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| ext.starts_with("pf_"))
}

fn read_carried(release: &Path) -> BTreeSet<String> {
    fs::read_to_string(release.join(CARRIED))
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Hard-links (or copies) into `to` the content-addressed files `from` made itself and `to`
/// lacks, and lists them in `to`'s [`CARRIED`]; files `from` carried in are not passed on, so
/// a release holds at most its own and its predecessor's.
fn carry_assets(from: &Path, to: &Path) -> Result<(), Failure> {
    let skip = read_carried(from);
    let mut carried = read_carried(to);
    let before = carried.len();
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            Failure::Io(
                Diagnostic::error(format!("cannot read the previous release: {e}"))
                    .in_file(from)
                    .with_hint("check the permissions under TARGET/releases"),
            )
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(from) else {
            continue;
        };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let dest = to.join(&rel);
        if !is_content_addressed(&rel) || skip.contains(&rel) || fs::symlink_metadata(&dest).is_ok()
        {
            continue;
        }
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(io("cannot create folder", parent))?;
        }
        if fs::hard_link(entry.path(), &dest).is_err() {
            fs::copy(entry.path(), &dest).map_err(io("cannot copy", entry.path()))?;
        }
        carried.insert(rel);
    }
    if carried.len() != before {
        let list: String = carried.iter().map(|r| format!("{r}\n")).collect();
        let path = to.join(CARRIED);
        fs::write(&path, list).map_err(io("cannot write", &path))?;
    }
    Ok(())
}

/// Removes what interrupted runs left: `releases/.staging-*` folders and `.current.tmp-*` links.
fn clean_stale(target: &Path, releases: &Path) -> Result<(), Failure> {
    if let Ok(entries) = fs::read_dir(releases) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(STAGING_PREFIX) {
                let p = entry.path();
                fs::remove_dir_all(&p).map_err(io("cannot remove a stale staging folder", &p))?;
            }
        }
    }
    if let Ok(entries) = fs::read_dir(target) {
        for entry in entries.flatten() {
            let is_link = entry.file_type().map(|t| t.is_symlink()).unwrap_or(false);
            if is_link
                && entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(TMP_LINK_PREFIX)
            {
                let p = entry.path();
                fs::remove_file(&p).map_err(io("cannot remove a stale temporary link", &p))?;
            }
        }
    }
    Ok(())
}

/// Builds the site and deploys it as a new release; see the module docs.
pub fn publish(opts: &PublishOptions) -> Result<Published, Failure> {
    let keep = opts.keep.max(1);
    let target = opts.target.as_path();
    check_target(&opts.root, target)?;

    // Build first: a failed build must not touch TARGET at all.
    let built = Builder::new(
        &opts.root,
        BuildOptions {
            drafts: opts.drafts,
            base_url: opts.base_url.clone(),
            ..BuildOptions::default()
        },
    )
    .build()?;

    let releases = target.join(RELEASES);
    fs::create_dir_all(&releases).map_err(io("cannot create the releases folder", &releases))?;
    let _lock = lock(target)?;
    // Checked again under the lock: TARGET may have changed while the site was building.
    check_target(&opts.root, target)?;
    clean_stale(target, &releases)?;

    let existing = list_releases(&releases)?;
    let previous = current_release(target).filter(|p| existing.contains(p));
    let name = ReleaseName::next(ReleaseName::now(), &existing);
    let dest = releases.join(name.to_string());
    // The tree is written inside `.staging-<name>/` and renamed out only once complete, so an
    // interrupted publish leaves nothing that looks like a release.
    let staging_area = releases.join(format!("{STAGING_PREFIX}{name}"));
    fs::create_dir(&staging_area).map_err(io("cannot create the staging folder", &staging_area))?;
    let written = write_staging(&staging_area.join(name.to_string()), built.output.files())
        .and_then(|tree| {
            if let Some(prev) = &previous {
                carry_assets(&releases.join(prev.to_string()), &tree)?;
            }
            fs::rename(&tree, &dest).map_err(io("cannot move the new release in place", &dest))
        });
    let _ = fs::remove_dir_all(&staging_area);
    written?;

    point_current(target, &name)?;

    // Keep the newest `keep` releases and, whatever its age, the one `current` points to.
    let mut warnings = built.warnings;
    let all = list_releases(&releases)?;
    let cut = all.len().saturating_sub(keep);
    let mut removed = Vec::new();
    let mut kept = Vec::new();
    for (i, r) in all.into_iter().enumerate() {
        let dir = releases.join(r.to_string());
        if i >= cut || r == name {
            kept.push(r.to_string());
        } else if !dir.join(MARKER).exists() {
            warnings.push(
                Diagnostic::warning(format!(
                    "left {} in place: it has no {MARKER} marker, so briefing did not write it",
                    dir.display()
                ))
                .with_hint("remove it by hand if it is an old release"),
            );
            kept.push(r.to_string());
        } else {
            // Rename out of the release namespace first: a publish killed mid-removal then
            // leaves a `.staging-*` folder the next run cleans, never a half-deleted release.
            let doomed = releases.join(format!("{STAGING_PREFIX}removed-{r}"));
            match fs::rename(&dir, &doomed).and_then(|()| fs::remove_dir_all(&doomed)) {
                Ok(()) => removed.push(r.to_string()),
                Err(e) => {
                    warnings.push(
                        Diagnostic::warning(format!("cannot remove the old release: {e}"))
                            .in_file(&dir)
                            .with_hint("the new release is live; remove the old one by hand"),
                    );
                    kept.push(r.to_string());
                }
            }
        }
    }
    Ok(Published {
        release: name.to_string(),
        previous: previous.map(|p| p.to_string()),
        removed,
        kept,
        stats: built.stats,
        warnings,
    })
}

/// Points `current` at the release before the one it points to (by name order), without
/// building.
pub fn rollback(root: &Path, target: &Path) -> Result<RolledBack, Failure> {
    check_target(root, target)?;
    let current = target.join(CURRENT);
    if fs::symlink_metadata(&current).is_err() {
        return Err(usage(
            format!(
                "nothing is published in {} (no `current` link)",
                target.display()
            ),
            "publish first with `briefing publish TARGET`",
        ));
    }
    let _lock = lock(target)?;
    let releases = list_releases(&target.join(RELEASES))?;
    let from = current_release(target)
        .filter(|c| releases.contains(c))
        .ok_or_else(|| {
            usage(
                format!(
                    "{} does not point to a release in {}",
                    current.display(),
                    target.join(RELEASES).display()
                ),
                "publish again with `briefing publish TARGET` to repair it",
            )
        })?;
    let to = releases
        .iter()
        .rev()
        .find(|r| **r < from)
        .cloned()
        .ok_or_else(|| {
            usage(
                format!("no release before {from} to roll back to"),
                "only the releases kept by --keep can be rolled back to",
            )
        })?;
    // Pages of the release being left may still ask for its assets.
    let dir = target.join(RELEASES);
    carry_assets(&dir.join(from.to_string()), &dir.join(to.to_string()))?;
    point_current(target, &to)?;
    Ok(RolledBack {
        from: from.to_string(),
        to: to.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> ReleaseName {
        ReleaseName::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn names_parse_and_order() {
        assert!(ReleaseName::parse("20261128T091500Z").is_some());
        for bad in [
            "2026112T091500Z",
            "20261128091500Z",
            "20261128T091500",
            "20261128T091500Z-",
            "20261128T091500Z-0",
            "20261128T091500Z-01",
            "20261128T091500Z-x",
            ".staging-20261128T091500Z",
        ] {
            assert!(ReleaseName::parse(bad).is_none(), "{bad}");
        }
        let mut v = [
            name("20261128T091500Z-10"),
            name("20261128T091501Z"),
            name("20261128T091500Z-2"),
            name("20261128T091500Z"),
            name("20261128T091500Z-9"),
        ];
        v.sort();
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "20261128T091500Z",
                "20261128T091500Z-2",
                "20261128T091500Z-9",
                "20261128T091500Z-10",
                "20261128T091501Z"
            ]
        );
    }

    #[test]
    fn next_names_are_unique_and_sort_last() {
        let now = name("20261128T091500Z");
        assert_eq!(
            ReleaseName::next(now.clone(), &[]).to_string(),
            "20261128T091500Z"
        );
        let same = [name("20261128T091500Z")];
        assert_eq!(
            ReleaseName::next(now.clone(), &same).to_string(),
            "20261128T091500Z-1"
        );
        let more = [name("20261128T091500Z"), name("20261128T091500Z-1")];
        assert_eq!(
            ReleaseName::next(now.clone(), &more).to_string(),
            "20261128T091500Z-2"
        );
        let older = [name("20261128T091459Z-3")];
        assert_eq!(
            ReleaseName::next(now.clone(), &older).to_string(),
            "20261128T091500Z"
        );
        // The clock went backwards: stay after the newest release.
        let newer = [name("20261128T091600Z")];
        assert_eq!(
            ReleaseName::next(now, &newer).to_string(),
            "20261128T091600Z-1"
        );
    }

    #[test]
    fn content_addressed_names() {
        for yes in [
            "style.8b17e577.css",
            "js/app.0123abcd.js",
            "pagefind/index/en_65aee2c.pf_index",
            "pagefind/pagefind.en_cb5fc7626e.pf_meta",
        ] {
            assert!(is_content_addressed(yes), "{yes}");
        }
        for no in [
            "style.css",
            "index.html",
            ".8b17e577.css",
            "style.8b17e57.css",
            "img/photo.8b17e577.png",
            "pagefind/pagefind.js",
            "pagefind/pagefind-entry.json",
        ] {
            assert!(!is_content_addressed(no), "{no}");
        }
    }

    #[test]
    fn release_stamp_from_epoch_seconds() {
        let t = crate::scaffold::utc_parts(1_795_857_300);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2026, 11, 28, 9, 15, 0)
        );
        let t = crate::scaffold::utc_parts(951_868_799); // the last second of 29 Feb 2000
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2000, 2, 29, 23, 59, 59)
        );
        let now = ReleaseName::now().to_string();
        assert!(ReleaseName::parse(&now).is_some(), "{now}");
    }
}
