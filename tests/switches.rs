//! The config switches the default theme honours: with `full_briefing = false` or
//! `search = false` the page is not built, so no page of the theme may link to it (navigation,
//! footer, home-page button, 404 page, search page), and `briefing check` finds nothing broken.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// Every URL in an `href`, `src` or `action` of every HTML page under `out`, with its page.
fn page_urls(out: &Path) -> Vec<(String, String)> {
    let attrs = ["href", "src", "action"];
    let selector = sel("[href], [src], [action]");
    let mut urls = Vec::new();
    for (rel, bytes) in snapshot(out) {
        if !rel.ends_with(".html") {
            continue;
        }
        let html = scraper::Html::parse_document(&String::from_utf8_lossy(&bytes));
        for e in html.select(&selector) {
            for a in attrs {
                if let Some(v) = e.value().attr(a) {
                    urls.push((rel.clone(), v.to_string()));
                }
            }
        }
    }
    urls
}

/// The site path (`briefing/`, `hedges/china/`) a page's URL points at, or `None` for an
/// external or same-page link. `base` is the site's base URL with its trailing slash.
fn site_path(page: &str, url: &str, base: &str) -> Option<String> {
    let url = url.split(['#', '?']).next().unwrap_or("");
    if url.is_empty() {
        return None;
    }
    let base_path = base
        .split_once("://")
        .map(|(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]))
        .unwrap_or(base);
    let joined = if let Some(rest) = url.strip_prefix(base) {
        rest.to_string()
    } else if url.contains("://") || url.starts_with("mailto:") || url.starts_with("//") {
        return None;
    } else if let Some(rest) = url.strip_prefix(base_path) {
        rest.to_string()
    } else if url.starts_with('/') {
        return None;
    } else {
        let dir = page.rsplit_once('/').map_or("", |(d, _)| d);
        if dir.is_empty() {
            url.to_string()
        } else {
            format!("{dir}/{url}")
        }
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." => {}
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Builds `site`, then asserts no page links to the pages the switches turned off and that
/// `check` reports no error.
fn assert_no_link_to_missing_pages(site: &Path, briefing_off: bool, search_off: bool) {
    let out = site.join("output");
    run(&["build", "--root", arg(site)])
        .expect_success()
        .expect_no_panic();
    assert_eq!(out.join("briefing").exists(), !briefing_off);
    assert_eq!(out.join("search").exists(), !search_off);
    let config: toml::Table = fs::read_to_string(site.join("briefing.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let base = config
        .get("base_url")
        .and_then(toml::Value::as_str)
        .map_or("/".to_string(), |b| format!("{}/", b.trim_end_matches('/')));
    let urls = page_urls(&out);
    assert!(urls.len() > 20, "too few links found: {urls:?}");
    let mut bad = Vec::new();
    for (page, url) in &urls {
        let Some(path) = site_path(page, url, &base) else {
            continue;
        };
        let to_briefing = path.starts_with("briefing/") || path == "briefing";
        let to_search = path.starts_with("search/") || path == "search";
        if (briefing_off && to_briefing) || (search_off && to_search) {
            bad.push(format!("{page}: {url}"));
        }
    }
    assert!(
        bad.is_empty(),
        "pages link to a page the config turned off:\n{}",
        bad.join("\n")
    );
    let check = run(&["check", "--root", arg(site)]);
    check.expect_success().expect_no_panic();
    assert!(
        check.stderr.contains(" 0 errors"),
        "check found errors:\n{}",
        check.stderr
    );
}

/// Sets `key = value` at the top of `site/briefing.toml`, before any table.
fn set_top_level(site: &Path, line: &str) {
    let path = site.join("briefing.toml");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("{line}\n{text}")).unwrap();
}

#[test]
fn without_the_full_briefing_no_page_links_to_it() {
    let (_tmp, site) = fixture_site("minimal");
    set_top_level(&site, "full_briefing = false");
    assert_no_link_to_missing_pages(&site, true, false);
}

/// The theme already hid its Search link without search (so `search = false` alone broke
/// nothing); both off covers the two switches together, on every template of the example.
#[test]
fn the_example_site_with_both_switches_off_links_to_neither() {
    let (_tmp, site) = example_site();
    set_top_level(&site, "full_briefing = false\nsearch = false");
    assert_no_link_to_missing_pages(&site, true, true);
}

#[test]
fn urls_resolve_to_site_paths() {
    let base = "https://x.org/sub/";
    assert_eq!(
        site_path("a/b/index.html", "../../briefing/", base).as_deref(),
        Some("briefing/")
    );
    assert_eq!(
        site_path("a/index.html", "https://x.org/sub/search/#q", base).as_deref(),
        Some("search/")
    );
    assert_eq!(
        site_path("index.html", "/sub/briefing/", base).as_deref(),
        Some("briefing/")
    );
    assert_eq!(
        site_path("index.html", "https://y.org/briefing/", base),
        None
    );
    assert_eq!(site_path("index.html", "#top", base), None);
}
