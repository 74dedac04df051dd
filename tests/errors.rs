//! Broken input: each test builds the small valid fixture site once, breaks one file, builds
//! again, and checks that briefing says where the problem is (file:line:col and a hint), exits
//! with the documented code, does not panic, and leaves the previous output byte-identical.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use tempfile::TempDir;

const ALPHA: &str = "content/analysis/alpha.md";
const BETA: &str = "content/analysis/beta.md";

/// The minimal fixture, built once into its default output folder.
struct Site {
    _tmp: TempDir,
    root: PathBuf,
    before: BTreeMap<String, Vec<u8>>,
}

impl Site {
    fn built() -> Site {
        let (tmp, root) = fixture_site("minimal");
        run(&["build", "--root", arg(&root)])
            .expect_success()
            .expect_no_panic();
        let before = snapshot(&root.join("output"));
        assert!(
            before.contains_key("analysis/alpha/index.html"),
            "{:?}",
            before.keys()
        );
        Site {
            _tmp: tmp,
            root,
            before,
        }
    }

    fn build(&self, extra: &[&str]) -> Run {
        let mut args = vec!["build", "--root", arg(&self.root)];
        args.extend_from_slice(extra);
        run(&args)
    }

    /// Builds the broken site and checks what every failed build must do.
    fn build_fails(&self, code: i32) -> Run {
        let r = self.build(&[]);
        r.expect_code(code).expect_no_panic();
        assert_same_tree(
            &self.before,
            &snapshot(&self.root.join("output")),
            "the previous output after a failed build",
        );
        r
    }

    fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        write(&self.root, rel, text);
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        edit(&self.root, rel, from, to);
    }

    /// `rel:line:col` of the first occurrence of `needle` in the site's file `rel`.
    fn pos(&self, rel: &str, needle: &str) -> String {
        let text = fs::read_to_string(self.root.join(rel)).unwrap();
        let at = text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in {rel}"));
        let line = text[..at].matches('\n').count() + 1;
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let col = text[line_start..at].chars().count() + 1;
        format!("{rel}:{line}:{col}")
    }
}

/// Asserts stderr shows `file:line:col` (as printed under the error header).
fn assert_at(r: &Run, location: &str) {
    assert!(
        r.stderr.contains(location),
        "stderr should point at {location}:\n{}",
        r.stderr
    );
}

fn assert_hint(r: &Run, hint: &str) {
    assert!(
        r.stderr.contains(&format!("help: {hint}")),
        "stderr should give the hint {hint:?}:\n{}",
        r.stderr
    );
}

fn assert_message(r: &Run, message: &str) {
    assert!(
        r.stderr.contains(message),
        "stderr should say {message:?}:\n{}",
        r.stderr
    );
}

/// Every `file:line:col` that stderr gives for `file`.
fn locations(stderr: &str, file: &str) -> Vec<(usize, usize)> {
    let needle = format!("{file}:");
    stderr
        .match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &stderr[i + needle.len()..];
            let mut parts = rest.splitn(3, ':');
            let line = parts.next()?.parse().ok()?;
            let col: String = parts
                .next()?
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            Some((line, col.parse().ok()?))
        })
        .collect()
}

#[test]
fn invalid_toml() {
    let s = Site::built();
    s.edit(ALPHA, "weight = 1\n", "weight = = 1\n");
    let r = s.build_fails(1);
    assert_at(&r, &s.pos(ALPHA, "= 1"));
}

#[test]
fn missing_closing_delimiter() {
    let s = Site::built();
    s.edit(ALPHA, "+++\nAlpha opens", "Alpha opens");
    let r = s.build_fails(1);
    assert_message(&r, "never closed");
    assert_at(&r, &format!("{ALPHA}:1:1"));
    assert_hint(&r, "add a line with just `+++`");
}

