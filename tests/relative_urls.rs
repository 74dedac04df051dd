//! `relative_urls` / `build --relative-urls`: the output opens from disk. Pages are parsed
//! (every URL attribute relative or external, and every relative one names a file that
//! exists), the machine-read URLs (feeds, sitemap, robots.txt, canonical, alternate,
//! OpenGraph, JSON-LD) stay absolute, and the site is opened through `file://` in headless
//! Chromium: stylesheet applied, links land on files, images load. `serve` honours the key.
//!
//! The browser part needs Chromium (tools/env.sh): skipped with a loud note when it is missing,
//! except under CI, where it fails.

#[path = "support/cdp.rs"]
mod cdp;
mod common;
#[path = "support/tools.rs"]
mod tools;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use scraper::Html;

/// The base URL of the fixture: a host and a path, the harder case.
const BASE: &str = "https://x.org/sub/";

/// A 2×2 red PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x44, 0x0c, 0x10, 0x0a, 0x00, 0x1f, 0xee, 0x03, 0xfd, 0x8b, 0x5f, 0x14, 0xd4, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A site published under `BASE`: two sections, paginated listings (pages two folders deep),
/// a folder brief with an image beside it, images written root-relative, absolute and in a
/// `srcset`, and a stylesheet with a root-relative `url(...)`.
fn fixture(extra_config: &str) -> TinySite {
    let site = TinySite::new(
        &format!(
            "title = \"Relative\"\nbase_url = \"{BASE}\"\ntheme = \"default\"\npaginate_by = 1\n{extra_config}"
        ),
        "Relative home",
    );
    let brief = |title: &str, date: &str, body: &str| {
        format!(
            "+++\ntitle = \"{title}\"\ndate = {date}\nbottom_line = \"The bottom line.\"\nactors = [\"Japan\", \"China\"]\ntopics = [\"Trade\"]\n[[events]]\ndate = {date}\ntext = \"Something happened.\"\n+++\n{body}\n"
        )
    };
    site.write(
        "content/sec/first.md",
        brief(
            "First",
            "2024-01-02",
            "## Top\n\n![A red square](/sub/img/red.png)\n\nSee [the second](@/sec/second.md) and [the folder brief](@/notes/bundle/index.md).\n\n{{ figure(src=\"https://x.org/sub/img/red.png\", alt=\"Red, absolute\") }}\n\n<img srcset=\"/sub/img/red.png 1x, https://x.org/sub/img/red.png 2x\" src=\"/sub/img/red.png\" alt=\"Red, srcset\">\n",
        ),
    )
    .write(
        "content/sec/second.md",
        brief("Second", "2024-01-03", "Back to [the first](@/sec/first.md#top)."),
    )
    .write(
        "content/notes/_index.md",
        "+++\ntitle = \"Notes\"\n+++\nNotes.\n",
    )
    .write(
        "content/notes/bundle/index.md",
        // By its site URL: a bare `map.png` would be looked for beside /briefing/ too, where
        // the brief is shown in full.
        brief("Bundle", "2024-01-04", "![A map](/sub/notes/bundle/map.png)"),
    )
    .write("content/notes/bundle/map.png", PNG)
    .write("static/img/red.png", PNG)
    .write(
        "static/css/extra.css",
        ".x { background: url(\"/sub/img/red.png\"); }\n.y { background: url(https://x.org/sub/img/red.png); }\n",
    );
    site
}

/// Builds `root` with `--relative-urls` into `root/output`.
fn build_relative(root: &Path) -> PathBuf {
    run(&["build", "--root", arg(root), "--relative-urls"])
        .expect_success()
        .expect_no_panic();
    root.join("output")
}

/// Whether `url` leaves the site or the page (a scheme other than the site's base, or a
/// fragment), so it is not a file of the output.
fn external_or_fragment(url: &str) -> bool {
    url.starts_with('#')
        || url.starts_with("mailto:")
        || url.starts_with("data:")
        || (url.contains("://") && !url.starts_with(BASE))
}

