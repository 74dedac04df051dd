//! A site in English and French: each French page under `/fr/`, its `<html lang>`, its
//! `hreflang` alternates and `x-default` (in the head and in the sitemap), metadata a
//! translation inherits, terms under their French labels, the notice on a page with no
//! translation, per-language feeds and search indexes, and the errors a translator can make,
//! each at its file and line. With `prefix_default_language`: every English page under
//! `/en/`, `/` the language choice, a root 404 in both languages, links, feeds, the sitemap
//! and relative URLs following.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{TinySite, file_for, read_html, run, sel, text_of};

const CONFIG: &str = "title = \"Briefing\"\nbase_url = \"https://example.org\"\nlanguage = \"en\"\n\
[languages.fr]\ntitle = \"Dossier\"\ntaxonomies = { actors = \"acteurs\" }\n";

const BRIEF: &str = "+++\ntitle = \"China\"\ndate = 2017-05-01\nbottom_line = \"No hedge.\"\n\
actors = [\"China\", \"Japan\"]\n\
[[key_judgments]]\ntext = \"Security wins.\"\nconfidence = \"very likely\"\n\
[[events]]\ndate = \"2016-11\"\ntext = \"Trump elected.\"\n\
[hedge]\npartner = \"China\"\nkind = \"hard\"\n\
economic = { level = \"high\", rationale = \"Trade.\" }\n\
security = { level = \"low\", rationale = \"Rival.\" }\n\
credibility = { level = \"low\", rationale = \"No.\" }\n+++\nThe body.\n\n## Why\n\nBecause.\n";

const TRANSLATION: &str = "+++\ntitle = \"Chine\"\nbottom_line = \"Pas de couverture.\"\n\
[[key_judgments]]\ntext = \"La sécurité l'emporte.\"\n\
[[events]]\ntext = \"Élection de Trump.\"\n\
[hedge]\npartner = \"Chine\"\neconomic = { rationale = \"Commerce.\" }\n+++\nLe texte: voilà.\n\n## Pourquoi\n\nParce que.\n";

fn site() -> TinySite {
    site_with(CONFIG)
}

fn site_with(config: &str) -> TinySite {
    let site = TinySite::new(config, "Home");
    site.write(
        "content/_index.fr.md",
        "+++\ntitle = \"Accueil\"\n+++\nBienvenue.\n",
    )
    .write("content/sec/a.md", BRIEF)
    .write("content/sec/a.fr.md", TRANSLATION)
    .write(
        "content/sec/b.md",
        "+++\ntitle = \"Russia\"\ndate = 2017-05-02\nactors = [\"Russia\"]\n+++\nOnly English.\n",
    )
    .write(
        "terms.toml",
        "[actors]\nchina = { fr = \"Chine\" }\njapan = { fr = \"Japon\" }\n",
    );
    site
}

fn built() -> (TinySite, std::path::PathBuf) {
    let site = site();
    run(&site.build_args(&[])).expect_success();
    let out = site.out();
    (site, out)
}

fn attr_list(out: &Path, page: &str, css: &str, attrs: &[&str]) -> Vec<Vec<String>> {
    let html = read_html(&file_for(out, page));
    html.select(&sel(css))
        .map(|e| {
            attrs
                .iter()
                .map(|a| e.value().attr(a).unwrap_or("").to_string())
                .collect()
        })
        .collect()
}

