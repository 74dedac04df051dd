//! Cliffs in the Markdown stage (issue #13): documents that made a build quadratic, reports
//! of thousands of errors, and `@/` links to file names in another Unicode normalisation or
//! with characters a URL reserves. Scaling tests build input of size N and 8N and bound the
//! ratio of the build times: linear work gives about 8 (less, with the fixed cost of a
//! build), quadratic work about 64; the bound of 24 leaves room for a busy machine.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Run, TinySite, file_for, read_html, run, sel};

const RATIO: f64 = 24.0;

/// [`TinySite`] with the builds these tests run.
struct Site(TinySite);

impl std::ops::Deref for Site {
    type Target = TinySite;
    fn deref(&self) -> &TinySite {
        &self.0
    }
}

impl Site {
    /// Config, home page, one section `sec`, the default theme.
    fn new() -> Site {
        Site(TinySite::new("title = \"Cliffs\"\n", "Cliffs"))
    }

    fn build(&self, args: &[&str]) -> Run {
        let r = run(&self.build_args(args));
        r.expect_no_panic();
        r
    }

    /// Builds and returns how long the build took, with its result.
    fn timed_build(&self, args: &[&str]) -> (Duration, Run) {
        let start = Instant::now();
        let r = self.build(args);
        (start.elapsed(), r)
    }
}

fn brief(front: &str, body: &str) -> String {
    format!("+++\ntitle = \"Brief\"\ndate = 2020-01-02\n{front}+++\n{body}")
}

/// Builds the document `make(n)` and `make(8 n)` in a fresh site each; returns the two runs
/// after checking that the larger took less than [`RATIO`] times as long.
fn assert_linear(what: &str, n: usize, args: &[&str], make: impl Fn(usize) -> String) -> [Run; 2] {
    let time = |n: usize| {
        let site = Site::new();
        site.write("content/sec/big.md", make(n));
        let (t, r) = site.timed_build(args);
        (t, r, site)
    };
    let (small, r_small, _s) = time(n);
    let (large, r_large, _l) = time(8 * n);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-3);
    eprintln!(
        "{what}: {n} in {small:?}, {} in {large:?} (ratio {ratio:.1})",
        8 * n
    );
    assert!(
        ratio < RATIO,
        "{what}: 8x the input took {ratio:.1}x as long ({small:?} -> {large:?}): not linear"
    );
    [r_small, r_large]
}

const SOURCES: &str = "[[sources]]\nid = \"a\"\ntitle = \"Source A\"\npublisher = \"P\"\n\n\
    [[sources]]\nid = \"b\"\ntitle = \"Source B\"\npublisher = \"P\"\n";

fn cited(n: usize) -> String {
    let mut body = String::new();
    for i in 0..n {
        let id = if i % 2 == 0 { "a" } else { "b" };
        body.push_str(&format!(
            "Paragraph {i} says something worth a source and then cites it {{{{ cite(id=\"{id}\") }}}}.\n\n"
        ));
    }
    brief(SOURCES, &body)
}

#[test]
fn citations_cost_linear_time() {
    // Each citation was one search and replace over the whole page's HTML.
    let n = 2000;
    let [small, large] = assert_linear("citations", n, &[], cited);
    small.expect_success();
    large.expect_success();
    // The HTML is still right: every citation in place, numbered by source.
    let site = Site::new();
    site.write("content/sec/big.md", cited(50));
    site.build(&[]).expect_success();
    let page = read_html(&file_for(&site.out(), "/sec/big/"));
    let cites: Vec<String> = page
        .select(&sel(".brief__content p sup.cite a"))
        .map(|a| a.value().attr("href").unwrap_or_default().to_string())
        .collect();
    assert_eq!(cites.len(), 50, "{cites:?}");
    assert!(cites.iter().step_by(2).all(|h| h == "#ref-1"), "{cites:?}");
    assert!(
        cites.iter().skip(1).step_by(2).all(|h| h == "#ref-2"),
        "{cites:?}"
    );
}

fn unclosed(n: usize) -> String {
    brief(
        "",
        &"{% callout(kind=\"note\") %}\nNever closed.\n".repeat(n),
    )
}

