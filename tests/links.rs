//! Relative and root-relative links and images in bodies (issue #16): `build` reports the
//! ones that name no page or file of the site at their place in the Markdown, `check` makes
//! them errors, and a relative link means the same on every page that shows its body.

mod common;

use common::{TinySite, arg, read_html, run, sel};
use serde_json::Value;

fn brief(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = 2017-02-10\n+++\n{body}\n")
}

/// `build --format json`: the exit code and every diagnostic.
fn build_json(site: &TinySite) -> (i32, Vec<Value>, String) {
    let out = site.out();
    let r = run(&site.build_args(&["--output", arg(&out), "--format", "json"]));
    let diags = r
        .stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (r.code, diags, format!("{}{}", r.stdout, r.stderr))
}

/// (file, line, column, message) of each diagnostic, sorted.
fn places(diags: &[Value]) -> Vec<(String, u64, u64, String)> {
    let mut v: Vec<_> = diags
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A site whose bodies link every way a page or file can be reached, and each way wrong.
fn site_with_links(config: &str) -> TinySite {
    let site = TinySite::new(config, "Links");
    site.write("static/img/logo.png", "png");
    site.write("content/sec/other.md", brief("Other", "Text."));
    site.write("content/sec/india/map.png", "png");
    site.write(
        "content/sec/india/index.md",
        brief(
            "India",
            "Good: [other](../other/), ![map](map.png), [home](../../), [sec](../),\n\
             [external](https://example.com/x/), [mail](mailto:a@b.c), [here](#top).\n\
             \n\
             Bad: [gone](../gone/) and ![no map](nomap.png).\n\
             \n\
             A file: [other](../other.md).\n",
        ),
    );
    site
}

#[test]
fn build_warns_about_broken_relative_links_and_missing_images_at_their_source() {
    let site = site_with_links("title = \"Links\"\n");
    site.write(
        "content/sec/one.md",
        brief(
            "One",
            "Fine: ![logo](/img/logo.png) and [other](/sec/other/) and [india](/sec/india/map.png).\n\
             \n\
             Broken: ![x](/img/x.png), [nope](/hedges/nope/).",
        ),
    );
    let (code, diags, all) = build_json(&site);
    // Warnings: the site still publishes.
    assert_eq!(code, 0, "{all}");
    assert!(site.out().join("sec/one/index.html").is_file());
    assert!(
        diags.iter().all(|d| d["severity"] == "warning"),
        "{diags:#?}"
    );
    assert_eq!(
        places(&diags),
        vec![
            (
                "content/sec/india/index.md".into(),
                8,
                6,
                "broken link to ../gone/".into()
            ),
            (
                "content/sec/india/index.md".into(),
                8,
                27,
                "missing image nomap.png".into()
            ),
            (
                "content/sec/india/index.md".into(),
                10,
                9,
                "broken link to ../other.md".into()
            ),
            (
                "content/sec/one.md".into(),
                7,
                9,
                "missing image /img/x.png".into()
            ),
            (
                "content/sec/one.md".into(),
                7,
                27,
                "broken link to /hedges/nope/".into()
            ),
        ],
        "{all}"
    );
    let hint = |m: &str| {
        diags
            .iter()
            .find(|d| d["message"] == m)
            .and_then(|d| d["hint"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        hint("broken link to ../gone/").contains("leads to /sec/gone/"),
        "{all}"
    );
    assert!(
        hint("broken link to ../other.md").contains("@/sec/other.md"),
        "{all}"
    );
    assert!(
        hint("missing image /img/x.png").contains("static/"),
        "{all}"
    );

    // The human report shows the Markdown source line, not the output file.
    let r = run(&site.build_args(&["--output", arg(&site.out())]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("content/sec/india/index.md:8:6"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Bad: [gone](../gone/)"), "{}", r.stderr);
    assert!(!r.stderr.contains("index.html"), "{}", r.stderr);
}

#[test]
fn links_under_a_base_path_resolve_with_it() {
    let site = site_with_links("title = \"Links\"\nbase_url = \"https://example.org/briefs/\"\n");
    site.write(
        "content/sec/one.md",
        brief(
            "One",
            "Fine: [other](/briefs/sec/other/), ![logo](/briefs/img/logo.png).\n\
             \n\
             Outside the site: [other](/sec/other/).",
        ),
    );
    let (code, diags, all) = build_json(&site);
    assert_eq!(code, 0, "{all}");
    let found: Vec<(String, u64, u64, String)> = places(&diags)
        .into_iter()
        .filter(|p| p.0 == "content/sec/one.md")
        .collect();
    assert_eq!(
        found,
        vec![(
            "content/sec/one.md".into(),
            7,
            19,
            "broken link to /sec/other/".into()
        )],
        "{all}"
    );
    let hint = diags
        .iter()
        .find(|d| d["file"] == "content/sec/one.md")
        .and_then(|d| d["hint"].as_str())
        .unwrap_or_default();
    assert!(hint.contains("/briefs/sec/other/"), "{hint}");
    // The relative ones of the folder brief were resolved with the base path too.
    let india = read_html(&site.out().join("sec/india/index.html"));
    let hrefs: Vec<&str> = india
        .select(&sel("article a, main a"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(hrefs.contains(&"/briefs/sec/other/"), "{hrefs:?}");
}

/// The `href` of the link whose text is `text`, and the `src` of the image whose alt is `alt`,
/// on a page of the output.
fn href_and_src(page: &scraper::Html, text: &str, alt: &str) -> (String, String) {
    let href = page
        .select(&sel("a"))
        .find(|a| a.text().collect::<String>() == text)
        .and_then(|a| a.value().attr("href"))
        .unwrap_or_else(|| panic!("no link {text:?}"))
        .to_string();
    let src = page
        .select(&sel("img"))
        .find(|i| i.value().attr("alt") == Some(alt))
        .and_then(|i| i.value().attr("src"))
        .unwrap_or_else(|| panic!("no image {alt:?}"))
        .to_string();
    (href, src)
}

#[test]
fn relative_links_in_a_body_are_right_on_the_full_briefing_too() {
    let site = TinySite::new("title = \"Links\"\n", "Links");
    site.write("content/sec/china.md", brief("China", "Text."));
    site.write("content/sec/india/map.png", "png");
    site.write(
        "content/sec/india/index.md",
        brief(
            "India",
            "Compare [the China brief](../china/#trade) and see ![the map](map.png).",
        ),
    );
    let (code, diags, all) = build_json(&site);
    assert_eq!(code, 0, "{all}");
    assert!(diags.is_empty(), "{all}");
    // Each page that shows the body links to the same targets: the brief's own page and the
    // full briefing, which sits at another depth.
    for page in ["sec/india/index.html", "briefing/index.html"] {
        let html = read_html(&site.out().join(page));
        let (href, src) = href_and_src(&html, "the China brief", "the map");
        assert_eq!(href, "/sec/china/#trade", "{page}");
        assert_eq!(src, "/sec/india/map.png", "{page}");
    }
    assert!(site.out().join("sec/india/map.png").is_file());
}

#[test]
fn check_makes_a_broken_relative_link_an_error_at_its_source() {
    let site = TinySite::new("title = \"Links\"\n", "Links");
    site.write("content/sec/one.md", brief("One", "See ![gone](gone.png)."));
    let r = run(&["check", "--root", arg(&site.root)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("error: missing image gone.png"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("content/sec/one.md:5:5"), "{}", r.stderr);
    assert!(!r.stderr.contains("output/"), "{}", r.stderr);
}

#[test]
fn a_broken_link_in_a_block_shortcode_body_is_reported_at_the_shortcode() {
    let site = TinySite::new("title = \"Links\"\n", "Links");
    site.write("content/sec/other.md", brief("Other", "Text."));
    site.write(
        "content/sec/one.md",
        brief(
            "One",
            "Intro.\n\n{% callout(kind=\"note\") %}\nSee [other](../other/) and [gone](../gone/).\n{% end %}",
        ),
    );
    let (code, diags, all) = build_json(&site);
    assert_eq!(code, 0, "{all}");
    assert_eq!(
        places(&diags),
        vec![(
            "content/sec/one.md".into(),
            7,
            1,
            "broken link to ../gone/".into()
        )],
        "{all}"
    );
    // Rewritten against the brief's URL like any other.
    let page = read_html(&site.out().join("briefing/index.html"));
    let href = page
        .select(&sel("a"))
        .find(|a| a.text().collect::<String>() == "other")
        .and_then(|a| a.value().attr("href"));
    assert_eq!(href, Some("/sec/other/"));
}
