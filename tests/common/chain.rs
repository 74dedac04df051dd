//! Edit chains in the style of mdBook's `BookTest` (`tests/chains.rs` includes this file): one long-lived `briefing::build::Builder`
//! (what `serve` keeps) is driven through a chain of edits,
//!
//! ```ignore
//! Chain::new(example_site()).build()
//!     .edit_file("content/hedges/china.md", "Economics", "Trade")
//!     .build_changed().took(Took::Patched)
//!     .check(|step| ...);
//! ```
//!
//! and every step asserts that what the builder hands on (a patch applied to what it served,
//! as `serve` applies it) equals a fresh full build of the same tree, byte for byte, with the
//! same warnings or errors, and that the edit changed the output at all (so a patch path that
//! skipped re-rendering cannot pass by leaving the site as it was).

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use briefing::build::{BuildOptions, Builder, ChangeKind, Changes, Output};
use briefing::output::Body;
use scraper::Html;
use tempfile::TempDir;

/// Output files by path, each file's bytes.
pub type Tree = BTreeMap<String, Vec<u8>>;

/// How the builder handled a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Took {
    /// Patched the last build ([`Output::Patched`]).
    Patched,
    /// Ran the whole pipeline ([`Output::Full`]).
    Full,
    /// Failed, as the fresh build did.
    Failed,
}

/// One `build_changed` step: how its paths were classified, what the builder did, and the site
/// it left (every output file) or the diagnostics it failed with.
pub struct Step {
    pub changes: Changes,
    pub took: Took,
    pub files: Tree,
    /// Warnings, or for a failed step the errors, each as `briefing` prints it.
    pub diagnostics: Vec<String>,
}

impl Step {
    /// The page at output path `rel`, parsed.
    pub fn html(&self, rel: &str) -> Html {
        let bytes = self
            .files
            .get(rel)
            .unwrap_or_else(|| panic!("no {rel} in the build"));
        Html::parse_document(&String::from_utf8_lossy(bytes))
    }
}

pub struct Chain {
    _tmp: TempDir,
    pub root: PathBuf,
    options: BuildOptions,
    live: Builder,
    /// What `serve` would serve: the last full result with every later patch applied.
    served: Tree,
    touched: Vec<PathBuf>,
    log: Vec<String>,
    last: Option<Step>,
}

impl Chain {
    /// A chain on a site from `common::example_site()` or `common::fixture_site()`, built as
    /// `serve` builds (no fingerprinted asset names, no search index).
    pub fn new((tmp, root): (TempDir, PathBuf)) -> Chain {
        let options = BuildOptions {
            serve: true,
            ..BuildOptions::default()
        };
        Chain {
            live: Builder::new(&root, options.clone()),
            _tmp: tmp,
            root,
            options,
            served: BTreeMap::new(),
            touched: Vec::new(),
            log: Vec::new(),
            last: None,
        }
    }

    /// The first build of the long-lived builder, which must succeed and equal a fresh one.
    pub fn build(mut self) -> Chain {
        self.log.push("build".into());
        let built = self
            .live
            .build()
            .unwrap_or_else(|f| panic!("the first build failed: {:?}", f.diagnostics()));
        let Output::Full(files) = &built.output else {
            panic!("a first build is not a full one");
        };
        self.served = bytes(files);
        let fresh = self.fresh().unwrap_or_else(|e| panic!("{e:?}"));
        self.assert_same(&fresh.0, &fresh.1, &rendered(&built.warnings));
        self
    }

