//! Helpers shared by the integration tests: run the real `briefing` binary, lay out fixture
//! sites in temporary folders, snapshot output trees and parse the HTML they contain, and read
//! the example site's content (`content_docs`).

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};
use tempfile::TempDir;

pub mod serve;

/// The binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_briefing");

/// The repository root, which is also the example site.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Fails the test with the full output unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "expected exit code {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn expect_success(&self) -> &Self {
        self.expect_code(0)
    }

    /// A crash is never an acceptable way to report a problem: neither a panic nor death by a
    /// signal (a stack overflow aborts the process, which leaves no exit code: -1 here).
    pub fn expect_no_panic(&self) -> &Self {
        assert!(
            !self.stderr.contains("panicked"),
            "briefing panicked:\n{}",
            self.stderr
        );
        assert_ne!(
            self.code, -1,
            "briefing crashed (stack overflow?):\n{}",
            self.stderr
        );
        self
    }
}

/// Runs `briefing ARGS` in `cwd`, without colours.
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
    Run {
        // A process killed by a signal has no code; -1 never matches an expected code.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `briefing ARGS` from the system temp folder, so relative paths never touch the repo.
pub fn run(args: &[&str]) -> Run {
    run_in(&std::env::temp_dir(), args)
}

/// A path as a `&str` argument.
pub fn arg(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Copies the folder `src` into `dst` (created), recursively.
pub fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap_or_else(|e| panic!("cannot create {}: {e}", dst.display()));
    for entry in fs::read_dir(src).unwrap_or_else(|e| panic!("cannot read {}: {e}", src.display()))
    {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to)
                .unwrap_or_else(|e| panic!("cannot copy {}: {e}", entry.path().display()));
        }
    }
}

/// A copy of `tests/fixtures/NAME` at `<tmp>/site`, with the repository's default theme
/// copied into its `themes/default`. Keep the `TempDir` alive while the site is used.
pub fn fixture_site(name: &str) -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("cannot create a temp dir");
    let site = tmp.path().join("site");
    copy_dir(&repo_root().join("tests/fixtures").join(name), &site);
    copy_dir(
        &repo_root().join("themes/default"),
        &site.join("themes/default"),
    );
    (tmp, site)
}

/// A copy of the repository's example site (`briefing.toml`, `content/` and the default theme)
/// at `<tmp>/site`. Keep the `TempDir` alive while the site is used.
pub fn example_site() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("cannot create a temp dir");
    let site = tmp.path().join("site");
    copy_dir(&repo_root().join("content"), &site.join("content"));
    copy_dir(
        &repo_root().join("themes/default"),
        &site.join("themes/default"),
    );
    fs::copy(
        repo_root().join("briefing.toml"),
        site.join("briefing.toml"),
    )
    .expect("cannot copy briefing.toml");
    (tmp, site)
}

/// A deterministic random number generator (xorshift64*), so a failing random test names a
/// seed that reproduces it.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Every file under `dir`, by path relative to it (with `/`), with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in
            fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap();
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Asserts two snapshots are byte-identical, naming the first files that differ.
pub fn assert_same_tree(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
    what: &str,
) {
    let only_before: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    let only_after: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let changed: Vec<&String> = before
        .iter()
        .filter(|(k, v)| after.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        only_before.is_empty() && only_after.is_empty() && changed.is_empty(),
        "{what}: trees differ\n  removed: {only_before:?}\n  added: {only_after:?}\n  changed: {changed:?}"
    );
}

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("bad selector {s:?}: {e:?}"))
}

pub fn read_html(path: &Path) -> Html {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Html::parse_document(&text)
}

/// The text of an element with whitespace collapsed.
pub fn text_of(e: scraper::ElementRef) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The output file that serves the URL path `path` (`/x/` is `x/index.html`).
pub fn file_for(out: &Path, path: &str) -> PathBuf {
    let rel = path.trim_start_matches('/');
    let mut p = out.join(rel);
    if rel.is_empty() || rel.ends_with('/') || p.is_dir() {
        p = p.join("index.html");
    }
    p
}

/// Writes `text` to `site/rel`, creating folders.
pub fn write(site: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = site.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
}

/// A tiny site in a temp folder: `config` as `briefing.toml`, a home page titled `home`, one
/// section `sec` and the repository's default theme; tests add the files they are about.
pub struct TinySite {
    _tmp: TempDir,
    pub root: PathBuf,
}

