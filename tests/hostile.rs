//! Hostile content: each test lays out a tiny site (the repository's default theme, a config
//! with a title, a home page and one section `sec`), adds one kind of hostile input, runs the
//! real binary with a time limit, and checks that briefing either builds the site correctly or
//! names the offending file with exit code 1 — never a panic, a crash or a hang.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Run, TinySite, file_for, read_html, sel, shown, text_of};

/// How long one build may take before the test calls it a hang. Generous: the slowest case
/// (10,000 briefs) takes a few seconds in a release build, longer in a debug one.
const LIMIT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 300 } else { 90 });

/// [`TinySite`] with the builds these tests run.
struct Site(TinySite);

impl std::ops::Deref for Site {
    type Target = TinySite;
    fn deref(&self) -> &TinySite {
        &self.0
    }
}

impl Site {
    /// The base site: config, home page, one section, the default theme.
    fn new() -> Site {
        Site::with_config("title = \"Hostile\"\n")
    }

    fn with_config(config: &str) -> Site {
        Site(TinySite::new(config, "Hostile"))
    }

    fn page(&self, path: &str) -> String {
        let p = file_for(&self.out(), path);
        fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("no page for {path} ({}): {e}", p.display()))
    }

    /// `briefing build --root SITE ARGS`, killed (and failed) when it outlives [`LIMIT`].
    fn build(&self, args: &[&str]) -> Run {
        run_limited(&self.build_args(args), LIMIT)
    }

    /// A build that must succeed without a panic.
    fn build_ok(&self) -> Run {
        let r = self.build(&[]);
        r.expect_no_panic().expect_success();
        r
    }

    /// A build that must fail with exit 1 and name `file` (relative to the site) in its report.
    fn build_fails_naming(&self, file: &str) -> Run {
        let r = self.build(&[]);
        r.expect_no_panic().expect_code(1);
        assert!(
            r.stderr.contains(file),
            "the error should name {file}:\n{}",
            r.stderr
        );
        assert!(r.stderr.contains("error"), "{}", r.stderr);
        r
    }
}

