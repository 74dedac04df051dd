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