#[test]
fn missing_required_field() {
    let s = Site::built();
    s.edit(ALPHA, "date = 2017-05-01\n", "");
    let r = s.build_fails(1);
    assert_message(&r, "missing field `date`");
    let front_matter_lines = 1..=21;
    let at = locations(&r.stderr, ALPHA);
    assert!(
        at.iter().any(|(l, _)| front_matter_lines.contains(l)),
        "the error should point into {ALPHA}'s front matter: {at:?}\n{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("help: "),
        "a hint is expected:\n{}",
        r.stderr
    );
}

#[test]
fn wrong_type() {
    let s = Site::built();
    s.edit(ALPHA, "title = \"Alpha brief\"", "title = 3");
    let r = s.build_fails(1);
    assert_message(&r, "expected a string");
    assert_at(&r, &s.pos(ALPHA, "3\ndate"));
}

#[test]
fn unknown_field_suggests_the_right_one() {
    let s = Site::built();
    s.edit(ALPHA, "title = \"Alpha brief\"", "titel = \"Alpha brief\"");
    let r = s.build_fails(1);
    assert_message(&r, "unknown field `titel`");
    assert_at(&r, &s.pos(ALPHA, "titel"));
    assert_hint(&r, "did you mean `title`?");
}

#[test]
fn invalid_date() {
    let s = Site::built();
    s.edit(ALPHA, "date = 2017-05-01", "date = 2017-13-01");
    let r = s.build_fails(1);
    assert_at(&r, &s.pos(ALPHA, "2017-13-01"));
}

#[test]
fn unknown_confidence_word() {
    let s = Site::built();
    s.edit(
        ALPHA,
        "confidence = \"likely\"",
        "confidence = \"probable\"",
    );
    let r = s.build_fails(1);
    assert_message(&r, "`probable`");
    assert_at(&r, &s.pos(ALPHA, "\"probable\""));
    assert_hint(&r, "expected a value among: almost certain, very likely");
}

#[test]
fn two_files_claim_one_url() {
    let s = Site::built();
    s.write(
        "content/analysis/a.md",
        "+++\ntitle = \"A\"\ndate = 2017-01-01\nslug = \"b\"\n+++\nA.\n",
    );
    s.write(
        "content/analysis/b.md",
        "+++\ntitle = \"B\"\ndate = 2017-01-01\n+++\nB.\n",
    );
    let r = s.build_fails(1);
    assert_message(&r, "/analysis/b/");
    assert_message(&r, "content/analysis/a.md");
    assert_message(&r, "content/analysis/b.md");
    // The file whose `slug` causes the clash is the one to fix.
    assert_at(&r, &s.pos("content/analysis/a.md", "slug = \"b\""));
    assert!(
        r.stderr.contains("help: "),
        "a hint is expected:\n{}",
        r.stderr
    );
}

#[test]
fn broken_internal_link() {
    let s = Site::built();
    s.edit(ALPHA, "@/analysis/beta.md#outlook", "@/analysis/gamma.md");
    let r = s.build_fails(1);
    assert_message(&r, "analysis/gamma.md");
    assert_at(&r, &s.pos(ALPHA, "[the outlook in Beta]"));
    assert!(
        r.stderr.contains("help: "),
        "a hint is expected:\n{}",
        r.stderr
    );
}

#[test]
fn broken_internal_anchor() {
    let s = Site::built();
    s.edit(
        ALPHA,
        "@/analysis/beta.md#outlook",
        "@/analysis/beta.md#outlok",
    );
    let r = s.build_fails(1);
    assert_message(&r, "#outlok");
    assert_at(&r, &s.pos(ALPHA, "[the outlook in Beta]"));
    assert_hint(&r, "did you mean `#outlook`?");
}

#[test]
fn template_syntax_error() {
    let s = Site::built();
    s.write(
        "templates/brief.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock content %}\n",
    );
    let r = s.build_fails(1);
    let at = locations(&r.stderr, "templates/brief.html");
    assert!(
        at.iter().any(|(l, _)| *l == 3),
        "the error should name templates/brief.html line 3: {at:?}\n{}",
        r.stderr
    );
}