/// Runs the binary with a deadline; a run that outlives it is killed and fails the test.
fn run_limited(args: &[&str], limit: Duration) -> Run {
    let mut child = Command::new(common::BIN)
        .args(args)
        .current_dir(std::env::temp_dir())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", common::BIN));
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("cannot wait for briefing") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "briefing {args:?} did not finish within {limit:?} (hang?)\n--- stderr\n{}",
                err.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

fn brief(title: &str, body: &str) -> String {
    format!("+++\ntitle = {title:?}\ndate = 2020-01-02\n+++\n{body}")
}

#[test]
fn empty_file_is_a_clear_error() {
    let site = Site::new();
    site.write("content/sec/empty.md", "");
    let r = site.build_fails_naming("content/sec/empty.md");
    assert!(r.stderr.contains("file is empty"), "{}", r.stderr);
    // Whitespace only is just as empty.
    site.write("content/sec/empty.md", " \n\n\t\n");
    let r = site.build_fails_naming("content/sec/empty.md");
    assert!(r.stderr.contains("file is empty"), "{}", r.stderr);
}

#[test]
fn front_matter_without_a_body_builds() {
    let site = Site::new();
    // No body, and not even a newline after the closing delimiter.
    site.write(
        "content/sec/only.md",
        "+++\ntitle = \"Only front matter\"\ndate = 2020-01-02\n+++",
    );
    site.write(
        "content/sec/only2.md",
        "+++\ntitle = \"Two\"\ndate = 2020-01-02\n+++\n",
    );
    site.build_ok();
    assert!(site.page("/sec/only/").contains("Only front matter"));
    assert!(
        site.page("/sec/only2/")
            .contains("<h1 class=\"page-title\"")
    );
}

#[test]
fn byte_order_mark_is_ignored() {
    let site = Site::new();
    site.write(
        "content/sec/bom.md",
        "\u{feff}+++\ntitle = \"With a BOM\"\ndate = 2020-01-02\n+++\nBody after a BOM.\n",
    );
    site.write("content/data/bom.toml", "\u{feff}v = 1\n");
    site.build_ok();
    let page = site.page("/sec/bom/");
    assert!(page.contains("Body after a BOM."), "{page}");
    assert!(!page.contains('\u{feff}'), "the BOM leaked into the page");
    let doc = read_html(&file_for(&site.out(), "/sec/bom/"));
    let h1 = doc.select(&sel("h1")).next().expect("an h1");
    assert_eq!(text_of(h1), "With a BOM");
}

#[test]
fn crlf_line_endings_render_body_and_date() {
    let site = Site::new();
    let text = "+++\ntitle = \"Windows\"\ndate = 2021-03-04\nactors = [\"Japan\"]\n+++\nFirst **paragraph**.\n\n## A heading\n\nSecond paragraph.\n";
    site.write("content/sec/crlf.md", text.replace('\n', "\r\n"));
    site.build_ok();
    let doc = read_html(&file_for(&site.out(), "/sec/crlf/"));
    let prose = doc
        .select(&sel(".brief__content"))
        .next()
        .expect("the brief body");
    let body = prose.html();
    assert!(body.contains("<strong>paragraph</strong>"), "{body}");
    assert!(body.contains("Second paragraph."), "{body}");
    assert!(
        doc.select(&sel("h2#a-heading")).next().is_some(),
        "the heading lost its id: {body}"
    );
    let times: Vec<String> = doc
        .select(&sel("time"))
        .filter_map(|t| t.value().attr("datetime").map(str::to_string))
        .collect();
    assert!(times.iter().any(|t| t == "2021-03-04"), "{times:?}");
    assert!(
        doc.select(&sel("time"))
            .any(|t| text_of(t) == "4 March 2021"),
        "the date is not shown"
    );
    assert!(site.page("/actors/japan/").contains("Windows"));
}

#[test]
fn delimiter_inside_a_toml_multiline_string() {
    let site = Site::new();
    site.write(
        "content/sec/plus.md",
        "+++\ntitle = \"Plus\"\ndate = 2020-01-02\ndescription = \"\"\"\nBefore\n+++\nafter\"\"\"\n+++\nThe real body.\n",
    );
    site.build_ok();
    let page = site.page("/sec/plus/");
    assert!(page.contains("The real body."), "{page}");
    let doc = read_html(&file_for(&site.out(), "/sec/plus/"));
    let lede = doc.select(&sel(".lede")).next().expect("the description");
    assert!(text_of(lede).contains("+++"), "{}", text_of(lede));
}

#[test]
fn twenty_megabyte_brief_builds() {
    let site = Site::new();
    let para = "The quick brown fox jumps over the lazy dog, and *then* some **more** words follow [here](https://example.org/).\n\n";
    let mut body = String::with_capacity(21 << 20);
    let mut n = 0;
    while body.len() < 20 << 20 {
        if n % 500 == 0 {
            body.push_str(&format!("## Part {n}\n\n"));
        }
        body.push_str(para);
        n += 1;
    }
    body.push_str("The last line.\n");
    site.write("content/sec/huge.md", brief("Huge", &body));
    let start = Instant::now();
    site.build_ok();
    let page = site.page("/sec/huge/");
    assert!(page.len() > 20 << 20, "{} bytes", page.len());
    assert!(page.contains("The last line."));
    eprintln!("20 MB brief built in {:?}", start.elapsed());
}

#[test]
fn ten_thousand_briefs_paginate() {
    // Pagination is what is tested: 10,000 PDF editions are the PDF benchmark's
    // (BENCHMARKS.md), not a timed test's.
    let site = Site::with_config("title = \"Hostile\"\npdf = \"none\"\n");
    let dir = site.root.join("content/sec");
    for i in 0..10_000 {
        fs::write(
            dir.join(format!("b{i:05}.md")),
            format!(
                "+++\ntitle = \"Brief {i}\"\ndate = 2020-01-{:02}\nweight = {i}\n+++\nBody of brief {i}.\n",
                i % 28 + 1
            ),
        )
        .unwrap();
    }
    let start = Instant::now();
    let r = site.build_ok();
    eprintln!(
        "10,000 briefs built in {:?}: {}",
        start.elapsed(),
        r.stdout.trim()
    );
    assert!(r.stdout.contains("10000 briefs"), "{}", r.stdout);
    assert!(file_for(&site.out(), "/sec/").is_file());
    // 50 per page (the default): /sec/ plus /sec/page/2/ ... /sec/page/200/.
    for p in 2..=200 {
        let f = file_for(&site.out(), &format!("/sec/page/{p}/"));
        assert!(f.is_file(), "missing {}", f.display());
    }
    assert!(!site.out().join("sec/page/201").exists());
    assert!(!site.out().join("sec/page/1").exists());
    let doc = read_html(&file_for(&site.out(), "/sec/page/200/"));
    let listed = doc.select(&sel("main a[href*='/sec/b']")).count();
    assert!(listed >= 50, "{listed} briefs linked on the last page");
    assert!(file_for(&site.out(), "/sec/b09999/").is_file());
}

/// Pages with thousands of nested elements are checked as text: parsing them into a DOM in a
/// test thread would measure the test, not briefing.
fn assert_nested_page(site: &Site, path: &str, needle: &str) {
    let page = site.page(path);
    assert!(page.contains(needle), "{path} lost its innermost text");
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 5_000;
    let cases = [
        ("quotes", format!("{}deep quote\n", "> ".repeat(depth))),
        ("tight", format!("{}tight quote\n", ">".repeat(depth))),
        ("bullets", format!("{}deep bullet\n", "- ".repeat(depth))),
        ("numbers", format!("{}deep number\n", "1. ".repeat(depth))),
        ("mixed", format!("{}deep mix\n", "> - ".repeat(depth / 2))),
        (
            "indented",
            (0..depth)
                .map(|i| format!("{}- level {i}\n", "  ".repeat(i.min(200))))
                .collect::<String>(),
        ),
        (
            "emphasis",
            format!(
                "{}deep emphasis{}\n",
                "*a _b ".repeat(depth),
                " b_ a*".repeat(depth)
            ),
        ),
        (
            "links",
            format!("{}deep link{}\n", "[".repeat(depth), "](x)".repeat(depth)),
        ),
    ];
    let needles = [
        "deep quote",
        "tight quote",
        "deep bullet",
        "deep number",
        "deep mix",
        "level 4999",
        "deep emphasis",
        "deep link",
    ];
    for safe in [false, true] {
        let config = format!("title = \"Hostile\"\nsafe_html = {safe}\nsearch = {safe}\n");
        let site = Site::with_config(&config);
        for (name, body) in &cases {
            site.write(&format!("content/sec/{name}.md"), brief(name, body));
        }
        let r = site.build(&[]);
        r.expect_no_panic();
        r.expect_success();
        for ((name, _), needle) in cases.iter().zip(needles) {
            assert_nested_page(&site, &format!("/sec/{name}/"), needle);
        }
        // Nesting past the limit is flattened, and the build says where.
        for name in ["quotes", "tight", "bullets", "numbers", "mixed", "emphasis"] {
            let file = format!("content/sec/{name}.md:5:");
            assert!(
                r.stderr.contains(&file),
                "no warning at {file}:\n{}",
                r.stderr
            );
        }
        assert!(r.stderr.contains("flattened"), "{}", r.stderr);
        // Minified output goes through an HTML parser of its own.
        let r = site.build(&["--minify"]);
        r.expect_no_panic();
        assert_ne!(r.code, -1, "briefing --minify crashed:\n{}", r.stderr);
        r.expect_success();
        assert_nested_page(&site, "/sec/quotes/", "deep quote");
    }
}

#[test]
fn raw_html_nested_thousands_deep_is_an_error() {
    let site = Site::new();
    let nested = |n: usize| format!("{}x{}\n", "<div>".repeat(n), "</div>".repeat(n));
    site.write("content/sec/html.md", brief("Deep HTML", &nested(5_000)));
    for args in [&[][..], &["--minify"][..]] {
        let r = site.build(args);
        r.expect_no_panic();
        r.expect_code(1);
        assert!(r.stderr.contains("content/sec/html.md:5:"), "{}", r.stderr);
        assert!(r.stderr.contains("nested more than"), "{}", r.stderr);
    }
    // Below the limit it builds, minified too.
    site.write("content/sec/html.md", brief("Deep HTML", &nested(900)));
    site.build(&["--minify"]).expect_no_panic().expect_success();
}

#[test]
fn deeply_nested_block_shortcodes_are_an_error_not_a_crash() {
    let site = Site::new();
    let nested = |n: usize| {
        format!(
            "{}inner\n{}",
            "{% callout(kind=\"note\") %}\n".repeat(n),
            "{% end %}\n".repeat(n)
        )
    };
    site.write("content/sec/calls.md", brief("Calls", &nested(1_000)));
    let r = site.build(&[]);
    r.expect_no_panic();
    r.expect_code(1);
    assert!(r.stderr.contains("content/sec/calls.md:5:"), "{}", r.stderr);
    assert!(r.stderr.contains("nested more than"), "{}", r.stderr);
    site.write("content/sec/calls.md", brief("Calls", &nested(5)));
    site.build_ok();
    let page = site.page("/sec/calls/");
    assert!(page.contains("inner"));
}

#[test]
fn a_thousand_identical_headings_get_distinct_ids() {
    let site = Site::new();
    let body: String = (0..1000)
        .map(|i| format!("## Background\n\nParagraph {i}.\n\n"))
        .collect();
    site.write("content/sec/same.md", brief("Same", &body));
    site.build_ok();
    let doc = read_html(&file_for(&site.out(), "/sec/same/"));
    let ids: Vec<String> = doc
        .select(&sel(".brief__content h2[id]"))
        .map(|h| h.value().attr("id").unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1000);
    let distinct: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 1000, "duplicate heading ids");
    // And no id anywhere on the page is used twice (headings vs the TOC, the template...).
    let all: Vec<&str> = doc
        .select(&sel("[id]"))
        .map(|e| e.value().attr("id").unwrap())
        .collect();
    let unique: BTreeSet<&str> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "some id appears twice on the page");
    // Every anchor link of a heading points at its own heading.
    for h in doc.select(&sel(".brief__content h2[id]")) {
        let id = h.value().attr("id").unwrap();
        let a = h
            .select(&sel("a.heading-anchor"))
            .next()
            .expect("an anchor");
        assert_eq!(a.value().attr("href"), Some(format!("#{id}").as_str()));
    }
}

