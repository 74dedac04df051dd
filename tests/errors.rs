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
    s.edit(ALPHA, "confidence = \"likely\"", "confidence = \"perhaps\"");
    let r = s.build_fails(1);
    assert_message(
        &r,
        "error: `perhaps` is not on the estimative scale; use one of: almost certain, very likely, \
         likely, roughly even, unlikely, very unlikely, remote",
    );
    assert!(!r.stderr.contains("unknown variant"), "{}", r.stderr);
    assert_at(&r, &s.pos(ALPHA, "\"perhaps\""));
    assert!(
        r.stderr.contains("help: "),
        "a hint is expected:\n{}",
        r.stderr
    );
}

/// The JSON diagnostics of a run, one object per line of stdout.
fn json_lines(r: &Run) -> Vec<serde_json::Value> {
    r.stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

/// The estimative words of the built page of `rel`'s brief, parsed from its key judgments.
fn judgment_words(s: &Site, page: &str) -> Vec<String> {
    let html = read_html(&s.root.join("output").join(page));
    html.select(&sel(".judgment .confidence"))
        .map(|e| {
            text_of(e)
                .trim_start_matches("Likelihood:")
                .trim()
                .to_string()
        })
        .collect()
}

#[test]
fn estimative_words_ignore_case_and_spaces() {
    let s = Site::built();
    s.edit(
        ALPHA,
        "confidence = \"likely\"",
        "confidence = \" Likely \"",
    );
    s.edit(
        BETA,
        "confidence = \"very likely\"",
        "confidence = \"Very  LIKELY\"",
    );
    let r = s.build(&[]);
    r.expect_success().expect_no_panic();
    assert!(
        !r.stderr.contains("warning"),
        "no warning expected:\n{}",
        r.stderr
    );
    assert_eq!(judgment_words(&s, "analysis/alpha/index.html"), ["likely"]);
    assert_eq!(
        judgment_words(&s, "analysis/beta/index.html"),
        ["very likely"]
    );
}

#[test]
fn estimative_synonyms_are_read_with_a_warning() {
    let s = Site::built();
    s.edit(
        ALPHA,
        "confidence = \"likely\"",
        "confidence = \"probable\"",
    );
    s.edit(
        BETA,
        "confidence = \"very likely\"",
        "confidence = \"highly likely\"",
    );
    let r = s.build(&[]);
    r.expect_success().expect_no_panic();
    assert_message(&r, "warning: `probable` is read as `likely`");
    assert_message(&r, "warning: `highly likely` is read as `very likely`");
    assert_at(&r, &s.pos(ALPHA, "\"probable\""));
    assert_at(&r, &s.pos(BETA, "\"highly likely\""));
    assert_hint(&r, "write confidence = \"very likely\"");
    assert_eq!(judgment_words(&s, "analysis/alpha/index.html"), ["likely"]);
    assert_eq!(
        judgment_words(&s, "analysis/beta/index.html"),
        ["very likely"]
    );

    // The same warnings, as JSON.
    s.edit(
        ALPHA,
        "confidence = \"probable\"",
        "confidence = \"almost no chance\"",
    );
    let r = s.build(&["--format", "json"]);
    r.expect_success().expect_no_panic();
    let diags = json_lines(&r);
    let alpha = diags
        .iter()
        .find(|d| d["file"] == ALPHA)
        .unwrap_or_else(|| panic!("no warning for {ALPHA}: {}", r.stdout));
    assert_eq!(alpha["severity"], "warning", "{alpha}");
    assert_eq!(
        alpha["message"],
        "`almost no chance` is read as `remote`, its word on the estimative scale"
    );
    assert_eq!(
        (alpha["line"].as_u64(), alpha["column"].as_u64()),
        (Some(12), Some(14))
    );
    assert_eq!(alpha["hint"], "write confidence = \"remote\"");
    assert!(
        diags
            .iter()
            .any(|d| d["file"] == BETA && d["severity"] == "warning")
    );
    assert_eq!(judgment_words(&s, "analysis/alpha/index.html"), ["remote"]);
}

#[test]
fn estimative_suggestions_never_mean_the_opposite() {
    let s = Site::built();
    s.edit(
        ALPHA,
        "confidence = \"likely\"",
        "confidence = \"almost no chanse\"",
    );
    s.edit(
        BETA,
        "confidence = \"very likely\"",
        "confidence = \"almost sertain\"",
    );
    let r = s.build_fails(1);
    let diags = json_lines(&s.build(&["--format", "json"]));
    let hint = |file: &str| {
        diags
            .iter()
            .find(|d| d["file"] == file)
            .and_then(|d| d["hint"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no hint for {file}: {diags:?}"))
    };
    assert!(
        hint(ALPHA).starts_with("did you mean `remote`?"),
        "{}",
        r.stderr
    );
    assert!(!hint(ALPHA).contains("certain"), "{}", r.stderr);
    assert!(
        hint(BETA).starts_with("did you mean `almost certain`?"),
        "{}",
        r.stderr
    );
    assert_message(
        &r,
        "`almost no chanse` is not on the estimative scale; use one of:",
    );
}

#[test]
fn hedge_levels_ignore_case_and_take_moderate() {
    let s = Site::built();
    s.edit(
        BETA,
        "[[events]]",
        "[hedge]\npartner = \"China\"\nkind = \"Soft\"\n\
         economic = { level = \"High\", rationale = \"Trade.\" }\n\
         security = { level = \"low \", rationale = \"Rival.\" }\n\
         credibility = { level = \"moderate\", rationale = \"Mixed.\" }\n\n[[events]]",
    );
    let r = s.build(&[]);
    r.expect_success().expect_no_panic();
    assert_message(&r, "warning: `moderate` is read as `medium`");
    assert_at(&r, &s.pos(BETA, "\"moderate\""));
    assert_eq!(r.stderr.matches("warning:").count(), 1, "{}", r.stderr);
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
        "confidence = \"perhaps\"",
    );
    let r = s.build_fails(1);
    assert_at(&r, &s.pos(ALPHA, "titel"));
    assert_at(&r, &s.pos(BETA, "\"perhaps\""));
}

#[test]
fn json_diagnostics_are_one_object_per_line() {
    let s = Site::built();
    s.edit(ALPHA, "title = \"Alpha brief\"", "titel = \"Alpha brief\"");
    s.edit(
        BETA,
        "confidence = \"very likely\"",
        "confidence = \"perhaps\"",
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

/// Breaks one line of Alpha's front matter and checks the plain message, the place and the
/// corrected line offered as the fix.
fn toml_mistake(from: &str, to: &str, at: &str, message: &str, hint: &str) {
    let s = Site::built();
    s.edit(ALPHA, from, to);
    let r = s.build_fails(1);
    assert_message(&r, &format!("error: {message}"));
    assert_at(&r, &s.pos(ALPHA, at));
    assert_hint(&r, hint);
    for parser_words in [
        "expected newline",
        "string values must be quoted",
        "expected a sequence",
        "(MM-DD)",
    ] {
        assert!(
            !r.stderr.contains(parser_words),
            "the parser's words leak:\n{}",
            r.stderr
        );
    }
}

#[test]
fn toml_quote_inside_a_string() {
    toml_mistake(
        "bottom_line = \"Alpha matters.\"",
        "bottom_line = \"He said \"no\" to it\"",
        "no\" to it",
        "a `\"` inside the text of `bottom_line` ends it early",
        "use single quotes around the text: bottom_line = 'He said \"no\" to it' \
         (or escape the inner quotes: bottom_line = \"He said \\\"no\\\" to it\")",
    );
}

#[test]
fn toml_unquoted_date() {
    toml_mistake(
        "date = 2017-05-01",
        "date = May 2017",
        "May 2017",
        "`May 2017` is not a date briefing can read: write dates as numbers",
        "write the date as year-month-day, e.g. date = 2017-05-01",
    );
}

#[test]
fn toml_unquoted_word() {
    toml_mistake(
        "title = \"Alpha brief\"",
        "title = Alpha brief",
        "Alpha brief",
        "the text of `title` must be in quotes",
        "write title = \"Alpha brief\"",
    );
}

#[test]
fn toml_string_where_a_list_is_expected() {
    toml_mistake(
        "actors = [\"Japan\", \"China\"]",
        "actors = \"Japan\"",
        "\"Japan\"",
        "`actors` is a list: put the names in square brackets",
        "write actors = [\"Japan\"]",
    );
}

#[test]
fn toml_month_only_brief_date() {
    for written in ["date = 2017-05", "date = \"2017-05\""] {
        toml_mistake(
            "date = 2017-05-01",
            written,
            written.trim_start_matches("date = "),
            "a brief's date needs a day: `2017-05` gives only the month",
            "give the day, e.g. the first of the month: date = 2017-05-01",
        );
    }
}

#[test]
fn toml_unquoted_partial_date_in_a_source() {
    toml_mistake(
        "publisher = \"Fixture Institute\"\n\n[[events]]",
        "publisher = \"Fixture Institute\"\ndate = 2017-08\n\n[[events]]",
        "2017-08",
        "a date with no day must be in quotes: `2017-08`",
        "write date = \"2017-08\"",
    );
}

#[test]
fn every_error_in_a_file_is_reported_in_order() {
    let s = Site::built();
    s.edit(
        ALPHA,
        "confidence = \"likely\"",
        "confidence = \"perhaps\"\n\n[[key_judgments]]\ntext = \"Two.\"\nconfidence = \"chance\"",
    );
    s.edit(ALPHA, "date = \"2015-04\"", "date = \"2015-13\"");
    let r = s.build_fails(1);
    let errors: Vec<(usize, usize)> = locations(&r.stderr, ALPHA);
    let want = vec![
        pos_of(&s, ALPHA, "\"perhaps\""),
        pos_of(&s, ALPHA, "\"chance\""),
        pos_of(&s, ALPHA, "\"2015-13\""),
    ];
    assert_eq!(errors, want, "three errors, in file order:\n{}", r.stderr);
    assert_message(&r, "build failed with 3 errors");
    assert_message(&r, "`chance` is not on the estimative scale; use one of:");
    assert_message(&r, "month 13 is not between 01 and 12");
}

/// Line and column of the first `needle` in the site's file `rel`.
fn pos_of(s: &Site, rel: &str, needle: &str) -> (usize, usize) {
    let p = s.pos(rel, needle);
    let mut parts = p.rsplitn(3, ':');
    let col = parts.next().unwrap().parse().unwrap();
    let line = parts.next().unwrap().parse().unwrap();
    (line, col)
}

#[test]
fn a_broken_front_matter_does_not_hide_the_body_links() {
    let s = Site::built();
    s.edit(ALPHA, "title = \"Alpha brief\"", "titel = \"Alpha brief\"");
    s.edit(
        ALPHA,
        "## Trade\n",
        "## Trade\n\nSee [a missing brief](@/missing.md).\n",
    );
    s.edit(BETA, "weight = 2\n", "weight = = 2\n");
    s.edit(
        BETA,
        "More to come.",
        "More in [Alpha](@/analysis/alpha.md) and [gone](@/gone.md#x).",
    );
    let r = s.build_fails(1);
    assert_at(&r, &s.pos(ALPHA, "titel"));
    assert_at(&r, &s.pos(ALPHA, "[a missing brief]"));
    assert_message(&r, "`missing.md`");
    // A syntax error stops Beta's front matter; its body is still checked. The link to Alpha,
    // whose front matter is broken too, is not reported as broken: Alpha's error says why.
    assert_at(&r, &s.pos(BETA, "= 2\nbottom_line"));
    assert_at(&r, &s.pos(BETA, "[gone]"));
    assert_eq!(
        r.stderr.matches("broken internal link").count(),
        2,
        "{}",
        r.stderr
    );
    assert_message(&r, "build failed with 4 errors");
    let files: Vec<String> = json_lines(&s.build(&["--format", "json"]))
        .iter()
        .map(|d| format!("{}:{}", d["file"], d["line"]))
        .collect();
    let mut sorted = files.clone();
    sorted.sort_by_key(|f| {
        let (file, line) = f.rsplit_once(':').unwrap();
        (file.to_string(), line.parse::<usize>().unwrap())
    });
    assert_eq!(files, sorted, "sorted by file and line");
}

#[test]
fn serve_reports_estimative_synonyms_on_every_build() {
    use common::serve::{EDIT_TIMEOUT, Server, free_port};
    let (tmp, root) = fixture_site("minimal");
    edit(
        &root,
        ALPHA,
        "confidence = \"likely\"",
        "confidence = \"probable\"",
    );
    let mut server = Server::start_at(&root, free_port(), Some(tmp));
    let first = server.wait_for_line(
        |l| l.contains("warning: `probable` is read as `likely`"),
        EDIT_TIMEOUT,
    );
    assert!(first.starts_with("stderr: "), "{first}");
    let page = server.page("/analysis/alpha/");
    let html = scraper::Html::parse_document(&page);
    let words: Vec<String> = html
        .select(&sel(".judgment .confidence"))
        .map(|e| {
            text_of(e)
                .trim_start_matches("Likelihood:")
                .trim()
                .to_string()
        })
        .collect();
    assert_eq!(words, ["likely"]);
    // An edit that brings a synonym in warns on that rebuild too.
    edit(
        &root,
        BETA,
        "confidence = \"very likely\"",
        "confidence = \"highly probable\"",
    );
    server.wait_for_line(
        |l| l.contains("warning: `highly probable` is read as `very likely`"),
        EDIT_TIMEOUT,
    );
}
