//! `briefing init`, `briefing new` and the help texts, driven through the real binary.

mod common;

use std::fs;

use common::*;

#[test]
fn init_new_build_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    run(&["init", arg(&site)])
        .expect_success()
        .expect_no_panic();
    assert!(site.join("briefing.toml").is_file());
    assert!(site.join("content/_index.md").is_file());

    run(&[
        "new",
        "analysis/second-brief",
        "--title",
        "Second",
        "--root",
        arg(&site),
    ])
    .expect_success()
    .expect_no_panic();
    let brief = site.join("content/analysis/second-brief.md");
    assert!(brief.is_file(), "`new` should write {}", brief.display());

    run(&["build", "--root", arg(&site)])
        .expect_success()
        .expect_no_panic();
    let page = site.join("output/analysis/second-brief/index.html");
    assert!(page.is_file(), "{} was not generated", page.display());
    let html = read_html(&page);
    let h1: Vec<String> = html.select(&sel("h1")).map(text_of).collect();
    assert_eq!(
        h1,
        vec!["Second".to_string()],
        "the new brief's h1 is its title"
    );
    // The brief init wrote is published too, and the section lists both.
    assert!(
        site.join("output/analysis/first-brief/index.html")
            .is_file()
    );
    let section = read_html(&site.join("output/analysis/index.html"));
    let titles: Vec<String> = section.select(&sel("main a[href]")).map(text_of).collect();
    assert!(
        titles.iter().any(|t| t == "Second"),
        "section lists: {titles:?}"
    );
}

#[test]
fn new_never_overwrites_a_brief() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    run(&["init", arg(&site)]).expect_success();
    let args = [
        "new",
        "analysis/twice",
        "--title",
        "Twice",
        "--root",
        arg(&site),
    ];
    run(&args).expect_success();
    let path = site.join("content/analysis/twice.md");
    fs::write(&path, "my own words\n").unwrap();
    let r = run(&args);
    r.expect_code(2).expect_no_panic();
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert_eq!(fs::read_to_string(&path).unwrap(), "my own words\n");
    // The brief init created is protected the same way.
    run(&["new", "analysis/first-brief", "--root", arg(&site)]).expect_code(2);
}

#[test]
fn init_refuses_an_existing_site() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    run(&["init", arg(&site)]).expect_success();
    let before = snapshot(&site);
    run(&["init", arg(&site)]).expect_code(2).expect_no_panic();
    assert_same_tree(&before, &snapshot(&site), "the site after a refused init");
}