#[test]
fn undefined_template_variable() {
    let s = Site::built();
    s.write(
        "templates/brief.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<p>{{ nope }}</p>\n{% endblock content %}\n",
    );
    let r = s.build_fails(1);
    assert_message(&r, "nope");
    assert_at(&r, &s.pos("templates/brief.html", "nope"));
    assert_hint(&r, "the variable does not exist on this page");
}

#[test]
fn file_not_utf8() {
    let s = Site::built();
    let path = s.root.join(BETA);
    let mut bytes = fs::read(&path).unwrap();
    let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    bytes.extend_from_slice(b"Bad \xff\xfe bytes.\n");
    fs::write(&path, bytes).unwrap();
    let r = s.build_fails(1);
    assert_message(&r, "UTF-8");
    assert_at(&r, &format!("{BETA}:{line}:5"));
    assert!(
        r.stderr.contains("help: "),
        "a hint is expected:\n{}",
        r.stderr
    );
}

#[test]
fn unknown_config_key_suggests_the_right_one() {
    let s = Site::built();
    let config = fs::read_to_string(s.root.join("briefing.toml")).unwrap();
    s.write(
        "briefing.toml",
        config + "base_ur = \"https://example.org\"\n",
    );
    let r = s.build_fails(1);
    assert_message(&r, "unknown field `base_ur`");
    assert_at(&r, &s.pos("briefing.toml", "base_ur"));
    assert_hint(&r, "did you mean `base_url`?");
}

#[test]
fn figure_without_alt() {
    let s = Site::built();
    s.edit(
        BETA,
        "More to come.\n",
        "More to come.\n\n{{ figure(src=\"/style.css\", caption=\"A picture\") }}\n",
    );
    let r = s.build_fails(1);
    assert_message(&r, "alt");
    assert_at(&r, &s.pos(BETA, "{{ figure"));
    assert!(
        r.stderr.contains("help: "),
        "a hint is expected:\n{}",
        r.stderr
    );
}

#[test]
fn unknown_cite_id() {
    let s = Site::built();
    s.edit(BETA, "cite(id=\"beta-src\")", "cite(id=\"beta-scr\")");
    let r = s.build_fails(1);
    assert_message(&r, "beta-scr");
    assert_at(&r, &s.pos(BETA, "{{ cite(id=\"beta-scr\")"));
    assert_hint(&r, "did you mean `beta-src`?");
}

#[test]
fn malformed_csv() {
    let s = Site::built();
    s.edit("content/data/tests.csv", "2017,17\n", "2017,17\n2018\n");
    let r = s.build_fails(1);
    assert_message(&r, "CSV");
    assert_at(&r, &s.pos("content/data/tests.csv", "2018"));
    assert!(
        r.stderr.contains("help: "),
        "a hint is expected:\n{}",
        r.stderr
    );
}

#[test]
fn unknown_hedge_scale_word() {
    let s = Site::built();
    s.edit(
        BETA,
        "[[events]]",
        "[hedge]\npartner = \"China\"\nkind = \"soft\"\n\
         economic = { level = \"hihg\", rationale = \"Trade.\" }\n\
         security = { level = \"low\", rationale = \"Rival.\" }\n\
         credibility = { level = \"medium\", rationale = \"Mixed.\" }\n\n[[events]]",
    );
    let r = s.build_fails(1);
    assert_message(&r, "`hihg`");
    assert_at(&r, &s.pos(BETA, "\"hihg\""));
    assert_hint(&r, "did you mean `high`?");
}

#[test]
fn shortcode_with_unknown_argument() {
    let s = Site::built();
    s.edit(ALPHA, "title=\"Tests by year\"", "titel=\"Tests by year\"");
    let r = s.build_fails(1);
    assert_message(&r, "unknown argument `titel`");
    assert_at(&r, &s.pos(ALPHA, "{{ chart("));
    assert_hint(&r, "did you mean `title`?");
}