    /// Writes `text` to `rel` (relative to the site root), creating folders as needed.
    pub fn change_file(self, rel: &str, text: impl AsRef<[u8]>) -> Chain {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).unwrap();
        }
        fs::write(&path, text).unwrap();
        self.touch(rel, format!("write {rel}"))
    }

    /// Replaces `from` (which must occur) with `to` in `rel`.
    pub fn edit_file(self, rel: &str, from: &str, to: &str) -> Chain {
        let text = fs::read_to_string(self.root.join(rel)).unwrap();
        assert!(text.contains(from), "{rel} has no {from:?}");
        let desc = format!("edit {rel}: {from:?} -> {to:?}");
        let chain = self.change_file(rel, text.replacen(from, to, 1));
        chain.relabel(desc)
    }

    pub fn remove_file(self, rel: &str) -> Chain {
        fs::remove_file(self.root.join(rel)).unwrap();
        self.touch(rel, format!("remove {rel}"))
    }

    /// Renames `from` to `to`; the watcher reports both names.
    pub fn rename_file(self, from: &str, to: &str) -> Chain {
        fs::rename(self.root.join(from), self.root.join(to)).unwrap();
        self.touch(from, format!("rename {from} -> {to}"))
            .touch(to, String::new())
    }

    /// Rebuilds with the paths touched since the last build, as `serve` does after a batch,
    /// and compares the result with a fresh full build of the tree as it now is.
    pub fn build_changed(mut self) -> Chain {
        let paths = std::mem::take(&mut self.touched);
        self.log.push(format!("build_changed {paths:?}"));
        let changes = self.live.classify(&paths);
        let result = self.live.build_changed(&paths);
        let fresh = self.fresh();
        let step = match (result, fresh) {
            (Ok(built), Ok((files, warnings))) => {
                let before = self.served.clone();
                let took = match built.output {
                    Output::Patched(pages) => {
                        self.served.extend(bytes(&pages));
                        Took::Patched
                    }
                    Output::Full(all) => {
                        self.served = bytes(&all);
                        Took::Full
                    }
                    Output::Streamed(_) => panic!("an in-memory build streamed"),
                };
                let diagnostics = rendered(&built.warnings);
                self.assert_same(&files, &warnings, &diagnostics);
                assert!(
                    self.served != before,
                    "the edit changed no output file, so this step proves nothing; after {:?}",
                    self.log
                );
                Step {
                    changes,
                    took,
                    files,
                    diagnostics,
                }
            }
            (Err(live), Err(fresh)) => {
                let live = rendered(&live.diagnostics().into_iter().cloned().collect::<Vec<_>>());
                assert_eq!(
                    live, fresh,
                    "other errors than a fresh build's after {:?}",
                    self.log
                );
                Step {
                    changes,
                    took: Took::Failed,
                    files: BTreeMap::new(),
                    diagnostics: live,
                }
            }
            (live, fresh) => panic!(
                "the long-lived builder ok={} but a fresh build ok={} after {:?}",
                live.is_ok(),
                fresh.is_ok(),
                self.log
            ),
        };
        self.last = Some(step);
        self
    }

    /// Asserts how the builder handled the last step.
    pub fn took(self, took: Took) -> Chain {
        let step = self.step();
        assert_eq!(step.took, took, "after {:?}", self.log);
        self
    }

    /// Asserts the last step's paths were classified as `kind`: for
    /// [`ChangeKind::BriefEdit`] a batch of brief edits only, otherwise a full batch with at
    /// least one path of that kind.
    pub fn classified(self, kind: ChangeKind) -> Chain {
        let step = self.step();
        let ok = match &step.changes {
            Changes::Briefs(_) => kind == ChangeKind::BriefEdit,
            Changes::Full(paths) => paths.iter().any(|(k, _)| *k == kind),
        };
        assert!(ok, "classified {:?}, not {kind:?}", step.changes);
        self
    }

    /// Runs `check` on the last step.
    pub fn check(self, check: impl FnOnce(&Step)) -> Chain {
        check(self.step());
        self
    }

    fn step(&self) -> &Step {
        self.last.as_ref().expect("no build_changed step yet")
    }

    fn touch(mut self, rel: &str, desc: String) -> Chain {
        self.touched.push(PathBuf::from(rel));
        if !desc.is_empty() {
            self.log.push(desc);
        }
        self
    }

    fn relabel(mut self, desc: String) -> Chain {
        if let Some(last) = self.log.last_mut() {
            *last = desc;
        }
        self
    }

    /// A fresh builder's full build: every file's bytes and the warnings, or the errors.
    fn fresh(&self) -> Result<(Tree, Vec<String>), Vec<String>> {
        match Builder::new(&self.root, self.options.clone()).build() {
            Ok(built) => Ok((bytes(built.output.files()), rendered(&built.warnings))),
            Err(f) => Err(rendered(
                &f.diagnostics().into_iter().cloned().collect::<Vec<_>>(),
            )),
        }
    }

    fn assert_same(&self, files: &Tree, warnings: &[String], live_warnings: &[String]) {
        let (a, b): (Vec<_>, Vec<_>) = (self.served.keys().collect(), files.keys().collect());
        assert_eq!(a, b, "file lists differ after {:?}", self.log);
        for (k, v) in files {
            assert!(
                &self.served[k] == v,
                "{k} differs from a fresh build's after {:?}",
                self.log
            );
        }
        assert_eq!(
            live_warnings, warnings,
            "other warnings than a fresh build's after {:?}",
            self.log
        );
    }
}

fn bytes(files: &BTreeMap<String, Body>) -> Tree {
    files
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Body::Bytes(b) => b.to_vec(),
                Body::Copy(p) => fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            };
            (k.clone(), v)
        })
        .collect()
}

fn rendered(diags: &[briefing::diagnostics::Diagnostic]) -> Vec<String> {
    diags.iter().map(|d| d.render(false)).collect()
}