#[test]
fn unclosed_callouts_cost_linear_time_and_the_report_is_folded() {
    // Each unclosed block was a scan to the end of the file for its `{% end %}`.
    let n = 1000;
    let [small, large] = assert_linear("unclosed callouts", n, &[], unclosed);
    for (r, count) in [(&small, n), (&large, 8 * n)] {
        r.expect_code(1);
        let shown = r
            .stderr
            .matches("error: block shortcode `callout` is never closed")
            .count();
        assert_eq!(shown, 10, "{}", r.stderr);
        let more = format!(
            "… and {} more errors like it in content/sec/big.md",
            thousands(count - 10)
        );
        assert!(r.stderr.contains(&more), "no `{more}` in:\n{}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("build failed with {count} errors")),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn json_reports_every_unclosed_callout_in_linear_time() {
    let n = 1000;
    let [_, large] = assert_linear(
        "unclosed callouts, JSON",
        n,
        &["--format", "json"],
        unclosed,
    );
    large.expect_code(1);
    let lines: Vec<serde_json::Value> = large
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 8 * n);
    // Each callout takes two lines after the four of the front matter.
    for (i, d) in lines.iter().enumerate() {
        assert_eq!(d["line"], serde_json::json!(5 + 2 * i), "{d}");
        assert_eq!(d["column"], serde_json::json!(1), "{d}");
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn folding_never_hides_other_kinds_or_files() {
    let site = Site::new();
    let twelve = "{% callout(kind=\"note\") %}\nOpen.\n".repeat(12);
    site.write(
        "content/sec/a.md",
        brief("", &format!("{{{{ nope() }}}}\n\n{twelve}")),
    );
    site.write("content/sec/b.md", brief("", &twelve));
    let r = site.build(&[]);
    r.expect_code(1);
    let never = "error: block shortcode `callout` is never closed";
    let in_file = |f: &str| {
        r.stderr
            .split("\n\n")
            .filter(|block| block.contains(never) && block.contains(f))
            .count()
    };
    assert_eq!(in_file("content/sec/a.md"), 10, "{}", r.stderr);
    assert_eq!(in_file("content/sec/b.md"), 10, "{}", r.stderr);
    assert!(
        r.stderr.contains("unknown shortcode `nope`"),
        "{}",
        r.stderr
    );
    for f in ["a", "b"] {
        let note = format!("… and 2 more errors like it in content/sec/{f}.md");
        assert!(r.stderr.contains(&note), "no `{note}` in:\n{}", r.stderr);
    }
    assert!(
        r.stderr.contains("build failed with 25 errors"),
        "{}",
        r.stderr
    );
}

/// `href`s of the links in a brief's text.
fn hrefs(out: &Path, path: &str) -> Vec<String> {
    read_html(&file_for(out, path))
        .select(&sel(".brief__content a[href]"))
        .map(|a| a.value().attr("href").unwrap_or_default().to_string())
        .collect()
}

#[test]
fn links_reach_files_saved_in_another_normalisation() {
    let site = Site::new();
    // Saved decomposed (as macOS does), linked composed; and the other way round.
    site.write(
        "content/sec/cafe\u{301}.md",
        brief("", "## Menu\n\nCoffee.\n"),
    );
    site.write(
        "content/sec/r\u{e9}sum\u{e9}.md",
        brief("", "## Work\n\nCV.\n"),
    );
    site.write(
        "content/sec/links.md",
        brief(
            "",
            "[café](@/sec/caf\u{e9}.md#menu), [résumé](@/sec/re\u{301}sume\u{301}.md#work), \
             [encoded](@/sec/caf%C3%A9.md).\n",
        ),
    );
    site.build(&[]).expect_success();
    let links = hrefs(&site.out(), "/sec/links/");
    assert_eq!(
        links,
        ["/sec/cafe/#menu", "/sec/resume/#work", "/sec/cafe/"]
    );
    // Anchors are checked against the file reached.
    site.write(
        "content/sec/links.md",
        brief("", "[café](@/sec/caf\u{e9}.md#menus).\n"),
    );
    let r = site.build(&[]);
    r.expect_code(1);
    assert!(r.stderr.contains("has no heading `#menus`"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `#menu`?"), "{}", r.stderr);
}

#[test]
fn links_reach_names_with_reserved_characters_when_percent_encoded() {
    let site = Site::new();
    site.write("content/sec/q&a #1.md", brief("", "## Answers\n\nYes.\n"));
    site.write(
        "content/sec/links.md",
        brief(
            "",
            "[faq](@/sec/q%26a%20%231.md#answers) and [faq too](<@/sec/q&a %231.md>).\n",
        ),
    );
    site.build(&[]).expect_success();
    // The file's own URL is a plain slug.
    assert!(file_for(&site.out(), "/sec/q-a-1/").is_file());
    assert_eq!(
        hrefs(&site.out(), "/sec/links/"),
        ["/sec/q-a-1/#answers", "/sec/q-a-1/"]
    );
    // Unencoded, the `#` starts an anchor: the error says how to write the link.
    site.write(
        "content/sec/links.md",
        brief("", "[faq](<@/sec/q&a #1.md>).\n"),
    );
    let r = site.build(&[]);
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("broken internal link: no content file `sec/q&a `"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("write its `#` as %23: @/sec/q&a%20%231.md"),
        "{}",
        r.stderr
    );
}
