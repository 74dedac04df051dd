//! Builds the repository's example site (the repo root: briefing.toml, content/, themes/) with
//! the real binary and checks the generated site as a reader and a crawler would see it.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use scraper::Html;
use tempfile::TempDir;

/// Builds the example site into `<tmp>/out`.
fn build_example() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&["build", "--root", arg(&repo_root()), "--output", arg(&out)])
        .expect_success()
        .expect_no_panic();
    (tmp, out)
}

/// The configured base URL with one trailing slash.
fn base_url() -> String {
    let cfg: toml::Table = fs::read_to_string(repo_root().join("briefing.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let base = cfg["base_url"].as_str().unwrap().trim_end_matches('/');
    format!("{base}/")
}

/// A TOML value written as a string or a date, as the ISO text.
fn date_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        other => panic!("unexpected date value {other:?}"),
    }
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(toml::Value::as_array)
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn every_section_and_brief_page_exists() {
    let (_tmp, out) = build_example();
    let docs = content_docs();
    for section in ["/alliance-posture/", "/hedges/", "/canada/"] {
        assert!(
            docs.iter().any(|d| d.is_section && d.url == section),
            "the example content has no section {section}"
        );
    }
    assert!(briefs(&docs).len() >= 3, "too few briefs found in content/");
    for d in &docs {
        let file = file_for(&out, &d.url);
        assert!(
            file.is_file(),
            "{} should be published at {} ({} missing)",
            d.rel,
            d.url,
            file.display()
        );
        let page = read_html(&file);
        let h1: Vec<String> = page.select(&sel("h1")).map(text_of).collect();
        let title = d.front["title"].as_str().unwrap();
        assert_eq!(
            h1,
            vec![shown(title)],
            "{} should have exactly one h1 with its title",
            d.url
        );
    }
}

#[test]
fn home_page_has_h1_and_links_to_each_section() {
    let (_tmp, out) = build_example();
    let home = read_html(&out.join("index.html"));
    let h1 = home
        .select(&sel("main h1"))
        .next()
        .expect("the home page has an h1 in <main>");
    assert!(!text_of(h1).is_empty(), "the home page's h1 is empty");
    let base = base_url();
    let hrefs: BTreeSet<String> = home
        .select(&sel("main a[href]"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    for d in content_docs()
        .iter()
        .filter(|d| d.is_section && d.url != "/")
    {
        let absolute = format!("{}{}", base.trim_end_matches('/'), d.url);
        assert!(
            hrefs.contains(&absolute) || hrefs.contains(&d.url),
            "the home page's main content should link to section {}; links: {hrefs:?}",
            d.url
        );
    }
}

#[test]
fn brief_pages_show_bottom_line_and_key_judgments() {
    let (_tmp, out) = build_example();
    let docs = content_docs();
    let mut checked_judgments = 0;
    for b in briefs(&docs) {
        let page = read_html(&file_for(&out, &b.url));
        let article = page
            .select(&sel("article.brief"))
            .next()
            .unwrap_or_else(|| panic!("{}: no article.brief", b.url));
        if let Some(bl) = b.front.get("bottom_line").and_then(toml::Value::as_str) {
            let shown: Vec<String> = article
                .select(&sel(".box--bottom-line .box__text"))
                .map(text_of)
                .collect();
            assert_eq!(shown, vec![common::shown(bl)], "{}: bottom line", b.url);
        }
        let judgments = b
            .front
            .get("key_judgments")
            .and_then(toml::Value::as_array)
            .cloned()
            .unwrap_or_default();
        let items: Vec<_> = article
            .select(&sel(".box--judgments ol.judgments > li.judgment"))
            .collect();
        assert_eq!(
            items.len(),
            judgments.len(),
            "{}: one list item per key judgment",
            b.url
        );
        for (kj, li) in judgments.iter().zip(&items) {
            let text = kj["text"].as_str().unwrap();
            let word = kj["confidence"].as_str().unwrap();
            let shown_text = li
                .select(&sel(".judgment__text"))
                .next()
                .map(text_of)
                .unwrap_or_default();
            assert_eq!(shown_text, shown(text), "{}: judgment text in order", b.url);
            let conf = li
                .select(&sel(".confidence"))
                .next()
                .unwrap_or_else(|| panic!("{}: judgment without confidence", b.url));
            assert!(
                text_of(conf).ends_with(word),
                "{}: confidence {:?} should show {word:?}",
                b.url,
                text_of(conf)
            );
            let class = format!("confidence--{}", word.replace(' ', "-"));
            assert!(
                conf.value().classes().any(|c| c == class),
                "{}: confidence element should have class {class}",
                b.url
            );
            checked_judgments += 1;
        }
    }
    assert!(
        checked_judgments > 0,
        "no key judgments found in the example site"
    );
}

/// Resolves every same-site `href` and `src` of every HTML page under `out` (the base URL, a
/// root-relative path, or a bare `#fragment`), and every fragment against the ids of the target
/// page. Returns how many links it checked and what is broken.
fn broken_links(out: &Path, base: &str) -> (usize, Vec<String>) {
    let mut pages: HashMap<PathBuf, Html> = HashMap::new();
    let mut problems = Vec::new();
    let mut checked = 0;
    let with_link = sel("[href], [src]");
    let html_files = snapshot(out).into_keys().filter(|k| k.ends_with(".html"));
    for rel in html_files {
        let page_file = out.join(&rel);
        let page = read_html(&page_file);
        for el in page.select(&with_link) {
            for attr in ["href", "src"] {
                let Some(link) = el.value().attr(attr) else {
                    continue;
                };
                let (target, fragment) = match link.split_once('#') {
                    Some((t, f)) => (t, Some(f)),
                    None => (link, None),
                };
                let target = target.split('?').next().unwrap_or_default();
                let target_file = if let Some(path) = target.strip_prefix(base) {
                    file_for(out, &format!("/{path}"))
                } else if target.starts_with('/') && !target.starts_with("//") {
                    file_for(out, target)
                } else if target.is_empty() && fragment.is_some() {
                    page_file.clone()
                } else {
                    continue;
                };
                checked += 1;
                if !target_file.is_file() {
                    problems.push(format!(
                        "{rel}: {attr}=\"{link}\" -> missing {}",
                        target_file.display()
                    ));
                    continue;
                }
                let Some(fragment) = fragment.filter(|f| !f.is_empty()) else {
                    continue;
                };
                if target_file.extension().is_none_or(|e| e != "html") {
                    problems.push(format!("{rel}: fragment link {link} into a non-HTML file"));
                    continue;
                }
                let doc = pages
                    .entry(target_file.clone())
                    .or_insert_with(|| read_html(&target_file));
                let id_sel = sel(&format!("[id=\"{}\"]", fragment.replace('"', "\\\"")));
                if doc.select(&id_sel).next().is_none() {
                    problems.push(format!(
                        "{rel}: {attr}=\"{link}\" -> no id `{fragment}` in the target page"
                    ));
                }
            }
        }
    }
    (checked, problems)
}

#[test]
fn internal_links_and_fragments_resolve() {
    let (_tmp, out) = build_example();
    let (checked, problems) = broken_links(&out, &base_url());
    assert!(checked > 100, "only {checked} internal links found");
    assert!(
        problems.is_empty(),
        "{} broken internal links:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The link check itself must see a missing page, a missing id and a missing same-page id.
#[test]
fn link_check_catches_broken_links() {
    let (_tmp, out) = build_example();
    let base = base_url();
    let page = out.join("hedges/index.html");
    let mut html = fs::read_to_string(&page).unwrap();
    let at = html.find("</main>").expect("the page has a <main>");
    html.insert_str(
        at,
        &format!(
            "<a href=\"/no-such-page/\">a</a><a href=\"{base}canada/#no-such-id\">b</a>\
             <a href=\"#nowhere\">c</a><a href=\"https://elsewhere.example/x\">d</a>"
        ),
    );
    fs::write(&page, html).unwrap();
    let (_, problems) = broken_links(&out, &base);
    let problems: Vec<String> = problems
        .into_iter()
        .filter(|p| p.starts_with("hedges/index.html:"))
        .collect();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    for needle in ["/no-such-page/", "no-such-id", "nowhere"] {
        assert!(problems.iter().any(|p| p.contains(needle)), "{problems:#?}");
    }
}

#[test]
fn atom_feed_and_sitemap_are_valid_xml() {
    let (_tmp, out) = build_example();
    let docs = content_docs();
    let base = base_url();
    let brief_urls: BTreeSet<String> = briefs(&docs)
        .iter()
        .map(|b| format!("{}{}", base.trim_end_matches('/'), b.url))
        .collect();

    let atom_text = fs::read_to_string(out.join("atom.xml")).unwrap();
    let atom = roxmltree::Document::parse(&atom_text)
        .unwrap_or_else(|e| panic!("atom.xml is not XML: {e}"));
    const ATOM: &str = "http://www.w3.org/2005/Atom";
    let feed = atom.root_element();
    assert!(
        feed.has_tag_name((ATOM, "feed")),
        "atom.xml root is {:?}",
        feed.tag_name()
    );
    let entries: Vec<_> = feed
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .collect();
    assert_eq!(
        entries.len(),
        brief_urls.len().min(20),
        "the feed has one entry per brief (up to 20)"
    );
    let mut entry_urls = BTreeSet::new();
    for e in &entries {
        let child = |name: &str| {
            e.children()
                .find(|n| n.has_tag_name((ATOM, name)))
                .unwrap_or_else(|| panic!("an entry has no <{name}>"))
        };
        assert!(!child("title").text().unwrap_or("").trim().is_empty());
        assert!(child("updated").text().unwrap_or("").contains('T'));
        // RFC 4287 essentials on every entry, as the publish issue asks.
        assert!(!child("id").text().unwrap_or("").trim().is_empty());
        assert!(!child("summary").text().unwrap_or("").trim().is_empty());
        let author = child("author");
        assert!(
            author.children().any(
                |n| n.has_tag_name((ATOM, "name")) && !n.text().unwrap_or("").trim().is_empty()
            ),
            "an entry has an author without a name"
        );
        let link = child("link").attribute("href").unwrap().to_string();
        assert!(
            brief_urls.contains(&link),
            "feed entry links to {link}, not a brief"
        );
        entry_urls.insert(link);
    }
    assert_eq!(entry_urls.len(), entries.len(), "feed entries are distinct");

    let sitemap_text = fs::read_to_string(out.join("sitemap.xml")).unwrap();
    let sitemap = roxmltree::Document::parse(&sitemap_text)
        .unwrap_or_else(|e| panic!("sitemap.xml is not XML: {e}"));
    const SM: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
    assert!(sitemap.root_element().has_tag_name((SM, "urlset")));
    let locs: BTreeSet<String> = sitemap
        .descendants()
        .filter(|n| n.has_tag_name((SM, "loc")))
        .map(|n| n.text().unwrap().trim().to_string())
        .collect();
    for d in &docs {
        let url = format!("{}{}", base.trim_end_matches('/'), d.url);
        assert!(locs.contains(&url), "sitemap.xml lacks {url}");
    }
    for loc in &locs {
        let path = loc
            .strip_prefix(base.trim_end_matches('/'))
            .unwrap_or_else(|| panic!("sitemap URL {loc} is not on the site"));
        assert!(
            file_for(&out, path).is_file(),
            "sitemap lists {loc}, which was not generated"
        );
    }
}

#[test]
fn taxonomy_pages_list_terms_with_their_briefs() {
    let (_tmp, out) = build_example();
    let docs = content_docs();
    let base = base_url();
    for taxonomy in ["actors", "topics"] {
        let list_file = out.join(taxonomy).join("index.html");
        assert!(list_file.is_file(), "/{taxonomy}/ was not generated");
        let list = read_html(&list_file);
        // Term name -> the term page's URL, from the list page's links.
        let links: BTreeMap<String, String> = list
            .select(&sel("main ul.term-list a[href]"))
            .map(|a| (text_of(a), a.value().attr("href").unwrap().to_string()))
            .collect();
        let mut expected: BTreeMap<String, Vec<&Doc>> = BTreeMap::new();
        for b in briefs(&docs) {
            for t in strings(b.front.get(taxonomy)) {
                expected.entry(t).or_default().push(b);
            }
        }
        assert!(!expected.is_empty(), "no {taxonomy} in the example content");
        assert_eq!(
            links.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "/{taxonomy}/ lists exactly the terms used"
        );
        for (term, in_briefs) in &expected {
            let href = &links[term];
            let path = href
                .strip_prefix(base.trim_end_matches('/'))
                .unwrap_or(href);
            assert!(
                path.starts_with(&format!("/{taxonomy}/")) && path != format!("/{taxonomy}/"),
                "term {term} links to {href}"
            );
            let file = file_for(&out, path);
            assert!(file.is_file(), "term page {path} missing");
            let page = read_html(&file);
            let h1 = page.select(&sel("main h1")).next().map(text_of);
            assert_eq!(h1.as_deref(), Some(term.as_str()), "{path}: h1 is the term");
            let listed: BTreeSet<String> = page
                .select(&sel("main .brief-list a[href]"))
                .map(|a| a.value().attr("href").unwrap().to_string())
                .collect();
            for b in in_briefs {
                let url = format!("{}{}", base.trim_end_matches('/'), b.url);
                assert!(
                    listed.contains(&url),
                    "{path} should list {url}; has {listed:?}"
                );
            }
        }
    }
}

#[test]
fn chronology_lists_every_event() {
    let (_tmp, out) = build_example();
    let page = read_html(&out.join("chronology/index.html"));
    let times: Vec<String> = page
        .select(&sel("main time[datetime]"))
        .map(|t| t.value().attr("datetime").unwrap().to_string())
        .collect();
    let mut expected = Vec::new();
    for b in briefs(&content_docs()) {
        if let Some(events) = b.front.get("events").and_then(toml::Value::as_array) {
            expected.extend(events.iter().map(|e| date_text(&e["date"])));
        }
    }
    assert!(
        expected.contains(&"2015-04".to_string()),
        "the example has the 2015-04 event"
    );
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    let mut sorted_times = times.clone();
    sorted_times.sort();
    assert_eq!(
        sorted_times, sorted_expected,
        "/chronology/ has one <time datetime> per event"
    );
    assert_eq!(times, sorted_times, "/chronology/ is in date order");
}

#[test]
fn output_has_the_marker_file() {
    let (_tmp, out) = build_example();
    assert!(
        out.join(".briefing-output").is_file(),
        "the output lacks its .briefing-output marker"
    );
}

#[test]
fn building_twice_gives_identical_output() {
    let (tmp, first) = build_example();
    let second = tmp.path().join("second");
    run(&[
        "build",
        "--root",
        arg(&repo_root()),
        "--output",
        arg(&second),
    ])
    .expect_success()
    .expect_no_panic();
    // Rebuilding into the same folder replaces it with the same bytes too.
    let before = snapshot(&first);
    run(&[
        "build",
        "--root",
        arg(&repo_root()),
        "--output",
        arg(&first),
    ])
    .expect_success();
    let again = snapshot(&first);
    assert!(before.len() > 20);
    assert_same_tree(
        &before,
        &snapshot(&second),
        "two builds into different folders",
    );
    assert_same_tree(&before, &again, "a rebuild into the same folder");
}

/// A rebuild into the same folder links the files it would write unchanged (same inode), and
/// writes afresh the ones an edit changed: the result is byte for byte a clean build's.
#[cfg(unix)]
#[test]
fn a_rebuild_links_unchanged_files_and_rewrites_edited_ones() {
    use std::os::unix::fs::MetadataExt;
    let (tmp, site) = example_site();
    let out = site.join("output");
    let build = |dest: &Path| {
        run(&["build", "--root", arg(&site), "--output", arg(dest)])
            .expect_success()
            .expect_no_panic();
    };
    build(&out);
    let inodes = |dir: &Path| -> BTreeMap<String, u64> {
        snapshot(dir)
            .into_keys()
            .map(|rel| {
                let ino = fs::metadata(dir.join(&rel)).unwrap().ino();
                (rel, ino)
            })
            .collect()
    };
    let before = inodes(&out);
    edit(
        &site,
        "content/hedges/china.md",
        "Optimists can point to a thaw.",
        "Optimists can point to a thaw (edited).",
    );
    build(&out);
    let clean = tmp.path().join("clean");
    build(&clean);
    assert_same_tree(
        &snapshot(&clean),
        &snapshot(&out),
        "a rebuild after an edit",
    );

    let after = inodes(&out);
    let edited = "hedges/china/index.html";
    assert_ne!(
        before[edited], after[edited],
        "the edited brief was linked, not rewritten"
    );
    let linked: Vec<&String> = after
        .iter()
        .filter(|(rel, ino)| before.get(*rel) == Some(*ino))
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        linked.len() * 2 > after.len(),
        "expected most of the {} files to be linked from the previous output, got {}",
        after.len(),
        linked.len()
    );
    assert!(
        linked
            .iter()
            .any(|r| r.starts_with("pagefind/") && r.ends_with(".js")),
        "pagefind's client, the same on every build, was not linked"
    );
}

/// Every page names its icon (without one, browsers ask for /favicon.ico and log a 404), and
/// the icon is a file of the site.
#[test]
fn every_page_names_an_icon_the_site_has() {
    let (_tmp, out) = build_example();
    let base = base_url();
    let mut pages = 0;
    for (rel, bytes) in snapshot(&out) {
        if !rel.ends_with(".html") {
            continue;
        }
        pages += 1;
        let page = Html::parse_document(&String::from_utf8_lossy(&bytes));
        let icons: Vec<&str> = page
            .select(&sel("head link[rel~=icon][href]"))
            .filter_map(|l| l.value().attr("href"))
            .collect();
        assert_eq!(icons.len(), 1, "{rel}: icons {icons:?}");
        let path = icons[0]
            .strip_prefix(base.trim_end_matches('/'))
            .unwrap_or(icons[0]);
        assert!(
            out.join(path.trim_start_matches('/')).is_file(),
            "{rel}: the icon {} is not a file of the site",
            icons[0]
        );
    }
    assert!(pages > 20, "only {pages} pages");
}
