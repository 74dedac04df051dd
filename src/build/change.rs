//! Edit classification: what each path the watcher reported is, decided before any rebuild
//! logic runs, so [`super::Builder::build_changed`] matches on a name instead of leaving the
//! patch path at the first path it cannot take.

use std::path::{Component, Path, PathBuf};

/// What one changed path (relative to the site root) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// An existing brief's file (`content/**/*.md` but `_index.md`), edited in place.
    BriefEdit,
    /// A section's `content/**/_index.md`.
    Section,
    /// A Markdown file under `content/` the last load has no parse of (new, or the new name of
    /// a rename).
    Added,
    /// A path under `content/` that is gone (deleted, or the old name of a rename).
    Removed,
    /// Anything else under `content/`: a file beside a brief, a folder.
    ContentFile,
    /// Under `content/data/`.
    Data,
    /// Under `templates/`.
    Template,
    /// Under `themes/`.
    Theme,
    /// Under `static/`.
    Static,
    /// `briefing.toml`.
    Config,
    /// Under `i18n/`: the site's interface strings.
    Strings,
    /// `terms.toml`: the labels of terms in the other languages.
    Terms,
    /// Outside all of those, or a path with `..`, a root or a name that is not UTF-8.
    Other,
}

/// A batch of changed paths, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// Every path is an existing brief edited in place, so the last build may be patched:
    /// the paths relative to `content/`, `/`-separated, in the batch's order.
    Briefs(Vec<String>),
    /// At least one path needs the whole pipeline; every path of the batch with its kind.
    Full(Vec<(ChangeKind, PathBuf)>),
}

impl Changes {
    /// Classifies `paths` (relative to `root`). `known` says whether the last load parsed a
    /// file (by its path relative to `content/`), which is what tells an edit from a new file.
    pub fn classify(root: &Path, paths: &[PathBuf], known: &dyn Fn(&str) -> bool) -> Changes {
        let mut briefs = Vec::with_capacity(paths.len());
        let mut kinds = Vec::with_capacity(paths.len());
        for p in paths {
            let (kind, rel) = classify_path(root, p, known);
            if let Some(rel) = rel.filter(|_| kind == ChangeKind::BriefEdit) {
                briefs.push(rel);
            }
            kinds.push((kind, p.clone()));
        }
        if briefs.len() == paths.len() {
            Changes::Briefs(briefs)
        } else {
            Changes::Full(kinds)
        }
    }
}

/// One path's kind, and for a path under `content/` its `/`-separated rest.
fn classify_path(
    root: &Path,
    path: &Path,
    known: &dyn Fn(&str) -> bool,
) -> (ChangeKind, Option<String>) {
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => match n.to_str() {
                Some(n) => parts.push(n),
                None => return (ChangeKind::Other, None),
            },
            _ => return (ChangeKind::Other, None),
        }
    }
    let kind = match parts.as_slice() {
        ["briefing.toml"] => ChangeKind::Config,
        ["i18n", _, ..] => ChangeKind::Strings,
        ["terms.toml"] => ChangeKind::Terms,
        ["templates", _, ..] => ChangeKind::Template,
        ["themes", _, ..] => ChangeKind::Theme,
        ["static", _, ..] => ChangeKind::Static,
        ["content", "data", ..] => ChangeKind::Data,
        ["content", .., file] => {
            let rel = parts[1..].join("/");
            // One stat: it follows links, as the reread will.
            let kind = match std::fs::metadata(root.join(path)) {
                Err(_) => ChangeKind::Removed,
                Ok(_) if *file == "_index.md" => ChangeKind::Section,
                Ok(meta) if !file.ends_with(".md") || !meta.is_file() => ChangeKind::ContentFile,
                Ok(_) if known(&rel) => ChangeKind::BriefEdit,
                Ok(_) => ChangeKind::Added,
            };
            return (kind, Some(rel));
        }
        _ => ChangeKind::Other,
    };
    (kind, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site with `content/a/b1.md` (parsed by the last load), `content/a/new.md` (not),
    /// `content/a/_index.md` and `content/a/photo.png`.
    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("content/a");
        std::fs::create_dir_all(&a).unwrap();
        for f in ["b1.md", "new.md", "_index.md", "photo.png"] {
            std::fs::write(a.join(f), "x").unwrap();
        }
        std::fs::create_dir_all(dir.path().join("content/data")).unwrap();
        dir
    }

    fn known(rel: &str) -> bool {
        rel == "a/b1.md" || rel == "a/gone.md"
    }

    fn kinds(root: &Path, paths: &[&str]) -> Changes {
        let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        Changes::classify(root, &paths, &known)
    }

    fn kind_of(root: &Path, path: &str) -> ChangeKind {
        classify_path(root, Path::new(path), &known).0
    }

    #[test]
    fn existing_briefs_edited_in_place_can_be_patched() {
        let dir = site();
        assert_eq!(
            kinds(dir.path(), &["content/a/b1.md", "content/a/b1.md"]),
            Changes::Briefs(vec!["a/b1.md".into(), "a/b1.md".into()])
        );
        assert_eq!(kinds(dir.path(), &[]), Changes::Briefs(vec![]));
    }

    #[test]
    fn each_path_is_named_by_what_it_is() {
        let dir = site();
        let root = dir.path();
        for (path, kind) in [
            ("content/a/b1.md", ChangeKind::BriefEdit),
            ("content/a/_index.md", ChangeKind::Section),
            ("content/_index.md", ChangeKind::Removed),
            ("content/a/new.md", ChangeKind::Added),
            ("content/a/gone.md", ChangeKind::Removed),
            ("content/a/photo.png", ChangeKind::ContentFile),
            ("content/a", ChangeKind::ContentFile),
            ("content/data/tests.csv", ChangeKind::Data),
            ("content/data", ChangeKind::Data),
            ("content/data/b1.md", ChangeKind::Data),
            ("templates/brief.html", ChangeKind::Template),
            ("themes/default/templates/base.html", ChangeKind::Theme),
            ("static/style.css", ChangeKind::Static),
            ("briefing.toml", ChangeKind::Config),
            ("i18n/en.toml", ChangeKind::Strings),
            ("terms.toml", ChangeKind::Terms),
            ("content", ChangeKind::Other),
            ("notes.txt", ChangeKind::Other),
            ("content/../content/a/b1.md", ChangeKind::Other),
            ("/content/a/b1.md", ChangeKind::Other),
        ] {
            assert_eq!(kind_of(root, path), kind, "{path}");
        }
    }

    #[test]
    fn one_path_that_is_not_a_brief_edit_makes_the_batch_full() {
        let dir = site();
        assert_eq!(
            kinds(
                dir.path(),
                &["content/a/b1.md", "content/a/gone.md", "content/a/new.md"]
            ),
            Changes::Full(vec![
                (ChangeKind::BriefEdit, "content/a/b1.md".into()),
                (ChangeKind::Removed, "content/a/gone.md".into()),
                (ChangeKind::Added, "content/a/new.md".into()),
            ])
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_other() {
        use std::os::unix::ffi::OsStrExt;
        let dir = site();
        let path = Path::new("content/a").join(std::ffi::OsStr::from_bytes(b"b\xff.md"));
        assert_eq!(
            classify_path(dir.path(), &path, &known).0,
            ChangeKind::Other
        );
    }
}
