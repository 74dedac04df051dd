//! Unit tests of the page list, pagination, the sitemap, feeds and fingerprints, on small sites
//! written to a temporary folder and read through the real config, content and model stages.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::documents::{self, Documents, MarkdownCache};
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
    site_with(dir, config, n, &|_| String::new(), body)
}

/// As [`site`], with `front(i)` added to brief i's front matter.
fn site_with(
    dir: &Path,
    config: &str,
    n: usize,
    front: &dyn Fn(usize) -> String,
    body: &dyn Fn(usize) -> String,
) -> TestSite {
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
                "+++\ntitle = \"Brief {i}\"\ndate = 2017-01-{:02}\n{updated}{}+++\n{}",
                i + 1,
                front(i),
                body(i)
            ),
        );
    }
    let config = Arc::new(Config::load(dir).unwrap());
    let content = Loader::default().load(dir);
    let mut diags = crate::diagnostics::Diagnostics::new();
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
        alternates: super::languages::Alternates::none(),
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
    let s = b.site.sections.position(|s| s.path == "/s/").unwrap();
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
            .map(|p| (p.out.clone(), src.inputs(p).fingerprint()))
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

fn fingerprints(src: &PageSource) -> HashMap<String, u64> {
    list(src.site, src.site.config.paginate_by)
        .iter()
        .map(|p| (p.out.clone(), src.inputs(p).fingerprint()))
        .collect()
}

/// The pages whose fingerprint differs between two builds of the same page list.
fn changed(a: &TestSite, b: &TestSite) -> Vec<String> {
    let (fa, fb) = (fingerprints(&source(a)), fingerprints(&source(b)));
    let mut v: Vec<String> = fa.keys().filter(|k| fa[*k] != fb[*k]).cloned().collect();
    v.sort();
    v
}

const FILED: &str = "actors = [\"Japan\"]\n[[events]]\ndate = \"2016-05\"\ntext = \"Event\"\n";

#[test]
fn every_page_kind_puts_in_its_context_exactly_the_inputs_it_declares() {
    let dir = tempfile::tempdir().unwrap();
    let b = site_with(
        dir.path(),
        "taxonomies = [\"actors\"]\nsearch = true",
        3,
        &|_| FILED.into(),
        &|_| "x".into(),
    );
    let src = source(&b);
    let common = [
        "page_kind",
        "page_title",
        "page_description",
        "current_path",
        "current_url",
        "alternates",
        "x_default",
        "untranslated",
    ];
    let every = [
        "section",
        "paginator",
        "brief",
        "taxonomy",
        "term",
        "chronology",
        "briefs",
        "feed",
        "choices",
    ];
    let mut kinds = std::collections::BTreeSet::new();
    for spec in list(&b.site, b.site.config.paginate_by) {
        let own: &[&str] = match spec.kind {
            PageKind::Home(_) | PageKind::Section(..) => &["section", "paginator"],
            PageKind::Brief(_) => &["brief", "section"],
            PageKind::TaxonomyList(_) => &["taxonomy"],
            PageKind::Term { .. } => &["taxonomy", "term", "paginator"],
            PageKind::Chronology => &["chronology"],
            PageKind::Briefing => &["briefs"],
            PageKind::Feed(_) => &["feed"],
            PageKind::ChooseLanguage | PageKind::RootNotFound => &["choices"],
            PageKind::Search | PageKind::NotFound | PageKind::Sitemap | PageKind::Robots => &[],
        };
        kinds.insert(super::titles::kind_name(spec.kind));
        let inputs = src.inputs(&spec);
        let want: Vec<&str> = common.iter().chain(own).copied().collect();
        assert_eq!(inputs.keys(), want, "{}", spec.out);
        let ctx = inputs.context();
        for key in common.iter().chain(&every) {
            let expected = want.contains(key);
            assert_eq!(ctx.contains_key(key), expected, "`{key}` in {}", spec.out);
        }
        assert!(
            ctx.contains_key("config"),
            "the globals are in {}",
            spec.out
        );
    }
    // The site has a page of every kind.
    assert_eq!(kinds.len(), 10, "{kinds:?}");
}

#[test]
fn an_event_edit_changes_the_chronology_and_the_pages_showing_the_brief_only() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let front = |edited: bool| {
        move |i: usize| {
            let text = if edited && i == 1 { "Edited" } else { "Event" };
            FILED.replace("\"Event\"", &format!("\"{text}\""))
        }
    };
    let config = "taxonomies = [\"actors\"]";
    let a = site_with(da.path(), config, 3, &front(false), &|_| "x".into());
    let b = site_with(db.path(), config, 3, &front(true), &|_| "x".into());
    assert_eq!(
        changed(&a, &b),
        vec![
            "briefing/index.html",
            "chronology/index.html",
            "s/b01/index.html"
        ]
    );
}

#[test]
fn a_description_edit_reaches_every_page_showing_the_brief_summary_only() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let front = |edited: bool| {
        move |i: usize| {
            let d = if edited && i == 2 { "New" } else { "Old" };
            format!("description = \"{d}\"\n{FILED}")
        }
    };
    let config = "taxonomies = [\"actors\"]";
    let a = site_with(da.path(), config, 3, &front(false), &|_| "x".into());
    let b = site_with(db.path(), config, 3, &front(true), &|_| "x".into());
    let changed = changed(&a, &b);
    for want in [
        "atom.xml",
        "s/atom.xml",
        "s/index.html",
        "actors/japan/index.html",
        "s/b02/index.html",
        "s/b01/index.html",
        "briefing/index.html",
    ] {
        assert!(
            changed.iter().any(|c| c == want),
            "{want} not in {changed:?}"
        );
    }
    // The chronology shows the brief's summary, which carries its description.
    assert!(changed.iter().any(|c| c == "chronology/index.html"));
    for unchanged in ["404.html", "sitemap.xml", "actors/index.html", "robots.txt"] {
        assert!(
            !changed.iter().any(|c| c == unchanged),
            "{unchanged} changed"
        );
    }
}

#[test]
fn an_updated_date_changes_the_sitemap() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let front = |edited: bool| {
        move |i: usize| {
            if edited && i == 2 {
                "updated = 2021-03-04\n".to_string()
            } else {
                String::new()
            }
        }
    };
    let a = site_with(da.path(), "", 3, &front(false), &|_| "x".into());
    let b = site_with(db.path(), "", 3, &front(true), &|_| "x".into());
    assert!(changed(&a, &b).contains(&"sitemap.xml".to_string()));
    let pages = list(&b.site, b.site.config.paginate_by);
    let mut values = source(&a).values;
    // Patching the old values for the edited brief gives the new sitemap.
    values
        .sitemap
        .update_brief(&b.site, crate::model::BriefId::new(2));
    assert_eq!(
        values.sitemap.xml(),
        super::sitemap::Sitemap::new(&b.site, &pages).xml()
    );
}
