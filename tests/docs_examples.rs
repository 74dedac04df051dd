//! Every TOML and Markdown example in README.md and docs/*.md is a file a user could copy: each
//! fenced ```toml, ```markdown and ```md block is written into the minimal fixture site and
//! built, and must build without an error.
//!
//! A block says which file it is with an HTML comment on the line just before its fence (GitHub
//! does not show it): `<!-- example: briefing.toml -->` (a config, or a fragment of one: its
//! keys replace the fixture's), `<!-- example: content/hedges/china.md -->` (a content file,
//! front matter and body, written at that path; `i18n/en.toml` and `terms.toml` likewise, and an
//! `i18n/` one must not even warn; a translation `NAME.fr.md` gets an original to translate and
//! a site with French). A deliberate mistake, such as an error
//! example, says `<!-- example: invalid content/x.md -->`: it must FAIL to build. A block with
//! no marker is an error of this test, so a new example is never left unchecked.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

/// One fenced block of a documentation file.
#[derive(Debug)]
struct Example {
    /// `README.md:137`, for messages.
    place: String,
    /// What the marker says: the file the block is, and whether it is meant to fail.
    target: Option<(String, bool)>,
    text: String,
}

const LANGUAGES: [&str; 3] = ["toml", "markdown", "md"];

/// The original a translation example translates.
const ORIGINAL: &str = "+++\ntitle = \"China\"\ndate = 2017-05-01\n\
[[key_judgments]]\ntext = \"x\"\nconfidence = \"very likely\"\n\
[[events]]\ndate = \"2016-11\"\ntext = \"e\"\n\
[hedge]\npartner = \"China\"\nkind = \"hard\"\n\
economic = { level = \"high\", rationale = \"r\" }\n\
security = { level = \"low\", rationale = \"r\" }\n\
credibility = { level = \"low\", rationale = \"r\" }\n+++\nBody.\n";

fn docs() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The marker `<!-- example: [invalid] PATH -->`, if `line` is one.
fn marker(line: &str) -> Option<(String, bool)> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim()
        .strip_prefix("example:")?
        .trim();
    Some(match inner.strip_prefix("invalid ") {
        Some(path) => (path.trim().to_string(), true),
        None => (inner.to_string(), false),
    })
}

fn examples_in(path: &Path) -> Vec<Example> {
    let text = fs::read_to_string(path).unwrap();
    let name = path
        .strip_prefix(repo_root())
        .unwrap()
        .display()
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].trim_start().strip_prefix("```") else {
            i += 1;
            continue;
        };
        let fence_line = i;
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_start().starts_with("```"))
            .unwrap_or_else(|| panic!("{name}:{}: the code block never closes", i + 1));
        let language = info.split_whitespace().next().unwrap_or("");
        if LANGUAGES.contains(&language) {
            let target = fence_line.checked_sub(1).and_then(|p| marker(lines[p]));
            out.push(Example {
                place: format!("{name}:{}", fence_line + 1),
                target,
                text: lines[fence_line + 1..end].join("\n") + "\n",
            });
        }
        i = end + 1;
    }
    out
}

fn examples() -> Vec<Example> {
    docs().iter().flat_map(|p| examples_in(p)).collect()
}

/// The fixture with the example written in; the build's result.
fn build_with(example: &Example) -> Run {
    let (target, _) = example.target.as_ref().unwrap();
    let (_tmp, root) = fixture_site("minimal");
    if target == "briefing.toml" {
        let mut config: toml::Table = fs::read_to_string(root.join("briefing.toml"))
            .unwrap()
            .parse()
            .unwrap();
        let fragment: toml::Table = example
            .text
            .parse()
            .unwrap_or_else(|e| panic!("{}: not TOML: {e}", example.place));
        config.extend(fragment);
        write(&root, "briefing.toml", toml::to_string(&config).unwrap());
    } else {
        assert!(
            (target.starts_with("content/")
                || target.starts_with("i18n/")
                || target == "terms.toml")
                && !target.contains(".."),
            "{}: an example is briefing.toml, terms.toml or a file under content/ or i18n/, not {target}",
            example.place
        );
        // A translation is built beside an original it can translate (one judgment, one
        // event, a hedge), on a site with French.
        if let Some(original) = target.strip_suffix(".fr.md") {
            let config = fs::read_to_string(root.join("briefing.toml")).unwrap();
            write(
                &root,
                "briefing.toml",
                format!("{config}\n[languages.fr]\n"),
            );
            write(&root, &format!("{original}.md"), ORIGINAL);
        }
        write(&root, target, &example.text);
    }
    let r = run(&["build", "--root", arg(&root)]);
    r.expect_no_panic();
    r
}

#[test]
fn the_docs_have_examples_and_each_says_what_it_is() {
    let all = examples();
    assert!(all.len() >= 4, "too few examples found: {all:#?}");
    let unmarked: Vec<&str> = all
        .iter()
        .filter(|e| e.target.is_none())
        .map(|e| e.place.as_str())
        .collect();
    assert!(
        unmarked.is_empty(),
        "put `<!-- example: FILE -->` on the line before each of these blocks: {unmarked:?}"
    );
}

#[test]
fn every_example_builds_without_errors() {
    let mut checked = 0;
    for e in examples()
        .iter()
        .filter(|e| matches!(e.target, Some((_, false))))
    {
        let r = build_with(e);
        // An interface-strings example with a key the theme lacks would only warn: it must
        // name real keys.
        let strings = e
            .target
            .as_ref()
            .is_some_and(|(t, _)| t.starts_with("i18n/"));
        assert!(
            r.code == 0
                && !r.stderr.contains("error")
                && !(strings && r.stderr.contains("warning")),
            "the example at {} does not build:\n{}\n--- the example\n{}",
            e.place,
            r.stderr,
            e.text
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} examples were built");
}

#[test]
fn examples_marked_invalid_do_fail() {
    let invalid: Vec<Example> = examples()
        .into_iter()
        .filter(|e| matches!(e.target, Some((_, true))))
        .collect();
    assert!(!invalid.is_empty(), "the docs show no invalid example");
    assert!(invalid.len() <= 5, "keep deliberately invalid examples few");
    for e in &invalid {
        let r = build_with(e);
        r.expect_code(1);
        assert!(
            r.stderr.contains("error:"),
            "{}: a failure names its error:\n{}",
            e.place,
            r.stderr
        );
    }
}
