//! Unit tests of the page list, pagination, the sitemap, feeds and fingerprints, on small sites
//! written to a temporary folder and read through the real config, content and model stages.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::documents::{self, Documents, MarkdownCache};
use super::fingerprint::Deps;
use super::values::{self, SummaryCache};
use super::{PageKind, PageSource, PageSpec, feeds, list, paginator, sitemap};
use crate::config::Config;
use crate::content::Loader;
use crate::model::Site;
use crate::templates::Templates;

struct TestSite {
    site: Site,
    docs: Documents,
    templates: Templates,
}

/// A site with `n` briefs in section `s`, dated a day apart (brief 0 the oldest); `body` gives
/// brief i's Markdown body.
fn site(dir: &Path, config: &str, n: usize, body: &dyn Fn(usize) -> String) -> TestSite {
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("briefing.toml", &format!("title = \"T\"\n{config}"));
    write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write("content/s/_index.md", "+++\ntitle = \"S\"\n+++\n");
    write("content/empty/_index.md", "+++\ntitle = \"Empty\"\n+++\n");
    for i in 0..n {
        let updated = if i == 0 { "updated = 2020-06-01\n" } else { "" };
        write(
            &format!("content/s/b{i:02}.md"),
            &format!(
                "+++\ntitle = \"Brief {i}\"\ndate = 2017-01-{:02}\n{updated}+++\n{}",
                i + 1,
                body(i)
            ),
        );
    }
    let config = Arc::new(Config::load(dir).unwrap());
    let content = Loader::default().load(dir);
    let mut diags = Vec::new();
    let site = Site::build(config, dir.to_path_buf(), &content, false, &mut diags);
    let templates = Templates::from_sources(HashMap::new()).unwrap_or_else(|_| unreachable!());
    let docs = documents::render_all(&site, &templates, &mut MarkdownCache::default(), &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    TestSite {
        site,
        docs,
        templates,
    }
}

fn source(b: &TestSite) -> PageSource<'_> {
    let pages = list(&b.site, b.site.config.paginate_by);
    let values = values::derive(
        &b.site,
        &b.docs,
        &pages,
        &HashMap::new(),
        0,
        &mut SummaryCache::default(),
    );
    PageSource {
        site: &b.site,
        docs: &b.docs,
        templates: &b.templates,
        values,
    }
}

fn outs(pages: &[PageSpec]) -> Vec<&str> {
    pages.iter().map(|p| p.out.as_str()).collect()
}

#[test]
fn sections_paginate_and_only_sections_with_briefs_get_a_feed() {
    let dir = tempfile::tempdir().unwrap();
    let b = site(dir.path(), "paginate_by = 2\ntaxonomies = []", 5, &|_| {
        "x".into()
    });
    let pages = list(&b.site, b.site.config.paginate_by);
    let outs = outs(&pages);
    for want in [
        "index.html",
        "s/index.html",
        "s/page/2/index.html",
        "s/page/3/index.html",
        "s/atom.xml",
        "empty/index.html",
        "s/b00/index.html",
        "chronology/index.html",
        "404.html",
        "atom.xml",
        "sitemap.xml",
        "robots.txt",
    ] {
        assert!(outs.contains(&want), "{want} missing from {outs:?}");
    }
    assert!(!outs.contains(&"s/page/4/index.html"), "{outs:?}");
    assert!(!outs.contains(&"empty/atom.xml"), "{outs:?}");
    // Every output file is listed once.
    let mut sorted = outs.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), outs.len());
}

#[test]
fn the_paginator_links_its_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let b = site(dir.path(), "paginate_by = 2\ntaxonomies = []", 5, &|_| {
        "x".into()
    });
    let src = source(&b);
    let s = b
        .site
        .sections
        .iter()
        .position(|s| s.path == "/s/")
        .unwrap();
    let list = &b.site.sections[s].briefs;
    let (v, on_page) = paginator(&b.site, "/s/", list, 1, 2, &src.values.summaries);
    assert_eq!(on_page, list[2..4].to_vec());
    let m = v.as_map().unwrap();
    let get = |k: &'static str| m.get(&tera::value::Key::from(k)).unwrap().clone();
    assert_eq!(get("current_index"), tera::Value::from(2));
    assert_eq!(get("number_pagers"), tera::Value::from(3));
    assert_eq!(get("total"), tera::Value::from(5));
    assert_eq!(get("previous"), tera::Value::from("/s/"));
    assert_eq!(get("next"), tera::Value::from("/s/page/3/"));
    assert_eq!(get("last"), tera::Value::from("/s/page/3/"));
    // The first page has no previous page, the last no next one.
    let (first, _) = paginator(&b.site, "/s/", list, 0, 2, &src.values.summaries);
    let first = first.as_map().unwrap();
    assert!(
        first
            .get(&tera::value::Key::from("previous"))
            .unwrap()
            .is_none()
    );
    let (last, _) = paginator(&b.site, "/s/", list, 2, 2, &src.values.summaries);
    let last = last.as_map().unwrap();
    assert!(last.get(&tera::value::Key::from("next")).unwrap().is_none());
}