#[test]
fn headings_named_like_the_page_s_own_ids_do_not_collide() {
    let site = Site::new();
    site.write(
        "content/sec/ids.md",
        "+++\ntitle = \"Ids\"\ndate = 2020-01-02\n[[key_judgments]]\ntext = \"X.\"\nconfidence = \"likely\"\n+++\n## Main\n\n## Estimative language\n\nText.\n",
    );
    site.build_ok();
    let doc = read_html(&file_for(&site.out(), "/sec/ids/"));
    let all: Vec<&str> = doc
        .select(&sel("[id]"))
        .map(|e| e.value().attr("id").unwrap())
        .collect();
    let unique: BTreeSet<&str> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "duplicate ids: {all:?}");
    // The skip link still lands on <main>.
    assert_eq!(
        doc.select(&sel("#main")).next().map(|e| e.value().name()),
        Some("main")
    );
}

/// Names in four scripts, used as file names and as taxonomy terms.
const NAMES: [&str; 8] = [
    "日本の外交",
    "東京",
    "Côte d'Ivoire",
    "Élysée",
    "السياسة الخارجية",
    "مصر",
    "🚀",
    "🎉🎉",
];

#[test]
fn unicode_file_names_and_terms_get_working_distinct_urls() {
    let site = Site::new();
    for (i, name) in NAMES.iter().enumerate() {
        let other = NAMES[(i + 1) % NAMES.len()];
        site.write(
            &format!("content/sec/{name}.md"),
            format!(
                "+++\ntitle = {name:?}\ndate = 2020-01-{:02}\nactors = [{name:?}, {other:?}]\ntopics = [{name:?}]\n+++\nAbout {name}.\n",
                i + 1
            ),
        );
    }
    site.build_ok();
    let out = site.out();

    // Brief pages: one per file, each at a distinct ASCII URL listed in the section.
    let section = read_html(&file_for(&out, "/sec/"));
    let mut brief_hrefs = BTreeSet::new();
    for a in section.select(&sel("main a[href]")) {
        let href = a.value().attr("href").unwrap();
        if href.starts_with("/sec/") && href != "/sec/" {
            brief_hrefs.insert(href.to_string());
        }
    }
    assert_eq!(brief_hrefs.len(), NAMES.len(), "{brief_hrefs:?}");
    for href in &brief_hrefs {
        assert!(href.is_ascii(), "{href}");
        let page = read_html(&file_for(&out, href));
        let h1 = text_of(page.select(&sel("h1")).next().unwrap());
        assert!(NAMES.iter().any(|n| shown(n) == h1), "{href} shows {h1}");
    }

    // Terms: every term has its own page, linked from the term list with a distinct href.
    for tax in ["actors", "topics"] {
        let list = read_html(&file_for(&out, &format!("/{tax}/")));
        let hrefs: Vec<String> = list
            .select(&sel("main a[href]"))
            .map(|a| a.value().attr("href").unwrap().to_string())
            .filter(|h| h.starts_with(&format!("/{tax}/")) && *h != format!("/{tax}/"))
            .collect();
        let distinct: BTreeSet<&String> = hrefs.iter().collect();
        assert_eq!(distinct.len(), NAMES.len(), "{tax}: {hrefs:?}");
        for href in &distinct {
            assert!(href.is_ascii(), "{href}");
            let page = read_html(&file_for(&out, href));
            let h1 = text_of(page.select(&sel("h1")).next().expect("a heading"));
            assert!(
                NAMES.iter().any(|n| h1.contains(n)),
                "{href} is titled {h1:?}"
            );
        }
    }

    // The same input gives the same URLs again.
    let before = common::snapshot(&out);
    site.build_ok();
    common::assert_same_tree(&before, &common::snapshot(&out), "a second build");
}

