//! Security: values from front matter, the config and data files are escaped wherever the
//! default theme (or a site template) prints them — HTML, attributes, the Atom feed, the
//! sitemap and JSON-LD — and no path written in content can reach outside the site.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{
    Run, arg, copy_dir, file_for, read_html, repo_root, run, sel, shown, snapshot, text_of, write,
};
use scraper::Html;
use tempfile::TempDir;

const TITLE: &str = "<script>alert(1)</script>";

/// A site whose every printable value is an injection attempt.
fn hostile_site() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    copy_dir(
        &repo_root().join("themes/default"),
        &root.join("themes/default"),
    );
    write(
        &root,
        "briefing.toml",
        r#"title = "Site <script>alert(20)</script>"
description = "\"><img src=x onerror=alert(21)>"
organization = "</title><script>alert(22)</script>"
authors = ["'><svg onload=alert(23)>"]
"#,
    );
    write(
        &root,
        "content/_index.md",
        "+++\ntitle = \"Home <script>alert(24)</script>\"\nbottom_line = \"<script>alert(25)</script>\"\n+++\nHome.\n",
    );
    write(
        &root,
        "content/sec/_index.md",
        "+++\ntitle = \"<script>alert(26)</script>\"\ndescription = \"\\\"><img src=x onerror=alert(27)>\"\n+++\nThe section.\n",
    );
    write(
        &root,
        "content/sec/evil.md",
        r#"+++
title = "<script>alert(1)</script>"
date = 2020-01-02
description = "\"><img src=x onerror=alert(2)>"
bottom_line = "</p><script>alert(3)</script>"
authors = ["<b onmouseover=alert(4)>x</b>"]
actors = ["<script>alert(5)</script>"]
topics = ["\"'><svg onload=alert(6)>"]

[[key_judgments]]
text = "<script>alert(7)</script>"
confidence = "likely"

[[sources]]
id = "s1"
title = "<script>alert(8)</script>"
publisher = "<i onclick=alert(9)>p</i>"

[[events]]
date = "2015-04"
text = "<script>alert(10)</script>"

[hedge]
partner = "<script>alert(11)</script>"
kind = "soft"
economic = { level = "high", rationale = "<script>alert(12)</script>" }
security = { level = "low", rationale = "\"><img src=x onerror=alert(13)>" }
credibility = { level = "medium", rationale = "x" }
+++
Cited {{ cite(id="s1") }}.

{{ chart(data="evil", x="label", y="n", title="<script>alert(14)</script>", source="<script>alert(15)</script>") }}
"#,
    );
    // A second brief so the evil one has neighbours, related briefs and a shared term.
    write(
        &root,
        "content/sec/\"><script>alert(16)<.md",
        "+++\ntitle = \"Plain\"\ndate = 2020-01-01\nactors = [\"<script>alert(5)</script>\"]\n+++\nPlain.\n",
    );
    write(
        &root,
        "content/data/evil.csv",
        "label,n\n<script>alert(17)</script>,1\n\"\"\"><img src=x onerror=alert(18)>\",2\n",
    );
    write(
        &root,
        "content/data/x.toml",
        "v = \"<script>alert(19)</script>\"\n",
    );
    write(
        &root,
        "content/data/timeline.toml",
        "[[events]]\ndate = \"2016-01\"\ntext = \"<script>alert(28)</script>\"\n",
    );
    // A site template printing data values.
    write(
        &root,
        "content/shown/_index.md",
        "+++\ntitle = \"Data\"\ntemplate = \"data.html\"\n+++\n",
    );
    write(
        &root,
        "templates/data.html",
        "{% extends \"base.html\" %}{% block content %}<p id=\"data-v\">{{ data.x.v }}</p><p id=\"data-csv\">{{ data.evil.rows[0].label }}</p>{% endblock content %}\n",
    );
    (tmp, root)
}

fn build(root: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["build", "--root", arg(root)];
    args.extend_from_slice(extra);
    let r = run(&args);
    r.expect_no_panic();
    r
}