#[test]
fn the_sitemap_lists_every_page_with_a_url_and_each_brief_with_its_last_change() {
    let dir = tempfile::tempdir().unwrap();
    let b = site(
        dir.path(),
        "base_url = \"https://example.org/\"\n",
        3,
        &|_| "x".into(),
    );
    let pages = list(&b.site, b.site.config.paginate_by);
    let xml = String::from_utf8(sitemap::Sitemap::new(&b.site, &pages).xml()).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let urls: Vec<(String, Option<String>)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("url"))
        .map(|u| {
            let text = |tag: &str| {
                u.children()
                    .find(|c| c.has_tag_name(tag))
                    .and_then(|c| c.text())
                    .map(String::from)
            };
            (text("loc").unwrap(), text("lastmod"))
        })
        .collect();
    let indexed = pages
        .iter()
        .filter(|p| {
            !matches!(
                p.kind,
                PageKind::Feed(_) | PageKind::Sitemap | PageKind::Robots | PageKind::NotFound
            )
        })
        .count();
    assert_eq!(urls.len(), indexed, "{urls:?}");
    let lastmod = |loc: &str| urls.iter().find(|(l, _)| l == loc).unwrap().1.clone();
    assert_eq!(
        lastmod("https://example.org/s/b00/").as_deref(),
        Some("2020-06-01")
    );
    assert_eq!(
        lastmod("https://example.org/s/b01/").as_deref(),
        Some("2017-01-02")
    );
    assert_eq!(lastmod("https://example.org/s/"), None);
    assert!(urls.iter().all(|(l, _)| !l.ends_with(".xml")));
}

#[test]
fn feeds_list_the_newest_twenty_briefs() {
    let dir = tempfile::tempdir().unwrap();
    let b = site(dir.path(), "", 25, &|_| "x".into());
    let ids = feeds::briefs(&b.site, None);
    assert_eq!(ids.len(), 20);
    let dates: Vec<String> = ids
        .iter()
        .map(|&i| b.site.briefs[i].meta().date.0.iso())
        .collect();
    let mut newest_first = dates.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, newest_first);
    // The five oldest are left out.
    assert!(!dates.contains(&"2017-01-05".to_string()), "{dates:?}");
}

#[test]
fn a_body_edit_changes_the_fingerprints_of_the_pages_that_show_it_only() {
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let body = |edited: bool| {
        move |i: usize| {
            let tail = if edited && i == 5 { "changed" } else { "same" };
            format!("Summary {i}.\n\n<!-- more -->\n\nRest {tail}.\n")
        }
    };
    let a = site(dir_a.path(), "taxonomies = []", 10, &body(false));
    let b = site(dir_b.path(), "taxonomies = []", 10, &body(true));
    let (sa, sb) = (source(&a), source(&b));
    let fingerprints = |src: &PageSource| -> HashMap<String, u64> {
        list(src.site, src.site.config.paginate_by)
            .iter()
            .map(|p| (p.out.clone(), src.fingerprint(p, &mut Deps::default())))
            .collect()
    };
    let (fa, fb) = (fingerprints(&sa), fingerprints(&sb));
    let changed: Vec<&String> = {
        let mut v: Vec<&String> = fa.keys().filter(|k| fa[*k] != fb[*k]).collect();
        v.sort();
        v
    };
    // The brief's own page and the full briefing show its body; a listing shows only its
    // summary, which the edit (after `<!-- more -->`) left alone.
    assert_eq!(
        changed,
        vec!["briefing/index.html", "s/b05/index.html"],
        "pages whose fingerprint changed"
    );
}