#[test]
fn file_names_with_spaces() {
    let site = Site::new();
    site.write("content/sec/my brief.md", brief("Spaced", "Spaced body.\n"));
    site.write(
        "content/my section/_index.md",
        "+++\ntitle = \"Spaced section\"\n+++\n",
    );
    site.write(
        "content/my section/another one.md",
        brief(
            "Another",
            "See [the brief](<@/sec/my brief.md>) and [the section](<@/my section/_index.md>).\n",
        ),
    );
    site.build_ok();
    assert!(site.page("/sec/my-brief/").contains("Spaced body."));
    let doc = read_html(&file_for(&site.out(), "/my-section/another-one/"));
    let hrefs: Vec<&str> = doc
        .select(&sel(".brief__content a[href]"))
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert!(hrefs.contains(&"/sec/my-brief/"), "{hrefs:?}");
    assert!(hrefs.contains(&"/my-section/"), "{hrefs:?}");
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_named_not_followed_forever() {
    let site = Site::new();
    site.write("content/sec/a.md", brief("A", "A.\n"));
    std::os::unix::fs::symlink("..", site.root.join("content/sec/loop")).unwrap();
    let r = site.build_fails_naming("content/sec/loop");
    assert!(r.stderr.contains("link loop"), "{}", r.stderr);
    // A link to itself, and a dangling link.
    fs::remove_file(site.root.join("content/sec/loop")).unwrap();
    std::os::unix::fs::symlink("self", site.root.join("content/sec/self")).unwrap();
    site.build_fails_naming("content/sec/self");
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let site = Site::new();
    site.write("content/sec/secret.md", brief("Secret", "Hidden.\n"));
    let path = site.root.join("content/sec/secret.md");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    // Root (as in CI) reads the file anyway: then the build must simply work.
    let privileged = fs::read(&path).is_ok();
    if privileged {
        site.build_ok();
        assert!(site.page("/sec/secret/").contains("Hidden."));
    } else {
        let r = site.build_fails_naming("content/sec/secret.md");
        assert!(
            r.stderr.to_lowercase().contains("permission"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("chmod"), "{}", r.stderr);
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn raw_html_is_kept_unless_safe_html() {
    let body = "Before.\n\n<script>alert('raw')</script>\n\n<img src=\"x\" onerror=\"alert('img')\">\n\n[click](javascript:alert('href'))\n\nAfter.\n";
    let scripts_with_alert = |site: &Site| {
        let doc = read_html(&file_for(&site.out(), "/sec/raw/"));
        doc.select(&sel("script"))
            .filter(|s| s.text().collect::<String>().contains("alert('raw')"))
            .count()
    };

    let site = Site::new();
    site.write("content/sec/raw.md", brief("Raw", body));
    site.build_ok();
    assert_eq!(
        scripts_with_alert(&site),
        1,
        "authors are trusted by default"
    );

    let site = Site::with_config("title = \"Hostile\"\nsafe_html = true\n");
    site.write("content/sec/raw.md", brief("Raw", body));
    site.build_ok();
    assert_eq!(
        scripts_with_alert(&site),
        0,
        "safe_html must remove the script"
    );
    let doc = read_html(&file_for(&site.out(), "/sec/raw/"));
    let prose = doc.select(&sel(".brief__content")).next().unwrap();
    assert!(prose.select(&sel("script")).next().is_none());
    for e in prose.select(&sel("*")) {
        for (name, value) in e.value().attrs() {
            assert!(
                !name.starts_with("on"),
                "event handler kept: {name}={value}"
            );
            assert!(
                !value.contains("javascript:"),
                "script URL kept: {name}={value}"
            );
        }
    }
    assert!(prose.text().collect::<String>().contains("After."));
    // Nowhere else either: the full briefing and the feed carry the same body.
    for (rel, text) in common::snapshot(&site.out()) {
        let text = String::from_utf8_lossy(&text);
        assert!(!text.contains("<script>alert"), "{rel} kept the script");
    }
}

#[test]
fn template_including_itself_is_an_error() {
    let site = Site::new();
    site.write("content/sec/a.md", brief("A", "A.\n"));
    site.write(
        "templates/brief.html",
        "<p>{% include \"brief.html\" %}</p>\n",
    );
    let r = site.build_fails_naming("brief.html");
    assert!(
        r.stderr.contains("include") || r.stderr.contains("itself") || r.stderr.contains("ircular"),
        "{}",
        r.stderr
    );
    // Two templates including each other.
    site.write("templates/brief.html", "{% include \"other.html\" %}\n");
    site.write("templates/other.html", "{% include \"brief.html\" %}\n");
    site.build_fails_naming("brief.html");
}

#[test]
fn control_characters_and_nul_bytes() {
    let site = Site::new();
    site.write(
        "content/sec/ctl.md",
        "+++\ntitle = \"Bell \\u0007 and \\u202e override\"\ndate = 2020-01-02\n+++\nText with a NUL \u{0} and a bell \u{7} and \u{202e}RTL override.\n",
    );
    site.build_ok();
    let page = site.page("/sec/ctl/");
    assert!(!page.contains('\u{0}'), "a NUL byte reached the page");
    // Not UTF-8 at all: a clear error naming the file.
    site.write("content/sec/latin1.md", b"+++\ntitle = \"caf\xe9\"\n+++\n");
    let r = site.build_fails_naming("content/sec/latin1.md");
    assert!(r.stderr.contains("UTF-8"), "{}", r.stderr);
}

#[test]
fn only_the_walk_errors_of_its_own_site() {
    // A content folder that is a file, not a folder.
    let site = Site::new();
    fs::remove_dir_all(site.root.join("content")).unwrap();
    site.write("content", "not a folder");
    let r = site.build(&[]);
    r.expect_no_panic();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("content"), "{}", r.stderr);
}