/// Every HTML page: no script runs, no event handler, no injected element.
fn assert_inert_html(rel: &str, text: &str) {
    let doc = Html::parse_document(text);
    for s in doc.select(&sel("script")) {
        let body: String = s.text().collect();
        match s.value().attr("type") {
            Some("application/ld+json") => {
                serde_json::from_str::<serde_json::Value>(&body)
                    .unwrap_or_else(|e| panic!("{rel}: JSON-LD does not parse ({e}): {body}"));
            }
            _ => assert!(
                !body.contains("alert("),
                "{rel}: a script runs the payload: {body}"
            ),
        }
    }
    for e in doc.select(&sel("*")) {
        for (name, value) in e.value().attrs() {
            assert!(
                !name.starts_with("on"),
                "{rel}: <{} {name}={value:?}> carries an event handler",
                e.value().name()
            );
        }
        let n = e.value().name();
        assert!(
            !(n == "img" && e.value().attr("src") == Some("x")),
            "{rel}: an injected <img>"
        );
        assert!(
            !matches!(n, "b" | "i") || !e.text().any(|t| t == "x" || t == "p"),
            "{rel}: an injected <{n}>"
        );
    }
    // JSON-LD must not be closable from inside: the raw text has no early `</script`.
    let mut rest = text;
    while let Some(i) = rest.find("<script type=\"application/ld+json\">") {
        let after = &rest[i + 35..];
        let end = after.find("</script>").expect("an unclosed JSON-LD script");
        let json = &after[..end];
        assert!(
            !json.to_ascii_lowercase().contains("</script"),
            "{rel}: {json}"
        );
        assert!(!json.contains('<'), "{rel}: a raw `<` in JSON-LD: {json}");
        rest = &after[end..];
    }
}

fn element_names(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name().to_ascii_lowercase())
        .collect()
}

fn assert_inert_xml<'a>(rel: &str, text: &'a str) -> roxmltree::Document<'a> {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{rel} is not XML: {e}"));
    let names = element_names(&doc);
    for bad in ["script", "img", "svg", "b", "i"] {
        assert!(
            !names.iter().any(|n| n == bad),
            "{rel}: an injected <{bad}> element"
        );
    }
    doc
}

fn built_site() -> (TempDir, PathBuf, BTreeMap<String, Vec<u8>>) {
    let (tmp, root) = hostile_site();
    build(&root, &[]).expect_success();
    let files = snapshot(&root.join("output"));
    (tmp, root, files)
}

#[test]
fn front_matter_config_and_data_values_are_inert_everywhere() {
    let (_tmp, root, files) = built_site();
    let out = root.join("output");
    let mut pages = 0;
    for (rel, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        if rel.ends_with(".html") {
            pages += 1;
            assert_inert_html(rel, &text);
        } else if rel.ends_with(".xml") {
            assert_inert_xml(rel, &text);
        }
    }
    assert!(pages >= 10, "only {pages} pages built");

    // The brief page shows the title as text, escaped in the <title> too.
    let doc = read_html(&file_for(&out, "/sec/evil/"));
    assert_eq!(text_of(doc.select(&sel("h1")).next().unwrap()), TITLE);
    let title = text_of(doc.select(&sel("title")).next().unwrap());
    assert!(title.starts_with(TITLE), "{title}");
    // The description sits in attributes: it must stay one attribute value.
    let og = doc
        .select(&sel("meta[property='og:description']"))
        .next()
        .unwrap();
    assert_eq!(
        og.value().attr("content"),
        Some(shown("\"><img src=x onerror=alert(2)>").as_str())
    );
    // Key judgments, sources, events, hedge: shown as text.
    let article = text_of(doc.select(&sel("article")).next().unwrap());
    for shown in [
        "<script>alert(7)</script>",
        "<script>alert(8)</script>",
        "<script>alert(10)</script>",
    ] {
        assert!(
            article.contains(shown),
            "{shown} is not shown as text in {article}"
        );
    }

    // The section listing links the brief by its title, as text.
    let doc = read_html(&file_for(&out, "/sec/"));
    assert_eq!(
        text_of(doc.select(&sel("h1")).next().unwrap()),
        "<script>alert(26)</script>"
    );
    assert!(
        doc.select(&sel("main a")).any(|a| text_of(a) == TITLE),
        "the section does not list the brief by its title"
    );

    // The site template printing data values.
    let doc = read_html(&file_for(&out, "/shown/"));
    assert_eq!(
        text_of(doc.select(&sel("#data-v")).next().unwrap()),
        "<script>alert(19)</script>"
    );
    assert_eq!(
        text_of(doc.select(&sel("#data-csv")).next().unwrap()),
        "<script>alert(17)</script>"
    );
}