#[test]
fn help_texts_mention_exit_codes() {
    for args in [
        &["--help"][..],
        &["build", "--help"],
        &["init", "--help"],
        &["new", "--help"],
    ] {
        let r = run(args);
        r.expect_success().expect_no_panic();
        let text = r.stdout.to_lowercase();
        assert!(
            text.contains("usage"),
            "`briefing {}`: {}",
            args.join(" "),
            r.stdout
        );
        let line = text
            .lines()
            .find(|l| l.contains("exit code"))
            .unwrap_or_else(|| {
                panic!(
                    "`briefing {}` names no exit codes: {}",
                    args.join(" "),
                    r.stdout
                )
            });
        for code in ["0 ", "1 ", "2 ", "3 "] {
            assert!(line.contains(code), "exit code {code}missing from {line:?}");
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    run(&[]).expect_code(2).expect_no_panic();
    run(&["build", "--no-such-flag"]).expect_code(2);
    run(&["build", "--format", "xml"]).expect_code(2);
    let tmp = tempfile::tempdir().unwrap();
    // No briefing.toml: not a site.
    run(&["build", "--root", arg(tmp.path())])
        .expect_code(2)
        .expect_no_panic();
}

#[test]
fn new_without_a_slug_is_a_usage_error_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    run(&["init", arg(&site)]).expect_success();
    let before = snapshot(&site);
    // `analysis/` is what tab completion gives for the section folder; it once wrote
    // content/analysis.md, which broke the next build.
    for target in [
        "analysis/",
        "analysis",
        "/",
        "analysis//",
        "",
        "analysis/.md",
        "hedges/",
    ] {
        let r = run(&["new", target, "--root", arg(&site)]);
        r.expect_code(2).expect_no_panic();
        assert!(
            r.stderr.contains("SECTION/SLUG") && r.stderr.contains("hedges/vietnam"),
            "`briefing new {target:?}` does not say what is expected: {}",
            r.stderr
        );
        assert_same_tree(&before, &snapshot(&site), "the site after a refused new");
    }
    run(&["build", "--root", arg(&site)]).expect_success();
}

/// The JSON diagnostics a run printed on stdout, one object a line.
fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// (file, line) of every placeholder diagnostic of `severity` in `diags`.
fn placeholders_reported(diags: &[serde_json::Value], severity: &str) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = diags
        .iter()
        .filter(|d| {
            d["severity"] == severity && d["message"].as_str().unwrap().contains("placeholder")
        })
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

/// Where `init` wrote each placeholder of the table: (file, 1-based line), read from the files.
fn placeholders_written(site: &std::path::Path) -> Vec<(String, u64)> {
    use briefing::placeholders::{File, TABLE, only_for_translations};
    let mut out = Vec::new();
    // The other languages' placeholders: tests/translate.rs, with `init --languages`.
    for p in TABLE.iter().filter(|p| !only_for_translations(p)) {
        let file = match p.file {
            File::Config | File::Language => "briefing.toml",
            File::Home => "content/_index.md",
            File::Section => "content/analysis/_index.md",
            File::Brief => "content/analysis/first-brief.md",
        };
        let text = fs::read_to_string(site.join(file)).unwrap();
        let lines: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(p.text) && !l.trim_start().starts_with('#'))
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "{file} holds {:?} {} times",
            p.text,
            lines.len()
        );
        out.push((file.to_string(), lines[0] as u64));
    }
    out.sort();
    out
}

#[test]
fn build_warns_and_check_fails_on_each_placeholder_init_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    run(&["init", arg(&site)]).expect_success();
    let written = placeholders_written(&site);
    assert_eq!(
        written.len(),
        briefing::placeholders::TABLE
            .iter()
            .filter(|p| !briefing::placeholders::only_for_translations(p))
            .count()
    );

    let built = run(&["build", "--root", arg(&site), "--format", "json"]);
    built.expect_success().expect_no_panic();
    let diags = json_lines(&built.stdout);
    assert_eq!(
        placeholders_reported(&diags, "warning"),
        written,
        "build should warn once for each placeholder, at its line: {}",
        built.stdout
    );
    // Each says what to write instead, and points at the value, not the key.
    for d in diags.iter().filter(|d| d["file"] == "briefing.toml") {
        assert!(d["hint"].as_str().is_some_and(|h| !h.is_empty()), "{d}");
    }
    let org = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("Your organisation"))
        .expect("the organisation placeholder is reported");
    assert_eq!(org["column"], 16, "{org}");
    let human = run(&["build", "--root", arg(&site)]);
    assert!(
        human
            .stderr
            .contains("warning: `organization` is still the placeholder \"Your organisation\""),
        "{}",
        human.stderr
    );

    // check is the gate before publishing: placeholders are errors there, and it fails.
    let checked = run(&["check", "--root", arg(&site), "--format", "json"]);
    checked.expect_code(1).expect_no_panic();
    assert_eq!(
        placeholders_reported(&json_lines(&checked.stdout), "error"),
        written
    );

    // Once every placeholder is replaced, neither command reports one.
    for (file, from, to) in [
        (
            "briefing.toml",
            "https://example.org",
            "https://briefing.example.net",
        ),
        (
            "briefing.toml",
            "Analysis and key judgments.",
            "Japan's hedges.",
        ),
        ("briefing.toml", "Your organisation", "Asia Desk"),
        ("briefing.toml", "Your Name", "Ann Analyst"),
        (
            "content/_index.md",
            "The one sentence a reader must remember.",
            "Japan stays anchored.",
        ),
        (
            "content/_index.md",
            "Welcome to the briefing.",
            "Three sections follow.",
        ),
        (
            "content/analysis/_index.md",
            "Our analysis.",
            "What Tokyo does next.",
        ),
        (
            "content/analysis/first-brief.md",
            "\"First brief\"",
            "\"Alliance first\"",
        ),
        (
            "content/analysis/first-brief.md",
            "One sentence for listings and feeds.",
            "Why the alliance holds.",
        ),
        (
            "content/analysis/first-brief.md",
            "The one thing a reader must take away.",
            "It holds.",
        ),
        (
            "content/analysis/first-brief.md",
            "A judgment the brief supports.",
            "Tokyo stays close.",
        ),
        (
            "content/analysis/first-brief.md",
            "The first paragraph is the summary.",
            "Tokyo chose the alliance.",
        ),
        (
            "content/analysis/first-brief.md",
            "Write the analysis here.",
            "Here is why.",
        ),
    ] {
        let path = site.join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    let built = run(&["build", "--root", arg(&site), "--format", "json"]);
    built.expect_success();
    assert_eq!(
        placeholders_reported(&json_lines(&built.stdout), "warning"),
        vec![]
    );
    let checked = run(&["check", "--root", arg(&site), "--format", "json"]);
    checked.expect_success();
    assert_eq!(
        placeholders_reported(&json_lines(&checked.stdout), "error"),
        vec![]
    );
}

