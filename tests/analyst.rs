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

/// Every front-matter text a reader sees gets the body's smart punctuation; URLs and slugs keep
/// what was written.
#[test]
fn front_matter_text_gets_the_bodys_smart_punctuation_but_urls_and_slugs_do_not() {
    let site = TinySite::new(
        "title = \"Day\"\nbase_url = \"https://example.org\"\ntaxonomies = [\"actors\"]\n",
        "Day",
    );
    site.write(
        "content/sec/_index.md",
        "+++\ntitle = \"Tokyo's options\"\ndescription = \"Japan's hedges\"\n+++\nThe section.\n",
    );
    site.write(
        "content/sec/pivot.md",
        r#"+++
title = "Japan's \"pivot\" -- a test"
date = 2017-02-10
description = "Abe's 'new' line..."
bottom_line = "Tokyo's hedge is soft."
authors = ["Jane O'Brien"]
actors = ["People's Republic"]
[[key_judgments]]
text = "Japan's alliance holds."
confidence = "likely"
[[events]]
date = "2017-02-10"
text = "Abe's visit to Mar-a-Lago"
[[sources]]
id = "s1"
title = "Japan's 'hedge'"
publisher = "Nikkei's desk"
url = "https://example.org/japan's-hedge"
+++

Body's text.
"#,
    );
    let (_, out) = build(&site);
    let page = common::read_html(&out.join("sec/pivot/index.html"));
    let main = common::text_of(page.select(&common::sel("main")).next().expect("a main"));
    for want in [
        "Japan’s “pivot” – a test",
        "Tokyo’s hedge is soft.",
        "Japan’s alliance holds.",
        "Japan’s ‘hedge’",
        "Nikkei’s desk",
        "Jane O’Brien",
        "Body’s text.",
    ] {
        assert!(main.contains(want), "{want:?} not in the page: {main}");
    }
    for straight in ["Japan's", "Tokyo's", "O'Brien", "Nikkei's"] {
        assert!(
            !main.contains(straight),
            "{straight:?} left straight: {main}"
        );
    }
    let title = common::text_of(page.select(&common::sel("title")).next().unwrap());
    assert!(title.contains("Japan’s “pivot” – a test"), "{title}");
    let description = page
        .select(&common::sel("meta[name=description]"))
        .next()
        .and_then(|m| m.value().attr("content"))
        .unwrap_or_default()
        .to_string();
    assert_eq!(description, "Abe’s ‘new’ line…");
    let ld: serde_json::Value = serde_json::from_str(&common::text_of(
        page.select(&common::sel("script[type='application/ld+json']"))
            .next()
            .expect("JSON-LD"),
    ))
    .unwrap();
    assert_eq!(ld["headline"], "Japan’s “pivot” – a test", "{ld}");

    // Not touched: the source's URL, the page's slug, the term's slug.
    let hrefs: Vec<&str> = page
        .select(&common::sel("a[href]"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        hrefs
            .iter()
            .any(|h| h.contains("japan's-hedge") || h.contains("japan%27s-hedge")),
        "source URL changed: {hrefs:?}"
    );
    let term = common::read_html(&out.join("actors/people-s-republic/index.html"));
    let term = common::text_of(term.select(&common::sel("h1")).next().expect("a term h1"));
    assert!(
        term.contains("People's Republic"),
        "a term name is an id: {term}"
    );

    let feed = std::fs::read_to_string(out.join("atom.xml")).unwrap();
    let feed = roxmltree::Document::parse(&feed).unwrap();
    let titles: Vec<&str> = feed
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .flat_map(|e| e.children().filter(|c| c.has_tag_name("title")))
        .filter_map(|t| t.text())
        .collect();
    assert_eq!(titles, ["Japan’s “pivot” – a test"]);

    let chrono = common::read_html(&out.join("chronology/index.html"));
    let chrono = common::text_of(chrono.select(&common::sel("main")).next().unwrap());
    assert!(chrono.contains("Abe’s visit to Mar-a-Lago"), "{chrono}");

    let section = common::read_html(&out.join("sec/index.html"));
    let section = common::text_of(section.select(&common::sel("main")).next().unwrap());
    assert!(section.contains("Tokyo’s options"), "{section}");
}