#[test]
fn the_feeds_carry_the_title_as_text() {
    let (_tmp, _root, files) = built_site();
    for feed in ["atom.xml", "sec/atom.xml"] {
        let text = String::from_utf8_lossy(&files[feed]).into_owned();
        let doc = assert_inert_xml(feed, &text);
        let titles: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("entry"))
            .filter_map(|e| e.children().find(|c| c.has_tag_name("title")))
            .filter_map(|t| t.text())
            .collect();
        assert!(titles.contains(&TITLE), "{feed}: entry titles {titles:?}");
        // HTML summaries are escaped HTML: once unescaped they still carry no script.
        for s in doc.descendants().filter(|n| n.has_tag_name("summary")) {
            let inner = s.text().unwrap_or("");
            assert!(!inner.contains("<script"), "{feed}: {inner}");
        }
    }
}

#[test]
fn the_sitemap_is_clean_xml() {
    let (_tmp, _root, files) = built_site();
    let text = String::from_utf8_lossy(&files["sitemap.xml"]).into_owned();
    let doc = assert_inert_xml("sitemap.xml", &text);
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert!(locs.len() >= 5, "{locs:?}");
    for l in &locs {
        assert!(
            l.is_ascii() && !l.contains(['<', '>', '"', '\'', ' ']),
            "a URL in the sitemap carries markup: {l:?}"
        );
    }
    assert!(locs.iter().any(|l| l.ends_with("/sec/evil/")), "{locs:?}");
}

#[test]
fn json_ld_is_valid_and_carries_the_title() {
    let (_tmp, root, _files) = built_site();
    let page = fs::read_to_string(file_for(&root.join("output"), "/sec/evil/")).unwrap();
    let open = "<script type=\"application/ld+json\">";
    let start = page.find(open).expect("the brief page has JSON-LD") + open.len();
    let json = &page[start..start + page[start..].find("</script>").unwrap()];
    assert!(!json.contains("</script"), "{json}");
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(v["headline"], TITLE, "{json}");
    assert_eq!(
        v["description"],
        shown("\"><img src=x onerror=alert(2)>"),
        "{json}"
    );
}

#[test]
fn minified_output_stays_inert() {
    let (_tmp, root) = hostile_site();
    build(&root, &["--minify"]).expect_success();
    for (rel, bytes) in snapshot(&root.join("output")) {
        if rel.ends_with(".html") {
            assert_inert_html(&rel, &String::from_utf8_lossy(&bytes));
        }
    }
}

/// One JSON diagnostic per line from `--format json`.
fn json_errors(r: &Run) -> Vec<serde_json::Value> {
    r.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|d| d["severity"] == "error")
        .collect()
}

/// A base site for path tests, with `files` added.
fn site_with(files: &[(&str, &str)]) -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    copy_dir(
        &repo_root().join("themes/default"),
        &root.join("themes/default"),
    );
    write(&root, "briefing.toml", "title = \"Paths\"\n");
    write(&root, "content/_index.md", "+++\ntitle = \"Paths\"\n+++\n");
    write(
        &root,
        "content/sec/_index.md",
        "+++\ntitle = \"Sec\"\n+++\n",
    );
    write(&root, "content/data/ok.csv", "x,y\na,1\n");
    for (rel, text) in files {
        write(&root, rel, text);
    }
    (tmp, root)
}

const HEAD: &str = "+++\ntitle = \"T\"\ndate = 2020-01-02\n+++\n";

/// Each escape attempt sits on line 6 of its file (the body's second line).
const ESCAPES: [(&str, &str, &str); 9] = [
    (
        "content/sec/link.md",
        "[x](@/../../etc/passwd)",
        "leaves the content folder",
    ),
    (
        "content/sec/link2.md",
        "[x](@/sec/../../../etc/passwd)",
        "leaves the content folder",
    ),
    (
        "content/sec/link3.md",
        "[x](@//etc/passwd)",
        "leaves the content folder",
    ),
    (
        "content/sec/img.md",
        "![x](@/../secret.png)",
        "leaves the content folder",
    ),
    (
        "content/sec/fig/index.md",
        "{{ figure(src=\"../../x\", alt=\"x\") }}",
        "leaves the site",
    ),
    (
        "content/sec/fig2/index.md",
        "{{ figure(src=\"sub/../../../x.png\", alt=\"x\") }}",
        "leaves the site",
    ),
    (
        "content/sec/fig3.md",
        "{{ figure(src=\"/../../etc/passwd\", alt=\"x\") }}",
        "leaves the site",
    ),
    (
        "content/sec/chart.md",
        "{{ chart(data=\"../ok\", x=\"x\", y=\"y\") }}",
        "plain file name",
    ),
    (
        "content/sec/chart2.md",
        "{{ chart(data=\"..\", x=\"x\", y=\"y\") }}",
        "plain file name",
    ),
];