#[test]
fn all_content_errors_are_reported_in_one_run() {
    let s = Site::built();
    s.edit(ALPHA, "title = \"Alpha brief\"", "titel = \"Alpha brief\"");
    s.edit(
        BETA,
        "confidence = \"very likely\"",
        "confidence = \"probable\"",
    );
    let r = s.build_fails(1);
    assert_at(&r, &s.pos(ALPHA, "titel"));
    assert_at(&r, &s.pos(BETA, "\"probable\""));
}

#[test]
fn json_diagnostics_are_one_object_per_line() {
    let s = Site::built();
    s.edit(ALPHA, "title = \"Alpha brief\"", "titel = \"Alpha brief\"");
    s.edit(
        BETA,
        "confidence = \"very likely\"",
        "confidence = \"probable\"",
    );
    let r = s.build(&["--format", "json"]);
    r.expect_code(1).expect_no_panic();
    let diags: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    assert!(diags.len() >= 2, "expected both errors: {}", r.stdout);
    for d in &diags {
        for key in ["severity", "message", "file", "line", "column", "hint"] {
            assert!(d.get(key).is_some(), "diagnostic without `{key}`: {d}");
        }
        assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "{d}");
    }
    let find = |file: &str| {
        diags
            .iter()
            .find(|d| d["file"] == file)
            .unwrap_or_else(|| panic!("no diagnostic for {file}: {}", r.stdout))
    };
    let alpha = find(ALPHA);
    assert_eq!(alpha["severity"], "error");
    assert_eq!(
        (alpha["line"].as_u64(), alpha["column"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(alpha["hint"], "did you mean `title`?");
    let beta = find(BETA);
    assert_eq!(beta["line"].as_u64(), Some(12), "{beta}");
    assert_eq!(beta["column"].as_u64(), Some(14), "{beta}");
    assert_same_tree(
        &s.before,
        &snapshot(&s.root.join("output")),
        "the previous output after a failed JSON build",
    );
}

/// Refuses `--output DIR`: exit 2, nothing under `watch` changes.
fn assert_refused(s: &Site, output: &Path, watch: &Path) {
    let before = snapshot(watch);
    let r = s.build(&["--output", arg(output)]);
    r.expect_code(2).expect_no_panic();
    assert!(r.stderr.contains("refusing"), "{}", r.stderr);
    assert!(
        r.stderr.contains("help: "),
        "a hint is expected:\n{}",
        r.stderr
    );
    assert_same_tree(&before, &snapshot(watch), "files after a refused build");
}

#[test]
fn output_into_the_site_root_is_refused() {
    let s = Site::built();
    assert_refused(&s, &s.root, &s.root);
    assert_refused(&s, &s.root.join("content/.."), &s.root);
    // A folder that contains the site is just as bad.
    let parent = s.root.parent().unwrap().to_path_buf();
    assert_refused(&s, &parent, &parent);
}

#[test]
fn foreign_output_folder_needs_force() {
    let s = Site::built();
    let mine = s.root.parent().unwrap().join("mine");
    write(&mine, "notes.txt", "my notes\n");
    write(&mine, "sub/keep.md", "keep me\n");
    assert_refused(&s, &mine, &mine);

    s.build(&["--output", arg(&mine), "--force"])
        .expect_success()
        .expect_no_panic();
    assert!(mine.join(".briefing-output").is_file());
    assert!(mine.join("analysis/alpha/index.html").is_file());
    assert!(
        !mine.join("notes.txt").exists(),
        "--force replaces the folder"
    );

    // An existing empty folder is fine without --force.
    let empty = s.root.parent().unwrap().join("empty");
    fs::create_dir(&empty).unwrap();
    s.build(&["--output", arg(&empty)]).expect_success();
    assert!(empty.join("index.html").is_file());
}
