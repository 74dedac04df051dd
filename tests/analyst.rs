//! An analyst's day (issue #16): the small things a reader or writer of a briefing notices.

mod common;

use common::{TinySite, arg, run};

fn brief(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = 2017-02-10\n+++\n\n{body}\n")
}

fn build(site: &TinySite) -> (common::Run, std::path::PathBuf) {
    let out = site.root.join("output");
    let r = run(&["build", "--root", arg(&site.root), "--output", arg(&out)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (r, out)
}

fn has_toc(out: &std::path::Path, page: &str) -> bool {
    let html = std::fs::read_to_string(out.join(page)).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let toc = scraper::Selector::parse("article nav.toc, main nav.toc").unwrap();
    doc.select(&toc).next().is_some()
}

#[test]
fn a_one_heading_brief_gets_no_one_item_table_of_contents() {
    let site = TinySite::new("title = \"Day\"\n", "Day");
    site.write(
        "content/sec/one.md",
        brief("One", "Intro.\n\n## Only heading\n\nText."),
    );
    site.write(
        "content/sec/nested.md",
        brief("Nested", "## Parent\n\nText.\n\n### Child\n\nMore."),
    );
    site.write(
        "content/sec/two.md",
        brief("Two", "## First\n\nText.\n\n## Second\n\nMore."),
    );
    let (_, out) = build(&site);
    assert!(
        !has_toc(&out, "sec/one/index.html"),
        "one heading, one-item contents"
    );
    assert!(
        has_toc(&out, "sec/nested/index.html"),
        "a heading with a subheading"
    );
    assert!(has_toc(&out, "sec/two/index.html"), "two headings");
}

#[test]
fn the_summary_line_says_1_section_and_1_brief() {
    let site = TinySite::new("title = \"Day\"\n", "Day");
    site.write("content/sec/one.md", brief("One", "Text."));
    let (r, _) = build(&site);
    let all = format!("{}{}", r.stdout, r.stderr);
    let line = all
        .lines()
        .find(|l| l.starts_with("Built "))
        .unwrap_or_else(|| panic!("no summary line in {all}"));
    assert!(line.contains("(1 brief, 1 section)"), "{line}");
}

fn check(site: &TinySite) -> common::Run {
    run(&["check", "--root", arg(&site.root)])
}

#[test]
fn check_with_the_default_base_url_resolves_same_page_anchors_and_dot_dot_links() {
    // No base_url: the default `/`.
    let site = TinySite::new("title = \"Day\"\n", "Day");
    site.write(
        "content/sec/one.md",
        brief(
            "One",
            "See [below](#the-heading).\n\n## The heading\n\nText.",
        ),
    );
    site.write("content/sec/other.md", brief("Other", "Text."));
    // The section page links to its briefs relatively, once through `..`.
    site.write(
        "content/sec/_index.md",
        "+++\ntitle = \"Section\"\n+++\nRead [one](one/) and [the other](../sec/other/).\n",
    );
    let r = check(&site);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(!all.contains("broken"), "{all}");
    assert_eq!(r.code, 0, "{all}");
}

#[test]
fn check_reports_a_broken_link_once_not_again_for_the_full_briefing() {
    let site = TinySite::new("title = \"Day\"\n", "Day");
    site.write(
        "content/sec/one.md",
        brief("One", "See [nothing](/nowhere/)."),
    );
    let r = check(&site);
    assert_ne!(r.code, 0);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(all.matches("broken link to /nowhere/").count(), 1, "{all}");
}