/// The output file a relative URL of the page at `page` (output path) names, `?`/`#` cut.
fn target_file(out: &Path, page: &str, url: &str) -> PathBuf {
    let path = url.split(['#', '?']).next().unwrap_or("");
    let mut parts: Vec<String> = page.split('/').map(str::to_string).collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned(),
            ),
        }
    }
    parts.iter().fold(out.to_path_buf(), |p, s| p.join(s))
}

/// The URLs of one attribute value: a `srcset` holds several.
fn urls_of(name: &str, value: &str) -> Vec<String> {
    if name == "srcset" || name == "imagesrcset" {
        value
            .split(',')
            .filter_map(|c| c.split_whitespace().next())
            .map(str::to_string)
            .collect()
    } else {
        vec![value.trim().to_string()]
    }
}

/// Every URL attribute of every page is relative (naming a file that exists, never a bare
/// folder) or external; the machine-read links are absolute. Returns how many URLs it checked.
fn assert_pages_relative(out: &Path, base: &str) -> usize {
    let mut problems = Vec::new();
    let mut checked = 0;
    let any = sel("*");
    for (page, bytes) in snapshot(out) {
        if !page.ends_with(".html") {
            continue;
        }
        let html = Html::parse_document(&String::from_utf8_lossy(&bytes));
        for e in html.select(&any) {
            let el = e.value();
            let rel = el.attr("rel").unwrap_or("");
            let machine_read = el.name() == "link"
                && rel
                    .split_whitespace()
                    .any(|r| r == "canonical" || r == "alternate");
            for (name, value) in el.attrs() {
                let is_url_attr = matches!(
                    name,
                    "href" | "src" | "srcset" | "imagesrcset" | "poster" | "action" | "cite"
                ) || name.starts_with("data-");
                if !is_url_attr {
                    continue;
                }
                for url in urls_of(name, value) {
                    if machine_read {
                        if !url.starts_with(base) {
                            problems
                                .push(format!("{page}: <link rel={rel}> {url} is not absolute"));
                        }
                        continue;
                    }
                    let is_data_text = name.starts_with("data-") && !url.contains('/');
                    if is_data_text || url.is_empty() || external_or_fragment(&url) {
                        continue;
                    }
                    checked += 1;
                    if url.starts_with('/') || url.starts_with(base) {
                        problems.push(format!("{page}: {name}={url} is not relative"));
                        continue;
                    }
                    let file = target_file(out, &page, &url);
                    if !file.is_file() {
                        problems.push(format!(
                            "{page}: {name}={url} names {}, which is not a file",
                            file.display()
                        ));
                    }
                }
            }
        }
        for m in html.select(&sel("meta[property^='og:url']")) {
            let url = m.value().attr("content").unwrap_or("");
            if !url.starts_with(base) {
                problems.push(format!("{page}: og:url {url} is not absolute"));
            }
        }
        for s in html.select(&sel("script[type='application/ld+json']")) {
            let ld: serde_json::Value =
                serde_json::from_str(&s.text().collect::<String>()).expect("JSON-LD parses");
            let url = ld["url"].as_str().unwrap_or("");
            if !url.starts_with(base) {
                problems.push(format!("{page}: JSON-LD url {url} is not absolute"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    checked
}

/// Feeds, the sitemap and robots.txt name the published, absolute URLs.
fn assert_machine_files_absolute(out: &Path, base: &str) {
    let mut feeds = 0;
    for (rel, bytes) in snapshot(out) {
        if !rel.ends_with("atom.xml") {
            continue;
        }
        feeds += 1;
        let text = String::from_utf8(bytes).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("feed parses");
        let links: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("link"))
            .filter_map(|n| n.attribute("href"))
            .collect();
        assert!(!links.is_empty(), "{rel} has no links");
        for l in links {
            assert!(l.starts_with(base), "{rel}: link {l} is not absolute");
        }
    }
    assert!(feeds >= 2, "expected the site feed and section feeds");
    let sitemap = fs::read_to_string(out.join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&sitemap).expect("sitemap parses");
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert!(locs.len() > 5, "{locs:?}");
    for l in locs {
        assert!(l.starts_with(base), "sitemap: {l} is not absolute");
    }
    let robots = fs::read_to_string(out.join("robots.txt")).unwrap();
    assert!(
        robots.contains(&format!("Sitemap: {base}sitemap.xml")),
        "{robots}"
    );
}

#[test]
fn every_page_url_is_relative_and_names_a_file_while_feeds_stay_absolute() {
    let site = fixture("");
    let out = build_relative(&site.root);
    let checked = assert_pages_relative(&out, BASE);
    assert!(checked > 100, "only {checked} URLs checked");
    assert_machine_files_absolute(&out, BASE);

    // Directory links point at index.html, from pages two folders deep too.
    let page2 = read_html(&out.join("sec/page/2/index.html"));
    let hrefs: Vec<&str> = page2
        .select(&sel(".site-nav a"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(hrefs.contains(&"../../index.html"), "{hrefs:?}");
    assert!(hrefs.contains(&"../../../notes/index.html"), "{hrefs:?}");
    assert!(
        hrefs.contains(&"../../../chronology/index.html"),
        "{hrefs:?}"
    );

    // A stylesheet's site URLs are relative to the stylesheet.
    let css = snapshot(&out.join("css"))
        .into_iter()
        .find(|(k, _)| k.starts_with("extra.") && k.ends_with(".css"))
        .map(|(_, v)| String::from_utf8(v).unwrap())
        .expect("css/extra.*.css is published");
    assert!(
        css.contains("url(\"../img/red.png\")") && css.contains("url(../img/red.png)"),
        "{css}"
    );
    assert!(out.join("img/red.png").is_file());

    // The config key does the same as the flag.
    let keyed = fixture("relative_urls = true\n");
    run(&["build", "--root", arg(&keyed.root)]).expect_success();
    assert_same_tree(&snapshot(&out), &snapshot(&keyed.out()), "flag vs key");

    // `check` follows the relative links as a browser would.
    let check = run(&["check", "--root", arg(&keyed.root)]);
    check.expect_success();
    assert!(check.stderr.contains(" 0 errors"), "{}", check.stderr);
}

/// A site published under a path links `/sub/img/red.png` root-relative: `check` reads the
/// base path off those links as a browser on the published site would, and still reports a
/// link under it that names no file.
#[test]
fn check_follows_root_relative_links_under_the_base_path() {
    let site = fixture("");
    let check = run(&["check", "--root", arg(&site.root)]);
    check.expect_success();
    assert!(check.stderr.contains(" 0 errors"), "{}", check.stderr);
    site.write(
        "content/sec/broken.md",
        "+++\ntitle = \"Broken\"\ndate = 2024-02-01\n+++\n![Gone](/sub/img/gone.png) and [out](/other/page/)\n",
    );
    let check = run(&["check", "--root", arg(&site.root)]);
    check.expect_code(1);
    assert!(
        check.stderr.contains("missing image /sub/img/gone.png")
            && check.stderr.contains("broken link to /other/page/"),
        "{}",
        check.stderr
    );
}

/// With every language under its own prefix (`/en/`, `/fr/`, `/` the language choice): the
/// same checks, the choice's links reach both homes, and the folder brief's image, linked
/// root-relative as written for the unprefixed site, is still a file.
#[test]
fn every_language_under_its_prefix_built_relative_names_files_that_exist() {
    let languages = "prefix_default_language = true\n[languages.fr]\ntitle = \"Relatif\"\n";
    let site = fixture(languages);
    let out = build_relative(&site.root);
    let checked = assert_pages_relative(&out, BASE);
    assert!(checked > 200, "only {checked} URLs checked");
    assert_machine_files_absolute(&out, BASE);
    assert!(out.join("en/sec/page/2/index.html").is_file());
    assert!(
        !out.join("sec/index.html").exists(),
        "English left at the root"
    );
    let choice = read_html(&out.join("index.html"));
    let hrefs: Vec<&str> = choice
        .select(&sel("main a"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(hrefs, ["en/index.html", "fr/index.html"]);
    // `check` follows the relative links as a browser would, under the prefixes too.
    let keyed = fixture(&format!("relative_urls = true\n{languages}"));
    let check = run(&["check", "--root", arg(&keyed.root)]);
    check.expect_success();
    assert!(check.stderr.contains(" 0 errors"), "{}", check.stderr);
}

#[test]
fn the_example_site_built_relative_has_only_relative_page_urls() {
    let (_tmp, site) = example_site();
    let out = build_relative(&site);
    let base = "https://briefing.example.org/";
    let checked = assert_pages_relative(&out, base);
    assert!(checked > 1000, "only {checked} URLs checked");
    assert_machine_files_absolute(&out, base);
}

#[test]
fn minified_pages_are_relative_too() {
    let site = fixture("");
    run(&[
        "build",
        "--root",
        arg(&site.root),
        "--relative-urls",
        "--minify",
    ])
    .expect_success();
    assert_pages_relative(&site.out(), BASE);
}

#[test]
fn serve_honours_the_config_key_also_after_an_edit() {
    let site = fixture("relative_urls = true\n");
    let root = site.root.clone();
    let server = common::serve::Server::start_at(&root, common::serve::free_port(), None);
    let page = server.page("/sec/first/");
    let html = Html::parse_document(&page);
    let stylesheet = html
        .select(&sel("link[rel=stylesheet]"))
        .find_map(|l| l.value().attr("href"))
        .expect("a stylesheet link");
    assert_eq!(stylesheet, "../../style.css");
    let home = html
        .select(&sel(".site-title a"))
        .find_map(|a| a.value().attr("href"))
        .expect("the site title links home");
    assert_eq!(home, "../../index.html");
    let canonical = html
        .select(&sel("link[rel=canonical]"))
        .find_map(|l| l.value().attr("href"))
        .expect("a canonical link");
    assert!(canonical.starts_with("http://"), "{canonical}");
    // Served, the stylesheet it resolves to (from /sec/first/) is there.
    assert_eq!(server.fetch("/style.css").status, 200);

    // An edit to a brief's body is patched in: the patched page is finished the same way.
    edit(
        &root,
        "content/sec/first.md",
        "See [the second]",
        "EDITED. See [the second]",
    );
    let page = server.wait_for_page("/sec/first/", "shows the edit", |b| b.contains("EDITED."));
    let html = Html::parse_document(&page);
    let second = html
        .select(&sel(".prose a, main a"))
        .filter_map(|a| a.value().attr("href"))
        .find(|h| h.contains("second"))
        .expect("the link to the second brief");
    assert_eq!(second, "../second/index.html");
}

// ------------------------------------------------------------------ in a real browser

/// What the open page shows, as JSON: whether the theme's stylesheet applied, the resolved
/// `file://` URL of every link, and every image.
const INSPECT: &str = r#"(() => {
  const header = document.querySelector(".site-header");
  return {
    styled: !!header && getComputedStyle(header).borderTopWidth === "6px",
    links: Array.from(document.querySelectorAll("a[href]"), a => a.href),
    images: Array.from(document.images, i => ({ src: i.currentSrc || i.src, width: i.naturalWidth, done: i.complete })),
  };
})()"#;

/// Opens every HTML page of `out` through `file://` (or those `only` names) and checks the
/// stylesheet applied, every link to a `file://` URL names an existing file, and every image
/// loaded. Returns the number of pages, links and images checked.
fn browse(b: &mut cdp::Browser, out: &Path, only: Option<&[&str]>) -> (usize, usize, usize) {
    let out = out.canonicalize().unwrap();
    let pages: Vec<String> = match only {
        Some(list) => list.iter().map(|s| s.to_string()).collect(),
        None => snapshot(&out)
            .into_keys()
            .filter(|k| k.ends_with(".html"))
            .collect(),
    };
    let (mut links, mut images) = (0, 0);
    let mut problems = Vec::new();
    for page in &pages {
        let url = format!("file://{}/{page}", out.display());
        b.navigate(&url);
        // Lazy images below the fold load only when asked.
        b.eval_ok("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager'); true");
        b.poll(
            "Array.from(document.images).every(i => i.complete)",
            Duration::from_millis(50),
            Duration::from_secs(10),
        );
        let seen = b.eval_ok(INSPECT);
        if seen["styled"] != serde_json::Value::Bool(true) {
            problems.push(format!("{page}: the theme's stylesheet did not apply"));
        }
        for l in seen["links"].as_array().unwrap() {
            let l = l.as_str().unwrap();
            let Some(path) = l.strip_prefix("file://") else {
                continue;
            };
            links += 1;
            let path = path.split(['#', '?']).next().unwrap();
            let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
            if !Path::new(path.as_ref()).is_file() {
                problems.push(format!("{page}: link {l} is not a file"));
            }
        }
        for i in seen["images"].as_array().unwrap() {
            images += 1;
            if i["width"].as_u64().unwrap_or(0) == 0 {
                problems.push(format!("{page}: image {} did not load", i["src"]));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "opened from disk, {} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    (pages.len(), links, images)
}

#[test]
fn the_site_opens_from_disk_in_chromium() {
    let Some(chromium) = tools::chromium() else {
        return;
    };
    let site = fixture("");
    let out = build_relative(&site.root);
    let (example_tmp, example) = example_site();
    let example_out = build_relative(&example);

    let mut b = cdp::Browser::launch(&chromium);
    let (pages, links, images) = browse(&mut b, &out, None);
    assert!(pages > 15 && links > 200, "{pages} pages, {links} links");
    assert!(images >= 5, "only {images} images seen");

    // Following a link lands on the page, styled.
    let home = out.canonicalize().unwrap().join("index.html");
    b.navigate(&format!("file://{}", home.display()));
    b.eval_ok("document.querySelector('.site-nav a[href=\"sec/index.html\"]').click(); true");
    let landed = b.poll(
        "location.pathname.endsWith('/sec/index.html') && document.readyState === 'complete' && getComputedStyle(document.querySelector('.site-header')).borderTopWidth === '6px'",
        Duration::from_millis(50),
        Duration::from_secs(10),
    );
    assert!(
        landed.is_some(),
        "clicking Section did not land on sec/index.html"
    );

    // Search says it cannot run from disk instead of failing silently.
    let search = out.canonicalize().unwrap().join("search/index.html");
    b.navigate(&format!("file://{}", search.display()));
    let notice = b.poll(
        "!document.getElementById('search-offline').hidden",
        Duration::from_millis(50),
        Duration::from_secs(5),
    );
    assert!(
        notice.is_some(),
        "the search page shows no notice at file://"
    );

    let (pages, links, _) = browse(&mut b, &example_out, None);
    assert!(pages > 20 && links > 1000, "{pages} pages, {links} links");

    // Served over HTTP (serve honours the key), search finds a brief and its result opens it.
    let keyed = fixture("relative_urls = true\n");
    let server = common::serve::Server::start_at(&keyed.root, common::serve::free_port(), None);
    b.navigate(&server.url("/search/"));
    let query = r##"(() => {
      const input = document.querySelector("#search .pagefind-ui__search-input");
      if (!input) return false;
      if (input.value !== "bundle") {
        input.value = "bundle";
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
      return !!document.querySelector("#search .pagefind-ui__result-link");
    })()"##;
    // serve indexes in the background after its first build: retry until results show.
    let mut found = None;
    for _ in 0..20 {
        found = b.poll(query, Duration::from_millis(100), Duration::from_secs(2));
        if found.is_some() {
            break;
        }
        b.navigate(&server.url("/search/"));
    }
    assert!(
        found.is_some(),
        "search over HTTP showed no result\n{}",
        server.output_tail(30)
    );
    let result = b.eval_ok("document.querySelector('#search .pagefind-ui__result-link').href");
    let result = result.as_str().unwrap().to_string();
    assert!(result.starts_with(&server.url("/")), "{result}");
    let path = result.trim_start_matches(&server.base);
    assert_eq!(server.fetch(path).status, 200, "search result {result}");
    b.close();
    drop(example_tmp);
    tools::note(&format!(
        "relative_urls: the fixture's and the example's pages opened from disk ({pages} example pages, {links} links)"
    ));
}