#[test]
fn no_content_path_escapes_the_site() {
    let texts: Vec<(String, String)> = ESCAPES
        .iter()
        .map(|(rel, line, _)| (rel.to_string(), format!("{HEAD}\n{line}\n")))
        .collect();
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(r, t)| (r.as_str(), t.as_str()))
        .collect();
    let (_tmp, root) = site_with(&files);
    // An image beside the bundle, so the figures fail on the path, not on a missing file.
    write(&root, "content/sec/fig/x", "not really an image");

    let r = build(&root, &["--format", "json"]);
    r.expect_code(1);
    assert!(!root.join("output").exists(), "a failed build wrote output");
    let errors = json_errors(&r);
    for (rel, _, message) in ESCAPES {
        let found = errors
            .iter()
            .find(|d| d["file"] == rel)
            .unwrap_or_else(|| panic!("no error for {rel}: {errors:#?}"));
        assert_eq!(found["line"], 6, "{rel}: {found}");
        let msg = found["message"].as_str().unwrap();
        assert!(msg.contains(message), "{rel}: {msg}");
    }

    // The human report names file:line too.
    let r = build(&root, &[]);
    r.expect_code(1);
    for (rel, _, _) in ESCAPES {
        assert!(
            r.stderr.contains(&format!("{rel}:6:")),
            "{rel} not named with its line:\n{}",
            r.stderr
        );
    }
}

#[test]
fn slugs_and_terms_cannot_climb_out_of_the_output() {
    let (tmp, root) = site_with(&[
        (
            "content/sec/a.md",
            "+++\ntitle = \"A\"\ndate = 2020-01-02\nslug = \"../../../../climbed\"\nactors = [\"../../../up\", \"..\"]\n+++\nA.\n",
        ),
        (
            "content/sec/b.md",
            "+++\ntitle = \"B\"\ndate = 2020-01-02\nslug = \"/abs/olute\"\n+++\nB.\n",
        ),
    ]);
    let r = build(&root, &["--format", "json"]);
    r.expect_no_panic();
    // Whatever the verdict on the odd terms, nothing may appear outside the output folder.
    let outside: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        outside,
        vec!["site".to_string()],
        "files written next to the site"
    );
    let site_entries: Vec<String> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        // `.output.lock` is the build lock, kept beside the output (see src/swap.rs).
        .filter(|n| {
            ![
                "briefing.toml",
                "content",
                "themes",
                "output",
                ".output.lock",
            ]
            .contains(&n.as_str())
        })
        .collect();
    assert!(
        site_entries.is_empty(),
        "files written into the site root: {site_entries:?}"
    );
    if r.code == 0 {
        let out = root.join("output");
        assert!(file_for(&out, "/sec/climbed/").is_file());
        assert!(file_for(&out, "/sec/abs-olute/").is_file());
    } else {
        // An unusable term is an error naming the file, not a path outside.
        assert_eq!(r.code, 1);
        assert!(
            json_errors(&r)
                .iter()
                .all(|d| d["file"] == "content/sec/a.md"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn the_checks_catch_an_injection() {
    // The checks above must fail on the very output they guard against.
    let fails = |html: &'static str| {
        std::panic::catch_unwind(|| assert_inert_html("probe.html", html)).is_err()
    };
    assert!(fails("<p><script>alert(1)</script></p>"));
    assert!(fails("<p title=\"\"><img src=x onerror=alert(2)></p>"));
    assert!(fails(
        "<script type=\"application/ld+json\">{\"headline\": \"</script><script>alert(1)</script>\"}</script>"
    ));
    assert!(!fails(
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script type=\"application/ld+json\">{\"a\":\"\\u003c\"}</script>"
    ));
    let xml_fails = |xml: &'static str| {
        std::panic::catch_unwind(|| {
            assert_inert_xml("probe.xml", xml);
        })
        .is_err()
    };
    assert!(xml_fails(
        "<feed><title><script>alert(1)</script></title></feed>"
    ));
    assert!(!xml_fails(
        "<feed><title>&lt;script&gt;alert(1)&lt;/script&gt;</title></feed>"
    ));
}
