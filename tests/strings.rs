//! Interface strings: every word the default theme shows comes from `i18n/LANG.toml`, and a
//! site's own `i18n/en.toml` changes any of them, key by key, on every page kind and in
//! briefing's own HTML (heading links, footnotes), with a warning for a key that means nothing.

mod common;

use std::path::Path;

use common::{TinySite, example_site, file_for, read_html, run, sel, text_of};

fn texts(out: &Path, page: &str, css: &str) -> Vec<String> {
    let html = read_html(&file_for(out, page));
    html.select(&sel(css)).map(text_of).collect()
}

fn attrs(out: &Path, page: &str, css: &str, attr: &str) -> Vec<String> {
    let html = read_html(&file_for(out, page));
    html.select(&sel(css))
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

#[test]
fn a_site_file_changes_the_words_of_the_theme_and_of_the_markdown_stage() {
    let (_tmp, site) = example_site();
    common::write(
        &site,
        "i18n/en.toml",
        "bottom_line = \"The short of it\"\nheading_link = \"Jump to {heading}\"\n\
         [legend]\ntitle = \"How likely is likely\"\n[estimative]\nvery-likely = \"highly likely\"\n\
         [levels]\nhigh = \"Strong\"\n",
    );
    let out = site.join("output");
    let r = run(&["build", "--root", common::arg(&site)]);
    r.expect_success();
    let brief = "/hedges/china/";
    assert_eq!(
        texts(&out, brief, ".brief .box--bottom-line .box__title"),
        ["The short of it"]
    );
    assert_eq!(
        texts(&out, brief, ".legend__title"),
        ["How likely is likely"]
    );
    // The same level, its word from the file, in the judgments and in the legend.
    let words = texts(&out, brief, ".judgment a.confidence");
    assert!(
        words.iter().any(|w| w.ends_with("highly likely")),
        "judgment words: {words:?}"
    );
    assert!(
        texts(&out, brief, ".legend__table th .confidence").contains(&"highly likely".to_string())
    );
    assert!(texts(&out, brief, ".hedge-assessment .level").contains(&"Strong".to_string()));
    let anchors = attrs(&out, brief, ".prose a.heading-anchor", "aria-label");
    assert!(!anchors.is_empty());
    assert!(
        anchors.iter().all(|a| a.starts_with("Jump to ")),
        "heading links: {anchors:?}"
    );
    // Untouched keys keep the theme's words.
    assert_eq!(
        texts(&out, brief, ".brief .box--judgments .box__title"),
        ["Key judgments"]
    );
    assert_eq!(
        texts(&out, "/", ".box--bottom-line .box__title"),
        ["The short of it"]
    );
}

#[test]
fn a_key_no_theme_has_is_a_warning_that_names_the_near_key() {
    let site = TinySite::new("title = \"T\"\n", "Home");
    site.write("i18n/en.toml", "botom_line = \"Short\"\n");
    let r = run(&site.build_args(&[]));
    r.expect_success();
    assert!(
        r.stderr.contains("i18n/en.toml:1:1")
            && r.stderr.contains("`botom_line` is not an interface string")
            && r.stderr.contains("did you mean `bottom_line`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_string_that_is_not_text_fails_the_build_at_its_line() {
    let site = TinySite::new("title = \"T\"\n", "Home");
    site.write("i18n/en.toml", "menu = \"Menu\"\n\n[legend]\ntitle = 7\n");
    let r = run(&site.build_args(&[]));
    r.expect_code(1);
    assert!(
        r.stderr.contains("i18n/en.toml:4:1")
            && r.stderr
                .contains("`legend.title` is a number or a date, not text"),
        "{}",
        r.stderr
    );
    assert!(!site.out().exists(), "a failed build wrote output");
}

/// Every `t.KEY` a template of the default theme reads is a key of its English file, so no
/// page kind, component or shortcode shows a key's name or fails on a missing string.
#[test]
fn every_string_the_theme_reads_is_in_its_english_file() {
    let root = common::repo_root().join("themes/default");
    let strings: toml::Table = toml::from_str(
        &std::fs::read_to_string(root.join("i18n/en.toml")).expect("the theme's English strings"),
    )
    .expect("i18n/en.toml is TOML");
    let mut missing = Vec::new();
    let mut used = 0;
    for entry in walkdir::WalkDir::new(root.join("templates")) {
        let entry = entry.expect("walk the templates");
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read a template");
        let bytes = text.as_bytes();
        for (i, _) in text.match_indices("t.") {
            // `t.` as a whole name: not `kj.t.` nor `.t.` nor `part.`.
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || b"_.".contains(&bytes[i - 1])) {
                continue;
            }
            let path: String = text[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.' || *c == '-')
                .collect();
            let path = path.trim_end_matches('.');
            // `t.lang` is the language itself, which briefing adds to every language's strings.
            if path == "lang" {
                used += 1;
                continue;
            }
            let mut at = toml::Value::Table(strings.clone());
            for part in path.split('.') {
                match at.get(part) {
                    Some(v) => at = v.clone(),
                    None => {
                        missing.push(format!("{}: t.{path}", entry.path().display()));
                        break;
                    }
                }
            }
            used += 1;
        }
    }
    assert!(
        used > 100,
        "only {used} uses of t. found: is the scan right?"
    );
    assert!(
        missing.is_empty(),
        "missing strings:\n{}",
        missing.join("\n")
    );
}