impl TinySite {
    pub fn new(config: &str, home: &str) -> TinySite {
        let tmp = tempfile::tempdir().expect("cannot create a temp dir");
        let root = tmp.path().join("site");
        write(&root, "briefing.toml", config);
        write(
            &root,
            "content/_index.md",
            format!("+++\ntitle = \"{home}\"\n+++\nHome.\n"),
        );
        write(
            &root,
            "content/sec/_index.md",
            "+++\ntitle = \"Section\"\n+++\nThe section.\n",
        );
        copy_dir(
            &repo_root().join("themes/default"),
            &root.join("themes/default"),
        );
        TinySite { _tmp: tmp, root }
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> &Self {
        write(&self.root, rel, text);
        self
    }

    pub fn out(&self) -> PathBuf {
        self.root.join("output")
    }

    /// The `build --root SITE` arguments followed by `args`.
    pub fn build_args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["build", "--root", arg(&self.root)];
        all.extend_from_slice(args);
        all
    }
}

/// Replaces the one occurrence of `from` in `site/rel` by `to`.
pub fn edit(site: &Path, rel: &str, from: &str, to: &str) {
    let p = site.join(rel);
    let text =
        fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    assert_eq!(
        text.matches(from).count(),
        1,
        "{rel} should contain {from:?} exactly once"
    );
    fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

/// A front-matter text as pages show it: with the body's smart punctuation ("Japan's" is
/// shown "Japan’s"). The rules themselves are tested in `briefing::typography`.
pub fn shown(text: &str) -> String {
    briefing::typography::smarten(text).into_owned()
}

// ------------------------------------------------------------------ the example's content

/// One Markdown file of content/ with its front matter, body and URL path.
pub struct Doc {
    pub rel: String,
    pub url: String,
    pub is_section: bool,
    pub front: toml::Table,
    pub body: String,
}

impl Doc {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.front.get(key).and_then(toml::Value::as_str)
    }

    pub fn title(&self) -> &str {
        self.str("title")
            .unwrap_or_else(|| panic!("{}: no title", self.rel))
    }

    pub fn weight(&self) -> i64 {
        self.front
            .get("weight")
            .and_then(toml::Value::as_integer)
            .unwrap_or(0)
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        self.front
            .get(key)
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().expect("a list of strings").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The folder of a section (`hedges` for `hedges/_index.md`).
    pub fn dir(&self) -> &str {
        self.rel.rsplit_once('/').map_or("", |(d, _)| d)
    }
}

/// `x/_index.md` is `/x/`, `x/y.md` is `/x/y/`, `x/y/index.md` is `/x/y/`.
pub fn url_of(rel: &str) -> String {
    let stem = rel.strip_suffix(".md").unwrap();
    let stem = stem
        .strip_suffix("/_index")
        .or_else(|| stem.strip_suffix("/index"))
        .unwrap_or(stem);
    if stem == "_index" {
        "/".to_string()
    } else {
        format!("/{stem}/")
    }
}

/// The front matter and body of one of the example's documents (`+++` on the first line; a
/// plain test-side split, independent of `briefing::content::frontmatter`).
pub fn split_front_matter(text: &str, rel: &str) -> (toml::Table, String) {
    let rest = text
        .strip_prefix("+++\n")
        .unwrap_or_else(|| panic!("{rel}: no front matter"));
    let end = rest
        .find("\n+++")
        .unwrap_or_else(|| panic!("{rel}: front matter not closed"));
    let front = rest[..end]
        .parse()
        .unwrap_or_else(|e| panic!("{rel}: bad front matter: {e}"));
    let body = rest[end + 4..].to_string();
    (front, body)
}

/// Every Markdown document of the example site (data files excluded), by path. Fails the test if
/// one is a draft or sets `slug`, which the expected URLs do not model.
pub fn content_docs() -> Vec<Doc> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<Doc>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/");
            if e.file_type().unwrap().is_dir() {
                if rel != "data" {
                    walk(base, &path, out);
                }
            } else if rel.ends_with(".md") && !rel.ends_with(".fr.md") {
                // The French edition's files are translations, read over these: see
                // tests/languages.rs.
                let text = fs::read_to_string(&path).unwrap();
                let (front, body) = split_front_matter(&text, &rel);
                assert!(
                    !front.contains_key("slug"),
                    "{rel} sets `slug`; teach url_of about it"
                );
                assert_ne!(
                    front.get("draft").and_then(toml::Value::as_bool),
                    Some(true),
                    "{rel} is a draft; these tests expect every document published"
                );
                out.push(Doc {
                    url: url_of(&rel),
                    is_section: rel == "_index.md" || rel.ends_with("/_index.md"),
                    rel,
                    front,
                    body,
                });
            }
        }
    }
    let content = repo_root().join("content");
    let mut out = Vec::new();
    walk(&content, &content, &mut out);
    out
}

/// The briefs among `docs` (everything but sections).
pub fn briefs(docs: &[Doc]) -> Vec<&Doc> {
    docs.iter().filter(|d| !d.is_section).collect()
}