#[test]
fn every_french_page_is_under_fr_in_french() {
    let (_site, out) = built();
    for page in [
        "/fr/",
        "/fr/sec/",
        "/fr/sec/a/",
        "/fr/sec/b/",
        "/fr/acteurs/",
        "/fr/acteurs/chine/",
        "/fr/chronology/",
        "/fr/briefing/",
        "/fr/search/",
        "/fr/404.html",
    ] {
        let file = file_for(&out, page);
        assert!(file.is_file(), "{page} was not built ({})", file.display());
        let lang = attr_list(&out, page, "html", &["lang"]);
        assert_eq!(lang, [["fr"]], "{page}: <html lang>");
    }
    for feed in ["fr/atom.xml", "fr/sec/atom.xml"] {
        let xml = std::fs::read_to_string(out.join(feed)).expect(feed);
        let doc = roxmltree::Document::parse(&xml).expect("the feed is XML");
        assert_eq!(
            doc.root_element()
                .attribute(("http://www.w3.org/XML/1998/namespace", "lang")),
            Some("fr"),
            "{feed}: xml:lang"
        );
    }
    assert_eq!(
        attr_list(&out, "/sec/a/", "html", &["lang"]),
        [["en"]],
        "the English page"
    );
}

#[test]
fn head_and_sitemap_name_every_translation_and_x_default() {
    let (_site, out) = built();
    let alternates = |page: &str| -> BTreeSet<(String, String)> {
        attr_list(
            &out,
            page,
            "link[rel=alternate][hreflang]",
            &["hreflang", "href"],
        )
        .into_iter()
        .map(|v| (v[0].clone(), v[1].clone()))
        .collect()
    };
    let both: BTreeSet<(String, String)> = [
        ("en", "https://example.org/sec/a/"),
        ("fr", "https://example.org/fr/sec/a/"),
        ("x-default", "https://example.org/sec/a/"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(alternates("/sec/a/"), both);
    assert_eq!(alternates("/fr/sec/a/"), both);
    // Untranslated: the French address shows the English text, so it is no alternate.
    let english_only: BTreeSet<(String, String)> = [
        ("en", "https://example.org/sec/b/"),
        ("x-default", "https://example.org/sec/b/"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(alternates("/sec/b/"), english_only);
    assert_eq!(
        attr_list(
            &out,
            "/fr/sec/a/",
            "meta[property='og:locale:alternate']",
            &["content"]
        ),
        [["en"]]
    );

    let xml = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("the sitemap is XML");
    let sm = "http://www.sitemaps.org/schemas/sitemap/0.9";
    let xhtml = "http://www.w3.org/1999/xhtml";
    let mut entries = std::collections::BTreeMap::new();
    for url in doc.descendants().filter(|n| n.has_tag_name((sm, "url"))) {
        let loc = url
            .children()
            .find(|n| n.has_tag_name((sm, "loc")))
            .and_then(|n| n.text())
            .unwrap_or("")
            .to_string();
        let links: BTreeSet<(String, String)> = url
            .children()
            .filter(|n| n.has_tag_name((xhtml, "link")))
            .map(|n| {
                (
                    n.attribute("hreflang").unwrap_or("").to_string(),
                    n.attribute("href").unwrap_or("").to_string(),
                )
            })
            .collect();
        entries.insert(loc, links);
    }
    assert_eq!(entries.get("https://example.org/sec/a/"), Some(&both));
    assert_eq!(entries.get("https://example.org/fr/sec/a/"), Some(&both));
    assert!(entries.contains_key("https://example.org/sec/b/"));
    assert!(
        !entries.contains_key("https://example.org/fr/sec/b/"),
        "an untranslated page's French address is no page of its own"
    );
    assert!(
        !out.join("fr/sitemap.xml").exists(),
        "one sitemap for the site"
    );
}

#[test]
fn a_translation_inherits_what_it_does_not_say() {
    let (_site, out) = built();
    let page = "/fr/sec/a/";
    let html = read_html(&file_for(&out, page));
    let texts = |css: &str| -> Vec<String> { html.select(&sel(css)).map(text_of).collect() };
    assert_eq!(texts("h1"), ["Chine"]);
    assert_eq!(
        texts(".box--bottom-line .box__text"),
        ["Pas de couverture."]
    );
    // The original's level, in French, beside the translated text.
    let judgment = texts(".judgment");
    assert!(
        judgment[0].contains("très probable") && judgment[0].contains("La sécurité l’emporte."),
        "{judgment:?}"
    );
    assert_eq!(texts("time[datetime='2017-05-01']")[0], "1er mai 2017");
    assert_eq!(
        texts(".hedge-assessment .level"),
        ["Élevée", "Faible", "Faible"],
        "levels inherited, in French"
    );
    // The untranslated reasons are the original's.
    assert_eq!(
        texts(".hedge-assessment .level__rationale"),
        ["Commerce.", "Rival.", "No."]
    );
    // Terms under their French labels and URLs; a term with no label keeps its name.
    let tags = attr_list(&out, page, ".terms a.tag", &["href"]);
    let tag_texts = texts(".terms a.tag");
    assert_eq!(tag_texts, ["Chine", "Japon"]);
    assert_eq!(tags[0], ["https://example.org/fr/acteurs/chine/"]);
    // French punctuation in the body: a narrow no-break space before the colon.
    let body: String = html
        .select(&sel(".prose p"))
        .next()
        .map(|p| p.text().collect())
        .unwrap_or_default();
    assert!(body.contains("texte\u{202f}: voilà"), "{body:?}");
    // The chronology's event: French text, the original's date.
    let chrono = read_html(&file_for(&out, "/fr/chronology/"));
    let events: Vec<String> = chrono
        .select(&sel(".timeline__event"))
        .map(text_of)
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.contains("novembre 2016") && e.contains("Élection de Trump.")),
        "{events:?}"
    );
}

#[test]
fn an_untranslated_page_says_so_and_links_to_its_original() {
    let (_site, out) = built();
    let page = "/fr/sec/b/";
    let html = read_html(&file_for(&out, page));
    let notice: Vec<_> = html.select(&sel(".untranslated-notice a")).collect();
    assert_eq!(notice.len(), 1, "one notice with a link");
    assert_eq!(
        notice[0].value().attr("href"),
        Some("https://example.org/sec/b/")
    );
    let article: Vec<_> = html.select(&sel("article.brief")).collect();
    assert_eq!(
        article[0].value().attr("lang"),
        Some("en"),
        "the text is the original's"
    );
    assert!(
        article[0].value().attr("data-pagefind-body").is_none(),
        "the French search leaves the English text out"
    );
    // The switcher of a translated page links to the same page in the other language.
    let switch = attr_list(
        &out,
        "/fr/sec/a/",
        ".site-languages a",
        &["href", "hreflang"],
    );
    assert_eq!(switch, [["https://example.org/sec/a/", "en"]]);
    assert!(
        read_html(&file_for(&out, "/fr/sec/a/"))
            .select(&sel(".untranslated-notice"))
            .next()
            .is_none()
    );
}

#[test]
fn search_has_one_index_per_language() {
    let (_site, out) = built();
    let entry = std::fs::read_to_string(out.join("pagefind/pagefind-entry.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&entry).unwrap();
    let langs: BTreeSet<&str> = v["languages"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(langs, BTreeSet::from(["en", "fr"]));
    assert_eq!(
        v["languages"]["fr"]["page_count"], 1,
        "only the translated brief"
    );
    assert_eq!(v["languages"]["en"]["page_count"], 2);
}

#[test]
fn translator_mistakes_are_errors_at_their_line() {
    let site = site();
    site.write("content/sec/a.de.md", "+++\ntitle = \"X\"\n+++\n")
        .write("content/sec/gone.fr.md", "+++\ntitle = \"Perdu\"\n+++\n")
        .write(
            "content/sec/a.fr.md",
            TRANSLATION.replace(
                "[[key_judgments]]\ntext = \"La sécurité l'emporte.\"\n",
                "[[key_judgments]]\ntext = \"La sécurité l'emporte.\"\nconfidence = \"probable\"\n",
            ),
        );
    let r = run(&site.build_args(&[]));
    r.expect_code(1);
    let e = &r.stderr;
    assert!(
        e.contains("content/sec/a.de.md:1:1")
            && e.contains("`a.de.md` is named for the language `de`, which the site does not have"),
        "{e}"
    );
    assert!(
        e.contains("content/sec/gone.fr.md:1:1") && e.contains("this translation has no original"),
        "{e}"
    );
    assert!(
        e.contains("content/sec/a.fr.md:4:1")
            && e.contains("key judgment 1 says `likely` where the original says `very likely`"),
        "{e}"
    );
    assert!(!site.out().exists(), "a failed build writes nothing");
}

#[test]
fn a_language_without_its_strings_fails_naming_the_language() {
    let site = TinySite::new(
        "title = \"T\"\nlanguage = \"en\"\n[languages.de]\ntitle = \"T\"\n",
        "Home",
    );
    let r = run(&site.build_args(&[]));
    r.expect_code(1);
    assert!(
        r.stderr.contains("interface strings have no `de` text"),
        "{}",
        r.stderr
    );
    site.write("i18n/de.toml", "menu = \"Menü\"\n");
    let r = run(&site.build_args(&[]));
    r.expect_code(1);
    assert!(
        r.stderr.contains("i18n/de.toml") && r.stderr.contains("no `de` text"),
        "{}",
        r.stderr
    );
}

/// The fixture with English under `/en/` too, a brief linking another with `@/`, and a folder
/// brief with an image beside it (linked relative and root-relative).
fn prefixed() -> (TinySite, std::path::PathBuf) {
    let site = site_with(&format!("prefix_default_language = true\n{CONFIG}"));
    site.write(
        "content/sec/c.md",
        "+++\ntitle = \"Links\"\ndate = 2017-05-03\n+++\nSee [Russia](@/sec/b.md) and [home](@/_index.md).\n",
    )
    .write(
        "content/sec/d/index.md",
        "+++\ntitle = \"Folder\"\ndate = 2017-05-04\n+++\n![map](map.svg) ![again](/sec/d/map.svg)\n",
    )
    .write(
        "content/sec/d/map.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>",
    );
    run(&site.build_args(&[])).expect_success();
    let out = site.out();
    (site, out)
}

fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn head_alternates(out: &Path, page: &str) -> BTreeSet<(String, String)> {
    attr_list(
        out,
        page,
        "link[rel=alternate][hreflang]",
        &["hreflang", "href"],
    )
    .into_iter()
    .map(|v| (v[0].clone(), v[1].clone()))
    .collect()
}

#[test]
fn with_a_prefix_every_english_page_is_under_en_and_the_root_keeps_only_shared_files() {
    let (_site, out) = prefixed();
    for page in [
        "/en/",
        "/en/sec/",
        "/en/sec/a/",
        "/en/sec/b/",
        "/en/actors/",
        "/en/actors/china/",
        "/en/chronology/",
        "/en/briefing/",
        "/en/search/",
        "/en/404.html",
    ] {
        let file = file_for(&out, page);
        assert!(file.is_file(), "{page} was not built ({})", file.display());
        assert_eq!(attr_list(&out, page, "html", &["lang"]), [["en"]], "{page}");
        let url = format!("https://example.org{page}");
        if !page.ends_with(".html") {
            assert_eq!(
                attr_list(&out, page, "link[rel=canonical]", &["href"]),
                [[url.as_str()]],
                "{page}: canonical"
            );
            assert_eq!(
                attr_list(&out, page, "meta[property='og:url']", &["content"]),
                [[url.as_str()]],
                "{page}: og:url"
            );
        }
    }
    let brief = read_html(&file_for(&out, "/en/sec/a/"));
    let ld: Vec<serde_json::Value> = brief
        .select(&sel("script[type='application/ld+json']"))
        .map(|s| serde_json::from_str(&s.text().collect::<String>()).expect("JSON-LD parses"))
        .collect();
    assert_eq!(ld.len(), 1);
    assert_eq!(ld[0]["url"], "https://example.org/en/sec/a/");
    // Nothing of the English edition is left at the root but the shared files.
    let mut stray = Vec::new();
    for (rel, bytes) in common::snapshot(&out) {
        let top = rel.split('/').next().unwrap_or("");
        let shared = matches!(
            rel.as_str(),
            "index.html"
                | "404.html"
                | "sitemap.xml"
                | "robots.txt"
                | ".briefing-output"
                | ".briefing-pdfs.json"
        ) || top == "pagefind"
            || rel == "favicon.svg"
            || (rel.starts_with("style.") && rel.ends_with(".css"))
            // The folder brief's image, where a root-relative link written for `/` finds it.
            || rel == "sec/d/map.svg";
        match top {
            "en" | "fr" if rel.contains('/') => {
                if rel.ends_with(".html") {
                    let html = scraper::Html::parse_document(&String::from_utf8_lossy(&bytes));
                    let lang: Vec<&str> = html
                        .select(&sel("html"))
                        .filter_map(|e| e.value().attr("lang"))
                        .collect();
                    assert_eq!(lang, [top], "{rel}: <html lang>");
                }
            }
            _ if shared => {}
            _ => stray.push(rel),
        }
    }
    assert!(stray.is_empty(), "left at the root: {stray:?}");
    // The folder brief's image is beside its page in each language.
    for (page, file) in [
        ("/en/sec/d/", "en/sec/d/map.svg"),
        ("/fr/sec/d/", "fr/sec/d/map.svg"),
    ] {
        assert!(out.join(file).is_file(), "{file}");
        let srcs = attr_list(&out, page, ".prose img", &["src"]);
        assert_eq!(srcs.len(), 2, "{page}: {srcs:?}");
        for src in srcs {
            let path = src[0].trim_start_matches("https://example.org");
            let target = if path.starts_with('/') {
                out.join(path.trim_start_matches('/'))
            } else {
                out.join(file.rsplit_once('/').unwrap().0).join(path)
            };
            assert!(
                target.is_file(),
                "{page}: <img src={}> names no file",
                src[0]
            );
        }
    }
}

#[test]
fn with_a_prefix_the_root_offers_each_language_with_x_default_itself() {
    let (_site, out) = prefixed();
    let choice = read_html(&out.join("index.html"));
    assert_eq!(attr_list(&out, "/", "html", &["lang"]), [["en"]]);
    let homes = set(&[
        ("en", "https://example.org/en/"),
        ("fr", "https://example.org/fr/"),
        ("x-default", "https://example.org/"),
    ]);
    assert_eq!(head_alternates(&out, "/"), homes);
    // Each home names the same set: the choice is their x-default.
    assert_eq!(head_alternates(&out, "/en/"), homes);
    assert_eq!(head_alternates(&out, "/fr/"), homes);
    let links = attr_list(&out, "/", "main a", &["href", "hreflang", "lang"]);
    assert_eq!(
        links,
        [
            ["https://example.org/en/", "en", "en"],
            ["https://example.org/fr/", "fr", "fr"]
        ]
    );
    // Each language's link shows the site's title in that language.
    let titles: Vec<String> = choice.select(&sel("main a")).map(text_of).collect();
    assert!(
        titles[0].contains("Briefing") && titles[1].contains("Dossier"),
        "{titles:?}"
    );
    assert!(
        choice
            .select(&sel("script, meta[http-equiv]"))
            .next()
            .is_none(),
        "the choice works without JavaScript and never redirects"
    );
    // Other pages keep the default language's page as x-default.
    assert_eq!(
        head_alternates(&out, "/fr/sec/a/"),
        set(&[
            ("en", "https://example.org/en/sec/a/"),
            ("fr", "https://example.org/fr/sec/a/"),
            ("x-default", "https://example.org/en/sec/a/"),
        ])
    );
    // The root 404, what hosts serve for any missing address: both languages, each with its
    // home; the languages' own 404 pages stay.
    let missing = read_html(&out.join("404.html"));
    let parts: Vec<(String, String)> = missing
        .select(&sel("main [lang] a"))
        .map(|a| {
            (
                a.value().attr("lang").unwrap_or("").to_string(),
                a.value().attr("href").unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            ("en".to_string(), "https://example.org/en/".to_string()),
            ("fr".to_string(), "https://example.org/fr/".to_string())
        ]
    );
    let headings: Vec<String> = missing.select(&sel("h1, h2")).map(text_of).collect();
    assert_eq!(headings, ["Page not found", "Page introuvable"]);
    assert!(out.join("en/404.html").is_file() && out.join("fr/404.html").is_file());
}

/// The sitemap's `<url>`s by location, each with its `xhtml:link` alternates.
fn sitemap_entries(out: &Path) -> std::collections::BTreeMap<String, BTreeSet<(String, String)>> {
    let xml = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("the sitemap is XML");
    let sm = "http://www.sitemaps.org/schemas/sitemap/0.9";
    let xhtml = "http://www.w3.org/1999/xhtml";
    doc.descendants()
        .filter(|n| n.has_tag_name((sm, "url")))
        .map(|url| {
            let loc = url
                .children()
                .find(|n| n.has_tag_name((sm, "loc")))
                .and_then(|n| n.text())
                .unwrap_or("")
                .to_string();
            let links = url
                .children()
                .filter(|n| n.has_tag_name((xhtml, "link")))
                .map(|n| {
                    (
                        n.attribute("hreflang").unwrap_or("").to_string(),
                        n.attribute("href").unwrap_or("").to_string(),
                    )
                })
                .collect();
            (loc, links)
        })
        .collect()
}

#[test]
fn with_a_prefix_the_sitemap_names_en_and_fr_with_the_choice_as_the_homes_x_default() {
    let (_site, out) = prefixed();
    let entries = sitemap_entries(&out);
    let brief = set(&[
        ("en", "https://example.org/en/sec/a/"),
        ("fr", "https://example.org/fr/sec/a/"),
        ("x-default", "https://example.org/en/sec/a/"),
    ]);
    assert_eq!(entries.get("https://example.org/en/sec/a/"), Some(&brief));
    assert_eq!(entries.get("https://example.org/fr/sec/a/"), Some(&brief));
    let homes = set(&[
        ("en", "https://example.org/en/"),
        ("fr", "https://example.org/fr/"),
        ("x-default", "https://example.org/"),
    ]);
    for home in [
        "https://example.org/",
        "https://example.org/en/",
        "https://example.org/fr/",
    ] {
        assert_eq!(entries.get(home), Some(&homes), "{home}");
    }
    for loc in entries.keys() {
        assert!(
            loc == "https://example.org/"
                || loc.starts_with("https://example.org/en/")
                || loc.starts_with("https://example.org/fr/"),
            "{loc} is neither the choice nor under a language"
        );
    }
    assert!(!entries.contains_key("https://example.org/404.html"));
    let robots = std::fs::read_to_string(out.join("robots.txt")).unwrap();
    assert!(
        robots.contains("Sitemap: https://example.org/sitemap.xml"),
        "{robots}"
    );
    assert!(!out.join("en/sitemap.xml").exists() && !out.join("en/robots.txt").exists());
}

#[test]
fn with_a_prefix_internal_links_and_feeds_point_at_en() {
    let (_site, out) = prefixed();
    let links = attr_list(&out, "/en/sec/c/", ".prose a", &["href"]);
    assert_eq!(
        links,
        [
            ["https://example.org/en/sec/b/"],
            ["https://example.org/en/"]
        ]
    );
    // The English home page's link to the site feed, and the feeds themselves.
    assert_eq!(
        attr_list(&out, "/en/", "link[type='application/atom+xml']", &["href"]),
        [["https://example.org/en/atom.xml"]]
    );
    for feed in ["en/atom.xml", "en/sec/atom.xml"] {
        let xml = std::fs::read_to_string(out.join(feed)).expect(feed);
        let doc = roxmltree::Document::parse(&xml).expect("the feed is XML");
        let atom = "http://www.w3.org/2005/Atom";
        let hrefs: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name((atom, "link")))
            .filter_map(|n| n.attribute("href"))
            .collect();
        assert!(hrefs.len() >= 3, "{feed}: {hrefs:?}");
        for h in hrefs {
            assert!(h.starts_with("https://example.org/en/"), "{feed}: {h}");
        }
        let ids: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name((atom, "id")))
            .filter_map(|n| n.text())
            .collect();
        assert!(
            ids.iter().all(|i| i.starts_with("https://example.org/en/")),
            "{feed}: {ids:?}"
        );
    }
    assert!(!out.join("atom.xml").exists() && !out.join("sec/atom.xml").exists());
    // `check` resolves the site's links under the prefix.
    let check = run(&["check", "--root", common::arg(&_site.root)]);
    assert!(
        !check.stderr.contains("broken") && !check.stderr.contains("missing image"),
        "{}",
        check.stderr
    );
}

#[test]
fn a_language_prefix_on_a_one_language_site_is_an_error_at_its_line() {
    let site = TinySite::new("title = \"T\"\nprefix_default_language = true\n", "Home");
    let r = run(&site.build_args(&[]));
    r.expect_code(1);
    assert!(
        r.stderr.contains("briefing.toml:2:27")
            && r.stderr
                .contains("prefix_default_language needs a second language"),
        "{}",
        r.stderr
    );
    assert!(!site.out().exists(), "a failed build writes nothing");
}

/// The drawn texts of the chart on `page`: category names, values and ticks.
fn chart_texts(out: &Path, page: &str) -> Vec<String> {
    let html = read_html(&file_for(out, page));
    html.select(&sel("figure.chart svg text"))
        .map(|t| {
            t.children()
                .filter_map(|c| c.value().as_text().map(|s| s.to_string()))
                .chain(
                    t.select(&sel("tspan"))
                        .map(|s| s.text().collect::<String>()),
                )
                .collect::<String>()
        })
        .collect()
}

#[test]
fn a_chart_reads_its_data_file_s_translation_and_writes_numbers_in_the_language() {
    let chart = "\n\n{{ chart(data=\"tests\", x=\"kind\", y=\"count\") }}\n";
    let site = site();
    site.write("content/sec/a.md", format!("{BRIEF}{chart}"))
        .write("content/sec/a.fr.md", format!("{TRANSLATION}{chart}"))
        .write(
            "content/data/tests.csv",
            "kind,count\nNuclear,3\nMissiles,1250.5\n",
        )
        .write(
            "content/data/tests.fr.csv",
            "kind,count\nNucléaires,3\nMissiles,1250.5\n",
        );
    run(&site.build_args(&[])).expect_success();
    let out = site.out();
    let en = chart_texts(&out, "/sec/a/");
    let fr = chart_texts(&out, "/fr/sec/a/");
    assert!(
        en.iter().any(|t| t == "Nuclear") && en.iter().any(|t| t == "1,250.50"),
        "{en:?}"
    );
    assert!(
        fr.iter().any(|t| t == "Nucléaires") && fr.iter().any(|t| t == "1\u{202f}250,50"),
        "{fr:?}"
    );
    assert!(!fr.iter().any(|t| t == "Nuclear"), "{fr:?}");

    // Numbers are the original's: updating one updates the French chart, and a translation
    // still giving the old one is told so.
    site.write(
        "content/data/tests.csv",
        "kind,count\nNuclear,3\nMissiles,1300\n",
    );
    let r = run(&site.build_args(&[]));
    r.expect_success();
    assert!(
        r.stderr.contains("content/data/tests.fr.csv:3:1")
            && r.stderr
                .contains("row 2, column `count`: 1250.5 where the original has 1300"),
        "{}",
        r.stderr
    );
    let fr = chart_texts(&out, "/fr/sec/a/");
    assert!(
        fr.iter().any(|t| t == "1\u{202f}300") && fr.iter().any(|t| t == "Nucléaires"),
        "{fr:?}"
    );
    // Another shape is the translator's mistake: an error at its line.
    site.write("content/data/tests.fr.csv", "kind,count\nNucléaires,3\n");
    let r = run(&site.build_args(&[]));
    r.expect_code(1);
    assert!(
        r.stderr.contains("content/data/tests.fr.csv")
            && r.stderr.contains("1 items where the original has 2"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_summary_says_how_much_of_the_site_each_language_has_translated() {
    let site = site();
    let r = run(&site.build_args(&[]));
    r.expect_success();
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(
        all.contains("(2 briefs, 1 section; fr: 1 of 2 briefs translated)"),
        "{all}"
    );
}

#[test]
fn translation_key_links_a_translation_named_unlike_its_original() {
    let site = site();
    site.write(
        "content/sec/b.md",
        "+++\ntitle = \"Russia\"\ntranslation_key = \"russia\"\ndate = 2017-05-02\nactors = [\"Russia\"]\n+++\nOnly English.\n",
    )
    .write(
        "content/sec/russie.fr.md",
        "+++\ntitle = \"Russie\"\ntranslation_key = \"russia\"\n+++\nEn français.\n",
    );
    run(&site.build_args(&[])).expect_success();
    let out = site.out();
    // Published under its own file name, with the original's metadata, as its translation.
    let fr = read_html(&file_for(&out, "/fr/sec/russie/"));
    let h1 = fr.select(&sel("h1")).next().expect("a heading");
    assert_eq!(text_of(h1), "Russie");
    assert!(
        !file_for(&out, "/fr/sec/b/").exists(),
        "the fallback page is gone"
    );
    let alternates = attr_list(
        &out,
        "/sec/b/",
        "link[rel=alternate][hreflang]",
        &["hreflang", "href"],
    );
    assert!(
        alternates.contains(&vec![
            "fr".to_string(),
            "https://example.org/fr/sec/russie/".to_string()
        ]),
        "{alternates:?}"
    );
    assert!(
        fr.select(&sel(".untranslated-notice")).next().is_none(),
        "a keyed translation is a translation"
    );
    // `check` counts it as the original's translation.
    let check = run(&["check", "--root", site.root.to_str().unwrap()]);
    let untranslated: Vec<&str> = check
        .stderr
        .lines()
        .filter(|l| l.contains("no translation into `fr`"))
        .collect();
    assert!(
        !check
            .stderr
            .contains("`briefing translate content/sec/b.md --to fr`"),
        "{untranslated:?}\n{}",
        check.stderr
    );

    // `translate --update` finds it by its key.
    let update = run(&[
        "translate",
        "--root",
        site.root.to_str().unwrap(),
        "content/sec/b.md",
        "--to",
        "fr",
        "--update",
    ]);
    update.expect_success();
    let updated = std::fs::read_to_string(site.root.join("content/sec/russie.fr.md")).unwrap();
    assert!(updated.contains("translated_from = \""), "{updated}");
    assert!(!site.root.join("content/sec/b.fr.md").exists());

    // A key no original has, and two translations of one original, are errors at their line.
    site.write(
        "content/sec/russie.fr.md",
        "+++\ntitle = \"Russie\"\ntranslation_key = \"rusia\"\n+++\nEn français.\n",
    )
    .write(
        "content/sec/alpha.fr.md",
        "+++\ntitle = \"Chine encore\"\ntranslation_key = \"china\"\n+++\n",
    )
    .write(
        "content/sec/a.md",
        BRIEF.replacen("+++\n", "+++\ntranslation_key = \"china\"\n", 1),
    );
    let r = run(&site.build_args(&[]));
    r.expect_code(1);
    assert!(
        r.stderr.contains("content/sec/russie.fr.md:3:")
            && r.stderr
                .contains("no page in the default language has `translation_key = \"rusia\"`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("content/sec/a.md has two translations into `fr`"),
        "{}",
        r.stderr
    );
}