#[test]
fn an_edited_placeholder_leaves_the_report_of_a_long_lived_builder() {
    use briefing::build::{BuildOptions, Builder};
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    run(&["init", arg(&site)]).expect_success();
    let mut live = Builder::new(&site, BuildOptions::default());
    let count = |b: &briefing::build::Built| {
        b.warnings
            .iter()
            .filter(|d| {
                d.message
                    .contains(briefing::placeholders::BRIEF_BOTTOM_LINE)
            })
            .count()
    };
    assert_eq!(count(&live.build().unwrap()), 1);
    let brief = site.join("content/analysis/first-brief.md");
    let text = fs::read_to_string(&brief).unwrap();
    fs::write(
        &brief,
        text.replace(briefing::placeholders::BRIEF_BOTTOM_LINE, "It holds."),
    )
    .unwrap();
    let after = live
        .build_changed(&[std::path::PathBuf::from("content/analysis/first-brief.md")])
        .unwrap();
    assert_eq!(
        count(&after),
        0,
        "a stale placeholder warning survived the edit"
    );
    let full = Builder::new(&site, BuildOptions::default())
        .build()
        .unwrap();
    let render = |b: &briefing::build::Built| {
        b.warnings
            .iter()
            .map(|d| d.render(false))
            .collect::<Vec<_>>()
    };
    assert_eq!(render(&after), render(&full));
}

#[test]
fn the_home_page_of_a_new_site_is_titled_after_the_site() {
    let tmp = tempfile::tempdir().unwrap();
    for (folder, flags, title) in [
        ("energy-desk", &[][..], "Energy desk"),
        (
            "site",
            &["--title", "Energy Security Desk"][..],
            "Energy Security Desk",
        ),
    ] {
        let site = tmp.path().join(folder);
        let mut args = vec!["init", arg(&site)];
        args.extend_from_slice(flags);
        run(&args).expect_success();
        run(&["build", "--root", arg(&site)]).expect_success();
        let home = read_html(&site.join("output/index.html"));
        let h1: Vec<String> = home.select(&sel("h1")).map(text_of).collect();
        assert_eq!(h1, vec![title.to_string()], "{folder}");
        let head: Vec<String> = home.select(&sel("head > title")).map(text_of).collect();
        assert_eq!(head, vec![title.to_string()], "{folder}");
    }
}
